"""Block stage: find recommendation tables and stitch each recommendation's cells.

Works from word positions only (no ruling lines), so ruled Word tables, unruled
text-aligned tables and one-table landscape trackers come out the same way:

1. A header row is a band of lines whose header cells (`header.py`: cells of several
   lines, words broken mid-word re-joined) match column synonyms of
   `rules/columns.yaml`; the left edges of its cells are the column edges.
2. A line whose number-column text is a record label (`rules/layout.yaml`) and
   whose recommendation text starts at that column's edge opens a new record.
3. Following lines are sliced into the columns, across page breaks, until the next
   record, a section heading (`Appendix 3 …`) or the end of the document.  A
   full-width "Evidence of Progress" row switches to full-width evidence lines.
   Repeated header rows are skipped wherever they appear.

Documents with no such table are read as key/value tables (`keyvalue.py`).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from dataclasses import dataclass, field

from pipeline.find.header import Header, HeaderFinder, norm
from pipeline.find.keyvalue import keyvalue_blocks
from pipeline.find.layout import page_lines, rejoin_broken_words, section_end, word_space
from pipeline.models import Cell, Column, Line, Page, RecBlock
from pipeline.rules import Rules
from pipeline.vocab import CellField


class TableFinder:
    """Detects header rows and slices lines into columns for one rule set."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.settings = rules.layout.settings
        self.headers = HeaderFinder(rules, self.settings)
        self.label_rules = rules.layout.rec_label
        self.evidence_rules = rules.columns.evidence_row
        # Vertical rulings found in scanned pages (page number -> (x, top, bottom) in points).
        self.rulings: dict[int, tuple[tuple[float, float, float], ...]] = {}

    def header_lines(self, lines: list[Line]) -> set[int]:
        """Indices of the lines of `lines` (one page) that belong to header rows, and of the
        page's first lines when they are made of header words only (the rest of a header
        row broken over the page end: "Assess" / "ment", at the same height on every page)."""
        keep = {k for h in self.headers.headers(lines) for k in range(h.start, h.start + h.n_lines)}
        vocab = self.headers.vocab
        for k, ln in enumerate(lines[: self.settings.max_header_lines]):
            # Header words only, bold like a header or holding a piece of a broken word.
            if not all(vocab.is_header_word(w.text) for w in ln.words) or not (
                    ln.bold or any(norm(w.text) not in vocab.words for w in ln.words)):
                break
            keep.add(k)
        return keep

    # -- content lines -------------------------------------------------------------
    def slice_line(self, line: Line, columns: list[Column]) -> dict[CellField, Line]:
        """Split a line's words among the columns: at the scan's rulings by each word's
        centre where the page has them (OCR boxes swell with specks and ruling remnants),
        else by the words' left edges."""
        edges = self.ruled_edges(line, columns) if line.page in self.rulings else None
        parts: dict[CellField, list] = {}
        for w in line.words:
            k = 0
            tol = self.settings.edge_tol if w.conf is None else self.settings.ocr_align_tol  # OCR boxes sit off the edge
            middle = (w.x0 + w.x1) / 2
            for j, c in enumerate(columns):
                edge = edges[j] if edges is not None else None
                if (middle >= edge) if edge is not None else (w.x0 >= c.x0 - tol):
                    k = j
            parts.setdefault(columns[k].field, []).append(w)
        return {f: Line(tuple(ws)) for f, ws in parts.items()}

    def ruled_edges(self, line: Line, columns: list[Column]) -> list[float | None]:
        """For each column, the scan's vertical ruling that is its left edge beside `line`:
        the last ruling after the previous column's start and at most `ocr_align_tol` right
        of this column's header (a header may be indented or centred in its cell); None
        where there is none (a text layer's page, an unruled table, the first column)."""
        found = self.rulings.get(line.page, ())
        reach = line.bottom - line.top
        xs = [x for x, top, bottom in found if top - reach <= line.top and bottom + reach >= line.bottom]
        edges: list[float | None] = [None]
        for prev, c in zip(columns, columns[1:]):
            between = [x for x in xs if prev.x0 < x <= c.x0 + self.settings.ocr_align_tol]
            edges.append(max(between) if between else None)
        return edges

    def record_label(self, line: Line, columns: list[Column]) -> tuple[str, str] | None:
        """Return (label, rule id) when `line` opens a new record, else None."""
        parts = self.slice_line(line, columns)
        num = parts.get(CellField.NUMBER)
        rec = parts.get(CellField.RECOMMENDATION)
        if num is None or rec is None:
            return None
        rec_col = next(c for c in columns if c.field == CellField.RECOMMENDATION)
        ocr = rec.words[0].conf is not None  # OCR'd boxes sit a few points off their text's edge
        if abs(rec.x0 - rec_col.x0) > (self.settings.ocr_align_tol if ocr else self.settings.align_tol):
            return None
        num_col = next(c for c in columns if c.field == CellField.NUMBER)
        if num.x0 > (num_col.x0 + rec_col.x0) / 2 and num_col.x0 < rec_col.x0:
            return None  # a label starts in its column's left half (centred ones too): not a speck right of it
        for r in self.label_rules:
            if r.regex.match(num.text.strip()):
                return num.text.strip(), r.id
        if ocr and self._unread_label(num, rec, num_col):
            return num.text.strip(), "label.ocr_unread"  # taken from its neighbours (repair_ocr_labels)
        return None

    def _unread_label(self, num: Line, rec: Line, num_col: Column) -> bool:
        """An OCR'd record label Tesseract could not read ("ay." for "R2"): one short word it
        doubted, where a label starts, before a recommendation that starts a sentence."""
        word = num.words[0]
        return (len(num.words) == 1 and len(word.text) <= 4 and word.conf is not None
                and word.conf < self.settings.ocr_min_confidence
                and word.x0 >= num_col.x0 - 2 * self.settings.ocr_align_tol and rec.words[0].text[:1].isupper())

    def heading_goes_on(self, heading: list[Line], line: Line) -> bool:
        """Whether `line` is the next line of a wrapped evidence-row heading: close below it,
        bold like it, or closing a bracket it opened (a bracket left open also goes on over a
        page break: "… if 'Not" / "Achieved')" on the next page)."""
        last = heading[-1]
        text = " ".join(h.text for h in heading)
        open_bracket = text.count("(") > text.count(")")
        if line.page == last.page + 1:
            return open_bracket
        if line.page != last.page or line.top - last.bottom > self.settings.header_line_gap * line.size:
            return False
        return (last.bold and line.bold) or open_bracket

    def evidence_row(self, line: Line) -> str | None:
        for r in self.evidence_rules:
            if r.regex.match(line.text):
                return r.id
        return None



