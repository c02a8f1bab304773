"""docs/methodology.fr.md: the French methodology page, in step with the English one."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EN = REPO / "docs" / "methodology.md"
FR = REPO / "docs" / "methodology.fr.md"


def _build():
    spec = importlib.util.spec_from_file_location(
        "build_methodology", REPO / "scripts" / "build_methodology.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_french_methodology_is_in_step() -> None:
    english = EN.read_text(encoding="utf-8")
    text = FR.read_text(encoding="utf-8")
    assert _build().render(text, "fr", english) == text, "run scripts/build_methodology.py"


def test_french_methodology_has_every_section_and_name_of_the_english() -> None:
    english = EN.read_text(encoding="utf-8")
    french = FR.read_text(encoding="utf-8")

    def headings(t: str) -> list[str]:
        return [m.group(1) for m in re.finditer(r"^(#+) ", t, re.M)]

    def code(t: str) -> set[str]:
        return set(re.findall(r"`[^`]+`", t))

    assert headings(french) == headings(english)
    assert code(english) <= code(french), code(english) - code(french)
    # The same tables, row for row (the generated ones included).
    rows = [len(re.findall(r"^\|", t, re.M)) for t in (english, french)]
    assert rows[0] == rows[1]


def test_churn_block_translates_numbers_and_phrases() -> None:
    mod = _build()
    block = (
        "<!-- churn:start -->\n**Scope: routes towards Europe.** Top-10 churn (countries entering"
        " the top 10) and Spearman correlation of the ranks of countries ranked in both years.\n"
        "| all pairs | 31 | 33 | 0.47 | no data |\n| 2019 | 5 | 5 | 23 | 67% | 68% |\n"
        "<!-- churn:end -->"
    )
    out = mod.churn_fr(block)
    assert "Périmètre\u00a0: routes vers l'Europe." in out
    assert "| toutes les paires | 31 | 33 | 0,47 | pas de données |" in out
    assert "| 2019 | 5 | 5 | 23 | 67\u202f% | 68\u202f% |" in out


def test_the_page_reads_the_document_of_the_language() -> None:
    from i18n import use_lang
    from ui import render

    assert render.methodology_markdown().startswith("# Methodology")
    with use_lang("fr"):
        assert render.methodology_markdown().startswith("# Méthodologie")


def test_joined_catalogue_phrases_are_translated_piece_by_piece() -> None:
    from i18n import use_lang

    mod = _build()
    with use_lang("fr"):
        assert mod._translated("Drowning; Accidental death") == "Noyade\u00a0; Mort accidentelle"
        assert mod._translated("Not a message at all") == "Not a message at all"
