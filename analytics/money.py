"""Follow the money: smugglers' gross revenue by route and year, always as a range.

For a route *r* and year *y* (``docs/money.md``, "Method")::

    revenue_low(r, y)  = persons(r, y) x share_low  x fee_low(r, y)
    revenue_high(r, y) = persons(r, y) x share_high x fee_high(r, y)

* **persons**: Frontex detections on the route (events, not persons) or UNHCR sea arrivals
  (persons landed; Italy only, counted on the Central Mediterranean), as the caller chooses.
* **share** that used a smuggler: the cited range from ``smuggler_use_share.csv`` for the route
  (the envelope of the statements that name it) or one range the user sets for every route.
* **fee**: the envelope (lowest low, highest high) of the route's ``crossing`` fee rows for that
  year, each converted to EUR at :data:`PRICE_YEAR` prices (:func:`to_price_year`). Fees are
  never carried to another year: no fee row for the route-year is no data, never 0.
  Whole-journey packages, single legs and tolls are not multiplied by the route's count; where
  the table states a leg or toll as part of a whole (``part_of``), :func:`compute_leg_shares`
  gives the share of the whole it takes.

The result is gross revenue (turnover) of all smugglers on the route, not profit.

Pure: no I/O, no database, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

import i18n
from i18n import N_, _

PRICE_YEAR = 2024
BASE_CURRENCY = "EUR"
#: What every revenue figure is in (the catalogue unit of ``smuggling_revenue``).
#: (Written out, so it can be translated where shown: ``_(REVENUE_UNIT)``.)
REVENUE_UNIT = N_("EUR (2024 prices)")
FX_SERIES: Mapping[str, str] = MappingProxyType({"USD": "fx_usd_per_eur", "GBP": "fx_gbp_per_eur"})
DEFLATOR = "cpi_u_us"

#: Fee rows multiplied by the route's persons count; the other kinds are context and legs.
REVENUE_FEE_KINDS = ("crossing",)
FEE_KINDS = ("crossing", "journey", "leg", "toll")

#: Where the persons come from.
PERSONS_BASES: Mapping[str, str] = MappingProxyType(
    {
        "detections": N_("Frontex detections (events, not persons)"),
        "arrivals": N_("UNHCR sea arrivals (persons landed)"),
    }
)
#: The route a country's sea arrivals are counted on (the shipped UNHCR series is Italy's).
ARRIVALS_ROUTES: Mapping[str, str] = MappingProxyType({"ITA": "central_mediterranean"})

REVENUE_COLUMNS = (
    "route_id",
    "year",
    "persons",
    "persons_basis",
    "months",
    "share_low",
    "share_high",
    "share_basis",
    "fee_low_eur",
    "fee_high_eur",
    "fee_ids",
    "revenue_low_eur",
    "revenue_high_eur",
    "status",
)

#: Row statuses: compared in code in English, shown as ``_(status)``.
STATUS_OK = "ok"
STATUS_NO_FEE = N_("no fee for this route and year")
STATUS_NO_PERSONS = N_("no persons count for this route and year")
STATUS_NO_SHARE = N_("no cited share of smuggler use for this route")


@dataclass(frozen=True)
class ShareRange:
    """A share of migrants who used a smuggler, as a range (0-1)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.low <= self.high <= 1.0):
            raise ValueError(f"share range must satisfy 0 <= low <= high <= 1, got {self}")


# ----------------------------------------------------------------------------- conversion


def _fx_table(fx: pd.DataFrame) -> dict[tuple[str, int], float]:
    return {
        (str(s), int(y)): float(v)
        for s, y, v in zip(fx["series_id"], fx["year"], fx["value"], strict=True)
    }


def _lookup(table: Mapping[tuple[str, int], float], series: str, year: int) -> float:
    try:
        return table[(series, int(year))]
    except KeyError:
        raise ValueError(f"no {series} value for {year} in fx_deflators.csv") from None


