"""Block finding: layouts, page furniture, stitching across pages."""

import pytest

from conftest import PDFS
from pipeline.find.blocks import TableFinder, find_blocks
from pipeline.models import Column, Line, Page, Word
from pipeline.read.lines import group_lines
from pipeline.read.pdf import read_document
from pipeline.vocab import CellField


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


@pytest.mark.parametrize("font,size,pagesize", [("Times-Roman", 9, "letter"), ("Courier", 8, "A4"), ("Helvetica", 11, "letter")])
def test_other_fonts_sizes_and_us_letter_with_footer(tmp_path, rules, font, size, pagesize):
    from reportlab.lib.pagesizes import A4, letter

    from pdfgen import tracking_pdf

    pdf = tracking_pdf(
        tmp_path / "r.pdf",
        ["Report of: Director of Place", "To: Place Scrutiny Panel", "Date: 3rd March 2021"],
        ["1 Achieved (Fully)", "2 On Track", "3 Slipped", "4 Not Achieved"],
        [{"label": "R 3", "text": ["That the Council:", "(a) audits bins;", "(b) empties them."],
          "resp": ["Head of Waste", "supported by the", "Parks Team"], "target": ["Spring 2021", "Completed", "1st June 2021"],
          "assess": ["1 Achieved", "(Fully)"], "evidence": ["All bins audited.", "Done."]}],
        footer="Bins – Progress Report", pagesize=letter if pagesize == "letter" else A4, font=font, size=size,
    )
    (b,) = find_blocks(read_document(pdf).pages, rules)
    assert b.label == "R 3"
    assert b.cell("responsibility").text == "Head of Waste supported by the Parks Team"
    assert b.cell("target").text == "Spring 2021 Completed 1st June 2021"
    assert b.cell("evidence").text == "All bins audited. Done."
    assert all("Progress Report" not in c.text for c in b.cells)


def _line(*texts_x: tuple[str, float]):
    return Line(tuple(Word(t, x, x + 6 * len(t), 100, 109, 9.0, True, 1) for t, x in texts_x))


@pytest.mark.parametrize("words,expected", [
    # Two column names set closer than a word space apart: split at the second name.
    ([("Assessment", 360), ("Evidence", 420), ("of", 470), ("Progress", 484)], ["Assessment", "Evidence of Progress"]),
    ([("No.", 50), ("Recommendation", 70)], ["No.", "Recommendation"]),
    # A single column name of several words stays whole, even when its words are names too.
    ([("Target", 300), ("Date", 340)], ["Target Date"]),
    ([("Cabinet", 300), ("Member's", 345), ("Assessment", 400)], ["Cabinet Member's Assessment"]),
    # Words that are not all column names: unchanged.
    ([("Assessment", 360), ("and", 420), ("Evidence", 450)], ["Assessment and Evidence"]),
    # The same column twice is not a split.
    ([("Update", 360), ("Progress", 420)], ["Update Progress"]),
])
def test_joined_header_names_split(rules, words, expected):
    from pipeline.find.header import ColumnVocabulary

    assert [s.text for s in ColumnVocabulary(rules).split_joined(_line(*words))] == expected


def test_tight_tracker_header_finds_assessment_column(tmp_path, rules):
    """Bug: a tracker whose Assessment and Evidence headers sat 8 pt apart lost the
    Assessment column, so every category came out null (bench/synth.py tracker layout)."""
    import random

    from bench.synth import write_report
    from pipeline.extract import extract_file

    truth = write_report(tmp_path / "t.pdf", random.Random(3), "tracker", n_recs=5)
    got = extract_file(tmp_path / "t.pdf", rules).recommendations
    assert [r.category_code for r in got] == [r["category_code"] for r in truth.recommendations]


def _page(number: int, rows: list[tuple[float, list[tuple[str, float]]]], font: str, bold_rows: tuple[int, ...] = ()):
    """A page built in code: rows of (top, [(word, x0)]) in one font."""

    words = tuple(Word(t, x, x + 5 * len(t), top, top + 9, 9.0, k in bold_rows, number, font)
                  for k, (top, row) in enumerate(rows) for t, x in row)
    return Page(number, 595, 842, words, group_lines(words))


