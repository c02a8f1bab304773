"""The one RouteWatch plotly template and the colours every chart and map shares.

Colours are chosen for a projector and for colour-blind readers: the categorical palette is
Okabe-Ito (Okabe & Ito 2008), the sequential scale is a single-hue orange ramp (readable in
greyscale), and every route keeps the colour authored in ``data/reference/routes.json`` on
every chart and map. Type is large because officials brief from a projected screen.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

import plotly.graph_objects as go

from i18n import N_, get_lang
from i18n.names import cause_name

TEMPLATE_NAME = "routewatch"

#: Okabe-Ito, reordered so the first colours are the most distinct on white.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)

#: One colour per measure, so "dead and missing" is never confused with "detections".
MEASURE_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        "dead_and_missing": "#D55E00",
        "incidents": "#555555",
        "detections": "#0072B2",
        "deaths_per_1000_detections": "#CC79A7",
        "score": "#D55E00",
    }
)

#: Causes of death as IOM names them; unknown causes fall back to grey.
CAUSE_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        "Drowning": "#0072B2",
        "Harsh environmental conditions / lack of adequate shelter, food, water": "#E69F00",
        "Vehicle accident / death linked to hazardous transport": "#000000",
        "Violence": "#D55E00",
        "Sickness / lack of access to adequate healthcare": "#009E73",
        "Accidental death": "#CC79A7",
        "Mixed or unknown": "#999999",
    }
)
OTHER_COLOUR = "#999999"

#: Short labels for long IOM cause names (legends and axes on a projector), in English;
#: :func:`cause_label` gives them in the reader's language.
CAUSE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "Harsh environmental conditions / lack of adequate shelter, food, water": N_(
            "Harsh conditions, lack of shelter, food, water"
        ),
        "Vehicle accident / death linked to hazardous transport": N_(
            "Vehicle accident, hazardous transport"
        ),
        "Sickness / lack of access to adequate healthcare": N_("Sickness, no healthcare"),
    }
)

#: Sequential single-hue ramp (light to dark orange) for scores and lethality.
SEQUENTIAL: tuple[str, ...] = ("#FEE6CE", "#FDAE6B", "#F16913", "#D94801", "#7F2704")

#: The same ramp, darker at the light end, for lines drawn over the light basemap.
SEQUENTIAL_LINES: tuple[str, ...] = ("#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#8C2D04")

# Class breaks shared by the pydeck maps (geo.layers) and the static map images
# (export.images): one set each, so a route, a cell or a country is in the same class on
# screen, in the PNG and in the pack.
#: Lethality classes (dead and missing per 1,000 detections): lower bounds.
LETHALITY_BREAKS: tuple[float, ...] = (1.0, 5.0, 15.0, 30.0)
#: Hexagon classes (dead and missing per cell).
HEX_BREAKS: tuple[float, ...] = (5, 20, 100, 500)
#: Score classes (composite risk 0-100).
SCORE_BREAKS: tuple[float, ...] = (20, 40, 60, 80)


def class_index(value: float, breaks: tuple[float, ...]) -> int:
    """The class of ``value``: how many breaks are at or below it."""
    return bisect.bisect_right(breaks, value)


def class_colour(
    value: object, breaks: tuple[float, ...], palette: tuple[str, ...] = SEQUENTIAL
) -> str:
    """The colour of ``value``'s class in ``palette`` (:data:`OTHER_COLOUR` for no data)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return OTHER_COLOUR
    if math.isnan(v):
        return OTHER_COLOUR
    return palette[class_index(v, breaks)]


#: Component colours for the composite risk bars (Okabe-Ito without vermillion, the score).
COMPONENT_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#F0E442",
    "#999999",
)

#: plotly's ``layout.separators`` (decimal mark, then thousands separator) per language, so
#: plotly's own tick and hover numbers follow the reader's locale: ``8,755.5`` / ``8 755,5``
#: (French thousands: CLDR's narrow no-break space, as :func:`i18n.fmt_number` writes them).
SEPARATORS: Mapping[str, str] = MappingProxyType({"en": ".,", "fr": ",\u202f"})

