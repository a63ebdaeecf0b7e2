"""Scanned reports: image-only pages read by OCR (Tesseract) into the same stages."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.synth import scan
from conftest import PDFS
from pdfgen import RECS, RECS_TRUTH, table_report
from pipeline.extract import extract_file
from pipeline.find.blocks import repair_ocr_labels
from pipeline.models import RecBlock
from pipeline.read.ocr import correct, tesseract_version
from pipeline.read.scan import skew_angle
from pipeline.vocab import OcrMode

HEADERS = ["No.", "Recommendation", "Responsibility", "Target Date", "Cabinet Member's Assessment", "Evidence of Progress"]
FIELDS = ["number", "recommendation", "responsibility", "target", "assessment", "evidence"]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """A generated tracker report (three records with known truth), printed and scanned:
    200 dpi, turned 0.8 degrees, speckled."""
    d = tmp_path_factory.mktemp("scan")
    text = table_report(d / "text.pdf", HEADERS, [36, 150, 90, 60, 70, 120], RECS, fields=FIELDS, size=9)
    return scan(text, d / "scanned.pdf")


def test_tesseract_is_installed():
    # `make` installs it (make ocr); the suite must not quietly skip the scanned path.
    assert tesseract_version() is not None and int(tesseract_version().split(".")[0]) >= 4


def test_scanned_report_end_to_end(scanned, rules):
    x = extract_file(scanned, rules)
    assert x.status == "parsed", x.message
    # The message says what the scan was: its resolution, the skew straightened, the cost.
    m = re.search(r"3 page\(s\) OCR'd \(scanned at 200 dpi, straightened by (-?[\d.]+)(?: to (-?[\d.]+))? degrees, "
                  r"([\d.]+) s a page\), mean word confidence (\d+)", x.message)
    assert m is not None, x.message
    assert all(abs(float(a) + 0.8) <= 0.25 for a in m.group(1, 2) if a is not None)
    assert 0 < float(m.group(3)) < 120 and int(m.group(4)) >= 80
    assert [r.rec_id for r in x.recommendations] == [t["rec_id"] for t in RECS_TRUTH]
    assert [r.category_code for r in x.recommendations] == [t["category_code"] for t in RECS_TRUTH]
    assert [[d.isoformat() for d in r.target_dates] for r in x.recommendations] == [t["target_dates"] for t in RECS_TRUTH]
    assert [r.responsible_lead for r in x.recommendations] == [t["lead"] for t in RECS_TRUTH]
    # Provenance marks OCR'd fields with their words' mean confidence.
    conf = {p.field: p.confidence for p in x.recommendations[0].provenance}
    assert conf["recommendation"] is not None and 60 <= conf["recommendation"] <= 100
    assert conf["category_code"] is not None


def test_ocr_never_leaves_a_scan_unread(scanned, rules):
    x = extract_file(scanned, rules, ocr=OcrMode.NEVER)
    assert x.status == "empty" and "image-only page(s) not OCR'd (--ocr never)" in x.message


def test_text_pdfs_never_pay_for_ocr(rules, monkeypatch):
    import pipeline.read.pdf

    def no_ocr(*a, **k):
        raise AssertionError("a text PDF was sent to OCR")

    monkeypatch.setattr(pipeline.read.pdf, "ocr_page", no_ocr)
    x = extract_file(PDFS[0], rules)
    assert x.status == "parsed" and "OCR" not in x.message


@pytest.mark.parametrize("read,fixed", [
    ("RO1", "R01"), ("ROS", "R05"), ("Rl2", "R12"), ("|", ""), ("|R01", "R01"), ("Achieved|", "Achieved"),
    ("_Target", "Target"), ("._Target", "Target"),
    ("Cc)", "c)"), ("Cd)", "Cd)"), ("1—Achieved", "1 – Achieved"), ("as__—_", "as"), (".(Fixed", "(Fixed"),
    (",", ""), ("Recommendation", "Recommendation"), ("2016", "2016"),
    # Seen in the public scans at 150 and 200 dpi: a sub-item label's second i, a bracket,
    # a speck in a quarter, a speck read as a symbol.
    ("it)", "ii)"), ("iil)", "iii)"), ("lii)", "iii)"), ("11)", "11)"), ("‘i)", "i)"), ("-with", "with"),
    ("-2016", "-2016"), ("ii}", "ii)"), ("(b]", "(b)"), ("Q?2", "Q2"), ("©", ""),
    ("it", "it"), ("Q2", "Q2"), ("(2016)", "(2016)"),
])
def test_ocr_corrections(rules, read, fixed):
    assert correct(read, rules.ocr) == fixed


def test_skew_is_measured():
    img = Image.new("L", (1200, 1600), 255)
    draw = ImageDraw.Draw(img)
    for y in range(100, 1500, 40):  # text-like lines: dashes of ink
        for x in range(100, 1100, 30):
            draw.rectangle([x, y, x + 20, y + 10], fill=0)
    turned = img.rotate(-1.3, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert abs(skew_angle(turned, 5.0) - 1.3) <= 0.15
    assert abs(skew_angle(img, 5.0)) <= 0.1
    assert np.asarray(img).shape == (1600, 1200)


def _block(label: str, conf: float | None) -> RecBlock:
    return RecBlock(label, "label.r_number", "tracker", (), "col.number", label_conf=conf)


def test_doubted_labels_are_taken_from_their_neighbours():
    blocks = [_block("R01", 90.0), _block("R05", 12.0), _block("R03", 95.0), _block("ay.", 30.0), _block("R05", 88.0)]
    fixed = repair_ocr_labels(blocks, 60.0)
    assert [b.label for b in fixed] == ["R01", "R02", "R03", "R04", "R05"]
    assert [b.label_read for b in fixed] == [None, "R05", None, "ay.", None]
    assert fixed[1].label_rule == "label.ocr_sequence"
    # Sure labels and text-layer labels are never changed, whatever the sequence.
    kept = [_block("R01", None), _block("R07", None), _block("R03", 99.0)]
    assert repair_ocr_labels(kept, 60.0) == kept
    assert dataclasses.replace(kept[0]) == kept[0]
    # A doubted label in order with its neighbours is kept: a progress report may track
    # R02, R04, R05 and R07 only (generated tracker scanned at 150 dpi: R07 was made R06).
    gaps = [_block("R02", 90.0), _block("R04", 91.0), _block("R05", 90.0), _block("R07", 41.0)]
    assert [b.label for b in repair_ocr_labels(gaps, 60.0)] == ["R02", "R04", "R05", "R07"]
    middle = [_block("R02", 90.0), _block("R04", 30.0), _block("R05", 90.0)]
    assert [b.label for b in repair_ocr_labels(middle, 60.0)] == ["R02", "R04", "R05"]


def test_a_scan_with_no_table_is_screened_not_read_in_full(tmp_path, rules, monkeypatch):
    """A scanned letter costs a quick low-resolution OCR, not a full one per page: with
    `--ocr auto` nothing in it looks like a recommendation table, so no page is read in
    full; `--ocr force` still reads every page."""
    import pipeline.read.pdf
    from pdfgen import Flow

    f = Flow(tmp_path / "letter.pdf", size=11)
    for line in ["Dear Councillor,", "Thank you for your letter about the library opening hours.",
                 "The service will write to you again after the budget meeting.", "Yours sincerely,"]:
        f.text(line)
    f.save()
    letter = scan(tmp_path / "letter.pdf", tmp_path / "letter-scanned.pdf")
    full = pipeline.read.pdf.ocr_page

    def refuse(*a, **k):
        raise AssertionError("a page was OCR'd in full")

    monkeypatch.setattr(pipeline.read.pdf, "ocr_page", refuse)
    x = extract_file(letter, rules)
    assert x.status == "no_tracking_table" and "a quick OCR of 1 image-only page(s) found no recommendation table" in x.message
    monkeypatch.setattr(pipeline.read.pdf, "ocr_page", full)
    forced = extract_file(letter, rules, ocr=OcrMode.FORCE)
    assert forced.status == "no_tracking_table" and "1 page(s) OCR'd" in forced.message


def test_font_size_is_the_pitch_within_paragraphs():
    """Bug (generated key/value report scanned at 200 dpi, page 6): its many short paragraphs
    put more gaps between paragraphs (15.5 pt) than lines within them (11.5 pt); the median
    pitch made the page's type 13 pt, every line a heading, and two records were lost."""
    from pipeline.read.ocr import _font_size
    from pipeline.settings import DEFAULT

    tops = [51.8, 63.3, 78.7, 90.3, 101.5, 117.3, 132.8, 144.3, 154.8, 172.0, 187.5, 202.4, 214.7, 230.1, 241.5,
            258.4, 269.9, 281.4, 296.9, 308.4, 320.0, 335.4, 347.0, 358.4, 374.0, 389.4, 401.0, 412.5, 424.0, 434.4,
            451.0, 461.6, 501.2, 517.6, 528.2, 544.6, 556.1, 572.0, 587.2, 599.7, 614.6, 626.5, 643.2, 654.8, 670.4,
            685.7, 697.4, 708.9, 724.2, 739.7, 755.3, 770.7]
    assert _font_size([(t, t + 9.0) for t in tops], DEFAULT) == 10.0
    assert _font_size([(t, t + 9.0) for t in (100.0, 111.5, 123.0, 134.5, 146.0)], DEFAULT) == 10.0
    # Page 7 of a plain report scanned at 150 dpi: 13.2 pt within paragraphs (read 12.9 to
    # 13.5), 17.3 between them: the pitches within are spread, and still the usual ones.
    page7 = [50.1, 63.1, 76.5, 94.0, 111.4, 128.0, 141.5, 154.4, 171.7, 212.1, 225.3, 238.3, 254.8, 271.4,
             284.6, 296.8, 308.6, 316.7, 329.7, 343.1, 360.3, 377.6, 389.9, 408.2, 425.2, 438.2, 455.5, 473.0,
             490.0, 507.3]
    assert 11.2 <= _font_size([(t, t + 11.0) for t in page7], DEFAULT) <= 11.7
    assert _font_size([(100.0, 109.0)], DEFAULT) == 9.0  # one line: its ink


