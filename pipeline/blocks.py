"""Block stage: find recommendation tables and stitch each recommendation's cells.

Works from word positions only (no ruling lines), so ruled Word tables, unruled
text-aligned tables and one-table landscape trackers come out the same way:

1. A header row is a line whose wide-gap segments (plus the lines of multi-line
   header cells under it) match column synonyms of `rules/columns.yaml`; the
   left edges of its segments are the column edges.
2. A line whose number-column text is a record label (`rules/layout.yaml`) and
   whose recommendation text starts at that column's edge opens a new record.
3. Following lines are sliced into the columns, across page breaks, until the next
   record, a section heading (`Appendix 3 …`) or the end of the document.  A
   full-width "Evidence of Progress" row switches to full-width evidence lines.
   Repeated header rows are skipped wherever they appear.
"""

from __future__ import annotations

import functools
import re
import statistics
from dataclasses import dataclass, field

from .layout import page_lines, split_segments
from .models import Cell, Column, Line, Page, RecBlock
from .rules import ColumnRule, Rules

_PUNCT = re.compile(r"[^\w\s#]")
_EDGE_TOL = 2.5  # points a word may start left of its column edge
_ALIGN_TOL = 3.5  # points between a record's first words and the column edges


@functools.lru_cache(maxsize=1 << 16)  # the same words recur on every line and page
def _norm(text: str) -> str:
    text = text.replace("’", "'").casefold()
    return " ".join(_PUNCT.sub(" ", text.replace("'s", "s")).split())


@dataclass
class _Header:
    columns: list[Column]
    n_lines: int
    rule_id: str


def _normed_synonyms(rules: list[ColumnRule]) -> list[tuple[ColumnRule, str]]:
    """(rule, " normalised synonym ") pairs, padded for whole-word `in` tests."""
    return [(rule, f" {_norm(syn)} ") for rule in rules for syn in rule.synonyms if _norm(syn)]


def _match_column(label: str, synonyms: list[tuple[ColumnRule, str]]) -> tuple[ColumnRule, int] | None:
    """Return the column rule whose synonym matches `label` best, with its length."""
    text = f" {_norm(label)} "
    best: tuple[ColumnRule, int] | None = None
    for rule, s in synonyms:
        if s in text and (best is None or len(s) - 2 > best[1]):
            best = (rule, len(s) - 2)
    return best


def _column_names(rules: list[ColumnRule]) -> dict[str, str]:
    """Normalised synonym -> column field."""
    return {_norm(syn): rule.field for rule in rules for syn in rule.synonyms}


def _split_joined(seg: Line, rules: list[ColumnRule], names: dict[str, str] | None = None) -> list[Line]:
    """Split a header segment made of several column names set too close to part by
    spaces ("Assessment Evidence of Progress") into one segment per name.

    Splits only when the words are exactly a run of whole synonyms of different
    columns and no synonym covers them all; otherwise returns the segment unchanged.
    """
    words = seg.words
    n = len(words)
    if n < 2:
        return [seg]
    names = names if names is not None else _column_names(rules)
    keys = [_norm(w.text) for w in words]
    if " ".join(keys) in names:
        return [seg]
    # best[i]: fewest pieces covering words[:i], with the pieces' fields and cut points.
    best: list[tuple[int, list[str], list[int]] | None] = [(0, [], [])] + [None] * n
    for end in range(1, n + 1):
        for start in range(end):
            prev = best[start]
            field = names.get(" ".join(keys[start:end]))
            if prev is None or field is None or field in prev[1]:
                continue
            cand = (prev[0] + 1, [*prev[1], field], [*prev[2], start])
            if best[end] is None or cand[0] < best[end][0]:  # type: ignore[index]
                best[end] = cand
    found = best[n]
    if found is None or found[0] < 2:
        return [seg]
    cuts = [*found[2], n]
    return [Line(tuple(words[a:b])) for a, b in zip(cuts, cuts[1:])]


_CONNECTORS = frozenset({"for", "of", "the", "and", "by"})


