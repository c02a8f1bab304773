"""Follow the money: the tables the page, the pack slide and ``python -m analytics money`` show.

A connection, the :class:`~data.filters.Filters` and two parameters in (which persons count,
and the share that used a smuggler), :class:`MoneyTables` out. The arithmetic is
:mod:`analytics.money`; the reference tables and counts are read by :mod:`data.money`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

import i18n
from analytics import money as am
from data import money as dm
from data.filters import Filters
from i18n import N_, _

Con = duckdb.DuckDBPyConnection

#: Filters that restrict the dead and missing only: they do not change a revenue estimate.
#: (This and :data:`CAVEATS` are marked for translation: show them with ``_()``.)
IOM_ONLY_NOTE = N_(
    "Region, cause and source-quality filters apply to IOM incidents only; they do not change "
    "these estimates."
)
CAVEATS = (
    N_(
        "Detections are events, not persons: one person can be detected several times and on "
        "two routes in a row (Eastern Mediterranean, then Western Balkans). Never add such routes."
    ),
    N_(
        "Fees vary by nationality, season, boat and service; a fee row is often a quoted range "
        "or a top level, not an average. A fee applies only to the year it was reported for."
    ),
    N_(
        "The share that used a smuggler is a 2015 EU-wide Europol statement applied to each "
        "route; it is probably too high for Tunisian and Algerian departures and unknown "
        "elsewhere."
    ),
    N_(
        "Revenue is gross turnover of all smugglers on the route, not profit and not the income "
        "of any one network. Whole-journey packages, single legs and tolls are shown as leg "
        "shares, not multiplied by the route's count."
    ),
    N_(
        "Converted to EUR at 2024 prices with ECB annual exchange rates and the US CPI-U (via USD)."
    ),
)


def caveats() -> tuple[str, ...]:
    """:data:`CAVEATS` in the reader's language."""
    return tuple(_(c) for c in CAVEATS)


@dataclass(frozen=True)
class MoneyTables:
    """Everything a "Follow the money" surface shows, for one set of filters and parameters.

    Attributes
    ----------
    revenue : DataFrame
        :data:`analytics.money.REVENUE_COLUMNS` plus ``name`` and ``partial`` (the count covers
        fewer than 12 months): every route-year in scope with a count or a fee.
    totals : DataFrame
        :func:`analytics.money.compute_route_totals` plus ``name``.
    legs : DataFrame
        :func:`analytics.money.compute_leg_shares` in scope.
    fees : DataFrame
        The fee rows in scope with ``fee_low_eur`` / ``fee_high_eur`` and their citations.
    persons_basis : str
        ``detections`` or ``arrivals``.
    share : ShareRange or None
        The user's share range; ``None`` for the cited default.
    source_ids : tuple of str
        The warehouse sources the counts come from.
    notes : tuple of str
        What the reader must know about this selection (partial years, filters that do not
        apply, a count that is not available).
    """

    revenue: pd.DataFrame
    totals: pd.DataFrame
    legs: pd.DataFrame
    fees: pd.DataFrame
    persons_basis: str
    share: am.ShareRange | None
    source_ids: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def with_data(self) -> pd.DataFrame:
        """The route-years that hold a range."""
        return am.revenue_with_data(self.revenue)


def _months(year: int, lo: dt.date | None, hi: dt.date | None) -> int:
    """Months of ``year`` that overlap ``lo``..``hi`` (0 when either is missing)."""
    if lo is None or hi is None:
        return 0
    n = 0
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        last = (dt.date(year + (m == 12), m % 12 + 1, 1)) - dt.timedelta(days=1)
        if first <= hi and last >= lo:
            n += 1
    return n


def _window(
    span: tuple[dt.date | None, dt.date | None], f: Filters
) -> tuple[dt.date | None, dt.date | None]:
    lo, hi = span
    if lo is None or hi is None:
        return None, None
    return max(lo, f.date_from or lo), min(hi, f.date_to or hi)


