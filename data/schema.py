"""Warehouse schema: the one place that defines every table.

Every fact table carries ``source_id`` (a row of ``sources``) so each figure can name its
publisher, file and vintage. Different measures live in different tables and columns and are
never summed together: ``dead_and_missing`` (IOM Missing Migrants Project, minimum estimates),
``detections`` (Frontex, events not persons), refugee ``population`` (UNHCR), ``arrivals``
(UNHCR sea arrivals) and index ``value`` (GI-TOC, scores 1-10).
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 1

TABLES: dict[str, str] = {
    "meta": """
        CREATE TABLE IF NOT EXISTS meta (
            key VARCHAR PRIMARY KEY,
            value VARCHAR
        )""",
    "sources": """
        CREATE TABLE IF NOT EXISTS sources (
            source_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            publisher VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            licence VARCHAR NOT NULL,
            origin VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            rows_flagged BIGINT NOT NULL DEFAULT 0,
            vintage DATE,
            ingested_at TIMESTAMP NOT NULL,
            is_demo BOOLEAN NOT NULL DEFAULT FALSE,
            caveat VARCHAR
        )""",
    # What the ingest's integrity checks found about each source, beside (not in) ``sources``,
    # whose column list other code inserts by position: ``partial`` (loaded with
    # --accept-partial from a file that looks cut off, and why), where the vintage came from,
    # the latest date in the data, and how many text cells were cut to their field's limit.
    "source_checks": """
        CREATE TABLE IF NOT EXISTS source_checks (
            source_id VARCHAR PRIMARY KEY,
            partial BOOLEAN NOT NULL DEFAULT FALSE,
            partial_reason VARCHAR,
            vintage_from VARCHAR,
            data_end DATE,
            fields_cut BIGINT NOT NULL DEFAULT 0
        )""",
    "incidents": """
        CREATE TABLE IF NOT EXISTS incidents (
            source_id VARCHAR NOT NULL,
            row_number BIGINT NOT NULL,
            main_id VARCHAR,
            incident_id VARCHAR,
            incident_type VARCHAR,
            incident_date DATE NOT NULL,
            year INTEGER NOT NULL,
            month INTEGER NOT NULL,
            region_of_incident VARCHAR,
            region_of_incident_list VARCHAR[],
            country_of_incident VARCHAR,
            country_of_incident_iso3 VARCHAR,
            route_labels_raw VARCHAR,
            route_ids VARCHAR[] NOT NULL,
            n_routes INTEGER NOT NULL,
            dead INTEGER NOT NULL,
            missing INTEGER NOT NULL,
            dead_and_missing INTEGER NOT NULL,
            survivors INTEGER,
            females INTEGER,
            males INTEGER,
            children INTEGER,
            origin_raw VARCHAR,
            origin_iso3 VARCHAR[] NOT NULL,
            region_of_origin VARCHAR,
            causes VARCHAR[] NOT NULL,
            location VARCHAR,
            lat DOUBLE,
            lon DOUBLE,
            coords_raw VARCHAR,
            flags VARCHAR[] NOT NULL,
            unsd_grouping VARCHAR,
            information_source VARCHAR,
            url VARCHAR,
            source_quality INTEGER,
            source_quality_raw VARCHAR,
            h3_r3 UBIGINT,
            h3_r5 UBIGINT
        )""",
    # The monthly rollup of incidents (data/cube.py), written by the ingest in the same
    # transaction as the incidents. The sums are named as the incidents column they add up
    # where there is one (so ``sum(i.dead_and_missing)`` reads the same on both tables).
    # Nullable sums follow SQL: NULL when no incident of the group records the value.
    # ``size`` (a key) is the dead and missing of each incident of the group, for the
    # distribution of incident sizes; ``dead_and_missing`` is their sum (size x n).
    "incident_cube": """
    CREATE TABLE IF NOT EXISTS incident_cube (
        source_id VARCHAR NOT NULL,
        incident_date DATE NOT NULL,
        year INTEGER NOT NULL,
        month INTEGER NOT NULL,
        route_ids VARCHAR[] NOT NULL,
        n_routes INTEGER NOT NULL,
        causes VARCHAR[] NOT NULL,
        origin_iso3 VARCHAR[] NOT NULL,
        country_of_incident_iso3 VARCHAR,
        region_of_incident_list VARCHAR[],
        source_quality INTEGER,
        h3_r3 UBIGINT,
        size INTEGER NOT NULL,
        n BIGINT NOT NULL,
        dead BIGINT NOT NULL,
        missing BIGINT NOT NULL,
        dead_and_missing BIGINT NOT NULL,
        largest INTEGER NOT NULL,
        first_date DATE NOT NULL,
        last_date DATE NOT NULL,
        children BIGINT,
        dm_children_known BIGINT,
        females_known BIGINT,
        males_known BIGINT
    )""",
    # Detections summed over what no filter selects (border type, raw route label): one row
    # per source, route, nationality and month (data/cube.py), written with the detections.
    "detection_cube": """
        CREATE TABLE IF NOT EXISTS detection_cube (
            source_id VARCHAR NOT NULL,
            route_id VARCHAR NOT NULL,
            nationality_iso3 VARCHAR,
            month DATE NOT NULL,
            detections BIGINT NOT NULL
        )""",
    "detections": """
        CREATE TABLE IF NOT EXISTS detections (
            source_id VARCHAR NOT NULL,
            route_id VARCHAR NOT NULL,
            route_raw VARCHAR NOT NULL,
            border_type VARCHAR,
            nationality_iso3 VARCHAR,
            month DATE NOT NULL,
            detections BIGINT NOT NULL
        )""",
    "refugee_population": """
        CREATE TABLE IF NOT EXISTS refugee_population (
            source_id VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            origin_iso3 VARCHAR,
            asylum_iso3 VARCHAR,
            refugees BIGINT,
            asylum_seekers BIGINT,
            returned_refugees BIGINT,
            idps BIGINT,
            returned_idps BIGINT,
            stateless BIGINT,
            others_of_concern BIGINT,
            other_in_need_of_protection BIGINT,
            host_community BIGINT
        )""",
    "arrivals": """
        CREATE TABLE IF NOT EXISTS arrivals (
            source_id VARCHAR NOT NULL,
            country_iso3 VARCHAR NOT NULL,
            date DATE NOT NULL,
            arrivals BIGINT NOT NULL
        )""",
    "country_indicators": """
        CREATE TABLE IF NOT EXISTS country_indicators (
            source_id VARCHAR NOT NULL,
            iso3 VARCHAR NOT NULL,
            indicator VARCHAR NOT NULL,
            edition INTEGER NOT NULL,
            value DOUBLE,
            unit VARCHAR
        )""",
    "countries": """
        CREATE TABLE IF NOT EXISTS countries (
            iso3 VARCHAR PRIMARY KEY,
            iso2 VARCHAR,
            m49 INTEGER,
            name VARCHAR NOT NULL,
            un_region VARCHAR,
            un_subregion VARCHAR,
            centroid_lon DOUBLE,
            centroid_lat DOUBLE,
            geometry_wkb BLOB
        )""",
    "routes": """
        CREATE TABLE IF NOT EXISTS routes (
            route_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            family VARCHAR,
            mode VARCHAR,
            region VARCHAR,
            frontex BOOLEAN,
            mmp BOOLEAN,
            colour VARCHAR,
            description VARCHAR
        )""",
    "route_waypoints": """
        CREATE TABLE IF NOT EXISTS route_waypoints (
            route_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            name VARCHAR,
            lon DOUBLE NOT NULL,
            lat DOUBLE NOT NULL,
            role VARCHAR
        )""",
    "route_countries": """
        CREATE TABLE IF NOT EXISTS route_countries (
            route_id VARCHAR NOT NULL,
            iso3 VARCHAR NOT NULL
        )""",
    "route_labels": """
        CREATE TABLE IF NOT EXISTS route_labels (
            source_kind VARCHAR NOT NULL,
            label VARCHAR NOT NULL,
            route_id VARCHAR NOT NULL
        )""",
    "rejected_rows": """
        CREATE TABLE IF NOT EXISTS rejected_rows (
            source_id VARCHAR NOT NULL,
            row_number BIGINT NOT NULL,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        )""",
}

FACT_TABLES: tuple[str, ...] = (
    "incidents",
    "detections",
    "refugee_population",
    "arrivals",
    "country_indicators",
    "rejected_rows",
)
REFERENCE_TABLES: tuple[str, ...] = (
    "countries",
    "routes",
    "route_waypoints",
    "route_labels",
    "route_countries",
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet and record the schema version.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection.
    """
    for ddl in TABLES.values():
        con.execute(ddl)
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
        [str(SCHEMA_VERSION)],
    )
