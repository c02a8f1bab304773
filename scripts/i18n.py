"""Manage the French catalogues with Babel: extract every marked string and update the .po files.

    python -m scripts.i18n update    # extract, then add new messages (empty) and drop gone ones
    python -m scripts.i18n check     # list messages without a French translation (exit 1 if any)

One catalogue per part of the code (``DOMAINS``), so work on the pages and on the pack never
edits the same file; the app merges them at run time (:func:`i18n.catalogue`). Messages are
what the source wraps in ``_()`` or marks with ``N_()`` (``ngettext`` too), plus the names in
``data/reference/routes.json`` (route names and descriptions) and the legs of
``data/reference/smuggling_fees.csv``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "i18n" / "locale"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}

#: Catalogue name -> the source files whose messages it holds (globs relative to the repo).
DOMAINS: dict[str, tuple[str, ...]] = {
    "app": (
        "app.py",
        "pages/overview.py",
        "pages/routes.py",
        "pages/risk.py",
        "pages/incidents.py",
        "pages/briefing.py",
        "pages/presenter.py",
        "ui/render.py",
        "ui/state.py",
        "ui/views.py",
        "ui/cache.py",
        "ui/charts.py",
        "ui/snapshots.py",
    ),
    "app_more": (
        "pages/money.py",
        "pages/planner.py",
        "pages/reconcile.py",
        "pages/data_sources.py",
        "pages/load_data.py",
        "ui/money.py",
        "ui/planner.py",
        "ui/reconcile.py",
        "ui/ingest.py",
        "ui/access.py",
        "ui/auth.py",
        "ui/__init__.py",
    ),
    "charts": (
        "analytics/figures.py",
        "analytics/money_figures.py",
        "analytics/theme.py",
        "geo/*.py",
    ),
    "measures": (
        "analytics/catalogue.py",
        "analytics/messages.py",
        "analytics/alerts.py",
        "analytics/scores.py",
        "analytics/robust.py",
        "analytics/measures.py",
        "analytics/planner.py",
        "analytics/reconcile.py",
        "analytics/money.py",
        "analytics/backtest.py",
        "analytics/__init__.py",
        "analytics/__main__.py",
    ),
    "export": ("export/*.py", "services/*.py"),
    "data": ("data/*.py", "pages/methodology.py", "i18n/__init__.py"),
    "reference": (
        "data/reference/routes.json",
        "data/reference/smuggling_fees.csv",
        "i18n/names.py",
    ),
}


def _files(globs: Iterable[str]) -> Iterator[Path]:
    for pattern in globs:
        yield from sorted(REPO.glob(pattern))


def _route_messages(path: Path) -> Iterator[tuple[str, int]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for i, route in enumerate(doc["routes"], start=1):
        for key in ("name", "description"):
            if route.get(key):
                yield str(route[key]), i


def _fee_legs(path: Path) -> Iterator[tuple[str, int]]:
    import csv

    with path.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            if row.get("leg"):
                yield row["leg"], i


def extract(domain: str) -> dict[str, list[tuple[str, int]]]:
    """msgid -> [(file, line), ...] for one catalogue."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in _files(DOMAINS[domain]):
        rel = str(path.relative_to(REPO))
        if path.suffix == ".json":
            items: Iterable[tuple[str, int]] = _route_messages(path)
        elif path.suffix == ".csv":
            items = _fee_legs(path)
        else:
            # ngettext's singular and plural are two messages (i18n.ngettext picks one and
            # translates it), so every form a reader can see is in the catalogue.
            items = (
                (text, m[0])
                for m in extract_from_file("python", str(path), keywords=KEYWORDS)
                for text in ((m[1],) if isinstance(m[1], str) else tuple(m[1] or ()))
                if isinstance(text, str)
            )
        for msgid, line in items:
            if msgid:
                found.setdefault(msgid, []).append((rel, line))
    return found


def po_path(domain: str, lang: str = "fr") -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def read(domain: str, lang: str = "fr") -> Catalog:
    path = po_path(domain, lang)
    if not path.exists():
        return Catalog(locale=lang, domain=domain, project="RouteWatch")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def update(domain: str, lang: str = "fr") -> tuple[int, int]:
    """Bring ``domain``'s catalogue in step with the source; returns (messages, untranslated)."""
    old = read(domain, lang)
    new = Catalog(locale=lang, domain=domain, project="RouteWatch", fuzzy=False)
    missing = 0
    for msgid, where in sorted(extract(domain).items()):
        have = old.get(msgid)
        text = have.string if have is not None and not have.fuzzy else ""
        new.add(msgid, text, locations=where)
        missing += not text
    path = po_path(domain, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, new, width=100, sort_output=True, omit_header=False)
    return len(new), missing


def untranslated(lang: str = "fr") -> list[tuple[str, str]]:
    """(catalogue, msgid) of every extracted message without a translation."""
    out = []
    for domain in DOMAINS:
        cat = read(domain, lang)
        for msgid in extract(domain):
            msg = cat.get(msgid)
            if msg is None or msg.fuzzy or not msg.string:
                out.append((domain, msgid))
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        for domain in argv[1:] or list(DOMAINS):
            n, missing = update(domain)
            print(f"{po_path(domain).relative_to(REPO)}: {n} messages, {missing} untranslated")
        return 0
    if cmd == "check":
        todo = untranslated()
        for domain, msgid in todo:
            print(f"{domain}: {msgid!r}")
        print(f"{len(todo)} messages without a French translation")
        return 1 if todo else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
