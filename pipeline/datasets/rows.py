"""Rows stage: one extraction as the rows of each dataset (pure; `write` puts them on disk).

Every row is a row class of `schema.py`, filled by name from the models (`_row`): a column
no model or argument gives is a TypeError, never a silent null.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TypeVar

from pipeline.datasets.schema import FileRow, RecommendationRow, ReportRow, report_id
from pipeline.models import Extraction
from pipeline.text import fold

T = TypeVar("T")


def _structs(items: Iterable[object]) -> list[dict]:
    """Model dataclasses (provenance, sub-items, scheme categories) as the struct values of
    a list column: their fields are the struct's fields (schema.py declares the same names;
    `to_table` refuses a row whose names differ). Boxes are rounded to 0.01 pt."""
    out = []
    for item in items:
        # Flat dataclasses: a shallow dict (asdict's deep copy is most of a file's write).
        d = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}  # type: ignore[arg-type]
        if d.get("bbox"):
            d["bbox"] = [round(v, 2) for v in d["bbox"]]
        out.append(d)
    return out


def _row(row_cls: type[T], *sources: object, **given: object) -> T:
    """A row of `row_cls`: the `given` values, the rest from same-named attributes of
    `sources` (first that has one). A column none of them gives raises TypeError."""
    values = dict(given)
    for f in dataclasses.fields(row_cls):  # type: ignore[arg-type]
        if f.name not in values:
            for src in sources:
                if hasattr(src, f.name):
                    values[f.name] = getattr(src, f.name)
                    break
    return row_cls(**values)


def review_key(title: str | None, report: str) -> str:
    """A review's identity across rounds: its folded title; a report with no title found is a
    review of its own (`untitled:<report_id>`), never merged with another."""
    return fold(title) or f"untitled:{report}"


def rows(x: Extraction) -> dict[str, list]:
    """Return the rows of each dataset for one extraction (every report of the file)."""
    out: dict[str, list] = {
        "files": [_row(FileRow, x, bytes=x.n_bytes, n_reports=len(x.reports), n_recommendations=len(x.recommendations))],
        "reports": [],
        "recommendations": [],
    }
    for part in x.reports:
        rep = part.report
        rid = report_id(x.sha256, rep.report_no)
        reviews = {fold(r.review_title) for r in part.recommendations if r.review_title}
        # A tracker over several reviews has no title of its own; one review's report is keyed by it.
        key = review_key(rep.title or (rep.reviews[0] if len(reviews) == 1 else None), rid)
        out["reports"].append(_row(ReportRow, rep, x, report_id=rid, file_sha256=x.sha256,
                                   n_recommendations=len(part.recommendations), review_key=key,
                                   reviews=list(rep.reviews), provenance=_structs(rep.provenance),
                                   scheme_categories=_structs(rep.scheme_categories),
                                   canonical=True))  # until the batch's end settles it (write.settle_canonical)
        for r in part.recommendations:
            out["recommendations"].append(_row(
                RecommendationRow, r, rep, x, report_id=rid, file_sha256=x.sha256, review_title=r.review_title,
                review_key=review_key(r.review_title, rid),
                sub_items=_structs(r.sub_items),
                responsible_partners=list(r.responsible_partners), target_dates=list(r.target_dates),
                provenance=_structs(r.provenance), warnings=list(r.warnings), canonical=True))
    return out
