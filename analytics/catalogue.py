"""The catalogue of measures: every figure RouteWatch shows, defined once.

Officials repeat these numbers to ministers, so each measure has one definition here (id,
label, unit, the sources it reads, its coverage rule and its caveat) and one formula (in
:mod:`analytics.measures`, named by :attr:`Measure.formula`). Every surface (page, chart, key
message, alert, pack slide, PPTX note, map snapshot, command) asks the catalogue for the label,
unit, caveat and formatting, and the services for the values: no surface does its own
arithmetic on these measures. ``docs/methodology.md`` ("Measures") is the same list in words;
a test keeps the two in step.

Three rules hold for every measure:

* **No data is "no data", never 0.** A value is ``None`` (or ``NaN``) where the source does not
  cover the period or the key; :meth:`Measure.format` prints :data:`NO_DATA` for it.
* **Different measures are never added.** Deaths (IOM, persons), detections (Frontex, events),
  arrivals (UNHCR, persons) and populations are separate measures; the only thing that combines
  two is a ratio with its own entry (``deaths_per_1000_detections``).
* **A change compares like with like.** :func:`compare` (with
  :meth:`data.filters.Filters.previous_period` for the period rules) gives a percentage only when
  the source covers the whole of both periods; otherwise it says which source is partial.

Pure: no I/O, no database, no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import i18n
from i18n import N_, _

#: "No data", as code compares it; shown as ``_(NO_DATA)`` (French: "pas de données").
NO_DATA = N_("no data")

#: Below this many detections a ratio of deaths to detections is mostly noise.
MIN_DETECTIONS_FOR_RATE = 500
#: Below this many sea arrivals a ratio of deaths to arrivals is mostly noise (as for detections).
MIN_ARRIVALS_FOR_RATE = 500
#: Shares among victims need this many victims with the attribute recorded.
MIN_KNOWN_FOR_SHARE = 20
#: A percentage change needs at least this much in the earlier period (from a base of 1 or 2
#: any change reads as hundreds of percent). The same rule for every count.
MIN_PREVIOUS_FOR_CHANGE = 10
#: Robust scores cap each incident's dead and missing at this quantile of the period's
#: incident sizes (analytics.robust; justified in docs/methodology.md).
CAP_QUANTILE = 0.95
#: "Driven by one incident": the largest incident gives at least this share of a country's
#: dead and missing (justified in docs/methodology.md with the real data's distribution).
DRIVEN_SHARE = 0.5

MIN_ESTIMATE_CAVEAT = N_(
    "IOM figures are minimum estimates of the dead and missing and are revised between vintages."
)
DETECTION_CAVEAT = N_(
    "Frontex detections count border-crossing events, not persons (one person may be detected "
    "several times); the latest month is preliminary."
)
ARRIVAL_CAVEAT = N_("UNHCR sea arrivals count persons disembarked (Italy, daily, provisional).")
ARRIVAL_RATIO_CAVEAT = N_(
    "Dead and missing on the whole Central Mediterranean route (IOM, persons; departures from "
    "Libya and Tunisia towards Italy and Malta) against persons landed in Italy only (UNHCR): "
    "arrivals in Malta and people intercepted and returned are not in the denominator, so the "
    "ratio overstates the risk per person who set out. A rough indicator over the months both "
    "cover, not a probability of dying."
)
REFUGEE_POPULATION_CAVEAT = N_(
    "UNHCR end-year stock of refugees and asylum-seekers originating from the country (persons, "
    "summed over countries of asylum); people in refugee-like situations and other people in "
    "need of international protection (counted apart since 2022, e.g. many Venezuelans and, in "
    "2025, Afghans in Iran) are not included. The latest year is provisional. A population, "
    "not a flow: never add it to deaths, detections or arrivals."
)
RATIO_CAVEAT = N_(
    "A ratio of two publishers' counts over the months both cover: a rough indicator, not a "
    "probability of dying."
)
SPLIT_CAVEAT = N_(
    "An incident with k countries of origin counts 1/k of its dead and missing for each; "
    "incidents without a recorded origin count for no country."
)
INCIDENT_ONLY_FILTERS = N_(
    "UN region, IOM region, cause and minimum source quality filters apply to dead and missing "
    "only, not to detections."
)


#: Source kinds (as in the warehouse's ``sources.kind``) and the name a reader knows.
SOURCE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "mmp": N_("IOM Missing Migrants"),
        "frontex": "Frontex",
        "unhcr-arrivals": N_("UNHCR sea arrivals"),
        "unhcr-population": N_("UNHCR"),
        "oc-index": N_("GI-TOC Organized Crime Index"),
        "fee-table": N_("RouteWatch smuggling-fee table (cited, data/reference)"),
    }
)


def source_name(kind: str) -> str:
    """The name a reader knows for a source kind (:data:`SOURCE_NAMES`), in the current
    language; an unknown kind is returned as it is."""
    return _(SOURCE_NAMES.get(kind, kind))


@dataclass(frozen=True)
class Measure:
    """One measure's definition.

    Attributes
    ----------
    id : str
        Stable identifier (used in the audit trail, column names and tests).
    label : str
        What a reader sees ("Dead and missing").
    unit : str
        The unit a value is in ("persons", "detections (events, not persons)", "per 1,000 detections").
    sources : tuple of str
        Source kinds the measure reads (``mmp``, ``frontex``, ...).
    coverage : str
        Which months of which sources it may use.
    caveat : str
        What a reader must know before repeating it.
    formula : str
        The one function that computes it (module-qualified), or the query that counts it.
    decimals : int
        Decimals when printed.
    noun : str
        What a sentence calls the counted thing after a number.
    percent : bool
        Printed as a percentage (the value is a percentage, or a 0-1 share when ``share``).
    share : bool
        The value is a 0-1 share (printed as a percentage).
    """

    id: str
    label: str
    unit: str
    sources: tuple[str, ...]
    coverage: str
    caveat: str
    formula: str
    decimals: int = 0
    #: How a sentence names the counted thing after a number ("1,810 dead and missing").
    noun: str = ""
    percent: bool = False
    share: bool = False
    #: Printed with a sign (changes).
    signed: bool = False

    def format(self, value: object, *, with_unit: bool = False) -> str:
        """``value`` as a reader sees it: thousands separators, the measure's decimals, a
        ``%`` for percentages and shares, and :data:`NO_DATA` where there is no value."""
        if not is_value(value):
            return _(NO_DATA)
        x = float(value)  # type: ignore[arg-type]
        if self.share:
            x *= 100.0
        if self.percent or self.share:
            return i18n.fmt_percent(x, self.decimals, signed=self.signed)
        text = i18n.fmt_number(x, self.decimals, signed=self.signed)
        return f"{text} {self.unit}" if with_unit else text

    @property
    def unit_note(self) -> str:
        """The part of :attr:`unit` the label does not already say (see :func:`unit_note`)."""
        return unit_note(self.label, self.unit)

    @property
    def label_with_unit(self) -> str:
        """The label with its unit, never saying a word twice (see :func:`label_with_unit`)."""
        return label_with_unit(self.label, self.unit)


def unit_note(label: str, unit: str) -> str:
    """The part of ``unit`` that ``label`` does not already say ("" when it says it all).

    "Incidents" / "incidents" -> ""; "Detections (Frontex)" / "detections (events, not
    persons)" -> "events, not persons"; "Dead and missing" / "persons" -> "persons". Put beside
    the label by :func:`label_with_unit`, or under it on a metric card.
    """
    said = set(_words(label))

    def known(text: str) -> bool:  # "%" or "0-100" alone says nothing the label said
        words = _words(text)
        return bool(words) and all(w in said for w in words)

    rest = unit.strip()
    # Drop the unit's leading words the label already has, then a bracket left around what
    # remains ("(events, not persons)").
    while (first := rest.split(maxsplit=1)) and known(first[0]):
        rest = first[1] if len(first) > 1 else ""
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
        rest = rest[1:-1].strip()
    return "" if not rest or known(rest) else rest


def label_with_unit(label: str, unit: str) -> str:
    """``label`` with ``unit``, never saying a word twice: "Dead and missing (persons)",
    "Incidents" (not "Incidents (incidents)"), "Detections (Frontex) (events, not persons)",
    "Risk score, points (0-100)" (a comma, not brackets inside brackets)."""
    note = unit_note(label, unit)
    if not note:
        return label
    return f"{label}, {note}" if "(" in note else f"{label} ({note})"


def _words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (letters and digits; "1,000" is "1" and "000")."""
    return re.findall(r"\w+", text.lower())


