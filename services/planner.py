"""The prevention planner's tables: one card per country of origin (see :mod:`analytics.planner`).

A connection and :class:`~data.filters.Filters` in, :class:`~analytics.planner.PlanCard`s out,
for the Prevention planner page, its PDF and CSV, the pack slide and ``python -m analytics
plan``. The sidebar's origin filter chooses the default countries (else the top origins by dead
and missing); every other filter applies as elsewhere. Languages come from the Unicode CLDR
territory data bundled with Babel (read here, so the analytics stay pure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

import i18n
from analytics.catalogue import is_value
from analytics.messages import period_text
from analytics.planner import (
    MIN_DEATHS_FOR_PEAK,
    MIN_DETECTIONS_FOR_PEAK,
    PlanCard,
    complete_years,
    compute_cause_shares,
    compute_language_shares,
    compute_origin_routes,
    compute_peak,
    compute_route_nationalities,
    compute_seasonality,
    compute_transit_countries,
)
from data.filters import Filters
from data.queries import query_countries, query_detections_by, query_incidents_by
from data.risk_queries import query_detections_by_nationality_route, query_origin_tables
from i18n import N_, _
from services import report

Con = duckdb.DuckDBPyConnection

#: Countries on a card by default: the top origins by dead and missing.
DEFAULT_COUNTRIES = 3
CLDR_SOURCE = N_("Unicode CLDR territory languages (Babel {version})")


def territory_languages(iso2: str | None) -> Mapping[str, Mapping[str, object]]:
    """CLDR's languages of a territory (Babel): code -> population_percent, official_status."""
    from babel.core import get_global

    if not iso2:
        return {}
    data: Mapping[str, Mapping[str, Mapping[str, object]]] = get_global("territory_languages")
    return data.get(iso2.upper(), {})


def language_names(codes: Sequence[str]) -> dict[str, str]:
    """Names of CLDR language codes in the reader's language (``uz_Arab`` -> ``Uzbek (Arabic)``
    / ``ouzbek (arabe)``), from CLDR through Babel."""
    from babel import Locale

    loc = Locale("fr") if i18n.get_lang() == "fr" else Locale("en")
    out = {}
    for code in codes:
        base, _sep, script = code.partition("_")
        name = loc.languages.get(code) or loc.languages.get(base)
        if name and script:
            name = f"{name} ({loc.scripts.get(script, script)})"
        if name:
            out[code] = name
    return out


def cldr_label() -> str:
    import babel

    return _(CLDR_SOURCE).format(version=babel.__version__)


#: A campaign speaks to a country's people whatever route they take: the planner reads the risk
#: tables over all routes worldwide, whatever scope the Risk page shows.
PLANNER_SCOPE = "world"


def default_countries(
    con: Con, f: Filters, n: int = DEFAULT_COUNTRIES, *, ref: report.Reference | None = None
) -> tuple[str, ...]:
    """The countries a plan shows by default: the sidebar's origins, else the ``n`` origins
    with the most dead and missing (split 1/k) under the filters."""
    if f.origins:
        return tuple(f.origins)
    deaths = report.origin_deaths(con, f, ref=ref)
    return tuple(str(x) for x in deaths["iso3"].head(n))


@dataclass(frozen=True)
class Plan:
    """The cards and what every surface prints beside them."""

    cards: tuple[PlanCard, ...]
    #: The filters in words, with names (:func:`services.report.display_names`).
    filters: str
    period: str
    is_demo: bool


def plan(
    con: Con,
    f: Filters,
    origins: Sequence[str] | None = None,
    *,
    ref: report.Reference | None = None,
    origin_table: pd.DataFrame | None = None,
    transit_table: pd.DataFrame | None = None,
) -> Plan:
    """One :class:`PlanCard` per country of origin.

    Parameters
    ----------
    origins : sequence of ISO-3, optional
        The countries; default :func:`default_countries`.
    origin_table, transit_table : DataFrame, optional
        :func:`services.report.origin_risk` and :func:`~services.report.transit_risk` (scope
        :data:`PLANNER_SCOPE`) for the
        same filters without the origin filter (the pack has them already).

    Raises
    ------
    ValueError
        For a code that is no country in the warehouse, or when no incident data is loaded.
    """
    ctx = report._Ctx(con, ref)
    fa = f.replace(origins=())
    v = ctx.vintages(fa)
    if v.incidents is None:
        raise ValueError(_("no incident data is loaded: load an IOM export or the demo data first"))
    if f.routes:
        ctx.check_routes(f.routes)
    chosen = tuple(dict.fromkeys(o.upper() for o in (origins or ())))
    if not chosen:
        chosen = default_countries(con, f, ref=ref)
    names = ctx.names
    unknown = [o for o in chosen if o not in names.index]
    if unknown:
        raise ValueError(
            _(
                "unknown country code {codes}: expected the ISO-3 code of a country in the "
                "warehouse, such as ERI or AFG"
            ).format(codes=", ".join(unknown))
        )
    cn = query_countries(con, with_geometry=False)
    iso2 = dict(zip(cn["iso3"], cn["iso2"], strict=True))
    if origin_table is None:
        origin_table = report.origin_risk(con, fa, ref=ref, scope=PLANNER_SCOPE)
    if transit_table is None:
        transit_table = report.transit_risk(con, fa, ref=ref, scope=PLANNER_SCOPE)
    det_nat = query_detections_by_nationality_route(con, fa, v, ctx.cube)
    det_nat = det_nat[det_nat["iso3"].isin(names.index)]
    dead_by = query_origin_tables(
        con,
        fa,
        None,
        v,
        ctx.lists(v.incidents),
        previous=False,
        detail=False,
        frontex_routes=ctx.frontex_routes,
    ).by_route
    cov = report.coverage(con, fa, ref=ref)
    fx, mmp = cov.get("frontex"), cov.get("mmp")
    fx_years = complete_years(fx.first, fx.last, f.date_from, f.date_to) if fx else ()
    mmp_years = complete_years(mmp.first, mmp.last, f.date_from, f.date_to) if mmp else ()
    rn = ctx.route_names
    period = period_text(f.date_from, f.date_to)
    sources = i18n.join_list(
        x
        for x in (
            ctx.labels.get(v.incidents or ""),
            ctx.labels.get(v.detections or ""),
            cldr_label(),
        )
        if x
    )
    cards = []
    for iso3 in chosen:
        cards.append(
            _card(
                con,
                fa,
                iso3,
                str(names.get(iso3, iso3)),
                iso2.get(iso3),
                names,
                rn,
                origin_table,
                transit_table,
                det_nat,
                dead_by,
                ctx.crossing,
                fx_years,
                mmp_years,
                period,
                sources,
                (v.incidents, v.detections),
            )
        )
    # Route and country names and vintage dates, never their ids (the page does the same).
    return Plan(tuple(cards), f.describe(report.display_names(con, ref=ref)), period, v.is_demo)


