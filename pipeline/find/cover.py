"""Cover stage: the report's fields from its cover page.

Takes the document's pages (as lines); returns `CoverField`s with provenance, by the
labels of `rules/cover.yaml`. The council is found in `council.py`, the category scheme
in `fields/scheme.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.find.layout import split_segments
from pipeline.models import CoverField, Line, Page, union_bbox
from pipeline.rules import CoverFieldRule, Rules
from pipeline.settings import Settings
from pipeline.vocab import CoverName


def _label_regex(label: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in label.split())
    return re.compile(rf"^\s*{words}\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class _Label:
    rule: CoverFieldRule
    regex: re.Pattern[str]
    length: int


_COMPILED: dict[tuple, list[_Label]] = {}  # asked for on every page of every document: compiled once per rule set


def _labels(rules: Rules) -> list[_Label]:
    key = tuple((f.id, f.field, tuple(f.labels)) for f in rules.cover.fields)
    if key not in _COMPILED:
        out = [_Label(f, _label_regex(lbl), len(lbl)) for f in rules.cover.fields for lbl in f.labels]
        _COMPILED[key] = sorted(out, key=lambda x: -x.length)  # longest label first: "Date approved" before "Date"
    return _COMPILED[key]


def _match(line: Line, labels: list[_Label]) -> tuple[_Label, str] | None:
    for lab in labels:
        m = lab.regex.match(line.text)
        if m:
            return lab, line.text[m.end():].strip()
    return None


def _wrapped_labels(lines: list[Line], labels: list[_Label], settings: Settings) -> list[Line]:
    """Join label cells of a cover table that wrap ("Member who led the original" /
    "review:") to their first line, so that the label and its value read as one line."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if i + 1 < len(lines) and _match(ln, labels) is None:
            nxt = lines[i + 1]
            head = split_segments(ln, settings.segment_gap)
            below = split_segments(nxt, settings.segment_gap)
            close = 0 <= nxt.top - ln.bottom <= settings.label_line_gap * nxt.size
            if close and len(head) >= 2 and abs(below[0].x0 - head[0].x0) <= settings.align_tol:
                words = head[0].words + below[0].words + tuple(w for s in head[1:] + below[1:] for w in s.words)
                joined = Line(words)
                if _match(joined, labels) is not None:
                    out.append(joined)
                    i += 2
                    continue
        out.append(ln)
        i += 1
    return out


def fields_on(page: Page, rules: Rules) -> frozenset[str]:
    """The cover fields whose labels start a line of `page` (the contact e-mail left out:
    it is no cover field of its own)."""
    labels = _labels(rules)
    lines = _wrapped_labels(list(page.lines), labels, rules.layout.settings)
    return frozenset(hit[0].rule.field for ln in lines if (hit := _match(ln, labels))) - {CoverName.CONTACT_EMAIL}


def is_cover(found: frozenset[str], rules: Rules) -> bool:
    """Whether a page holding the cover fields `found` is a report's cover: at least
    `settings.cover_min_score` of them, the title counting twice."""
    return len(found) + (CoverName.TITLE in found) >= rules.layout.settings.cover_min_score


def cover_start(pages: tuple[Page, ...] | list[Page], rules: Rules, table_page: int) -> int:
    """Index in `pages` of the report's cover: the page up to `table_page` (the first
    table's page number) with the most distinct cover labels, the nearest to the table
    on a tie. In an agenda pack this skips the other items before the report; in a
    standalone report it is the first page. 0 when no page has a cover label."""
    labels = _labels(rules)
    best, best_score = 0, 0
    for k, page in enumerate(pages):
        if page.number > table_page:
            break
        found = {hit[0].rule.field for ln in page.lines if (hit := _match(ln, labels))}
        if len(found) >= best_score and found:
            best, best_score = k, len(found)
    return best


def cover_fields(pages: tuple[Page, ...] | list[Page], rules: Rules, max_pages: int = 2, start: int = 0) -> dict[str, CoverField]:
    """Return the cover-page fields found on `max_pages` pages from index `start`, by field name.

    A value continues on following lines of the same font size and weight that sit
    close below it and carry no label of their own (a title wrapped over two lines).
    """
    labels = _labels(rules)
    settings = rules.layout.settings
    out: dict[str, CoverField] = {}
    for page in pages[start:start + max_pages]:
        lines = _wrapped_labels(list(page.lines), labels, settings)
        i = 0
        while i < len(lines):
            hit = _match(lines[i], labels)
            i += 1
            if hit is None or hit[0].rule.field in out:
                continue
            lab, value = hit
            boxes = [lines[i - 1].bbox]
            last = lines[i - 1].words[-1]
            # A value in a table cell (set apart from its label) goes on only in its column.
            segs = split_segments(lines[i - 1], settings.segment_gap)
            value_x0 = segs[1].x0 - settings.edge_tol if len(segs) >= 2 and value.startswith(segs[1].text) else 0.0
            while i < len(lines) and value:
                nxt = lines[i]
                first = nxt.words[0]
                close = nxt.top - lines[i - 1].bottom <= settings.cover_line_gap * nxt.size
                if not (close and first.size == last.size and first.bold == last.bold) or _match(nxt, labels) \
                        or nxt.x0 < value_x0:
                    break
                value += " " + nxt.text
                boxes.append(nxt.bbox)
                i += 1
            bbox = union_bbox(boxes)
            assert bbox is not None
            out[lab.rule.field] = CoverField(lab.rule.field, " ".join(value.split()), page.number, bbox, lab.rule.id)
    return out
