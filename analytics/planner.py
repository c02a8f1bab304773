"""Prevention planner: who to reach, when, where and with what message, per country of origin.

The G7 asked for awareness-raising with countries of origin and transit. For one country of
origin this module turns tables the services read (Frontex detections by nationality, route
and month; IOM dead and missing by origin, route, month and cause; CLDR territory languages;
the transit risk table) into a card:

* **Who**: the nationalities detected on each of the country's routes and recorded among the
  dead there, and the languages to use with the share of the population that speaks each.
* **When**: the calendar month when detections of the country's nationals peak (per route and
  over all its routes) and when its dead and missing peak; the campaign window is the two
  months before the peak.
* **Where**: the transit countries its routes cross, with their transit risk.
* **What**: the leading causes of death on its routes, and the shares of children and of
  women and girls among its dead and missing (the catalogue's shares, with their minimum).

Every sentence a reader sees is built by a function here from a template wrapped in
:func:`_` (a gettext-style marker: identity today, so the templates can be extracted and
translated later without touching the logic). Values are formatted by the catalogue.

Pure: no I/O, no database, no Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

import i18n
from analytics.catalogue import (
    MIN_DETECTIONS_FOR_RATE,
    MIN_KNOWN_FOR_SHARE,
    NO_DATA,
    is_value,
    measure,
)
from analytics.theme import apply_theme, cause_label
from i18n import _

#: Months a campaign should start before the peak month (the window is these months).
CAMPAIGN_LEAD_MONTHS = 2
#: A language is listed when at least this share of the population speaks it (or it is official).
MIN_LANGUAGE_SHARE = 0.05
#: At most this many languages per country.
MAX_LANGUAGES = 5
#: Official statuses in CLDR that make a language worth listing whatever its share.
OFFICIAL_STATUSES = ("official", "de_facto_official")
#: Routes per country: the top routes by detections of its nationals and by its dead.
MAX_ROUTES = 3
#: Nationalities per route and source.
MAX_NATIONALITIES = 3
#: Transit countries per card.
MAX_TRANSIT = 6
#: Causes per card.
MAX_CAUSES = 4
#: Share of a country's recorded deaths on Frontex-watched routes needed before the campaign
#: window follows Frontex detections rather than the deaths themselves.
FRONTEX_BASIS_SHARE = 0.5
#: Dead and missing needed before the peak month of deaths is named.
MIN_DEATHS_FOR_PEAK = MIN_KNOWN_FOR_SHARE
#: Detections needed before the peak month of detections is named.
MIN_DETECTIONS_FOR_PEAK = MIN_DETECTIONS_FOR_RATE
#: The route id of incidents and detections with no route (never a route to plan for).
UNCLASSIFIED_ROUTE = "unclassified"
#: Nationalities below this share of a route are not named (they read as "0%").
MIN_NATIONALITY_SHARE = 0.01
#: The IOM cause that names no cause (shown, never counted as a leading cause).
UNKNOWN_CAUSE = "Mixed or unknown"


def month_name(month: int | None) -> str:
    """``8`` -> ``"August"`` (:data:`NO_DATA` for ``None``)."""
    return i18n.month_name(month) if month else _(NO_DATA)


# ------------------------------------------------------------------ when


def complete_years(
    first: dt.date | None,
    last: dt.date | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> tuple[int, ...]:
    """Calendar years wholly inside both the source's span and the filter period.

    Seasonality compares months, so a year the source covers only in part (the latest,
    preliminary months) would weigh the months it has: only whole years count.
    """
    if first is None or last is None:
        return ()
    lo = max(first, date_from) if date_from else first
    hi = min(last, date_to) if date_to else last
    y0 = lo.year if (lo.month, lo.day) == (1, 1) else lo.year + 1
    y1 = hi.year if (hi.month, hi.day) == (12, 31) else hi.year - 1
    return tuple(range(y0, y1 + 1))


def compute_seasonality(
    monthly: pd.DataFrame, value: str, years: Sequence[int], *, by: str | None = None
) -> pd.DataFrame:
    """Totals per calendar month over whole years, and each month's share of the total.

    Parameters
    ----------
    monthly : DataFrame
        ``period`` (date, first day of the month), ``value`` column, and ``by`` if given.
        Months absent inside the years count 0 (the source covers them and recorded none).
    value : str
        The column to add (``detections`` or ``dead_and_missing``).
    years : sequence of int
        The whole years to use (:func:`complete_years`).
    by : str, optional
        A grouping column (``key`` for the route): one profile per value of it.

    Returns
    -------
    DataFrame
        [``by``], ``month`` (1-12), ``value`` column (total over the years), ``share`` (0-1
        share of the group's total; ``NaN`` where the total is 0), ``years`` (how many).
    """
    keys = [by] if by else []
    cols = [*keys, "month", value, "share", "years"]
    if not len(years) or not len(monthly):
        return pd.DataFrame(columns=cols)
    per = pd.to_datetime(monthly["period"])
    keep = per.dt.year.isin(list(years)).to_numpy()
    df = monthly.loc[keep, keys].copy()
    df["month"] = per[keep].dt.month.to_numpy()
    df[value] = pd.to_numeric(monthly.loc[keep, value]).astype(float).to_numpy()
    groups = sorted(df[by].unique()) if by else [None]
    out = []
    for g in groups:
        part = df[df[by] == g] if by else df
        tot = part.groupby("month")[value].sum().reindex(range(1, 13), fill_value=0.0)
        total = float(tot.sum())
        frame = pd.DataFrame(
            {
                "month": range(1, 13),
                value: tot.to_numpy(),
                "share": tot.to_numpy() / total if total > 0 else np.nan,
                "years": len(years),
            }
        )
        if by:
            frame.insert(0, by, g)
        out.append(frame)
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


@dataclass(frozen=True)
class Peak:
    """The peak month of a seasonal profile (``month`` ``None`` when not defined, ``reason``
    says why)."""

    month: int | None
    share: float | None
    total: float
    years: int
    reason: str = ""


def compute_peak(season: pd.DataFrame, value: str, min_total: float) -> Peak:
    """The calendar month with the largest total (the earliest on a tie).

    ``None`` when the profile has no whole year or fewer than ``min_total`` in all.
    """
    if not len(season):
        return Peak(None, None, 0.0, 0, _("no whole calendar year of data in the period"))
    vals = pd.to_numeric(season[value]).astype(float).to_numpy()
    total = float(vals.sum())
    years = int(season["years"].iloc[0])
    if total < min_total:
        return Peak(None, None, total, years, _("too few to name a peak month"))
    i = int(np.argmax(vals))
    return Peak(int(season["month"].iloc[i]), vals[i] / total, total, years)


def compute_campaign_window(
    peak_month: int | None, lead: int = CAMPAIGN_LEAD_MONTHS
) -> tuple[int, int] | None:
    """The ``lead`` months before ``peak_month`` (wrapping over the year): (first, last).

    >>> compute_campaign_window(8)
    (6, 7)
    >>> compute_campaign_window(1)
    (11, 12)
    """
    if peak_month is None:
        return None
    first = (peak_month - lead - 1) % 12 + 1
    last = (peak_month - 2) % 12 + 1
    return first, last


# ------------------------------------------------------------------ who


def compute_language_shares(
    territory: Mapping[str, Mapping[str, object]],
    names: Mapping[str, str],
    *,
    min_share: float = MIN_LANGUAGE_SHARE,
    limit: int = MAX_LANGUAGES,
) -> pd.DataFrame:
    """Languages to use in a country, from CLDR territory data.

    Parameters
    ----------
    territory : mapping
        Language code -> ``{"population_percent": float, "official_status": str | None}``
        (Babel's ``get_global("territory_languages")[ISO2]``).
    names : mapping
        Language code -> name in the reader's language. A code CLDR has no name for is shown
        as ``[code]`` (and :func:`card_sections` says what the brackets mean).
    min_share : float
        0-1 share of speakers needed unless the language is official.

    Returns
    -------
    DataFrame
        ``language_code``, ``language``, ``speakers_share`` (0-1, of the country's
        population; people speak several languages so shares add to more than 1),
        ``official_status`` (CLDR's, or ``""``); largest share first, at most ``limit``.
    """
    rows = []
    for code, info in territory.items():
        share = float(info.get("population_percent") or 0.0) / 100.0  # type: ignore[arg-type]
        status = str(info.get("official_status") or "")
        if share >= min_share or status in OFFICIAL_STATUSES:
            rows.append((code, names.get(code, f"[{code}]"), share, status))
    df = pd.DataFrame(
        rows, columns=["language_code", "language", "speakers_share", "official_status"]
    )
    df = df.sort_values(["speakers_share", "language_code"], ascending=[False, True])
    return df.head(limit).reset_index(drop=True)


def compute_route_nationalities(
    values: pd.DataFrame, value: str, routes: Sequence[str], *, top: int = MAX_NATIONALITIES
) -> pd.DataFrame:
    """The leading nationalities on each route and their share of the route's total.

    Parameters
    ----------
    values : DataFrame
        ``iso3``, ``route_id`` and ``value`` (detections by nationality, or dead and missing
        by origin split 1/k).
    routes : sequence of str
        The routes to describe.

    Returns
    -------
    DataFrame
        ``route_id``, ``iso3``, ``value`` column, ``share`` (0-1 of the route's total over
        every nationality recorded), ``rank`` (1 = largest); nationalities below
        :data:`MIN_NATIONALITY_SHARE` of the route are left out.
    """
    cols = ["route_id", "iso3", value, "share", "rank"]
    if not len(values) or not len(routes):
        return pd.DataFrame(columns=cols)
    df = values[values["route_id"].isin(list(routes))][["route_id", "iso3", value]].copy()
    df[value] = pd.to_numeric(df[value]).astype(float)
    df = df[df[value] > 0]
    if not len(df):
        return pd.DataFrame(columns=cols)
    df["share"] = df[value] / df.groupby("route_id")[value].transform("sum")
    df = df[df["share"] >= MIN_NATIONALITY_SHARE]
    df = df.sort_values(["route_id", value, "iso3"], ascending=[True, False, True])
    df["rank"] = df.groupby("route_id").cumcount() + 1
    return df[df["rank"] <= top][cols].reset_index(drop=True)


def compute_origin_routes(
    detections: pd.DataFrame, deaths: pd.DataFrame, iso3: str, *, top: int = MAX_ROUTES
) -> pd.DataFrame:
    """The routes of one country's nationals: the top routes by their Frontex detections and
    by their dead and missing, together.

    Parameters
    ----------
    detections : DataFrame
        ``iso3``, ``route_id``, ``detections`` (events).
    deaths : DataFrame
        ``iso3``, ``route_id``, ``dead_and_missing`` (persons, split 1/k across origins).

    Returns
    -------
    DataFrame
        ``route_id``, ``detections`` (``NaN`` where none), ``dead_and_missing`` (``NaN``
        where none); routes by detections first, then by dead and missing. The
        unclassified route is not a route to plan for and is left out.
    """

    def pick(df: pd.DataFrame, col: str) -> pd.Series:
        if not len(df):
            return pd.Series(dtype=float)
        mine = df[(df["iso3"] == iso3) & (df["route_id"] != UNCLASSIFIED_ROUTE)]
        s = mine.groupby("route_id")[col].sum().astype(float)
        s = s[s > 0]
        return s.sort_values(ascending=False, kind="stable")

    det = pick(detections, "detections")
    dm = pick(deaths, "dead_and_missing")
    order = list(dict.fromkeys([*det.index[:top], *dm.index[:top]]))
    return pd.DataFrame(
        {
            "route_id": order,
            "detections": [float(det.get(r, np.nan)) for r in order],
            "dead_and_missing": [float(dm.get(r, np.nan)) for r in order],
        }
    )


# ------------------------------------------------------------------ where and what


def compute_transit_countries(
    crossing: pd.DataFrame,
    routes: Sequence[str],
    transit: pd.DataFrame,
    origin_iso3: str,
    *,
    top: int = MAX_TRANSIT,
) -> pd.DataFrame:
    """The countries a country's routes cross (itself excepted), riskiest first.

    Parameters
    ----------
    crossing : DataFrame
        ``route_id``, ``iso3``: countries each route's waypoints cross.
    transit : DataFrame
        :func:`services.report.transit_risk`: ``iso3``, ``name``, ``score``, ``rank``,
        ``dead_and_missing``, ``ranked_of``.

    Returns
    -------
    DataFrame
        ``iso3``, ``name``, ``routes`` (the route ids crossing it, ``"; "``-joined),
        ``score`` (0-100, ``NaN`` where not ranked), ``rank``, ``dead_and_missing``
        (persons, country of incident); by score, then dead and missing.
    """
    cols = ["iso3", "name", "routes", "score", "rank", "dead_and_missing"]
    hit = crossing[crossing["route_id"].isin(list(routes)) & (crossing["iso3"] != origin_iso3)]
    if not len(hit):
        return pd.DataFrame(columns=cols)
    order = {r: i for i, r in enumerate(routes)}
    hit = hit.assign(o=hit["route_id"].map(order)).sort_values(["o", "route_id"])
    by = hit.groupby("iso3", sort=False)["route_id"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    df = by.rename("routes").reset_index()
    t = transit.set_index("iso3") if len(transit) else pd.DataFrame()
    for c in ("name", "score", "rank", "dead_and_missing"):
        src = t[c] if c in t.columns else pd.Series(dtype=object)
        df[c] = df["iso3"].map(src)
    df["name"] = df["name"].fillna(df["iso3"])
    df["score"] = pd.to_numeric(df["score"], errors="coerce")
    df["dead_and_missing"] = pd.to_numeric(df["dead_and_missing"], errors="coerce")
    df = df.sort_values(
        ["score", "dead_and_missing", "iso3"], ascending=[False, False, True], na_position="last"
    )
    return df[cols].head(top).reset_index(drop=True)


def compute_cause_shares(
    causes: pd.DataFrame, total: object, *, min_total: float = MIN_KNOWN_FOR_SHARE
) -> pd.DataFrame:
    """Each cause's share of the dead and missing (an incident with two causes counts twice).

    Parameters
    ----------
    causes : DataFrame
        ``key`` (IOM cause label), ``dead_and_missing`` (persons in incidents with the cause).
    total : number
        Dead and missing of the same incidents, each counted once.
    min_total : float
        Dead and missing needed before any share is given.

    Returns
    -------
    DataFrame
        ``cause`` (IOM label), ``label`` (the app's short label,
        :func:`analytics.theme.cause_label`), ``dead_and_missing``,
        ``share`` (0-1, ``NaN`` below ``min_total``), ``known`` (False for
        :data:`UNKNOWN_CAUSE`); known causes first, largest first.
    """
    cols = ["cause", "label", "dead_and_missing", "share", "known"]
    if not len(causes):
        return pd.DataFrame(columns=cols)
    t = float(total) if is_value(total) else 0.0  # type: ignore[arg-type]
    df = pd.DataFrame(
        {
            "cause": causes["key"].astype(str),
            "dead_and_missing": pd.to_numeric(causes["dead_and_missing"]).astype(float),
        }
    )
    df = df[df["dead_and_missing"] > 0]
    df["label"] = [cause_label(c) for c in df["cause"]]
    df["share"] = df["dead_and_missing"] / t if t >= max(min_total, 1e-9) else np.nan
    df["known"] = df["cause"] != UNKNOWN_CAUSE
    df = df.sort_values(["known", "dead_and_missing", "cause"], ascending=[False, False, True])
    return df[cols].reset_index(drop=True)


# ------------------------------------------------------------------ the card


@dataclass(frozen=True)
class PlanCard:
    """Everything one country's card shows (tables as the functions above return them).

    ``routes`` also carries ``name``; ``nationalities`` carries ``source`` (``frontex`` or
    ``mmp``), ``name`` and ``route_name``; ``route_peaks`` is one row per route: ``route_id``,
    ``route_name``, ``peak_month``, ``peak_share``.
    """

    iso3: str
    name: str
    routes: pd.DataFrame
    nationalities: pd.DataFrame
    languages: pd.DataFrame
    detection_season: pd.DataFrame
    death_season: pd.DataFrame
    detection_peak: Peak
    death_peak: Peak
    route_peaks: pd.DataFrame
    transit: pd.DataFrame
    causes: pd.DataFrame
    dead_and_missing: float | None
    detections: float | None
    share_children: float | None
    share_women: float | None
    period: str
    sources: str
    source_ids: tuple[str, ...] = field(default=())

    @property
    def frontex_dead_share(self) -> float | None:
        """Share of the dead and missing on the card's routes that fell on routes where
        Frontex detects its nationals (``None`` when no death is recorded on them)."""
        if not len(self.routes):
            return None
        dm = pd.to_numeric(self.routes["dead_and_missing"]).fillna(0.0)
        det = pd.to_numeric(self.routes["detections"])
        total = float(dm.sum())
        return float(dm[det.notna() & (det > 0)].sum()) / total if total > 0 else None

    @property
    def window_basis(self) -> str | None:
        """Which peak sets the campaign window: ``"detections"`` when Frontex detects the
        nationals on the routes where at least half of their recorded deaths happened (or no
        death is recorded), else ``"deaths"`` (routes Frontex does not watch, such as the Bay
        of Bengal: its detections in Europe would time a campaign for the wrong journey)."""
        fx = self.frontex_dead_share
        if self.detection_peak.month and (fx is None or fx >= FRONTEX_BASIS_SHARE):
            return "detections"
        if self.death_peak.month:
            return "deaths"
        return "detections" if self.detection_peak.month else None

    @property
    def window_peak(self) -> int | None:
        """The peak month the campaign window runs before."""
        basis = self.window_basis
        if basis is None:
            return None
        return self.detection_peak.month if basis == "detections" else self.death_peak.month

    @property
    def window(self) -> tuple[int, int] | None:
        """The campaign window (months): the months before :attr:`window_peak`."""
        return compute_campaign_window(self.window_peak)


def _fmt(measure_id: str, value: object) -> str:
    return measure(measure_id).format(value)


def campaign_text(card: PlanCard) -> str:
    """``"Campaign window: June-July, before the peak in August (Frontex detections)."``"""
    w = card.window
    if w is None:
        return _("Campaign window: {none}: no peak month can be named ({why}).").format(
            none=_(NO_DATA), why=card.detection_peak.reason or card.death_peak.reason
        )
    basis = (
        _("Frontex detections of its nationals")
        if card.window_basis == "detections"
        else _("its dead and missing (IOM)")
    )
    peak = card.window_peak
    return _("Campaign window: {start}-{end}, before the peak in {peak} ({basis}).").format(
        start=month_name(w[0]), end=month_name(w[1]), peak=month_name(peak), basis=basis
    )


def _peak_text(peak: Peak, what: str, share_id: str) -> str:
    if peak.month is None:
        return _("{what}: no peak month ({why}).").format(what=what, why=peak.reason)
    return _("{what} peak in {month} ({share} of the year, {years} whole years).").format(
        what=what,
        month=month_name(peak.month),
        share=_fmt(share_id, peak.share),
        years=peak.years,
    )


def card_sections(card: PlanCard) -> dict[str, list[str]]:
    """The card's sentences by section (``who``, ``when``, ``where``, ``what``), as every
    surface (page, PDF, CSV, slide, command) shows them."""
    who: list[str] = []
    if len(card.languages):
        langs = ", ".join(
            _("{language} {share}").format(
                language=r["language"], share=_fmt("language_speakers_share", r["speakers_share"])
            )
            for r in card.languages.to_dict("records")
        )
        who.append(
            _("Languages (share of the population speaking each): {langs}.").format(langs=langs)
        )
        if card.languages["language"].str.startswith("[").any():
            who.append(_("[code]: a CLDR language code with no English name in CLDR."))
    else:
        who.append(_("Languages: {none} (no CLDR territory data).").format(none=_(NO_DATA)))
    for r in card.routes.to_dict("records"):
        nat = card.nationalities[card.nationalities["route_id"] == r["route_id"]]
        parts = []
        for src, label, mid in (
            ("frontex", _("detected"), "route_detections_share"),
            ("mmp", _("among the dead"), "route_origin_dead_share"),
        ):
            rows = nat[nat["source"] == src].to_dict("records")
            if rows:
                names = ", ".join(
                    _("{name} {share}").format(name=x["name"], share=_fmt(mid, x["share"]))
                    for x in rows
                )
                parts.append(_("{label}: {names}").format(label=label, names=names))
            else:
                parts.append(_("{label}: {names}").format(label=label, names=_(NO_DATA)))
        who.append(
            _("{route}: {parts}.").format(
                route=i18n.route_name(str(r["name"])), parts=i18n.join_list(parts)
            )
        )
    if not len(card.routes):
        who.append(_("Routes: {none} (no detections or recorded deaths).").format(none=_(NO_DATA)))
    when = [
        campaign_text(card),
        _peak_text(card.detection_peak, _("Detections"), "detections_peak_month_share"),
        _peak_text(card.death_peak, _("Dead and missing"), "deaths_peak_month_share"),
    ]
    d, x = card.death_peak.month, card.detection_peak.month
    if d and x and d != x:
        other, label = (
            (d, _("deaths")) if card.window_basis == "detections" else (x, _("detections"))
        )
        ow = compute_campaign_window(other)
        assert ow is not None
        when.append(
            _("For the peak in {what} ({peak}), the window is {start}-{end}.").format(
                what=label, peak=month_name(other), start=month_name(ow[0]), end=month_name(ow[1])
            )
        )
    for r in card.route_peaks.to_dict("records"):
        if r["peak_month"] is not None and is_value(r["peak_month"]):
            when.append(
                _("{route}: detections peak in {month} ({share}).").format(
                    route=i18n.route_name(str(r["route_name"])),
                    month=month_name(int(r["peak_month"])),
                    share=_fmt("detections_peak_month_share", r["peak_share"]),
                )
            )
    where = [
        _("{name}: transit risk {score} (rank {rank}), {dm} dead and missing there.").format(
            name=r["name"],
            score=_fmt("risk_score", r["score"]),
            rank=int(r["rank"]) if is_value(r["rank"]) else _(NO_DATA),
            dm=_fmt("transit_dead_and_missing", r["dead_and_missing"]),
        )
        for r in card.transit.to_dict("records")
    ] or [
        _("Transit countries: {none} (its routes cross no other country).").format(none=_(NO_DATA))
    ]
    what: list[str] = []
    known = card.causes[card.causes["known"]] if len(card.causes) else card.causes
    if len(known) and known["share"].notna().any():
        lead = i18n.join_list(
            _("{label} {share}").format(label=r["label"], share=_fmt("share_cause", r["share"]))
            for r in known.head(MAX_CAUSES).to_dict("records")
        )
        what.append(_("Leading causes of death on its routes: {lead}.").format(lead=lead))
        unk = card.causes[~card.causes["known"]]
        if len(unk):
            what.append(
                _("Cause mixed or unknown for {share}.").format(
                    share=_fmt("share_cause", unk["share"].iloc[0])
                )
            )
    else:
        what.append(_("Causes of death: {none} (too few recorded).").format(none=_(NO_DATA)))
    what.append(
        _("Children among its dead and missing: {children}; women and girls: {women}.").format(
            children=_fmt("share_children", card.share_children),
            women=_fmt("share_women", card.share_women),
        )
    )
    return {"who": who, "when": when, "where": where, "what": what}


SECTION_TITLES: Mapping[str, str] = {
    "who": _("Who: nationalities and languages"),
    "when": _("When: before the peak"),
    "where": _("Where: transit countries"),
    "what": _("What to say: the real dangers"),
}


def card_summary(card: PlanCard) -> str:
    """The card's headline: dead and missing and detections of its nationals."""
    det = (
        _("{det} Frontex detections of its nationals").format(
            det=_fmt("origin_detections", card.detections)
        )
        if is_value(card.detections)
        else _("Frontex detections of its nationals: {none}").format(none=_(NO_DATA))
    )
    return _("{name}: {dm} dead and missing (IOM, split across origins); {det}; {period}.").format(
        name=card.name,
        dm=_fmt("origin_dead_and_missing", card.dead_and_missing),
        det=det,
        period=card.period,
    )


def slide_line(card: PlanCard) -> str:
    """One line per country for the pack slide."""
    langs = ", ".join(str(x) for x in card.languages["language"].head(2)) or _(NO_DATA)
    known = card.causes[card.causes["known"]] if len(card.causes) else card.causes
    cause = (
        _("{label} ({share} of the dead and missing)").format(
            label=known["label"].iloc[0], share=_fmt("share_cause", known["share"].iloc[0])
        )
        if len(known) and is_value(known["share"].iloc[0])
        else _(NO_DATA)
    )
    w = card.window
    peak = card.window_peak
    window = (
        _("{start}-{end}, before the {peak} peak").format(
            start=month_name(w[0]), end=month_name(w[1]), peak=month_name(peak)
        )
        if w
        else _(NO_DATA)
    )
    return _(
        "{name}: speak {langs}; campaign {window}; main danger on its routes: {cause}."
    ).format(name=card.name, langs=langs, window=window, cause=cause)


def compute_plan_rows(card: PlanCard) -> pd.DataFrame:
    """The card as rows for a CSV: ``iso3``, ``country``, ``section``, ``item``, ``measure``,
    ``value``, ``unit``, ``display``, ``text`` (the sentence the item belongs to)."""
    rows: list[dict[str, object]] = []

    def add(section: str, item: str, mid: str | None, value: object, text: str = "") -> None:
        m = measure(mid) if mid else None
        rows.append(
            {
                "iso3": card.iso3,
                "country": card.name,
                "section": section,
                "item": item,
                "measure": mid or "",
                "value": float(value) if is_value(value) else None,  # type: ignore[arg-type]
                "unit": m.unit if m else "",
                "display": m.format(value) if m else str(value),
                "text": text,
            }
        )

    add("summary", card.name, "origin_dead_and_missing", card.dead_and_missing, card_summary(card))
    add("summary", card.name, "origin_detections", card.detections, card_summary(card))
    for r in card.languages.to_dict("records"):
        add(
            "who",
            _("language: {name}").format(name=r["language"]),
            "language_speakers_share",
            r["speakers_share"],
        )
    for r in card.nationalities.to_dict("records"):
        mid = "route_detections_share" if r["source"] == "frontex" else "route_origin_dead_share"
        item = _("{label}: {names}").format(
            label=i18n.route_name(str(r["route_name"])), names=r["name"]
        )
        add("who", item, mid, r["share"])
    add(
        "when",
        _("detections peak"),
        "detections_peak_month_share",
        card.detection_peak.share,
        month_name(card.detection_peak.month),
    )
    add(
        "when",
        _("dead and missing peak"),
        "deaths_peak_month_share",
        card.death_peak.share,
        month_name(card.death_peak.month),
    )
    add("when", _("campaign window"), None, "", campaign_text(card))
    for r in card.transit.to_dict("records"):
        add(
            "where",
            _("transit: {name}").format(name=r["name"]),
            "risk_score",
            r["score"],
            str(r["routes"]),
        )
    for r in card.causes.to_dict("records"):
        add("what", _("cause: {name}").format(name=r["label"]), "share_cause", r["share"])
    add("what", _("children"), "share_children", card.share_children)
    add("what", _("women and girls"), "share_women", card.share_women)
    sections = card_sections(card)
    for sec, lines in sections.items():
        for line in lines:
            add(sec, _("sentence"), None, "", line)
    return pd.DataFrame(rows)


def make_seasonality_figure(card: PlanCard) -> go.Figure:
    """Each calendar month's share of the year: detections of the country's nationals
    (Frontex) and its dead and missing (IOM), over whole years; the campaign window shaded."""
    months = [i18n.month_name(m, short=True) for m in range(1, 13)]
    fig = go.Figure()
    top = 0.0
    for season, label, colour in (
        (card.detection_season, _("Detections (Frontex)"), "#D55E00"),
        (card.death_season, _("Dead and missing (IOM)"), "#555555"),
    ):
        if len(season) and season["share"].notna().any():
            fig.add_bar(
                x=months,
                y=[float(x) * 100 for x in season["share"]],
                name=label,
                marker_color=colour,
                hovertemplate="%{x}: %{y:.0f}"
                + _("% of the year")
                + "<extra>"
                + label
                + "</extra>",
            )
            top = max(top, float(season["share"].max()) * 100)
    w = card.window
    if w is not None:
        span = [w[0], w[1]] if w[0] <= w[1] else [w[0], 12]
        fig.add_vrect(
            x0=span[0] - 1.5,
            x1=span[1] - 0.5,
            fillcolor="#0072B2",
            opacity=0.12,
            line_width=0,
            annotation_text=_("campaign"),
            annotation_position="top left",
        )
        if w[0] > w[1]:
            fig.add_vrect(x0=-0.5, x1=w[1] - 0.5, fillcolor="#0072B2", opacity=0.12, line_width=0)
    title = _("When: share of the year in each month, {name}").format(name=card.name)
    alt = _(
        "Grouped bars: each calendar month's share of the year's detections of {name} nationals "
        "(Frontex) and of its dead and missing (IOM), whole years only{window}."
    ).format(
        name=card.name,
        window=(
            _("; the campaign window is shaded ({a} to {b})").format(
                a=month_name(w[0]), b=month_name(w[1])
            )
            if w is not None
            else ""
        ),
    )
    fig.update_layout(
        title=title,
        meta={"chart": f"planner-seasonality-{card.iso3.lower()}", "alt": alt, "title": title},
        barmode="group",
        yaxis_title=_("% of the year"),
        height=340,
        margin={"l": 50, "r": 10, "t": 90, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    if top > 0:  # headroom for the "campaign" label above the tallest bar
        fig.update_yaxes(range=[0, top * 1.2])
    return apply_theme(fig)