@dataclass
class _Open:
    label: str
    label_rule: str
    header_rule: str
    layout: str
    columns: list[Column]
    cells: dict[CellField, list[Line]] = field(default_factory=dict)
    evidence_rule: str | None = None
    label_conf: float | None = None

    def add(self, fld: CellField, line: Line) -> None:
        self.cells.setdefault(fld, []).append(line)

    def close(self) -> RecBlock:
        rules = {c.field: c.rule_id for c in self.columns}
        cells = tuple(
            Cell(f, tuple(lines),
                 self.evidence_rule if f == CellField.EVIDENCE and self.evidence_rule else rules.get(f, "col.unmatched"))
            for f, lines in self.cells.items()
            if f != CellField.OTHER
        )
        columns = frozenset(c.field for c in self.columns) | ({CellField.EVIDENCE} if self.evidence_rule else set())
        return RecBlock(self.label, self.label_rule, self.layout, cells, self.header_rule, columns - {CellField.OTHER},
                        label_conf=self.label_conf)


def find_blocks(pages: tuple[Page, ...] | list[Page], rules: Rules) -> list[RecBlock]:
    """Return every recommendation block of a document, in reading order: the rows of
    tables with a header row, or else the key/value tables (one per recommendation)."""
    finder = TableFinder(rules)
    finder.rulings = {p.number: p.rulings for p in pages if p.rulings}
    content = page_lines(pages, rules, protect=finder.header_lines)
    sizes = [ln.size for lines in content for ln in lines]
    body_size = statistics.median(sizes) if sizes else rules.layout.settings.body_size_default
    blocks = _table_blocks(content, finder, body_size) or keyvalue_blocks(content, rules, body_size)
    return repair_ocr_labels(_whole_words(blocks), rules.layout.settings.ocr_min_confidence)


_LABEL_NUMBER = re.compile(r"^(\D*?)(\d+)(\D*)$")


def repair_ocr_labels(blocks: list[RecBlock], min_conf: float) -> list[RecBlock]:
    """The blocks with each OCR'd label Tesseract doubted (confidence below `min_conf`) that
    breaks its neighbours' sequence taken from them ("R05" between R02 and R04 is R03); the
    label read is kept in `label_read` for the self-check's warning."""
    parsed = [_LABEL_NUMBER.match(b.label) for b in blocks]
    out = list(blocks)
    for i, (b, m) in enumerate(zip(blocks, parsed)):
        if b.label_conf is None or b.label_conf >= min_conf:
            continue
        around = [(parsed[i - 1], 1)] if i > 0 else []
        around += [(parsed[i + 1], -1)] if i + 1 < len(blocks) else []
        if m is not None and all((int(m.group(2)) - int(n.group(2))) * step > 0 for n, step in around if n is not None):
            continue  # in order between its neighbours: a report may track R05 and R07 and not R06
        expected = {int(n.group(2)) + step for n, step in around if n is not None}
        shape = m or next((n for n, _ in around if n is not None), None)  # "ay." takes its neighbour's "R"
        if len(expected) != 1 or shape is None or (number := expected.pop()) < 0 \
                or (m is not None and number == int(m.group(2))):
            continue
        label = f"{shape.group(1)}{str(number).zfill(len(shape.group(2)))}{shape.group(3)}"
        out[i] = dataclasses.replace(b, label=label, label_rule="label.ocr_sequence", label_read=b.label)
    return out