def plain_number(value: float, decimals: int = 0) -> str:
    """``value`` with ``decimals`` and no thousands separator in English (``"1234.5"``, as the
    sentences always printed it); French groups and uses its decimal comma (``"1 234,5"``)."""
    x = float(value)
    if i18n.get_lang() == i18n.DEFAULT_LANG or math.isnan(x):
        return f"{x:.{decimals}f}"
    return i18n.fmt_number(x, decimals)


def pct_text(pct: float, decimals: int = 0, *, signed: bool = False) -> str:
    """A value already in percent: ``"+12%"`` (English ungrouped, as ``f"{pct:+.0f}%"``) /
    ``"+12 %"``."""
    x = float(pct)
    if i18n.get_lang() == i18n.DEFAULT_LANG or math.isnan(x):
        return f"{x:+.{decimals}f}%" if signed else f"{x:.{decimals}f}%"
    return i18n.fmt_percent(x, decimals, signed=signed)


def plain_percent(share: float, decimals: int = 0, *, signed: bool = False) -> str:
    """A 0-1 ``share`` as a percentage: ``"12%"`` / ``"12 %"`` (English ungrouped, as ``:.0%``)."""
    if i18n.get_lang() == i18n.DEFAULT_LANG:
        return f"{float(share):+.{decimals}%}" if signed else f"{float(share):.{decimals}%}"
    return i18n.fmt_percent(float(share) * 100.0, decimals, signed=signed)


