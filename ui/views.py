"""Saved views on the Briefing page and the presenter-mode screen.

Shared views live in the app-state file beside the warehouse (:mod:`data.app_state`); only an
analyst (signed in, or logged in through OIDC: :func:`ui.access.is_analyst`) may save, replace
or delete them, since they are the presenters' decks. A visitor keeps personal views in their
own session (and in each view's link) instead. A view opens through its link: the app's own
query string (:func:`data.filters.filters_to_query`), read by the sidebar on the first run of a
session. The presenter screen reads a view's filters with the same allow-lists as a shared
link, so a value the current data no longer has is dropped and said, never an error.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import i18n
from analytics import figures as fg
from analytics.catalogue import Figure, label_with_unit
from data import app_state
from data.filters import Filters, filters_from_query, filters_to_query
from export.pack import short_sentence
from i18n import N_, _
from ui import access, cache, render, state

PAGE_PATHS = ("briefing", "presenter")
K_PRESENT = "_rw_present_index"
K_PERSONAL = "_rw_personal_views"  # this session's own views: [{"name": ..., "query": ...}]


def state_path() -> str:
    """The app-state file of the warehouse in use."""
    return str(app_state.app_state_path(cache.current_db().path))


def saved_views() -> list[app_state.SavedView]:
    """Every saved view (an unreadable file shows an error and gives none)."""
    try:
        return app_state.list_views(state_path())
    except (app_state.AppStateError, OSError, duckdb.Error) as exc:
        st.error(access.public_message(str(exc).splitlines()[0]), icon=":material/error:")
        return []


def app_root() -> str:
    """The app's base URL as the browser sees it (``""`` when unknown, e.g. in tests)."""
    url = getattr(st.context, "url", None) or ""
    if not url:
        return ""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last in PAGE_PATHS:
        path = path[: -len(last)].rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def view_link(query: dict[str, Any], page: str = "") -> str:
    """A link that opens ``page`` (the Overview by default) with the view's filters, in the
    reader's language (``lang=fr``; nothing for English)."""
    lang = i18n.get_lang()
    if lang != i18n.DEFAULT_LANG and "lang" not in query:
        query = {**query, "lang": lang}
    qs = urlencode(query, doseq=True)
    base = app_root()
    target = f"{base}/{page}" if base else f"./{page}"
    return target + (f"?{qs}" if qs else "")


def filters_of(view: app_state.SavedView) -> tuple[Filters, list[str]]:
    """The view's filters, checked against the allow-lists of the loaded data."""
    raw = {k: v for k, v in view.query.items()}
    base = cache.filter_options(None)
    fv, _dropped = filters_from_query(
        {"vintage": raw.get("vintage", [])}, {"vintage": base["vintage"]}
    )
    opts = cache.filter_options(fv.vintage)
    allowed = {
        attr: opts[attr]
        for attr in ("mmp_regions", "routes", "origins", "causes", "un_regions", "un_subregions")
    }
    allowed["vintage"] = base["vintage"]
    return filters_from_query(raw, allowed)


def describe_view(view: app_state.SavedView) -> str:
    """The view's filters in words (without checking them against the data)."""
    f, _notices = filters_from_query(dict(view.query))
    return render.describe(f)


# --------------------------------------------------------------------------- Briefing page


def personal_views() -> list[dict[str, Any]]:
    """This session's own views (kept in the session only; each has its link)."""
    return list(st.session_state.get(K_PERSONAL, []))


def _readers_lang() -> None:
    """Set the reader's language in a button callback: callbacks run before ``app.py`` sets
    the run's language (:func:`ui.state.apply_lang`), so their messages would be English."""
    i18n.set_lang(i18n.normalise_lang(st.session_state.get(state.K_LANG)))


def _save_personal(f: Filters) -> None:
    _readers_lang()
    name = st.session_state.get("view_name", "")
    try:
        clean = app_state.normalise_name(name)
    except ValueError as exc:
        st.session_state["_rw_view_msg"] = ("error", str(exc))
        return
    views = [v for v in personal_views() if v["name"].casefold() != clean.casefold()]
    views.append({"name": clean, "query": filters_to_query(f)})
    st.session_state[K_PERSONAL] = views[-50:]
    st.session_state["_rw_view_msg"] = (
        "success",
        _("Saved {name} for this session: keep its link to open it later.").format(
            name=_quoted(clean)
        ),
    )
    st.session_state["view_name"] = ""


def _quoted(name: str) -> str:
    """A view's name quoted in a message: ``'name'`` (as ``repr``) in English, « name » in
    French."""
    return repr(name) if i18n.get_lang() == i18n.DEFAULT_LANG else f"« {name} »"


def _remove_personal(name: str) -> None:
    st.session_state[K_PERSONAL] = [v for v in personal_views() if v["name"] != name]


