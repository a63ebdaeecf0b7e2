"""Header rows and row labels: which column (or key/value label) a piece of text names.

Word and LibreOffice set narrow header cells over several lines and break long words
mid-word ("Responsibilit|y", "Executiv|e Assessm|ent"). `ColumnVocabulary` knows the
words of every column synonym in `rules/columns.yaml`, re-joins such broken words and
matches a cell's text to a column; `HeaderFinder` finds header rows (a band of up to
`max_header_lines` lines) and returns their columns with their left edges.  No council
wording lives here: every word comes from the rules.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from pipeline.find.layout import split_segments, word_space
from pipeline.models import Column, Line
from pipeline.rules import ColumnRule, Rules
from pipeline.settings import Settings
from pipeline.text import fold
from pipeline.vocab import CellField


@functools.lru_cache(maxsize=1 << 16)  # the same words recur on every line and page
def norm(text: str) -> str:
    """A header's comparison key (`text.fold`; "#" kept: "No." -> "no", "#" -> "#")."""
    return fold(text, keep="#")


@dataclass(frozen=True)
class Header:
    """A header row: its columns, and the lines it spans (`start` .. `start + n_lines`)."""

    columns: list[Column]
    start: int
    n_lines: int
    rule_id: str


class ColumnVocabulary:
    """The column synonyms of the rules, normalised, with the words they are made of."""

    def __init__(self, rules: Rules):
        cols = rules.columns.columns
        self.rules = cols
        self.synonyms = [(rule, f" {norm(syn)} ") for rule in cols for syn in rule.synonyms if norm(syn)]
        self.names = {norm(syn): rule.field for rule in cols for syn in rule.synonyms}
        # The first words of synonyms of several words ("cabinet members" of "Cabinet Member's Assessment").
        self.name_starts: dict[str, set[str]] = {}
        for name, fld in self.names.items():
            parts = name.split()
            for k in range(1, len(parts)):
                self.name_starts.setdefault(" ".join(parts[:k]), set()).add(fld)
        self.connectors = frozenset(norm(w) for w in rules.columns.connectors)
        self.words = {w for _, s in self.synonyms for w in s.split()} | self.connectors
        self.strong = frozenset(self.words - self.connectors)
        # Pieces of words broken over lines: a prefix starts a header word, a suffix ends one.
        self.prefixes = frozenset(w[:k] for w in self.strong for k in range(3, len(w)))
        self.suffixes = frozenset(w[k:] for w in self.words for k in range(1, len(w)))
        self._snapped: dict[tuple[str, int], str] = {}

    @functools.cached_property
    def _by_length(self) -> dict[int, list[str]]:
        """Column-name words and pieces of them, by length (for `snap`)."""
        out: dict[int, list[str]] = {}
        for w in self.words | self.prefixes | self.suffixes:
            out.setdefault(len(w), []).append(w)
        return out

    def snap(self, word: str, min_length: int) -> str:
        """An OCR'd word one letter away from a single column-name word or piece of one
        (`min_length` letters or more), as that: "Compileti" is "completi" of "Completion"
        broken over lines. Other words as they are."""
        key = (word, min_length)
        if key not in self._snapped:  # a page is looked at twice (header lines, then the table)
            self._snapped[key] = self._snap(word, min_length)
        return self._snapped[key]

    def _snap(self, word: str, min_length: int) -> str:
        w = norm(word)
        if len(w) < min_length or self.is_header_word(w):
            return word
        from spacy.matcher.levenshtein import levenshtein

        near = {c for n in (len(w) - 1, len(w), len(w) + 1) for c in self._by_length.get(n, ())
                if levenshtein(w, c) <= 1}
        return near.pop() if len(near) == 1 else word

    def is_strong(self, word: str) -> bool:
        """A column-name word, or the first piece (4+ letters) of one broken over lines."""
        w = norm(word)
        return w in self.strong or (len(w) >= 4 and w in self.prefixes)

    def is_fragment(self, word: str) -> bool:
        """The first piece of a column-name word broken mid-word ("Recommendatio")."""
        w = norm(word)
        return len(w) >= 3 and w in self.prefixes and w not in self.words

    def is_header_word(self, word: str) -> bool:
        """A word a header cell may hold: a column-name word or a piece of one."""
        w = norm(word)
        if not w or w in self.words or w in self.prefixes or w in self.suffixes:
            return True
        # Each part of a word OCR glued with a speck ("ent.of"): each must be one.
        return " " in w and all(p in self.words or p in self.prefixes or p in self.suffixes for p in w.split())

    def _joins(self, left: str, right: str) -> bool:
        a, b = norm(left.rstrip("-")), norm(right).split(" ", 1)[0]  # "ent.of": its first part
        if not a or not b or " " in a:
            return False
        joined = a + b
        if joined in self.words:
            return True
        return joined in self.prefixes and (a not in self.words or b not in self.words)

    def rejoin(self, pieces: list[str]) -> str:
        """Join a cell's lines into one text, re-joining words broken across lines."""
        out = ""
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            if not out:
                out = piece
                continue
            last = out.rsplit(" ", 1)[-1]
            first = piece.split(" ", 1)[0]
            if self._joins(last, first):
                out = out[: len(out) - len(last)] + last.rstrip("-") + piece
            else:
                out += " " + piece
        return out

    def match(self, label: str) -> tuple[ColumnRule, int] | None:
        """The column rule whose synonym occurs (as whole words) in `label`; the longest wins."""
        text = f" {norm(label)} "
        best: tuple[ColumnRule, int] | None = None
        for rule, s in self.synonyms:
            if s in text and (best is None or len(s) - 2 > best[1]):
                best = (rule, len(s) - 2)
        return best

    def starts_with_name(self, text: str) -> ColumnRule | None:
        """The column whose synonym `text` begins with (whole words; the longest wins)."""
        padded = f" {norm(text)} "
        best: tuple[ColumnRule, int] | None = None
        for rule, s in self.synonyms:
            if padded.startswith(s) and (best is None or len(s) > best[1]):
                best = (rule, len(s))
        return best[0] if best is not None else None

    def begins_name(self, text: str) -> bool:
        """Whether `text` begins like a column name: a whole synonym, the first words of one
        ("Cabinet Member's"), or the first piece of a broken column-name word ("Recommendati")."""
        words = norm(text).split()
        if not words:
            return False
        return (self.starts_with_name(text) is not None or self.is_fragment(words[0])
                or any(" ".join(words[:k]) in self.name_starts for k in range(1, len(words) + 1)))

    def split_joined(self, seg: Line) -> list[Line]:
        """Split a header segment made of several column names set too close to part by
        spaces ("Assessment Evidence of Progress") into one segment per name.

        Splits only when the words are exactly a run of pieces of different columns, each
        a whole synonym, the first words of one whose cell goes on below ("Cabinet
        Member's" | "Evidence of Progress", with "Assessment" on the next line) or the first
        piece of a word broken mid-word, which a word processor sets alone on its line
        ("Assessmen" | "Progress Update"); otherwise returns the segment unchanged.
        """
        words = seg.words
        n = len(words)
        if n < 2:
            return [seg]
        keys = [norm(w.text) for w in words]
        whole = " ".join(k for k in keys if k)  # punctuation alone ("/") has no key
        if whole in self.names or whole in self.name_starts:
            return [seg]
        # best[i]: (pieces, first words only, fields, cut points) covering words[:i]; fewest wins.
        best: list[tuple[int, int, list[str], list[int]] | None] = [(0, 0, [], [])] + [None] * n
        for end in range(1, n + 1):
            for start in range(end):
                prev = best[start]
                if prev is None:
                    continue
                key = " ".join(k for k in keys[start:end] if k)
                exact = self.names.get(key)
                options: list[tuple[str, int]] = [(exact, 0)] if exact else [(f, 1) for f in sorted(self.name_starts.get(key, ()))]
                if end == start + 1 and self.is_fragment(key):
                    # The first piece of a word broken mid-word stands alone in its cell.
                    options.append((f"?{start}", 1))
                for fld, partial in options:
                    if fld in prev[2]:
                        continue
                    cand = (prev[0] + 1, prev[1] + partial, [*prev[2], fld], [*prev[3], start])
                    cur = best[end]
                    if cur is None or cand[:2] < cur[:2]:
                        best[end] = cand
        found = best[n]
        if found is None or found[0] < 2:
            return [seg]
        cuts = [*found[3], n]
        return [Line(tuple(words[a:b])) for a, b in zip(cuts, cuts[1:])]


