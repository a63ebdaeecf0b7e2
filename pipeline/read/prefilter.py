"""Pre-filter stage: pick the pages of a long document worth parsing in full.

Agenda packs run to hundreds of pages, of which a tracking report is a few. Full
word-level parsing costs tens of milliseconds a page; the cheap text of every page
(`read.page_texts`, pdfium) is enough to find the report. Rules: `rules/prefilter.yaml`.

`select_pages(texts, rules)` takes one text per page (page 1 first) and returns a
`PageSelection`: the 1-based page numbers to parse (None = all) and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.rules import Rules


@dataclass(frozen=True)
class PageSelection:
    """Pages to parse in full (None: every page), with the rule ids that chose them."""

    pages: tuple[int, ...] | None
    n_pages: int
    table_pages: tuple[int, ...] = ()
    rule_ids: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for a file's message, e.g. `pages 80-86 of 200 (pre-filter)`."""
        if self.pages is None:
            return f"all {self.n_pages} page(s)"
        return f"pages {_ranges(self.pages)} of {self.n_pages} (pre-filter)"


def _ranges(pages: tuple[int, ...]) -> str:
    out: list[str] = []
    start = prev = pages[0]
    for p in [*pages[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if p is not None:
            start = prev = p
    return ", ".join(out)


def _word_pattern(synonyms: list[str]) -> re.Pattern[str]:
    alts = sorted({re.escape(s.strip()).replace(r"\ ", r"\s+") for s in synonyms if s.strip()}, key=len, reverse=True)
    # Word edges by hand: synonyms may end in punctuation ("No.") where \b fails.
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])", re.IGNORECASE)


@lru_cache(maxsize=8)
def _column_patterns(cols: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[re.Pattern[str], list[re.Pattern[str]]]:
    """(recommendation pattern, other columns' patterns) from (field, synonyms) pairs."""
    rec = _word_pattern([s for f, syns in cols if f == "recommendation" for s in syns])
    # Short, common names ("No", "#", "Lead") say nothing on a page of prose; only
    # names of four letters or more count for the other columns. A review column is
    # optional (trackers over several reviews) and "review" is common in prose: not counted.
    others = [_word_pattern([s for s in syns if len(s) >= 4]) for f, syns in cols
              if f not in ("recommendation", "number", "review") and any(len(s) >= 4 for s in syns)]
    return rec, others


def is_table_page(text: str, rules: Rules) -> bool:
    """Whether a page's text names the recommendation column and enough other columns."""
    rec, others = _column_patterns(tuple((c.field, tuple(c.synonyms)) for c in rules.columns.columns))
    if not rec.search(text):
        return False
    return sum(1 for p in others if p.search(text)) >= rules.prefilter.min_other_columns


def select_pages(texts: list[str], rules: Rules) -> PageSelection:
    """Choose the pages to parse from each page's cheap text (index 0 = page 1)."""
    pre = rules.prefilter
    n = len(texts)
    if n < pre.min_pages:
        return PageSelection(None, n)
    tables = [i + 1 for i, t in enumerate(texts) if is_table_page(t, rules)]
    markers: dict[int, str] = {}
    for i, t in enumerate(texts):
        for m in pre.markers:
            if m.regex.search(t):
                markers.setdefault(i + 1, m.id)
    # Runs of table and marker pages no more than max_gap apart; keep runs with a table page.
    seeds = sorted(set(tables) | set(markers))
    runs: list[list[int]] = []
    for p in seeds:
        if runs and p - runs[-1][-1] <= pre.max_gap + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    table_set = set(tables)
    chosen: set[int] = set()
    for run in runs:
        if not table_set.intersection(run):
            continue
        chosen.update(range(max(1, run[0] - pre.pages_before), min(n, run[-1] + pre.pages_after) + 1))
    ids = ["pre.table_page"] if tables else []
    ids += sorted({markers[p] for p in chosen if p in markers})
    return PageSelection(tuple(sorted(chosen)), n, tuple(tables), tuple(ids))
