"""Names that come from the data, in the reader's language.

The sources' own category names (IOM causes of death, IOM and UN regions, source names) are
data, not source-code literals, so each is listed here with :func:`i18n.N_` for the catalogue
(``reference`` catalogue) and translated where it is shown. A name not listed prints as the
source wrote it (and the French page test reports it).
"""

from __future__ import annotations

from i18n import N_, gettext

#: IOM Missing Migrants causes of death (as the source and the demo write them).
CAUSES: tuple[str, ...] = ()
#: IOM regions of incident, UN regions and subregions (as the warehouse stores them).
REGIONS: tuple[str, ...] = ()

_ = N_  # keep the marker importable for lists added here


def cause_name(cause: str) -> str:
    """An IOM cause of death in the reader's language."""
    return gettext(cause)


def region_name(region: str) -> str:
    """An IOM region, UN region or UN subregion in the reader's language."""
    return gettext(region)
