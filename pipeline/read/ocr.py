"""OCR of image-only pages: the scan's words, with boxes and confidences, as `Page`s.

Part of the reading stage: a scanned page comes out as the same `Page` of `Word`s a text
PDF gives (positions in PDF points), so every later stage is the same. The page is
rendered with pypdfium2, cleaned (`scan.py`: straightened, binarised, rulings and specks
removed), read by Tesseract (through pytesseract), its ruled cells apart from the rest,
and corrected by the OCR rules of `rules/ocr.yaml`. Each word keeps Tesseract's
confidence (0-100); words of a text layer have none.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pipeline.models import Page, Word
from pipeline.read.lines import group_lines
from pipeline.read.scan import bitmap, clean, page_row, stack_cells
from pipeline.rules import OcrRules
from pipeline.settings import DEFAULT, Settings
from pipeline.vocab import OcrMode

if TYPE_CHECKING:
    from PIL import Image

# Tesseract's OpenMP threads fight each other (and the worker pool) for the cores:
# one thread per process is several times faster here (2.2 s a page against 18 s).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# A year range Tesseract split ("2018/1" "9") ends in a slash and a digit or two
# (`ocr_split_gap` in Settings says how close the next digits must be).
SPLIT_AFTER = re.compile(r"\d/\d{0,2}$")


# PDFium may not be called from two threads at once, even on two documents (pypdfium2's
# documentation): every use of it in this process holds this lock.
PDFIUM = threading.Lock()
T = TypeVar("T")
R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], items: list[T], threads: int) -> Iterator[R]:
    """`fn` of each item, in order, `threads` at a time. Lazy: a caller that stops early leaves
    the rest undone (at most `threads` started beyond it). Each Tesseract is a process of its
    own, so threads that wait on it use other cores."""
    if threads <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="ocr") as pool:
        ahead: deque[Future[R]] = deque(pool.submit(fn, x) for x in items[:threads])
        rest = iter(items[threads:])
        while ahead:
            done = ahead.popleft()
            nxt = next(rest, None)
            if nxt is not None:
                ahead.append(pool.submit(fn, nxt))
            yield done.result()


class OcrUnavailable(RuntimeError):
    """Tesseract is not installed (the `tesseract-ocr` Debian package; `make` installs it)."""


@dataclass(frozen=True)
class Ocr:
    """How the reading stage treats image-only pages: the mode, the OCR rules, the settings."""

    mode: OcrMode = OcrMode.AUTO
    rules: OcrRules | None = None
    settings: Settings = DEFAULT
    # Whether a page's text looks like a recommendation table (the pre-filter's test): with
    # it, `auto` screens image-only pages cheaply before reading them in full.
    looks_like_table: Callable[[str], bool] | None = None
    threads: int = 1  # pages read at once (each Tesseract takes a core): the cores this worker may use

    def wanted(self, page: Page, image_share: float) -> bool:
        """Whether `page` (as its text layer gave it) is OCR'd: always with `force`; with
        `auto` when it has (almost) no text and an image covers most of it."""
        if self.mode == OcrMode.FORCE:
            return True
        return (self.mode == OcrMode.AUTO and len(page.words) <= self.settings.ocr_max_words
                and image_share >= self.settings.ocr_min_image_share)


@functools.lru_cache(maxsize=1)
def tesseract_version() -> str | None:
    """Tesseract's version, or None when it is not installed."""
    if shutil.which("tesseract") is None:
        return None
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version())
    except (OSError, RuntimeError, pytesseract.TesseractNotFoundError):
        return None


