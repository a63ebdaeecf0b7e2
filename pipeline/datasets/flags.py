"""Challenge flags: each round's self-assessment checked against its own dates (OUT/flags).

Derived with the history, from the written datasets only: per recommendation and round,
the flags of `rules/flags.yaml` that hold (late_but_claimed_on_time, overdue_in_progress,
regressed, ...). A round's flags depend on it and the round before, never on later ones.
Every file holding a report (a standalone PDF and its agenda-pack copy) gets its flags, so
the `recommendations` view shows them on each copy.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from pipeline.datasets.history import REC_KEY, key_of
from pipeline.datasets.schema import FlagRow
from pipeline.rules import FlagRules
from pipeline.vocab import ACHIEVED, FlagCheck


def _date(v: Any) -> dt.date | None:
    """A date from what DuckDB or a caller gives (date, datetime, pandas Timestamp; None and NaT unknown)."""
    if not isinstance(v, dt.date) or v != v:  # NaT is a datetime that differs from itself
        return None
    return v.date() if isinstance(v, dt.datetime) else v


def deadline(target_dates: Any) -> dt.date | None:
    """The latest of a round's target dates (each already a deadline: a month is its last day)."""
    dates = [d for d in (_date(t) for t in (target_dates if target_dates is not None else [])) if d is not None]
    return max(dates) if dates else None


def _completed_after(now: dict, prev: dict | None) -> bool:
    end, done = deadline(now["target_dates"]), _date(now["completed_date"])
    return end is not None and done is not None and done > end


def _completed_by(now: dict, prev: dict | None) -> bool:
    end, done = deadline(now["target_dates"]), _date(now["completed_date"])
    return end is not None and done is not None and done <= end


def _reported_after(now: dict, prev: dict | None) -> bool:
    end, when = deadline(now["target_dates"]), _date(now["report_date"])
    return end is not None and when is not None and when > end


def _anticipated_missing(now: dict, prev: dict | None) -> bool:
    # The self-check decided it once, with the scheme the record was read with.
    return any(str(w).startswith("no_anticipated_date") for w in (now["warnings"] if now["warnings"] is not None else []))


def _previous_anticipated_passed(now: dict, prev: dict | None) -> bool:
    if prev is None:
        return False
    promised, when = _date(prev["anticipated_date"]), _date(now["report_date"])
    return promised is not None and when is not None and promised < when


def _previously_achieved(now: dict, prev: dict | None) -> bool:
    return prev is not None and prev["category_outcome"] in ACHIEVED


CHECKS: dict[FlagCheck, Callable[[dict, dict | None], bool]] = {
    FlagCheck.COMPLETED_AFTER_DEADLINE: _completed_after,
    FlagCheck.COMPLETED_BY_DEADLINE: _completed_by,
    FlagCheck.REPORTED_AFTER_DEADLINE: _reported_after,
    FlagCheck.ANTICIPATED_DATE_MISSING: _anticipated_missing,
    FlagCheck.PREVIOUS_ANTICIPATED_PASSED: _previous_anticipated_passed,
    FlagCheck.PREVIOUSLY_ACHIEVED: _previously_achieved,
}


def round_flags(now: dict, prev: dict | None, rules: FlagRules) -> list[str]:
    """The flags that hold for one round (`now`, a recommendations row) after `prev`."""
    return [f.name for f in rules.flags if now["category_outcome"] in f.outcomes and CHECKS[f.check](now, prev)]


def flags_of(recs: list[dict], rules: FlagRules) -> list[FlagRow]:
    """One row per recommendation and round of `recs` (rounds as `history.rounds` returns
    them) that has flags, for every copy of its report."""
    out: list[FlagRow] = []
    for _, g in itertools.groupby(recs, key=lambda r: key_of(r, REC_KEY)):
        prev: dict | None = None
        for now in g:
            flags = round_flags(now, prev, rules)
            if flags:
                out += [FlagRow(report_id=copy, review_key=now["review_key"], rec_id=now["rec_id"], flags=flags)
                        for copy in now["copies"]]
            prev = now
    return out
