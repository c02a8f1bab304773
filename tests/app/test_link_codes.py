"""A shared view opens the same in English and in French: the address holds codes, not labels.

Streamlit's ``bind="query-params"`` writes a choice widget's *shown* label (its format_func)
into the address, so a link made in French lost its scope, variant, route... in English. Page
controls go through :func:`ui.address.linked_control` instead (codes in the address); the tests
find every such control (and every widget still bound by Streamlit) on each page by walking
what the page drew, so a new control is covered without being listed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Node, Widget

from tests.app.conftest import APP
from ui import address, state

# Pages that draw controls kept in the address (the others have none; a test checks that).
LINKED_PAGES = {
    "overview": "pages/overview.py",
    "routes": "pages/routes.py",
    "risk": "pages/risk.py",
    "incidents": "pages/incidents.py",
    "money": "pages/money.py",
    "planner": "pages/planner.py",
    "reconcile": "pages/reconcile.py",
}
#: Widgets whose bound value does not depend on the language (Streamlit may keep binding them).
LANGUAGE_FREE_KINDS = {"toggle", "checkbox", "slider", "number_input", "date_input"}


def clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.message for e in at.exception]}"
    assert not at.error, f"{where}: {[e.body for e in at.error]}"


def walk(node: Any) -> Iterator[Node]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def page_widgets(at: AppTest) -> dict[str, Widget]:
    """The page's keyed widgets (the sidebar's are the filters, tested elsewhere)."""
    return {w.key: w for w in walk(at.main) if isinstance(w, Widget) and w.key}


def linked(at: AppTest, page: str) -> dict[str, address.Linked]:
    """The page's :func:`ui.address.linked_control` controls, in drawing order."""
    controls = at.session_state[address._LINKED] if address._LINKED in at.session_state else {}
    return {k: c for k, c in controls.items() if c.page == page}


def streamlit_bound(at: AppTest) -> dict[str, Widget]:
    """Page widgets still bound with ``bind="query-params"`` (their proto names the key)."""
    return {k: w for k, w in page_widgets(at).items() if getattr(w.proto, "query_param_key", "")}


def as_list(v: Any) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def open_page(page: str, params: dict[str, Any]) -> AppTest:
    """A new session opened on a shared link ``/<page>?<params>``."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(params)
    at.switch_page(LINKED_PAGES[page]).run()
    clean(at, f"{page} {params}")
    return at


def choose_other(at: AppTest, page: str, key: str) -> None:
    """Set the control ``key`` to a choice other than its current one (by option code)."""
    w = page_widgets(at)[key]
    options = list(linked(at, page)[key].options)
    current = w.value
    if isinstance(current, list | tuple):
        outside = [o for o in options if o not in current]
        value: Any = outside[:2] if outside else options[:1]
    else:
        value = next(o for o in reversed(options) if o != current)
    w.set_value(value).run()


@pytest.mark.parametrize(("made_in", "opened_in"), [("fr", "en"), ("en", "fr")])
@pytest.mark.parametrize("page", sorted(LINKED_PAGES))
def test_a_link_keeps_every_control_across_languages(
    demo_app: AppTest, page: str, made_in: str, opened_in: str
) -> None:
    del demo_app  # its fixture points the app at the demo warehouse
    lang = {"fr": {"lang": "fr"}, "en": {}}
    at = open_page(page, lang[made_in])
    keys = list(linked(at, page))
    bound = streamlit_bound(at)
    assert keys or bound, f"{page} has no control kept in the address: drop it from the list"
    defaults = {k: w.value for k, w in page_widgets(at).items() if k in keys}

    for key in keys:  # in drawing order: a later control's options may follow an earlier one
        choose_other(at, page, key)
        clean(at, f"{page} {key}")
    chosen = {k: page_widgets(at)[k].value for k in keys}
    for key in keys:
        assert chosen[key] != defaults[key], f"{page}: {key} fell back to its default"
        url = as_list(at.query_params.get(key))
        # The codes, never the shown labels ("world", not "Toutes les routes du monde").
        assert url == [str(v) for v in as_list(chosen[key])], (page, key, url)

    # Widgets Streamlit still binds hold values free of language: set each one the way the
    # browser writes it (AppTest does not write a bound widget's value back to the address).
    params = {k: v for k, v in at.query_params.items() if k != "lang"}
    bound = streamlit_bound(at)  # as drawn now (the weights follow the risk kind)
    for key, w in bound.items():
        defaults[key] = w.value
        assert w.type in LANGUAGE_FREE_KINDS, f"{page}: {key} ({w.type}) writes its label"
        if w.proto.disabled:
            continue
        if w.type in ("toggle", "checkbox"):
            chosen[key] = not defaults[key]
            params[key] = str(chosen[key]).lower()
        elif w.type == "slider":
            lo, hi = w.min, w.max
            if isinstance(defaults[key], list | tuple):
                chosen[key] = (lo, hi) if tuple(defaults[key]) != (lo, hi) else (lo, lo)
            else:
                chosen[key] = hi if defaults[key] != hi else lo
            params[key] = (
                [str(v) for v in as_list(chosen[key])]
                if isinstance(chosen[key], tuple)
                else str(chosen[key])
            )

    again = open_page(page, {**params, **lang[opened_in]})
    widgets = page_widgets(again)
    for key, value in chosen.items():
        got = widgets[key].value
        got = tuple(got) if isinstance(value, tuple) else got
        assert got == value, f"{page}: {key} lost in {opened_in} ({got!r} != {value!r})"
        if key in keys:
            assert as_list(again.query_params.get(key)) == [str(v) for v in as_list(value)]


def filter_choices(db: Path) -> dict[str, list[Any]]:
    """Two values of each sidebar list filter, read from the warehouse (the codes)."""
    import duckdb

    from data.queries import query_filter_options

    con = duckdb.connect(str(db), read_only=True)
    try:
        opts = query_filter_options(con)
    finally:
        con.close()
    return {attr: list(opts[attr])[-2:] for attr in state.LIST_ATTRS if opts[attr]}


@pytest.mark.parametrize(("made_in", "opened_in"), [("fr", "en"), ("en", "fr")])
def test_a_link_keeps_the_sidebar_filters_across_languages(
    demo_app: AppTest, demo_db: Path, made_in: str, opened_in: str
) -> None:
    del demo_app
    lang = {"fr": {"lang": "fr"}, "en": {}}
    at = open_page("overview", lang[made_in])
    chosen = filter_choices(demo_db)
    assert {"routes", "origins", "causes", "mmp_regions"} <= set(chosen)
    for attr, values in chosen.items():
        at.sidebar.multiselect(key=state.K_LIST[attr]).set_value(values).run()
        clean(at, f"sidebar {attr}")
    at.sidebar.select_slider(key=state.K_QUALITY).set_value(3).run()
    params = {k: v for k, v in at.query_params.items() if k != "lang"}
    assert as_list(params["q"]) == ["3"]
    assert as_list(params["route"]) == chosen["routes"]  # codes, e.g. central_mediterranean

    again = open_page("overview", {**params, **lang[opened_in]})
    for attr, values in chosen.items():
        assert again.sidebar.multiselect(key=state.K_LIST[attr]).value == values, attr
    assert again.sidebar.select_slider(key=state.K_QUALITY).value == 3
    assert {k: v for k, v in again.query_params.items() if k != "lang"} == params
