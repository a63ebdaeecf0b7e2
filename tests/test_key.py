"""A council no rules file names is read from what its report prints: its key to the
ratings (fields/key.py, rules/keys.yaml), its cover labels and its name (find/council.py)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml

from bench.synth import COVER_LABELS, RATINGS, write_unnamed
from conftest import FIXTURES, SAMPLES
from pipeline.extract import extract_file
from pipeline.fields.key import printed_scheme
from pipeline.read.pdf import read_document
from pipeline.rules import DEFAULT_RULES_DIR, load_rules

WESTMARCH = sorted((FIXTURES / "westmarch").glob("*.pdf"))
OUTCOMES = {r[0]: r[2] for r in RATINGS}
# What the public Westmarch key says each rating means (its "Progress ratings" table).
WESTMARCH_KEY = {1: ("Completed on time", "achieved"), 2: ("Completed late", "achieved_late"),
                 3: ("On schedule", "in_progress"), 4: ("Behind schedule", "in_progress"), 5: ("Not progressed", "not_achieved")}


@pytest.mark.parametrize("seed, key_before, numbered, header, labels", [
    (1, False, False, ("Progress rating", "Definition"), COVER_LABELS[1]),  # after the table, unnumbered (Westmarch-like)
    (2, True, False, ("Status", "Meaning"), COVER_LABELS[0]),  # before the table
    (3, True, True, ("Category", "Criteria"), COVER_LABELS[2]),  # numbered ratings
    (4, False, True, "Key to status", COVER_LABELS[0]),  # a heading instead of column names, after the table
    (5, True, False, "Legend", COVER_LABELS[1]),
])
def test_an_unnamed_council_is_read_from_its_own_key_and_cover(tmp_path, rules, seed, key_before, numbered, header, labels):
    council = "Northmoor Vale Borough Council"
    truth = write_unnamed(tmp_path / "r.pdf", random.Random(seed), council=council, key_before=key_before,
                          numbered=numbered, key_header=header, labels=labels)
    x = extract_file(tmp_path / "r.pdf", rules)
    rep = x.reports[0].report
    assert (rep.council, rep.title, rep.committee, rep.report_date) == (council, truth.title, truth.committee, truth.report_date)
    assert (rep.report_of, rep.review_lead_member, rep.lead_officer) == \
        ("Corporate Director, Resources", "Councillor Jane Smith", "Sam Jones")
    assert rep.scheme_rule == "scheme.printed_key" and rep.category_scheme.startswith("printed-")
    assert [(c.code, c.label, c.outcome) for c in rep.scheme_categories] == \
        [(i, label, outcome) for i, (label, _, outcome) in enumerate(RATINGS, 1)]
    assert [c.criteria for c in rep.scheme_categories] == [d for _, d, _ in RATINGS]
    got = [(r.rec_id, r.category_code, r.category_outcome, r.achieved_late) for r in x.recommendations]
    assert got == [(r["rec_id"], r["category_code"], OUTCOMES[r["category_label"]],
                    OUTCOMES[r["category_label"]] == "achieved_late") for r in truth.recommendations]
    assert all(r.warnings[0].startswith("scheme_from_report: 5 ratings") for r in x.recommendations)


def test_a_rating_no_vocabulary_names_is_left_out_and_its_records_say_so(tmp_path, rules):
    ratings = [*RATINGS[:4], ("Parked", "The Committee will look at this again in the spring.", "")]
    truth = write_unnamed(tmp_path / "r.pdf", random.Random(7), council="Eastmoor District Council", key_before=False,
                          numbered=False, ratings=ratings)
    x = extract_file(tmp_path / "r.pdf", rules)
    assert [c.label for c in x.reports[0].report.scheme_categories] == [r[0] for r in RATINGS[:4]]
    for r, t in zip(x.recommendations, truth.recommendations):
        if t["category_label"] == "Parked":  # never guessed: no code, no outcome, and a warning
            assert (r.category_code, r.category_outcome) == (None, None)
            assert any(w.startswith("unmatched_assessment: Parked") for w in r.warnings)
        else:
            assert r.category_code == t["category_code"]
    assert "Parked" in [t["category_label"] for t in truth.recommendations]


@pytest.mark.parametrize("pdf", WESTMARCH, ids=lambda p: p.name)
def test_public_westmarch_with_the_bundled_rules(pdf, rules):
    gold = yaml.safe_load(pdf.with_name(pdf.name.split("--")[0] + ".yaml").read_text())
    x = extract_file(pdf, rules)
    rep = x.reports[0].report
    assert rep.council == "Westmarch District Council" and rep.title == gold["report"]["title"]
    assert [(c.code, c.label, c.outcome) for c in rep.scheme_categories] == [(k, *v) for k, v in WESTMARCH_KEY.items()]
    assert [(r.rec_id, r.category_code, r.category_outcome, r.achieved_late, r.anticipated_date) for r in x.recommendations] == \
        [(g["rec_id"], g["category_code"], WESTMARCH_KEY[g["category_code"]][1], g["category_code"] == 2, g["anticipated_date"])
         for g in gold["recommendations"]]


def test_a_rules_directory_naming_the_council_still_wins(tmp_path, rules):
    """A user's rules for Westmarch, written as the README says: a scheme file and a council entry."""
    d = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, d)
    (d / "schemes" / "westmarch.yaml").write_text(yaml.safe_dump({
        "id": "westmarch", "name": "Westmarch progress ratings",
        "categories": [{"code": k, "label": label, "outcome": outcome} for k, (label, outcome) in WESTMARCH_KEY.items()]}))
    cover = yaml.safe_load((d / "cover.yaml").read_text())
    cover["councils"].append({"id": "council.westmarch", "name": "Westmarch DC", "domains": ["westmarch.gov.uk"],
                              "phrases": ["Westmarch District Council"], "scheme": "westmarch"})
    (d / "cover.yaml").write_text(yaml.safe_dump(cover, sort_keys=False))
    mine = load_rules(d)
    for pdf in WESTMARCH:
        gold = yaml.safe_load(pdf.with_name(pdf.name.split("--")[0] + ".yaml").read_text())
        x = extract_file(pdf, mine)
        rep = x.reports[0].report
        assert (rep.council, rep.category_scheme, rep.scheme_rule) == ("Westmarch DC", "westmarch", "scheme.council.council.westmarch")
        assert [(r.rec_id, r.category_code) for r in x.recommendations] == \
            [(g["rec_id"], g["category_code"]) for g in gold["recommendations"]]
        assert not any(w.startswith("scheme_from_report") for r in x.recommendations for w in r.warnings)


@pytest.mark.parametrize("name, scheme", [("bham-2016-09-third-sector--birmingham.pdf", "birmingham"),
                                          ("bham-2016-11-fly-tipping--birmingham-large.pdf", "birmingham"),
                                          ("stockton-2016-12-home-care--narrow.pdf", "stockton")])
def test_the_printed_key_of_a_known_council_reads_as_its_rules_scheme(rules, name, scheme):
    """The outcome vocabulary checked against schemes written by hand: each council's printed
    "Category / Criteria" appendix (labels wrapped in their column) reads as its rules file says."""
    doc = read_document(Path(SAMPLES / name), settings=rules.layout.settings)
    printed = printed_scheme(doc.pages, rules)
    assert printed is not None
    assert [(c.code, c.label, c.outcome, c.asks_anticipated_date) for c in printed.categories] == \
        [(c.code, c.label, c.outcome, c.asks_anticipated_date) for c in rules.scheme(scheme).categories]
