"""Field stage: split the cells of a recommendation block into field values.

Each function takes cell text (or a `Cell`) and the rules and returns values with
the id of the rule that produced them:
- recommendation cell -> intro, sub-items (`a)`, `(a)`, `i)`, `(ii)`), closing text;
- responsibility cell -> lead and partners (spaCy span ruler over relation phrases);
- target cell -> target dates and completion date;
- assessment cell -> category code and label of a scheme;
- evidence -> anticipated completion date.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass

from pipeline.fields.dates import find_dates
from pipeline.fields.nlp import nlp_for, relation_spans
from pipeline.models import Cell, Line, SubItem
from pipeline.rules import Category, Rules, Scheme
from pipeline.settings import DEFAULT, Settings
from pipeline.text import clean, fold, join_lines
from pipeline.vocab import Outcome


# -- paragraphs ------------------------------------------------------------------
def paragraph_lines(cell: Cell, settings: Settings = DEFAULT) -> list[list[Line]]:
    """The cell's lines grouped into paragraphs at wider-than-usual line gaps.

    The usual gap is the smallest line pitch in the cell; `paragraph_gap` font sizes
    more starts a paragraph.  A page break does not.
    """
    gaps = [
        b.top - a.top
        for a, b in zip(cell.lines, cell.lines[1:])
        if a.page == b.page and b.top - a.top > settings.min_line_pitch * a.size
    ]
    # OCR'd lines sit a point or two off their true height: their usual pitch is the median
    # (the smallest one is a jitter, and every ordinary line would start a paragraph).
    ocr = any(w.conf is not None for ln in cell.lines for w in ln.words)
    base = (statistics.median(gaps) if ocr else min(gaps)) if gaps else 0.0
    paras: list[list[Line]] = []
    prev: Line | None = None
    for ln in cell.lines:
        if prev is None or (ln.page == prev.page and ln.top - prev.top > base + settings.paragraph_gap * ln.size):
            paras.append([ln])
        else:
            paras[-1].append(ln)
        prev = ln
    return paras


def paragraphs(cell: Cell, settings: Settings = DEFAULT) -> list[str]:
    """The cell's text as paragraphs (wrapped lines joined)."""
    return [join_lines([ln.text for ln in p]) for p in paragraph_lines(cell, settings)]


# -- recommendation text ----------------------------------------------------------
@dataclass(frozen=True)
class RecText:
    intro: str
    sub_items: tuple[SubItem, ...]
    outro: str
    rule_ids: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = [self.intro] + [f"{s.label}) {s.text}" for s in self.sub_items] + [self.outro]
        return "\n".join(p for p in parts if p)


def _sub_label(text: str, rules: Rules) -> tuple[str, str, str] | None:
    for r in rules.layout.sub_item:
        m = r.regex.match(text)
        if m:
            return m.group("label").lower(), text[m.end():], r.id
    return None


_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]


def _follows(previous: str, label: str) -> bool:
    """Whether sub-item `label` comes right after `previous`: b after a, ii after i, 3 after 2."""
    if previous in _ROMAN and label in _ROMAN and _ROMAN.index(label) == _ROMAN.index(previous) + 1:
        return True
    if previous.isdigit() and label.isdigit():
        return int(label) == int(previous) + 1
    return len(previous) == len(label) == 1 and previous.isalpha() and ord(label) == ord(previous) + 1


def in_series(labels: list[str]) -> bool:
    """Whether sub-item labels run in order from the first of their series (a, i or 1)."""
    return not labels or (labels[0] in ("a", "i", "1") and all(_follows(a, b) for a, b in zip(labels, labels[1:])))


def _successor(label: str) -> str | None:
    """The sub-item label after `label` in its series (None past the end)."""
    if label in _ROMAN:
        k = _ROMAN.index(label) + 1
        return _ROMAN[k] if k < len(_ROMAN) else None
    if label.isdigit():
        return str(int(label) + 1)
    return chr(ord(label) + 1) if len(label) == 1 and "a" <= label < "z" else None


