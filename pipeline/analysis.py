"""Analysis over the Parquet datasets only (never the PDFs): history and statistics.

- `history(data, rules)`: one row per recommendation of a review, linked across
  tracking rounds (council + normalised review title + rec number), the same
  report ingested twice (standalone PDF and agenda-pack copy) counted once.
- `stats(history, by)`: per group counts at each recommendation's latest assessment.
- `connect(data)`: a DuckDB connection with views reports, recommendations, files, history.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .rules import Rules

DATASETS = ("reports", "recommendations", "files", "history")
GROUPS = {"year": "year", "municipal-year": "municipal_year", "financial-year": "financial_year",
          "committee": "committee", "portfolio": "portfolio", "council": "council", "review": "review_title"}
# First month of each kind of council year: municipal May-April, financial April-March.
YEAR_START = {"municipal": 5, "financial": 4}
ACHIEVED = ("achieved", "achieved_late")
# Outcomes with a column of their own in `stats`; any other (none read, withdrawn) is `uncategorised`.
COUNTED = (*ACHIEVED, "not_achieved", "in_progress")


def normalise_title(text: object) -> str:
    """Review identity: case, punctuation and "&" vs "and" do not matter ("" when unknown)."""
    t = (text if isinstance(text, str) else "").casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", t).split())


def portfolio(lead: object) -> str | None:
    """A responsible lead as a portfolio key: "&" = "and", whitespace and case folded
    (None for a missing lead: null, NaN from pandas, or blank)."""
    if not isinstance(lead, str) or not lead.strip():
        return None
    t = " ".join(lead.replace("&", " and ").split())
    return t[:1].upper() + t[1:].lower() if t else None


def council_year(d: dt.date | None, kind: str = "municipal") -> str | None:
    """The municipal (May-April) or financial (April-March) year of a date, as `2016/17`."""
    if d is None or pd.isna(d):
        return None
    start = d.year if d.month >= YEAR_START[kind] else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def municipal_year(d: dt.date | None) -> str | None:
    """Municipal year (May to April) of a date, as `2016/17`."""
    return council_year(d, "municipal")


def financial_year(d: dt.date | None) -> str | None:
    """Financial year (April to March) of a date, as `2016/17`."""
    return council_year(d, "financial")


def year_bounds(label: str, kind: str = "municipal") -> tuple[dt.date, dt.date]:
    """First and last day of a council year given as `2016/17` (or `2016`)."""
    m = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", label.strip())
    if not m:
        raise ValueError(f"year {label!r} is not like 2016/17")
    start = int(m.group(1))
    if m.group(2) and int(m.group(2)[-2:]) != (start + 1) % 100:
        raise ValueError(f"year {label!r} does not span consecutive years")
    first = dt.date(start, YEAR_START[kind], 1)
    return first, dt.date(start + 1, YEAR_START[kind], 1) - dt.timedelta(days=1)


def _dataset_glob(data: Path, name: str) -> str:
    return str(data / name / "**" / "*.parquet")


def _has(data: Path, name: str) -> bool:
    return any((data / name).glob("**/*.parquet"))


def connect(data: str | Path) -> duckdb.DuckDBPyConnection:
    """DuckDB connection with views reports, recommendations, files and history over `data`.

    A dataset with no files yet (no tracking report found so far) is an empty view with
    its schema, so queries work on any archive.
    """
    from .schema import SCHEMAS, check_parts

    data = Path(data).resolve()  # absolute: a read-only query allows this one directory
    check_parts(data)  # a broken part is named here, not deep inside DuckDB
    con = duckdb.connect()
    for name in DATASETS:
        if _has(data, name):
            con.execute(f"create view {name} as select * from read_parquet('{_dataset_glob(data, name)}', "
                        f"hive_partitioning=true, union_by_name=true)")
        else:
            con.register(f"_{name}_empty", SCHEMAS[name].empty_table())
            con.execute(f"create view {name} as select * from _{name}_empty")
    return con


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
    warned = ("select report_id, rec_id, page_first, unnest(warnings) as warning, unnest(range(len(warnings))) as k "
              "from recommendations where len(warnings) > 0") if has_warnings else \
        ("select null::varchar report_id, null::varchar rec_id, null::smallint page_first, null::varchar warning, "
         "0 as k where false")
    has_n = "n_warnings" in {r[0] for r in con.execute("describe files").fetchall()}
    df = con.execute(f"""
        with w as ({warned}),
        per_file as (select report_id, count(*) as n from w group by 1),
        own as (  -- files with warnings beyond their records' (or not parsed): one row each
            select f.source_file, f.status, f.message, '' as rec_id, null::smallint as page, '' as warning,
                   null::varchar as report_id, -1 as k
            from files f left join per_file p on p.report_id = f.sha256
            where f.status <> 'parsed' or {"coalesce(f.n_warnings, 0)" if has_n else "0"} > coalesce(p.n, 0))
        select source_file, status, message, rec_id, page, warning from (
            select * from own
            union all
            select f.source_file, f.status, f.message, w.rec_id, w.page_first, w.warning, w.report_id, w.k
            from files f join w on w.report_id = f.sha256 and f.status = 'parsed')
        order by source_file, page nulls first, rec_id, k
    """).df()
    df["page"] = df["page"].astype("object").where(df["page"].notna(), None)  # a file's own row has no page
    return df


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def history(data: str | Path, rules: Rules, as_of: dt.date | None = None) -> pd.DataFrame:
    """Link every recommendation across its tracking rounds; one row each.

    With `as_of`, only reports dated up to that day count: the history as it stood then.
    """
    data = Path(data)
    if not _has(data, "recommendations"):
        return pd.DataFrame()
    con = connect(data)
    where = "" if as_of is None else "where r.report_date <= ?"
    recs = con.execute(
        f"select r.*, p.committee from recommendations r join reports p using (report_id) {where}",
        [] if as_of is None else [as_of],
    ).df()
    if recs.empty:
        return pd.DataFrame()
    recs["review_key"] = recs["review_title"].map(normalise_title)
    # The same report in two files (standalone and in an agenda pack): keep one copy.
    reports = recs[["council", "review_key", "report_date", "report_id", "source_file"]].drop_duplicates("report_id")
    keep = reports.sort_values("source_file").drop_duplicates(["council", "review_key", "report_date"])["report_id"]
    recs = recs[recs["report_id"].isin(set(keep))]
    recs = recs.sort_values(["council", "review_key", "rec_number", "report_date"])
    rows = []
    for (council, key, number), g in recs.groupby(["council", "review_key", "rec_number"], dropna=False, sort=True):
        last = g.iloc[-1]
        scheme = rules.schemes.get(last["category_scheme"]) if isinstance(last["category_scheme"], str) else None
        outcome = last["category_outcome"] if isinstance(last["category_outcome"], str) else None
        cats = [int(c) for c in g["category_code"] if pd.notna(c)]
        achieved_round = next((i + 1 for i, o in enumerate(g["category_outcome"]) if o in ACHIEVED), None)
        completed = last["completed_date"] if pd.notna(last["completed_date"]) else None
        target = last["target_date"] if pd.notna(last["target_date"]) else None
        rows.append({
            "council": council, "review_title": last["review_title"], "review_key": key,
            "rec_number": _int(number), "rec_id": last["rec_id"],
            "first_report_date": g["report_date"].iloc[0], "last_report_date": last["report_date"],
            "n_rounds": len(g), "categories": cats,
            "latest_category": int(last["category_code"]) if pd.notna(last["category_code"]) else None,
            "latest_label": last["category_label"], "latest_outcome": outcome,
            "category_scheme": last["category_scheme"], "committee": last["committee"],
            "achieved": outcome in ACHIEVED if outcome else None,
            "achieved_late": (outcome == "achieved_late") if (scheme is not None and scheme.has_late and outcome) else None,
            "rounds_to_achievement": achieved_round,
            "target_date": target, "completed_date": completed,
            "days_late": (completed - target).days if completed and target else None,
            "anticipated_date": last["anticipated_date"] if pd.notna(last["anticipated_date"]) else None,
            "portfolio": portfolio(last["responsible_lead"]),
            "recommendation": last["recommendation"], "responsible_lead": last["responsible_lead"],
        })
    return pd.DataFrame(rows)


def _counts(g: pd.DataFrame, by: str, group: object) -> dict:
    outcome = g["latest_outcome"]
    ach = g[outcome.isin(ACHIEVED)]
    # Share late only among schemes that have an "achieved late" category.
    with_late = ach[ach["achieved_late"].notna()]
    late = int((outcome == "achieved_late").sum())
    rounds = ach["rounds_to_achievement"].dropna()
    return {
        by: group, "recommendations": len(g), "achieved": len(ach), "achieved_late": late,
        "not_achieved": int((outcome == "not_achieved").sum()),
        "in_progress": int((outcome == "in_progress").sum()),
        # No category read (or an outcome no statistic names): counted, never dropped.
        "uncategorised": int((~outcome.isin(COUNTED)).sum()),
        "share_late_of_achieved": round(late / len(with_late), 3) if len(with_late) else None,
        "median_rounds_to_achievement": float(rounds.median()) if len(rounds) else None,
    }


def stats(hist: pd.DataFrame, by: str = "year") -> pd.DataFrame:
    """Completion statistics per group, each recommendation counted once at its
    latest assessment (the last tracking round that reported it)."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; choose from {', '.join(GROUPS)}")
    cols = ["recommendations", "achieved", "achieved_late", "not_achieved", "in_progress", "uncategorised",
            "share_late_of_achieved", "median_rounds_to_achievement"]
    if hist.empty:  # nothing tracked (yet, or in this period): one "All" row of zeros
        zero = {by: "All", **dict.fromkeys(cols[:6], 0), cols[6]: None, cols[7]: None}
        return pd.DataFrame([zero], columns=[by, *cols])
    h = hist.copy()
    h["year"] = pd.to_datetime(h["last_report_date"]).dt.year.astype("Int64").astype(str)
    h["municipal_year"] = h["last_report_date"].map(municipal_year)
    h["financial_year"] = h["last_report_date"].map(financial_year)
    key = GROUPS[by]
    out = [_counts(g, by, group) for group, g in h.groupby(h[key].fillna("(unknown)"), sort=True)]
    out.append(_counts(h, by, "All"))
    return pd.DataFrame(out, columns=[by, *cols])


def _native(v: object) -> object:
    if v is None or (not isinstance(v, (list, tuple, str)) and pd.isna(v)):  # type: ignore[call-overload]
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if hasattr(v, "item"):
        return v.item()  # numpy scalar
    return v


def history_records(hist: pd.DataFrame) -> list[dict]:
    """The history frame as plain Python rows for the Parquet writer."""
    return [{k: _native(v) for k, v in row.items()} for row in hist.to_dict("records")]
