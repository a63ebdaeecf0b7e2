"""The key/value layout: one two-column table per recommendation, on generated reports
and on the public boxed reports."""

import pytest

from conftest import PDFS
from pdfgen import RECS, RECS_TRUTH, check, keyvalue_report, long_recs
from pipeline.extract import extract_file

BIRMINGHAM = {"recommendation": "Recommendation", "responsibility": "Responsibility",
              "target": "Target date for completion", "assessment": "Cabinet Member's assessment",
              "evidence": "Evidence of progress"}
OTHER = {"recommendation": "Rec.", "responsibility": "Lead Officer", "target": "Timescale",
         "assessment": "Executive Assessment of Progress", "evidence": "Progress Update"}


@pytest.mark.parametrize("labels,label_width", [(BIRMINGHAM, 120), (BIRMINGHAM, 70), (OTHER, 90), (OTHER, 60)])
def test_keyvalue_labels_wrapped_and_broken(tmp_path, rules, labels, label_width):
    pdf = keyvalue_report(tmp_path / "kv.pdf", labels, (label_width, 480 - label_width), RECS)
    x = extract_file(pdf, rules)
    assert x.status == "parsed", x.message
    check(x.recommendations, RECS_TRUTH, RECS)
    assert {r.layout for r in x.recommendations} == {"keyvalue"}


@pytest.mark.parametrize("title_row,ruled", [(True, True), (False, False), (True, False)])
def test_keyvalue_title_row_and_unruled(tmp_path, rules, title_row, ruled):
    pdf = keyvalue_report(tmp_path / "kv.pdf", BIRMINGHAM, (110, 370), RECS, title_row=title_row, ruled=ruled)
    check(extract_file(pdf, rules).recommendations, RECS_TRUTH, RECS)


def test_keyvalue_values_over_page_breaks(tmp_path, rules):
    recs = long_recs(5, sentences=45)
    pdf = keyvalue_report(tmp_path / "kv.pdf", BIRMINGHAM, (110, 370), recs, space_before=300)
    got = extract_file(pdf, rules).recommendations
    check(got, [dict(RECS_TRUTH[k % 3], rec_id=f"R{k + 1:02d}") for k in range(5)], recs)
    assert sum(r.page_last > r.page_first for r in got) >= 2


def test_public_boxed_report(rules):
    pdf = next(p for p in PDFS if p.name == "bham-2016-09-third-sector--boxed.pdf")
    x = extract_file(pdf, rules)
    assert [r.rec_id for r in x.recommendations] == ["R01", "R02", "R03", "R04", "R05"]
    r01 = x.recommendations[0]
    assert r01.layout == "keyvalue" and r01.category_code == 1 and r01.completed_date.isoformat() == "2016-01-31"
    assert r01.responsible_partners == ("Third Sector Assembly",)
    assert r01.evidence.endswith("to ensure there is no duplication.") and r01.page_last == 4
    assert x.reports[0].report.title == "Council Commissioning and Third Sector Organisations"


def test_table_without_record_label_is_reported_not_dropped_silently(tmp_path, rules):
    from click.testing import CliRunner

    from pipeline.cli import cli

    recs = [dict(r) for r in RECS]
    recs[1]["number"] = ""  # "Recommendation" with no R-number
    (tmp_path / "in").mkdir()
    pdf = keyvalue_report(tmp_path / "in" / "kv.pdf", BIRMINGHAM, (110, 370), recs)
    x = extract_file(pdf, rules)
    assert [r.rec_id for r in x.recommendations] == ["R01", "R03"]
    assert "1 recommendation table(s) without a record label skipped" in x.message and x.n_warnings == 1
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["ingest", str(tmp_path / "in"), "--out", str(out), "--quiet"]).exit_code == 0
    r = CliRunner().invoke(cli, ["check", "--data", str(out), "--format", "csv"])
    assert "without a record label skipped" in r.output and "kv.pdf" in r.output