def is_value(value: object) -> bool:
    """Whether ``value`` is a number (not ``None``, ``NaN``, ``NA`` or text)."""
    if value is None or isinstance(value, bool | str):
        return False
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not math.isnan(x)


_ALL: tuple[Measure, ...] = (
    Measure(
        "dead_and_missing",
        N_("Dead and missing"),
        N_("persons"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; an incident with "
            "several route labels counts on each route"
        ),
        N_(
            "IOM figures are minimum estimates of the dead and missing and are revised between "
            "vintages."
        ),
        ("data.queries.query_headline (sum of dead_and_missing)"),
        noun=N_("dead and missing"),
    ),
    Measure(
        "dead",
        N_("Dead"),
        N_("persons"),
        ("mmp",),
        N_("incidents dated in the period, from the incident vintage in use"),
        N_(
            "IOM figures are minimum estimates of the dead and missing and are revised between "
            "vintages."
        ),
        ("data.queries.query_headline (sum of dead)"),
    ),
    Measure(
        "missing",
        N_("Of whom missing"),
        N_("persons"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; an empty missing "
            "count is no one missing"
        ),
        N_(
            "IOM figures are minimum estimates of the dead and missing and are revised between "
            "vintages. Missing persons are presumed dead."
        ),
        ("data.queries.query_headline (sum of missing)"),
        noun=N_("missing"),
    ),
    Measure(
        "incidents",
        N_("Incidents"),
        N_("incidents"),
        ("mmp",),
        N_("incidents dated in the period, from the incident vintage in use"),
        N_("One incident may involve many people."),
        ("data.queries.query_headline (count of incidents)"),
        noun=N_("incidents"),
    ),
    Measure(
        "detections",
        N_("Detections (Frontex)"),
        N_("detections (events, not persons)"),
        ("frontex",),
        N_("months of the period that the Frontex vintage in use covers; no data outside them"),
        N_(
            "Frontex detections count border-crossing events, not persons (one person may be "
            "detected several times); the latest month is preliminary. Region, cause and "
            "source-quality filters do not apply to detections."
        ),
        ("data.queries.query_headline (sum of detections)"),
        noun=N_("Frontex detections (events, not persons)"),
    ),
    Measure(
        "arrivals",
        N_("Sea arrivals (UNHCR)"),
        N_("persons"),
        ("unhcr-arrivals",),
        N_("days of the period the UNHCR arrivals series covers"),
        N_("UNHCR sea arrivals count persons disembarked (Italy, daily, provisional)."),
        ("data.queries.query_arrivals_monthly (sum of arrivals)"),
        noun=N_("sea arrivals"),
    ),
    Measure(
        "deaths_per_1000_sea_arrivals",
        N_("Dead and missing per 1,000 sea arrivals"),
        N_("per 1,000 sea arrivals"),
        ("mmp", "unhcr-arrivals"),
        N_(
            "only the whole months both the IOM vintage and the UNHCR arrivals series cover, on "
            "the route the arrivals land from (Italy and Malta: Central Mediterranean; Greece and "
            "Cyprus: Eastern Mediterranean; the product ships Italy's series); undefined below "
            "500 arrivals (in the period, or in the month on the reconciliation view)"
        ),
        N_(
            "Dead and missing on the whole Central Mediterranean route (IOM, persons; departures "
            "from Libya and Tunisia towards Italy and Malta) against persons landed in Italy only "
            "(UNHCR): arrivals in Malta and people intercepted and returned are not in the "
            "denominator, so the ratio overstates the risk per person who set out. A rough "
            "indicator over the months both cover, not a probability of dying."
        ),
        (
            "analytics.measures.compute_rate (1,000 x dead and missing / arrivals; period totals "
            "by analytics.measures.compute_deaths_per_1000_arrivals)"
        ),
        decimals=1,
    ),
    Measure(
        "refugee_population_origin",
        N_("Refugees and asylum-seekers from the country (UNHCR)"),
        N_("persons"),
        ("unhcr-population",),
        N_(
            "the latest year not newer than the period's end; refugees plus asylum-seekers under "
            "UNHCR's mandate, summed over every country of asylum"
        ),
        N_(
            "UNHCR end-year stock of refugees and asylum-seekers originating from the country "
            "(persons, summed over countries of asylum); people in refugee-like situations and "
            "other people in need of international protection (counted apart since 2022, e.g. "
            "many Venezuelans and, in 2025, Afghans in Iran) are not included. The latest year is "
            "provisional. A population, not a flow: never add it to deaths, detections or "
            "arrivals."
        ),
        ("analytics.measures.compute_refugee_population"),
        noun=N_("refugees and asylum-seekers"),
    ),
    Measure(
        "deaths_per_1000_detections",
        N_("Dead and missing per 1,000 detections"),
        N_("per 1,000 detections"),
        ("mmp", "frontex"),
        N_(
            "only the months both the IOM and the Frontex vintage cover, on routes both publish; "
            "undefined below 500 detections"
        ),
        N_(
            "A ratio of two publishers' counts over the months both cover: a rough indicator, not "
            "a probability of dying."
        ),
        ("analytics.measures.compute_lethality"),
        decimals=1,
    ),
    Measure(
        "detections_per_arrival",
        N_("Frontex detections per UNHCR sea arrival"),
        N_("detections per arrival"),
        ("frontex", "unhcr-arrivals"),
        N_(
            "whole months both the Frontex vintage and the UNHCR arrivals series cover, on the "
            "route the arrivals land from; undefined below 500 arrivals in a month"
        ),
        N_(
            "Two publishers counting the same crossings differently: detections are events (one "
            "person may be detected twice), arrivals persons disembarked in one country. Near 1 "
            "the sources agree; a month far from the route's median is a divergence to explain, "
            "not an error in either."
        ),
        ("analytics.measures.compute_rate"),
        decimals=2,
    ),
    Measure(
        "change_pct",
        N_("Change against the previous period"),
        N_("percent"),
        ("mmp", "frontex"),
        N_(
            "the previous period by the period rules (a calendar year with the year before, a "
            "custom range with the range of equal length before it); a percentage only where the "
            "source covers both whole periods and the earlier one has at least 10"
        ),
        N_("A partly covered period is named as partial, never compared."),
        ("analytics.catalogue.compare"),
        percent=True,
        signed=True,
    ),
    Measure(
        "origin_dead_and_missing",
        N_("Dead and missing by country of origin"),
        N_("persons"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; split 1/k across an "
            "incident's k origins"
        ),
        N_(
            "An incident with k countries of origin counts 1/k of its dead and missing for each; "
            "incidents without a recorded origin count for no country. IOM figures are minimum "
            "estimates of the dead and missing and are revised between vintages."
        ),
        ("data.risk_queries.query_origin_tables (origin shares)"),
    ),
    Measure(
        "transit_dead_and_missing",
        N_("Dead and missing by country of incident"),
        N_("persons"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; incidents without a "
            "country are placed in the nearest country within 100 km"
        ),
        N_(
            "IOM figures are minimum estimates of the dead and missing and are revised between "
            "vintages."
        ),
        ("data.risk_queries.query_country_tables + geo.spatial.compute_nearest_country"),
    ),
    Measure(
        "origin_detections",
        N_("Detections by nationality (Frontex)"),
        N_("detections (events, not persons)"),
        ("frontex",),
        N_("months of the period that the Frontex vintage in use covers"),
        N_(
            "Frontex detections count border-crossing events, not persons (one person may be "
            "detected several times); the latest month is preliminary."
        ),
        ("data.risk_queries.query_detections_by_nationality_route"),
    ),
    Measure(
        "detections_on_routes_crossing",
        N_("Detections on routes crossing the country"),
        N_("detections (events, not persons)"),
        ("frontex",),
        N_(
            "months of the period that the Frontex vintage in use covers; routes whose waypoints "
            "cross the country"
        ),
        N_(
            "Frontex detections count border-crossing events, not persons (one person may be "
            "detected several times); the latest month is preliminary."
        ),
        ("analytics.measures.compute_transit_components"),
    ),
    Measure(
        "share_children",
        N_("Share of children among the dead and missing"),
        N_("share"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; only where at least "
            "20 victims have the attribute"
        ),
        N_("Age is unrecorded for most victims."),
        ("analytics.measures.compute_origin_components"),
        share=True,
    ),
    Measure(
        "share_women",
        N_("Share of women and girls among the dead and missing"),
        N_("share"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; only where at least "
            "20 victims have the attribute"
        ),
        N_("Sex is unrecorded for most victims."),
        ("analytics.measures.compute_origin_components"),
        share=True,
    ),
    Measure(
        "share_violence",
        N_("Share of the dead and missing from violence"),
        N_("share"),
        ("mmp",),
        N_("incidents dated in the period, from the incident vintage in use"),
        N_("Cause of death as IOM records it; an incident with two causes counts under both."),
        ("analytics.measures.compute_transit_components"),
        share=True,
    ),
    Measure(
        "language_speakers_share",
        N_("Share of the population speaking the language"),
        N_("share"),
        ("cldr",),
        N_(
            "Unicode CLDR territory data as bundled with Babel (one estimate per country, no "
            "period); languages spoken by at least 5% or official"
        ),
        N_(
            "A national estimate, not of migrants; people speak several languages, so the shares "
            "add to more than 100%."
        ),
        ("analytics.planner.compute_language_shares"),
        share=True,
    ),
    Measure(
        "route_detections_share",
        N_("Share of a route's detections by nationality (Frontex)"),
        N_("share"),
        ("frontex",),
        N_(
            "months of the period that the Frontex vintage in use covers; detections with a "
            "recorded nationality"
        ),
        N_(
            "Frontex detections count border-crossing events, not persons (one person may be "
            "detected several times); the latest month is preliminary."
        ),
        ("analytics.planner.compute_route_nationalities"),
        share=True,
    ),
    Measure(
        "route_origin_dead_share",
        N_("Share of a route's dead and missing by country of origin"),
        N_("share"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; incidents with a "
            "recorded origin, split 1/k across an incident's k origins"
        ),
        N_(
            "An incident with k countries of origin counts 1/k of its dead and missing for each; "
            "incidents without a recorded origin count for no country. IOM figures are minimum "
            "estimates of the dead and missing and are revised between vintages."
        ),
        ("analytics.planner.compute_route_nationalities"),
        share=True,
    ),
    Measure(
        "detections_peak_month_share",
        N_("Share of a year's detections in the peak month (Frontex)"),
        N_("share"),
        ("frontex",),
        N_(
            "whole calendar years of the Frontex vintage inside the period; the nationality's "
            "detections; no peak below 500 detections"
        ),
        N_(
            "Frontex detections count border-crossing events, not persons (one person may be "
            "detected several times); the latest month is preliminary. Detections follow "
            "departures but also border enforcement."
        ),
        ("analytics.planner.compute_seasonality + compute_peak"),
        share=True,
    ),
    Measure(
        "deaths_peak_month_share",
        N_("Share of a year's dead and missing in the peak month"),
        N_("share"),
        ("mmp",),
        N_(
            "whole calendar years of the incident vintage inside the period; incidents listing "
            "the country of origin, counted whole; no peak below 20 dead and missing"
        ),
        N_(
            "IOM figures are minimum estimates of the dead and missing and are revised between "
            "vintages. One large shipwreck can make its month the peak."
        ),
        ("analytics.planner.compute_seasonality + compute_peak"),
        share=True,
    ),
    Measure(
        "share_cause",
        N_("Share of the dead and missing by cause of death"),
        N_("share"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; incidents on the "
            "routes chosen; only where at least 20 dead and missing"
        ),
        N_(
            "Cause as IOM records it; an incident with two causes counts under both, so shares "
            "can add to more than 100%."
        ),
        ("analytics.planner.compute_cause_shares"),
        share=True,
    ),
    Measure(
        "oc_human_smuggling",
        N_("Human smuggling (GI-TOC OC Index)"),
        N_("index points (1-10)"),
        ("oc-index",),
        N_("the latest edition not newer than the period's end"),
        N_("An expert assessment of criminal markets, not a count."),
        ("data.queries.query_indicator"),
        decimals=1,
    ),
    Measure(
        "smuggling_revenue",
        N_("Smugglers' gross revenue (estimate, low to high)"),
        N_("EUR (2024 prices)"),
        ("frontex", "unhcr-arrivals", "fee-table"),
        N_(
            "route-years with both a persons count (Frontex detections by default, or UNHCR sea "
            "arrivals) and a cited crossing fee for that route and year; no fee is no data, never "
            "carried to another year"
        ),
        N_(
            "A range, never one number: persons x share that used a smuggler x fee, converted "
            "with ECB rates and US CPI-U. Detections are events, not persons; fees vary by "
            "nationality, season and service; turnover of all smugglers, not profit."
        ),
        ("analytics.money.compute_revenue"),
    ),
    Measure(
        "leg_fee_share",
        N_("Share of the whole fee taken by a leg"),
        N_("share"),
        ("fee-table",),
        N_("only a leg or toll the cited source states as part of a whole-journey fee"),
        N_(
            "A range from two cited fees at the same prices; one network's or one nationality's "
            "journey, not the route as a whole."
        ),
        ("analytics.money.compute_leg_shares"),
    ),
    Measure(
        "dead_and_missing_capped",
        N_("Dead and missing, each incident capped"),
        N_("persons"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; each incident "
            "counts at most the 95% quantile of the period's incident sizes, then 1/k across its "
            "k origins (origins) or whole (country of incident)"
        ),
        N_(
            "A robust input to the risk score, not a count of people: the recorded figure is "
            "dead_and_missing. IOM figures are minimum estimates of the dead and missing and are "
            "revised between vintages."
        ),
        ("analytics.robust.compute_incident_profile"),
    ),
    Measure(
        "deaths_per_1000_detections_shrunk",
        N_("Dead and missing per 1,000 detections, shrunk toward the mean"),
        N_("per 1,000 detections"),
        ("mmp", "frontex"),
        N_("as deaths_per_1000_detections, with each incident capped; defined where it is"),
        N_(
            "Empirical Bayes (gamma-Poisson, method of moments): a rate on few detections moves "
            "toward the all-country mean. A ratio of two publishers' counts over the months both "
            "cover: a rough indicator, not a probability of dying."
        ),
        ("analytics.robust.compute_shrunk_rates"),
        decimals=1,
    ),
    Measure(
        "largest_incident_share",
        N_("Share of the dead and missing from the largest incident"),
        N_("share"),
        ("mmp",),
        N_(
            "incidents dated in the period, from the incident vintage in use; for origins the "
            "incident's 1/k share; no data without dead and missing"
        ),
        N_(
            "At or above 50% the country is marked 'driven by one incident': its rank on raw "
            "counts rests on one event."
        ),
        ("analytics.robust.compute_incident_profile"),
        share=True,
    ),
    Measure(
        "risk_score",
        N_("Risk score"),
        N_("points (0-100)"),
        ("mmp", "frontex", "oc-index"),
        N_("the components' own coverage; a country needs half the weight available to be ranked"),
        N_("A relative ranking for prioritising attention, not a probability."),
        ("analytics.scores.compute_scores"),
    ),
)