def to_price_year(
    amount: float,
    currency: str,
    year: int,
    fx: pd.DataFrame,
    price_year: int = PRICE_YEAR,
) -> float:
    """``amount`` of ``currency`` in ``year`` as EUR at ``price_year`` prices.

    The cited path (``docs/money.md``): to USD of ``year`` at the ECB annual average rate, to
    USD of ``price_year`` with the US CPI-U, to EUR at ``price_year``'s rate.

    Raises
    ------
    ValueError
        For a currency or year the table has no rate or deflator for (no silent fallback).
    """
    table = _fx_table(fx)
    y = int(year)
    if currency == "USD":
        usd = float(amount)
    elif currency == BASE_CURRENCY:
        usd = float(amount) * _lookup(table, FX_SERIES["USD"], y)
    elif currency in FX_SERIES:
        usd = (
            float(amount)
            / _lookup(table, FX_SERIES[currency], y)
            * _lookup(table, "fx_usd_per_eur", y)
        )
    else:
        raise ValueError(f"no exchange rate series for {currency!r} in fx_deflators.csv")
    usd_now = usd * _lookup(table, DEFLATOR, price_year) / _lookup(table, DEFLATOR, y)
    return usd_now / _lookup(table, FX_SERIES["USD"], price_year)


def compute_fees_eur(
    fees: pd.DataFrame, fx: pd.DataFrame, price_year: int = PRICE_YEAR
) -> pd.DataFrame:
    """The fee table with ``fee_low_eur`` and ``fee_high_eur`` (EUR at ``price_year`` prices)."""
    out = fees.copy()
    bad = sorted(set(out["fee_kind"]) - set(FEE_KINDS)) if "fee_kind" in out else []
    if bad:
        raise ValueError(f"unknown fee_kind {bad}; expected one of {FEE_KINDS}")
    out["fee_low_eur"] = [
        to_price_year(a, c, y, fx, price_year)
        for a, c, y in zip(out["fee_low"], out["currency"], out["year"], strict=True)
    ]
    out["fee_high_eur"] = [
        to_price_year(a, c, y, fx, price_year)
        for a, c, y in zip(out["fee_high"], out["currency"], out["year"], strict=True)
    ]
    return out


def compute_route_fees(fees_eur: pd.DataFrame) -> pd.DataFrame:
    """The fee range per route and year: the envelope of the route's crossing rows.

    Returns
    -------
    DataFrame
        ``route_id``, ``year``, ``fee_low_eur``, ``fee_high_eur`` (EUR per person at the price
        year), ``fee_ids`` (the rows used, joined with ``;``).
    """
    rows = fees_eur[fees_eur["fee_kind"].isin(REVENUE_FEE_KINDS)]
    if rows.empty:
        return pd.DataFrame(columns=["route_id", "year", "fee_low_eur", "fee_high_eur", "fee_ids"])
    g = rows.groupby(["route_id", "year"], as_index=False).agg(
        fee_low_eur=("fee_low_eur", "min"),
        fee_high_eur=("fee_high_eur", "max"),
        fee_ids=("fee_id", lambda s: ";".join(sorted(s))),
    )
    g["year"] = g["year"].astype("int64")
    return g


def split_routes(cell: str) -> list[str]:
    """Route ids of a ``;``-joined cell (empty for a global row)."""
    return [p.strip() for p in str(cell).split(";") if p.strip()]


def cited_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """The cited share of smuggler use per route: the envelope of the statements naming it.

    Returns
    -------
    DataFrame
        ``route_id``, ``share_low``, ``share_high`` (0-1), ``share_ids`` (joined with ``;``).
    """
    rec: dict[str, list[tuple[float, float, str]]] = {}
    for ids, lo, hi, sid in zip(
        shares["route_id"],
        shares["share_low"],
        shares["share_high"],
        shares["share_id"],
        strict=True,
    ):
        for r in split_routes(ids):
            rec.setdefault(r, []).append((float(lo), float(hi), str(sid)))
    return pd.DataFrame(
        [
            {
                "route_id": r,
                "share_low": min(x[0] for x in v),
                "share_high": max(x[1] for x in v),
                "share_ids": ";".join(sorted(x[2] for x in v)),
            }
            for r, v in sorted(rec.items())
        ],
        columns=["route_id", "share_low", "share_high", "share_ids"],
    )


