"""History stage: every recommendation linked across its tracking rounds (OUT/history).

Reads the written datasets only. A recommendation of a review is identified by council,
normalised review title and rec number; the same report ingested twice (standalone PDF
and agenda-pack copy) counts once. Each row's outcome is the one stored at ingest, so
the history does not depend on today's rule files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.datasets.schema import HistoryRow, columns
from pipeline.datasets.views import connect, has_parts
from pipeline.text import fold
from pipeline.vocab import ACHIEVED, UNCATEGORISED


def normalise_title(text: object) -> str:
    """Review identity (`text.fold`): case, punctuation and "&" vs "and" do not matter
    ("" when unknown)."""
    return fold(text)


def portfolio(lead: object) -> str | None:
    """A responsible lead as printed, tidied: "&" read as "and", whitespace collapsed (None
    for a missing lead: null, NaN from pandas, or blank)."""
    if not isinstance(lead, str) or not lead.strip():
        return None
    return " ".join(lead.replace("&", " and ").split()) or None


def group_portfolios(rows: list[HistoryRow]) -> list[HistoryRow]:
    """The rows with leads that differ only in case grouped under one portfolio, spelt as
    the reports print it most often ("Cabinet Member for Clean Streets, ...")."""
    spellings: dict[str, Counter[str]] = {}
    for r in rows:
        if r.portfolio:
            spellings.setdefault(r.portfolio.casefold(), Counter())[r.portfolio] += 1
    best = {k: c.most_common(1)[0][0] for k, c in spellings.items()}
    return [dataclasses.replace(r, portfolio=best[r.portfolio.casefold()]) if r.portfolio else r for r in rows]


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def rounds(data: str | Path, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every tracking round of every recommendation (a `recommendations` row with its
    report's committee, `review_key` and `copies`: the ids of every file holding that report),
    one copy of each report, sorted by recommendation and report date."""
    data = Path(data)
    if not has_parts(data, "recommendations"):
        return pd.DataFrame()
    con = connect(data)
    where = "" if as_of is None else "where r.report_date <= ?"
    recs = con.execute(
        f"select r.*, p.committee from recommendations r join reports p using (report_id) {where}",
        [] if as_of is None else [as_of],
    ).df()
    if recs.empty:
        return recs
    recs["review_key"] = recs["review_title"].map(normalise_title)
    # The same report in two files (standalone and in an agenda pack): keep one copy.
    reports = recs[["council", "review_key", "report_date", "report_id", "source_file"]].drop_duplicates("report_id")
    same = ["council", "review_key", "report_date"]

    def key(row: Any) -> tuple:
        return tuple(None if pd.isna(row[c]) else row[c] for c in same)

    copies: dict[tuple, list[str]] = {}
    for _, row in reports.iterrows():
        copies.setdefault(key(row), []).append(row["report_id"])
    keep = reports.sort_values("source_file").drop_duplicates(same)["report_id"]
    recs = recs[recs["report_id"].isin(set(keep))].copy()
    recs["copies"] = [sorted(set(copies[key(row)])) for _, row in recs.iterrows()]
    return recs.sort_values(["council", "review_key", "rec_number", "report_date"])


def history_rows(data: str | Path, as_of: dt.date | None = None) -> list[HistoryRow]:
    """Link every recommendation across its tracking rounds; one row each.

    With `as_of`, only reports dated up to that day count: the history as it stood then.
    """
    recs = rounds(data, as_of)
    if recs.empty:
        return []
    rows: list[HistoryRow] = []
    for (council, key, number), g in recs.groupby(["council", "review_key", "rec_number"], dropna=False, sort=True):
        last = g.iloc[-1]
        outcome = last["category_outcome"] if isinstance(last["category_outcome"], str) else None
        cats = [int(c) if pd.notna(c) else None for c in g["category_code"]]  # aligned with the rounds
        outcomes = [o if isinstance(o, str) else UNCATEGORISED for o in g["category_outcome"]]
        achieved_round = next((i + 1 for i, o in enumerate(g["category_outcome"]) if o in ACHIEVED), None)
        completed = last["completed_date"] if pd.notna(last["completed_date"]) else None
        target = last["target_date"] if pd.notna(last["target_date"]) else None
        rows.append(HistoryRow(**{k: _native(v) for k, v in {  # type: ignore[arg-type]
            "council": council, "review_title": last["review_title"], "review_key": key,
            "rec_number": _int(number), "rec_id": last["rec_id"],
            "first_report_date": g["report_date"].iloc[0], "last_report_date": last["report_date"],
            "n_rounds": len(g), "report_dates": [_native(d) for d in g["report_date"]], "categories": cats,
            "outcomes": outcomes,
            "latest_category": int(last["category_code"]) if pd.notna(last["category_code"]) else None,
            "latest_label": last["category_label"], "latest_outcome": outcome,
            "category_scheme": last["category_scheme"], "committee": last["committee"],
            "achieved": outcome in ACHIEVED if outcome else None,
            # Stored at ingest: null where the record's scheme has no "achieved late" category.
            "achieved_late": _bool(last["achieved_late"]),
            "rounds_to_achievement": achieved_round,
            "target_date": target, "completed_date": completed,
            "days_late": (completed - target).days if completed and target else None,
            "anticipated_date": last["anticipated_date"] if pd.notna(last["anticipated_date"]) else None,
            "portfolio": portfolio(last["responsible_lead"]),
            "recommendation": last["recommendation"], "responsible_lead": last["responsible_lead"],
            "flags": list(last["flags"]) if last["flags"] is not None else [],
        }.items()}))
    return group_portfolios(rows)


def _stamp(data: Path) -> tuple[int, ...]:
    """When the datasets history reads last changed (a part added, replaced or removed
    changes its folder's modification time)."""
    return tuple((data / name).stat().st_mtime_ns if (data / name).is_dir() else 0
                 for name in ("recommendations", "reports", "flags"))


_FRAMES: dict[tuple, pd.DataFrame] = {}  # history frames of this process, by data, as_of and stamp


def history(data: str | Path, as_of: dt.date | None = None) -> pd.DataFrame:
    """`history_rows` as a frame with the history's columns (none when nothing is tracked).

    The annual report and `stats` by year ask for the same history many times (once per
    year): a frame is computed once per process while the datasets are unchanged; each
    caller gets its own copy."""
    path = Path(data).resolve()
    key = (str(path), as_of, _stamp(path))
    if key not in _FRAMES:
        if len(_FRAMES) > 64:
            _FRAMES.clear()
        rows = history_rows(path, as_of)
        _FRAMES[key] = pd.DataFrame([dataclasses.astuple(r) for r in rows], columns=list(columns("history")))
    return _FRAMES[key].copy()


def _bool(v: Any) -> bool | None:
    return None if v is None or pd.isna(v) else bool(v)


def _native(v: object) -> object:
    if v is None or (not isinstance(v, (list, tuple, str)) and pd.isna(v)):  # type: ignore[call-overload]
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if hasattr(v, "item"):
        return v.item()  # numpy scalar
    return v
