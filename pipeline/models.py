"""Typed, frozen records passed between pipeline stages.

Every record carries provenance: the source file, the page(s), a bounding box
(x0, top, x1, bottom in PDF points, origin top-left) and the id of the rule that
produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from pipeline import PARSER_VERSION
from pipeline.text import join_lines
from pipeline.vocab import CellField, Status

BBox = tuple[float, float, float, float]


def union_bbox(boxes: list[BBox] | tuple[BBox, ...]) -> BBox | None:
    """Return the smallest box holding all `boxes`, or None for none."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass(frozen=True)
class Word:
    """One word as pdfplumber positions it on a page (1-based page number)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    font: str = ""  # font name without its subset prefix ("ABCDEF+Arial-BoldMT" -> "Arial-BoldMT")
    conf: float | None = None  # OCR confidence 0-100 (None: the PDF's own text)

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class Page:
    """The words of one page and its geometry."""

    number: int
    width: float
    height: float
    words: tuple[Word, ...]
    lines: tuple[Line, ...]  # the words grouped into lines, top to bottom (read.lines)
    rotated_words: int = 0
    ocr_skew: float | None = None  # OCR'd: the degrees the scan was straightened by (None: text layer)
    unread_image: bool = False  # an image-only page that was not OCR'd (--ocr never, or no Tesseract)
    ocr_screened: bool = False  # an image-only page whose quick OCR (and the document's) showed no table
    # OCR'd: the vertical table rulings found in the scan, as (x, top, bottom) in PDF points;
    # words are cut into columns at them (the text layer's columns come from word gaps).
    rulings: tuple[tuple[float, float, float], ...] = ()
    scan_dpi: int | None = None  # an image-covered page: the resolution its largest image is stored at
    ocr_seconds: float | None = None  # OCR'd: seconds spent rendering, cleaning and reading it


@dataclass(frozen=True)
class Document:
    """What the reading stage returns for a readable PDF."""

    path: str
    sha256: str
    n_bytes: int
    pages: tuple[Page, ...]  # the pages read: all, or the pre-filter's choice
    n_pages: int = 0  # pages in the file

    @property
    def ocr_pages(self) -> tuple[int, ...]:
        """Numbers of the pages read by OCR."""
        return tuple(p.number for p in self.pages if p.ocr_skew is not None)


@dataclass(frozen=True)
class Line:
    """Words sharing a baseline, left to right (possibly a slice of a page line).

    Derived values are cached on first use (layout code asks for them many times).
    """

    words: tuple[Word, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @cached_property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @cached_property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @cached_property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @cached_property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @cached_property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    @cached_property
    def fonts(self) -> frozenset[str]:
        return frozenset(w.font for w in self.words if w.font)


@dataclass(frozen=True)
class Column:
    """A table column found from its header: field name, left edge, rule id."""

    field: CellField
    x0: float
    header: str
    rule_id: str


@dataclass(frozen=True)
class Cell:
    """The lines of one table cell, possibly stitched over several pages."""

    field: CellField
    lines: tuple[Line, ...]
    rule_id: str

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({ln.page for ln in self.lines}))

    @property
    def bbox(self) -> BBox | None:
        """Box of the cell on its first page."""
        if not self.lines:
            return None
        first = self.lines[0].page
        return union_bbox([ln.bbox for ln in self.lines if ln.page == first])

    @property
    def text(self) -> str:
        return join_lines([ln.text for ln in self.lines])

    @property
    def confidence(self) -> float | None:
        """The mean OCR confidence (0-100) of the cell's words; None for a text layer's."""
        confs = [w.conf for ln in self.lines for w in ln.words if w.conf is not None]
        return round(sum(confs) / len(confs), 1) if confs else None


@dataclass(frozen=True)
class RecBlock:
    """One recommendation as found in a table: its cells and where they came from."""

    label: str
    label_rule: str
    layout: str
    cells: tuple[Cell, ...]
    header_rule: str
    columns: frozenset[CellField] = frozenset()  # fields the table has a column (or label) for
    label_conf: float | None = None  # OCR'd label: Tesseract's confidence in it (None: text layer)
    label_read: str | None = None  # a label taken from its neighbours: what OCR read

    def cell(self, name: CellField) -> Cell | None:
        for c in self.cells:
            if c.field == name:
                return c
        return None

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({p for c in self.cells for p in c.pages}))


@dataclass(frozen=True)
class CoverField:
    """A cover-page value with its provenance."""

    field: str
    text: str
    page: int
    bbox: BBox
    rule_id: str


@dataclass(frozen=True)
class SubItem:
    label: str
    text: str


@dataclass(frozen=True)
class Provenance:
    """Where a normalised field came from."""

    field: str
    rule_id: str
    page: int | None
    bbox: BBox | None
    confidence: float | None = None  # OCR'd: mean confidence (0-100) of the words; None: text layer


@dataclass(frozen=True)
class Recommendation:
    """A normalised recommendation record (one row of `recommendations`)."""

    rec_id: str
    rec_number: int | None
    recommendation: str
    sub_items: tuple[SubItem, ...]
    responsibility: str
    responsible_lead: str | None
    responsible_partners: tuple[str, ...]
    target_text: str
    target_date: dt.date | None
    target_dates: tuple[dt.date, ...]
    completed_date: dt.date | None
    assessment_text: str
    category_code: int | None
    category_label: str | None
    category_outcome: str | None
    achieved_late: bool | None  # None where the scheme has no "achieved late" category, or no category
    evidence: str
    anticipated_date: dt.date | None
    page_first: int
    page_last: int
    layout: str
    provenance: tuple[Provenance, ...] = field(default=())
    warnings: tuple[str, ...] = ()  # self-check findings, each "code: detail" (check.py)
    # The review the record belongs to: its row's own review cell (a tracker over several
    # reviews), else its report's title; None when neither was found.
    review_title: str | None = None


@dataclass(frozen=True)
class SchemeCategory:
    """One category of the scheme a report was read with, as the rules define it."""

    code: int
    label: str
    outcome: str
    criteria: str


@dataclass(frozen=True)
class Report:
    """A normalised report record (one row of `reports`)."""

    council: str | None
    committee: str | None
    report_date: dt.date | None
    title: str | None
    report_of: str | None
    date_approved: dt.date | None
    review_lead_member: str | None
    lead_officer: str | None
    date_last_tracked: dt.date | None
    category_scheme: str | None
    scheme_rule: str | None
    provenance: tuple[Provenance, ...] = field(default=())
    scheme_categories: tuple[SchemeCategory, ...] = ()  # the scheme's definitions, kept with the data
    report_no: int = 1  # its place among the reports of its file (1 = first)
    page_first: int = 0  # the pages of the file it spans (cover to last table page)
    page_last: int = 0
    cover_found: bool = True  # False: no cover page opened this report (its cover fields may be empty)
    reviews: tuple[str, ...] = ()  # the review titles of its records, in order of first appearance


@dataclass(frozen=True)
class ReportRecords:
    """One report of a file and its recommendations."""

    report: Report
    recommendations: tuple[Recommendation, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """The outcome for one file (what the `files` row says, plus any records)."""

    source_file: str
    sha256: str
    n_bytes: int
    n_pages: int
    status: Status
    message: str
    seconds: float
    ingested_at: dt.datetime
    reports: tuple[ReportRecords, ...] = ()  # the tracking reports found in the file, in page order
    parser_version: str = PARSER_VERSION
    unlabelled: int = 0  # recommendation tables skipped for want of a record label
    # What every stage found (blocks, cells, cover fields, rule ids) when asked for (`inspect`,
    # `pipeline.extract_pdf(..., detail=True)`); a batch never carries it between processes.
    # An `extract.DocumentResult` (typed `object` here: models come before the stages).
    detail: object | None = field(default=None, compare=False, repr=False)

    @property
    def recommendations(self) -> tuple[Recommendation, ...]:
        """The records of every report of the file, in page order."""
        return tuple(r for rep in self.reports for r in rep.recommendations)

    @property
    def n_warnings(self) -> int:
        """Self-check warnings over the file's records, and the tables it had to skip."""
        return sum(len(r.warnings) for r in self.recommendations) + self.unlabelled
