"""Block stage, key/value layout: one two-column table per recommendation.

Labels sit in the left column ("Recommendation R 01", "Responsibility", "Target date
for completion", "Cabinet Member's assessment", "Evidence of progress"), values in the
right one, and a value may run over page breaks with an empty label cell.  The label
wording comes from the column synonyms of `rules/columns.yaml`, so a council's new
wording is a rules change.

1. A record opens at a row whose label names the recommendation column and carries a
   record label (`Recommendation R 01`; or a number-column label such as `Ref.` whose
   value is `R01`).  The left edge of its value is the value column's edge.
2. Each line is split at that edge: label words start a new row or continue the label
   above (a label cell of several lines, words broken mid-word re-joined); value words go
   to the current row's field.
3. A section heading, another document or a line of running text across both columns
   ends the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.find.header import ColumnVocabulary, norm
from pipeline.find.layout import section_end, split_segments, word_space
from pipeline.models import Cell, Line, RecBlock
from pipeline.rules import Rules
from pipeline.vocab import CellField

LAYOUT = "keyvalue"


@dataclass
class _Row:
    """One label/value row being read: label lines, the field they name, value lines."""

    label_lines: list[str]
    fld: CellField
    rule_id: str
    match_len: int
    last_label: Line
    values: list[Line] = field(default_factory=list)


@dataclass
class _Record:
    value_x0: float
    label: str = ""
    label_rule: str = ""
    title: tuple[str, str] | None = None  # the label of a title row above the table
    opened_as: str = ""  # the field the opening row's label named
    rows: list[_Row] = field(default_factory=list)

    def close(self) -> RecBlock | None:
        """The record's block (label "" when no record label was found: the caller says so)."""
        cells: dict[CellField, list[Line]] = {}
        rule_ids: dict[str, str] = {}
        for row in self.rows:
            if row.fld in (CellField.OTHER, CellField.NUMBER) or not row.values:
                continue
            cells.setdefault(row.fld, []).extend(row.values)
            rule_ids.setdefault(row.fld, row.rule_id)
        named = {r.fld for r in self.rows} - {CellField.OTHER, CellField.NUMBER, CellField.RECOMMENDATION}
        if not self.label and not (self.opened_as == "recommendation" and len(named) >= 2):
            return None  # a key/value table that is no recommendation (a form, a cover's details)
        header = "+".join(dict.fromkeys(r.rule_id for r in self.rows if r.fld != CellField.OTHER))
        columns = frozenset(r.fld for r in self.rows) - {CellField.OTHER}
        return RecBlock(self.label, self.label_rule, LAYOUT,
                        tuple(Cell(f, tuple(lines), rule_ids[f]) for f, lines in cells.items()), header, columns)


