"""One PDF through every stage: read -> blocks -> cover -> fields -> normalise.

`extract_file(path, rules)` never raises for bad input: it returns an `Extraction`
whose `status` and one-line `message` say what happened, with the normalised report
and recommendations when the file is a tracking report.  Nothing is written here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.fields.check import check_records
from pipeline.fields.key import printed_scheme
from pipeline.fields.normalise import recommendation, report
from pipeline.fields.scheme import confirmed, detect_scheme
from pipeline.find.blocks import find_blocks
from pipeline.find.council import find_council
from pipeline.find.cover import cover_fields, cover_start
from pipeline.find.reports import Segment, restarts, split_reports
from pipeline.models import CoverField, Document, Extraction, Page, RecBlock, Recommendation, Report, ReportRecords
from pipeline.read.ocr import Ocr, screen_text, tesseract_version
from pipeline.read.pdf import TOO_LARGE, ReadError, file_sha256, page_texts, read_document
from pipeline.read.prefilter import PageSelection, is_table_page, select_pages
from pipeline.rules import Rules, Scheme
from pipeline.vocab import CellField, OcrMode, Status


def document_text(pages: tuple[Page, ...] | list[Page]) -> str:
    """All text of some pages, line by line (used for scheme detection)."""
    return "\n".join(ln.text for p in pages for ln in p.lines)


@dataclass(frozen=True)
class ReportResult:
    """Everything the stages found for one report of a document (what `inspect` shows):
    its pages, the report record, blocks, cover fields, council, scheme and records."""

    segment: Segment
    report: Report
    blocks: tuple[RecBlock, ...] = ()
    cover: dict[str, CoverField] = field(default_factory=dict)
    council: tuple[str | None, str | None] = (None, None)
    scheme: Scheme | None = None
    scheme_rule: str | None = None
    recommendations: tuple[Recommendation, ...] = ()


@dataclass(frozen=True)
class DocumentResult:
    """Everything the stages found in one read document: a status, a one-line message
    and its reports (what `inspect` shows and `extract_file` turns into rows)."""

    status: Status
    message: str
    reports: tuple[ReportResult, ...] = ()
    unlabelled: int = 0  # recommendation tables skipped for want of a record label
    pages: tuple[int, ...] = ()  # the pages read (all, or the pre-filter's choice)

    @property
    def blocks(self) -> tuple[RecBlock, ...]:
        return tuple(b for r in self.reports for b in r.blocks)

    @property
    def recommendations(self) -> tuple[Recommendation, ...]:
        return tuple(rec for r in self.reports for rec in r.recommendations)

    @property
    def n_warnings(self) -> int:
        return sum(len(r.warnings) for r in self.recommendations) + self.unlabelled


def extract_document(doc: Document, rules: Rules, scheme_id: str | None = None) -> DocumentResult:
    """Run the stages after reading on one document: its reports (`find.reports`), and for
    each its blocks, cover, council, scheme, fields and self-check."""
    return dataclasses.replace(_extract_document(doc, rules, scheme_id), pages=tuple(p.number for p in doc.pages))


def _extract_document(doc: Document, rules: Rules, scheme_id: str | None) -> DocumentResult:
    if not any(p.words for p in doc.pages):
        rotated = sum(p.rotated_words for p in doc.pages)
        if rotated:
            return DocumentResult(Status.NO_TRACKING_TABLE, f"only rotated text ({rotated} words not upright); no tracking table read")
        screened = sum(p.ocr_screened for p in doc.pages)
        if screened:
            return DocumentResult(Status.NO_TRACKING_TABLE, f"a quick OCR of {screened} image-only page(s) found no "
                                  "recommendation table; not read in full (--ocr force reads every page)")
        return DocumentResult(Status.EMPTY, _no_text(doc))
    found: list[tuple[Segment, tuple[RecBlock, ...]]] = []
    unlabelled = 0
    for seg in split_reports(doc.pages, rules):
        blocks = find_blocks(seg.pages, rules)
        labelled = tuple(b for b in blocks if b.label)
        unlabelled += len(blocks) - len(labelled)
        if labelled:
            found += restarts(seg, labelled)
    skipped = f"; {unlabelled} recommendation table(s) without a record label skipped" if unlabelled else ""
    if not found:
        return DocumentResult(Status.NO_TRACKING_TABLE,
                              f"no recommendation tracking table found in {len(doc.pages)} page(s){skipped}{_ocr_note(doc)}",
                              unlabelled=unlabelled)
    covered = any(seg.cover is not None for seg, _ in found)
    reports = tuple(_report(seg, blocks, k, rules, scheme_id, pack=len(found) > 1 or covered)
                    for k, (seg, blocks) in enumerate(found, 1))
    recs = [r for rep in reports for r in rep.recommendations]
    schemes = sorted({rep.report.category_scheme or "unknown" for rep in reports})
    msg = f"{len(recs)} recommendation(s), scheme {', '.join(schemes)}{skipped}"
    if len(reports) > 1:
        spans = ", ".join(f"pages {r.report.page_first}-{r.report.page_last}" for r in reports)
        msg = f"{len(reports)} reports ({spans}); " + msg
    flagged = sum(bool(r.warnings) for r in recs)
    if flagged:
        msg += f"; {flagged} with warnings (scrutiny check)"
    msg += _ocr_note(doc)
    return DocumentResult(Status.PARSED, msg, reports, unlabelled)


def _report(seg: Segment, blocks: tuple[RecBlock, ...], number: int, rules: Rules, scheme_id: str | None,
            pack: bool) -> ReportResult:
    """One report's cover, council, scheme and records from its segment and blocks.

    `pack`: the document holds reports with covers, so a segment without one is a table
    that no cover claims (its records say so)."""
    # No cover opened it: the page before its first table with the most cover labels, if any.
    start = seg.cover if seg.cover is not None else cover_start(seg.pages, rules, min(blocks[0].pages, default=0))
    fields = cover_fields(seg.pages, rules, start=start) if seg.cover is not None or not pack else {}
    council = find_council(seg.pages[start:start + 2], fields, rules)
    scheme: tuple[Scheme | None, str | None]
    sure = True  # False: the scheme is the council's default and nothing printed confirms it
    if scheme_id:
        scheme = (rules.scheme(scheme_id), "scheme.override")
    else:
        assessments = [c.text for b in blocks if (c := b.cell(CellField.ASSESSMENT)) is not None]
        scheme = detect_scheme(text := document_text(seg.pages), assessments, rules, council[1],
                               printed=lambda: printed_scheme(seg.pages, rules))
        if scheme[0] is not None and (scheme[1] or "").startswith("scheme.council"):
            sure = confirmed(scheme[0], text, assessments, rules.layout.settings.scheme_min_score)
    rep = report(fields, council, scheme, rules)
    recs = check_records(blocks, tuple(recommendation(b, scheme[0], rules, rep.title) for b in blocks), scheme[0], rules,
                         scheme_confirmed=sure, scheme_printed=scheme[1] == "scheme.printed_key")
    last = max((p for b in blocks for p in b.pages), default=seg.last)
    if seg.cover is None and pack:
        why = _NO_COVER.get(seg.rule_id, "no report cover opened them")
        note = f"no_cover: pages {seg.first}-{last} {why}; cover fields left empty"
        recs = tuple(dataclasses.replace(r, warnings=(note, *r.warnings)) for r in recs)
    else:
        note = "no_title: no review title on the cover or in the row; the records form a review of their own"
        recs = tuple(dataclasses.replace(r, warnings=(note, *r.warnings)) if r.review_title is None else r for r in recs)
    reviews = tuple(dict.fromkeys(r.review_title for r in recs if r.review_title))
    rep = dataclasses.replace(rep, report_no=number, page_first=seg.first, page_last=last, cover_found=seg.cover is not None,
                              reviews=reviews)
    return ReportResult(seg, rep, blocks, fields, council, scheme[0], scheme[1], recs)


# Why a report's records carry `no_cover`, by the rule that cut its segment (find/reports.py).
_NO_COVER = {"report.no_cover": "come before every report cover of the file",
             "report.numbering_restart": "start the numbering again after another report's table"}


def _no_text(doc: Document) -> str:
    """Why a document gave no words: image-only pages not OCR'd, or none at all."""
    unread = sum(p.unread_image for p in doc.pages)
    if unread and tesseract_version() is None:
        return (f"no text on any of {len(doc.pages)} page(s): {unread} image-only page(s) need OCR, but Tesseract "
                "is not installed (Debian: apt install tesseract-ocr; `make` installs it)")
    if unread:
        return f"no text on any of {len(doc.pages)} page(s): {unread} image-only page(s) not OCR'd (--ocr never)"
    if doc.ocr_pages:
        return f"no text on any of {len(doc.pages)} page(s), OCR included ({len(doc.ocr_pages)} page(s) OCR'd)"
    return f"no text on any of {len(doc.pages)} page(s)"


