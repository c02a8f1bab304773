"""The one frozen set of filters every query, measure and page takes.

A :class:`Filters` is hashable (so it keys Streamlit caches) and round-trips through a URL
query string. Values are validated against allow-lists by :func:`filters_from_query`; an invalid
value is dropped and reported, never raised, so a mangled shared link still opens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from i18n import N_, _, country_name, join_list, route_name
from i18n.names import cause_name, region_name

ISO3_RE = re.compile(r"^[A-Z]{3}$")
ROUTE_ID_RE = re.compile(r"^[a-z0-9_]{1,64}$")
SOURCE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,120}$")
MAX_VALUES = 50


_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Filters:
    """Filters shared by the app, the CLI and the tests.

    Empty tuples mean "no restriction". Dates are inclusive. ``vintage`` is the ``source_id``
    of an incident (IOM) vintage; ``None`` means the latest real vintage (or the demo data when
    nothing real is loaded).
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    un_regions: tuple[str, ...] = ()
    un_subregions: tuple[str, ...] = ()
    mmp_regions: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    min_source_quality: int = 0
    vintage: str | None = None

    def replace(self, **changes: object) -> Filters:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def previous_period(self) -> Filters | None:
        """The period a change compares with (``None`` if open-ended): the period rules.

        * Whole calendar months (a year, a quarter, a month, "the last 12 months", any run of
          N whole months): the same number of whole months just before, so 2024 compares
          with calendar 2023 and Q2 with Q1, whatever the days in each.
        * Any other range: the range of equal length (in days) just before it.

        The rules are written once, here; ``docs/methodology.md`` ("Periods") says the same.
        """
        if self.date_from is None or self.date_to is None:
            return None
        lo, hi = self.date_from, self.date_to
        if lo.day == 1 and (hi + dt.timedelta(days=1)).day == 1 and lo <= hi:
            months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
            start = _add_months(lo, -months)
            return self.replace(date_from=start, date_to=lo - dt.timedelta(days=1))
        span = hi - lo
        prev_to = lo - dt.timedelta(days=1)
        return self.replace(date_from=prev_to - span, date_to=prev_to)

    def period(self) -> tuple[dt.date, dt.date] | None:
        """``(date_from, date_to)`` when both are set (a closed period), else ``None``."""
        if self.date_from is None or self.date_to is None:
            return None
        return (self.date_from, self.date_to)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """One line for captions and exported files, e.g. ``2023-01-01 to 2023-12-31; ...``.

        Parameters
        ----------
        names : mapping, optional
            Display names by code: route ids, ISO3 codes and source ids (vintage labels), so
            readers see "route: Central Mediterranean", never an internal id. Codes without
            a name are shown as they are.
        """
        nm = names or {}
        parts = []
        if self.date_from and self.date_to:
            parts.append(
                _("{start} to {end}").format(
                    start=self.date_from.isoformat(), end=self.date_to.isoformat()
                )
            )
        elif self.date_from:
            parts.append(_("{start} to latest").format(start=self.date_from.isoformat()))
        elif self.date_to:
            parts.append(_("start to {end}").format(end=self.date_to.isoformat()))
        for template, values, show in (
            (_("UN region: {values}"), self.un_regions, region_name),
            (_("UN subregion: {values}"), self.un_subregions, region_name),
            (_("IOM region: {values}"), self.mmp_regions, region_name),
            (_("route: {values}"), self.routes, route_name),
            (_("origin: {values}"), self.origins, None),
            (_("cause: {values}"), self.causes, cause_name),
        ):
            if values:
                shown = [
                    country_name(v, nm.get(v, v)) if show is None else show(nm.get(v, v))
                    for v in values
                ]
                parts.append(template.format(values=", ".join(shown)))
        if self.min_source_quality:
            parts.append(_("source quality >= {n}").format(n=self.min_source_quality))
        if self.vintage:
            parts.append(_("vintage {name}").format(name=nm.get(self.vintage, self.vintage)))
        return join_list(parts) if parts else _("all data")

    def slug(self, names: Mapping[str, str] | None = None, max_len: int = 60) -> str:
        """A file-name-safe summary for downloads and packs (``all-data`` when none), with
        route and country names and vintage labels, never ids, as :meth:`describe`:
        ``2024-01-01-2024-12-31-route-central-mediterranean-origin-cote-d-ivoire``."""
        nm = names or {}
        parts: list[str] = []
        for key, value in filters_to_query(self).items():
            vals = [value] if isinstance(value, str) else list(value)
            if key in ("from", "to"):
                parts.append("-".join(vals))
                continue
            if key == "route":
                vals = [route_name(nm.get(v, v)) for v in vals]
            elif key == "origin":
                vals = [country_name(v, nm.get(v, v)) for v in vals]
            else:
                vals = [nm.get(v, v) for v in vals]
            parts.append(f"{key}-{'-'.join(vals)}")
        text = re.sub(r"[\W_]+", "-", "_".join(parts))  # any apostrophe or space: a hyphen
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
        slug = _SLUG.sub("-", ascii_text.decode().lower()).strip("-")
        return slug[:max_len].rstrip("-") or "all-data"


@dataclass(frozen=True)
class Vintages:
    """The sources a query runs on: one incident vintage and the matching detection vintage."""

    incidents: str | None
    detections: str | None
    is_demo: bool


