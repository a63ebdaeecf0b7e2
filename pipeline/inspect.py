"""What the pipeline saw in one document, for `scrutiny inspect`.

`describe(doc, rules)` returns a readable account of cover fields, the scheme and
every block with its cells, normalised fields and rule ids; `page_boxes` returns
the cell boxes of one page for drawing.
"""

from __future__ import annotations

from .blocks import find_blocks
from .cover import cover_fields, detect_scheme, find_council
from .extract import document_text
from .models import BBox, Document, union_bbox
from .normalise import recommendation
from .rules import Rules, Scheme


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def describe(doc: Document, rules: Rules, page: int | None = None, scheme_id: str | None = None) -> tuple[str, int | None]:
    """Return (report text, first page holding a block)."""
    out = [f"{doc.path}: {len(doc.pages)} page(s), sha256 {doc.sha256[:16]}…"]
    fields = cover_fields(doc.pages, rules)
    for f in fields.values():
        out.append(f"  cover {f.field:<20} p{f.page} [{f.rule_id}] {_short(f.text, 70)}")
    council = find_council(doc.pages, fields, rules)
    out.append(f"  council {council[0]} [{council[1]}]")
    blocks = find_blocks(doc.pages, rules)
    scheme: Scheme | None
    srule: str | None
    if scheme_id:
        scheme, srule = rules.scheme(scheme_id), "scheme.override"
    else:
        scheme, srule = detect_scheme(document_text(doc), [c.text for b in blocks if (c := b.cell("assessment"))], rules)
    out.append(f"  scheme {scheme.id if scheme else None} [{srule}]")
    out.append(f"  {len(blocks)} block(s)")
    for b in blocks:
        if page is not None and page not in b.pages:
            continue
        rec = recommendation(b, scheme, rules)
        out.append(f"- {rec.rec_id} pages {b.pages[0]}-{b.pages[-1]} layout {b.layout} [{b.label_rule}; header {b.header_rule}]")
        for c in b.cells:
            box = ", ".join(f"{v:.0f}" for v in c.bbox) if c.bbox else "-"
            out.append(f"    cell {c.field:<15} p{','.join(map(str, c.pages))} bbox({box}) [{c.rule_id}] {_short(c.text)}")
        out.append(f"    target_dates {[d.isoformat() for d in rec.target_dates]} completed {rec.completed_date}")
        out.append(f"    category {rec.category_code} {rec.category_label!r} anticipated {rec.anticipated_date}")
        out.append(f"    lead {rec.responsible_lead!r} partners {list(rec.responsible_partners)}")
        out.append(f"    sub_items {[s.label for s in rec.sub_items]}")
        for p in rec.provenance:
            out.append(f"    rule {p.field:<15} {p.rule_id}")
    first = min((b.pages[0] for b in blocks), default=None)
    return "\n".join(out), first


def page_boxes(doc: Document, rules: Rules, page: int) -> list[tuple[BBox, str]]:
    """Return (bbox, field) of every detected cell on `page`."""
    boxes: list[tuple[BBox, str]] = []
    for b in find_blocks(doc.pages, rules):
        for c in b.cells:
            bbox = union_bbox([ln.bbox for ln in c.lines if ln.page == page])
            if bbox is not None:
                boxes.append((bbox, c.field))
    return boxes
