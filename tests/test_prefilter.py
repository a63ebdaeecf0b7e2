"""The agenda-pack pre-filter: page choice from cheap texts, and same records as a full parse."""

from __future__ import annotations

import random

import pytest

from bench.synth import write_pack, write_report
from pipeline.extract import extract_file
from pipeline.read.pdf import page_texts
from pipeline.read.prefilter import is_table_page, select_pages

HEADER = "No. Recommendation Responsibility Target Date Assessment Evidence of Progress"
PROSE = "The Committee agreed the recommendation in the report and noted the update."


@pytest.mark.parametrize("text,expected", [
    (HEADER, True),
    ("Ref\nRecommendation\nLead Officer\nDue date\nStatus", True),  # one cell per line, as pdfium reads Word tables
    (PROSE, False),
    ("Recommendation Responsibility", False),  # one other column only
    ("Service Budget Forecast Variance Target Status", False),  # no recommendation column
])
def test_is_table_page(rules, text, expected):
    assert is_table_page(text, rules) is expected


def test_short_documents_are_parsed_whole(rules):
    sel = select_pages([PROSE] * (rules.prefilter.min_pages - 1), rules)
    assert sel.pages is None and sel.describe() == f"all {rules.prefilter.min_pages - 1} page(s)"


def test_pack_pages_around_the_table(rules):
    texts = [PROSE] * 100
    texts[40] = "Progress Report on Implementation: Tackling Fly-tipping"
    texts[41] = "Appendix 1: The Tracking Process\nCategory Criteria"
    texts[42] = texts[43] = texts[45] = HEADER  # page 45 (index 44) carries no header: a long record
    texts[90] = "Progress Report on Implementation was noted in the agenda index"  # a marker alone: not chosen
    sel = select_pages(texts, rules)
    pre = rules.prefilter
    assert sel.table_pages == (43, 44, 46)
    # The run starts at the title page (41): the cover and criteria come with it.
    assert sel.pages == tuple(range(41 - pre.pages_before, 46 + pre.pages_after + 1))
    assert "pre.table_page" in sel.rule_ids and "pre.progress_report_title" in sel.rule_ids
    assert sel.describe() == f"pages {41 - pre.pages_before}-{46 + pre.pages_after} of 100 (pre-filter)"


def test_pack_without_a_table_chooses_nothing(rules):
    sel = select_pages([PROSE] * 60, rules)
    assert sel.pages == () and sel.table_pages == ()


