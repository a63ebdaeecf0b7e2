"""SQL over the datasets for users: a read-only query, and the records that need a look.

`read_only_query(data, sql)`: SELECT/EXPLAIN over the views of `datasets.views.connect`;
`needs_a_look(data)`: every self-check warning and every file not cleanly parsed.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.datasets.views import connect
from pipeline.limits import QUERY_MAX_MEMORY, QUERY_MAX_ROWS, QUERY_TIMEOUT
from pipeline.vocab import Status


class QueryError(ValueError):
    """A query `scrutiny query` will not run, or that DuckDB rejected."""


# Statements a read-only query may hold.
READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})


def read_only_query(data: str | Path, sql: str, *, timeout: float = QUERY_TIMEOUT, max_memory: int = QUERY_MAX_MEMORY,
                    max_rows: int = QUERY_MAX_ROWS) -> pd.DataFrame:
    """Run one `sql` statement over the views of `connect(data)`, read-only: only SELECT
    (and EXPLAIN), and no file outside `data` can be read (DuckDB's external access off,
    `data` the one allowed directory, the configuration locked). Limits: `timeout` seconds
    (the query is interrupted; so is it on Ctrl-C), `max_memory` MB for DuckDB, `max_rows`
    rows returned. Raises QueryError with one line for each refusal or failure."""
    if not sql.strip():
        raise QueryError("empty query: give a SELECT over reports, recommendations, files or history")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from exc
    if len(statements) != 1:
        raise QueryError(f"{len(statements)} statements: give exactly one (a SELECT)")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind not in READ_STATEMENTS:
        raise QueryError(f"{kind} statements are not allowed: scrutiny query is read-only (SELECT only)")
    con = connect(data)
    root = str(Path(data).resolve())
    con.execute("set allowed_directories = ?", [[root + os.sep]])
    con.execute("set enable_external_access = false")
    con.execute(f"set memory_limit = '{int(max_memory)}MB'")
    con.execute("set lock_configuration = true")
    timer = threading.Timer(timeout, con.interrupt)
    timer.daemon = True
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    interrupted: list[str] = []

    def on_sigint(signum: int, frame: object) -> None:  # Ctrl-C stops the query, not the process mid-write
        interrupted.append("interrupted (Ctrl-C)")
        con.interrupt()

    try:
        if previous is not None:
            signal.signal(signal.SIGINT, on_sigint)
        timer.start()
        result = con.execute(statements[0].query)
        chunks, n = [], 0
        while len(chunk := result.fetch_df_chunk()):  # a chunk at a time: a huge result is refused, not a MemoryError
            n += len(chunk)
            if n > max_rows:
                raise QueryError(f"the result has more than {max_rows} rows (--max-rows): add a LIMIT or aggregate")
            chunks.append(chunk)
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0] if chunks else result.df()
    except duckdb.InterruptException as exc:
        why = interrupted[0] if interrupted else f"stopped after {timeout:g} s (--timeout)"
        raise QueryError(f"query {why}") from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryError(f"query needs more than {max_memory} MB (--max-memory): {str(exc).splitlines()[0]}") from exc
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from exc
    except MemoryError as exc:
        raise QueryError("the result does not fit in memory: add a LIMIT or aggregate") from exc
    finally:
        timer.cancel()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        con.close()


# File statuses that need no look unless asked for (`check --all`): a PDF that holds no
# tracking table (an agenda's other papers) and a copy of a file already read.
ROUTINE = frozenset({Status.NO_TRACKING_TABLE, Status.DUPLICATE})


def warning_code(warning: str) -> str:
    """The code of a warning `code: detail` (README: Self-check)."""
    return warning.split(":", 1)[0].strip()


def needs_a_look(data: str | Path, *, statuses: tuple[str, ...] = (), codes: tuple[str, ...] = (),
                 everything: bool = False) -> pd.DataFrame:
    """One row per self-check warning of a record, and one per file whose status is not
    `parsed` or that has warnings of its own (tables it skipped, in `message`):
    source_file, status, message, rec_id, page, warning.

    Files whose status is ROUTINE are left out unless `everything`; `statuses` keeps the
    rows of files with those statuses, `codes` the record warnings with those codes (and,
    with no `statuses`, no file rows)."""
    df = _look(data)
    if not everything and not statuses:
        df = df[~df["status"].isin(ROUTINE)]
    if statuses:
        df = df[df["status"].isin(statuses)]
    if codes:
        codes_of = df["warning"].map(warning_code)
        df = df[codes_of.isin(codes) | ((df["rec_id"] == "") & bool(statuses))]
    return df.reset_index(drop=True)


def _look(data: str | Path) -> pd.DataFrame:
    """Every row `needs_a_look` may list."""
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