BASE_FONT_SIZE = 17
TITLE_FONT_SIZE = 22
#: Streamlit bundles "Source Sans", so charts match the app and never wait for a web font.
FONT_FAMILY = '"Source Sans", "Source Sans 3", "Source Sans Pro", Arial, sans-serif'


def cause_colour(cause: str) -> str:
    """Colour of one IOM cause of death (grey for an unknown cause)."""
    return CAUSE_COLOURS.get(cause, OTHER_COLOUR)


def cause_label(cause: str) -> str:
    """Short display label of one IOM cause of death, in the reader's language (colours stay
    keyed by the English cause: :func:`cause_colour`)."""
    return cause_name(CAUSE_LABELS.get(cause, cause))


def hex_to_rgb(colour: str) -> list[int]:
    """``#RRGGBB`` -> ``[r, g, b]`` (for pydeck colour accessors)."""
    c = colour.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return [int(c[i : i + 2], 16) for i in (0, 2, 4)]


def sequential_colour(fraction: float) -> str:
    """Colour of ``fraction`` (0-1, clipped) on the sequential ramp (stepped, 5 classes)."""
    if fraction != fraction:  # NaN
        return OTHER_COLOUR
    f = min(1.0, max(0.0, float(fraction)))
    idx = min(len(SEQUENTIAL) - 1, int(f * len(SEQUENTIAL)))
    return SEQUENTIAL[idx]


def make_template() -> go.layout.Template:
    """The RouteWatch plotly template (large type, white background, Okabe-Ito colourway).

    Returns
    -------
    plotly.graph_objects.layout.Template
    """
    axis = {
        "showgrid": True,
        "gridcolor": "#E5E5E5",
        "zeroline": False,
        "linecolor": "#888888",
        "ticks": "outside",
        "tickcolor": "#888888",
        "title": {"font": {"size": BASE_FONT_SIZE}},
        "tickfont": {"size": BASE_FONT_SIZE - 2},
        "automargin": True,
    }
    layout = go.Layout(
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": "#1A1A1A"},
        title={
            "font": {"size": TITLE_FONT_SIZE, "color": "#1A1A1A"},
            "x": 0.012,
            "xanchor": "left",
            "xref": "container",
            "y": 0.97,
            "yanchor": "top",
            "subtitle": {"font": {"size": BASE_FONT_SIZE - 2, "color": "#555555"}},
        },
        colorway=list(OKABE_ITO),
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        xaxis=axis,
        yaxis=axis,
        legend={
            "font": {"size": BASE_FONT_SIZE - 2},
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "left",
            "x": 0.0,
            "bgcolor": "rgba(255,255,255,0)",
        },
        hoverlabel={"font": {"size": BASE_FONT_SIZE - 1, "family": FONT_FAMILY}},
        margin={"l": 10, "r": 20, "t": 100, "b": 40},
        bargap=0.15,
        separators=SEPARATORS["en"],
    )
    return go.layout.Template(layout=layout)


@lru_cache(maxsize=1)
def registered_template() -> go.layout.Template:
    """The house template, built and validated once per process.

    It is also registered as ``plotly.io.templates["routewatch"]``, so code outside RouteWatch
    (a notebook, an export) can ask for it by name.
    """
    import plotly.io as pio

    template = make_template()
    pio.templates[TEMPLATE_NAME] = template
    return template


def apply_theme(fig: go.Figure) -> go.Figure:
    """Apply the house template to ``fig`` in place and return it (with the number separators
    of the current language: :data:`SEPARATORS`).

    The template was validated once when it was built (:func:`registered_template`); it is
    assigned here without validating it again, as plotly itself assigns its default template
    to every new figure. A validated assignment copies and re-checks every property of the
    template, 15-40 ms a figure.
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = registered_template()
    finally:
        layout._validate = validate
    lang = get_lang()
    if lang != "en":
        # The template holds the English separators; another language sets its own.
        layout.separators = SEPARATORS.get(lang, SEPARATORS["en"])
    return fig