MEASURES: Mapping[str, Measure] = MappingProxyType({m.id: m for m in _ALL})

#: The measure behind each risk-score component, by kind of country (origin or transit).
COMPONENT_MEASURES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "origin": MappingProxyType(
            {
                "dead_and_missing": "origin_dead_and_missing",
                "deaths_per_1000_detections": "deaths_per_1000_detections",
                "detections": "origin_detections",
                "change_pct": "change_pct",
                "share_children": "share_children",
                "share_women": "share_women",
                "oc_human_smuggling": "oc_human_smuggling",
            }
        ),
        "transit": MappingProxyType(
            {
                "dead_and_missing": "transit_dead_and_missing",
                "share_violence": "share_violence",
                "change_pct": "change_pct",
                "detections_on_routes_crossing": "detections_on_routes_crossing",
                "oc_human_smuggling": "oc_human_smuggling",
            }
        ),
    }
)


def component_measure(kind: str, component: str) -> Measure:
    """The catalogue measure of a risk component (``kind`` is ``origin`` or ``transit``)."""
    return measure(COMPONENT_MEASURES[kind][component])


def measure(measure_id: str) -> Measure:
    """The catalogue entry for ``measure_id``.

    Raises
    ------
    KeyError
        For an id the catalogue does not define (a surface inventing a measure is a bug).
    """
    try:
        m = MEASURES[measure_id]
    except KeyError:
        raise KeyError(
            f"unknown measure {measure_id!r}; the catalogue defines: {', '.join(MEASURES)}"
        ) from None
    lang = i18n.get_lang()
    return m if lang == i18n.DEFAULT_LANG else _translated(measure_id, lang)