def _fault(exc: BaseException) -> str:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return _("The saved views could not be written ({path}): {reason}").format(
        path=state_path(), reason=first[:200]
    )


def _save(f: Filters) -> None:
    _readers_lang()
    if not access.is_analyst():  # checked again here: a callback runs whatever was drawn
        st.session_state["_rw_view_msg"] = ("error", _(_SIGN_IN))
        return
    name = st.session_state.get("view_name", "")
    replace = bool(st.session_state.get("view_replace", False))
    try:
        v = app_state.save_view(name, filters_to_query(f), path=state_path(), replace=replace)
    except (ValueError, app_state.AppStateError) as exc:
        st.session_state["_rw_view_msg"] = ("error", str(exc))
        return
    except (OSError, duckdb.Error) as exc:  # a full disk, a read-only file: one line
        st.session_state["_rw_view_msg"] = ("error", _fault(exc))
        return
    st.session_state["_rw_view_msg"] = (
        "success",
        _("Saved the view {name}.").format(name=_quoted(v.name)),
    )
    st.session_state["view_name"] = ""


_SIGN_IN = N_(
    "Shared views are the presenters' decks: only a signed-in analyst may save, replace or "
    "delete them (sign in on the Load data page)."
)


def _delete(view_id: int, name: str) -> None:
    _readers_lang()
    if not access.is_analyst():
        st.session_state["_rw_view_msg"] = ("error", _(_SIGN_IN))
        return
    try:
        gone = app_state.delete_view(view_id, state_path())
    except app_state.AppStateError as exc:
        st.session_state["_rw_view_msg"] = ("error", str(exc))
        return
    except (OSError, duckdb.Error) as exc:
        st.session_state["_rw_view_msg"] = ("error", _fault(exc))
        return
    msg = (
        _("Deleted the view {name}.").format(name=_quoted(name))
        if gone
        else _("That view was already deleted.")
    )
    st.session_state["_rw_view_msg"] = ("success", msg)


def render_save_view(f: Filters) -> None:
    """Name and save the current filters as a view: a shared view for an analyst, a view of
    this session for anyone else."""
    analyst = access.is_analyst()
    with st.container(horizontal=True, vertical_alignment="bottom", key="save-view"):
        st.text_input(
            _("Name this view"),
            key="view_name",
            max_chars=app_state.MAX_NAME_LENGTH,
            placeholder=_("e.g. Central Mediterranean, last 12 months"),
        )
        st.checkbox(_("Replace a view of the same name"), key="view_replace")
        # The same button (and key) for both: analysts save a shared view, visitors save
        # into this session only.
        st.button(
            _("Save current view") if analyst else _("Save for this session"),
            icon=":material/bookmark_add:",
            on_click=_save if analyst else _save_personal,
            args=(f,),
            key="save-view-button",
            help=None
            if analyst
            else _(
                "Shared views are saved by signed-in analysts; this one stays in your "
                "session, with its link."
            ),
        )
    st.caption(_("Current filters: {filters}").format(filters=render.describe(f)))
    if not analyst:
        st.caption(
            _(
                "Shared views (the presenters' decks) are saved by signed-in analysts. Views "
                "you save here stay in this browser session; keep a view's link to open it "
                "again."
            )
        )
    msg = st.session_state.pop("_rw_view_msg", None)
    if msg:
        kind, text = msg
        (st.success if kind == "success" else st.error)(text)


def render_view_list(views: Sequence[app_state.SavedView]) -> None:
    """Each view: its filters, Open, Present, its shareable link and (for analysts) Delete;
    then this session's own views."""
    analyst = access.is_analyst()
    _render_personal_views()
    if not views:
        st.caption(_("No saved views yet. Name the current filters above to save one."))
        return
    for v in views:
        with st.container(border=True, key=f"view-{v.id}"):
            st.markdown(f"**{html.escape(v.name)}**")
            st.caption(describe_view(v))
            with st.container(horizontal=True, gap="small"):
                st.link_button(_("Open"), view_link(dict(v.query)), icon=":material/open_in_new:")
                st.link_button(
                    _("Present"),
                    view_link({"view": str(v.id)}, "presenter"),
                    icon=":material/co_present:",
                )
                st.button(
                    _("Delete"),
                    key=f"delete-view-{v.id}",
                    icon=":material/delete:",
                    on_click=_delete,
                    args=(v.id, v.name),
                    type="tertiary",
                    # A visitor's click is refused with the reason (by _delete itself).
                    help=None
                    if analyst
                    else _("Only a signed-in analyst may delete shared views."),
                )
            st.code(view_link(dict(v.query)), language=None, wrap_lines=True)