HEADER_ROW = [("No.", 50), ("Recommendation", 90), ("Responsibility", 300), ("Target", 400), ("Assessment", 480)]


@pytest.mark.parametrize("next_font,continues", [("Arial-ItalicMT", True), ("TimesNewRomanPSMT", False)])
def test_table_ends_where_another_document_begins(rules, next_font, continues):
    """Bug: a report's last record ran on into the next document of a pack (the
    research paper after it in tests/test_prefilter.py). A page in none of the
    table's fonts ends the table; one in a new font among the table's does not."""
    p1 = _page(1, [(100, HEADER_ROW), (120, [("R1", 50), ("That", 90), ("Cabinet", 300), ("2016", 400), ("Achieved", 480)])],
               "ArialMT", bold_rows=(0,))
    rows2 = [(60, [("continues", 90), ("here", 140)]), (80, [("more", 90)])]
    p2 = _page(2, rows2, next_font)
    if continues:  # a new italic first line, then the table's own font
        words = _page(2, [rows2[0]], next_font).words + _page(2, [rows2[1]], "ArialMT").words
        p2 = Page(2, 595, 842, words, group_lines(words))
    blocks = find_blocks([p1, p2], rules)
    assert len(blocks) == 1
    text = blocks[0].cell("recommendation").text
    assert ("continues" in text) is continues and text.startswith("That")


def test_scan_rulings_cut_columns_where_ocr_boxes_swell(rules):
    """Tesseract boxed "07/11/2016" from 389.5 pt, over the ruling at 398 pt (a speck beside
    it): by its left edge it fell into Responsibility; cut at the ruling by its centre it is
    the Target cell's (public bham scan150, page 3)."""
    columns = [Column(CellField.NUMBER, 50.2, "No.", "col.number"),
               Column(CellField.RECOMMENDATION, 92.6, "Recommendation", "col.recommendation"),
               Column(CellField.RESPONSIBILITY, 305.3, "Responsibility", "col.responsibility"),
               Column(CellField.TARGET, 403.7, "Target Date", "col.target"),
               Column(CellField.ASSESSMENT, 483.1, "Assessment", "col.assessment")]
    words = [("of", 92.2, 101.5, 96.0), ("parking", 104.6, 139.4, 96.0), ("Roads", 305.3, 333.6, 94.0),
             ("07/11/2016", 389.5, 457.9, 0.0), ("(Late)", 478.6, 510.5, 43.0)]
    line = Line(tuple(Word(t, x0, x1, 114.5, 125.0, 9.0, False, 3, conf=c) for t, x0, x1, c in words))
    finder = TableFinder(rules)
    unruled = finder.slice_line(line, columns)
    assert unruled[CellField.RESPONSIBILITY].text == "Roads 07/11/2016"  # word gaps alone: wrong
    finder.rulings = {3: ((44.0, 60.0, 560.0), (87.0, 60.0, 560.0), (299.0, 60.0, 560.0), (398.0, 60.0, 560.0),
                          (478.0, 60.0, 560.0), (557.0, 60.0, 560.0))}
    ruled = finder.slice_line(line, columns)
    assert ruled[CellField.RESPONSIBILITY].text == "Roads"
    assert ruled[CellField.TARGET].text == "07/11/2016"
    assert ruled[CellField.ASSESSMENT].text == "(Late)"
    assert ruled[CellField.RECOMMENDATION].text == "of parking"
    # A ruling that does not reach the line (another table further down) cuts nothing.
    finder.rulings = {3: ((398.0, 300.0, 560.0),)}
    assert finder.slice_line(line, columns)[CellField.RESPONSIBILITY].text == "Roads 07/11/2016"


@pytest.mark.parametrize("footer,dropped", [
    ("Council Commissioning and Third Sector Organisations – Progress Report Page 4 of 7", True),
    # OCR lost "of" (key/value report scanned at 150 dpi): the footer stayed a label line and
    # ended record R02 at the page foot, which lost its four other fields.
    ("Council Commissioning and Third Sector Organisations — Progress Report Page 4 7", True),
    ("Page 4 / 7", True),
    ("Target date 2016 7", False),
])
def test_page_footer_furniture(rules, footer, dropped):
    assert any(r.regex.search(footer) for r in rules.layout.furniture) == dropped
