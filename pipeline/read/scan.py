"""A scanned page made fit for OCR: straightened, binarised, rulings found and whitened, specks removed.

Part of the reading stage (`ocr.py` calls it between rendering and Tesseract). Works on
the page as rendered at `ocr_dpi` (a 150 dpi scan is brought up to it, the size Tesseract
reads best). The vertical rulings it finds are kept, in pixels, for the block stage to cut
columns at (`Page.rulings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.settings import Settings

if TYPE_CHECKING:
    from PIL import Image

Box = tuple[int, int, int, int]  # x0, top, x1, bottom in pixels
# Pixel sizes below are for a page rendered at this resolution; others are scaled.
BASE_DPI = 300


@dataclass(frozen=True)
class CleanScan:
    """A page image ready for OCR (black ink on white, 0/255), with what cleaning found."""

    image: np.ndarray
    angle: float  # degrees the scan was turned by to straighten it
    vertical: tuple[tuple[float, float, float], ...]  # vertical rulings: (x, top, bottom) pixels
    specks: int  # isolated specks removed
    cells: tuple[Box, ...] = ()  # the boxes between vertical rulings, read apart from the rest


def skew_angle(img: Image.Image, max_angle: float) -> float:
    """The rotation (degrees, counter-clockwise) that makes the text lines of a scan level.

    Text lines are level when the row profile of dark pixels is sharpest (the variance of
    its differences is largest); searched coarse to fine on a reduced copy.
    """
    from PIL import Image as PILImage

    small = img.copy()
    small.thumbnail((800, 800))
    dark = PILImage.fromarray((np.asarray(small) < 128).astype(np.uint8) * 255)

    def sharpness(angle: float) -> float:
        rows = np.asarray(dark.rotate(angle, resample=PILImage.Resampling.NEAREST, fillcolor=0)).sum(axis=1)
        return float(np.square(np.diff(rows.astype(np.float64))).sum())

    best, step = 0.0, 1.0
    candidates = list(np.arange(-max_angle, max_angle + 1e-9, step))
    while step >= 0.05:
        best = max(candidates, key=sharpness)
        step /= 4
        candidates = list(np.arange(best - 3 * step, best + 3 * step + 1e-9, step))
    return round(float(best), 2)


def deskew(img: Image.Image, max_angle: float) -> tuple[Image.Image, float]:
    """The scan straightened, and the angle it was turned by."""
    from PIL import Image as PILImage

    angle = skew_angle(img, max_angle) if max_angle > 0 else 0.0
    if abs(angle) < 0.05:
        return img, 0.0
    return img.rotate(angle, resample=PILImage.Resampling.BICUBIC, fillcolor=255, expand=False), angle


def _line_mask(ink: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    """The ink lying on straight runs at least `length` pixels long (a morphological
    opening with a line), horizontal or vertical."""
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)


def vertical_rulings(down: np.ndarray, max_gap: int) -> tuple[tuple[float, float, float], ...]:
    """Vertical rulings as (x, top, bottom) pixels from a mask of vertical runs, left to
    right then top to bottom: adjacent columns are one ruling (a scanned line is a few
    pixels wide), broken where it stops for more than `max_gap` pixels (a table's rows
    ruled apart by a full-width row) and joined across shorter gaps (a scan's dropouts)."""
    counts = (down > 0).sum(axis=0)
    xs = np.flatnonzero(counts)
    out: list[tuple[float, float, float]] = []
    start = 0
    for k in range(1, len(xs) + 1):
        if k == len(xs) or xs[k] - xs[k - 1] > 2:
            group = xs[start:k]
            x = round(float(np.average(group, weights=counts[group])), 1)
            rows = np.flatnonzero((down[:, group] > 0).any(axis=1))
            breaks = np.flatnonzero(np.diff(rows) > max_gap)
            for lo, hi in zip(np.r_[0, breaks + 1], np.r_[breaks, len(rows) - 1]):
                out.append((x, float(rows[lo]), float(rows[hi] + 1)))
            start = k
    return tuple(out)


def column_cells(vertical: tuple[tuple[float, float, float], ...], min_size: int) -> list[Box]:
    """The cells between neighbouring vertical rulings: for each stretch of height the same
    rulings run through, the boxes between consecutive ones (stretches with the same
    neighbours one above another are one box)."""
    cuts = sorted({t for _, t, _ in vertical} | {b for _, _, b in vertical})
    boxes: dict[tuple[int, int], list[int]] = {}  # (x0, x1) -> [top, bottom] of the open box
    out: list[Box] = []
    for top, bottom in zip(cuts, cuts[1:]):
        xs = sorted(x for x, t, b in vertical if t <= top and b >= bottom)
        pairs = {(round(a), round(b)) for a, b in zip(xs, xs[1:]) if b - a >= min_size}
        for pair in list(boxes):
            if pair not in pairs or boxes[pair][1] < round(top):
                t, b = boxes.pop(pair)
                out.append((pair[0], t, pair[1], b))
        for pair in pairs:
            if pair in boxes:
                boxes[pair][1] = round(bottom)
            else:
                boxes[pair] = [round(top), round(bottom)]
    out += [(x0, t, x1, b) for (x0, x1), (t, b) in boxes.items()]
    return sorted((b for b in out if b[3] - b[1] >= min_size), key=lambda b: (b[1], b[0]))


@dataclass(frozen=True)
class Band:
    """Where a part of the page sits in the image given to Tesseract: rows `start` to
    `start + height` of that image are the page's rows from `top`."""

    start: int
    height: int
    top: int


def stack_cells(image: np.ndarray, cells: list[Box], gap: int) -> tuple[np.ndarray, list[Band]]:
    """One image for Tesseract: the page with its ruled cells whitened, then each cell below
    it at its own x, `gap` white rows apart. Tesseract reads a page's text lines across the
    whole width; read so, a cell's line never runs into the next cell's, whose lines sit at
    other heights (it read "with West" beside a taller cell as "neh ins i")."""
    if not cells:
        return image, [Band(0, image.shape[0], 0)]
    rest = image.copy()
    parts, bands, start = [rest], [Band(0, image.shape[0], 0)], image.shape[0]
    for x0, top, x1, bottom in cells:
        rest[top:bottom, x0:x1] = 255
        strip = np.full((gap + bottom - top, image.shape[1]), 255, dtype=image.dtype)
        strip[gap:, x0:x1] = image[top:bottom, x0:x1]
        parts.append(strip)
        bands.append(Band(start + gap, bottom - top, top))
        start += strip.shape[0]
    return np.vstack(parts), bands


def bitmap(image: np.ndarray) -> bytes:
    """A black-and-white image (0 ink, 255 paper) as a binary PBM file (P4: 1 bit a pixel, 1 = ink)."""
    height, width = image.shape
    return b"P4\n%d %d\n" % (width, height) + np.packbits(image == 0, axis=1).tobytes()


def page_row(bands: list[Band], row: float) -> float:
    """The page row of row `row` of the stacked image (`stack_cells`)."""
    for band in reversed(bands):
        if row >= band.start - 1:
            return row - band.start + band.top
    return row


def _despeckle(ink: np.ndarray, dpi: int, settings: Settings) -> tuple[np.ndarray, int]:
    """`ink` without its specks: blobs of at most `ocr_speck_area` pixels (at 300 dpi) with
    no other ink within `ocr_speck_isolation` points. A full stop or the dot of an i sits
    next to its letters and stays (a size rule alone would take the dots of a 150 dpi
    scan's i's, no bigger than its specks)."""
    import cv2

    scale = dpi / BASE_DPI
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    tiny = area <= settings.ocr_speck_tiny * scale * scale
    small = area <= settings.ocr_speck_area * scale * scale
    small[0] = tiny[0] = False  # the background
    if not small.any():
        return ink, 0
    big = (ink > 0) & ~small[labels]
    radius = max(1, round(settings.ocr_speck_isolation * dpi / 72))
    near = cv2.dilate(big.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2))
    touching = np.bincount(labels[near > 0], minlength=n) > 0
    drop = tiny | (small & ~touching)
    out = ink.copy()
    out[drop[labels]] = 0
    return out, int(drop.sum())


def clean(img: Image.Image, dpi: int, settings: Settings) -> CleanScan:
    """Page image `img` (greyscale, rendered at `dpi`) straightened, binarised (Otsu), its
    rulings found and whitened (Tesseract reads a ruling touching a word as "|" or as part
    of the word) and its isolated specks removed (read as "'", "-" or whole false words)."""
    import cv2

    straight, angle = deskew(img, settings.ocr_max_skew)
    grey = np.asarray(straight)
    ink = np.asarray(cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1], dtype=np.uint8)
    length = max(20, int(min(grey.shape) * settings.ocr_ruling_share))
    down = _line_mask(ink, length, horizontal=False)
    lines = np.asarray(cv2.dilate(down | _line_mask(ink, length, horizontal=True), np.ones((3, 3), np.uint8)),
                       dtype=np.uint8)
    text, specks = _despeckle(ink & ~lines, dpi, settings)
    points = dpi / 72
    vertical = vertical_rulings(down, max_gap=round(settings.ocr_ruling_gap * points))
    cells = column_cells(vertical, min_size=round(settings.ocr_min_cell * points))
    return CleanScan(255 - text, angle, vertical, specks, tuple(cells))
