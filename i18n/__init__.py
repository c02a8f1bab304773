"""English and French: the one place that knows the reader's language.

Every string a user sees is written in English in the source and wrapped in :func:`_` (or
marked with :func:`N_` where it is defined as a constant and translated where it is shown).
The French text lives in gettext catalogues (``i18n/locale/fr/LC_MESSAGES/*.po``), extracted
and updated with Babel (``make i18n``; ``babel.cfg``). Numbers, dates and country names are
formatted by locale through Babel and CLDR: ``8,755`` / ``8 755``, ``April 2026`` /
``avril 2026``, ``Côte d'Ivoire`` / ``Côte d’Ivoire``.

The language is per script run (the app sets it from the sidebar, kept in the URL as
``lang=fr``), per command (``--lang fr``) or per block (:func:`use_lang`); it is held in a
:class:`contextvars.ContextVar`, so sessions on different threads never see each other's.

English needs no catalogue, so an English run never reads one; French catalogues are parsed
once per process, on first use. A message without a French translation prints in English:
``tests/unit/test_i18n.py`` fails for every such message and for every English string a page
shows in French.

Pure: reads only its own catalogues and ``data/reference`` names; no warehouse, no Streamlit.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "fr")
DEFAULT_LANG = "en"
#: The language names as the language selector shows them (each in its own language).
LANG_NAMES: Mapping[str, str] = {"en": "English", "fr": "Français"}

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"

_lang: contextvars.ContextVar[str] = contextvars.ContextVar("routewatch_lang", default=DEFAULT_LANG)


def normalise_lang(value: object) -> str:
    """``"FR"``, ``"fr-CA"``, ``"fr_FR"`` -> ``"fr"``; anything unknown -> ``"en"``."""
    text = str(value or "").strip().lower().replace("_", "-").split("-")[0]
    return text if text in LANGS else DEFAULT_LANG


def get_lang() -> str:
    """The language of this run, command or block (``"en"`` or ``"fr"``)."""
    return _lang.get()


def set_lang(lang: str) -> None:
    """Set the language for the rest of this context (one Streamlit script run, one command).

    Raises
    ------
    ValueError
        For a language RouteWatch has no catalogue for (the CLI and the URL normalise first).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; RouteWatch speaks {', '.join(LANGS)}")
    _lang.set(lang)


@contextlib.contextmanager
def use_lang(lang: str) -> Iterator[None]:
    """Run a block in ``lang`` and restore the language before it."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; RouteWatch speaks {', '.join(LANGS)}")
    token = _lang.set(lang)
    try:
        yield
    finally:
        _lang.reset(token)


# ------------------------------------------------------------------ catalogues


@functools.lru_cache(maxsize=len(LANGS))
def catalogue(lang: str) -> Mapping[str, str]:
    """Every translated message of ``lang``: msgid -> msgstr (all ``.po`` files merged).

    Untranslated and fuzzy entries are left out, so they print in English (and fail the
    completeness test). Where two files translate one msgid differently, the first file in
    name order wins and :func:`conflicts` lists the pair (a test fails on any).
    """
    out: dict[str, str] = {}
    for _name, key, text in _entries(lang):
        out.setdefault(key, text)
    return out


def _entries(lang: str) -> Iterator[tuple[str, str, str]]:
    """(file name, msgid, msgstr) of every translated entry of ``lang``'s catalogues."""
    from babel.messages.pofile import read_po

    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for msg in cat:
            if not msg.id or msg.fuzzy or not isinstance(msg.id, str):
                continue
            text = msg.string if isinstance(msg.string, str) else ""
            if text:
                yield path.name, msg.id, text


def conflicts(lang: str) -> list[tuple[str, str, str]]:
    """(msgid, one translation, another) where two catalogues of ``lang`` disagree."""
    seen: dict[str, tuple[str, str]] = {}
    out = []
    for name, key, text in _entries(lang):
        if key in seen and seen[key][1] != text:
            out.append((key, f"{seen[key][0]}: {seen[key][1]}", f"{name}: {text}"))
        seen.setdefault(key, (name, text))
    return out


def gettext(message: str, lang: str | None = None) -> str:
    """``message`` in the current language (the English text when French has none)."""
    lang = lang or _lang.get()
    if lang == DEFAULT_LANG or not message:
        return message
    return catalogue(lang).get(message, message)