def _in_sequence(items: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, list[str]]], bool]:
    """OCR'd sub-items whose label breaks its series the way OCR misreads labels taken from
    the one before, and whether any was: a label read twice ("b", "b") or an i merged or
    split ("i", "i", "ii" for "i", "ii", "iii"). A label further on ("a", "c") is left as
    read: the item between may have been lost."""
    out: list[tuple[str, list[str]]] = []
    changed = False
    for label, lines in items:
        if out and not _follows(out[-1][0], label):
            expected = _successor(out[-1][0])
            if expected is not None and (label == out[-1][0] or set(label) == set(expected) == {"i"}):
                label, changed = expected, True
        out.append((label, lines))
    return out, changed


def split_recommendation(cell: Cell | None, rules: Rules) -> RecText:
    """Split a recommendation cell into intro, labelled sub-items and closing text.

    A sub-item runs from a line starting with its label to the next label or the
    next paragraph break after the last label, where the closing text begins.
    """
    if cell is None:
        return RecText("", (), "", ())
    intro: list[str] = []
    outro: list[str] = []
    items: list[tuple[str, list[str]]] = []
    used: list[str] = []
    for para in paragraph_lines(cell, rules.layout.settings):
        for k, ln in enumerate(para):
            hit = _sub_label(ln.text, rules)
            if hit is not None and outro and items and _follows(items[-1][0], hit[0]):
                # The next label after a paragraph break inside an item ("b)" after a) ended a
                # paragraph early): what looked like closing text belonged to the item.
                items[-1][1].extend(outro)
                outro = []
            if hit is not None and not outro:
                items.append((hit[0], [hit[1]]))
                if hit[2] not in used:
                    used.append(hit[2])
            elif outro or (items and k == 0):
                outro.append(ln.text)
            elif items:
                items[-1][1].append(ln.text)
            else:
                intro.append(ln.text)
    if cell.confidence is not None:
        items, repaired = _in_sequence(items)
        used += ["sub.ocr_sequence"] if repaired else []
    subs = tuple(SubItem(label, join_lines(lines)) for label, lines in items)
    return RecText(join_lines(intro), subs, join_lines(outro), tuple(used))


# -- responsibility ----------------------------------------------------------------
@dataclass(frozen=True)
class Responsibility:
    text: str
    lead: str | None
    partners: tuple[str, ...]
    rule_ids: tuple[str, ...]


_QUOTES = "'\"‘’“”"


def _quotes(text: str) -> int:
    """Quote marks in `text`, apostrophes inside a word ("Children's") not counted."""
    return sum(ch in _QUOTES and not (0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha())
               for i, ch in enumerate(text))


def _unquoted(text: str) -> str:
    """`text` without a quote mark at its start or end that nothing pairs with (a speck OCR
    read as "‘", or a quote the cell's text opened elsewhere)."""
    while text and text[0] in _QUOTES and _quotes(text) % 2:
        text = text[1:].lstrip()
    while text and text[-1] in _QUOTES and _quotes(text) % 2:
        text = text[:-1].rstrip()
    return text


def split_responsibility(text: str, rules: Rules, ocr: bool = False) -> Responsibility:
    """Split a responsibility cell at relation phrases: lead, then one partner each. An
    `ocr` cell's phrases may be misread a little (`nlp.relation_spans`)."""
    text = clean(text)
    if not text:
        return Responsibility("", None, (), ())
    doc = nlp_for(rules)(text)
    spans = relation_spans(doc, ocr)
    if not spans:
        return Responsibility(text, _unquoted(text) or None, (), ())
    lead = _unquoted(clean(doc[: spans[0].start].text)) or None
    partners: list[str] = []
    for k, span in enumerate(spans):
        stop = spans[k + 1].start if k + 1 < len(spans) else len(doc)
        part = _unquoted(clean(doc[span.end : stop].text).strip(" ,;"))
        for word in rules.responsibility.strip_leading:
            if part.lower().startswith(word.lower() + " "):
                part = part[len(word) + 1 :]
        if part:
            partners.append(part)
    return Responsibility(text, lead, tuple(partners), tuple(dict.fromkeys(s.id_ for s in spans)))


# -- target dates --------------------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    text: str
    target_dates: tuple[dt.date, ...]
    completed_date: dt.date | None
    rule_ids: tuple[str, ...]