def _whole_words(blocks: list[RecBlock]) -> list[RecBlock]:
    """The blocks with words broken mid-word by narrow columns re-joined in every cell."""
    return [dataclasses.replace(b, cells=tuple(dataclasses.replace(c, lines=rejoin_broken_words(c.lines))
                                               for c in b.cells)) for b in blocks]


class _TableReader:
    """Reads tables with a header row, page by page and line by line: one block per
    recommendation row (plus its evidence row). State: the open table and record."""

    def __init__(self, finder: TableFinder, body_size: float):
        self.finder, self.body_size = finder, body_size
        self.blocks: list[RecBlock] = []
        self.columns: list[Column] | None = None
        self.header_rule = ""
        self.current: _Open | None = None
        self.table_fonts: set[str] = set()  # fonts of the open table's lines
        self.last_band: list[Line] = []  # the header row that ended the previous page, if one did
        self.held: list[Line] = []  # lines ending the previous page that may open a header row (`last_band`)
        self.heading: list[Line] = []  # the lines of an evidence row's heading read so far

    def page(self, lines: list[Line]) -> None:
        """Read one page's content lines."""
        headers: dict[int, Header] = {h.start: h for h in self.finder.headers.headers(lines)}
        if self.last_band and 0 not in headers:  # a header row broken over the page end goes on here
            more = self.finder.headers.continued(self.last_band, lines, word_space(lines, self.finder.settings))
            if more is not None:
                headers[0] = more
                self.held = []
        self._release()  # held lines that opened no header row are the previous page's body after all
        self.last_band = []
        end = len(lines)
        if self.columns is not None or headers:
            covered = max((h.start + h.n_lines for h in headers.values()), default=0)
            opening = self.finder.headers.opening_at_end(lines)
            if opening is not None and opening >= covered:
                end, self.held = opening, lines[opening:]
                self.last_band = list(self.held)
        i = 0
        while i < end:
            header = headers.get(i)
            if header is not None:
                self.columns, self.header_rule = header.columns, header.rule_id
                self.table_fonts.update(f for h in lines[i:i + header.n_lines] for f in h.fonts)
                if i + header.n_lines == len(lines):
                    self.last_band = lines[i:]
                i += header.n_lines
                continue
            # A page set in none of the table's fonts, with no header row, is another
            # document (the next item of an agenda pack): the table ended.
            other_document = (i == 0 and self.current is not None and bool(self.table_fonts)
                              and not self.table_fonts & {f for other in lines for f in other.fonts})
            self.line(lines[i], ends_table=other_document)
            i += 1

    def line(self, ln: Line, ends_table: bool = False) -> None:
        """Read one content line below a header row (or outside any table)."""
        if ends_table or section_end(ln, self.body_size, self.finder.rules):
            self._close()
            self.columns = None
            self.table_fonts.clear()
            return
        if self.columns is None:
            return
        self.table_fonts.update(ln.fonts)
        label = self.finder.record_label(ln, self.columns)
        if label is not None:
            self._close()
            tracker = any(c.field == CellField.EVIDENCE for c in self.columns)
            self.current = _Open(label[0], label[1], self.header_rule, "tracker" if tracker else "row+evidence",
                                 self.columns)
            for fld, part in self.finder.slice_line(ln, self.columns).items():
                if fld != CellField.NUMBER:
                    self.current.add(fld, part)
                else:
                    confs = [w.conf for w in part.words if w.conf is not None]
                    self.current.label_conf = min(confs) if confs else None
        elif self.current is not None:
            self._body(ln, self.current, self.columns)

    def _body(self, ln: Line, current: _Open, columns: list[Column]) -> None:
        """A line of the open record: its row's cells, or its full-width evidence row."""
        if current.evidence_rule is None and current.layout != "tracker":
            rid = self.finder.evidence_row(ln)
            if rid is not None and abs(ln.x0 - columns[0].x0) <= self.finder.settings.align_tol * 2:
                current.evidence_rule = rid
                self.heading = [ln]
                return
        if self.heading and self.finder.heading_goes_on(self.heading, ln):
            self.heading.append(ln)  # the evidence row's heading wraps ("… if 'Not" / "Achieved')")
            return
        self.heading = []
        if current.evidence_rule is not None:
            current.add(CellField.EVIDENCE, ln)
        else:
            for fld, part in self.finder.slice_line(ln, columns).items():
                current.add(fld, part)

    def _release(self) -> None:
        """Read the held lines as the body lines they turned out to be."""
        held, self.held = self.held, []
        for ln in held:
            self.line(ln)

    def _close(self) -> None:
        if self.current is not None:
            self.blocks.append(self.current.close())
        self.current = None

    def finish(self) -> list[RecBlock]:
        """The blocks read, the last record closed."""
        self._release()
        self._close()
        return self.blocks


def _table_blocks(content: list[list[Line]], finder: TableFinder, body_size: float) -> list[RecBlock]:
    """Blocks of tables with a header row: one row (plus evidence) per recommendation."""
    reader = _TableReader(finder, body_size)
    for lines in content:
        reader.page(lines)
    return reader.finish()