def test_public_scan_at_150_dpi_skewed_matches_gold(rules):
    """The public corpus's school road safety report printed, scanned at 150 dpi and turned
    0.7-1.1 degrees page by page, read whole: every record field equals gold. Before the
    scan was cleaned and its ruled cells read apart, "Completed 07/11/2016" fell into the
    Responsibility cell, "ii)" was read "it)", and "with West Midlands Police" was read
    "neh ins i taranels mance" beside a taller cell (0.885 by the corpus evaluator)."""
    from bench.scans import field_checks
    from conftest import FIXTURES, gold_for
    from pipeline.datasets.rows import rows as rows_of

    pdf = FIXTURES / "scans" / "bham-2017-01-school-road-safety--scan150.pdf"
    x = extract_file(pdf, rules)
    assert x.status == "parsed", x.message
    assert re.search(r"7 page\(s\) OCR'd \(scanned at 150 dpi, straightened by -?[\d.]+ to -?[\d.]+ degrees", x.message)
    gold = gold_for(pdf)
    assert [r.rec_id for r in x.recommendations] == [g["rec_id"] for g in gold["recommendations"]]
    rows = {r.rec_id: dataclasses.asdict(r) for r in rows_of(x)["recommendations"]}
    wrong = {g["rec_id"]: [k for k, ok in field_checks(g, rows[g["rec_id"]]).items() if not ok]
             for g in gold["recommendations"]}
    assert wrong == {g["rec_id"]: [] for g in gold["recommendations"]}
    r1 = rows["R1"]
    assert [s["label"] for s in r1["sub_items"]] == ["i", "ii", "iii"]
    assert (r1["responsible_lead"], r1["responsible_partners"]) == ("Cabinet Member for Transport and Roads",
                                                                    ["Head of Parking Services"])
    assert str(r1["completed_date"]) == "2016-11-07" and r1["category_code"] == 2
    assert rows["R3"]["responsible_partners"] == ["West Midlands Fire Service", "West Midlands Police"]