def as_date(value: object) -> dt.date | None:
    """The one date conversion: a date, datetime, pandas ``Timestamp``, numpy ``datetime64`` or
    ISO text -> a ``date``; ``None``, ``NaN``, ``NaT`` and ``NA`` -> ``None``.

    Raises
    ------
    ValueError
        For text that is not a date.
    """
    import pandas as pd  # here: Filters itself needs no pandas

    # NaT subclasses datetime, so the missing check must come before any isinstance test.
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        pass
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return None if ts is pd.NaT else ts.date()


def _add_months(d: dt.date, k: int) -> dt.date:
    """The first day of the month ``k`` months from ``d``'s month."""
    n = d.year * 12 + d.month - 1 + k
    return dt.date(n // 12, n % 12 + 1, 1)


# Query-string keys: short so shared links stay readable.
_KEYS = {
    "date_from": "from",
    "date_to": "to",
    "un_regions": "unr",
    "un_subregions": "uns",
    "mmp_regions": "reg",
    "routes": "route",
    "origins": "origin",
    "causes": "cause",
    "min_source_quality": "q",
    "vintage": "vintage",
}


def filters_to_query(f: Filters) -> dict[str, str | list[str]]:
    """Encode filters as query-string parameters (defaults are left out)."""
    out: dict[str, str | list[str]] = {}
    if f.date_from:
        out["from"] = f.date_from.isoformat()
    if f.date_to:
        out["to"] = f.date_to.isoformat()
    for attr in ("un_regions", "un_subregions", "mmp_regions", "routes", "origins", "causes"):
        values = getattr(f, attr)
        if values:
            out[_KEYS[attr]] = list(values)
    if f.min_source_quality:
        out["q"] = str(f.min_source_quality)
    if f.vintage:
        out["vintage"] = f.vintage
    return out


def _as_list(v: str | Iterable[str] | None) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return [str(x) for x in v]


def _parse_date(s: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(s.strip()[:10])
    except ValueError:
        return None


#: The notice for a value of a filter the link names that is not allowed (by attribute).
_UNKNOWN_IN_LINK: dict[str, str] = {
    "un_regions": N_("Ignored an unknown un region in the link."),
    "un_subregions": N_("Ignored an unknown un subregion in the link."),
    "mmp_regions": N_("Ignored an unknown mmp region in the link."),
    "routes": N_("Ignored an unknown route in the link."),
    "origins": N_("Ignored an unknown origin in the link."),
    "causes": N_("Ignored an unknown cause in the link."),
}


def filters_from_query(
    params: Mapping[str, str | Iterable[str]],
    allowed: Mapping[str, Iterable[str]] | None = None,
) -> tuple[Filters, list[str]]:
    """Decode filters from query-string parameters, dropping what is not allowed.

    Parameters
    ----------
    params : mapping
        Query parameters; values may be a string or a list of strings.
    allowed : mapping, optional
        Allow-lists by attribute name (``routes``, ``origins``, ``causes``, ``mmp_regions``,
        ``un_regions``, ``un_subregions``, ``vintage``). Values outside them are dropped.

    Returns
    -------
    (Filters, list of str)
        The filters, and one plain notice per dropped value.
    """
    allowed = allowed or {}
    notices: list[str] = []
    kw: dict[str, object] = {}
    for attr in ("date_from", "date_to"):
        raw = _as_list(params.get(_KEYS[attr]))
        if raw:
            d = _parse_date(raw[0])
            if d is None or not (dt.date(1900, 1, 1) <= d <= dt.date(2100, 12, 31)):
                notices.append(
                    _("Ignored an invalid date in the link ({key}).").format(key=_KEYS[attr])
                )
            else:
                kw[attr] = d
    patterns = {"routes": ROUTE_ID_RE, "origins": ISO3_RE}
    for attr in ("un_regions", "un_subregions", "mmp_regions", "routes", "origins", "causes"):
        raw = _as_list(params.get(_KEYS[attr]))[:MAX_VALUES]
        keep: list[str] = []
        allow = set(allowed[attr]) if attr in allowed else None
        for value in raw:
            pat = patterns.get(attr)
            ok = (pat is None or bool(pat.match(value))) and len(value) <= 200
            if ok and allow is not None:
                ok = value in allow
            if ok and value not in keep:
                keep.append(value)
            elif not ok:
                notices.append(_(_UNKNOWN_IN_LINK[attr]))
        kw[attr] = tuple(keep)
    q = _as_list(params.get("q"))
    if q:
        if q[0].isdigit() and 0 <= int(q[0]) <= 5:
            kw["min_source_quality"] = int(q[0])
        else:
            notices.append(_("Ignored an invalid minimum source quality in the link."))
    v = _as_list(params.get("vintage"))
    if v:
        allow_v = set(allowed["vintage"]) if "vintage" in allowed else None
        if SOURCE_ID_RE.match(v[0]) and (allow_v is None or v[0] in allow_v):
            kw["vintage"] = v[0]
        else:
            notices.append(_("Ignored an unknown data vintage in the link."))
    f = Filters(**kw)  # type: ignore[arg-type]
    if f.date_from and f.date_to and f.date_from > f.date_to:
        notices.append(_("The link's start date was after its end date; the dates were swapped."))
        f = f.replace(date_from=f.date_to, date_to=f.date_from)
    return f, notices