def _(message: str) -> str:
    """Translate ``message`` (a literal template) into the current language.

    Format the *result*: ``_("{n} dead and missing").format(n=...)``, never an f-string inside.
    """
    return gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (constants translated where
    they are shown, with :func:`_`)."""
    return message


# ------------------------------------------------------------------ numbers and dates


def _babel_locale(lang: str | None = None) -> str:
    return {"en": "en_GB", "fr": "fr_FR"}[lang or _lang.get()]


def fmt_number(value: object, decimals: int = 0, *, signed: bool = False) -> str:
    """``8755`` -> ``"8,755"`` (en) or ``"8 755"`` (fr, CLDR's narrow no-break space);
    ``0.5`` with ``decimals=1`` -> ``"0.5"`` / ``"0,5"``. ``signed`` adds ``+`` to positives."""
    x = float(value)  # type: ignore[arg-type]
    if math.isnan(x):
        raise ValueError("fmt_number: NaN has no text; print the catalogue's 'no data'")
    lang = _lang.get()
    if lang == DEFAULT_LANG:
        return f"{x:+,.{decimals}f}" if signed else f"{x:,.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if signed:
        pattern = "+" + pattern + ";-" + pattern
    x = round(x, decimals)
    if x == 0:
        x = 0.0  # no "-0"
    return str(format_decimal(x, format=pattern, locale=_babel_locale(lang)))


def fmt_percent(value: object, decimals: int = 0, *, signed: bool = False) -> str:
    """A percentage (``value`` already in percent): ``"12%"`` / ``"12 %"``."""
    text = fmt_number(value, decimals, signed=signed)
    return f"{text}\u202f%" if _lang.get() == "fr" else f"{text}%"


#: The separator of a list of clauses or citations: "; " in English; in French a no-break
#: space before the semicolon (U+00A0, the space the French catalogue puts before ":"), so the
#: ";" never starts a line.
LIST_SEPARATOR = N_("; ")


def join_list(items: Iterable[object]) -> str:
    """``items`` joined with :data:`LIST_SEPARATOR` in the current language (``"a; b"``,
    ``"a\u00a0; b"``): the one joiner for citations and lists a reader sees."""
    return gettext(LIST_SEPARATOR).join(str(x) for x in items)


_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_name(month: int, *, short: bool = False) -> str:
    """``4`` -> ``"April"`` / ``"avril"`` (``short``: ``"Apr"`` / ``"avr."``)."""
    lang = _lang.get()
    if lang == DEFAULT_LANG:
        name = _MONTHS_EN[month - 1]
        return name[:3] if short else name
    from babel.dates import get_month_names

    names = get_month_names(
        "abbreviated" if short else "wide", context="stand-alone", locale=_babel_locale(lang)
    )
    return str(names[month])


def month_year(d: dt.date, *, short: bool = False) -> str:
    """``2026-04-09`` -> ``"April 2026"`` / ``"avril 2026"``."""
    return f"{month_name(d.month, short=short)} {d.year}"


def fmt_date(d: dt.date) -> str:
    """``2026-04-09`` -> ``"9 April 2026"`` / ``"9 avril 2026"`` (``"1er mars 2025"``)."""
    lang = _lang.get()
    if lang == DEFAULT_LANG:
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    from babel.dates import format_date

    text = str(format_date(d, "d MMMM y", locale=_babel_locale(lang)))
    return "1er" + text[1:] if d.day == 1 else text  # French writes "1er mars 2025"


# ------------------------------------------------------------------ names


@functools.lru_cache(maxsize=1)
def _country_names_fr() -> Mapping[str, str]:
    """ISO3 -> French country name (CLDR through Babel, written by
    ``scripts/build_map_labels.py`` into ``data/reference/map_labels.csv``)."""
    out: dict[str, str] = {}
    with (_REFERENCE / "map_labels.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            if row["kind"] == "country" and row["name_fr"]:
                out[row["code"]] = row["name_fr"]
    return out


def country_name(iso3: str, english: str) -> str:
    """A country's name in the current language (``english`` is the warehouse's name)."""
    if _lang.get() == DEFAULT_LANG:
        return english
    return _country_names_fr().get(str(iso3), gettext(english))


def sort_key(name: object) -> tuple[str, str]:
    """A key that sorts names as a reader of either language expects: accents and case
    ignored first (``Égypte`` between ``Djibouti`` and ``Érythrée``, not after ``Zimbabwe``;
    "Côte d'Ivoire" among the C), then the exact text to break ties."""
    text = str(name)
    base = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return base.casefold(), text


def country_names(names: Mapping[str, str]) -> dict[str, str]:
    """ISO3 -> name, in the current language (``names`` are the warehouse's English names)."""
    if _lang.get() == DEFAULT_LANG:
        return dict(names)
    fr = _country_names_fr()
    return {k: fr.get(str(k), gettext(v)) for k, v in names.items()}


def route_name(name: str) -> str:
    """A route's name (``data/reference/routes.json``) in the current language."""
    return gettext(name)


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` by ``n`` (French counts 0 and 1 as singular), translated."""
    lang = _lang.get()
    one = n in (0, 1) if lang == "fr" else n == 1
    return gettext(singular if one else plural)
