"""The self-check: every record says what the pipeline is unsure of; `scrutiny check`."""

import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLES, gold_for
from pdfgen import RECS, table_report
from pipeline.cli import cli
from pipeline.extract import extract_file
from pipeline.fields.check import CODES

HEADERS = ["No.", "Recommendation", "Responsibility", "Target Date", "Assessment", "Evidence of Progress"]
WIDTHS = [34, 160, 80, 60, 70, 110]
FIELDS = ["number", "recommendation", "responsibility", "target", "assessment", "evidence"]


def doubtful_recs():
    recs = [dict(r) for r in RECS]
    recs[0].update(responsibility="", assessment="9 – Parked")  # empty cell; no such category
    recs[1].update(target="when funding allows", evidence="Two vehicles have been procured.")  # no date; no anticipated date
    return recs


def test_warnings_name_each_doubt(tmp_path, rules):
    x = extract_file(table_report(tmp_path / "r.pdf", HEADERS, WIDTHS, doubtful_recs(), fields=FIELDS), rules)
    got = {r.rec_id: r.warnings for r in x.recommendations}
    assert got == {"R01": ("no_responsibility", "unmatched_assessment: 9 – Parked"),
                   "R02": ("unparsed_target: when funding allows", "no_anticipated_date"), "R03": ()}
    assert x.n_warnings == 4
    assert all(w.split(":")[0] in CODES for ws in got.values() for w in ws)


def test_record_label_not_recognised_runs_into_the_one_above(tmp_path, rules):
    recs = [dict(r) for r in RECS]
    recs[2]["number"] = "R 3a"  # a label the rules do not know: its cells run into R02
    x = extract_file(table_report(tmp_path / "r.pdf", HEADERS, WIDTHS, recs, fields=FIELDS), rules)
    assert [r.rec_id for r in x.recommendations] == ["R01", "R02"]
    assert "runs_into_next: R 3a" in x.recommendations[1].warnings


def test_missing_column_and_anticipated_date(tmp_path, rules):
    recs = [dict(r) for r in RECS]
    recs[1]["evidence"] = "Two vehicles have been procured."  # category 3 asks for an anticipated date
    pdf = table_report(tmp_path / "r.pdf", [h for h in HEADERS if h != "Responsibility"], [34, 200, 70, 80, 150],
                       recs, fields=[f for f in FIELDS if f != "responsibility"])
    x = extract_file(pdf, rules)
    assert all("column_missing: responsibility" in r.warnings for r in x.recommendations)
    assert "no_anticipated_date" in x.recommendations[1].warnings


