"""English and French: every message translated, formats by locale, the language per context."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import threading
from pathlib import Path

import pytest

import i18n
from i18n import _, use_lang
from scripts import i18n as catalogues

REPO = Path(__file__).resolve().parents[2]
NNBSP = "\u202f"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_message_has_a_french_translation() -> None:
    missing = catalogues.untranslated("fr")
    assert not missing, f"{len(missing)} messages without French (make i18n): {missing[:40]}"


def test_catalogues_agree_on_shared_messages() -> None:
    """A message used in two parts of the code has one French text (the reader sees one word
    for one thing)."""
    assert not i18n.conflicts("fr"), i18n.conflicts("fr")[:20]


def test_translations_keep_every_placeholder() -> None:
    bad = []
    for msgid, msgstr in i18n.catalogue("fr").items():
        try:
            if _fields(msgid) != _fields(msgstr):
                bad.append((msgid, msgstr))
        except ValueError:  # a lone brace: compare the raw braces instead
            if re.findall(r"\{[^}]*\}", msgid) != re.findall(r"\{[^}]*\}", msgstr):
                bad.append((msgid, msgstr))
    assert not bad, bad[:20]


def test_catalogues_are_in_step_with_the_source() -> None:
    """Every catalogue entry is still extracted from the source (``make i18n`` drops the rest)."""
    stale = []
    for domain in catalogues.DOMAINS:
        extracted = set(catalogues.extract(domain))
        stale += [(domain, m.id) for m in catalogues.read(domain) if m.id and m.id not in extracted]
    assert not stale, stale[:20]


def test_every_route_name_is_translated() -> None:
    routes = json.loads((REPO / "data/reference/routes.json").read_text())["routes"]
    with use_lang("fr"):
        same = [r["name"] for r in routes if i18n.route_name(r["name"]) == r["name"]]
    # Names that are the same in French are listed here, on purpose.
    assert set(same) <= {"Darién"}, same


def test_numbers_dates_and_countries_follow_the_locale() -> None:
    day = dt.date(2026, 4, 9)
    assert (i18n.fmt_number(8755), i18n.month_year(day)) == ("8,755", "April 2026")
    with use_lang("fr"):
        assert i18n.fmt_number(8755) == f"8{NNBSP}755"
        assert i18n.fmt_number(16.04, 1) == "16,0"
        assert i18n.fmt_number(-14.2, 0, signed=True) == "-14"
        assert i18n.fmt_number(5, 0, signed=True) == "+5"
        assert i18n.fmt_percent(12.5, 1) == f"12,5{NNBSP}%"
        assert i18n.month_year(day) == "avril 2026"
        assert i18n.fmt_date(day) == "9 avril 2026"
        assert i18n.fmt_date(dt.date(2025, 3, 1)) == "1er mars 2025"
        assert i18n.country_name("CIV", "Côte d'Ivoire") == "Côte d’Ivoire"
        assert i18n.country_name("DEU", "Germany") == "Allemagne"
    assert i18n.country_name("DEU", "Germany") == "Germany"
    with pytest.raises(ValueError):
        i18n.fmt_number(float("nan"))


def test_names_sort_by_the_readers_alphabet() -> None:
    names = ["Érythrée", "Zimbabwe", "Djibouti", "égypte"]
    assert sorted(names, key=i18n.sort_key) == ["Djibouti", "égypte", "Érythrée", "Zimbabwe"]


def test_the_language_is_per_thread_and_per_block() -> None:
    seen: dict[str, str] = {}

    def other() -> None:
        seen["thread"] = i18n.get_lang()

    with use_lang("fr"):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert i18n.get_lang() == "fr"
    assert seen["thread"] == "en"
    assert i18n.get_lang() == "en"
    with pytest.raises(ValueError):
        i18n.set_lang("de")
    assert i18n.normalise_lang("FR-ca") == "fr"
    assert i18n.normalise_lang("de") == "en"


def test_the_no_data_marker_is_french_in_french() -> None:
    from analytics.catalogue import NO_DATA

    with use_lang("fr"):
        assert _(NO_DATA) == "pas de données"
