"""The light character reader (pipeline/read/chars.py) against pdfplumber's own objects."""

from __future__ import annotations

import warnings

import pdfplumber
import pytest
from pdfplumber.utils.text import extract_words

from pipeline.read.chars import page_objects
from tests.conftest import FIXTURES, FOREIGN, PDFS

WORDS = dict(keep_blank_chars=False, use_text_flow=False, extra_attrs=["fontname", "size"], x_tolerance=3,
             y_tolerance=3)
KEYS = ("text", "x0", "x1", "top", "bottom", "upright", "fontname", "size")
IMAGE_KEYS = ("x0", "x1", "top", "bottom", "width", "height", "srcsize")


def _both(path, number):
    """(pdfplumber's words and images, ours) for one page."""
    with warnings.catch_warnings(), pdfplumber.open(path) as pdf:
        warnings.simplefilter("ignore")
        page = pdf.pages[number - 1]
        theirs = ([{k: w[k] for k in KEYS} for w in page.extract_words(**WORDS)],
                  [{k: i[k] for k in IMAGE_KEYS} for i in page.images])
        page.close()
        page = pdf.pages[number - 1]
        objects = page_objects(page)
        ours = ([{k: w[k] for k in KEYS} for w in extract_words(objects.chars, **WORDS)], objects.images)
        page.close()
    return theirs, ours


# Every sample page, and foreign pages with figures (Form XObjects), images, a moved media box,
# rotated text, CJK font names and duplicated characters.
PAGES = [(p, 1) for p in PDFS] + [(PDFS[0], 2)] + [
    (FIXTURES / "foreign" / name, n) for name, n in [
        ("figure_structure.pdf", 1), ("image_structure.pdf", 1), ("nics-background-checks-2015-11-rotated.pdf", 1),
        ("issue-71-duplicate-chars.pdf", 1), ("issue-1054-example.pdf", 1), ("la-precinct-bulletin-2014-p1.pdf", 1),
        ("mcid_example.pdf", 1), ("issue-842-example.pdf", 1), ("annotations.pdf", 1)]]


@pytest.mark.parametrize(("path", "number"), PAGES, ids=lambda x: getattr(x, "name", str(x)))
def test_words_and_images_are_pdfplumbers_to_the_bit(path, number):
    theirs, ours = _both(path, number)
    assert ours == theirs
    assert ours[0] or ours[1]  # a page with something on it: an empty comparison proves nothing


def test_values_of_one_page():
    tracker = next(p for p in PDFS if p.name == "bham-2016-09-third-sector--tracker.pdf")
    with pdfplumber.open(tracker) as pdf:
        objects = page_objects(pdf.pages[0])
    assert len(objects.chars) == 1228
    first = objects.chars[0]
    assert (first["text"], first["x0"], first["x1"], first["size"]) == ("R", 51.1, 58.32, 10.0)
    assert first["top"] == pytest.approx(50.4008, abs=1e-4)
    assert first["fontname"] == "BAAAAA+LiberationSans-Bold"
    assert objects.images == []


def test_images_and_rotated_text():
    with pdfplumber.open(FIXTURES / "foreign" / "image_structure.pdf") as pdf:
        objects = page_objects(pdf.pages[0])
    assert objects.images == [{"x0": 72.0, "x1": 327.75, "top": pytest.approx(94.49), "bottom": pytest.approx(238.49),
                               "width": 255.75, "height": 144.0, "srcsize": (341, 192)}]
    with pdfplumber.open(FIXTURES / "foreign" / "nics-background-checks-2015-11-rotated.pdf") as pdf:
        objects = page_objects(pdf.pages[0])
    assert len(objects.chars) == 4319
    assert not any(c["upright"] for c in objects.chars)


def test_every_foreign_first_page_reads_the_same_or_fails_the_same():
    same = 0
    for path in FOREIGN:
        try:
            plumber, light = _both(path, 1)
        except Exception as exc:  # noqa: BLE001 - a bad file: ours must fail as well
            with pytest.raises(type(exc)):
                _both(path, 1)
            continue
        assert light == plumber, path.name
        same += 1
    assert same >= 30