def _header_vocabulary(rules: Rules) -> set[str]:
    words = {"completion", "cabinet", "member", "members", "date"} | _CONNECTORS
    for col in rules.columns.columns:
        for syn in col.synonyms:
            words.update(_norm(syn).split())
    return words


class TableFinder:
    """Detects header rows and slices lines into columns for one rule set."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.vocab = _header_vocabulary(rules)
        # Header words that are not also everyday connectors, for the cheap line test.
        self.strong = self.vocab - _CONNECTORS
        self.names = _column_names(rules.columns.columns)
        self.synonyms = _normed_synonyms(rules.columns.columns)
        self.label_rules = rules.layout.rec_label
        self.evidence_rules = rules.columns.evidence_row
        self.end_rules = rules.layout.section_end

    # -- header rows -------------------------------------------------------------
    def _is_header_continuation(self, first: Line, prev: Line, ln: Line) -> bool:
        if ln.page != first.page or ln.top - prev.bottom > 0.8 * ln.size:
            return False
        if first.bold and ln.bold:
            return True
        return all(_norm(w.text) in self.vocab for w in ln.words if _norm(w.text))

    def header_at(self, lines: list[Line], i: int) -> _Header | None:
        """Return the header row starting at lines[i], or None."""
        first = lines[i]
        # Cheap rejection of body lines: a header names at least min_columns columns,
        # so at least that many of its words are header words.
        if sum(_norm(w.text) in self.strong for w in first.words) < self.rules.columns.min_columns:
            return None
        segs = [part for s in split_segments(first) for part in _split_joined(s, self.rules.columns.columns, self.names)]
        if len(segs) < self.rules.columns.min_columns:
            return None
        groups: list[list[Line]] = [[s] for s in segs]
        n = 1
        prev = first
        while i + n < len(lines) and n < 5 and self._is_header_continuation(first, prev, lines[i + n]):
            for s in split_segments(lines[i + n]):
                # A continuation segment belongs to the column whose edge it is under.
                k = max((j for j, g in enumerate(groups) if g[0].x0 - _ALIGN_TOL <= s.x0), default=0)
                groups[k].append(s)
            prev = lines[i + n]
            n += 1
        columns: list[Column] = []
        used: set[str] = set()
        for g in groups:
            label = " ".join(s.text for s in g)
            m = _match_column(label, self.synonyms)
            if m is None or m[0].field in used:
                columns.append(Column("other", g[0].x0, label, "col.unmatched"))
                continue
            used.add(m[0].field)
            columns.append(Column(m[0].field, g[0].x0, label, m[0].id))
        matched = [c for c in columns if c.field != "other"]
        if len(matched) < self.rules.columns.min_columns or not {"number", "recommendation"} <= used:
            return None
        rule_id = "+".join(c.rule_id for c in matched)
        return _Header(columns, n, rule_id)

    def header_lines(self, lines: list[Line], i: int) -> int:
        """Number of lines of the header row starting at lines[i] (0 when none)."""
        header = self.header_at(lines, i)
        return header.n_lines if header is not None else 0

    # -- content lines -------------------------------------------------------------
    @staticmethod
    def slice_line(line: Line, columns: list[Column]) -> dict[str, Line]:
        """Split a line's words among the columns by their left edges."""
        parts: dict[str, list] = {}
        for w in line.words:
            k = 0
            for j, c in enumerate(columns):
                if w.x0 >= c.x0 - _EDGE_TOL:
                    k = j
            parts.setdefault(columns[k].field, []).append(w)
        return {f: Line(tuple(ws)) for f, ws in parts.items()}

    def record_label(self, line: Line, columns: list[Column]) -> tuple[str, str] | None:
        """Return (label, rule id) when `line` opens a new record, else None."""
        parts = self.slice_line(line, columns)
        num = parts.get("number")
        rec = parts.get("recommendation")
        if num is None or rec is None:
            return None
        rec_col = next(c for c in columns if c.field == "recommendation")
        if abs(rec.x0 - rec_col.x0) > _ALIGN_TOL:
            return None
        for r in self.label_rules:
            if r.regex.match(num.text.strip()):
                return num.text.strip(), r.id
        return None

    def evidence_row(self, line: Line) -> str | None:
        for r in self.evidence_rules:
            if r.regex.match(line.text):
                return r.id
        return None

    def section_end(self, line: Line, body_size: float) -> bool:
        """A section heading ends the table: a bold or larger line matching `section_end`
        rules, or any heading set well above the table's text size (the next item of an
        agenda pack: "Work Programme", "Minutes", another report's title)."""
        if not (line.bold or line.size > body_size * 1.1):
            return False
        if line.size >= body_size * self.rules.layout.heading_size_ratio:
            return True
        return any(r.regex.match(line.text) for r in self.end_rules)


