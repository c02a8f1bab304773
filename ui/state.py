"""The one sidebar: filters drawn once for every page, kept in the URL.

``app.py`` calls :func:`render_sidebar` before running the page; pages read the result with
:func:`current_filters`. Widgets are drawn from the entry script on every run, so their state
survives page changes. The filters also live in the query string (keys from
:func:`data.filters.filters_to_query`): on the first run of a session the link is read with
:func:`data.filters.filters_from_query` against the warehouse's allow-lists, every dropped value
is reported with a visible warning (never an error), and after every run the query string is
rewritten from the filters in force, so the address bar always reproduces the view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

import i18n
from data.filters import Filters, as_date, filters_from_query, filters_to_query
from i18n import N_, _
from i18n.names import cause_name, region_name
from ui import address, cache, render

# Query-string keys owned by the sidebar (as written by data.filters.filters_to_query).
URL_KEYS = ("from", "to", "unr", "uns", "reg", "route", "origin", "cause", "q", "vintage")
LIST_ATTRS = ("mmp_regions", "routes", "origins", "causes", "un_regions", "un_subregions")

K_PERIOD = "flt_period"
K_RANGE = "flt_range"
K_QUALITY = "flt_quality"
K_VINTAGE = "flt_vintage"
K_LIST = {attr: f"flt_{attr}" for attr in LIST_ATTRS}

K_LANG = "ui_lang"
#: The query-string key of the reader's language (absent for English).
LANG_KEY = "lang"

_INIT = "_rw_filters_initialised"
_NOTICES = "_rw_link_notices"
_FILTERS = "_rw_filters"

ALL, LAST12, CUSTOM = "all", "last12", "custom"
QUALITY_LABELS = {
    0: N_("Any source"),
    1: N_("1 or higher"),
    2: N_("2 or higher"),
    3: N_("3 or higher"),
    4: N_("4 or higher"),
    5: N_("5 only (verified)"),
}
LATEST = ""


def app_pages() -> list[Any]:
    """The app's pages in menu order, for ``st.navigation`` (paths relative to app.py).

    One flat list: Streamlit draws section headings as ``div`` elements inside the menu's
    ``ul``, which breaks the list's structure for screen readers (axe: ``list`` and
    ``listitem``, serious); the briefing views come first, then the pages about the data.
    """
    pages: dict[str, list[Any]] = {
        "Briefing views": [
            st.Page(
                "pages/overview.py", title=_("Overview"), icon=":material/dashboard:", default=True
            ),
            st.Page("pages/routes.py", title=_("Routes"), icon=":material/route:"),
            st.Page("pages/risk.py", title=_("Origin and transit risk"), icon=":material/public:"),
            st.Page("pages/planner.py", title=_("Prevention planner"), icon=":material/campaign:"),
            st.Page("pages/incidents.py", title=_("Incidents"), icon=":material/location_on:"),
            st.Page("pages/money.py", title=_("Follow the money"), icon=":material/payments:"),
            st.Page("pages/briefing.py", title=_("Briefing"), icon=":material/co_present:"),
            st.Page("pages/presenter.py", title=_("Presenter mode"), icon=":material/slideshow:"),
        ],
        "About the data": [
            st.Page(
                "pages/data_sources.py", title=_("Data and sources"), icon=":material/database:"
            ),
            st.Page(
                "pages/reconcile.py", title=_("Reconcile sources"), icon=":material/compare_arrows:"
            ),
            st.Page("pages/methodology.py", title=_("Methodology"), icon=":material/menu_book:"),
            st.Page("pages/load_data.py", title=_("Load data"), icon=":material/upload_file:"),
        ],
    }
    return [p for section in pages.values() for p in section]


def apply_lang() -> str:
    """Set this run's language (before anything is drawn) and return it.

    The sidebar's language selector holds it (``K_LANG``); on a session's first run it comes
    from the link (``?lang=fr``), so a shared French view opens in French. An unknown value in
    the link falls back to English with a notice.
    """
    if K_LANG not in st.session_state:
        asked = st.query_params.get(LANG_KEY)
        lang = i18n.normalise_lang(asked)
        if asked and asked.strip().lower() != lang:
            st.session_state.setdefault(_NOTICES, []).append(
                _("The link's language {lang!r} is not available: showing English.").format(
                    lang=asked
                )
            )
        st.session_state[K_LANG] = lang
    lang = i18n.normalise_lang(st.session_state[K_LANG])
    i18n.set_lang(lang)
    return lang


def render_lang_selector() -> None:
    """The language selector (top of the sidebar); the choice is kept in the URL."""
    st.sidebar.selectbox(
        _("Language"),
        i18n.LANGS,
        key=K_LANG,
        format_func=lambda code: i18n.LANG_NAMES[code],
    )
    lang = i18n.get_lang()
    if lang == i18n.DEFAULT_LANG:
        if LANG_KEY in st.query_params:
            del st.query_params[LANG_KEY]
    elif st.query_params.get(LANG_KEY) != lang:
        st.query_params[LANG_KEY] = lang


def ensure_app_shell() -> None:
    """Make sure app.py ran before this page (call first in every page).

    On the first run after the server starts, Streamlit (1.67) treats an app with a ``pages/``
    folder as an old-style multipage app until ``st.navigation`` is first called: a shared
    link to ``/routes`` then runs ``pages/routes.py`` on its own, with no sidebar and no
    filters from the link. Calling ``st.navigation`` switches Streamlit to the app's own
    navigation for good, and the rerun draws app.py's sidebar, with the link's query string,
    around the page.
    """
    if not st.session_state.get(_INIT):
        render.configure_page()  # else the page's material icon becomes the (online) favicon
        st.navigation(app_pages(), position="hidden")
        st.rerun()


def current_filters() -> Filters:
    """The filters in force on this run (drawn by :func:`render_sidebar`)."""
    ensure_app_shell()
    f = st.session_state.get(_FILTERS)
    return f if isinstance(f, Filters) else Filters()


def _previous_filters() -> Filters:
    f = st.session_state.get(_FILTERS)
    return f if isinstance(f, Filters) else Filters()


def link_notices() -> list[str]:
    """Notices about values dropped from the link this session opened with."""
    return list(st.session_state.get(_NOTICES, []))


def _as_date(v: Any) -> dt.date | None:
    try:
        return as_date(v)
    except ValueError:  # a mangled value in the options: no date
        return None


def _span(opts: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    lo, hi = (list(opts.get("date_range") or []) + [None, None])[:2]
    lo_d = _as_date(lo) or dt.date(2014, 1, 1)
    hi_d = _as_date(hi) or dt.date.today()
    return lo_d, hi_d


def period_options(lo: dt.date, hi: dt.date) -> list[str]:
    """Period presets: all data, the last 12 months of data, each year (newest first), custom."""
    return [ALL, LAST12, *[str(y) for y in range(hi.year, lo.year - 1, -1)], CUSTOM]


def period_dates(
    preset: str, rng: Sequence[dt.date] | None, lo: dt.date, hi: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    """Dates of a period preset (``custom`` takes ``rng``; a half-picked range keeps ``None``)."""
    if preset == ALL:
        return None, None
    if preset == LAST12:
        return hi - dt.timedelta(days=364), hi
    if preset.isdigit():
        y = int(preset)
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if rng is not None and len(rng) == 2 and rng[0] and rng[1]:
        return rng[0], rng[1]
    return None, None


def preset_for(f: Filters, lo: dt.date, hi: dt.date) -> str:
    """The preset that gives ``f``'s dates, else ``custom``."""
    if f.date_from is None and f.date_to is None:
        return ALL
    for p in period_options(lo, hi)[:-1]:
        if period_dates(p, None, lo, hi) == (f.date_from, f.date_to):
            return p
    return CUSTOM