def _split_at_cell_edges(band: list[list[Line]], tol: float) -> list[list[Line]]:
    """Split a header line's segment where another line of the band starts a cell.

    A word broken mid-word fills its cell, so it may sit closer to the next cell's first
    word than a word space ("Responsibil Target"); the lines below show where that next
    cell begins ("ity" ... "Date For").
    """
    out = []
    for k, segs in enumerate(band):
        starts = [s.x0 for j, other in enumerate(band) if j != k for s in other]
        line: list[Line] = []
        for seg in segs:
            cut = [0] + [i for i, w in enumerate(seg.words) if i and any(abs(w.x0 - x) <= tol for x in starts)]
            cut.append(len(seg.words))
            line += [Line(seg.words[a:b]) for a, b in zip(cut, cut[1:])]
        out.append(line)
    return out


def _group_segments(band: list[list[Line]], tol: float) -> list[list[Line]]:
    """Put the segments of a header band's lines into column groups by horizontal overlap
    (a cell's later lines sit under its first); a segment under no group starts one."""
    groups: list[list[Line]] = []
    for segs in band:
        taken: list[list[Line]] = []  # two cells of one line are never one column
        for s in segs:
            hit = None
            for g in groups:
                if any(g is t for t in taken):
                    continue
                gx0, gx1 = min(x.x0 for x in g), max(x.x1 for x in g)
                if s.x0 < gx1 + tol and s.x1 > gx0 - tol:
                    hit = g
                    break
            if hit is None:
                # Under no text of the line above: the column whose left edge it follows.
                left = [g for g in groups if min(x.x0 for x in g) - tol <= s.x0 and not any(g is t for t in taken)]
                near = max(left, key=lambda g: min(x.x0 for x in g), default=None)
                if near is not None and s.x0 < max(x.x1 for x in near) + 2 * s.size:
                    hit = near
            if hit is None:
                hit = [s]
                groups.append(hit)
            else:
                hit.append(s)
            taken.append(hit)
    return sorted(groups, key=lambda g: min(x.x0 for x in g))


