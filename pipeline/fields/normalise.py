"""Normalise stage: turn blocks and cover fields into typed records.

`recommendation(block, scheme, rules)` -> `Recommendation`;
`report(fields, council, scheme, rules)` -> `Report`.  Semantics follow
docs/normalisation.md (the contract).
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.fields.dates import parse_date
from pipeline.fields.split import anticipated_date, paragraphs, read_assessment, split_recommendation, split_responsibility, split_targets
from pipeline.models import CoverField, Provenance, RecBlock, Recommendation, Report, SchemeCategory
from pipeline.rules import Rules, Scheme
from pipeline.text import clean, rec_number
from pipeline.vocab import CellField, CoverName


def rec_id(label: str) -> str:
    """The printed label with all whitespace removed (`R 01` -> `R01`)."""
    return re.sub(r"\s+", "", label)




def _prov(block: RecBlock, cell_field: CellField, column: str, rule_id: str | None) -> Provenance | None:
    """Where `column` came from: the rule, and the page and box of its cell."""
    cell = block.cell(cell_field)
    if cell is None or not rule_id:
        return None
    return Provenance(column, rule_id, cell.pages[0] if cell.pages else None, cell.bbox, cell.confidence)


def recommendation(block: RecBlock, scheme: Scheme | None, rules: Rules, report_title: str | None = None) -> Recommendation:
    """Split and normalise one recommendation block; its review is its row's review cell
    (a tracker over several reviews) or else `report_title`."""
    def text_of(name: CellField) -> str:
        cell = block.cell(name)
        return cell.text if cell is not None else ""

    rec_cell = block.cell(CellField.RECOMMENDATION)
    rec = split_recommendation(rec_cell, rules)
    resp_cell = block.cell(CellField.RESPONSIBILITY)
    resp = split_responsibility(text_of(CellField.RESPONSIBILITY), rules,
                                ocr=resp_cell is not None and resp_cell.confidence is not None)
    targets = split_targets(text_of(CellField.TARGET), rules)
    assessment = read_assessment(text_of(CellField.ASSESSMENT), scheme)
    ev_cell = block.cell(CellField.EVIDENCE)
    evidence = "\n".join(paragraphs(ev_cell, rules.layout.settings)) if ev_cell is not None else ""
    anticipated, ant_rule = None, None
    if assessment.category is not None and assessment.category.asks_anticipated_date:
        anticipated, ant_rule = anticipated_date(clean(evidence), rules)
    pages = block.pages or (0,)
    review_cell = block.cell(CellField.REVIEW)
    review = clean(review_cell.text) if review_cell is not None else ""
    # Named by the column each entry explains (rules for the column's cell).
    prov = [
        _prov(block, CellField.RECOMMENDATION, "recommendation",
              "+".join((rec_cell.rule_id, *rec.rule_ids)) if rec_cell is not None else None),
        Provenance("rec_id", block.label_rule, pages[0], None, block.label_conf),
        _prov(block, CellField.RESPONSIBILITY, "responsibility", "+".join(resp.rule_ids) or "responsibility.no_relation"),
        _prov(block, CellField.TARGET, "target_dates", "+".join(targets.rule_ids) or "date.none"),
        _prov(block, CellField.ASSESSMENT, "category_code", assessment.rule_id),
        _prov(block, CellField.EVIDENCE, "evidence", ev_cell.rule_id if ev_cell is not None else None),
        _prov(block, CellField.EVIDENCE, "anticipated_date", ant_rule) if ant_rule else None,
        _prov(block, CellField.REVIEW, "review_title", review_cell.rule_id) if review_cell is not None else None,
    ]
    return Recommendation(
        rec_id=rec_id(block.label),
        rec_number=rec_number(block.label),
        recommendation=rec.text,
        sub_items=rec.sub_items,
        responsibility=resp.text,
        responsible_lead=resp.lead,
        responsible_partners=resp.partners,
        target_text=targets.text,
        target_date=targets.target_dates[0] if targets.target_dates else None,
        target_dates=targets.target_dates,
        completed_date=targets.completed_date,
        assessment_text=assessment.text,
        category_code=assessment.code,
        category_label=assessment.label,
        category_outcome=assessment.outcome,
        achieved_late=assessment.achieved_late,
        evidence=evidence,
        anticipated_date=anticipated,
        page_first=pages[0],
        page_last=pages[-1],
        layout=block.layout,
        provenance=tuple(p for p in prov if p is not None),
        review_title=review or report_title,
    )


def report(
    fields: dict[str, CoverField],
    council: tuple[str | None, str | None],
    scheme: tuple[Scheme | None, str | None],
    rules: Rules,
) -> Report:
    """Normalise the cover-page fields of a report."""
    def text(name: str) -> str | None:
        f = fields.get(name)
        return clean(f.text) or None if f is not None else None

    def date(name: str) -> dt.date | None:
        return parse_date(text(name), rules)

    # The contact e-mail only tells the council (its own provenance entry); it is no column.
    prov = [Provenance(f.field, f.rule_id, f.page, f.bbox) for f in fields.values() if f.field != CoverName.CONTACT_EMAIL]
    if council[1]:
        prov.append(Provenance("council", council[1], None, None))
    if scheme[1]:
        prov.append(Provenance("category_scheme", scheme[1], None, None))
    return Report(
        council=council[0],
        committee=text("committee"),
        report_date=date("report_date"),
        title=text("title"),
        report_of=text("report_of"),
        date_approved=date("date_approved"),
        review_lead_member=text("review_lead_member"),
        lead_officer=text("lead_officer"),
        date_last_tracked=date("date_last_tracked"),
        category_scheme=scheme[0].id if scheme[0] is not None else None,
        scheme_rule=scheme[1],
        provenance=tuple(prov),
        scheme_categories=tuple(SchemeCategory(c.code, c.label, c.outcome, c.criteria)
                                for c in (scheme[0].categories if scheme[0] is not None else ())),
    )