def render(path: str | Path, number: int, dpi: int) -> Image.Image:
    """Page `number` (1-based) of a PDF as a greyscale image at `dpi`."""
    import pypdfium2 as pdfium

    with PDFIUM:
        pdf = pdfium.PdfDocument(str(path))
        try:
            return pdf[number - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        finally:
            pdf.close()


def correct(text: str, rules: OcrRules | None) -> str:
    """An OCR'd word after the OCR rules ("" when a rule drops it)."""
    if rules is None:
        return text
    for c in rules.corrections:
        text = c.compiled.sub(c.replace, text)
    m = rules.label_regex.match(text.strip())
    if m:  # a record label: letters in its number read as the digits they resemble
        number = "".join(rules.label_digits.get(ch, ch) for ch in m.group(1))
        text = text.strip()[:m.start(1)] + number + text.strip()[m.end(1):]
    return text.strip()


def _font_size(boxes: list[tuple[float, float]], settings: Settings) -> float:
    """The page's usual font size from its text lines' (top, bottom) boxes: the pitch of
    consecutive lines within a paragraph over `ocr_line_pitch` (ink heights vary with the
    letters and the font; the pitch does not), else the usual ink height. Not the median
    pitch: on a page of short paragraphs the gaps between them outnumber the lines within
    (a key/value page read 13 pt for 10, and every line became a heading)."""
    if not boxes:
        return 10.0
    heights = sorted(b - t for t, b in boxes)
    ink = heights[len(heights) // 2]
    tops = sorted(t for t, _ in boxes)
    pitches = [d for a, b in zip(tops, tops[1:]) if 0.8 * ink <= (d := b - a) <= 1.8 * ink]
    if len(pitches) < 3:
        return round(ink, 1)
    # The smallest pitch that is common (at least `ocr_pitch_share` of them within
    # `ocr_pitch_tol` of it): the lines within a paragraph; wider pitches are the gaps
    # between paragraphs, however many. Then the median of those near it.
    tol = settings.ocr_pitch_tol
    pitches.sort()
    near = [sum(abs(d - e) <= tol for e in pitches) for d in pitches]
    enough = max(3.0, settings.ocr_pitch_share * len(pitches))
    common = next((d for d, n in zip(pitches, near) if n >= enough), pitches[near.index(max(near))])
    usual = statistics.median(d for d in pitches if abs(d - common) <= tol)
    return round(usual / settings.ocr_line_pitch, 1)


def _words(data: dict[str, list], number: int, scale: float, rules: OcrRules | None, settings: Settings) -> list[Word]:
    """Tesseract's words as `Word`s in PDF points.

    Words share their line's top and bottom, as a text layer's words share a baseline.
    Every word gets one size, the page's usual font size: Tesseract's line box holds only
    ink (its height varies with the letters, and with lines it merges), and a size that
    varied so would read as headings and wrapped cells where there are none. A line's box
    is widened to that size about its centre, as a text layer's box spans the font's
    height: the gaps between wrapped lines are then those of a text PDF.
    """
    lines: dict[tuple[int, int, int], tuple[float, float]] = {}
    for i, level in enumerate(data["level"]):
        if level == 4:  # a text line: its box sets the top and bottom of its words
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines[key] = (data["top"][i] * scale, (data["top"][i] + data["height"][i]) * scale)
    size = _font_size(list(lines.values()), settings)
    out: list[Word] = []
    for i, level in enumerate(data["level"]):
        raw, conf = str(data["text"][i]).strip(), float(data["conf"][i])
        if level != 5 or not raw or conf < 0:
            continue
        text = correct(raw, rules)
        # One or two marks Tesseract is this unsure of are specks ("si", "Z", "oS"); longer
        # words it doubts are mostly real ("Council's" 23, "having" 0), and so is a record
        # label ("ROS" 0 for "R03", checked against its neighbours later), a digit (the "2" of
        # "2 – Achieved Late" read at 35) or a short word ("by" read at 12): `OcrRules.keeps`.
        if not text or (conf < settings.ocr_speck_confidence and len(text) <= settings.ocr_speck_chars
                        and not (rules.keeps(text) if rules is not None else text.isdigit())):
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        x0, width = data["left"][i] * scale, data["width"][i] * scale
        if text != raw and raw.endswith(text):  # characters dropped at the start: move the left edge
            x0 += width * (len(raw) - len(text)) / len(raw)
            width *= len(text) / len(raw)
        elif text != raw and raw.startswith(text):
            width *= len(text) / len(raw)
        top, bottom = lines.get(key, (data["top"][i] * scale, (data["top"][i] + data["height"][i]) * scale))
        middle = (top + bottom) / 2
        top, bottom = round(middle - size / 2, 2), round(middle + size / 2, 2)
        parts = text.split()  # a correction may split a word ("1 – Achieved")
        for k, part in enumerate(parts):
            step = width / len(parts)
            word = Word(part, x0 + k * step, x0 + (k + 1) * step, top, bottom, size, False, number, conf=round(conf, 1))
            prev = out[-1] if out else None
            if prev is not None and prev.top == top and 0 <= word.x0 - prev.x1 < settings.ocr_split_gap * size \
                    and SPLIT_AFTER.search(prev.text) and part[:1].isdigit():
                # Tesseract split a year range at a narrow gap ("2018/1 9"): one word again.
                word = dataclasses.replace(prev, text=prev.text + part, x1=word.x1, conf=min(prev.conf or conf, conf))
                out[-1] = word
                continue
            out.append(word)
    return out


def ocr_page(path: str | Path, number: int, width: float, height: float, ocr: Ocr, dpi: int | None = None,
             scan_dpi: int | None = None) -> Page:
    """Page `number` of a PDF read by OCR at `dpi` (default `ocr_dpi`: a 150 dpi scan is
    brought up to it): a `Page` whose words carry confidences. `scan_dpi` is the resolution
    the page's image is stored at, kept for the message.

    Raises OcrUnavailable when Tesseract is not installed.
    """
    if tesseract_version() is None:
        raise OcrUnavailable("image-only pages need OCR, but Tesseract is not installed "
                             "(Debian: apt install tesseract-ocr; `make` installs it)")
    import pytesseract

    settings = ocr.settings
    dpi = dpi or settings.ocr_dpi
    started = time.perf_counter()
    scan = clean(render(path, number, dpi), dpi, settings)
    rules = ocr.rules
    config = f"--psm {rules.page_segmentation if rules else 6}"
    # The ruled cells are read apart (stacked below the page), so that no text line runs across a ruling.
    image, bands = stack_cells(scan.image, list(scan.cells), gap=round(settings.ocr_min_cell * dpi / 72))
    with tempfile.TemporaryDirectory(prefix="scrutiny-ocr-") as tmp:
        # A 1-bit bitmap, not the PNG pytesseract would encode: no compressing (0.3 s a page),
        # and Tesseract, given ink already binarised, skips thresholding it again (the same words).
        page_file = Path(tmp) / "page.pbm"
        page_file.write_bytes(bitmap(image))
        data = pytesseract.image_to_data(str(page_file), lang=rules.language if rules else "eng", config=config,
                                         output_type=pytesseract.Output.DICT)
    data["top"] = [page_row(bands, t) for t in data["top"]]
    scale = 72 / dpi
    words = _words(data, number, scale, rules, settings)
    columns = tuple((round(x * scale, 2), round(t * scale, 2), round(b * scale, 2)) for x, t, b in scan.vertical)
    return Page(number, width, height, tuple(words), group_lines(words, settings), ocr_skew=scan.angle,
                rulings=columns, scan_dpi=scan_dpi, ocr_seconds=round(time.perf_counter() - started, 2))


def screen_text(path: str | Path, number: int, ocr: Ocr) -> str:
    """A cheap OCR of page `number` at `ocr_screen_dpi` (no straightening), for choosing the
    pages of a long scanned document worth reading in full."""
    import pytesseract

    img = render(path, number, ocr.settings.ocr_screen_dpi)
    return str(pytesseract.image_to_string(img, lang=ocr.rules.language if ocr.rules else "eng", config="--psm 6"))
