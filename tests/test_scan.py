"""A scanned page made fit for OCR (pipeline/read/scan.py): rulings, cells, specks, stacking."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from pipeline.read.scan import Band, clean, column_cells, page_row, stack_cells, vertical_rulings
from pipeline.settings import DEFAULT


def test_vertical_rulings_join_a_lines_pixels_and_break_at_long_gaps():
    down = np.zeros((400, 100), dtype=np.uint8)
    down[10:390, 20:23] = 255  # one ruling three pixels wide, all the way down
    down[10:150, 70:72] = 255  # a ruling that stops at a full-width row ...
    down[153:160, 70:72] = 255  # ... after a dropout of the scan (3 px: the same line)
    down[250:390, 70:72] = 255  # ... and goes on below it (90 px later: another line)
    assert vertical_rulings(down, max_gap=20) == ((21.0, 10.0, 390.0), (70.5, 10.0, 160.0), (70.5, 250.0, 390.0))


def test_column_cells_follow_the_rulings_of_each_stretch():
    # Three rulings over the whole table; a fourth, in the middle, only in its first row.
    vertical = ((10.0, 0.0, 300.0), (60.0, 0.0, 100.0), (110.0, 0.0, 300.0), (200.0, 0.0, 300.0))
    assert column_cells(vertical, min_size=5) == [(10, 0, 60, 100), (60, 0, 110, 100), (110, 0, 200, 300),
                                                  (10, 100, 110, 300)]


def test_stacked_cells_map_back_to_page_rows():
    image = np.full((100, 50), 255, dtype=np.uint8)
    image[20:30, 12:18] = 0  # ink inside the cell
    stacked, bands = stack_cells(image, [(10, 15, 40, 60)], gap=8)
    assert bands == [Band(0, 100, 0), Band(108, 45, 15)]
    assert stacked.shape == (153, 50)
    assert (image[20:30, 12:18] == 0).all()  # the page itself is not changed
    assert (stacked[20:30, 12:18] == 255).all()  # the cell is whitened where it was ...
    assert (stacked[113:123, 12:18] == 0).all()  # ... and read below the page
    assert page_row(bands, 113) == 20 and page_row(bands, 5) == 5


def _page() -> Image.Image:
    """A ruled two-column table on grey paper: in each cell a word of 5-pixel strokes, then
    a full stop (6 x 6 pixels, 3 pixels after the word); specks (3 x 2 pixels) in the
    margins, between the columns, and one beside a word."""
    img = Image.new("L", (1200, 900), 235)
    d = ImageDraw.Draw(img)
    for x in (100, 600, 1100):
        d.line([(x, 100), (x, 800)], fill=20, width=4)
    for y in (100, 800):
        d.line([(100, y), (1100, y)], fill=20, width=4)
    for left in (130, 630):
        for k in range(8):  # letters: upright strokes 5 px wide, 31 px high
            d.rectangle([left + 20 * k, 150, left + 20 * k + 4, 180], fill=10)
        d.rectangle([left + 148, 175, left + 153, 180], fill=10)  # the full stop
    for x, y in ((50, 50), (1150, 400), (400, 600), (850, 700), (300, 160)):
        d.rectangle([x, y, x + 2, y + 1], fill=30)
    return img


def test_clean_finds_the_columns_whitens_rulings_and_drops_specks_only():
    page = clean(_page(), 300, DEFAULT)
    assert abs(page.angle) <= 0.1
    assert [round(x) for x, _, _ in page.vertical] == [100, 600, 1100]
    assert [(x0, x1) for x0, _, x1, _ in page.cells] == [(100, 600), (600, 1100)]
    assert page.specks == 5
    ink = page.image < 128
    assert not ink[300:700, 95:110].any()  # the ruling is gone
    assert ink[150:181, 130:275].sum() >= 0.98 * 8 * 5 * 31  # the words are not (a hair lost to straightening)
    assert ink[175:181, 278:284].sum() >= 25  # nor their full stops
    assert ink[175:181, 778:784].sum() >= 25
    assert not ink[155:166, 296:306].any()  # the speck beside a word is


def test_clean_straightens_a_turned_page():
    turned = _page().rotate(1.2, resample=Image.Resampling.BICUBIC, fillcolor=235)
    page = clean(turned, 300, DEFAULT)
    assert abs(page.angle + 1.2) <= 0.15
    assert len(page.vertical) == 3  # straight again, each ruling is found whole


def test_bitmap_is_a_binary_pbm_with_ink_set():
    from pipeline.read.scan import bitmap

    image = np.full((2, 10), 255, dtype=np.uint8)
    image[0, 0] = image[1, 9] = image[1, 8] = 0  # ink
    assert bitmap(image) == b"P4\n10 2\n" + bytes([0b10000000, 0b00000000, 0b00000000, 0b11000000])