def test_doubted_short_words_are_specks_unless_words(rules):
    """Bug (birmingham-large scanned at 150 dpi): "supported by Legal Services" had its "by"
    read at confidence 12 and dropped as a speck, so Legal Services became part of the lead.
    Short words of `short_words`, digits and sub-item labels ("c)" of a plain report scanned
    at 200 dpi, read at 30: item c ran into b) are kept however doubted; other marks go."""
    from pipeline.read.ocr import _words

    texts = [("supported", 12), ("by", 12), ("Legal", 90), ("si", 12), ("2", 30), ("Z", 20), ("c)", 25)]
    data: dict[str, list] = {"level": [], "text": [], "conf": [], "left": [], "top": [], "width": [], "height": [],
                             "block_num": [], "par_num": [], "line_num": []}
    for k, (t, c) in enumerate(texts):
        for key, v in (("level", 5), ("text", t), ("conf", c), ("left", 100 + 60 * k), ("top", 100), ("width", 40),
                       ("height", 30), ("block_num", 1), ("par_num", 1), ("line_num", 1)):
            data[key].append(v)
    words = _words(data, 1, 72 / 300, rules.ocr, rules.layout.settings)
    assert [w.text for w in words] == ["supported", "by", "Legal", "2", "c)"]


def test_the_screen_stops_at_the_first_page_that_looks_like_a_table(scanned, rules, monkeypatch):
    """Issue #23: a scanned report's pages were all screened by a cheap OCR (about a second a
    page) before being read in full; the screen now stops at the first table-like page."""
    import pipeline.read.pdf

    screened: list[int] = []

    def screen(path, number, ocr):
        screened.append(number)
        return "Recommendation Responsibility Target Date Evidence of progress" if number == 2 else "a cover page"

    monkeypatch.setattr(pipeline.read.pdf, "screen_text", screen)
    x = extract_file(scanned, rules)
    assert x.status == "parsed" and screened == [1, 2]  # not page 3
    assert [r.rec_id for r in x.recommendations] == [t["rec_id"] for t in RECS_TRUTH]


def test_pages_are_read_in_parallel_in_order_and_lazily():
    import threading
    import time

    from pipeline.read.ocr import in_parallel

    started: list[int] = []
    names: set[str] = set()

    def slow(n):
        started.append(n)
        names.add(threading.current_thread().name)
        time.sleep(0.01 * (5 - n))  # later items finish first
        return n * n

    assert list(in_parallel(slow, [1, 2, 3, 4], 2)) == [1, 4, 9, 16]
    assert sorted(started) == [1, 2, 3, 4] and all(n.startswith("ocr") for n in names)
    started.clear()
    lazy = in_parallel(slow, list(range(1, 10)), 2)
    assert next(lazy) == 1
    lazy.close()
    assert len(started) <= 3  # the first, and at most `threads` started beyond it
    names.clear()
    assert list(in_parallel(slow, [1, 2], 1)) == [1, 4] and names == {threading.current_thread().name}


def test_two_threads_read_a_scan_as_one_does(scanned, rules):
    one = extract_file(scanned, rules, ocr_threads=1)
    two = extract_file(scanned, rules, ocr_threads=2)
    assert two.status == one.status == "parsed"
    assert two.recommendations == one.recommendations
