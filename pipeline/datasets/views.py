"""DuckDB views over the datasets under OUT: the one way analysis and history read them.

`connect(data)` returns a connection with views reports, recommendations, files and
history; a dataset with no parts yet is an empty view with its schema.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.datasets.schema import PER_FILE, ROWS, SCHEMA_VERSION, DatasetError, check_parts, schemas

DATASETS = tuple(ROWS)


def _dataset_glob(data: Path, name: str) -> str:
    """The SQL string literal of a dataset's parts (quotes in the path doubled: a path is never SQL)."""
    return "'" + str(data / name / "**" / "*.parquet").replace("'", "''") + "'"


def _check_version(con: duckdb.DuckDBPyConnection, data: Path, name: str) -> None:
    """Raise DatasetError when a part of dataset `name` was written with another schema version
    (its columns or identities differ: joined with today's rows it would give wrong answers)."""
    found = con.execute(f"select distinct decode(value) from parquet_kv_metadata({_dataset_glob(data, name)}) "
                        "where decode(key) = 'schema_version'").fetchall()
    old = sorted({v for (v,) in found} - {SCHEMA_VERSION})
    if old:
        raise DatasetError(f"{data}/{name} holds rows of schema version {', '.join(old)} (this version writes "
                           f"{SCHEMA_VERSION}): re-ingest with `scrutiny ingest PATHS --out {data} --force`, or ingest into a new --out")


def has_parts(data: Path, name: str) -> bool:
    return any((data / name).glob("**/*.parquet"))


def connect(data: str | Path) -> duckdb.DuckDBPyConnection:
    """DuckDB connection with views reports, recommendations, files, history, flags and rounds over `data`.

    A dataset with no files yet (no tracking report found so far) is an empty view with
    its schema, so queries work on any archive.
    """
    data = Path(data).resolve()  # absolute: a read-only query allows this one directory
    check_parts(data)  # a broken part is named here, not deep inside DuckDB
    con = duckdb.connect()
    for name in DATASETS:
        source = f"_{name}" if name in ("recommendations", "reports") else name
        if has_parts(data, name):
            if name in PER_FILE:  # the derived datasets are rebuilt from these by every ingest
                _check_version(con, data, name)
            con.execute(f"create view {source} as select * from read_parquet({_dataset_glob(data, name)}, "
                        f"hive_partitioning=true, union_by_name=true)")
        else:
            con.register(f"_{name}_empty", schemas()[name].empty_table())
            con.execute(f"create view {source} as select * from _{name}_empty")
    # `canonical` (the counting rule, datasets/rounds.py) is stored in the parts; the view adds
    # each round's challenge flags.
    con.execute("create view reports as select * from _reports")
    con.execute("create view recommendations as select r.*, coalesce(f.flags, []::varchar[]) as flags "
                "from _recommendations r left join flags f using (report_id, review_key, rec_id)")
    return con
