"""Completion statistics over the history: counts per group, council years.

`stats(history, by)`: per group, each recommendation counted once at its latest
assessment; `council_year` / `year_bounds` for municipal (May-April) and financial
(April-March) years.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from pipeline.datasets.history import history
from pipeline.vocab import ACHIEVED, COUNTED, GROUPS, UNCATEGORISED, Outcome

# First month of each kind of year: municipal May-April, financial April-March, calendar.
YEAR_START = {"municipal": 5, "financial": 4, "calendar": 1}
# The `stats --by` groupings that are years, and their kind.
YEAR_GROUPS = {"municipal-year": "municipal", "financial-year": "financial", "year": "calendar"}


def council_year(d: dt.date | None, kind: str = "municipal") -> str | None:
    """The municipal (May-April) or financial (April-March) year of a date, as `2016/17`;
    the calendar year as `2016`."""
    if d is None or pd.isna(d):
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


def _counts(g: pd.DataFrame, by: str, group: object) -> dict:
    outcome = g["latest_outcome"]
    ach = g[outcome.isin(ACHIEVED)]  # "achieved" counts achieved late too
    # Share late only among schemes that have an "achieved late" category.
    with_late = ach[ach["achieved_late"].notna()]
    late = int((outcome == Outcome.ACHIEVED_LATE).sum())
    rounds = ach["rounds_to_achievement"].dropna()
    return {
        by: group, "recommendations": len(g), "achieved": len(ach),
        **{str(o): int((outcome == o).sum()) for o in COUNTS[2:6]},
        # No category read: counted, never dropped.
        UNCATEGORISED: int((~outcome.isin(COUNTED)).sum()),
        "achieved_where_lateness_recorded": len(with_late),
        "share_late_of_achieved": round(late / len(with_late), 3) if len(with_late) else None,
        "median_rounds_to_achievement": float(rounds.median()) if len(rounds) else None,
    }


def of_council(hist: pd.DataFrame, council: str | None) -> pd.DataFrame:
    """The history of one council (all when None; names compared case-insensitively)."""
    if council is None or hist.empty:
        return hist
    return hist[hist["council"].fillna("").str.casefold() == council.casefold()].reset_index(drop=True)


def period(data: str | Path, label: str | None, kind: str, council: str | None = None) -> pd.DataFrame:
    """The counting rule of every yearly figure (`stats` by year and the annual report): the
    recommendations assessed in year `label`, each at its latest assessment up to the
    year's end (later rounds are not yet known); every one at its latest when `label` is None."""
    if label is None:
        return of_council(history(data), council)
    first, last = year_bounds(label, kind)
    hist = of_council(history(data, as_of=last), council)
    if hist.empty:
        return hist
    return hist[pd.to_datetime(hist["last_report_date"]).dt.date >= first].reset_index(drop=True)


def years(hist: pd.DataFrame, kind: str) -> list[str]:
    """The years (of `kind`) in which a recommendation of `hist` was assessed."""
    if hist.empty:
        return []
    dates = [*hist["first_report_date"], *hist["last_report_date"]]
    return sorted({y for y in (council_year(d, kind) for d in dates) if y})


def stats_by_year(data: str | Path, by: str, council: str | None = None) -> pd.DataFrame:
    """`stats` grouped by year (`by` one of YEAR_GROUPS) under the report's counting rule
    (`period`): a year's row counts what that year's annual report counts; "All" counts
    every recommendation once, at its latest assessment."""
    kind = YEAR_GROUPS[by]
    everything = of_council(history(data), council)
    if everything.empty:
        return stats(everything, by)  # one "All" row of zeros
    rows = [_counts(h, by, y) for y in years(everything, kind) if len(h := period(data, y, kind, council))]
    return pd.DataFrame([*rows, _counts(everything, by, "All")], columns=[by, *map(str, STATS_COLUMNS)])


def flag_counts(hist: pd.DataFrame, by: str, names: list[str]) -> pd.DataFrame:
    """Per group (and "All"): recommendations whose latest assessment carries each challenge
    flag of `names`, and how many carry any."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; choose from {', '.join(GROUPS)}")
    cols = [by, "recommendations", "flagged", *names]
    if hist.empty:
        return pd.DataFrame([{by: "All", **dict.fromkeys(cols[1:], 0)}], columns=cols)
    h = _grouped(hist)
    flags = h["flags"].map(lambda f: set(f) if f is not None else set())

    def row(group: object, mask: pd.Series) -> dict:
        f = flags[mask]
        return {by: group, "recommendations": int(mask.sum()), "flagged": int(f.map(bool).sum()),
                **{n: int(f.map(lambda s, n=n: n in s).sum()) for n in names}}

    key = h[GROUPS[by]].fillna("(unknown)")
    out = [row(group, key == group) for group in sorted(key.unique())]
    out.append(row("All", key == key))
    return pd.DataFrame(out, columns=cols)


def _grouped(hist: pd.DataFrame) -> pd.DataFrame:
    """The history with its grouping columns: calendar, municipal and financial year of the latest assessment."""
    h = hist.copy()
    h["year"] = pd.to_datetime(h["last_report_date"]).dt.year.astype("Int64").astype(str)
    h["municipal_year"] = h["last_report_date"].map(municipal_year)
    h["financial_year"] = h["last_report_date"].map(financial_year)
    return h


def stats(hist: pd.DataFrame, by: str = "year") -> pd.DataFrame:
    """Completion statistics per group, each recommendation counted once at its
    latest assessment (the last tracking round that reported it)."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; choose from {', '.join(GROUPS)}")
    cols = [str(c) for c in STATS_COLUMNS]
    if hist.empty:  # nothing tracked (yet, or in this period): one "All" row of zeros
        zero = {by: "All", **dict.fromkeys(cols[:len(COUNTS) + 1], 0), **dict.fromkeys(cols[len(COUNTS) + 1:])}
        return pd.DataFrame([zero], columns=[by, *cols])
    h = _grouped(hist)
    key = GROUPS[by]
    out = [_counts(g, by, group) for group, g in h.groupby(h[key].fillna("(unknown)"), sort=True)]
    out.append(_counts(h, by, "All"))
    return pd.DataFrame(out, columns=[by, *cols])
