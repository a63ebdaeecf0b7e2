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
    ("it)", "ii)"), ("iil)", "iii)"), ("ii}", "ii)"), ("(b]", "(b)"), ("Q?2", "Q2"), ("©", ""),
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