def persons_by_route_year(
    con: Con, f: Filters, basis: str = "detections"
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """The persons counted per route and year, with the months each count covers.

    Returns
    -------
    (DataFrame, tuple of str, tuple of str)
        ``route_id``, ``year``, ``persons``, ``months``; the source ids; notes.
    """
    if basis not in am.PERSONS_BASES:
        raise ValueError(
            _("persons must be one of {bases}, got {basis}").format(
                bases=list(am.PERSONS_BASES), basis=repr(basis)
            )
        )
    notes: list[str] = []
    if basis == "detections":
        df = dm.query_detections_by_route_year(con, f)
        lo, hi = _window(dm.frontex_span(con, f), f)
        if hi is not None:
            # Frontex months run to the month's last day.
            hi = (pd.Timestamp(hi) + pd.offsets.MonthEnd(0)).date()
        sids = tuple(sorted(set(df["source_id"].astype(str)))) if len(df) else ()
        if not len(df):
            notes.append(
                _(
                    "Frontex has no detections for these filters (it publishes EU external-border "
                    "routes only)."
                )
            )
    else:
        arr = dm.query_arrivals_by_country_year(con, f)
        if f.origins:
            notes.append(
                _(
                    "UNHCR arrivals carry no nationality: the origin filter leaves no arrivals to "
                    "count. Clear it or count Frontex detections."
                )
            )
            arr = arr.iloc[0:0]
        if not len(arr):
            if not f.origins:
                notes.append(_("No UNHCR arrivals series is loaded for these filters."))
            lo = hi = None
        else:
            lo, hi = _window((arr["first_day"].min(), arr["last_day"].max()), f)
        sids = tuple(sorted(set(arr["source_id"].astype(str)))) if len(arr) else ()
        df = am.persons_from_arrivals(arr, f.routes) if len(arr) else arr
        notes.append(
            _(
                "UNHCR arrivals are Italy's sea arrivals, counted on the Central Mediterranean; "
                "other routes have no arrivals count."
            )
        )
    cols = ["route_id", "year", "persons", "months"]
    if not len(df):
        return pd.DataFrame(columns=cols), sids, tuple(notes)
    out = df[["route_id", "year", "persons"]].copy()
    out["months"] = [_months(int(y), lo, hi) for y in out["year"]]
    return out[cols], sids, tuple(notes)


def money_tables(
    con: Con,
    f: Filters,
    *,
    persons: str = "detections",
    share: am.ShareRange | None = None,
) -> MoneyTables:
    """The revenue ranges, route totals, leg shares and fee rows for ``f``.

    Parameters
    ----------
    persons : {"detections", "arrivals"}
        Count Frontex detections (events, not persons) or UNHCR sea arrivals (persons).
    share : ShareRange, optional
        The share that used a smuggler for every route; default the cited range per route.
    """
    counts, sids, notes = persons_by_route_year(con, f, persons)
    fees = dm.read_fees()
    fx = dm.read_fx()
    revenue = am.compute_revenue(
        counts, fees, fx, dm.read_smuggler_share(), share=share, persons_basis=persons
    )
    y_lo = f.date_from.year if f.date_from else None
    y_hi = f.date_to.year if f.date_to else None

    def in_scope(df: pd.DataFrame, route_cols: tuple[str, ...] = ("route_id",)) -> pd.Series:
        keep = pd.Series(True, index=df.index)
        if y_lo is not None:
            keep &= df["year"] >= y_lo
        if y_hi is not None:
            keep &= df["year"] <= y_hi
        if f.routes:
            hit = pd.Series(False, index=df.index)
            for c in route_cols:
                hit |= df[c].isin(f.routes)
            keep &= hit
        return keep

    revenue = revenue[in_scope(revenue)].reset_index(drop=True)
    routes = dm_route_names(con)
    revenue.insert(1, "name", revenue["route_id"].map(routes).fillna(revenue["route_id"]))
    revenue["partial"] = revenue["months"].notna() & (revenue["months"] < 12)
    totals = am.compute_route_totals(revenue)
    totals.insert(1, "name", totals["route_id"].map(routes).fillna(totals["route_id"]))
    fees_eur = am.compute_fees_eur(fees, fx)
    legs = am.compute_leg_shares(fees_eur)
    legs = legs[in_scope(legs, ("route_id", "part_route_id"))].reset_index(drop=True)
    fees_eur = fees_eur[in_scope(fees_eur)].reset_index(drop=True)
    part = revenue[(revenue["status"] == am.STATUS_OK) & revenue["partial"]]
    if len(part):
        notes = (
            *notes,
            _("Partly covered years (open markers): {years}.").format(
                years=", ".join(
                    _("{route} {year} ({n} months)").format(
                        route=r.name, year=int(r.year), n=int(r.months)
                    )
                    for r in part.itertuples()
                )
            ),
        )
    if f.un_regions or f.un_subregions or f.mmp_regions or f.causes or f.min_source_quality:
        notes = (*notes, _(IOM_ONLY_NOTE))
    return MoneyTables(
        revenue=revenue,
        totals=totals,
        legs=legs,
        fees=fees_eur,
        persons_basis=persons,
        share=share,
        source_ids=sids,
        notes=tuple(notes),
    )


def dm_route_names(con: Con) -> dict[str, str]:
    """Route id -> name from the warehouse's route table."""
    from data.queries import query_routes

    r = query_routes(con)
    return {k: i18n.route_name(v) for k, v in zip(r["route_id"], r["name"], strict=True)}


def validation_table(con: Con, f: Filters | None = None) -> pd.DataFrame:
    """Each published estimate beside the product's range for the same routes and year
    (Frontex detections, cited shares, the shipped fee table), with the ratio.

    Returns
    -------
    DataFrame
        :data:`analytics.money.VALIDATION_COLUMNS` plus ``publisher`` and ``locator``.
    """
    t = money_tables(con, f or Filters())
    pub = dm.read_published_estimates()
    out = am.compute_validation(t.revenue, pub, dm.read_fx())
    meta = pub.set_index("estimate_id")
    out["publisher"] = out["estimate_id"].map(meta["publisher"])
    out["locator"] = out["estimate_id"].map(meta["locator"])
    return out
