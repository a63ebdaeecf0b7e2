"""spaCy stage: a blank English pipeline with rule components built from `rules/`.

No model is downloaded: `spacy.blank("en")` tokenises, and a `span_ruler` holds the
relation phrases of `rules/responsibility.yaml` (label RELATION, rule id as span id)
so that a Responsibility cell splits into its lead and partners. For OCR'd cells the
ruler also holds a tolerant form of each phrase (label RELATION_OCR): long words match
with a few letters misread, and a short leading word may be misread or lost
("fn conjunction with", "in consiltation with", "partnership with").
"""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.rules import Rules

SPANS_KEY = "relations"
EXACT, OCR = "RELATION", "RELATION_OCR"


def build_nlp(rules: Rules) -> Language:
    """Return a blank-English pipeline whose span ruler marks relation phrases."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "validate": True})
    patterns = []
    for rel in rules.responsibility.relations:
        words = rel.phrase.lower().split()
        # An optional leading "and" belongs to the phrase ("and supported by").
        patterns.append({"label": EXACT, "id": rel.id,
                         "pattern": [{"LOWER": "and", "OP": "?"}, *({"LOWER": w} for w in words)]})
        patterns.append({"label": OCR, "id": rel.id,
                         "pattern": [{"LOWER": "and", "OP": "?"}, *_tolerant(words, rules.layout.settings.ocr_fuzzy_min_length)]})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    return nlp


def _tolerant(words: list[str], long: int) -> list[dict]:
    """Token patterns for a phrase as OCR may read it: a short first word ("in") may be any
    short word or none; words of `long` letters or more allow spaCy's default fuzzy edits."""
    out: list[dict] = []
    for k, w in enumerate(words):
        if k == 0 and len(w) < long and len(words) > 2:  # two required words are left
            out.append({"LENGTH": {"<": long}, "IS_ALPHA": True, "OP": "?"})
        elif len(w) >= long:
            out.append({"LOWER": {"FUZZY": w}})
        else:
            out.append({"LOWER": w})
    return out


_BUILT: dict[int, tuple[Rules, Language]] = {}


def nlp_for(rules: Rules) -> Language:
    """The pipeline for a rule set, built once per process and rule set."""
    hit = _BUILT.get(id(rules))
    if hit is None or hit[0] is not rules:
        hit = (rules, build_nlp(rules))
        _BUILT[id(rules)] = hit
    return hit[1]


def relation_spans(doc: Doc, ocr: bool = False) -> list[Span]:
    """Non-overlapping relation spans of a parsed text, longest first at each place; the
    OCR-tolerant ones too when the text was OCR'd."""
    labels = {EXACT, OCR} if ocr else {EXACT}
    return sorted(filter_spans([s for s in doc.spans[SPANS_KEY] if s.label_ in labels]), key=lambda s: s.start)
