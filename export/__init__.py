"""Exports: chart images, static maps, safe tables, the briefing-pack model, PDF and PPTX.

No DuckDB and no Streamlit: everything here takes tables and figures already computed."""