def _period_label(p: str, hi: dt.date) -> str:
    if p == ALL:
        return _("All years")
    if p == LAST12:
        return _("Last 12 months of data (to {date})").format(date=short_date(hi))
    if p == CUSTOM:
        return _("Custom dates")
    return p


def short_date(d: dt.date) -> str:
    """``"31 Dec 2025"`` (English) or ``"31 décembre 2025"`` (French)."""
    return f"{d:%d %b %Y}" if i18n.get_lang() == i18n.DEFAULT_LANG else i18n.fmt_date(d)


def _read_query_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in URL_KEYS if k in st.query_params}


def _seed_widgets(f: Filters, lo: dt.date, hi: dt.date) -> None:
    preset = preset_for(f, lo, hi)
    st.session_state[K_PERIOD] = preset
    a = f.date_from or lo
    b = f.date_to or hi
    st.session_state[K_RANGE] = (a, b)
    for attr, key in K_LIST.items():
        st.session_state[key] = list(getattr(f, attr))
    st.session_state[K_QUALITY] = int(f.min_source_quality)
    st.session_state[K_VINTAGE] = f.vintage or LATEST


def _init_from_link() -> None:
    params = _read_query_params()
    base = cache.filter_options(None)
    fv, _ = filters_from_query({"vintage": params.get("vintage", [])}, {"vintage": base["vintage"]})
    opts = cache.filter_options(fv.vintage)
    allowed = {attr: opts[attr] for attr in LIST_ATTRS}
    allowed["vintage"] = base["vintage"]
    f, notices = filters_from_query(params, allowed)
    lo, hi = _span(opts)
    _seed_widgets(f, lo, hi)
    st.session_state[_NOTICES] = [*st.session_state.get(_NOTICES, []), *notices]
    st.session_state[_INIT] = True