def _named(df: pd.DataFrame, names: pd.Series, rn: pd.Series) -> pd.DataFrame:
    df = df.copy()
    df["name"] = df["iso3"].map(names).fillna(df["iso3"])
    df["route_name"] = df["route_id"].map(rn).fillna(df["route_id"])
    return df


def _value(table: pd.DataFrame, iso3: str, col: str) -> float | None:
    hit = table.loc[table["iso3"] == iso3, col] if col in table.columns else pd.Series()
    x = hit.iloc[0] if len(hit) else None
    return float(x) if x is not None and is_value(x) else None


def _card(
    con: Con,
    fa: Filters,
    iso3: str,
    name: str,
    iso2: Any,
    names: pd.Series,
    rn: pd.Series,
    origin_table: pd.DataFrame,
    transit_table: pd.DataFrame,
    det_nat: pd.DataFrame,
    dead_by: pd.DataFrame,
    crossing: pd.DataFrame,
    fx_years: tuple[int, ...],
    mmp_years: tuple[int, ...],
    period: str,
    sources: str,
    source_ids: tuple[str | None, ...],
) -> PlanCard:
    routes = compute_origin_routes(det_nat, dead_by, iso3)
    routes["name"] = routes["route_id"].map(rn).fillna(routes["route_id"])
    rids = list(routes["route_id"])
    nat = pd.concat(
        [
            compute_route_nationalities(det_nat, "detections", rids)
            .rename(columns={"detections": "value"})
            .assign(source="frontex"),
            compute_route_nationalities(dead_by, "dead_and_missing", rids)
            .rename(columns={"dead_and_missing": "value"})
            .assign(source="mmp"),
        ],
        ignore_index=True,
    )
    nat = _named(nat, names, rn)
    territory = territory_languages(iso2 if isinstance(iso2, str) else None)
    languages = compute_language_shares(territory, language_names(list(territory)))
    mine = fa.replace(origins=(iso3,))
    det_month = query_detections_by(con, mine, "route", "month")
    det_season = compute_seasonality(
        det_month.groupby("period", as_index=False)["detections"].sum()
        if len(det_month)
        else det_month,
        "detections",
        fx_years,
    )
    det_peak = compute_peak(det_season, "detections", MIN_DETECTIONS_FOR_PEAK)
    by_route = compute_seasonality(
        det_month[det_month["key"].isin(rids)], "detections", fx_years, by="key"
    )
    route_peaks = []
    for rid in rids:
        p = compute_peak(by_route[by_route["key"] == rid], "detections", MIN_DETECTIONS_FOR_PEAK)
        route_peaks.append(
            {
                "route_id": rid,
                "route_name": rn.get(rid, rid),
                "peak_month": p.month,
                "peak_share": p.share,
            }
        )
    dead_month = query_incidents_by(con, mine, "none", "month")
    death_season = compute_seasonality(dead_month, "dead_and_missing", mmp_years)
    death_peak = compute_peak(death_season, "dead_and_missing", MIN_DEATHS_FOR_PEAK)
    if rids:
        on_routes = fa.replace(routes=tuple(rids))
        causes_raw = query_incidents_by(con, on_routes, "cause", None)
        total = query_incidents_by(con, on_routes, "none", None)["dead_and_missing"].sum()
    else:
        causes_raw, total = pd.DataFrame(columns=["key", "dead_and_missing"]), 0
    return PlanCard(
        iso3=iso3,
        name=name,
        routes=routes,
        nationalities=nat,
        languages=languages,
        detection_season=det_season,
        death_season=death_season,
        detection_peak=det_peak,
        death_peak=death_peak,
        route_peaks=pd.DataFrame(
            route_peaks, columns=["route_id", "route_name", "peak_month", "peak_share"]
        ),
        transit=compute_transit_countries(crossing, rids, transit_table, iso3),
        causes=compute_cause_shares(causes_raw, total),
        dead_and_missing=_value(origin_table, iso3, "dead_and_missing"),
        detections=_value(origin_table, iso3, "detections"),
        share_children=_value(origin_table, iso3, "share_children"),
        share_women=_value(origin_table, iso3, "share_women"),
        period=period,
        sources=sources,
        source_ids=tuple(s for s in source_ids if s),
    )
