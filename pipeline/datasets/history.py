"""History stage: every recommendation linked across its tracking rounds (OUT/history).

Reads the written datasets only. A recommendation of a review is identified by council,
review key and rec number; each round counts once, in the copy OUT/rounds marks canonical
(a report alone and in an agenda pack, a tracker restating it). Each row's outcome is the one stored at ingest, so
the history does not depend on today's rule files.

Plain Python over DuckDB's rows (no pandas): `scrutiny stats` starts in a fraction of a
second. `frame(rows)` gives pandas users the same rows as a DataFrame.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.datasets.schema import FlagRow, HistoryRow, columns
from pipeline.datasets.views import connect, has_parts
from pipeline.text import fold
from pipeline.vocab import ACHIEVED, UNCATEGORISED

if TYPE_CHECKING:
    import pandas as pd

# A recommendation's identity across rounds (which copy of a round counts: datasets/rounds.py).
REC_KEY = ("council", "review_key", "rec_number")
# The recommendations columns a round carries: what the history and the challenge flags read.
ROUND_COLUMNS = ("report_id", "source_file", "council", "review_title", "review_key", "report_date", "rec_id", "rec_number",
                 "recommendation", "responsible_lead", "target_date", "target_dates", "completed_date",
                 "anticipated_date", "category_code", "category_label", "category_outcome", "category_scheme",
                 "achieved_late", "warnings", "flags")


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


def _order(values: tuple) -> tuple:
    """A sort key that puts unknown values (None) last, as SQL's NULLS LAST does."""
    return tuple((v is None, v) for v in values)


def key_of(row: dict, names: tuple[str, ...]) -> tuple:
    """The values of `names` in `row` (a recommendation's identity: REC_KEY)."""
    return tuple(row[n] for n in names)


def _all_rounds(data: Path) -> list[dict]:
    """Every recommendations row of a round's canonical copy (OUT/rounds: the counting rule)
    with its report's committee and `copies` (the report ids of every copy of the round),
    sorted by recommendation, report date and label."""
    if not has_parts(data, "recommendations"):
        return []
    cols = ", ".join(f"r.{c}" for c in ROUND_COLUMNS)
    cur = connect(data).execute(
        f"select {cols}, p.committee, coalesce((select list(c.report_id order by c.report_id) from rounds c "
        "where c.round_of = r.report_id and c.review_key = r.review_key), [r.report_id]) as copies "
        "from recommendations r join reports p using (report_id) where r.canonical")
    names = [d[0] for d in cur.description]
    recs = [dict(zip(names, values)) for values in cur.fetchall()]
    return sorted(recs, key=lambda r: _order((*key_of(r, REC_KEY), r["report_date"], r["rec_id"])))


_ROUNDS: dict[tuple, list[dict]] = {}  # every round under a data directory, by its path and stamp


def rounds(data: str | Path, as_of: dt.date | None = None) -> list[dict]:
    """Every tracking round of every recommendation (a `recommendations` row with its
    report's committee, `review_key` and `copies`), one copy of each report, sorted by
    recommendation and report date; with `as_of`, only reports dated up to that day.

    Read once per process while the datasets are unchanged (the annual report and `stats`
    by year ask for every year's history)."""
    path = Path(data).resolve()
    key = (str(path), _stamp(path))
    if key not in _ROUNDS:
        _ROUNDS.clear()
        _ROUNDS[key] = _all_rounds(path)
    every = _ROUNDS[key]
    if as_of is None:
        return every
    return [r for r in every if r["report_date"] is not None and r["report_date"] <= as_of]


def _history_row(key: tuple, g: list[dict]) -> HistoryRow:
    """One recommendation's row from its rounds `g` (in round order)."""
    council, review_key, number = key
    last = g[-1]
    outcome = last["category_outcome"]
    completed, target = last["completed_date"], last["target_date"]
    return HistoryRow(
        council=council, review_title=last["review_title"], review_key=review_key, rec_number=number,
        rec_id=last["rec_id"], first_report_date=g[0]["report_date"], last_report_date=last["report_date"],
        n_rounds=len(g), report_dates=[r["report_date"] for r in g],
        categories=[r["category_code"] for r in g],  # aligned with the rounds, nulls kept
        outcomes=[r["category_outcome"] or UNCATEGORISED for r in g],
        latest_category=last["category_code"], latest_label=last["category_label"], latest_outcome=outcome,
        category_scheme=last["category_scheme"], committee=last["committee"],
        achieved=outcome in ACHIEVED if outcome else None,
        # Stored at ingest: null where the record's scheme has no "achieved late" category.
        achieved_late=last["achieved_late"],
        rounds_to_achievement=next((i + 1 for i, r in enumerate(g) if r["category_outcome"] in ACHIEVED), None),
        target_date=target, completed_date=completed,
        days_late=(completed - target).days if completed and target else None,
        anticipated_date=last["anticipated_date"], portfolio=portfolio(last["responsible_lead"]),
        recommendation=last["recommendation"], responsible_lead=last["responsible_lead"],
        flags=list(last["flags"] or []),
    )


_ROWS: dict[tuple, list[HistoryRow]] = {}  # history rows of this process, by data, as_of and stamp


def history_rows(data: str | Path, as_of: dt.date | None = None) -> list[HistoryRow]:
    """Link every recommendation across its tracking rounds; one row each, sorted by
    council, review and number.

    With `as_of`, only reports dated up to that day count: the history as it stood then.
    """
    path = Path(data).resolve()
    key = (str(path), as_of, _stamp(path))
    if key not in _ROWS:
        if len(_ROWS) > 64:
            _ROWS.clear()
        _ROWS[key] = history_of(rounds(path, as_of))
    return list(_ROWS[key])


def history_of(recs: list[dict]) -> list[HistoryRow]:
    """The history rows of `recs` (rounds as `rounds` returns them): one per recommendation."""
    groups = itertools.groupby(recs, key=lambda r: key_of(r, REC_KEY))
    return group_portfolios([_history_row(k, list(g)) for k, g in groups])


def with_flags(recs: list[dict], flagged: list[FlagRow]) -> list[dict]:
    """`recs` with each round's `flags` taken from `flagged` (just derived) instead of the flags
    stored before, matched as the `recommendations` view joins them (new dicts: `rounds`
    caches its own)."""
    by_round = {(f.report_id, f.review_key, f.rec_id): f.flags for f in flagged}
    return [{**r, "flags": by_round.get((r["report_id"], r["review_key"], r["rec_id"]), [])} for r in recs]


def _stamp(data: Path) -> tuple:
    """What the datasets history reads look like now: each part's name, inode, size and
    modification time (a part added, replaced or removed changes it, however quickly)."""
    out = []
    for name in ("recommendations", "reports", "flags", "rounds"):
        for part in sorted((data / name).glob("**/*.parquet")):
            try:
                st = part.stat()
            except FileNotFoundError:  # replaced while we looked: stamp it as gone
                continue
            out.append((str(part), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def frame(rows: list[HistoryRow]) -> pd.DataFrame:
    """History rows as a pandas DataFrame with the history's columns."""
    import pandas as pd

    return pd.DataFrame([dataclasses.astuple(r) for r in rows], columns=list(columns("history")))


def history(data: str | Path, as_of: dt.date | None = None) -> pd.DataFrame:
    """`history_rows` as a DataFrame (no rows when nothing is tracked)."""
    return frame(history_rows(data, as_of))