def _clear_notices() -> None:
    st.session_state[_NOTICES] = []


def _reset() -> None:
    opts = cache.filter_options(None)
    lo, hi = _span(opts)
    _seed_widgets(Filters(), lo, hi)
    _clear_notices()


def _sanitise(key: str, options: Sequence[Any], what: str) -> None:
    """Drop selected values no longer offered (e.g. after a vintage change), with a notice."""
    current = st.session_state.get(key, [])
    keep = [v for v in current if v in options]
    if len(keep) != len(current):
        st.session_state[key] = keep
        notices = st.session_state.setdefault(_NOTICES, [])
        notices.append(
            _("Removed {n} {what} not present in this data vintage.").format(
                n=i18n.fmt_number(len(current) - len(keep)), what=_(what)
            )
        )


def _write_url(f: Filters) -> None:
    target = filters_to_query(f)
    address.write_params({key: target.get(key) for key in URL_KEYS})


def _by_shown(values: Sequence[str], shown: Any) -> list[str]:
    """``values`` as the warehouse orders them in English; by their shown (translated) names
    in another language."""
    if i18n.get_lang() == i18n.DEFAULT_LANG:
        return list(values)
    return by_name(values, {v: shown(v) for v in values})


def by_name(codes: Sequence[Any], names: Mapping[Any, str]) -> list[Any]:
    """``codes`` (ISO3 codes, route ids) ordered by the name shown for each, not by code."""
    return sorted(codes, key=lambda c: i18n.sort_key(names.get(c, c)))


def _multiselect(
    label: str,
    attr: str,
    options: Sequence[Any],
    what: str,
    fmt: Any = str,
    help: str | None = None,
) -> tuple[str, ...]:
    key = K_LIST[attr]
    if fmt is not str:  # shown names fixed now, in this run's language (see render_sidebar)
        fmt = render.shown_as({o: fmt(o) for o in options})
    st.session_state.setdefault(key, [])
    _sanitise(key, options, what)
    values = st.multiselect(
        label,
        options,
        key=key,
        format_func=fmt,
        on_change=_clear_notices,
        placeholder=_("All"),
        help=help,
    )
    return tuple(values)