@dataclass
class _Open:
    label: str
    label_rule: str
    header_rule: str
    layout: str
    columns: list[Column]
    cells: dict[str, list[Line]] = field(default_factory=dict)
    evidence_rule: str | None = None

    def add(self, fld: str, line: Line) -> None:
        self.cells.setdefault(fld, []).append(line)

    def close(self) -> RecBlock:
        rules = {c.field: c.rule_id for c in self.columns}
        cells = tuple(
            Cell(f, tuple(lines), self.evidence_rule if f == "evidence" and self.evidence_rule else rules.get(f, "col.unmatched"))
            for f, lines in self.cells.items()
            if f != "other"
        )
        return RecBlock(self.label, self.label_rule, self.layout, cells, self.header_rule)


def find_blocks(pages: tuple[Page, ...] | list[Page], rules: Rules) -> list[RecBlock]:
    """Return every recommendation block of a document, in reading order."""
    finder = TableFinder(rules)
    content = page_lines(pages, rules, protect=finder.header_lines)
    sizes = [ln.size for lines in content for ln in lines]
    body_size = statistics.median(sizes) if sizes else 10.0
    blocks: list[RecBlock] = []
    columns: list[Column] | None = None
    header_rule = ""
    current: _Open | None = None
    table_fonts: set[str] = set()  # fonts of the open table's lines
    for lines in content:
        i = 0
        while i < len(lines):
            ln = lines[i]
            header = finder.header_at(lines, i)
            if header is not None:
                columns, header_rule = header.columns, header.rule_id
                table_fonts.update(f for h in lines[i:i + header.n_lines] for f in h.fonts)
                i += header.n_lines
                continue
            i += 1
            # A page set in none of the table's fonts, with no header row, is another
            # document (the next item of an agenda pack): the table ended.
            other_document = (i == 1 and current is not None and bool(table_fonts)
                              and not table_fonts & {f for other in lines for f in other.fonts})
            if other_document or finder.section_end(ln, body_size):
                if current is not None:
                    blocks.append(current.close())
                current, columns = None, None
                table_fonts.clear()
                continue
            if columns is None:
                continue
            table_fonts.update(ln.fonts)
            label = finder.record_label(ln, columns)
            if label is not None:
                if current is not None:
                    blocks.append(current.close())
                has_evidence_col = any(c.field == "evidence" for c in columns)
                current = _Open(label[0], label[1], header_rule,
                                "tracker" if has_evidence_col else "row+evidence", columns)
                for fld, part in finder.slice_line(ln, columns).items():
                    if fld != "number":
                        current.add(fld, part)
                continue
            if current is None:
                continue
            if current.evidence_rule is None and current.layout != "tracker":
                rid = finder.evidence_row(ln)
                if rid is not None and abs(ln.x0 - columns[0].x0) <= _ALIGN_TOL * 2:
                    current.evidence_rule = rid
                    continue
            if current.evidence_rule is not None:
                current.add("evidence", ln)
            else:
                for fld, part in finder.slice_line(ln, columns).items():
                    current.add(fld, part)
    if current is not None:
        blocks.append(current.close())
    return blocks