@functools.lru_cache(maxsize=4 * len(MEASURES))
def _translated(measure_id: str, lang: str) -> Measure:
    """A measure with its text in ``lang`` (cached per measure and language)."""
    m = MEASURES[measure_id]
    with i18n.use_lang(lang):
        return replace(
            m,
            label=_(m.label),
            unit=_(m.unit),
            coverage=_(m.coverage),
            caveat=_(m.caveat),
            noun=_(m.noun),
        )


# ------------------------------------------------------------------ coverage and changes


def month_text(d: dt.date) -> str:
    """``"April 2025"`` (``"avril 2025"`` in French)."""
    return i18n.month_year(d)


@dataclass(frozen=True)
class Coverage:
    """The span a source vintage covers (inclusive days), and its name for a reader."""

    source: str
    first: dt.date | None
    last: dt.date | None

    def covers(self, lo: dt.date, hi: dt.date) -> bool:
        """Whether the whole of ``lo``..``hi`` lies inside the span."""
        return (
            self.first is not None and self.last is not None and self.first <= lo <= hi <= self.last
        )

    def overlaps(self, lo: dt.date, hi: dt.date) -> bool:
        """Whether any day of ``lo``..``hi`` lies inside the span."""
        return bool(self.first and self.last and max(lo, self.first) <= min(hi, self.last))

    def partial_text(self, lo: dt.date, hi: dt.date) -> str:
        """``"Frontex: to April 2025, partial"`` (or ``from ...``), for a period it part-covers."""
        source = _(self.source)
        if self.first is None or self.last is None or not self.overlaps(lo, hi):
            return _("{source}: no data for this period").format(source=source)
        if self.last < hi:
            return _("{source}: to {month}, partial").format(
                source=source, month=month_text(self.last)
            )
        return _("{source}: from {month}, partial").format(
            source=source, month=month_text(self.first)
        )


