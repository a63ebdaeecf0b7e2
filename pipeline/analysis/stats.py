"""Completion statistics over the history: counts per group, council years.

`stats(rows, by)`: per group, each recommendation counted once at its latest
assessment; `period` is the one rule that says which recommendations a year counts;
`council_year` / `year_bounds` for municipal (May-April) and financial (April-March)
years. Plain Python over history rows (no pandas), so `scrutiny stats` starts quickly;
`Table.frame()` gives a DataFrame.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.datasets.history import history_rows
from pipeline.datasets.schema import HistoryRow
from pipeline.vocab import ACHIEVED, COUNTED, GROUPS, UNCATEGORISED, Outcome

if TYPE_CHECKING:
    import pandas as pd

# First month of each kind of year: municipal May-April, financial April-March, calendar.
YEAR_START = {"municipal": 5, "financial": 4, "calendar": 1}
# The `stats --by` groupings that are years, and their kind.
YEAR_GROUPS = {"municipal-year": "municipal", "financial-year": "financial", "year": "calendar"}


def council_year(d: dt.date | None, kind: str = "municipal") -> str | None:
    """The municipal (May-April) or financial (April-March) year of a date, as `2016/17`;
    the calendar year as `2016`."""
    if not isinstance(d, dt.date) or d != d:  # None, or pandas' NaT (which differs from itself)
        return None
    if kind == "calendar":
        return str(d.year)
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
    if kind == "calendar":
        return dt.date(start, 1, 1), dt.date(start, 12, 31)
    if m.group(2) and int(m.group(2)[-2:]) != (start + 1) % 100:
        raise ValueError(f"year {label!r} does not span consecutive years")
    first = dt.date(start, YEAR_START[kind], 1)
    return first, dt.date(start + 1, YEAR_START[kind], 1) - dt.timedelta(days=1)


# The columns of `stats`, after the grouping column: counts, then two ratios.
COUNTS = ("recommendations", "achieved", Outcome.ACHIEVED_LATE, Outcome.NOT_ACHIEVED, Outcome.IN_PROGRESS,
          Outcome.WITHDRAWN, UNCATEGORISED)
# `achieved_where_lateness_recorded`: the achieved recommendations whose scheme has an
# "achieved late" category, the figure `share_late_of_achieved` is over.
STATS_COLUMNS = (*COUNTS, "achieved_where_lateness_recorded", "share_late_of_achieved", "median_rounds_to_achievement")
UNKNOWN = "(unknown)"  # the group of a recommendation whose grouping value is missing


@dataclass(frozen=True)
class Table:
    """A result table: its column names, and one dict per row keyed by them."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]

    def row(self, first: object) -> dict[str, Any]:
        """The row whose first column is `first` (e.g. "All"); KeyError when none is."""
        for r in self.rows:
            if r[self.columns[0]] == first:
                return r
        raise KeyError(first)

    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))


def _counts(rows: list[HistoryRow], by: str, group: object) -> dict[str, Any]:
    """One row of `stats`: the counts and ratios of `rows`, under `group` in column `by`."""
    ach = [r for r in rows if r.latest_outcome in ACHIEVED]  # "achieved" counts achieved late too
    # Share late only among schemes that have an "achieved late" category.
    with_late = [r for r in ach if r.achieved_late is not None]
    late = sum(r.latest_outcome == Outcome.ACHIEVED_LATE for r in rows)
    to_achieve = [r.rounds_to_achievement for r in ach if r.rounds_to_achievement is not None]
    return {
        by: group, "recommendations": len(rows), "achieved": len(ach),
        **{str(o): sum(r.latest_outcome == o for r in rows) for o in COUNTS[2:6]},
        # No category read: counted, never dropped.
        UNCATEGORISED: sum(r.latest_outcome not in COUNTED for r in rows),
        "achieved_where_lateness_recorded": len(with_late),
        "share_late_of_achieved": round(late / len(with_late), 3) if with_late else None,
        "median_rounds_to_achievement": float(statistics.median(to_achieve)) if to_achieve else None,
    }


def group_of(row: HistoryRow, by: str) -> str:
    """The group of one recommendation under `stats --by` (years of its latest assessment)."""
    if by in YEAR_GROUPS:
        value: object = council_year(row.last_report_date, YEAR_GROUPS[by])
    else:
        value = getattr(row, GROUPS[by])
    return UNKNOWN if value is None else str(value)


def _groups(rows: list[HistoryRow], by: str) -> dict[str, list[HistoryRow]]:
    """`rows` by their group under `stats --by` (ValueError for an unknown grouping), sorted by group."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; choose from {', '.join(GROUPS)}")
    groups: dict[str, list[HistoryRow]] = {}
    for r in rows:
        groups.setdefault(group_of(r, by), []).append(r)
    return dict(sorted(groups.items()))


def of_council(rows: list[HistoryRow], council: str | None) -> list[HistoryRow]:
    """The history rows of one council (all when None; names compared case-insensitively)."""
    if council is None:
        return rows
    return [r for r in rows if (r.council or "").casefold() == council.casefold()]


def period(data: str | Path, label: str | None, kind: str, council: str | None = None) -> list[HistoryRow]:
    """The counting rule of every yearly figure (`stats` by year and the annual report): the
    recommendations assessed in year `label`, each at its latest assessment up to the
    year's end (later rounds are not yet known); every one at its latest when `label` is None."""
    if label is None:
        return of_council(history_rows(data), council)
    first, last = year_bounds(label, kind)
    return [r for r in of_council(history_rows(data, as_of=last), council)
            if r.last_report_date is not None and r.last_report_date >= first]


def years(rows: list[HistoryRow], kind: str) -> list[str]:
    """The years (of `kind`) in which a recommendation of `rows` was assessed."""
    dates = [d for r in rows for d in (r.first_report_date, r.last_report_date)]
    return sorted({y for y in (council_year(d, kind) for d in dates) if y})


def stats(rows: list[HistoryRow], by: str = "year") -> Table:
    """Completion statistics per group, each recommendation counted once at its latest
    assessment (the last tracking round that reported it), and an "All" row."""
    groups = _groups(rows, by)
    # Nothing tracked (yet, or in this period) still gives the "All" row, of zeros.
    return Table((by, *map(str, STATS_COLUMNS)), (*(_counts(g, by, k) for k, g in groups.items()),
                                                   _counts(rows, by, "All")))


def stats_by_year(data: str | Path, by: str, council: str | None = None) -> Table:
    """`stats` grouped by year (`by` one of YEAR_GROUPS) under the report's counting rule
    (`period`): a year's row counts what that year's annual report counts; "All" counts
    every recommendation once, at its latest assessment."""
    kind = YEAR_GROUPS[by]
    everything = period(data, None, kind, council)
    rows = [_counts(p, by, y) for y in years(everything, kind) if (p := period(data, y, kind, council))]
    return Table((by, *map(str, STATS_COLUMNS)), (*rows, _counts(everything, by, "All")))


def flag_counts(rows: list[HistoryRow], by: str, names: list[str]) -> Table:
    """Per group (and "All"): recommendations whose latest assessment carries each challenge
    flag of `names`, and how many carry any."""
    groups = _groups(rows, by)

    def row(group: str, members: list[HistoryRow]) -> dict[str, Any]:
        return {by: group, "recommendations": len(members), "flagged": sum(bool(r.flags) for r in members),
                **{n: sum(n in r.flags for r in members) for n in names}}

    return Table((by, "recommendations", "flagged", *names), (*(row(k, g) for k, g in groups.items()), row("All", rows)))