def _render_personal_views() -> None:
    mine = personal_views()
    if not mine:
        return
    st.markdown("**" + _("Your views (this session only)") + "**")
    for i, v in enumerate(mine):
        with st.container(border=True, key=f"personal-view-{i}"):
            st.markdown(f"**{html.escape(v['name'])}**")
            with st.container(horizontal=True, gap="small"):
                st.link_button(_("Open"), view_link(v["query"]), icon=":material/open_in_new:")
                st.button(
                    _("Remove"),
                    key=f"remove-personal-view-{i}",
                    icon=":material/close:",
                    on_click=_remove_personal,
                    args=(v["name"],),
                    type="tertiary",
                )
            st.code(view_link(v["query"]), language=None, wrap_lines=True)


# --------------------------------------------------------------------------- presenter

PRESENTER_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stSidebarCollapseButton"], [data-testid="stExpandSidebarButton"] { display: none; }
/* Start below Streamlit's fixed header (3.75rem) so nothing sits under it. */
.stMainBlockContainer, .block-container { max-width: 100% !important; padding: 4rem 2rem 0.5rem 2rem !important; }
/* The navigation stays visible and clickable while the slide scrolls. */
.st-key-presenter-nav { position: sticky; top: 3.75rem; z-index: 999991; background: #FFFFFF;
  padding: 0.3rem 0; }
.st-key-presenter-nav p { font-size: 1.15rem; margin: 0; }
.st-key-present-prev-page, .st-key-present-next-page { display: none !important; }
.st-key-presenter-slide { background: #0B0B0B; color: #FFFFFF; border-radius: 10px;
  padding: clamp(0.8rem, 2.4vh, 2rem) clamp(1rem, 2.4vw, 2.6rem); }
