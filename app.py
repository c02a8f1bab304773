"""RouteWatch: where migrant-smuggling risk is, for prevention and awareness work.

The entry script only routes: page config, the navigation, the shared sidebar (filters kept
in the URL), the demo-data banner and link notices, then the page. Everything else lives in
pages/ and ui/.
"""

from __future__ import annotations

import streamlit as st

from data.db import WarehouseError
from ui import access, address, cache, document, render, state

render.configure_page()
lang = state.apply_lang()  # the reader's language, before anything is drawn (kept in the URL)
access.credential_problem()  # a weak or plain-text analyst credential is refused (and logged)
cache.pin_run_db()  # one warehouse version for the whole run, even if an ingest publishes
page = st.navigation(state.app_pages())
render.render_global_css()
document.declare_lang(lang)

state.render_lang_selector()
try:
    filters = state.render_sidebar()
except WarehouseError as exc:
    render.render_missing_warehouse(str(exc))
    st.stop()

if page.url_path != "presenter":  # the presenter slide carries its own demo banner
    render.render_demo_banner(cache.vintages(filters).is_demo)
render.render_link_notices(state.link_notices())
address.set_page(page.url_path)  # page controls of other pages leave the address
render.begin_page_sources()
page.run()
render.render_page_sources()  # the full captions and provenance of what the page showed
cache.settle_memory()  # after the first complete run: long-lived objects out of the collector's way
