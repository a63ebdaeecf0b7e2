"""A page's characters and images as pdfplumber gives them, without its full object model.

pdfplumber's `page.chars` interprets the page with pdfminer, builds an `LTChar` per glyph
and every line, rect and curve, then turns each object into a dict of some twenty resolved
attributes (colours, colour spaces, matrices, marked-content ids). The stages use a
character's text, box, font and size, and a page's images; building the rest is most of the
cost of reading a text PDF (bench/RESULTS.md, "where the seconds go").

`page_objects(page)` runs the same pdfminer interpreter over a pdfplumber page with a device
that keeps only those: each character's box is computed exactly as `LTChar` computes it and
placed as `Page.process_object` places it, so the words pdfplumber's `WordExtractor` makes of
them are the same words, to the last bit of every coordinate. Paths are not built at all.
Part of the reading stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.layout import LTChar, LTFigure, LTImage
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter
from pdfminer.pdftypes import PDFStream
from pdfminer.utils import Matrix, apply_matrix_rect
from pdfplumber.page import Page as PlumberPage
from pdfplumber.page import fix_fontname_bytes
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.pdfinternals import resolve_all


@dataclass(frozen=True)
class PageObjects:
    """What the stages read of a page: its characters (dicts with the keys pdfplumber's
    `WordExtractor` uses: text, x0, x1, top, bottom, doctop, upright, fontname, size) and
    its images (x0, x1, top, bottom, width, height, srcsize), in drawing order."""

    chars: list[dict[str, Any]]
    images: list[dict[str, Any]]


def _fontname(font: PDFFont) -> str:
    # As process_object: a font name may be an indirect object, or bytes (CJK fonts).
    name = resolve_all(font.fontname)
    return fix_fontname_bytes(name) if isinstance(name, bytes) else str(name)


class _Device(PDFLayoutAnalyzer):
    """A pdfminer device that records characters as (text, x0, y0, x1, y1, size, font,
    upright) tuples and images as LTImage, in drawing order, and draws no paths."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.glyphs: list[tuple[str, float, float, float, float, float, str, bool]] = []
        self.pictures: list[LTImage] = []
        self._fonts: dict[int, str] = {}  # id(font) -> name; the fonts live as long as the page

    def _font(self, font: PDFFont) -> str:
        name = self._fonts.get(id(font))
        if name is None:
            name = self._fonts[id(font)] = _fontname(font)
        return name

    def render_char(self, matrix: Matrix, font: PDFFont, fontsize: float, scaling: float, rise: float,
                    cid: int, ncs: Any, graphicstate: PDFGraphicState) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        textwidth = font.char_width(cid)
        if font.is_vertical():  # rare: LTChar's own arithmetic, object and all
            item = LTChar(matrix, font, fontsize, scaling, rise, text, textwidth, font.char_disp(cid), ncs,
                          graphicstate)
            self.glyphs.append((text, item.x0, item.y0, item.x1, item.y1, item.size, self._font(font), item.upright))
            return item.adv
        # LTChar.__init__ for a horizontal font, step for step (the same floats).
        adv = textwidth * fontsize * scaling
        descent = font.get_descent() * fontsize
        (a, b, c, d, e, f) = matrix
        if b == 0 and c == 0:
            # apply_matrix_rect's corners when nothing turns: x*a + y*0 + e is x*a + e to the bit
            # (adding a zero changes no float), so two products stand for its eight.
            (x0, x1) = (e, a * adv + e)  # 0*a is 0 (a is finite)
            (y0, y1) = (d * (descent + rise) + f, d * (descent + rise + fontsize) + f)
        else:
            (x0, y0, x1, y1) = apply_matrix_rect(matrix, (0, descent + rise, adv, descent + rise + fontsize))
        if x1 < x0:
            (x0, x1) = (x1, x0)
        if y1 < y0:
            (y0, y1) = (y1, y0)
        self.glyphs.append((text, x0, y0, x1, y1, y1 - y0, self._font(font), a * d * scaling > 0 and b * c <= 0))
        return adv

    def render_image(self, name: str, stream: PDFStream) -> None:
        fig = self.cur_item
        assert isinstance(fig, LTFigure), str(type(fig))
        self.pictures.append(LTImage(name, stream, (fig.x0, fig.y0, fig.x1, fig.y1)))

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        return None  # lines, rects and curves: no stage reads them from a text PDF


def page_objects(page: PlumberPage) -> PageObjects:
    """The characters and images of a pdfplumber page, as its `chars` and `images` would
    give them (the keys the stages use). Raises PdfminerException as `page.chars` does."""
    device = _Device(page.pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    try:
        PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    except Exception as exc:
        raise PdfminerException(exc) from exc
    # Page.process_object: pdfminer's y grows upwards from the media box; pdfplumber's top down.
    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    chars = []
    for text, x0, y0, x1, y1, size, font, upright in device.glyphs:
        top = (height - y1) + mb_top
        if mb_x0 != 0:
            x0, x1 = x0 + mb_x0, x1 + mb_x0
        chars.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": (height - y0) + mb_top,
                      "doctop": top, "upright": upright, "fontname": font, "size": size})
    images = []
    for im in device.pictures:
        x0, x1 = (im.x0 + mb_x0, im.x1 + mb_x0) if mb_x0 != 0 else (im.x0, im.x1)
        images.append({"x0": x0, "x1": x1, "top": (height - im.y1) + mb_top, "bottom": (height - im.y0) + mb_top,
                       "width": im.width, "height": im.height, "srcsize": resolve_all(im.srcsize)})
    return PageObjects(chars, images)