# ----------------------------------------------------------------------------- revenue


def compute_revenue(
    persons: pd.DataFrame,
    fees: pd.DataFrame,
    fx: pd.DataFrame,
    shares: pd.DataFrame,
    *,
    share: ShareRange | None = None,
    persons_basis: str = "detections",
    price_year: int = PRICE_YEAR,
) -> pd.DataFrame:
    """Smugglers' gross revenue per route and year, as a range.

    Parameters
    ----------
    persons : DataFrame
        ``route_id``, ``year``, ``persons`` and optionally ``months`` (months of the year the
        count covers; 12 when absent).
    fees : DataFrame
        The fee table (:func:`data.money.read_fees`), in its own currencies and years.
    fx : DataFrame
        ``fx_deflators.csv`` (:func:`data.money.read_fx`).
    shares : DataFrame
        ``smuggler_use_share.csv``; used only when ``share`` is ``None``.
    share : ShareRange, optional
        One share range for every route (the user's); default the cited range per route.
    persons_basis : {"detections", "arrivals"}
        What ``persons`` counts (named in the output).

    Returns
    -------
    DataFrame
        :data:`REVENUE_COLUMNS`: one row per route-year that has a persons count or a fee.
        ``revenue_low_eur`` / ``revenue_high_eur`` (EUR at ``price_year`` prices) are NaN
        (no data, never 0) where the fee, the count or the share is missing; ``status`` says
        which.
    """
    if persons_basis not in PERSONS_BASES:
        raise ValueError(
            f"persons_basis must be one of {list(PERSONS_BASES)}, got {persons_basis!r}"
        )
    route_fees = compute_route_fees(compute_fees_eur(fees, fx, price_year))
    p = persons.copy()
    if "months" not in p.columns:
        p["months"] = 12
    p = p[["route_id", "year", "persons", "months"]].astype({"year": "int64"})
    df = p.merge(route_fees, on=["route_id", "year"], how="outer")
    if share is None:
        sh = cited_shares(shares).rename(columns={"share_ids": "share_basis"})
        df = df.merge(sh, on="route_id", how="left")
        df["share_basis"] = df["share_basis"].map(
            lambda s: _("cited: {ids}").format(ids=s) if isinstance(s, str) else None
        )
    else:
        df["share_low"] = share.low
        df["share_high"] = share.high
        df["share_basis"] = _("set by the user")
    df["persons_basis"] = persons_basis
    # Counts stay whole numbers; a missing count is <NA> (no data), never 0.
    df["persons"] = pd.to_numeric(df["persons"], errors="coerce").astype("Int64")
    df["months"] = pd.to_numeric(df["months"], errors="coerce").astype("Int64")
    persons_v = pd.to_numeric(df["persons"], errors="coerce").astype(float)
    df["revenue_low_eur"] = (
        persons_v * df["share_low"].astype(float) * df["fee_low_eur"].astype(float)
    )
    df["revenue_high_eur"] = (
        persons_v * df["share_high"].astype(float) * df["fee_high_eur"].astype(float)
    )
    status = np.where(
        df["fee_low_eur"].isna(),
        STATUS_NO_FEE,
        np.where(
            df["persons"].isna(),
            STATUS_NO_PERSONS,
            np.where(df["share_low"].isna(), STATUS_NO_SHARE, STATUS_OK),
        ),
    )
    df["status"] = status
    return df[list(REVENUE_COLUMNS)].sort_values(["route_id", "year"]).reset_index(drop=True)