def test_page_texts_of_unreadable_file_is_none(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really a pdf")
    assert page_texts(bad) is None


@pytest.mark.parametrize("layout", ["tracker", "rows", "rows-ruled"])
def test_pack_gives_the_same_records_as_a_full_parse(tmp_path, rules, layout):
    pdf = tmp_path / "pack.pdf"
    truth = write_pack(pdf, random.Random(11), n_pages=30, report_pages=6, layout=layout)  # > min_pages 24
    quick = extract_file(pdf, rules)
    full = extract_file(pdf, rules, all_pages=True)
    assert quick.status == full.status == "parsed" and quick.n_pages == full.n_pages == truth.n_pages
    assert "(pre-filter)" in quick.message and "pre-filter" not in full.message
    assert quick.recommendations == full.recommendations and quick.reports == full.reports
    # The report's own cover, not the pack's first pages (bug: every cover field was null).
    assert (quick.reports[0].report.title, quick.reports[0].report.committee, quick.reports[0].report.report_date) == \
           (truth.title, truth.committee, truth.report_date)
    assert [(r.rec_id, r.category_code, r.target_date) for r in quick.recommendations] == \
           [(t["rec_id"], t["category_code"], t["target_date"]) for t in truth.recommendations]
    # Records keep the pack's page numbers.
    first, last = truth.report_pages
    assert all(first <= r.page_first <= r.page_last <= last for r in quick.recommendations)


def test_pack_with_no_report_is_no_tracking_table(tmp_path, rules):
    pdf = tmp_path / "pack.pdf"
    write_pack(pdf, random.Random(5), n_pages=40, report_pages=0, layout="none")
    x = extract_file(pdf, rules)
    assert x.status == "no_tracking_table" and "pre-filter" in x.message and not x.recommendations


def test_last_record_stops_at_the_next_agenda_item(tmp_path, rules):
    """Bug: parsing a whole pack, the report's last record ran on through every
    following page (its cells swallowed the work programme) to the end of the pack."""
    pdf = tmp_path / "pack.pdf"
    truth = write_pack(pdf, random.Random(1), n_pages=40, report_pages=5, layout="tracker")
    last = extract_file(pdf, rules, all_pages=True).recommendations[-1]
    assert last.page_last == truth.report_pages[1]
    assert last.target_text == truth.recommendations[-1]["target_text"]


def test_synthetic_reports_match_truth(tmp_path, rules):
    rng = random.Random(7)
    for k, layout in enumerate(["tracker", "rows", "rows-ruled"] * 2):
        truth = write_report(tmp_path / f"{k}.pdf", rng, layout)
        got = extract_file(tmp_path / f"{k}.pdf", rules).recommendations
        assert [(r.rec_id, r.category_code, r.target_date, r.responsible_lead) for r in got] == \
               [(t["rec_id"], t["category_code"], t["target_date"], t["responsible_lead"]) for t in truth.recommendations]


def _merge(path, sources):
    """Concatenate PDFs (test set-up only; the pipeline never writes PDFs)."""
    import pypdfium2 as pdfium

    pack = pdfium.PdfDocument.new()
    for src in sources:
        doc = pdfium.PdfDocument(str(src))
        pack.import_pages(doc)
        doc.close()
    pack.save(str(path))
    pack.close()


@pytest.mark.parametrize("report", ["bham-2016-11-fly-tipping--birmingham.pdf", "bham-2018-03-fly-tipping--tracker.pdf",
                                    "stockton-2016-06-home-care--birmingham.pdf"])
def test_real_report_inside_a_pack_of_real_documents(tmp_path, rules, report):
    """A public report between two real unrelated documents (Federal Register, 15 pages;
    a research paper, 17 pages): the same records as the report alone, pages shifted."""
    from conftest import FIXTURES, PDFS

    before = FIXTURES / "foreign" / "federal-register-2020-17221.pdf"
    after = FIXTURES / "foreign" / "issue-316-example.pdf"
    alone = next(p for p in PDFS if p.name == report)
    pack = tmp_path / "pack.pdf"
    _merge(pack, [before, alone, after])
    solo = extract_file(alone, rules)
    packed = extract_file(pack, rules)
    assert packed.status == "parsed" and "(pre-filter)" in packed.message, packed.message
    assert packed.n_pages == 15 + solo.n_pages + 17
    fields = ("rec_id", "recommendation", "responsibility", "responsible_lead", "target_date", "category_code",
              "evidence", "anticipated_date")
    assert [[getattr(r, f) for f in fields] for r in packed.recommendations] == \
           [[getattr(r, f) for f in fields] for r in solo.recommendations]
    assert [r.page_first for r in packed.recommendations] == [r.page_first + 15 for r in solo.recommendations]
    p, s = packed.reports[0].report, solo.reports[0].report
    assert (p.title, p.committee, p.report_date, p.council) == (s.title, s.committee, s.report_date, s.council)


def test_report_and_its_copy_in_a_pack_count_once(tmp_path, rules):
    """History recognises the standalone report and its copy inside an agenda pack
    (council, title, report date) and counts each recommendation once."""
    from conftest import FIXTURES, PDFS
    from pipeline.batch import ingest
    from pipeline.datasets.history import history

    alone = next(p for p in PDFS if p.name == "bham-2016-11-fly-tipping--birmingham.pdf")
    src = tmp_path / "src"
    src.mkdir()
    _merge(src / "agenda-pack.pdf", [FIXTURES / "foreign" / "WARN-Report-for-7-1-2015-to-03-25-2016.pdf", alone,
                                     FIXTURES / "foreign" / "issue-67-example.pdf"])
    ingest([alone], tmp_path / "one", rules)
    ingest([alone, src], tmp_path / "both", rules)
    one, both = history(tmp_path / "one"), history(tmp_path / "both")
    assert len(one) == len(both) == len(extract_file(alone, rules).recommendations)
    assert list(both["categories"]) == list(one["categories"])
