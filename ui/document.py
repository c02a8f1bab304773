"""The page's declared language (WCAG 2.1 success criterion 3.1.1, Language of Page).

Streamlit serves ``<html lang="en">`` whatever the page says; a screen reader then reads a
French page with English pronunciation. For a language other than English,
:func:`declare_lang` sets the top document's ``lang`` from a one-pixel ``st.iframe`` (same
origin: the frame may write to its parent). English needs nothing.

The frame sits in a keyed container taken out of the page's flow (:data:`FRAME_CSS`): in the
flow, its pixel and the gap after it pushed the French page 17 px lower than the English one.
"""

from __future__ import annotations

import streamlit as st

_SCRIPT = """<script>
try {{ window.parent.document.documentElement.lang = "{lang}"; }} catch (e) {{}}
</script>"""

#: Out of the flow (no height, no gap in the main column), still loaded: an absolutely
#: placed, clipped box, not ``display: none``.
FRAME_CSS = """<style>
.st-key-rw-declare-lang, [data-testid="stLayoutWrapper"]:has(> .st-key-rw-declare-lang) {
  position: absolute !important; width: 1px !important; height: 1px !important;
  overflow: hidden !important; clip-path: inset(50%); margin: 0 !important; padding: 0 !important;
}
</style>"""


def declare_lang(lang: str) -> None:
    """Declare ``lang`` (``"fr"``) as the language of the page."""
    if lang != "en" and lang.isalpha():
        st.html(FRAME_CSS)
        with st.container(key="rw-declare-lang"):
            st.iframe(_SCRIPT.format(lang=lang), height=1)
