"""Geometry tolerances of the layout stages, named once with their defaults.

Modelled on pdfplumber's `TableSettings`: every number that steers how words become
lines, header rows and cells lives here, documented and validated.  `rules/layout.yaml`
may override any of them under `settings:`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Tolerances in PDF points, or as multiples of the font size where named `*_gap`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    edge_tol: float = Field(default=2.5, ge=0, description="points a word may start left of its column's edge")
    align_tol: float = Field(default=3.5, ge=0, description="points between a record's first words and the column edges")
    segment_gap: float = Field(default=0.9, gt=0, description="a gap wider than this many font sizes splits a line into cells")
    cell_gap: float = Field(default=1.5, gt=1, description="two cells of a row are more than this many word spaces apart "
                            "(the page's usual space between words): closer than `segment_gap` where a word broken "
                            "mid-word fills its cell, leaving only the cell padding")
    header_line_gap: float = Field(default=0.35, ge=0, description="lines of one header cell are at most this many font sizes apart")
    max_header_lines: int = Field(default=8, ge=1, le=8, description="lines a header cell may take (narrow columns wrap)")
    label_line_gap: float = Field(default=0.35, ge=0, description="key/value layout: lines of one label cell are at most this many font sizes apart")
    long_cell_ratio: float = Field(default=5.0, gt=1, description="self-check: a cell this many times the median length of its column is suspect")
    long_cell_min_chars: int = Field(default=1500, ge=0, description="self-check: cells shorter than this are never suspect for their length")


DEFAULT = Settings()