def _ocr_note(doc: Document) -> str:
    """What the message says of OCR: pages read by it, the resolution they were scanned at,
    the skew straightened, seconds a page and the mean word confidence."""
    pages = [p for p in doc.pages if p.ocr_skew is not None]
    if not pages:
        return ""

    def span(values: list, unit: str) -> str:
        lo, hi = min(values), max(values)
        return f"{lo}{unit}" if lo == hi else f"{lo} to {hi}{unit}"

    dpis = [p.scan_dpi for p in pages if p.scan_dpi]
    angles = [p.ocr_skew for p in pages]
    seconds = [p.ocr_seconds for p in pages if p.ocr_seconds is not None]
    notes = [f"scanned at {span(dpis, ' dpi')}"] if dpis else []
    notes += [f"straightened by {span(angles, ' degrees')}"] if angles and any(angles) else []
    notes += [f"{sum(seconds) / len(seconds):.1f} s a page"] if seconds else []
    confs = [w.conf for p in pages for w in p.words if w.conf is not None]
    mean = f", mean word confidence {sum(confs) / len(confs):.0f}" if confs else ""
    return f"; {len(pages)} page(s) OCR'd ({', '.join(notes)}){mean}" if notes else f"; {len(pages)} page(s) OCR'd{mean}"


def choose_pages(path: str | Path, rules: Rules, ocr: Ocr | None = None) -> tuple[PageSelection | None, bool]:
    """The pre-filter's choice of pages for a long document (None = parse every page: short
    documents, and files pdfium cannot read), and whether it was made by screening a
    document without a text layer with a cheap low-resolution OCR (when `ocr` is on)."""
    texts = page_texts(path, min_pages=rules.prefilter.min_pages)
    if texts is None:
        return None, False
    if not any(t.strip() for t in texts):
        if ocr is None or ocr.mode == OcrMode.NEVER or tesseract_version() is None:
            return None, False
        return select_pages([screen_text(path, n, ocr) for n in range(1, len(texts) + 1)], rules), True
    return select_pages(texts, rules), False


