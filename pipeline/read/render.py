"""Draw what the pipeline found on a page: the PNG behind `scrutiny inspect --png`.

Part of the reading stage (it opens the PDF with pdfplumber); it returns bytes and
writes nothing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber

from pipeline.models import BBox
from pipeline.vocab import CellField


def render_page(
    path: str | Path,
    number: int,
    boxes: list[tuple[BBox, CellField]],
    resolution: int = 100,
) -> bytes:
    """Return page `number` of a PDF as PNG bytes with `(bbox, field)` boxes drawn on it."""
    colours = {CellField.NUMBER: "#d62728", CellField.RECOMMENDATION: "#1f77b4", CellField.RESPONSIBILITY: "#2ca02c",
               CellField.TARGET: "#ff7f0e", CellField.ASSESSMENT: "#9467bd", CellField.EVIDENCE: "#8c564b"}
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[number - 1]
        img = page.to_image(resolution=resolution)
        for bbox, field in boxes:
            colour = colours.get(field, "#17becf")
            img.draw_rect(bbox, fill=colour + "33", stroke=colour, stroke_width=2)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        page.close()
    return buf.getvalue()