def test_no_warning_on_clean_records(tmp_path, rules):
    x = extract_file(table_report(tmp_path / "r.pdf", HEADERS, WIDTHS, RECS, fields=FIELDS), rules)
    assert x.n_warnings == 0 and "warnings" not in x.message


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_ingest_summary_strict_and_check_command(tmp_path, fmt):
    (tmp_path / "in").mkdir()
    table_report(tmp_path / "in" / "doubtful.pdf", HEADERS, WIDTHS, doubtful_recs(), fields=FIELDS)
    table_report(tmp_path / "in" / "clean.pdf", HEADERS, WIDTHS, RECS, fields=FIELDS)
    (tmp_path / "in" / "empty.pdf").write_bytes(b"")
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(cli, ["ingest", str(tmp_path / "in"), "--out", str(out), "--quiet", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "1 file(s) and 2 record(s) need a look: scrutiny check" in r.output
    r = runner.invoke(cli, ["ingest", str(tmp_path / "in"), "--out", str(out), "--quiet", "--force", "--strict"])
    assert r.exit_code == 1
    r = runner.invoke(cli, ["check", "--data", str(out), "--format", fmt])
    assert r.exit_code == 0, r.output
    if fmt == "json":
        files = {f["source_file"].split("/")[-1]: f for f in json.loads(r.output)}
        assert set(files) == {"doubtful.pdf", "empty.pdf"} and files["empty.pdf"]["status"] == "empty"
        recs = {x["rec_id"]: x["warnings"] for x in files["doubtful.pdf"]["records"]}
        assert recs["R01"] == ["no_responsibility", "unmatched_assessment: 9 – Parked"]
    else:
        assert "clean.pdf" not in r.output and "empty.pdf" in r.output
        assert "unmatched_assessment: 9 – Parked" in r.output and "no_responsibility" in r.output


def test_selfcheck_figures_over_the_public_fixtures(public_out, tmp_path):
    """bench/selfcheck.py: every public record right and none warned with the bundled rules;
    with the record-label rule taken away, every record is wrong and every one flagged."""
    import shutil

    from bench.selfcheck import DAMAGE, figures
    from conftest import FIXTURES, N_RECS
    from pipeline.batch import ingest
    from pipeline.rules import DEFAULT_RULES_DIR, load_rules

    fig = figures(FIXTURES / "gold", public_out)
    assert (fig.wrong, fig.right, fig.right_warned) == (0, N_RECS, 0)
    damaged = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, damaged)
    DAMAGE["no 'responsib…' column name"](damaged)
    pdfs = [p for p in SAMPLES.glob("*--birmingham.pdf")]
    ingest(pdfs, tmp_path / "out", load_rules(damaged), workers=1)
    fig = figures(FIXTURES / "gold", tmp_path / "out")
    assert fig.wrong == sum(len(gold_for(p)["recommendations"]) for p in pdfs) == fig.wrong_flagged


def _ocr_block(cells: dict, conf: float = 92.0):
    """A scanned record built in code: each cell's lines of words with a confidence."""
    from pipeline.models import Cell, Line, RecBlock, Word
    from pipeline.vocab import CellField

    out = []
    for fld, lines in cells.items():
        built = []
        for k, text in enumerate(lines):
            x, words = 90.0, []
            for t in text.split():
                c = conf if not t.startswith("~") else 20.0  # "~word": a word Tesseract doubted
                words.append(Word(t.lstrip("~"), x, x + 5 * len(t), 100 + 12 * k, 110 + 12 * k, 10.0, False, 3, conf=c))
                x += 5 * len(t) + 3
            built.append(Line(tuple(words)))
        out.append(Cell(CellField(fld), tuple(built), f"col.{fld}"))
    return RecBlock("R04", "label.r_number", "tracker", tuple(out), "hdr", frozenset(CellField(f) for f in cells))


@pytest.mark.parametrize("recommendation,responsibility,expected", [
    # Item c)'s label was left out by Tesseract: c ran into b (plain report scanned at 200 dpi).
    (["That the service is reviewed, including:", "a) an online facility;", "b) a reduced charge; and",
      "a trial of skip days."], ["Cabinet Member for Clean Streets"], ["ocr_sub_items: a, b (b runs on past '; and')"]),
    (["That the service is reviewed, including:", "a) an online facility; and", "b) a reduced charge."],
     ["Cabinet Member for Clean Streets"], []),
    (["That the specification be revised so that:", "visits are commissioned for tasks; and",
      "ii) the reason is recorded."], ["Cabinet Member for Clean Streets"], ["ocr_sub_items: ii"]),
    (["That the service is reviewed, including:", "a) an online facility;", "c) a reduced charge."],
     ["Cabinet Member for Clean Streets"], ["ocr_sub_items: a, c"]),
    (["That the service is reviewed."], ["Cabinet Member ~FOF Commissioning"], ["ocr_doubted: responsibility 'FOF' 20"]),
    (["That the service is reviewed."], ["Cabinet Member for Clean Streets"], []),
    # Read with confidence, and wrong (plain report scanned at 200 dpi): no word list holds it.
    (["That the service is reviewed."], ["Ward Councillors and schoot governing bodies"],
     ["ocr_unknown_word: responsibility 'schoot'"]),
    (["That the service is reviewed."], ["Healthwatch Stockton-on-Tees and NHS Foundation Trust"], []),
])
def test_scanned_record_warnings(rules, recommendation, responsibility, expected):
    _check_scanned(rules, recommendation, responsibility, ["October 2015"], expected)


@pytest.mark.parametrize("target,expected", [
    # "Completed" misread: November 2016 became a second target date (narrow scan at 150 dpi).
    (["March 2017", "Compieted November 2016"], ["ocr_unknown_word: target 'Compieted'"]),
    (["Interim evaluation Report – October 2015", "Completed January 2016"], []),
    (["Q2 2016/17 Ongoing"], []),
])
def test_scanned_target_warnings(rules, target, expected):
    _check_scanned(rules, ["That the service is reviewed."], ["Cabinet Member"], target, expected)


def _check_scanned(rules, recommendation, responsibility, target, expected):
    from pipeline.fields.check import record_warnings
    from pipeline.fields.normalise import recommendation as normalise

    scheme = rules.schemes["birmingham"]
    block = _ocr_block({"recommendation": recommendation, "responsibility": responsibility, "target": target,
                        "assessment": ["1 – Achieved Fully"], "evidence": ["Done."]})
    rec = normalise(block, scheme, rules)
    assert record_warnings(block, rec, scheme, rules) == expected


def test_a_name_misread_once_is_warned(rules):
    """Bug (narrow report scanned at 150 dpi): "Hartlepool" read "Hartiepool" in one
    responsibility, with confidence; the same document reads it right elsewhere."""
    from pipeline.fields.check import check_records
    from pipeline.fields.normalise import recommendation as normalise

    scheme = rules.schemes["stockton"]
    cells = {"recommendation": ["That discharge is planned."], "target": ["Ongoing"], "assessment": ["2 – On Track"]}
    blocks = [_ocr_block({**cells, "responsibility": ["Director working with North Tees and Hartiepool NHS Trust"],
                          "evidence": ["Hartlepool and Veolia met in May."]}),
              _ocr_block({**cells, "responsibility": ["Director working with Hartlepool Council and Veolia"],
                          "evidence": ["Done."]})]
    recs = tuple(normalise(b, scheme, rules) for b in blocks)
    warned = check_records(blocks, recs, scheme, rules)
    assert [w for w in warned[0].warnings if w.startswith("ocr_unknown")] == [
        "ocr_unknown_word: responsibility 'Hartiepool' (Hartlepool?)"]
    assert not [w for w in warned[1].warnings if w.startswith("ocr_unknown")]  # Veolia: read alike throughout
