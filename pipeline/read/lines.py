"""Words to lines: the words of a page grouped by baseline (part of reading a PDF).

Like pdfplumber's `extract_text_lines`, but on our `Word`s and with the tolerance in
`Settings` (`line_tol`, `line_tol_min`).
"""

from __future__ import annotations

from pipeline.models import Line, Word
from pipeline.settings import DEFAULT, Settings


def group_lines(words: tuple[Word, ...] | list[Word], settings: Settings = DEFAULT) -> tuple[Line, ...]:
    """Group words into lines by their top edge, each line left to right."""
    ordered = sorted(words, key=lambda w: (w.top, w.x0))
    rows: list[list[Word]] = []
    for w in ordered:
        if rows:
            row = rows[-1]
            ref = row[0]
            tol = settings.line_tol * min(w.size, ref.size)
            if abs(w.top - ref.top) <= max(settings.line_tol_min, tol):
                row.append(w)
                continue
        rows.append([w])
    return tuple(Line(tuple(sorted(r, key=lambda w: w.x0))) for r in rows)
