"""Printed dates to `datetime.date` with deadline semantics (docs/normalisation.md).

A printed period means its last day: `April 2015` -> 2015-04-30, `Spring 2016` ->
2016-05-31, `2016/17` -> 2017-03-31, `Q1 2017/18` -> 2017-06-30, `2017` -> 2017-12-31.
Patterns and their ids live in `rules/dates.yaml`; day-level dates are read by
dateutil in UK day-first order.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

from pipeline.rules import DatePattern, Rules


@dataclass(frozen=True)
class DateMatch:
    """A date expression found in text: span, printed text, value and rule id."""

    start: int
    end: int
    text: str
    value: dt.date
    rule_id: str


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _second_year(first: int, text: str) -> int | None:
    """The second year of `2016/17` or `2016-2017`; None when not the next year."""
    y2 = int(text)
    if y2 < 100:
        y2 += (first // 100) * 100
        if y2 < first:
            y2 += 100
    return y2 if y2 == first + 1 else None


def _month_number(name: str) -> int:
    return dateparser.parse(f"1 {name} 2000", dayfirst=True).month


class _NotThisKind(Exception):
    """The text matched a pattern but is not that kind of date (2015-2019 is no FY)."""


def _value(rule: DatePattern, g: dict[str, str], rules: Rules) -> dt.date | None:
    kind = rule.kind
    year = _year(g["year"])
    if kind == "day":
        month = int(g["month"]) if g["month"].isdigit() else _month_number(g["month"])
        try:
            return dt.date(year, month, int(g["day"]))
        except ValueError:
            return None
    if kind == "month":
        return _month_end(year, _month_number(g["month"]))
    if kind == "season":
        month, day = rules.dates.seasons[g["season"].lower()]
        if day == 0:  # winter runs into the next year's February
            return _month_end(year + 1, month)
        return dt.date(year, month, day)
    if kind == "fy":
        y2 = _second_year(year, g["year2"])
        if not y2:
            raise _NotThisKind
        return dt.date(y2, 3, 31)
    if kind == "fy_quarter":
        y2 = _second_year(year, g["year2"])
        if not y2:
            raise _NotThisKind
        start = dt.date(year, 4, 1) + relativedelta(months=3 * (int(g["quarter"]) - 1))
        return start + relativedelta(months=3) - dt.timedelta(days=1)
    if kind == "quarter":
        return _month_end(year, 3 * int(g["quarter"]))
    if kind == "year":
        return dt.date(year, 12, 31)
    raise ValueError(f"unknown date kind {kind}")


def find_dates(text: str, rules: Rules) -> list[DateMatch]:
    """Return the date expressions of `text` in reading order, without overlaps.

    Where expressions overlap the earliest, then the longest, then the first rule wins.
    """
    found: list[tuple[int, int, int, DatePattern, dict[str, str]]] = []
    for prio, rule in enumerate(rules.dates.patterns):
        for m in rule.regex.finditer(text):
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
            found.append((m.start(), -(m.end() - m.start()), prio, rule, groups))
    found.sort(key=lambda t: (t[0], t[1], t[2]))
    out: list[DateMatch] = []
    end = -1
    for start, neglen, _, rule, groups in found:
        if start < end:
            continue
        try:
            value = _value(rule, groups, rules)
        except _NotThisKind:
            continue
        stop = start - neglen
        end = stop  # an impossible date (31/02/2016) hides no weaker reading of its text
        if value is not None:
            out.append(DateMatch(start, stop, text[start:stop], value, rule.id))
    return out


def is_null_value(text: str, rules: Rules) -> bool:
    """True for printed values that mean "no date" (`Ongoing`, `TBC`, `N/A`, `-`, empty)."""
    t = text.strip().strip(".").casefold()
    return not t or t in rules.dates.null_values


def parse_date(text: str | None, rules: Rules) -> dt.date | None:
    """Return the first date in `text` (deadline semantics), or None."""
    if text is None or is_null_value(text, rules):
        return None
    found = find_dates(text, rules)
    return found[0].value if found else None
