"""Text at the boundaries (pipeline/text.py): what a PDF prints never becomes a formula in a
spreadsheet, nor a control sequence in a terminal."""

from __future__ import annotations

import pytest

from pdfgen import control_char_pdf
from pipeline.read.pdf import read_document
from pipeline.settings import DEFAULT
from pipeline.text import cell_safe, escape_controls, printable


@pytest.mark.parametrize("value, safe", [
    ('=HYPERLINK("http://evil.example/x","Click me")', '\'=HYPERLINK("http://evil.example/x","Click me")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+cmd|x", "'+cmd|x"), ("-2+3+cmd|x", "'-2+3+cmd|x"), ("@SUM(A1:A2)", "'@SUM(A1:A2)"), ("\t=1", "'\t=1"),
    ("+50.0 pts", "+50.0 pts"), ("-3", "-3"), ("12%", "12%"),  # numbers stay numbers
    ("Cabinet Member", "Cabinet Member"), ("bell\x07 and esc\x1b[2J", "bell and esc[2J"), (0.636, 0.636), (None, None),
])
def test_cell_safe_keeps_text_readable_and_never_a_formula(value, safe):
    assert cell_safe(value) == safe


def test_control_characters_are_dropped_or_shown():
    assert printable("a\x00b\x1b[31mc\x07\td\ne\x9b") == "ab[31mc\td\ne"
    assert escape_controls("a\x1b]0;title\x07b\n") == "a\\x1b]0;title\\x07b\n"


def test_a_pdf_fonts_control_characters_never_reach_the_words(tmp_path):
    """Bug (issue #20): NUL, ESC and BEL mapped by a font's /Differences reached the terminal,
    the HTML report, and crashed the xlsx export."""
    doc = read_document(control_char_pdf(tmp_path / "ctl.pdf"), settings=DEFAULT)
    assert [w.text for w in doc.pages[0].words] == ["Hello", "world"]