def revenue_with_data(revenue: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`compute_revenue` that hold a range."""
    return revenue[revenue["status"] == STATUS_OK].reset_index(drop=True)


def compute_route_totals(revenue: pd.DataFrame) -> pd.DataFrame:
    """Revenue per route over the years with a range (for the map's line widths).

    Returns
    -------
    DataFrame
        ``route_id``, ``revenue_low_eur``, ``revenue_high_eur``, ``years`` (how many years
        with a range), ``first_year``, ``last_year``.
    """
    ok = revenue_with_data(revenue)
    cols = ["route_id", "revenue_low_eur", "revenue_high_eur", "years", "first_year", "last_year"]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    g = ok.groupby("route_id", as_index=False).agg(
        revenue_low_eur=("revenue_low_eur", "sum"),
        revenue_high_eur=("revenue_high_eur", "sum"),
        years=("year", "nunique"),
        first_year=("year", "min"),
        last_year=("year", "max"),
    )
    return g[cols].sort_values("revenue_high_eur", ascending=False).reset_index(drop=True)


# ----------------------------------------------------------------------------- legs


def compute_leg_shares(fees_eur: pd.DataFrame) -> pd.DataFrame:
    """The share of a whole fee that each stated leg or toll takes.

    Only pairs the table states (``part_of``): a leg's low over the whole's high, to the
    leg's high over the whole's low (capped at 1), both at the same prices.

    Returns
    -------
    DataFrame
        ``route_id`` (the whole's), ``year``, ``whole_fee_id``, ``whole_leg``,
        ``whole_low_eur``, ``whole_high_eur``, ``part_fee_id``, ``part_route_id``,
        ``part_leg``, ``part_kind``, ``part_low_eur``, ``part_high_eur``, ``share_low``,
        ``share_high`` (0-1).
    """
    cols = [
        "route_id",
        "year",
        "whole_fee_id",
        "whole_leg",
        "whole_low_eur",
        "whole_high_eur",
        "part_fee_id",
        "part_route_id",
        "part_leg",
        "part_kind",
        "part_low_eur",
        "part_high_eur",
        "share_low",
        "share_high",
    ]
    parts = fees_eur[fees_eur["part_of"].astype(str).str.len() > 0]
    whole = fees_eur.set_index("fee_id")
    missing = sorted(set(parts["part_of"]) - set(whole.index))
    if missing:
        raise ValueError(f"part_of names fee ids not in the table: {missing}")
    rows = []
    for r in parts.to_dict("records"):
        w = whole.loc[r["part_of"]]
        rows.append(
            {
                "route_id": w["route_id"],
                "year": int(w["year"]),
                "whole_fee_id": r["part_of"],
                "whole_leg": w["leg"],
                "whole_low_eur": float(w["fee_low_eur"]),
                "whole_high_eur": float(w["fee_high_eur"]),
                "part_fee_id": r["fee_id"],
                "part_route_id": r["route_id"],
                "part_leg": r["leg"],
                "part_kind": r["fee_kind"],
                "part_low_eur": float(r["fee_low_eur"]),
                "part_high_eur": float(r["fee_high_eur"]),
                "share_low": float(r["fee_low_eur"]) / float(w["fee_high_eur"]),
                "share_high": min(1.0, float(r["fee_high_eur"]) / float(w["fee_low_eur"])),
            }
        )
    return pd.DataFrame(rows, columns=cols).sort_values(["route_id", "year"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- validation

VALIDATION_COLUMNS = (
    "estimate_id",
    "route_ids",
    "year",
    "published_low_eur",
    "published_high_eur",
    "bound",
    "product_low_eur",
    "product_high_eur",
    "routes_without_range",
    "ratio_low",
    "ratio_high",
    "note",
)


def compute_validation(
    revenue: pd.DataFrame, published: pd.DataFrame, fx: pd.DataFrame, price_year: int = PRICE_YEAR
) -> pd.DataFrame:
    """The product's estimate beside each published estimate for the same routes and year.

    The product's range is the sum over the estimate's routes; a ratio (product / published,
    low with low and high with high) only where every route has a range. Both sides are in
    EUR at ``price_year`` prices, so the ratio is the same as in the publisher's currency.

    Returns
    -------
    DataFrame
        :data:`VALIDATION_COLUMNS`.
    """
    ok = revenue_with_data(revenue).set_index(["route_id", "year"])
    why = {
        (r, int(y)): str(st)
        for r, y, st in zip(revenue["route_id"], revenue["year"], revenue["status"], strict=True)
    }
    rows = []
    for r in published.to_dict("records"):
        routes = split_routes(r["route_id"])
        year = int(r["year"])
        lo = to_price_year(r["low"], r["currency"], year, fx, price_year)
        hi = to_price_year(r["high"], r["currency"], year, fx, price_year)
        have = [x for x in routes if (x, year) in ok.index]
        without = [x for x in routes if x not in have]
        p_lo = float(sum(ok.loc[(x, year), "revenue_low_eur"] for x in have)) if have else math.nan
        p_hi = float(sum(ok.loc[(x, year), "revenue_high_eur"] for x in have)) if have else math.nan
        complete = bool(routes) and not without
        if not routes:
            note = _("global: no route-level count")
        else:
            reasons = [f"{x}: {_(why.get((x, year), N_('no count and no fee')))}" for x in without]
            head = (
                _("{n} of {total} routes have a range; ").format(n=len(have), total=len(routes))
                if have
                else ""
            )
            note = head + i18n.join_list(reasons)
        rows.append(
            {
                "estimate_id": r["estimate_id"],
                "route_ids": ";".join(routes),
                "year": year,
                "published_low_eur": lo,
                "published_high_eur": hi,
                "bound": r.get("bound", ""),
                "product_low_eur": p_lo,
                "product_high_eur": p_hi,
                "routes_without_range": ";".join(without),
                "ratio_low": p_lo / lo if complete else math.nan,
                "ratio_high": p_hi / hi if complete else math.nan,
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=list(VALIDATION_COLUMNS))


# ----------------------------------------------------------------------------- text


def format_eur(value: object) -> str:
    """``"EUR 139.2 million"`` / ``"EUR 2.83 billion"`` / ``"EUR 12,300"``; ``no data`` for NaN
    (French: ``"EUR 139,2 millions"``, ``"EUR 2,83 milliards"``, ``"EUR 12 300"``)."""
    from analytics.catalogue import NO_DATA, is_value

    if not is_value(value):
        return _(NO_DATA)
    x = float(value)  # type: ignore[arg-type]
    if abs(x) >= 1e9:
        return _singular(_("EUR {amount} billion"), x / 1e9, 2)
    if abs(x) >= 1e6:
        return _singular(_("EUR {amount} million"), x / 1e6, 1)
    return _("EUR {amount}").format(amount=i18n.fmt_number(x))


def _singular(template: str, amount: float, decimals: int, text: str | None = None) -> str:
    """``template`` with ``amount`` (or the ready ``text`` for it); French says "1,5 million"
    (singular below 2) and "2 millions"."""
    out = template.format(amount=i18n.fmt_number(amount, decimals) if text is None else text)
    if i18n.get_lang() == "fr" and abs(round(amount, decimals)) < 2:
        out = out.replace(" millions", " million").replace(" milliards", " milliard")
    return out


def _compact_range(low: float, high: float) -> str | None:
    """French ranges in one unit, as French briefings write them: ``"EUR 185,9-206,6
    millions"`` (``None`` when the two ends are not in the same unit)."""
    for scale, decimals, template in (
        (1e9, 2, N_("EUR {amount} billion")),
        (1e6, 1, N_("EUR {amount} million")),
    ):
        if abs(low) >= scale and abs(high) >= scale:
            lo, hi = i18n.fmt_number(low / scale, decimals), i18n.fmt_number(high / scale, decimals)
            return _singular(_(template), high / scale, decimals, f"{lo}-{hi}")
        if abs(low) >= scale or abs(high) >= scale:
            return None
    return None


def format_range(low: object, high: object) -> str:
    """A revenue range as a reader sees it: ``"EUR 139.2 million to EUR 154.7 million"``."""
    from analytics.catalogue import NO_DATA, is_value

    if not (is_value(low) and is_value(high)):
        return _(NO_DATA)
    if i18n.get_lang() != i18n.DEFAULT_LANG:
        compact = _compact_range(float(low), float(high))  # type: ignore[arg-type]
        if compact is not None:
            return compact
    return _("{low} to {high}").format(low=format_eur(low), high=format_eur(high))


def format_fee(low: object, high: object) -> str:
    """A fee per person: one amount when the cited row gives one, else the range."""
    from analytics.catalogue import is_value

    if is_value(low) and is_value(high) and round(float(low)) == round(float(high)):  # type: ignore[arg-type]
        return format_eur(low)
    return format_range(low, high)


def route_years(revenue: pd.DataFrame) -> Mapping[str, Sequence[int]]:
    """Years with a range, per route."""
    ok = revenue_with_data(revenue)
    return {r: sorted(int(y) for y in g["year"]) for r, g in ok.groupby("route_id")}


def persons_from_arrivals(arrivals: pd.DataFrame, routes: Iterable[str] = ()) -> pd.DataFrame:
    """UNHCR arrivals by country and year as persons by route (:data:`ARRIVALS_ROUTES`).

    Parameters
    ----------
    arrivals : DataFrame
        ``country_iso3``, ``year``, ``persons`` and optionally ``months``.
    routes : iterable of str
        Keep only these routes (all when empty).
    """
    a = arrivals[arrivals["country_iso3"].isin(ARRIVALS_ROUTES)].copy()
    a["route_id"] = a["country_iso3"].map(ARRIVALS_ROUTES)
    keep = set(routes)
    if keep:
        a = a[a["route_id"].isin(keep)]
    cols = ["route_id", "year", "persons"] + (["months"] if "months" in a.columns else [])
    return a.groupby(["route_id", "year"], as_index=False)[cols[2:]].sum()[cols]


def _money_text(value: float, currency: str) -> str:
    if value >= 1e9:
        return f"{currency} {value / 1e9:,.2f} bn"
    return f"{currency} {value / 1e6:,.1f} m"


def validation_markdown(validation: pd.DataFrame, published: pd.DataFrame) -> str:
    """:func:`compute_validation` as the Markdown table of ``docs/money.md``.

    Ranges print as ``low-high`` (one amount where low = high); ratios as ``low-high`` with
    two decimals; ``-`` where there is no product range or no ratio.
    """
    pub = published.set_index("estimate_id")
    rows = [
        "| published estimate | year | as published | published, EUR (2024 prices) "
        "| product, EUR (2024 prices) | ratio product / published | note |",
        "|---|---|---|---|---|---|---|",
    ]

    def rng(lo: float, hi: float, cur: str = "EUR") -> str:
        if not (is_number(lo) and is_number(hi)):
            return "-"
        if round(lo, -5) == round(hi, -5):
            return _money_text(lo, cur)
        return f"{_money_text(lo, cur)} to {_money_text(hi, cur)}"

    for r in validation.to_dict("records"):
        p = pub.loc[r["estimate_id"]]
        stated = f"{rng(float(p['low']), float(p['high']), str(p['currency']))} ({p['bound']})"
        ratio = (
            f"{r['ratio_low']:.2f}-{r['ratio_high']:.2f}"
            if is_number(r["ratio_low"]) and is_number(r["ratio_high"])
            else "-"
        )
        note = r["note"] or ""
        rows.append(
            "| "
            + " | ".join(
                [
                    f"`{r['estimate_id']}`",
                    str(int(r["year"])),
                    stated,
                    rng(r["published_low_eur"], r["published_high_eur"]),
                    rng(r["product_low_eur"], r["product_high_eur"]),
                    ratio,
                    note.replace("|", "/"),
                ]
            )
            + " |"
        )
    return "\n".join(rows)


def is_number(value: object) -> bool:
    """Whether ``value`` is a finite-or-infinite number, not NaN or None."""
    from analytics.catalogue import is_value

    return is_value(value)
