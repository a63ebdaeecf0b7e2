"""Report stage: a document is a sequence of reports, each opened by its cover.

An agenda pack holds two or three tracking reports among unrelated items; each has its
own cover (a page with several cover labels: "Report of:", "To:", "Date:", the title),
its own key and tables. `split_reports(pages, rules)` cuts the pages read into
`Segment`s, one per cover, so that each report's tables, cover fields, council and
scheme are read from its own pages and never from another report's.

- A page is a cover when it holds `settings.cover_min_score` distinct cover fields
  (`cover.is_cover`). A cover page straight after another (the next page of the file)
  that repeats none of its fields goes on with it (a cover of two pages).
- The pages before the first cover form a segment of their own: a table there is still
  read, under a report that no cover claims (`Segment.cover` None).
- Segments without a recommendation table are dropped by the caller (the covers of the
  pack's other items).
- Within a segment, labels that start again from the first number (R01 … R05, then R01)
  with no review column to tell the rows apart are another report's table that no cover
  opened (`restarts`): it is read under a report of its own, never under this cover.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.find.cover import fields_on, is_cover
from pipeline.models import Page, RecBlock
from pipeline.rules import Rules
from pipeline.text import rec_number
from pipeline.vocab import CellField


@dataclass(frozen=True)
class Segment:
    """The pages of one report (a slice of the pages read) and where its cover is."""

    pages: tuple[Page, ...]
    cover: int | None  # index in `pages` of the cover page (0), or None: no cover opened it
    rule_id: str  # "report.cover": opened by a cover page; "report.no_cover": the pages before any cover

    @property
    def first(self) -> int:
        return self.pages[0].number

    @property
    def last(self) -> int:
        return self.pages[-1].number


def split_reports(pages: tuple[Page, ...] | list[Page], rules: Rules) -> list[Segment]:
    """The pages cut into one segment per report cover (plus the pages before the first
    cover, when there are any), in page order."""
    pages = tuple(pages)
    starts: list[int] = []  # indices of the pages that open a report
    open_fields: frozenset[str] = frozenset()  # fields of the open cover (while its pages go on)
    for k, page in enumerate(pages):
        found = fields_on(page, rules)
        if not is_cover(found, rules):
            open_fields = frozenset()
            continue
        goes_on = (bool(open_fields) and page.number == pages[k - 1].number + 1 and not found & open_fields)
        if goes_on:
            open_fields |= found
        else:
            starts.append(k)
            open_fields = found
    if not starts:
        return [Segment(pages, None, "report.no_cover")] if pages else []
    out = [Segment(pages[: starts[0]], None, "report.no_cover")] if starts[0] > 0 else []
    for a, b in zip(starts, [*starts[1:], len(pages)]):
        out.append(Segment(pages[a:b], 0, "report.cover"))
    return out


def restarts(seg: Segment, blocks: tuple[RecBlock, ...]) -> list[tuple[Segment, tuple[RecBlock, ...]]]:
    """`seg`'s blocks cut where the numbering starts again (a label back at or below the
    segment's first number, after a higher one) in rows that name no review of their own:
    the cover keeps the first run; each later run is a report no cover opened."""
    runs: list[list[RecBlock]] = [[blocks[0]]]
    first = rec_number(blocks[0].label)
    for prev, b in zip(blocks, blocks[1:]):
        n, before = rec_number(b.label), rec_number(prev.label)
        own_review = b.cell(CellField.REVIEW) is not None or prev.cell(CellField.REVIEW) is not None
        if None not in (n, before, first) and n <= first and before > n and not own_review:  # type: ignore[operator]
            runs.append([b])
        else:
            runs[-1].append(b)
    if len(runs) == 1:
        return [(seg, blocks)]
    # Each run's pages: from its first table page (the segment's start for the first run)
    # up to the page before the next run starts, or its own last page when they share one.
    starts = [seg.first] + [min(p for b in run for p in b.pages) for run in runs[1:]]
    out = []
    for k, run in enumerate(runs):
        last = max(p for b in run for p in b.pages)
        end = max(last, starts[k + 1] - 1) if k + 1 < len(runs) else seg.last
        sub = tuple(p for p in seg.pages if starts[k] <= p.number <= end)
        out.append((seg if k == 0 and end == seg.last else
                    Segment(sub, seg.cover if k == 0 else None, seg.rule_id if k == 0 else "report.numbering_restart"),
                    tuple(run)))
    return out
