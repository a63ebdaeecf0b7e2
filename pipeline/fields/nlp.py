"""spaCy stage: a blank English pipeline with rule components built from `rules/`.

No model is downloaded: `spacy.blank("en")` tokenises, and a `span_ruler` holds the
relation phrases of `rules/responsibility.yaml` (label RELATION, rule id as span id)
so that a Responsibility cell splits into its lead and partners.
"""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.rules import Rules

SPANS_KEY = "relations"


def build_nlp(rules: Rules) -> Language:
    """Return a blank-English pipeline whose span ruler marks relation phrases."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "validate": True})
    patterns = []
    for rel in rules.responsibility.relations:
        toks = [{"LOWER": t} for t in rel.phrase.lower().split()]
        # An optional leading "and" belongs to the phrase ("and supported by").
        patterns.append({"label": "RELATION", "id": rel.id, "pattern": [{"LOWER": "and", "OP": "?"}, *toks]})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    return nlp


_BUILT: dict[int, tuple[Rules, Language]] = {}


def nlp_for(rules: Rules) -> Language:
    """The pipeline for a rule set, built once per process and rule set."""
    hit = _BUILT.get(id(rules))
    if hit is None or hit[0] is not rules:
        hit = (rules, build_nlp(rules))
        _BUILT[id(rules)] = hit
    return hit[1]


def relation_spans(doc: Doc) -> list[Span]:
    """Non-overlapping relation spans of a parsed text, longest first at each place."""
    return sorted(filter_spans(list(doc.spans[SPANS_KEY])), key=lambda s: s.start)