def extract_file(path: str | Path, rules: Rules, scheme_id: str | None = None, sha256: str | None = None,
                 all_pages: bool = False, ocr: OcrMode = OcrMode.AUTO, detail: bool = False,
                 ocr_threads: int = 1) -> Extraction:
    """Run every stage on one file; bad input becomes a status, never an exception.

    Long documents (agenda packs) are screened page by page first and only the pages
    near a tracking table are parsed; `all_pages` parses every page instead. Image-only
    pages are read by OCR as `ocr` says (`read.ocr`). `detail`: keep what every stage
    found (`Extraction.detail`, what `inspect` shows). `ocr_threads`: scanned pages read at once
    (the cores this process may use).
    """
    reader = Ocr(ocr, rules.ocr, rules.layout.settings, functools.partial(is_table_page, rules=rules), ocr_threads)
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path = Path(path)
    n_bytes = path.stat().st_size if path.exists() else 0

    def done(status: Status, message: str, n_pages: int = 0, reports: tuple[ReportRecords, ...] = (),
             sha: str = "", unlabelled: int = 0, result: DocumentResult | None = None) -> Extraction:
        return Extraction(str(path), sha, n_bytes, n_pages, status, message,
                          round(time.perf_counter() - started, 4), now, reports, unlabelled=unlabelled,
                          detail=result if detail else None)

    try:
        sha = sha256 or file_sha256(path)
    except OSError as exc:
        return done(Status.ERROR, f"cannot read file: {exc.strerror or exc}")
    try:
        selection, screened = (None, False) if all_pages else choose_pages(path, rules, reader)
        if screened:  # the chosen pages were screened already: read them in full at once
            reader = dataclasses.replace(reader, looks_like_table=None)
        if selection is not None and selection.pages == ():
            return done(Status.NO_TRACKING_TABLE, f"no page of {selection.n_pages} looks like a tracking table "
                        "(pre-filter; --all-pages parses every page)", selection.n_pages, sha=sha)
        doc = read_document(path, sha256=sha, pages=selection.pages if selection else None, settings=rules.layout.settings,
                            n_pages=selection.n_pages if selection else None, ocr=reader)
        res = extract_document(doc, rules, scheme_id)
        message = res.message
        if selection is not None and selection.pages is not None:
            message += f"; {selection.describe()}"
        reports = tuple(ReportRecords(r.report, r.recommendations) for r in res.reports)
        return done(res.status, message, doc.n_pages, reports, sha, res.unlabelled, res)
    except ReadError as exc:
        return done(exc.status, exc.message, sha=sha)
    except MemoryError:
        return done(Status.TOO_LARGE, TOO_LARGE, sha=sha)
    except Exception as exc:  # a parser bug must not stop the batch; keep the reason
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return done(Status.ERROR, f"internal error: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})", sha=sha)
