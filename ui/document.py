"""The page's declared language (WCAG 2.1 success criterion 3.1.1, Language of Page).

Streamlit serves ``<html lang="en">`` whatever the page says; a screen reader then reads a
French page with English pronunciation. For a language other than English,
:func:`declare_lang` sets the top document's ``lang`` from a one-pixel ``st.iframe`` (same
origin: the frame may write to its parent). English needs nothing.
"""

from __future__ import annotations

import streamlit as st

_SCRIPT = """<script>
try {{ window.parent.document.documentElement.lang = "{lang}"; }} catch (e) {{}}
</script>"""


def declare_lang(lang: str) -> None:
    """Declare ``lang`` (``"fr"``) as the language of the page."""
    if lang != "en" and lang.isalpha():
        st.iframe(_SCRIPT.format(lang=lang), height=1)
