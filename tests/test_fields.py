"""Field splitting on values built in code (spec: docs/normalisation.md)."""

import datetime as dt

import pytest

from pipeline.fields.split import read_assessment, split_recommendation, split_responsibility, split_targets
from pipeline.models import Cell, Line, Word


def test_responsibility_relations_and_optional_and(rules):
    r = split_responsibility(
        "Cabinet Member for Commissioning, Contracting & Improvement in partnership with "
        "Executive Members for Local Services And in consultation with the Third Sector Assembly",
        rules,
    )
    assert r.lead == "Cabinet Member for Commissioning, Contracting & Improvement"
    assert r.partners == ("Executive Members for Local Services", "Third Sector Assembly")
    assert r.rule_ids == ("rel.in_partnership_with", "rel.in_consultation_with")


def test_responsibility_no_split_on_and(rules):
    r = split_responsibility("Leader of the Council and Cabinet Member for Transport and Roads", rules)
    assert r.lead == "Leader of the Council and Cabinet Member for Transport and Roads"
    assert r.partners == ()
    w = split_responsibility("Cabinet Member working with Ward Councillors and school governing bodies", rules)
    assert w.partners == ("Ward Councillors and school governing bodies",)


@pytest.mark.parametrize("text,lead,partners", [
    # Read from the public scans: "in" misread or lost, a letter of the phrase misread.
    ("Head of Adult Strategy fn conjunction with Healthwatch", "Head of Adult Strategy", ("Healthwatch",)),
    ("Director of Adults and Health in consiltation with the Cabinet Member", "Director of Adults and Health",
     ("Cabinet Member",)),
    ("Service Manager, Commissioning and Contracts partnership with framework providers",
     "Service Manager, Commissioning and Contracts", ("framework providers",)),
    ("Cabinet Member suppored by Legal Services", "Cabinet Member", ("Legal Services",)),
    ("‘Director of Adults and Health working with NHS Trust", "Director of Adults and Health", ("NHS Trust",)),
])
def test_responsibility_read_by_ocr(rules, text, lead, partners):
    """Relation phrases of OCR'd cells tolerate a few misread letters and a lost "in"; a
    text layer's must be spelt as the rules say."""
    r = split_responsibility(text, rules, ocr=True)
    assert (r.lead, r.partners) == (lead, partners)
    assert split_responsibility(text, rules).partners == (partners if "‘" in text else ())


def test_responsibility_drops_an_unpaired_quote(rules):
    assert split_responsibility("‘Director of Adults and Health", rules).lead == "Director of Adults and Health"
    assert split_responsibility("'Our Place' Board", rules).lead == "'Our Place' Board"
    # An apostrophe inside a word pairs with nothing and is no quote mark.
    assert split_responsibility("\u2018Director of Children's Services", rules).lead == "Director of Children's Services"


def test_targets_split_completed(rules):
    t = split_targets("Interim report – December 2016 Final report – March 2017 Completed May 2017", rules)
    assert t.target_dates == (dt.date(2016, 12, 31), dt.date(2017, 3, 31))
    assert t.completed_date == dt.date(2017, 5, 31)
    assert split_targets("Ongoing", rules).target_dates == ()
    a = split_targets("01/09/2016 Completed 07/11/2016", rules)
    assert (a.target_dates, a.completed_date) == ((dt.date(2016, 9, 1),), dt.date(2016, 11, 7))


def test_assessment_forms(rules):
    bham = rules.scheme("birmingham")
    for printed in ["2 – Achieved Late", "2: Achieved (Late)", "2", "Achieved (Late)", "Achieved Late (2)", "Achieved (Late) 2"]:
        a = read_assessment(printed, bham)
        assert (a.code, a.label) == (2, "Achieved (Late)"), printed
    s = read_assessment("3 Slipped", rules.scheme("stockton"))
    assert (s.code, s.label) == (3, "Slipped")
    assert read_assessment("Slipped", None).code is None


def _cell(lines: list[tuple[float, str]], conf: float | None = None) -> Cell:
    out = []
    for top, text in lines:
        words, x = [], 90.0
        for t in text.split():
            words.append(Word(t, x, x + 5 * len(t), top, top + 10, 10.0, False, 3, conf=conf))
            x += 5 * len(t) + 3
        out.append(Line(tuple(words)))
    return Cell("recommendation", tuple(out), "col.recommendation")


def test_sub_items_and_closing_paragraph(rules):
    cell = _cell([
        (100, "The Council should:"),
        (115.5, "(a) review its toolkit; and"),
        (131, "ii) publish the"),
        (142.5, "outcomes."),
        (158, "This closes the recommendation."),
    ])
    rec = split_recommendation(cell, rules)
    assert rec.intro == "The Council should:"
    assert [(s.label, s.text) for s in rec.sub_items] == [("a", "review its toolkit; and"), ("ii", "publish the outcomes.")]
    assert rec.outro == "This closes the recommendation."
    assert rec.text.splitlines()[1] == "a) review its toolkit; and"


@pytest.mark.parametrize("read,labels", [
    (["i)", "i)", "ii)"], ["i", "ii", "iii"]),  # "ii" merged into one stroke at 150 dpi
    (["i)", "ii)", "ii)"], ["i", "ii", "iii"]),
    (["a)", "b)", "b)"], ["a", "b", "c"]),
    (["a)", "c)"], ["a", "c"]),  # an item may have been lost between: left as read
])
def test_ocr_sub_item_labels_follow_their_series(rules, read, labels):
    """Generated trackers scanned at 150 dpi read "ii)" as "i)" and "iii)" as "ii)"."""
    lines = [(100 + 15.5 * k, f"{label} item {k}") for k, label in enumerate(read)]
    rec = split_recommendation(_cell([(85, "The Council should:"), *lines], conf=90.0), rules)
    assert [s.label for s in rec.sub_items] == labels
    assert ("sub.ocr_sequence" in rec.rule_ids) == (labels != [r.rstrip(")") for r in read])
    # A text layer's labels are what the report prints.
    text = split_recommendation(_cell([(85, "The Council should:"), *lines]), rules)
    assert [s.label for s in text.sub_items] == [r.rstrip(")") for r in read]


def test_a_paragraph_break_inside_a_sub_item_is_not_the_closing_text(rules):
    """Bug (scanned R06): a sub-item's last line read a little low started a paragraph, so
    it and the later sub-items b) to d) were taken as closing text. The next label after
    such a break shows the break was inside the item."""
    cell = _cell([
        (100, "That a team is set up with the aim of:"),
        (115.5, "a) seizing vehicles used for"),
        (127, "fly-tipping under the"),
        (142.5, "Regulations 2015;"),
        (154, "b) sharing intelligence; and"),
        (169.5, "c) publicising the results."),
        (185, "The team reports each year."),
    ])
    rec = split_recommendation(cell, rules)
    assert [(s.label, s.text) for s in rec.sub_items] == [
        ("a", "seizing vehicles used for fly-tipping under the Regulations 2015;"),
        ("b", "sharing intelligence; and"), ("c", "publicising the results.")]
    assert rec.outro == "The team reports each year."