def split_targets(text: str, rules: Rules) -> Targets:
    """Read a Target Date cell: every date is a target unless a completion word
    (`Completed`, `Achieved`) precedes it since the previous date."""
    text = clean(text)
    markers = re.compile(
        r"\b(" + "|".join(re.escape(m) for m in rules.dates.completed_markers) + r")\b", re.I
    )
    targets: list[dt.date] = []
    completed: dt.date | None = None
    ids: list[str] = []
    prev_end = 0
    for m in find_dates(text, rules):
        if markers.search(text[prev_end : m.start]):
            completed = m.value
        else:
            targets.append(m.value)
        ids.append(m.rule_id)
        prev_end = m.end
    return Targets(text, tuple(targets), completed, tuple(dict.fromkeys(ids)))


# -- assessment --------------------------------------------------------------------
@dataclass(frozen=True)
class Assessment:
    """An assessment cell read against a scheme: the one place a record's category is worked
    out (its code, label, outcome and lateness; and whether the printed words fit it)."""

    text: str
    code: int | None
    label: str | None
    rule_id: str | None
    category: Category | None = None
    has_late: bool = False  # the scheme has an "achieved late" category
    named: int | None = None  # the code the printed words name (None: no label printed, or none matched)

    @property
    def outcome(self) -> Outcome | None:
        """What the category counts as (None: no category read)."""
        return self.category.outcome if self.category is not None else None

    @property
    def achieved_late(self) -> bool | None:
        """Achieved late; None where the scheme has no such category or no category was read."""
        return self.outcome == Outcome.ACHIEVED_LATE if self.category is not None and self.has_late else None

    @property
    def unmatched(self) -> bool:
        """No category for the code, or a printed label naming another category than the printed
        code ("2 – On Track" read with a scheme whose 2 is "Achieved (Late)")."""
        worded = re.search(r"[^\W\d_]{3}", self.text) is not None
        return self.label is None or (worded and self.named != self.code)


_CODE = re.compile(r"(?<![\d/.])\b(\d{1,2})\b(?![\d/.])")


def match_label(text: str, scheme: Scheme) -> tuple[int, float] | None:
    """(code, share of the printed words matched) of the scheme category whose label or
    synonym the printed `text` (digits ignored) names; the longest name wins."""
    rest = fold(_CODE.sub(" ", text))
    if not rest:
        return None
    best: tuple[int, int] | None = None  # (length of matched name, code)
    for cat in scheme.categories:
        for name in (cat.label, *cat.synonyms):
            key = fold(name)
            if key and (rest == key or f" {key} " in f" {rest} ") and (best is None or len(key) > best[0]):
                best = (len(key), cat.code)
    return (best[1], best[0] / len(rest)) if best is not None else None


def read_assessment(text: str, scheme: Scheme | None) -> Assessment:
    """Read `2 – Achieved Late`, `2: Achieved (Late)`, `2`, `Achieved (Late)` or
    `Achieved Late (2)` into the scheme's code and canonical label."""
    text = clean(text)
    num = _CODE.search(text)
    code = int(num.group(1)) if num else None
    rule_id = "assessment.number" if code is not None else None
    if scheme is not None:
        hit = match_label(text, scheme)
        named = hit[0] if hit is not None else None
        if code is None and named is not None:
            code, rule_id = named, "assessment.label"
        found = scheme.category(code)
        if found is not None:
            return Assessment(text, code, found.label, f"scheme.{scheme.id}.{code}:{rule_id}", found, scheme.has_late, named)
        return Assessment(text, code, None, rule_id, None, scheme.has_late, named)
    return Assessment(text, code, None, rule_id)


# -- anticipated date -------------------------------------------------------------------
def anticipated_date(evidence: str, rules: Rules) -> tuple[dt.date | None, str | None]:
    """Return the last anticipated completion date announced in the evidence text."""
    found: tuple[dt.date | None, str | None] = (None, None)
    hits = []
    for r in rules.dates.anticipated_markers:
        hits += [(m, r.id) for m in r.regex.finditer(evidence)]
    for m, rid in sorted(hits, key=lambda h: h[0].start()):
        # The date belongs to the same sentence, close after the phrase.
        window = evidence[m.end() : m.end() + 80]
        stop = re.search(r"\.\s+[A-Z]", window)
        if stop:
            window = window[: stop.start() + 1]
        dates = find_dates(window, rules)
        if dates:
            found = (dates[0].value, f"{rid}+{dates[0].rule_id}")
    return found