@dataclass(frozen=True)
class Change:
    """A change against the previous period.

    ``status`` is one of ``ok`` (``pct`` holds the percentage), ``no-previous`` (the period is
    open-ended: nothing to compare), ``partial`` (the source covers only part of either
    period), ``no-data``, ``small-base`` (fewer than :data:`MIN_PREVIOUS_FOR_CHANGE` before),
    ``none`` (nothing in either period). ``text`` is what a reader sees ("" for
    ``no-previous``).
    """

    status: str
    pct: float | None = None
    text: str = ""


def compare(
    current: object,
    previous: object,
    *,
    period: tuple[dt.date, dt.date] | None,
    previous_period: tuple[dt.date, dt.date] | None,
    coverage: Coverage | None,
    min_previous: float = MIN_PREVIOUS_FOR_CHANGE,
) -> Change:
    """The one rule for "change against the previous period".

    Parameters
    ----------
    current, previous : number or None
        The measure in the period and in the previous period (from the same query).
    period, previous_period : (date, date) or None
        Inclusive day ranges; ``previous_period`` from
        :meth:`data.filters.Filters.previous_period`. ``None`` when the view is open-ended.
    coverage : Coverage or None
        The source's span; ``None`` when no vintage of the source is loaded.
    min_previous : float
        Smallest previous value that gives a percentage.
    """
    if period is None or previous_period is None:
        return Change("no-previous")
    if coverage is None:
        return Change("no-data", text=_(NO_DATA))
    for lo, hi in (period, previous_period):
        if not coverage.covers(lo, hi):
            return Change("partial", text=coverage.partial_text(lo, hi))
    if not is_value(current) or not is_value(previous):
        return Change("no-data", text=_(NO_DATA))
    now, before = float(current), float(previous)  # type: ignore[arg-type]
    if before == 0 and now == 0:
        return Change("none", text=_("none in either period"))
    if before < max(min_previous, 1e-12):
        return Change(
            "small-base",
            text=_("{n} in the previous period: too few for a percentage").format(
                n=i18n.fmt_number(before)
            ),
        )
    pct = (now - before) / before * 100.0
    text = _("{pct} vs previous period").format(pct=pct_text(pct, signed=True))
    return Change("ok", pct=pct, text=text)


