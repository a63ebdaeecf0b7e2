"""Scheme stage: which category scheme a report's assessments are written in.

Decided, in order, by
1. the "Category / Criteria" appendix the report prints (`appendix`);
2. the assessment cells, when they print codes with labels (`assessments`);
3. the council's default scheme (`council`, from `rules/cover.yaml`): a rules file that
   names the council wins over what is printed;
4. the key to the categories the report prints (`printed_key`, `fields.key`), when the
   assessments name its ratings;
5. the assessment labels alone (`labels`: "Achieved (Late)" names a Birmingham category).
`None` when all of these fail; the records then say `unknown_scheme`.  A scheme taken
from the council's default that nothing printed confirms (no appendix, no label that
fits it) is `unconfirmed`: the records say so, since councils change their schemes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.fields.split import match_label, read_assessment
from pipeline.rules import Rules, Scheme


def _category_regex(code: int, name: str) -> re.Pattern[str]:
    # Between the label's words: separators, or, where the category cell wraps in a
    # two-column appendix, the rest of the line (the criteria text) and a line break.
    words = [re.escape(w) for w in re.sub(r"[()]", " ", name).split()]
    body = r"(?:[\s()\-–]*|[ \t][^\n]*\n[\s(]*)".join(words)
    return re.compile(rf"(?<![\d/.]){code}\s*[:.\-–)]?\s*\(?{body}\b", re.IGNORECASE)


def scheme_score(scheme: Scheme, text: str) -> float:
    """Share of the scheme's categories printed as `<code> <label>` in `text`."""
    hits = 0
    for cat in scheme.categories:
        names = (cat.label, *cat.synonyms)
        if any(_category_regex(cat.code, n).search(text) for n in names):
            hits += 1
    return hits / len(scheme.categories)


def _best(scored: list[tuple[float, str]], minimum: float) -> str | None:
    """The id of the single best-scored scheme at or above `minimum`, else None."""
    scored = sorted(scored, reverse=True)
    if not scored or scored[0][0] < minimum or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def label_fit(scheme: Scheme, assessments: list[str]) -> float:
    """How well the printed assessment labels fit `scheme`: per assessment with words, the
    share of its words a category name covers ("Achieved (Late)" fits a scheme with that
    category fully, one whose closest name is "Achieved" only in part), averaged."""
    texts = [a for a in assessments if re.search(r"[A-Za-z]", a)]
    if not texts:
        return 0.0
    return sum(hit[1] if (hit := match_label(a, scheme)) else 0.0 for a in texts) / len(texts)


def confirmed(scheme: Scheme, text: str, assessments: list[str], minimum: float) -> bool:
    """Whether what the document prints supports `scheme`: its appendix or its labels
    score at least `minimum` (`Settings.scheme_min_score`)."""
    return scheme_score(scheme, text) >= minimum or label_fit(scheme, assessments) >= minimum


def key_fit(scheme: Scheme, assessments: list[str]) -> float:
    """Share of the non-empty assessment cells that name a category of `scheme` (by code or label)."""
    texts = [a for a in assessments if a.strip()]
    if not texts:
        return 0.0
    return sum(read_assessment(a, scheme).label is not None for a in texts) / len(texts)


def detect_scheme(text: str, assessments: list[str], rules: Rules, council_id: str | None = None,
                  printed: Callable[[], Scheme | None] | None = None) -> tuple[Scheme | None, str | None]:
    """Return (scheme, rule id of the evidence) for a document; (None, None) when undecided.

    `text` is the whole document text, `assessments` the assessment cells, `council_id`
    the rule id of the council found on the cover (its default scheme is the fallback),
    `printed` reads the scheme of the key the report prints (`fields.key`; asked only when
    no rules scheme is printed and no rules file names the council), taken when the
    assessments fit it.
    """
    minimum = rules.layout.settings.scheme_min_score
    for source, body in (("appendix", text), ("assessments", "\n".join(assessments))):
        found = _best([(scheme_score(s, body), s.id) for s in rules.schemes.values()], minimum)
        if found is not None:
            return rules.schemes[found], f"scheme.detect.{source}"
    council = next((c for c in rules.cover.councils if c.id == council_id), None)
    if council is not None and council.scheme in rules.schemes:
        return rules.schemes[council.scheme], f"scheme.council.{council.id}"
    key = printed() if printed is not None else None
    if key is not None and key_fit(key, assessments) >= minimum:
        return key, "scheme.printed_key"
    found = _best([(label_fit(s, assessments), s.id) for s in rules.schemes.values()], minimum)
    if found is not None:
        return rules.schemes[found], "scheme.detect.labels"
    return None, None
