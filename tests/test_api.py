"""The Python API (pipeline/__init__.py): the README's examples run, one PDF gives the records
`ingest` writes, the raw Parquet counts as `stats` does, and `--prune` drops deleted sources."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import pipeline
from conftest import FIXTURES, PDFS, SAMPLES, gold_for
from pipeline.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
# Columns that depend on the run or on the whole data folder, not on the PDF.
VOLATILE = {"ingested_at", "seconds", "canonical"}


def readme_examples() -> list[str]:
    """The ```python blocks of the README's "Python API" section, in order."""
    text = README.read_text()
    section = text[text.index("## Python API"):text.index("\n## ", text.index("## Python API") + 5)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture()
def project(public_out, tmp_path, monkeypatch):
    """A project folder as after `make run`: data/raw (the samples), data/processed (ingested)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "raw").symlink_to(SAMPLES)  # resolved paths: the same files public_out ingested
    shutil.copytree(public_out, tmp_path / "data" / "processed")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_readme_examples_run_and_agree_with_stats(project):
    blocks = readme_examples()
    assert len(blocks) == 3
    ns: dict = {}
    for code in blocks:
        exec(compile(code, str(README), "exec"), ns)  # noqa: S102 - the README's own examples
    x = ns["x"]
    assert (x.status, len(x.recommendations)) == ("parsed", 5)
    assert [r.rec_id for r in x.recommendations] == ["R02", "R04", "R05", "R06", "R07"]  # achieved ones dropped out
    assert [r.category_code for r in x.recommendations] == [c["category_code"] for c in gold_for(
        SAMPLES / "bham-2017-07-fly-tipping--plain.pdf")["recommendations"]]
    summary = ns["summary"]
    assert summary.ok and summary.skipped == len(PDFS) and not summary.statuses  # all done by `make run`
    # The README's pandas rule gives exactly `stats`' figures.
    stats = ns["data"].stats(by="municipal-year").set_index("municipal-year")
    for row, counts in (("All", ns["everything"]), ("2016/17", ns["year_2016_17"])):
        got = {str(k): int(v) for k, v in counts.items()}
        want = {o: int(stats.loc[row, o]) for o in ("achieved_late", "not_achieved", "in_progress") if stats.loc[row, o]}
        want["achieved"] = int(stats.loc[row, "achieved"]) - want.get("achieved_late", 0)  # stats' counts both
        assert got == want and sum(got.values()) == stats.loc[row, "recommendations"], row
    assert len(ns["recs"]) < len(ns["every_copy"])  # the samples hold one report in several layouts
    assert ns["history"].height == int(stats.loc["All", "recommendations"])
    assert ns["late"] == int(stats.loc["All", "achieved_late"])


@pytest.mark.parametrize("name", ["bham-2017-07-fly-tipping--plain.pdf", "bham-2016-09-third-sector--tracker.pdf",
                                  "stockton-2016-12-home-care--narrow.pdf"])
def test_one_pdf_in_python_gives_the_records_ingest_wrote(public_out, name):
    x = pipeline.extract_pdf(SAMPLES / name)  # nothing written
    frames = pipeline.records(x)
    ingested = pipeline.open_data(public_out)
    for table, key in (("recommendations", ["rec_id"]), ("reports", ["report_id"])):
        mine = frames[table].drop(columns=list(VOLATILE & set(frames[table].columns)))
        theirs = ingested.pandas(table, all_copies=True)
        theirs = theirs[theirs["source_file"] == str(SAMPLES / name)].drop(columns=list(VOLATILE & set(theirs.columns)))
        assert len(mine) == len(theirs) > 0
        mine, theirs = mine.sort_values(key).reset_index(drop=True), theirs.sort_values(key).reset_index(drop=True)
        assert mine.astype(str).to_dict("records") == theirs.astype(str).to_dict("records")


def test_canonical_is_in_the_raw_parquet(public_out):
    raw = pd.read_parquet(public_out / "recommendations", dtype_backend="pyarrow")
    rounds = pd.read_parquet(public_out / "rounds", dtype_backend="pyarrow")
    merged = raw.merge(rounds[["report_id", "review_key", "canonical"]], on=["report_id", "review_key"], suffixes=("", "_r"))
    assert len(merged) == len(raw) and (merged["canonical"] == merged["canonical_r"]).all()
    # Third-sector 2016-09 is printed in four layouts: one copy counts.
    copies = raw[raw["source_file"].str.contains("bham-2016-09-third-sector")]
    assert copies["report_id"].nunique() == 4 and copies[copies["canonical"]]["report_id"].nunique() == 1
    reports = pd.read_parquet(public_out / "reports", dtype_backend="pyarrow")
    assert set(reports[reports["canonical"]]["report_id"]) == set(raw[raw["canonical"]]["report_id"])


def test_prune_drops_the_rows_of_deleted_sources(tmp_path):
    src, other = tmp_path / "in", tmp_path / "elsewhere"
    src.mkdir()
    other.mkdir()
    for p in PDFS[:2]:
        shutil.copy(p, src / p.name)
    shutil.copy(PDFS[2], other / PDFS[2].name)
    out = tmp_path / "out"
    assert pipeline.ingest([src, other], out, workers=1).ok
    (src / PDFS[0].name).unlink()
    (other / PDFS[2].name).unlink()  # outside the folder pruned: kept
    r = CliRunner().invoke(cli, ["ingest", str(src), "--out", str(out), "--prune", "--quiet"])
    assert r.exit_code == 0 and "1 pruned (deleted)" in r.output, r.output
    data = pipeline.open_data(out)
    files = set(data.pandas("files")["source_file"])
    assert files == {str((src / PDFS[1].name).resolve()), str((other / PDFS[2].name).resolve())}
    recs = data.pandas("recommendations", all_copies=True)
    assert set(recs["source_file"]) == files
    assert set(data.pandas("history")["review_key"]) == set(recs["review_key"])  # rebuilt without it
    r = CliRunner().invoke(cli, ["verify", "--data", str(out)])
    assert r.exit_code == 0, r.output


def test_every_command_gives_the_same_message_on_a_folder_no_ingest_wrote(tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    said = set()
    for args in (["stats"], ["check"], ["query", "select 1"], ["report", "--out", str(tmp_path / "r.html")], ["verify"]):
        r = CliRunner().invoke(cli, [*args, "--data", str(empty)])
        assert r.exit_code == 2, (args, r.output)
        said.add(r.output.strip().splitlines()[-1])
    assert said == {f"Error: no datasets under {empty}: run `scrutiny ingest PATHS --out {empty}` first"}
    with pytest.raises(pipeline.NoData):
        pipeline.open_data(empty)


@pytest.fixture(scope="module")
def mixed_out(tmp_path_factory):
    """Two samples, three foreign PDFs (no tracking table, empty, encrypted) and a copy."""
    src, out = tmp_path_factory.mktemp("mixed"), tmp_path_factory.mktemp("mixed-out")
    for p in [*PDFS[:2], *(FIXTURES / "foreign" / n for n in ("issue-33-lorem-ipsum.pdf", "empty.pdf", "password-example.pdf"))]:
        shutil.copy(p, src / p.name)
    shutil.copy(PDFS[0], src / "copy.pdf")
    summary = pipeline.ingest([src], out, workers=1)
    assert summary.statuses["encrypted"] == 1 and not summary.ok
    return out


def test_check_lists_what_needs_a_look_and_filters(mixed_out):
    def check(*args: str) -> list[str]:
        r = CliRunner().invoke(cli, ["check", "--data", str(mixed_out), *args])
        assert r.exit_code == 0, r.output
        return r.output.splitlines()

    lines = check()
    assert all(len(line) <= 100 for line in lines)
    named = " ".join(lines)
    assert "password-example.pdf" in named and "empty.pdf" in named
    assert "lorem-ipsum" not in named and "copy.pdf" not in named  # no tracking table, duplicate: routine
    every = " ".join(check("--all"))
    assert "issue-33-lorem-ipsum.pdf" in every and "copy.pdf" in every
    only = check("--status", "encrypted", "--format", "csv")
    assert len(only) == 2 and only[1].split(",")[1] == "encrypted"
    data = pipeline.open_data(mixed_out)
    assert set(data.needs_a_look(statuses=["empty"])["status"]) == {"empty"}
    assert data.needs_a_look(codes=["no_such_code"]).empty
