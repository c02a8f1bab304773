"""Write the catalogue of measures into docs/methodology.md and docs/methodology.fr.md.

Each document is written by hand in its language, except two generated blocks:

* ``measures``: the catalogue's table (:func:`analytics.catalogue.markdown_table`); the French
  one is rendered under ``use_lang("fr")`` with the ``measures`` catalogue's translations, so
  regenerating after the catalogue is translated gives French cells.
* ``churn`` (French file only): the English block that ``scripts/risk_churn.py`` writes from the
  real data, its fixed phrases translated and its numbers written the French way, so the two
  documents always show the same figures.

Run after changing :mod:`analytics.catalogue`, its translations or the churn tables;
``tests/unit/test_catalogue.py`` fails until both documents match.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analytics.catalogue import MEASURES, markdown_table  # noqa: E402
from i18n import gettext, use_lang  # noqa: E402

DOC = REPO / "docs" / "methodology.md"
DOCS = {"en": DOC, "fr": REPO / "docs" / "methodology.fr.md"}
BLOCK = re.compile(r"(<!-- measures:start -->\n).*?(\n<!-- measures:end -->)", re.S)
CHURN = re.compile(r"(<!-- churn:start -->\n).*?(<!-- churn:end -->)", re.S)

#: The French header of the measures table (the cells come from the catalogue).
_HEADER_FR = "| id | mesure | unité | couverture | mise en garde |"

#: The fixed phrases of ``scripts/risk_churn.py``'s block, in French (regex -> replacement),
#: applied in order; numbers are rewritten afterwards (:func:`_french_numbers`).
_CHURN_FR: tuple[tuple[str, str], ...] = (
    (r"routes towards Europe", "routes vers l'Europe"),
    (r"all routes worldwide", "toutes les routes du monde"),
    (
        r"\*\*Scope: (.+?)\.\*\* Top-(\d+) churn \(countries entering the top \d+\) and Spearman "
        r"correlation of the ranks of countries ranked in both years\.",
        r"**Périmètre : \1.** Renouvellement du top \2 (pays qui entrent dans les \2 premiers) "
        r"et corrélation de Spearman des rangs des pays classés les deux années.",
    ),
    (
        r"\| years \| churn, robust \| churn, raw \| Spearman, robust \| Spearman, raw \|",
        "| années | renouvellement, robuste | renouvellement, brut | Spearman, robuste "
        "| Spearman, brut |",
    ),
    (r"\| all pairs \|", "| toutes les paires |"),
    (
        r'Top-(\d+) places held by a country "driven by one incident" \(its largest incident '
        r"gives at least (\d+%) of its dead and missing\), and among all ranked countries the "
        r"share at or above that line and the median largest-incident share\.",
        r"Places du top \1 tenues par un pays « porté par un seul incident » (son plus grand "
        r"incident représente au moins \2 de ses morts et disparus) et, parmi tous les pays "
        r"classés, la part au-dessus de ce seuil et la médiane de la part du plus grand incident.",
    ),
    (
        r"\| year \| driven in top 10, robust \| driven in top 10, raw \| ranked \| at or above, "
        r"all ranked \| median share \|",
        "| année | portés, top 10, robuste | portés, top 10, brut | classés "
        "| au-dessus, tous classés | part médiane |",
    ),
    (
        r"\*\*Sensitivity to the cap\*\* \(robust variant; totals over the pairs of years, mean "
        r"Spearman; raw counts for comparison\)\.",
        "**Sensibilité au plafond** (variante robuste ; totaux sur les paires d'années, Spearman "
        "moyen ; comptes bruts pour comparaison).",
    ),
    (
        r"\| scope \| scores \| churn, all pairs \| mean Spearman \| driven in top 10, all years \|",
        "| périmètre | scores | renouvellement, toutes les paires | Spearman moyen "
        "| portés dans le top 10, toutes années |",
    ),
    (r"\| raw counts \|", "| comptes bruts |"),
    (r"robust, cap at the (\d+%) quantile", r"robuste, plafond au quantile \1"),
    (r" \(default\)", " (par défaut)"),
    (r"no data", "pas de données"),
)


def _french_typography(text: str) -> str:
    """``0.45`` -> ``0,45`` and ``67%`` -> ``67 %`` (narrow no-break space, as
    :func:`i18n.fmt_percent` writes it), a no-break space before ``:`` and ``;`` and inside
    « »; years and ranges such as ``2019-2020`` are left alone."""
    text = re.sub(r"(?<=\d)\.(?=\d)", ",", text)
    text = re.sub(r"(?<=\d)%", "\u202f%", text)
    text = re.sub(r" ([:;])(?= )", "\u00a0\\1", text)
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def churn_fr(block: str) -> str:
    """The English churn block (``scripts/risk_churn.py``) in French."""
    for pattern, repl in _CHURN_FR:
        block = re.sub(pattern, repl, block)
    return _french_typography(block)


def _translated(text: str) -> str:
    """``text`` through the catalogues: whole, or else clause by clause (the catalogue builds
    some coverage rules and caveats by joining phrases: ``"...; ..."``, ``"... ..."``)."""
    whole = gettext(text)
    if whole != text:
        return whole
    for parts, joiner in (
        (text.split("; "), "\u00a0; "),
        (re.split(r"(?<=\.) ", text), " "),  # sentences, each keeping its full stop
    ):
        if len(parts) > 1:
            done = [_translated(p) for p in parts]
            if done != parts:
                return joiner.join(done)
    return text


def measures_table(lang: str = "en") -> str:
    """The catalogue table in ``lang``: English is :func:`analytics.catalogue.markdown_table`
    itself; other languages translate every cell through the catalogues."""
    if lang == "en":
        return markdown_table()
    with use_lang(lang):
        rows = [_HEADER_FR, "|---|---|---|---|---|"]
        for m in MEASURES.values():
            cells = (
                f"`{m.id}`",
                *(_translated(c) for c in (m.label, m.unit, m.coverage, m.caveat)),
            )
            rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        return "\n".join(rows)


def render(text: str, lang: str = "en", english: str | None = None) -> str:
    """``text`` (the document in ``lang``) with its generated blocks brought up to date.

    ``english`` is the English document, whose churn block the French one translates (read
    from ``docs/methodology.md`` when not given).
    """
    if not BLOCK.search(text):
        raise SystemExit(
            f"{DOCS[lang]}: no <!-- measures:start --> ... <!-- measures:end --> block"
        )
    text = BLOCK.sub(lambda m: m.group(1) + measures_table(lang) + m.group(2), text)
    if lang == "en":
        return text
    source = CHURN.search(english if english is not None else DOC.read_text(encoding="utf-8"))
    if not source or not CHURN.search(text):
        raise SystemExit(f"{DOCS[lang]}: no <!-- churn:start --> ... <!-- churn:end --> block")
    block = churn_fr(source.group(0))
    return CHURN.sub(lambda _m: block, text)


if __name__ == "__main__":
    english = render(DOC.read_text(encoding="utf-8"))
    DOC.write_text(english, encoding="utf-8")
    for lang, path in DOCS.items():
        if lang != "en":
            path.write_text(render(path.read_text(encoding="utf-8"), lang, english), "utf-8")
    print(
        "wrote the generated blocks into "
        + ", ".join(str(p.relative_to(REPO)) for p in DOCS.values())
    )