.rw-present { color: #FFFFFF; }
.rw-present h1 { color: #FFFFFF; font-size: clamp(1.8rem, 5vh, 3.4rem); line-height: 1.1;
  margin: 0 0 0.2rem 0; padding: 0; overflow-wrap: anywhere; }
.rw-present .rw-scope { color: #E6E6E6; font-size: clamp(1.05rem, 2.4vh, 1.6rem); margin-bottom: 0.6rem;
  overflow-wrap: anywhere; }
.rw-present .rw-figures { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: clamp(0.6rem, 1.4vw, 2rem);
  margin: 0.4rem 0 clamp(0.6rem, 2vh, 1.6rem) 0; }
.rw-present .rw-figure { min-width: 0; }
.rw-present .rw-value { color: #FFB000; font-size: clamp(1.6rem, 5vh, 4.2rem); font-weight: 700; line-height: 1.0; white-space: nowrap; }
.rw-present .rw-label { color: #FFFFFF; font-size: clamp(0.95rem, 2.1vh, 1.4rem); margin-top: 0.2rem; }
.rw-present ol { font-size: clamp(1.05rem, 2.6vh, 1.8rem); line-height: 1.3; margin: 0 0 0 1.6rem; padding: 0; }
.rw-present li { margin-bottom: 0.4rem; overflow-wrap: anywhere; }
.rw-present .rw-sources { color: #CFCFCF; font-size: clamp(0.8rem, 1.7vh, 1.05rem); margin: 0; }
.rw-present .rw-demo { background: #B00020; color: #FFFFFF; font-size: clamp(0.95rem, 2.1vh, 1.4rem); font-weight: 700;
  padding: 0.3rem 0.8rem; border-radius: 6px; display: inline-block; margin-bottom: 0.6rem; }
</style>
"""

# How many key messages fit beside the chart in large type.
PRESENTER_MESSAGES = 3
PRESENTER_CHART_HEIGHT = 250


def presenter_index(views: Sequence[app_state.SavedView]) -> int:
    """Which view to show: the ``view`` id in the address, else the last one shown, else 0."""
    raw = st.query_params.get("view")
    ids = [v.id for v in views]
    # Only plain ASCII digits: "²" and "٣" pass str.isdigit(), and int() refuses the first.
    if raw is not None and raw.isascii() and raw.isdecimal() and len(raw) <= 18:
        if int(raw) in ids:
            return ids.index(int(raw))
    if raw is not None:
        st.warning(
            _(
                "The view in this link is not a saved view (it may have been deleted): "
                "showing another one."
            ),
            icon=":material/link_off:",
        )
    i = int(st.session_state.get(K_PRESENT, 0))
    return min(max(i, 0), max(len(views) - 1, 0))


def _go(views_ids: Sequence[int], index: int) -> None:
    st.session_state[K_PRESENT] = index
    st.query_params["view"] = str(views_ids[index])


def render_presenter_nav(views: Sequence[app_state.SavedView], index: int) -> None:
    """Previous / next through the saved views, with the mouse, the arrow keys or PageUp /
    PageDown (what presentation clickers send). The bar stays below Streamlit's header."""
    ids = [v.id for v in views]
    n = len(views)
    prev_i, next_i = max(index - 1, 0), min(index + 1, n - 1)
    with st.container(horizontal=True, vertical_alignment="center", key="presenter-nav"):
        st.button(
            _("Previous"),
            icon=":material/arrow_back:",
            disabled=index <= 0,
            on_click=_go,
            args=(ids, prev_i),
            shortcut="left",
            key="present-prev",
        )
        st.markdown(
            "**" + _("View {i} of {n}:").format(i=index + 1, n=n) + f"** {views[index].name}"
        )
        st.button(
            _("Next"),
            icon=":material/arrow_forward:",
            disabled=index >= n - 1,
            on_click=_go,
            args=(ids, next_i),
            shortcut="right",
            key="present-next",
        )
        # A button takes one shortcut: these two, hidden, take the clicker's keys.
        st.button(
            _("Previous (PageUp)"),
            disabled=index <= 0,
            on_click=_go,
            args=(ids, prev_i),
            shortcut="pageup",
            key="present-prev-page",
        )
        st.button(
            _("Next (PageDown)"),
            disabled=index >= n - 1,
            on_click=_go,
            args=(ids, next_i),
            shortcut="pagedown",
            key="present-next-page",
        )


def presenter_html(
    name: str,
    f: Filters,
    figures: Sequence[Figure],
    messages: pd.DataFrame | None,
    is_demo: bool,
) -> str:
    """The presenter screen's text as escaped HTML: name, scope, three figures and key messages
    (the chart is drawn beside it and the sources under both by :func:`render_presenter`)."""
    shown = [x for x in figures if x.measure.id in ("dead_and_missing", "incidents", "detections")]
    figs_html = "".join(
        f'<div class="rw-figure"><div class="rw-value">{html.escape(x.display)}</div>'
        f'<div class="rw-label">{html.escape(label_with_unit(_(x.measure.label), _(x.measure.unit)))}'
        + (f"<br>{html.escape(x.change.text)}" if x.change.text else "")
        + "</div></div>"
        for x in shown
    )
    items = []
    if messages is not None and len(messages) and "sentence" in messages:
        items = [short_sentence(s) for s in messages["sentence"].astype(str)]
    msgs_html = (
        "<ol>" + "".join(f"<li>{html.escape(s)}</li>" for s in items[:PRESENTER_MESSAGES]) + "</ol>"
        if items
        else f'<div class="rw-scope">{html.escape(_("No key messages for these filters."))}</div>'
    )
    demo = (
        '<div class="rw-demo">'
        + html.escape(_("Synthetic demo data: do not brief from these figures"))
        + "</div>"
        if is_demo
        else ""
    )
    return (
        '<div class="rw-present">'
        + demo
        + f"<h1>{html.escape(name)}</h1>"
        + f'<div class="rw-scope">{html.escape(render.describe(f))}</div>'
        + f'<div class="rw-figures">{figs_html}</div>'
        + msgs_html
        + "</div>"
    )


def presenter_sources_html(sources: str) -> str:
    """The sources and caveats of the slide, full width under the figures and the chart."""
    return f'<div class="rw-present"><div class="rw-sources">{html.escape(sources)}</div></div>'


def presenter_figure(f: Filters) -> go.Figure:
    """The view's headline chart in large type on the dark slide: dead and missing per month
    when the view is one route, else the routes with the most dead and missing."""
    if len(f.routes) == 1:
        fig = fg.make_monthly_figure(
            cache.incidents_by(f, "none", "month"),
            label=render.scope_label(f),
            data_end=f.date_to or cache.headline(f)["last_date"],
        )
    else:
        fig = fg.make_route_bars_figure(cache.route_metrics(f), "dead_and_missing", top=6)
    return fg.on_dark(fig, height=PRESENTER_CHART_HEIGHT)


def render_presenter(name: str, f: Filters, notices: Sequence[str] = ()) -> None:
    """One view on the presenter screen: figures and key messages beside its headline chart."""
    v = cache.vintages(f)
    messages = cache.key_messages(f, PRESENTER_MESSAGES)
    sources = render.source_caption(v, f, detections=True)
    with st.container(key="presenter-slide"):
        left, right = st.columns([6, 5], gap="medium")
        with left:
            st.html(presenter_html(name, f, cache.headline_figures(f), messages, v.is_demo))
        with right:
            fig = presenter_figure(f)
            st.plotly_chart(
                fig,
                theme=None,
                config=render.plotly_config(fg.figure_name(fig), f),
                alt=fg.figure_alt(fig) or None,
                key="presenter-chart",
            )
        st.html(presenter_sources_html(sources))
    if notices:
        st.caption(_("Part of this view no longer matches the data:") + " " + " ".join(notices))