def render_sidebar() -> Filters:
    """Draw the filters in the sidebar and return them (also stored for :func:`current_filters`).

    Returns
    -------
    Filters
        The filters in force; the query string has been updated to match.
    """
    if not st.session_state.get(_INIT):
        _init_from_link()
    base = cache.filter_options(None)
    vintage = st.session_state.get(K_VINTAGE) or LATEST
    if vintage not in base["vintage"]:
        vintage = LATEST
        st.session_state[K_VINTAGE] = LATEST
    opts = cache.filter_options(vintage or None)
    lo, hi = _span(opts)
    names = cache.country_names()
    routes_ref = cache.routes()
    route_names = dict(zip(routes_ref["route_id"], routes_ref["name"], strict=True))

    with st.sidebar:
        st.markdown("### " + _("Filters"))
        periods = period_options(lo, hi)
        if st.session_state.get(K_PERIOD) not in periods:
            st.session_state[K_PERIOD] = CUSTOM
        preset = st.selectbox(
            _("Period"),
            periods,
            key=K_PERIOD,
            # Labels made here, in this run's language: a format_func may be called later,
            # outside the run (AppTest does), where the language is not set.
            format_func=render.shown_as({p: _period_label(p, hi) for p in periods}),
            on_change=_clear_notices,
        )
        rng: Sequence[dt.date] | None = None
        if preset == CUSTOM:
            prev = _previous_filters()
            st.session_state.setdefault(K_RANGE, (prev.date_from or lo, prev.date_to or hi))
            cur = tuple(st.session_state[K_RANGE])
            min_v = min([lo, *[d for d in cur if d]])
            max_v = max([hi, *[d for d in cur if d]])
            rng = st.date_input(
                _("From / to"),
                key=K_RANGE,
                min_value=min_v,
                max_value=max_v,
                format="YYYY-MM-DD",
                on_change=_clear_notices,
            )
        date_from, date_to = period_dates(preset, rng, lo, hi)
        if preset == CUSTOM and date_from is None:
            prev = _previous_filters()
            date_from, date_to = prev.date_from, prev.date_to

        mmp_regions = _multiselect(
            _("Region (IOM)"),
            "mmp_regions",
            _by_shown(opts["mmp_regions"], region_name),
            N_("regions"),
            fmt=region_name,
        )
        routes = _multiselect(
            _("Route"),
            "routes",
            by_name(opts["routes"], route_names),
            N_("routes"),
            fmt=lambda r: route_names.get(r, r),
        )
        origins = _multiselect(
            _("Origin country"),
            "origins",
            by_name(opts["origins"], names),
            N_("origin countries"),
            fmt=lambda c: names.get(c, c),
            help=_(
                "Country of origin of the dead and missing (IOM) and nationality of those "
                "detected (Frontex)."
            ),
        )
        causes = _multiselect(
            _("Cause of death"),
            "causes",
            _by_shown(opts["causes"], cause_name),
            N_("causes"),
            fmt=cause_name,
        )
        more_active = bool(
            st.session_state.get(K_LIST["un_regions"])
            or st.session_state.get(K_LIST["un_subregions"])
            or st.session_state.get(K_QUALITY)
            or st.session_state.get(K_VINTAGE)
        )
        with st.expander(_("More filters"), expanded=more_active):
            un_regions = _multiselect(
                _("UN region"),
                "un_regions",
                _by_shown(opts["un_regions"], region_name),
                N_("UN regions"),
                fmt=region_name,
            )
            un_subregions = _multiselect(
                _("UN subregion"),
                "un_subregions",
                _by_shown(opts["un_subregions"], region_name),
                N_("UN subregions"),
                fmt=region_name,
            )
            st.session_state.setdefault(K_QUALITY, 0)
            quality = st.select_slider(
                _("Minimum source quality"),
                options=list(QUALITY_LABELS),
                key=K_QUALITY,
                format_func=render.shown_as({k: _(v) for k, v in QUALITY_LABELS.items()}),
                on_change=_clear_notices,
                help=_(
                    "IOM rates each incident's sources from 1 (a single unverified report) to 5 "
                    "(official or multiple verified sources)."
                ),
            )
            vintage_labels = _vintage_labels(base["vintage"])
            vintage = st.selectbox(
                _("Data vintage"),
                [LATEST, *base["vintage"]],
                key=K_VINTAGE,
                format_func=lambda v: vintage_labels.get(v, v),
                on_change=_clear_notices,
            )
        st.button(_("Reset filters"), on_click=_reset, width="stretch")
        st.caption(_("The page address holds these filters: copy it to share this view."))

    f = Filters(
        date_from=date_from,
        date_to=date_to,
        un_regions=un_regions,
        un_subregions=un_subregions,
        mmp_regions=mmp_regions,
        routes=routes,
        origins=origins,
        causes=causes,
        min_source_quality=int(quality or 0),
        vintage=vintage or None,
    )
    st.session_state[_FILTERS] = f
    _write_url(f)
    return f


def _vintage_labels(vintages: Sequence[str]) -> dict[str, str]:
    demo = cache.demo_flags()
    when = cache.vintage_labels()  # "09 Apr 2026" by source id
    labels = {LATEST: _("Latest")}
    for v in vintages:
        if v in demo and v in when:
            template = _("IOM {date} (demo)") if bool(demo[v]) else _("IOM {date}")
            labels[v] = template.format(date=when[v])
        elif v in demo:
            labels[v] = v
    if vintages:
        labels[LATEST] = _("Latest ({vintage})").format(
            vintage=labels.get(vintages[0], vintages[0])
        )
    return labels
