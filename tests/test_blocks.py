"""Block finding: layouts, page furniture, stitching across pages."""

import pytest

from conftest import PDFS
from pipeline.blocks import find_blocks
from pipeline.read import read_document


def blocks_of(name, rules):
    pdf = next(p for p in PDFS if p.name == name)
    return find_blocks(read_document(pdf).pages, rules)


def test_page_footer_never_inside_a_field(rules):
    blocks = blocks_of("bham-2017-01-school-road-safety--birmingham.pdf", rules)
    assert [b.label for b in blocks] == ["R1", "R2", "R3", "R4", "R5"]
    for b in blocks:
        for c in b.cells:
            assert "Progress Report Page" not in c.text


@pytest.mark.parametrize("name,layout", [
    ("bham-2016-09-third-sector--birmingham.pdf", "row+evidence"),
    ("bham-2016-09-third-sector--plain.pdf", "row+evidence"),
    ("bham-2016-09-third-sector--tracker.pdf", "tracker"),
])
def test_same_report_three_layouts(name, layout, rules):
    blocks = blocks_of(name, rules)
    assert [b.layout for b in blocks] == [layout] * 5
    r01 = blocks[0]
    assert r01.cell("target").text == "Interim evaluation Report – October 2015 Completed January 2016"
    assert r01.cell("assessment").text == "1 – Achieved Fully"
    ev = r01.cell("evidence")
    assert len(ev.pages) >= 2  # stitched over a page break
    assert ev.text.endswith("to ensure there is no duplication.")
    assert "No. Recommendation" not in ev.text


def test_stockton_appendix_after_table_ends_last_record(rules):
    blocks = blocks_of("stockton-2016-06-home-care--birmingham.pdf", rules)
    last = blocks[-1].cell("evidence").text
    assert last.endswith("Health and Wellbeing Board.")
    assert "Tracking Process" not in last
