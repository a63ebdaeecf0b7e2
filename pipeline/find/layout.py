"""Layout stage, part one: page furniture removed, lines split into cells, broken words re-joined.

Takes the `Page`s (and lines) of the reading stage; returns, per page, the `Line`s of running
content with running headers/footers ("Title – Progress Report   Page 3 of 7") and
page numbers dropped, so that no field ever contains them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable

from pipeline.models import Line, Page, Word
from pipeline.rules import Rules
from pipeline.settings import DEFAULT, Settings
from pipeline.text import is_english, strip_punct

_DIGITS = re.compile(r"\d+")


def _position_key(line: Line, settings: Settings) -> tuple[str, int]:
    # Furniture repeats at the same height with changing numbers ("Page 3 of 7").
    text = _DIGITS.sub("#", line.text.casefold())
    return text, round(line.top / settings.furniture_band)


def _in_margin(line: Line, page: Page, settings: Settings) -> bool:
    share = settings.margin_share
    return line.bottom < page.height * share or line.top > page.height * (1 - share)


def page_lines(
    pages: tuple[Page, ...] | list[Page],
    rules: Rules,
    protect: Callable[[list[Line]], set[int]] | None = None,
) -> list[list[Line]]:
    """Return the content lines of every page, with page furniture removed.

    `protect(lines)` returns the indices of a page's lines that must be kept
    (a repeated table header row is not a running header).
    """
    per_page = [list(p.lines) for p in pages]
    settings = rules.layout.settings
    patterns = [r.regex for r in rules.layout.furniture]
    counts: Counter[tuple[str, int]] = Counter()
    for page, lines in zip(pages, per_page):
        seen = {_position_key(ln, settings) for ln in lines if _in_margin(ln, page, settings)}
        counts.update(seen)
    n = len(pages)
    min_pages = max(rules.layout.settings.repeated_line_min_pages, int(n * rules.layout.settings.repeated_line_min_share + 0.999))
    repeated = {k for k, c in counts.items() if c >= min_pages} if n >= rules.layout.settings.repeated_line_min_pages else set()
    out: list[list[Line]] = []
    for page, lines in zip(pages, per_page):
        safe = protect(lines) if protect is not None else set()
        margin = [i not in safe and _in_margin(ln, page, settings) for i, ln in enumerate(lines)]
        drop = [m and any(p.search(ln.text) for p in patterns) for m, ln in zip(margin, lines)]
        # A repeated line is a running header or footer only at the page's edge: nothing but
        # furniture above it (or below it). A body line that happens to repeat at one height
        # on several pages ("guidance in week 6.") sits below the page's first content line.
        for order in (range(len(lines)), range(len(lines) - 1, -1, -1)):
            for i in order:
                if not margin[i]:
                    break
                if _position_key(lines[i], settings) in repeated:
                    drop[i] = True
                elif not drop[i]:
                    break
        out.append([ln for ln, d in zip(lines, drop) if not d])
    return out


def word_space(lines: list[Line], settings: Settings = DEFAULT) -> float:
    """The usual space between two words on these lines, as a share of the font size
    (about 0.28 in Helvetica or Arial, 0.25 in Times, 0.6 in Courier); the default when unknown."""
    gaps = [(w.x0 - prev.x1) / w.size for ln in lines for prev, w in zip(ln.words, ln.words[1:])
            if w.size and 0 < w.x0 - prev.x1 < settings.word_space_max * w.size]
    return statistics.median(gaps) if gaps else settings.word_space_default


def split_segments(line: Line, gap_factor: float) -> list[Line]:
    """Split a line where the space between two words is wider than `gap_factor` font sizes."""
    segs: list[list[Word]] = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        if w.x0 - prev.x1 > gap_factor * max(w.size, prev.size):
            segs.append([w])
        else:
            segs[-1].append(w)
    return [Line(tuple(s)) for s in segs]


def section_end(line: Line, body_size: float, rules: Rules) -> bool:
    """A section heading ends a table: a bold or larger line matching `section_end`
    rules, or any heading set well above the table's text size (the next item of an
    agenda pack: "Work Programme", "Minutes", another report's title)."""
    if not (line.bold or line.size > body_size * rules.layout.settings.heading_emphasis):
        return False
    if line.size >= body_size * rules.layout.settings.heading_size_ratio:
        return True
    return any(r.regex.match(line.text) for r in rules.layout.section_end)




_OPEN_NUMBER = re.compile(r"\d[/.\-]\d*$")  # "2018/", "2018/1", "30/09/201": a date or year range cut short


def _broken(piece: str, rest: str) -> bool:
    """Whether `piece` / `rest` are two parts of one word: a number cut after its separator
    ("2018/" / "19"), or an English word where the piece is not a word of its own, or the
    rest is not ("Communication" / "s")."""
    if _OPEN_NUMBER.search(piece) and rest[:1].isdigit():
        return True
    if not (piece[-1:].isalpha() and rest[:1].islower()) or not is_english(piece + rest):
        return False
    return not is_english(piece) or (len(piece) >= 4 and (not is_english(rest) or len(strip_punct(rest)) <= 2))


def rejoin_broken_words(lines: tuple[Line, ...] | list[Line]) -> tuple[Line, ...]:
    """The lines of one cell with words that a narrow column broke mid-word made whole.

    A word processor breaks a word only when it is wider than the cell: the first piece
    stands alone on its line ("Communicat" / "ions Team").  Such a piece is joined to the
    first word of the next line when that starts in lower case and `_broken` says they
    make one English word ("Transport" / "supported by" stays apart).
    """
    out: list[Line] = []
    carry: Word | None = None
    for k, ln in enumerate(lines):
        if carry is not None:
            first = ln.words[0]
            merged = Word(carry.text + first.text, first.x0, first.x1, first.top, first.bottom, first.size,
                          first.bold, first.page, first.font)
            ln = Line((merged, *ln.words[1:]))
            carry = None
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if nxt is not None and len(ln.words) == 1 and _broken(ln.text, nxt.words[0].text):
            carry = ln.words[0]
            continue
        out.append(ln)
    return tuple(out)
