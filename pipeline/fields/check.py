"""Self-check stage: every record says what the pipeline is unsure of.

Takes the blocks and the normalised records of one document and returns the records
with `warnings`, each `code: detail`.  The codes (stable; `scrutiny check` lists them):

- `no_cover: pages …` (extract): no report cover opened the record's table;
- `no_title` (extract): no review title on the cover or in the row;
- `unknown_scheme`: no category scheme could be decided, so no category labels;
- `scheme_unconfirmed: <id>`: the scheme is the council's default, and neither an
  appendix nor a printed label confirms it;
- `scheme_from_report: <n> ratings …`: no rules scheme fits; the scheme is the key to
  the categories the report prints (codes and outcomes as `fields.key` reads them);
- `column_missing: <field>`: the table has no column (or label) for a field;
- `no_recommendation_text`, `no_responsibility`, `no_target`, `no_category`,
  `no_evidence`: the column exists but the record's cell is empty;
- `unmatched_assessment: <text>`: the assessment names no category of the scheme, or its
  printed label names another category than its printed code;
- `unparsed_target: <text>`: the target cell holds no date and no "no date" wording;
- `no_anticipated_date`: the category asks for an anticipated date and none is given;
- `runs_into_next: <text>`: text in the number column after the record's label (the
  next record's label was not recognised, so its text ran into this one);
- `repeated_label: <rec_id>`: two records of the report carry the same label;
- `long_cell: <field> <n>x the median`: a cell far longer than the same cell of the
  other records (a record that swallowed its neighbours);
- `ocr_label: read <text>, taken as <label>`: an OCR'd label Tesseract doubted broke
  its neighbours' sequence and was taken from them;
- `low_ocr_confidence: <field> <n>`: the OCR'd words of a field average a confidence
  (0-100) below `Settings.ocr_min_confidence`;
- `ocr_doubted: <field> '<word>' <n> (+k)`: Tesseract doubted a word of a field (confidence
  below `ocr_doubted_word`): any word of a short field, more than `ocr_doubted_share` of
  a recommendation's or evidence's words;
- `ocr_unknown_word: <field> '<word>' (+k)`: an OCR'd target holds a word, or an OCR'd
  responsibility a lower-case word, that no English word list holds (Tesseract misread it
  with confidence);
- `ocr_sub_items: <labels> [(<label> runs on past '; and')]`: an OCR'd recommendation's
  sub-item labels do not run in order from a, i or 1, or an item goes on after "; and"
  (one was misread, or lost with the start of its line).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import Counter

from pipeline.fields.split import in_series, read_assessment
from pipeline.models import RecBlock, Recommendation
from pipeline.rules import Rules, Scheme
from pipeline.text import fold, is_english, strip_punct
from pipeline.vocab import CellField

# The fields a record needs, by the column that fills them, and the warning for an empty cell.
EMPTY = {CellField.RECOMMENDATION: "no_recommendation_text", CellField.RESPONSIBILITY: "no_responsibility",
         CellField.TARGET: "no_target", CellField.ASSESSMENT: "no_category", CellField.EVIDENCE: "no_evidence"}
CODES = ("no_cover", "no_title", "unknown_scheme", "scheme_unconfirmed", "scheme_from_report", "column_missing",
         *EMPTY.values(), "unmatched_assessment", "unparsed_target",
         "no_anticipated_date", "runs_into_next", "repeated_label", "long_cell", "ocr_label", "low_ocr_confidence", "ocr_doubted",
         "ocr_sub_items", "ocr_unknown_word")
LONG = (CellField.RECOMMENDATION, CellField.EVIDENCE)  # fields scored as text, not as values
_RUN_ON = re.compile(r";\s+(?:and|or)\s+\S")  # "; and" with more of the item after it


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _cell_text(block: RecBlock, name: CellField) -> str:
    cell = block.cell(name)
    return cell.text.strip() if cell is not None else ""


def _is_null(text: str, rules: Rules) -> bool:
    key = fold(text, keep="/–-")
    return key in rules.dates.null_values


def record_warnings(block: RecBlock, rec: Recommendation, scheme: Scheme | None, rules: Rules) -> list[str]:
    """The warnings one record earns on its own."""
    out: list[str] = []
    if scheme is None:
        out.append("unknown_scheme")
    for name, code in EMPTY.items():
        if name not in block.columns:
            out.append(f"column_missing: {name}")
        elif not _cell_text(block, name):
            out.append(code)
    assessment = _cell_text(block, CellField.ASSESSMENT)
    read = read_assessment(assessment, scheme)  # as the record was read (fields.split: the one place)
    if assessment and scheme is not None and read.unmatched:
        out.append(f"unmatched_assessment: {_short(assessment)}")
    target = _cell_text(block, CellField.TARGET)
    if target and not rec.target_dates and rec.completed_date is None and not _is_null(target, rules):
        out.append(f"unparsed_target: {_short(target)}")
    if read.category is not None and read.category.asks_anticipated_date and rec.anticipated_date is None:
        out.append("no_anticipated_date")
    number = block.cell(CellField.NUMBER)
    if number is not None and number.text.strip():
        out.append(f"runs_into_next: {_short(number.text)}")
    if block.label_read is not None:
        out.append(f"ocr_label: read {block.label_read}, taken as {block.label} from its neighbours")
    settings = rules.layout.settings
    rec_cell = block.cell(CellField.RECOMMENDATION)
    labels = [s.label for s in rec.sub_items]
    if rec_cell is not None and rec_cell.confidence is not None:
        # A label misread, or lost: items end "; and" where the next label follows, so an
        # item that goes on after one ran into the next ("...Support; and a trial of...").
        run_on = [s.label for s in rec.sub_items if _RUN_ON.search(s.text)]
        if not in_series(labels) or run_on:
            out.append(f"ocr_sub_items: {', '.join(labels)}" + (f" ({run_on[0]} runs on past '; and')" if run_on else ""))
    for name, lower_only in ((CellField.RESPONSIBILITY, True), (CellField.TARGET, False)):
        cell = block.cell(name)
        if cell is None or cell.confidence is None:
            continue
        # A word no English word list holds was misread with a confidence `ocr_doubted`
        # cannot see ("schoot", "Compieted"); in a responsibility only lower-case ones, as
        # names are capitalised.
        unknown = [p for w in cell.text.replace("-", " ").split()
                   if len(p := strip_punct(w)) >= 3 and p.isalpha() and (p.islower() or not lower_only)
                   and not is_english(p)]
        if unknown:
            out.append(f"ocr_unknown_word: {name} '{_short(unknown[0], 20)}'"
                       + (f" (+{len(unknown) - 1})" if len(unknown) > 1 else ""))
    for cell in block.cells:
        conf = cell.confidence
        if conf is None:
            continue
        if conf < settings.ocr_min_confidence:
            out.append(f"low_ocr_confidence: {cell.field} {conf:.0f}")
            continue
        words = [w for ln in cell.lines for w in ln.words if w.conf is not None]
        doubted = sorted((w for w in words if (w.conf or 0) < settings.ocr_doubted_word), key=lambda w: w.conf or 0)
        # A short field is wrong with one misread word ("Member" read "yember"); a long text only when
        # enough of it is doubted to fall short of a close match.
        if doubted and (cell.field not in LONG or len(doubted) > settings.ocr_doubted_share * len(words)):
            out.append(f"ocr_doubted: {cell.field} '{_short(doubted[0].text, 20)}' {doubted[0].conf:.0f}"
                       + (f" (+{len(doubted) - 1})" if len(doubted) > 1 else ""))
    return out


def _misread_names(block: RecBlock, seen: Counter[str], min_length: int) -> list[str]:
    """`ocr_unknown_word` for a capitalised word of an OCR'd responsibility that no word list
    holds, read once in the document and one letter away from another word read in it
    ("Hartiepool" beside "Hartlepool" elsewhere): a name read two ways was misread at least
    once. Names read the same way throughout ("Veolia") are not doubted."""
    cell = block.cell(CellField.RESPONSIBILITY)
    if cell is None or cell.confidence is None:
        return []
    from spacy.matcher.levenshtein import levenshtein

    for w in (w for ln in cell.lines for w in ln.words):
        name = strip_punct(w.text)
        if len(name) < min_length or not name[:1].isupper() or seen[w.text] > 1 or is_english(name):
            continue
        near = [o for o in seen if abs(len(o) - len(w.text)) <= 1 and levenshtein(o, w.text) == 1]
        if near:
            return [f"ocr_unknown_word: responsibility '{_short(name, 20)}' ({strip_punct(near[0])}?)"]
    return []


def check_records(blocks: list[RecBlock] | tuple[RecBlock, ...], recs: tuple[Recommendation, ...],
                  scheme: Scheme | None, rules: Rules, scheme_confirmed: bool = True,
                  scheme_printed: bool = False) -> tuple[Recommendation, ...]:
    """Return `recs` (one per block, same order) with their warnings filled in;
    `scheme_confirmed` False when only an assumption (the council's default) gave the scheme,
    `scheme_printed` True when it was read from the key the report prints (no rules scheme)."""
    settings = rules.layout.settings
    ids = Counter((fold(r.review_title), r.rec_id) for r in recs)  # a tracker over reviews repeats labels across them
    lengths = {name: [len(_cell_text(b, name)) for b in blocks] for name in EMPTY}
    medians = {name: statistics.median(v) for name, v in lengths.items() if len(v) >= 3}
    # The words read by OCR in the whole table (none for a text layer: nothing to count).
    ocr = any(w.conf is not None for b in blocks[:1] for c in b.cells[:1] for ln in c.lines[:1] for w in ln.words[:1])
    seen = Counter(w.text for b in blocks for c in b.cells for ln in c.lines for w in ln.words) if ocr else Counter()
    out = []
    for k, (block, rec) in enumerate(zip(blocks, recs)):
        warnings = record_warnings(block, rec, scheme, rules)
        warnings += _misread_names(block, seen, settings.ocr_fuzzy_min_length) if ocr else []
        if scheme is not None and not scheme_confirmed:
            warnings.insert(0, f"scheme_unconfirmed: {scheme.id} (the council's default; nothing printed confirms it)")
        if scheme is not None and scheme_printed:
            warnings.insert(0, f"scheme_from_report: {len(scheme.categories)} ratings read from the key the report prints "
                               "(no rules file names the council or its scheme)")
        if ids[(fold(rec.review_title), rec.rec_id)] > 1:
            warnings.append(f"repeated_label: {rec.rec_id}")
        for name, median in medians.items():
            n = lengths[name][k]
            if median and n >= settings.long_cell_min_chars and n > settings.long_cell_ratio * median:
                warnings.append(f"long_cell: {name} {n / median:.1f}x the median")
        out.append(dataclasses.replace(rec, warnings=tuple(warnings)))
    return tuple(out)
