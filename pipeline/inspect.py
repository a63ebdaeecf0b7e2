"""What the pipeline saw in one document, for `scrutiny inspect`.

`describe(x)` formats an `Extraction` made with `detail=True` by `extract.extract_file`,
the path `ingest` takes (pre-filter, OCR screening, the error-to-status mapping): cover
fields, council, scheme, every block with its cells, normalised fields, rule ids and
self-check warnings; `page_boxes` returns the cell boxes of one page for drawing.
"""

from __future__ import annotations

from pipeline.extract import DocumentResult
from pipeline.models import BBox, Extraction, union_bbox
from pipeline.vocab import CellField


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def describe(x: Extraction, page: int | None = None) -> tuple[str, int | None]:
    """Return (report text, first page holding a block) of an extraction made with `detail`:
    each report of the document with its pages, cover fields, council, scheme and blocks."""
    res = x.detail if isinstance(x.detail, DocumentResult) else DocumentResult(x.status, x.message)
    read = f"{len(res.pages)} of {x.n_pages} page(s) read" if res.pages else f"{x.n_pages} page(s)"
    out = [f"{x.source_file}: {read}, sha256 {x.sha256[:16]}…", f"  status {x.status}: {x.message}"]
    for k, rep in enumerate(res.reports, 1):
        r = rep.report
        out.append(f"report {k} of {len(res.reports)}: pages {r.page_first}-{r.page_last} [{rep.segment.rule_id}] "
                   f"title {r.title!r}")
        for f in rep.cover.values():
            out.append(f"  cover {f.field:<20} p{f.page} [{f.rule_id}] {_short(f.text, 70)}")
        out.append(f"  council {rep.council[0]} [{rep.council[1]}]")
        out.append(f"  scheme {rep.scheme.id if rep.scheme else None} [{rep.scheme_rule}]")
        if len(r.reviews) > 1:
            out.append(f"  reviews {list(r.reviews)}")
        out.append(f"  {len(rep.blocks)} block(s)")
        for b, rec in zip(rep.blocks, rep.recommendations):
            if page is not None and page not in b.pages:
                continue
            out.append(f"- {rec.rec_id} pages {b.pages[0]}-{b.pages[-1]} layout {b.layout} [{b.label_rule}; header {b.header_rule}]")
            for c in b.cells:
                box = ", ".join(f"{v:.0f}" for v in c.bbox) if c.bbox else "-"
                out.append(f"    cell {c.field:<15} p{','.join(map(str, c.pages))} bbox({box}) [{c.rule_id}] {_short(c.text)}")
            out.append(f"    review {rec.review_title!r}")
            out.append(f"    target_dates {[d.isoformat() for d in rec.target_dates]} completed {rec.completed_date}")
            out.append(f"    category {rec.category_code} {rec.category_label!r} anticipated {rec.anticipated_date}")
            out.append(f"    lead {rec.responsible_lead!r} partners {list(rec.responsible_partners)}")
            out.append(f"    sub_items {[s.label for s in rec.sub_items]}")
            for p in rec.provenance:
                out.append(f"    rule {p.field:<15} {p.rule_id}")
            for w in rec.warnings:
                out.append(f"    WARNING {w}")
    first = min((b.pages[0] for b in res.blocks), default=None)
    return "\n".join(out), first


def page_boxes(x: Extraction, page: int) -> list[tuple[BBox, CellField]]:
    """Return (bbox, field) of every detected cell on `page`."""
    boxes: list[tuple[BBox, CellField]] = []
    for b in x.detail.blocks if isinstance(x.detail, DocumentResult) else ():
        for c in b.cells:
            bbox = union_bbox([ln.bbox for ln in c.lines if ln.page == page])
            if bbox is not None:
                boxes.append((bbox, c.field))
    return boxes
