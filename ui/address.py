"""The page address: the one writer of the query string, and page controls kept in it.

The sidebar filters (:mod:`ui.state`) and the page controls (:func:`linked_control`) write the
query string through :func:`write_params`, always as codes: ``route=central_mediterranean``,
``scope=world``, ``plan=SYR``, never a translated label, so a link made in French opens the
same view in English. Streamlit's own ``bind="query-params"`` writes a choice widget's shown
label (its ``format_func``), which is why the choice controls do not use it; toggles and
sliders, whose bound values need no translation, still do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st

#: Page controls kept in the address by their option codes: ``{key: Linked}``.
_LINKED = "_rw_linked"
#: The page this run draws (its ``url_path``), set by app.py before the page runs.
_PAGE = "_rw_page"

T = TypeVar("T")


def write_params(target: Mapping[str, str | Sequence[str] | None]) -> None:
    """Make the query string hold ``target`` (``None``: the key is left out), touching only
    the keys that differ: the one way the app writes its address (sidebar and page controls)."""
    for key, want in target.items():
        have = st.query_params.get_all(key) if key in st.query_params else None
        if want is None:
            if have is not None:
                del st.query_params[key]
            continue
        want_list = [want] if isinstance(want, str) else list(want) or [""]
        if have != want_list:
            st.query_params[key] = want_list if len(want_list) > 1 else want_list[0]


@dataclasses.dataclass(frozen=True)
class Linked:
    """A page control kept in the address: its page, last choice and option codes."""

    page: str
    value: Any
    options: tuple[Any, ...]


def set_page(url_path: str) -> None:
    """Note the page this run draws and drop from the address the controls of other pages
    (app.py, before the page runs): a link holds the view it shows, as with the filters."""
    st.session_state[_PAGE] = url_path
    linked = st.session_state.get(_LINKED, {})
    elsewhere = [k for k, c in linked.items() if c.page != url_path]
    for key in elsewhere:
        # The seeded entry would outlive the widget with its first value; the last choice
        # is kept in _LINKED and comes back when the page is drawn again.
        if key in st.session_state:
            del st.session_state[key]
    write_params(dict.fromkeys(elsewhere))


def _from_link(
    key: str, options: Sequence[Any], shown: Callable[[Any], str], multi: bool
) -> Any | None:
    """The codes the address gives for ``key`` (``None``: none usable).

    A value is an option's code; a label as shown in this run's language is read too, so a
    link from before codes (``focus=Western Balkans``, or ``Balkans occidentaux`` with
    ``lang=fr``, the language such links carry) still opens its view.
    """
    if key not in st.query_params:
        return None
    by_text: dict[str, Any] = {}
    for o in options:
        by_text.setdefault(str(shown(o)).casefold(), o)
    for o in options:
        by_text[str(o).casefold()] = o  # a code wins over a label that spells it
    raw = [v for v in st.query_params.get_all(key) if v.strip()]
    values = [by_text[v.strip().casefold()] for v in raw if v.strip().casefold() in by_text]
    if multi:
        if raw and not values:
            return None  # nothing usable: the default
        return list(dict.fromkeys(values))
    return values[0] if values else None


def linked_control(
    draw: Callable[..., T],
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    default: Any,
    shown: Callable[[Any], str],
    multi: bool = False,
    **kwargs: Any,
) -> T:
    """Draw a page control whose choice is kept in the address as option codes.

    ``draw`` is the widget function (``st.selectbox``, ``col.segmented_control``,
    ``st.pills``, ``st.multiselect``...), called with ``label``, ``options``, ``key`` and
    ``format_func=shown`` plus ``kwargs`` (no ``default`` or ``index``: the value is seeded
    here). Streamlit's own ``bind="query-params"`` writes the shown label, so a link made in
    French lost its choices in English; this writes ``scope=world``, ``focus=<route id>``,
    ISO-3 codes, whatever the language.

    On the control's first draw in a view the address decides (a shared link), else the
    session's last choice on this page, else ``default``; a value no longer offered falls back
    to ``default``. After drawing, the address holds the codes (nothing at the default).
    """
    options = list(options)
    linked = dict(st.session_state.get(_LINKED, {}))
    if multi:
        default = [d for d in default if d in options]
    elif default not in options:
        default = options[0] if options else None
    if key not in st.session_state:
        value = _from_link(key, options, shown, multi)
        if value is None and key in linked:
            value = linked[key].value
        st.session_state[key] = default if value is None else value
    current = st.session_state[key]
    if multi:
        keep = [v for v in (current or []) if v in options]
        if keep != list(current or []):
            st.session_state[key] = keep
    elif current not in options:
        st.session_state[key] = default
    value = draw(label, options, key=key, format_func=shown, **kwargs)
    if multi:
        chosen = list(value or [])
        at_default = sorted(map(str, chosen)) == sorted(map(str, default))
        code: str | list[str] | None = None if at_default else [str(v) for v in chosen]
    else:
        code = None if value is None or value == default else str(value)
    linked[key] = Linked(st.session_state.get(_PAGE, ""), value, tuple(options))
    st.session_state[_LINKED] = linked
    write_params({key: code})
    return value