class KeyValueFinder:
    """Reads key/value tables for one rule set."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.settings = rules.layout.settings
        self.vocab = ColumnVocabulary(rules)

    def record_label(self, label: str) -> tuple[str, str] | None:
        """(printed record label, rule id) after the column name of a label text
        ("Recommendation R 01" -> "R 01"), or the whole text when it is a label ("R01")."""
        words = label.split()
        heads = [k for k in range(1, len(words)) if norm(" ".join(words[:k])) in self.vocab.names] + [0]
        for k in heads:
            tail = " ".join(words[k:])
            for r in self.rules.layout.rec_label:
                if r.regex.match(tail):
                    return tail, r.id
        return None

    def _opener(self, ln: Line, nxt: Line | None, space: float) -> tuple[float, _Row] | None:
        """A line opening a record: (value column edge, its label row), or None.

        The label may be broken over two lines in a narrow label column
        ("Recommend" / "ation R01", also over a page break): then the next line's label
        part completes it.
        `space` is the page's word space: cells are parted by more than `cell_gap` of them.
        """
        segs = split_segments(ln, self.settings.cell_gap * space)
        if len(segs) == 1 and len(ln.words) > 1 and self.vocab.is_fragment(ln.words[0].text):
            segs = [Line(ln.words[:1]), Line(ln.words[1:])]  # a broken word fills its cell: the rest is the value
        elif len(segs) == 1 and space >= self.settings.monospace_word_space:
            segs = self._after_label(ln, space)
        if len(segs) < 2:
            return None
        label = segs[0].text
        m = self.vocab.match(label)
        if m is None and nxt is not None:
            below = self._split(nxt, segs[1].x0)[0]
            if below is not None and abs(below.x0 - segs[0].x0) <= self.settings.align_tol \
                    and (below.page == ln.page + 1 or 0 <= below.top - ln.bottom <= self.settings.label_line_gap * ln.size):
                m = self.vocab.match(self.vocab.rejoin([label, below.text]))
        if m is None or m[0].field not in (CellField.RECOMMENDATION, CellField.NUMBER):
            return None
        return segs[1].x0, _Row([label], m[0].field, m[0].id, m[1], segs[0])

    def _after_label(self, ln: Line, space: float) -> list[Line]:
        """`ln` (set in a monospaced font, where every word space is alike) parted after its
        first words when they are a column name or a record label ("Recommendation",
        "Recommendation R01") and more than `cell_gap_min` spaces follow them: with tight
        cell padding a label and its value are closer than `cell_gap` spaces. `[ln]` otherwise."""
        words = ln.words
        for k in range(1, min(len(words), 5)):
            gap = words[k].x0 - words[k - 1].x1
            head = " ".join(w.text for w in words[:k])
            if gap > space * words[k].size * self.settings.cell_gap_min \
                    and (norm(head) in self.vocab.names or self.record_label(head) is not None):
                return [Line(words[:k]), Line(words[k:])]
        return [ln]

    def _split(self, ln: Line, value_x0: float) -> tuple[Line | None, Line | None]:
        cut = value_x0 - self.settings.edge_tol
        left = tuple(w for w in ln.words if w.x0 < cut)
        right = tuple(w for w in ln.words if w.x0 >= cut)
        return (Line(left) if left else None), (Line(right) if right else None)

    def _running_text(self, label: Line | None, value: Line | None, value_x0: float, space: float) -> bool:
        """A line of running text across both columns: a word over the value column's edge,
        or label and value words one plain word space apart, unless the label begins a
        column name and the value starts on the value column's edge (a monospaced font with
        tight cell padding sets a label and its value little more than a space apart)."""
        if label is None or value is None:
            return False
        size = label.words[-1].size
        if label.x1 > value_x0 + self.settings.edge_tol:
            return True
        if value.x0 - label.x1 >= self.settings.running_text_space * space * size:
            return False
        return not (abs(value.x0 - value_x0) <= self.settings.align_tol and self.vocab.begins_name(label.text))

    def _unfinished(self, text: str) -> bool:
        """Whether a label text must go on: the first words of a longer column name
        ("Target date for"), a word broken mid-word ("Recommendati"), a connector at its
        end or an open bracket ("Evidence of Progress (and Anticipated")."""
        key = norm(text)
        last = key.rsplit(" ", 1)[-1] if key else ""
        if key in self.vocab.names or self.record_label(text) is not None:  # "Due Date", "Rec. R02"
            return False
        return (key in self.vocab.name_starts or last in self.vocab.connectors or text.count("(") > text.count(")")
                or (last in self.vocab.prefixes and last not in self.vocab.words))

    def _continues(self, row: _Row, label: Line, page_top: bool = False) -> bool:
        """Whether a label line goes on with the label cell above rather than start a row
        (`page_top`: the page's first label line, which may go on with a label cell that
        broke over the page end)."""
        above = row.last_label
        # Only an unfinished label goes on ("Evidence of Progress (and Anticipated" /
        # "Completion Date if 'Not Achieved')"); a whole column name ("Due Date") ended its row.
        finished = not self._unfinished(self.vocab.rejoin(row.label_lines))
        if label.page != above.page:  # over a page break: no gap to go by
            if not (page_top and label.page == above.page + 1):
                return False
            # "Evidence of Progress" / "(and Anticipated …": a line that begins no column name goes on.
            return not finished or not self.vocab.begins_name(label.text)
        if label.top - above.bottom > self.settings.label_line_gap * label.size:
            return False
        # Close below: the same cell, unless the label above is finished and this line begins
        # another column name ("Responsibility" / "Target date for": rows without spacing).
        starts = self.vocab.starts_with_name(label.text)
        return not (finished and starts is not None and starts.field != row.fld)

    def _new_row(self, label: Line) -> _Row:
        m = self.vocab.match(label.text)
        if m is None:
            return _Row([label.text], CellField.OTHER, "col.unmatched", 0, label)
        return _Row([label.text], m[0].field, m[0].id, m[1], label)

    def _grow(self, row: _Row, label: Line) -> None:
        row.label_lines.append(label.text)
        row.last_label = label
        m = self.vocab.match(self.vocab.rejoin(row.label_lines))
        if m is not None and m[1] >= row.match_len:
            row.fld, row.rule_id, row.match_len = m[0].field, m[0].id, m[1]

    def _settle_label(self, rec: _Record) -> None:
        """Take the record label from the opening row's label text, its first value (a
        `No. | R01` row), or the title row above the table (`Recommendation R01`)."""
        if rec.label or not rec.rows:
            return
        row = rec.rows[0]
        in_label = self.record_label(self.vocab.rejoin(row.label_lines))
        in_value = self.record_label(" ".join(v.text for v in row.values)) if row.fld == CellField.NUMBER else None
        if row.fld == CellField.NUMBER and in_value is None:
            row.fld = CellField.RECOMMENDATION  # "Rec. R01 | text" or "Rec. | text": the value is the recommendation
        found = in_label or in_value or rec.title
        if found is not None:
            rec.label, rec.label_rule = found

    def title_row(self, ln: Line, space: float) -> tuple[str, str] | None:
        """A full-width title row naming the record of the table under it ("Recommendation R01"):
        one cell, a column name followed by a record label and nothing else (in a monospaced
        font, not a label and its value a little more than a space apart: "Assessment  1")."""
        if len(split_segments(ln, self.settings.cell_gap * space)) != 1:
            return None
        if space >= self.settings.monospace_word_space and len(self._after_label(ln, space)) > 1:
            return None
        words = ln.text.split()
        if len(words) < 2 or norm(words[0]) not in self.vocab.names:
            return None
        return self.record_label(ln.text)

    def blocks(self, content: list[list[Line]], body_size: float) -> list[RecBlock]:
        """Every key/value recommendation table in the document's content lines."""
        out: list[RecBlock] = []
        rec: _Record | None = None
        title: tuple[str, str] | None = None

        def close() -> None:
            nonlocal rec
            if rec is not None:
                self._settle_label(rec)
                block = rec.close()
                if block is not None:
                    out.append(block)
            rec = None

        for p, lines in enumerate(content):
            space = word_space(lines, self.settings)
            page_top = True  # no label line read on this page yet
            # The line after each: the next on the page, or the first of the next page.
            following = [*lines[1:], next((nxt[0] for nxt in content[p + 1:] if nxt), None)]
            for k, ln in enumerate(lines):
                if section_end(ln, body_size, self.rules):
                    close()
                    continue
                named = self.title_row(ln, space)
                if named is not None:
                    close()
                    title = named
                    continue
                opened = self._opener(ln, following[k], space)
                if opened is not None and (rec is None or self._split(ln, rec.value_x0)[0] is not None):
                    row = opened[1]
                    if rec is not None and rec.rows and self._continues(rec.rows[-1], row.last_label):
                        pass  # a wrapped label ("Recommendation" / "R 01") is not a new record
                    else:
                        close()
                        rec = _Record(opened[0], title=title, opened_as=row.fld)
                        title = None
                        rec.rows.append(row)
                        _, value = self._split(ln, rec.value_x0)
                        if value is not None:
                            row.values.append(value)
                        continue
                if rec is None:
                    continue
                label, value = self._split(ln, rec.value_x0)
                if self._running_text(label, value, rec.value_x0, space):
                    close()  # a paragraph across both columns: the table has ended
                    continue
                if label is not None:
                    row = rec.rows[-1]
                    if self._continues(row, label, page_top):
                        self._grow(row, label)
                    else:
                        self._settle_label(rec)
                        rec.rows.append(self._new_row(label))
                    page_top = False
                if value is not None:
                    rec.rows[-1].values.append(value)
        close()
        return out


def keyvalue_blocks(content: list[list[Line]], rules: Rules, body_size: float) -> list[RecBlock]:
    """Return the recommendation blocks of key/value tables in `content` (lines per page)."""
    return KeyValueFinder(rules).blocks(content, body_size)
