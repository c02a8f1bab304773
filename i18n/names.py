"""Names that come from the data, in the reader's language.

The sources' own category names (IOM causes of death, IOM and UN regions, source names) are
data, not source-code literals, so each is listed here with :func:`i18n.N_` for the catalogue
(``reference`` catalogue) and translated where it is shown. A name not listed prints as the
source wrote it (and the French page test reports it).
"""

from __future__ import annotations

from i18n import N_, gettext

#: IOM Missing Migrants causes of death (as the source and the demo write them; a cell
#: naming several is split on commas by the ingest, so each is one of these).
CAUSES: tuple[str, ...] = (
    N_("Accidental death"),
    N_("Drowning"),
    N_("Harsh environmental conditions / lack of adequate shelter, food, water"),
    N_("Mixed or unknown"),
    N_("Sickness / lack of access to adequate healthcare"),
    N_("Vehicle accident / death linked to hazardous transport"),
    N_("Violence"),
)

#: IOM regions of incident (``incidents.region_of_incident_list``, split on commas).
IOM_REGIONS: tuple[str, ...] = (
    N_("Caribbean"),
    N_("Central America"),
    N_("Central Asia"),
    N_("Eastern Africa"),
    N_("Eastern Asia"),
    N_("Europe"),
    N_("Mediterranean"),
    N_("Middle Africa"),
    N_("North America"),
    N_("Northern Africa"),
    N_("South America"),
    N_("South-eastern Asia"),
    N_("Southern Africa"),
    N_("Southern Asia"),
    N_("Western Africa"),
    N_("Western Asia"),
    # Names of earlier IOM exports, kept so an older file still reads in French.
    N_("Horn of Africa"),
    N_("Middle East"),
    N_("Sub-Saharan Africa"),
    N_("US-Mexico Border"),
)

#: UN M49 regions (``countries.un_region``, from Natural Earth).
UN_REGIONS: tuple[str, ...] = (
    N_("Africa"),
    N_("Americas"),
    N_("Antarctica"),
    N_("Asia"),
    N_("Europe"),
    N_("Oceania"),
)

#: UN M49 subregions (``countries.un_subregion``, from Natural Earth, which writes
#: "South-Eastern Asia" where IOM writes "South-eastern Asia"), the M49 intermediate
#: groupings and IOM's UNSD grouping column.
UN_SUBREGIONS: tuple[str, ...] = (
    N_("Australia and New Zealand"),
    N_("Caribbean"),
    N_("Central America"),
    N_("Central Asia"),
    N_("Eastern Africa"),
    N_("Eastern Asia"),
    N_("Eastern Europe"),
    N_("Latin America and the Caribbean"),
    N_("Melanesia"),
    N_("Micronesia"),
    N_("Middle Africa"),
    N_("Northern Africa"),
    N_("Northern America"),
    N_("Northern Europe"),
    N_("Polynesia"),
    N_("Seven seas (open ocean)"),
    N_("South America"),
    N_("South-Eastern Asia"),
    N_("Southern Africa"),
    N_("Southern Asia"),
    N_("Southern Europe"),
    N_("Sub-Saharan Africa"),
    N_("Uncategorized"),
    N_("Western Africa"),
    N_("Western Asia"),
    N_("Western Europe"),
)

#: Every region name above, once each (IOM regions of incident, UN regions and subregions).
REGIONS: tuple[str, ...] = tuple(dict.fromkeys(IOM_REGIONS + UN_REGIONS + UN_SUBREGIONS))


#: What the warehouse's ``sources`` table records about each publisher's dataset
#: (``data.ingest.SOURCE_META``: publisher, title, licence, caveat), shown in the provenance.
SOURCE_TEXTS: tuple[str, ...] = (
    N_("IOM Missing Migrants Project"),
    N_("Missing Migrants Project incident data"),
    N_("CC BY 4.0 (IOM's Missing Migrants Project)"),
    N_("Minimum estimates of dead and missing, revised between vintages without notice."),
    N_("Detections of illegal border crossings, monthly, by route and nationality"),
    N_("Reproduction authorised with the source acknowledged (Frontex)"),
    N_("Detections are events, not persons; the latest month is preliminary."),
    N_("Refugee Data Finder: population statistics by origin and asylum"),
    N_("CC BY 4.0 (UNHCR Refugee Data Finder)"),
    N_("Stocks at year end; the latest year is provisional."),
    N_("Sea arrivals to Italy, daily (Operational Data Portal)"),
    N_("UNHCR Operational Data Portal, with attribution"),
    N_("Arrivals are persons landed; recent days are revised."),
    N_("Global Initiative Against Transnational Organized Crime"),
    N_("Global Organized Crime Index"),
    N_("GI-TOC, cite 'Global Organized Crime Index'"),
    N_("Expert scores from 1 (low) to 10 (high); not comparable to counts."),
    N_("synthetic, no licence needed"),
    N_("SYNTHETIC DEMO DATA"),
)
#: The suffix the ingest adds to a demo source's title.
DEMO_SUFFIX = " (SYNTHETIC DEMO DATA)"


def source_text(text: object) -> str:
    """A publisher, title, licence or caveat stored with a source (English in the warehouse),
    in the reader's language (the demo suffix translated apart)."""
    s = str(text)
    if s.endswith(DEMO_SUFFIX):
        return gettext(s[: -len(DEMO_SUFFIX)]) + " (" + gettext("SYNTHETIC DEMO DATA") + ")"
    return gettext(s)


def cause_name(cause: str) -> str:
    """An IOM cause of death in the reader's language."""
    return gettext(cause)


def leg_name(leg: object) -> str:
    """A leg of a journey in the fee table (``data/reference/smuggling_fees.csv``, column
    ``leg``: "Libya - Italy (sea crossing, speedboat)") in the reader's language."""
    return gettext(str(leg))


def region_name(region: str) -> str:
    """An IOM region, UN region or UN subregion in the reader's language."""
    return gettext(region)