@dataclass(frozen=True)
class Figure:
    """One figure as every surface shows it: the measure, its value, its change, its sources."""

    measure: Measure
    value: float | None
    change: Change
    previous: float | None
    source_ids: tuple[str, ...]

    @property
    def display(self) -> str:
        return self.measure.format(self.value)


HEADLINE_MEASURES = ("dead_and_missing", "missing", "incidents", "detections")


def compute_headline(
    current: Mapping[str, object],
    previous: Mapping[str, object] | None,
    *,
    period: tuple[dt.date, dt.date] | None,
    previous_period: tuple[dt.date, dt.date] | None,
    coverage: Mapping[str, Coverage | None],
) -> tuple[Figure, ...]:
    """The four headline figures with their changes (the Overview, the pack, the audit).

    Parameters
    ----------
    current, previous : mapping
        :func:`data.queries.query_headline` for the period and the previous period:
        measure id -> value (``None`` where the source has no data), plus ``incident_source``
        and ``detection_source``.
    coverage : mapping
        ``"mmp"`` and ``"frontex"`` -> :class:`Coverage` of the vintage in use (or ``None``).
    """
    out = []
    for mid in HEADLINE_MEASURES:
        m = measure(mid)
        kind = m.sources[0]
        cov = coverage.get(kind)
        src_key = "detection_source" if kind == "frontex" else "incident_source"
        sid = current.get(src_key)
        value = current.get(mid) if cov is not None else None
        prev_value = previous.get(mid) if previous is not None and cov is not None else None
        if value is not None and cov is not None and period is not None:
            if not cov.overlaps(*period):
                value = None  # the source says nothing about this period: no data, not 0
        ch = compare(
            value,
            prev_value,
            period=period,
            previous_period=previous_period,
            coverage=cov,
        )
        out.append(
            Figure(
                m,
                float(value) if is_value(value) else None,  # type: ignore[arg-type]
                ch,
                float(prev_value) if is_value(prev_value) else None,  # type: ignore[arg-type]
                (str(sid),) if sid else (),
            )
        )
    return tuple(out)


def markdown_table() -> str:
    """The catalogue as the Markdown rows of ``docs/methodology.md`` ("Measures")."""
    rows = [
        "| id | measure | unit | coverage | caveat |",
        "|---|---|---|---|---|",
    ]
    for m in MEASURES.values():
        cells = (f"`{m.id}`", m.label, m.unit, m.coverage, m.caveat)
        rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(rows)
