"""Printed key stage: the category scheme a report defines for itself (rules/keys.yaml).

Most councils are named in no rules file. Their reports still print what each rating
means: a "Category / Criteria" or "Progress rating / Definition" table, or a "Key to
status" list, before or after the recommendations. `printed_scheme(pages, rules)` reads
that key into a `Scheme`:

- the key starts at a header line naming its two columns, or at a key heading;
- each row is "<label>  <definition>" (two columns: the label starts at the key's left
  edge, the definition is set apart by a gap; lines starting further right go on with
  the definition above) or "<code>: <label> – <definition>" on one line;
- codes are the printed numbers, else the rows' order (1 = first row);
- each rating's outcome comes from its label, else its definition, through the outcome
  vocabulary of rules/keys.yaml; a rating none of it names is left out of the scheme (its
  records then say `unmatched_assessment`), never guessed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from pipeline.find.layout import page_lines, split_segments
from pipeline.models import Line, Page
from pipeline.rules import Category, KeyRules, Rules, Scheme
from pipeline.settings import Settings
from pipeline.text import clean, fold
from pipeline.vocab import Outcome

_NUMBERED = re.compile(r"^\(?(?P<code>\d{1,2})\)?\s*[:.)–—-]?\s+(?P<rest>\S.*)$")
_DASH = re.compile(r"\s+[–—-]\s+|:\s+")  # "Achieved (Fully) – The evidence …", "Achieved: The evidence …"


@dataclass
class _Row:
    code: int | None
    label: str
    definition: list[str] = field(default_factory=list)


def _outcome(text: str, keys: KeyRules) -> Outcome | None:
    """The first outcome (in the rules' order) one of whose phrases `text` holds as whole words."""
    key = f" {fold(text)} "
    for rule in keys.outcomes:
        if any(f" {fold(p)} " in key for p in rule.phrases):
            return rule.outcome
    return None


def _start(lines: list[Line], keys: KeyRules) -> int | None:
    """Index of the first line after the key's header or heading, or None."""
    for k, ln in enumerate(lines):
        text = clean(ln.text)
        if any(r.regex.match(text) for r in keys.headers):
            return k + 1
    return None


def _rows(lines: list[Line], keys: KeyRules, settings: Settings) -> list[_Row]:
    """The key's rows from the lines after its header (see the module doc)."""
    gap, line_gap = settings.segment_gap, settings.key_line_gap
    rows: list[_Row] = []
    left: float | None = None
    prev: Line | None = None
    for ln in lines:
        if rows and prev is not None and ln.page == prev.page and ln.top - prev.bottom > line_gap * ln.size:
            break  # a gap after the key's rows ends it (a key may go on over a page break)
        new_page = prev is not None and ln.page != prev.page
        prev = ln
        text = clean(ln.text)
        if not rows and any(r.regex.match(text) for r in keys.headers):
            continue  # the key's column headers under its heading
        segs = split_segments(ln, gap)
        left = ln.x0 if left is None else left
        numbered = _NUMBERED.match(text)
        if len(segs) > 3 or (new_page and rows and not (numbered or (len(segs) >= 2 and abs(ln.x0 - left) <= ln.size))):
            break  # a table's row or header (more cells than a key has), or another page's text that opens no row
        if ln.x0 > left + ln.size:  # right of the label column: the definition goes on
            if not rows:
                break
            rows[-1].definition.append(text)
        elif ln.x0 < left - ln.size:
            break
        elif numbered:
            rows.append(_numbered_row(int(numbered.group("code")), numbered.group("rest"), segs))
        elif rows and (rows[0].code is not None or text[:1] in "(" or text[:1].islower()):
            # A wrapped label ("Not Achieved" / "(Progress Made)"), or the definition of a
            # one-line row going on at the left edge.
            if rows[-1].definition and len(segs) == 1:
                rows[-1].definition.append(text)
            else:
                rows[-1].label = clean(f"{rows[-1].label} {segs[0].text}")
                rows[-1].definition += [clean(" ".join(s.text for s in segs[1:]))] if len(segs) > 1 else []
        elif len(segs) >= 2:
            rows.append(_Row(None, clean(segs[0].text), [clean(" ".join(s.text for s in segs[1:]))]))
        else:
            break  # running text: the key is over
        if len(rows) > settings.key_max_rows:
            return []  # some other table
    return rows


def _numbered_row(code: int, rest: str, segs: list[Line]) -> _Row:
    """A row that starts with its code: in columns ("1:" | "Achieved" | "The evidence …",
    or "1: Achieved" | "The evidence …"), or on one line ("1: Achieved – The evidence …")."""
    if len(segs) >= 2:
        first = _NUMBERED.match(clean(segs[0].text))
        cells = [first.group("rest")] if first else []
        cells += [clean(s.text) for s in segs[1:]]
        return _Row(code, cells[0], [" ".join(cells[1:])] if len(cells) > 1 else [])
    parts = _DASH.split(rest, maxsplit=1)
    return _Row(code, clean(parts[0]), [clean(parts[1])] if len(parts) > 1 else [])


def printed_scheme(pages: tuple[Page, ...] | list[Page], rules: Rules) -> Scheme | None:
    """The scheme a report's printed key defines, or None when it prints no key of two or more ratings."""
    settings = rules.layout.settings
    lines = [ln for page in page_lines(pages, rules) for ln in page]  # furniture (running footers) left out
    k = _start(lines, rules.keys)
    while k is not None:
        rows = _rows(lines[k:], rules.keys, settings)
        if len(rows) >= 2:
            return _scheme(rows, rules.keys)
        nxt = _start(lines[k:], rules.keys)  # a header with no rows under it (a table's header row): look on
        k = k + nxt if nxt is not None else None
    return None


def _scheme(rows: list[_Row], keys: KeyRules) -> Scheme | None:
    numbered = all(r.code is not None for r in rows) and len({r.code for r in rows}) == len(rows)
    cats = []
    for i, r in enumerate(rows, 1):
        definition = clean(" ".join(r.definition))
        outcome = _outcome(r.label, keys) or _outcome(definition, keys)
        if outcome is None or not r.label:
            continue
        asks = any(f" {fold(p)} " in f" {fold(definition)} " for p in keys.asks_date)
        cats.append(Category(code=r.code if numbered and r.code is not None else i, label=r.label, outcome=outcome,
                             criteria=definition, asks_anticipated_date=asks))
    if len(cats) < 2:
        return None
    digest = hashlib.sha256("|".join(f"{c.code}:{fold(c.label)}" for c in cats).encode()).hexdigest()[:8]
    return Scheme(id=f"printed-{digest}", name="Printed key", categories=cats)
