"""Find English in what RouteWatch shows a French reader.

:func:`english_in` flags a string that still reads as English: a word only English has ("the",
"with", "deaths", ...) outside the names RouteWatch does not translate, or a message of the
catalogues shown as its English msgid. :func:`shown_texts` collects every text an AppTest run
put on screen (titles, captions, markdown, labels, options, metrics, table headers, plotly
titles, axes, legends and annotations, deck tooltips), not table cells (the sources' own
words: incident places, IOM's descriptions). Run it on one page while translating:

    python -m tests.french overview [--db FILE]
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

#: Words a French sentence never uses (checked case-insensitively, whole words).
ENGLISH_WORDS = frozenset(
    """
    the and of with from per for this that these those by is are was were not no
    dead deaths missing detections detection arrivals arrival share shares previous period
    year years month months data which where when what who how only than more less
    country countries people persons show shows every each download downloads filters filter
    between after before above below over under into about we you your it its they their
    there here has have had been can could would should will may might must
    first last latest new see click select choose map chart charts view views saved save
    open close hide colour color name names number rate rates high low
    risk origin origins estimate estimates weight weights alerts alert watch search
    recorded sea land crossing crossings border borders smuggling smugglers fee fees
    revenue money language languages women children month's year's none all any
    """.split()
)
#: Names kept as they are in French (organisations, products, file formats, codes).
KEEP = (
    "RouteWatch",
    "Frontex",
    "GI-TOC",
    "Global Initiative",
    "Natural Earth",
    "Missing Migrants",
    "Streamlit",
    "DuckDB",
    "OpenStreetMap",
    "CARTO",
    "Europol",
    "INTERPOL",
    "UNODC",
    "PowerPoint",
    "Excel",
    "CSV",
    "PDF",
    "PNG",
    "PPTX",
    "JSON",
    # a cited title (methodology: Marshall 1991)
    "Mapping disease and mortality rates using empirical Bayes estimators",
)
_WORD = re.compile(r"[^\W\d_][\w'’]*")  # whole words, accented letters included ("noté")
_URL = re.compile(r"https?://\S+|\S+\.(?:py|csv|xlsx|md|json|duckdb|toml|pdf|pptx|png)\b")
_CODE = re.compile(r"`[^`]*`")


def english_words(text: str) -> list[str]:
    """The English-only words of ``text`` (after names, links, code and file names are cut)."""
    t = re.sub(r"\s+", " ", _URL.sub(" ", _CODE.sub(" ", str(text))))
    for name in KEEP:
        t = t.replace(name, " ")
    return [w for w in _WORD.findall(t) if w.lower().strip("'") in ENGLISH_WORDS]


def english_in(texts: Iterable[str], msgids: Iterable[str] = ()) -> list[str]:
    """The texts that still read as English (with the words that give them away)."""
    ids = {m for m in msgids if len(m) > 3 and english_words(m)}
    out = []
    for text in dict.fromkeys(t for t in texts if t and str(t).strip()):
        words = english_words(text)
        if words:
            out.append(f"{text!r} (English: {', '.join(dict.fromkeys(words))})")
        elif text in ids:
            out.append(f"{text!r} (untranslated message)")
    return out


def _plotly_texts(spec: dict[str, Any]) -> Iterator[str]:
    layout = spec.get("layout", {})

    def title(obj: Any) -> Iterator[str]:
        if isinstance(obj, dict):
            t = obj.get("title")
            if isinstance(t, dict):
                t = t.get("text")
            if isinstance(t, str):
                yield t

    yield from title(layout)
    meta = layout.get("meta")
    if isinstance(meta, dict):
        for key in ("title", "subtitle", "caption", "alt"):
            if isinstance(meta.get(key), str):
                yield meta[key]
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis", "coloraxis")) or key == "legend":
            yield from title(value)
            if isinstance(value, dict) and isinstance(value.get("colorbar"), dict):
                yield from title(value["colorbar"])
    for ann in layout.get("annotations", []) or []:
        if isinstance(ann.get("text"), str):
            yield re.sub(r"<[^>]+>", " ", ann["text"])
    for trace in spec.get("data", []):
        if isinstance(trace.get("name"), str):
            yield trace["name"]
        tmpl = trace.get("hovertemplate")
        if isinstance(tmpl, str):
            yield re.sub(r"%\{[^}]*\}|<[^>]+>", " ", tmpl)


def _table_headers(e: Any) -> list[str]:
    """The column headers a reader sees: column_config labels where set, hidden columns and
    columns left out of ``column_order`` skipped."""
    try:
        columns = [str(c) for c in e.value.columns]
    except Exception:  # noqa: BLE001 - a table the AppTest cannot rebuild has no headers to read
        return []
    config: dict[str, Any] = {}
    raw = getattr(e.proto, "columns", "")
    if raw:
        config = json.loads(raw)
    order = list(getattr(e.proto, "column_order", []) or [])
    out = []
    for c in columns:
        cfg = config.get(c) or {}
        if cfg.get("hidden") or (order and c not in order):
            continue
        out.append(str(cfg.get("label") or c))
    return out


def shown_texts(at: Any) -> list[str]:
    """Every text an AppTest run shows (not table cells)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "latex"):
        out += [str(e.value) for e in at.get(kind)]
    for kind in ("info", "warning", "error", "success", "exception"):
        out += [str(getattr(e, "body", getattr(e, "value", ""))) for e in at.get(kind)]
    for e in at.get("metric"):
        out += [str(e.label), str(e.value), str(getattr(e.proto, "delta", "") or "")]
        out.append(str(getattr(e.proto, "help", "") or ""))
    for kind in (
        "button",
        "download_button",
        "checkbox",
        "toggle",
        "radio",
        "selectbox",
        "multiselect",
        "slider",
        "select_slider",
        "text_input",
        "number_input",
        "date_input",
        "text_area",
    ):
        for e in at.get(kind):
            out.append(str(getattr(e.proto, "label", "")))
            out.append(str(getattr(e.proto, "help", "") or ""))
            out.append(str(getattr(e.proto, "placeholder", "") or ""))
            opts = getattr(e.proto, "options", None)
            if opts is not None and kind in ("radio", "selectbox", "multiselect", "select_slider"):
                out += [str(o) for o in opts]
    for kind in ("tabs", "tab", "expander"):
        out += [str(getattr(e.proto, "label", "")) for e in at.get(kind)]
    for e in at.get("arrow_data_frame") + at.get("dataframe") + at.get("table"):
        out += _table_headers(e)
    for e in at.get("plotly_chart"):
        out += list(_plotly_texts(json.loads(e.proto.spec)))
    for e in at.get("deck_gl_json_chart"):
        spec = json.loads(e.proto.json)
        tip = spec.get("tooltip") or {}
        if isinstance(tip, dict) and isinstance(tip.get("html"), str):
            out.append(re.sub(r"\{[^}]*\}|<[^>]+>", " ", tip["html"]))
    return [t for t in out if t and t.strip()]


def catalogue_ids() -> list[str]:
    from i18n import catalogue

    return [m for m, s in catalogue("fr").items() if m != s]


def _main(argv: list[str]) -> int:
    import os
    from pathlib import Path

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, PAGES

    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # as tests/app/conftest.navigation_as_served

    PagesManager.__init__ = init  # type: ignore[method-assign]

    page = argv[0] if argv else "overview"
    if "--db" in argv:
        os.environ["ROUTEWATCH_DB"] = argv[argv.index("--db") + 1]
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "fr"
    at.run()
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    for e in at.exception:
        print("EXCEPTION", e.message)
    found = english_in(shown_texts(at), catalogue_ids())
    for line in found:
        print(line)
    print(
        f"{len(found)} English texts on {page} ({Path(os.environ.get('ROUTEWATCH_DB', '')).name})"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
