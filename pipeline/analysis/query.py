"""SQL over the datasets for users: a read-only query, and the records that need a look.

`read_only_query(data, sql)`: SELECT/EXPLAIN over the views of `datasets.views.connect`;
`needs_a_look(data)`: every self-check warning and every file not cleanly parsed.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.datasets.views import connect


class QueryError(ValueError):
    """A query `scrutiny query` will not run, or that DuckDB rejected."""


# Statements a read-only query may hold.
READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})


def read_only_query(data: str | Path, sql: str) -> pd.DataFrame:
    """Run `sql` over the views of `connect(data)`, read-only: only SELECT (and EXPLAIN)
    statements, and no file outside `data` can be read (DuckDB's external access off,
    `data` the one allowed directory, the configuration locked). Raises QueryError."""
    if not sql.strip():
        raise QueryError("empty query: give a SELECT over reports, recommendations, files or history")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from exc
    for st in statements:
        kind = str(st.type).rsplit(".", 1)[-1]
        if kind not in READ_STATEMENTS:
            raise QueryError(f"{kind} statements are not allowed: scrutiny query is read-only (SELECT only)")
    con = connect(data)
    root = str(Path(data).resolve())
    con.execute("set allowed_directories = ?", [[root + os.sep]])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    try:
        df = None
        for st in statements:
            df = con.execute(st.query).df()
        assert df is not None
        return df
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from exc


def needs_a_look(data: str | Path) -> pd.DataFrame:
    """One row per self-check warning of a record, and one per file whose status is not
    `parsed` or that has warnings of its own (tables it skipped, in `message`):
    source_file, status, message, rec_id, page, warning."""
    con = connect(data)
    has_warnings = "warnings" in {r[0] for r in con.execute("describe recommendations").fetchall()}
    warned = ("select file_sha256, rec_id, page_first, unnest(warnings) as warning, unnest(range(len(warnings))) as k "
              "from recommendations where len(warnings) > 0") if has_warnings else \
        ("select null::varchar file_sha256, null::varchar rec_id, null::smallint page_first, null::varchar warning, "
         "0 as k where false")
    has_n = "n_warnings" in {r[0] for r in con.execute("describe files").fetchall()}
    df = con.execute(f"""
        with w as ({warned}),
        per_file as (select file_sha256, count(*) as n from w group by 1),
        own as (  -- files with warnings beyond their records' (or not parsed): one row each
            select f.source_file, f.status, f.message, '' as rec_id, null::smallint as page, '' as warning,
                   null::varchar as file_sha256, -1 as k
            from files f left join per_file p on p.file_sha256 = f.sha256
            where f.status <> 'parsed' or {"coalesce(f.n_warnings, 0)" if has_n else "0"} > coalesce(p.n, 0))
        select source_file, status, message, rec_id, page, warning from (
            select * from own
            union all
            select f.source_file, f.status, f.message, w.rec_id, w.page_first, w.warning, w.file_sha256, w.k
            from files f join w on w.file_sha256 = f.sha256 and f.status = 'parsed')
        order by source_file, page nulls first, rec_id, k
    """).df()
    df["page"] = df["page"].astype("object").where(df["page"].notna(), None)  # a file's own row has no page
    return df