class HeaderFinder:
    """Finds header rows among a page's lines for one rule set.

    OCR'd lines are looked at with their words snapped to the column vocabulary
    (`ColumnVocabulary.snap`); the lines themselves, and so the cells, keep what was read.
    """

    def __init__(self, rules: Rules, settings: Settings):
        self.rules = rules
        self.settings = settings
        self.vocab = ColumnVocabulary(rules)

    def _view(self, lines: list[Line]) -> list[Line]:
        """`lines` with the words of OCR'd ones snapped to the column vocabulary."""
        if not any(w.conf is not None for ln in lines for w in ln.words[:1]):
            return lines
        n = self.settings.ocr_fuzzy_min_length
        return [Line(tuple(dataclasses.replace(w, text=t) if (t := self.vocab.snap(w.text, n)) != w.text else w
                           for w in ln.words)) if any(w.conf is not None for w in ln.words) else ln
                for ln in lines]

    def _headerish(self, first: Line, ln: Line, above: bool = False) -> bool:
        if first.bold and ln.bold and not above:
            return True
        if above and first.bold != ln.bold:
            return False  # text just above a header in another weight is the page, not the header
        return all(self.vocab.is_header_word(w.text) for w in ln.words)

    def _close(self, above: Line, below: Line) -> bool:
        # Boxes may overlap a little where the leading is tight (or an OCR line box is tall).
        gap, limit = below.top - above.bottom, self.settings.header_line_gap * below.size
        return below.page == above.page and -limit <= gap <= limit

    def header_at(self, lines: list[Line], i: int, space: float) -> Header | None:
        """The header row whose first full line is lines[i] (it may begin up to
        `max_header_lines - 1` lines above, where taller cells start), or None.
        `space` is the page's word space (`layout.word_space`)."""
        first = lines[i]
        # Cheap rejection of body lines: a header names at least min_columns columns.
        if sum(self.vocab.is_strong(w.text) for w in first.words) < self.rules.columns.min_columns:
            return None
        limit = self.settings.max_header_lines
        start = i
        while start > 0 and i - start + 1 < limit and self._close(lines[start - 1], lines[start]) \
                and self._headerish(first, lines[start - 1], above=True):
            start -= 1
        end = i + 1
        while end < len(lines) and end - start < limit and self._close(lines[end - 1], lines[end]) \
                and self._headerish(first, lines[end]):
            end += 1
        return self._header(lines[start:end], start, space)

    def opening_at_end(self, lines: list[Line]) -> int | None:
        """Where the lines ending a page may open a header row that goes on over the page
        break, though they name too few columns alone (in narrow columns every name but
        "Ref" and "Recommendation" may be broken mid-word: "Responsibi", "Assessmen"): the
        index of its first line, or None. `continued` on the next page decides."""
        lines = self._view(lines)
        limit = self.settings.max_header_lines
        for k in range(max(0, len(lines) - limit + 1), len(lines)):
            first, band = lines[k], lines[k:]
            if sum(self.vocab.is_strong(w.text) for w in first.words) >= self.rules.columns.min_columns \
                    and all(self.vocab.is_header_word(w.text) for w in first.words) \
                    and all(self._close(a, b) and self._headerish(first, b) for a, b in zip(band, band[1:])):
                return k
        return None

    def continued(self, band: list[Line], lines: list[Line], space: float) -> Header | None:
        """A header row `band` that ended its page, going on at the top of the next page
        (`lines`): the header over both, its `start`/`n_lines` the lines taken from `lines`."""
        band, lines = self._view(band), self._view(lines)
        n = 0
        while n < len(lines) and len(band) + n < self.settings.max_header_lines and self._headerish(band[0], lines[n]) \
                and (n == 0 or self._close(lines[n - 1], lines[n])):
            n += 1
        if n == 0:
            return None
        whole = self._header([*band, *lines[:n]], 0, space)
        return Header(whole.columns, 0, n, whole.rule_id) if whole is not None else None

    def _header(self, band_lines: list[Line], start: int, space: float) -> Header | None:
        """The header whose lines are `band_lines` (from index `start` of its page), or None."""
        band = _split_at_cell_edges([[p for s in split_segments(ln, self.settings.cell_gap * space)
                                      for p in self.vocab.split_joined(s)] for ln in band_lines],
                                    self.settings.align_tol)
        columns: list[Column] = []
        used: set[str] = set()
        for g in _group_segments(band, self.settings.align_tol):
            rows: dict[tuple[int, float], list[Line]] = {}
            for s in g:
                rows.setdefault((s.page, s.top), []).append(s)
            label = self.vocab.rejoin([" ".join(s.text for s in sorted(r, key=lambda s: s.x0)) for _, r in sorted(rows.items())])
            x0 = min(s.x0 for s in g)
            m = self.vocab.match(label)
            if m is None or m[0].field in used:
                columns.append(Column(CellField.OTHER, x0, label, "col.unmatched"))
                continue
            used.add(m[0].field)
            columns.append(Column(m[0].field, x0, label, m[0].id))
        matched = [c for c in columns if c.field != CellField.OTHER]
        if len(matched) < self.rules.columns.min_columns or not {CellField.NUMBER, CellField.RECOMMENDATION} <= used:
            return None
        return Header(columns, start, len(band_lines), "+".join(c.rule_id for c in matched))

    def headers(self, lines: list[Line]) -> list[Header]:
        """Every header row among `lines` (one page), top to bottom, not overlapping."""
        found: list[Header] = []
        space = word_space(lines, self.settings)
        lines = self._view(lines)
        i = 0
        while i < len(lines):
            h = self.header_at(lines, i, space)
            if h is not None and (not found or h.start >= found[-1].start + found[-1].n_lines):
                found.append(h)
                i = h.start + h.n_lines
            else:
                i += 1
        return found
