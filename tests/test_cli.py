"""CLI conventions: help with examples, exit codes, data on stdout."""

import json

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, PDFS
from pipeline.cli import cli


@pytest.mark.parametrize("cmd", [["ingest"], ["rules", "check"], ["inspect"], ["check"], ["stats"], ["query"], ["report"]])
def test_help_has_example(cmd):
    r = CliRunner().invoke(cli, [*cmd, "-h"])
    assert r.exit_code == 0 and "Example:" in r.output


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(cli, ["ingest", str(PDFS[0]), "--scheme", "nope", "--out", str(tmp_path)]).exit_code == 2
    assert runner.invoke(cli, ["ingest", "--workers", "0"]).exit_code == 2
    bad = tmp_path / "rules"
    bad.mkdir()
    assert runner.invoke(cli, ["rules", "check", "--rules", str(bad)]).exit_code == 2


def test_ingest_json_summary(tmp_path):
    r = CliRunner().invoke(cli, ["ingest", str(PDFS[0]), "--out", str(tmp_path), "--quiet", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["statuses"] == {"parsed": 1} and data["recommendations"] == 5
    assert data["history"] == 5 and list((tmp_path / "history").glob("*.parquet"))


def test_rules_check_lists_ids():
    r = CliRunner().invoke(cli, ["rules", "check"])
    assert r.exit_code == 0
    assert "scheme.stockton.3\tcategory" in r.output and "rel.supported_by\trelation" in r.output


def test_inspect_shows_rules_and_draws_png(tmp_path):
    pdf = next(p for p in PDFS if p.name == "stockton-2016-12-home-care--tracker.pdf")
    png = tmp_path / "p3.png"
    r = CliRunner().invoke(cli, ["inspect", str(pdf), "--page", "3", "--png", str(png)])
    assert r.exit_code == 0, r.output
    assert "- R2 pages 3-" in r.output and "[label.r_number;" in r.output
    assert "layout tracker" in r.output and "scheme stockton [scheme.detect.appendix]" in r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_inspect_shows_what_ingest_finds_in_an_agenda_pack(tmp_path, rules):
    """Bug (issue #11): `inspect` wired the stages by hand and skipped the cover's start in a
    pack, so it showed no cover fields where `ingest` found them. Both take one path now."""
    import random

    from bench.synth import write_pack
    from pipeline.extract import extract_file

    pdf = tmp_path / "pack.pdf"
    truth = write_pack(pdf, random.Random(3), n_pages=30, report_pages=5, layout="rows")
    r = CliRunner().invoke(cli, ["inspect", str(pdf)])
    assert r.exit_code == 0, r.output
    ingested = extract_file(pdf, rules)
    assert len(ingested.reports) == 1 and ingested.reports[0].report.title == truth.title
    assert "cover title" in r.output and truth.title[:40] in r.output
    assert "cover committee" in r.output and f"{len(ingested.recommendations)} block(s)" in r.output


def test_query_from_stdin_and_one_rendering_of_values(public_out):
    """Issue #13: `query -` reads SQL from stdin; markdown; dates as dates in JSON; lists
    and structs as JSON in CSV; null empty in every text format."""
    sql = ("select rec_id, completed_date, target_dates, sub_items[1] as first_item from recommendations "
           "where canonical and rec_id = 'R01' and report_date = date '2016-11-16'")
    r = CliRunner().invoke(cli, ["query", "-", "--data", str(public_out), "--format", "json"], input=sql)
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output)
    assert row["completed_date"] == "2016-06-30" and row["target_dates"] == ["2016-08-31"]
    assert row["first_item"]["label"] == "a"
    r = CliRunner().invoke(cli, ["query", sql, "--data", str(public_out), "--format", "csv"])
    assert r.output.splitlines()[1].startswith('R01,2016-06-30,"[""2016-08-31""]","{""label"": ""a""')
    r = CliRunner().invoke(cli, ["query", "select null as nothing, 1 as one", "--data", str(public_out),
                                 "--format", "markdown"])
    assert r.output.splitlines() == ["| nothing | one |", "|---|---|", "|  | 1 |"]


@pytest.mark.parametrize("args", [["--help"], ["stats"], ["stats", "--flags", "--by", "council"]])
def test_quick_commands_import_no_heavy_library(args, public_out):
    """Issue #13: `scrutiny --help` and `stats` started in 1.1 s, most of it importing
    spaCy, pdfplumber, pandas and pyarrow they do not use. What they import is checked here (the time
    itself is measured by bench/startup.py, never in a test)."""
    import subprocess
    import sys

    data = [] if args == ["--help"] else ["--data", str(public_out)]
    code = ("import sys; from pipeline.cli import cli\n"
            f"try: cli({[*args, *data]!r})\n"
            "except SystemExit as e: assert e.code == 0, e.code\n"
            "heavy = {'pandas', 'pyarrow', 'spacy', 'pdfplumber', 'matplotlib'} & set(sys.modules)\n"
            "assert not heavy, heavy")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert ("Usage" if args == ["--help"] else "All") in res.stdout


def test_output_that_cannot_be_written_is_one_line(public_out, tmp_path):
    """Bug (issue #20): stdout on a full device (stats, check) and a report below /proc were tracebacks."""
    import subprocess
    import sys
    from pathlib import Path

    scrutiny = str(Path(sys.executable).with_name("scrutiny"))
    for args in (["stats"], ["check", "--format", "json"], ["query", "select * from recommendations"]):
        with open("/dev/full", "w") as full:
            r = subprocess.run([scrutiny, *args, "--data", str(public_out)], stdout=full, stderr=subprocess.PIPE, text=True)
        assert r.returncode == 1 and r.stderr.splitlines() == ["Error: cannot write standard output: No space left on device"], r.stderr
    r = subprocess.run([scrutiny, "report", "--data", str(public_out), "--out", "/proc/r.html"], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.splitlines() == ["Error: cannot write /proc/r.html: No such file or directory"], r.stderr


FOREIGN_ENCRYPTED = FIXTURES / "foreign" / "password-example.pdf"


def test_inspect_runs_under_the_ingest_limits(tmp_path):
    """Bug (issue #20): `inspect` had no limits (3.49 GB on a hostile PDF). It reads in a worker
    under --timeout and --max-memory, and says so in one line when one is reached."""
    from pdfgen import inflating_pdf

    bomb = str(inflating_pdf(tmp_path / "bomb.pdf", 600))  # a stream inflating to 600 MB
    r = CliRunner().invoke(cli, ["inspect", bomb, "--max-memory", "200", "--timeout", "300"])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 1 and len(lines) == 1 and lines[0].startswith(f"Error: {bomb}: too_large: "), r.output
    assert "--max-memory 200 MB" in r.output
    pdf = str(PDFS[0])
    r = CliRunner().invoke(cli, ["inspect", pdf, "--timeout", "0.001"])  # less than starting a worker takes
    assert r.exit_code == 1 and r.output.strip() == f"Error: {pdf}: timeout: reading took longer than --timeout 0.001 s; stopped"
    r = CliRunner().invoke(cli, ["inspect", str(FOREIGN_ENCRYPTED)])
    assert r.exit_code == 1 and r.output.strip().startswith(f"Error: {FOREIGN_ENCRYPTED}: encrypted: ")
