"""DuckDB views over the datasets under OUT: the one way analysis and history read them.

`connect(data)` returns a connection with views reports, recommendations, files and
history; a dataset with no parts yet is an empty view with its schema.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.datasets.schema import ROWS, check_parts, schemas

DATASETS = tuple(ROWS)


def _dataset_glob(data: Path, name: str) -> str:
    return str(data / name / "**" / "*.parquet")


def has_parts(data: Path, name: str) -> bool:
    return any((data / name).glob("**/*.parquet"))


def connect(data: str | Path) -> duckdb.DuckDBPyConnection:
    """DuckDB connection with views reports, recommendations, files and history over `data`.

    A dataset with no files yet (no tracking report found so far) is an empty view with
    its schema, so queries work on any archive.
    """
    data = Path(data).resolve()  # absolute: a read-only query allows this one directory
    check_parts(data)  # a broken part is named here, not deep inside DuckDB
    con = duckdb.connect()
    for name in DATASETS:
        source = f"_{name}" if name in ("recommendations", "reports") else name
        if has_parts(data, name):
            con.execute(f"create view {source} as select * from read_parquet('{_dataset_glob(data, name)}', "
                        f"hive_partitioning=true, union_by_name=true)")
        else:
            con.register(f"_{name}_empty", schemas()[name].empty_table())
            con.execute(f"create view {source} as select * from _{name}_empty")
    # One copy of each report is canonical (the first by path, as the history keeps it):
    # `where canonical` counts a report ingested as a PDF and inside an agenda pack once.
    con.execute("create view reports as select *, row_number() over (partition by council, review_key, report_date "
                "order by source_file) = 1 as canonical from _reports")
    # Each round's challenge flags (derived with the history) shown on its recommendation.
    con.execute("create view recommendations as select r.*, coalesce(f.flags, []::varchar[]) as flags, "
                "coalesce(p.canonical, true) as canonical from _recommendations r "
                "left join flags f using (report_id, rec_id) left join reports p using (report_id)")
    return con
