"""Batch ingest: per-file timeouts, the worker pool and a Dask cluster write the same datasets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from standins import quick_or_stuck

from conftest import PDFS, gold_for
from pipeline.batch import ingest
from pipeline.cli import cli

# Columns that differ between two runs of the same files: when and how long.
VOLATILE = {"ingested_at", "seconds", "canonical"}  # canonical: decided over the whole data folder, which differs here


def _rows(out, name, key):
    table = ds.dataset(out / name, format="parquet").to_table().to_pylist()
    return sorted(({k: v for k, v in r.items() if k not in VOLATILE} for r in table), key=lambda r: tuple(r[k] for k in key))


@pytest.fixture(scope="session")
def stuck_batch(tmp_path_factory):
    """Three public reports and a file the stand-in parse never finishes (tests/standins.py):
    no test depends on how fast this machine parses."""
    src = tmp_path_factory.mktemp("stuck")
    for pdf in PDFS[:3]:
        shutil.copy(pdf, src / pdf.name)
    shutil.copy(PDFS[3], src / "zz-stuck.pdf")
    return src


def test_timeout_stops_one_file_and_the_batch_goes_on(stuck_batch, tmp_path, rules):
    out = tmp_path / "out"
    # The stand-in answers at once (a canned status), so a short timeout is safe on a busy machine.
    summary = ingest([stuck_batch], out, rules, workers=2, timeout=3, task=quick_or_stuck)
    assert not summary.ok and summary.statuses == {"no_tracking_table": 3, "timeout": 1}
    files = {f["source_file"].rsplit("/", 1)[-1]: f for f in _rows(out, "files", ["source_file"])}
    assert files["zz-stuck.pdf"]["status"] == "timeout" and "--timeout 3" in files["zz-stuck.pdf"]["message"]
    assert [files[p.name]["status"] for p in PDFS[:3]] == ["no_tracking_table"] * 3
    # A timed-out file is retried by the next run (and parsed, when it no longer sticks).
    again = ingest([stuck_batch], out, rules, workers=2, timeout=600)
    assert again.ok and again.statuses == {"parsed": 1} and again.skipped == 3


def _rows_of(out, name, key, files):
    """`_rows` of the given source files only."""
    names = {str(p) for p in files}
    return [r for r in _rows(out, name, key) if r["source_file"] in names]


def test_one_worker_and_two_workers_write_the_same_rows(public_out, tmp_path, rules):
    one = tmp_path / "one"
    ingest(PDFS[:4], one, rules, workers=1)  # in this process; public_out was written by two workers
    for name, key in (("recommendations", ["report_id", "rec_id"]), ("files", ["source_file"])):
        assert _rows(one, name, key) == _rows_of(public_out, name, key, PDFS[:4]) != []


@pytest.fixture(scope="session")
def dask_cluster():
    """One local Dask cluster of worker processes for the Dask tests (it takes seconds to start)."""
    distributed = pytest.importorskip("distributed")  # in the dev extra, so CI always runs these
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def test_dask_local_cluster_writes_the_same_datasets(dask_cluster, public_out, tmp_path):
    batch = PDFS[::4]  # five reports, four layouts
    out = tmp_path / "dask"
    r = CliRunner().invoke(cli, ["ingest", *map(str, batch), "--out", str(out), "--dask-scheduler", dask_cluster,
                                 "--quiet", "--json"])
    assert r.exit_code == 0, r.output
    n_recs = sum(len(gold_for(p)["recommendations"]) for p in batch)
    assert f'"parsed": {len(batch)}' in r.output and f'"recommendations": {n_recs}' in r.output
    # The same rows as the local pool's ingest of the same files (conftest's public_out).
    for name, key in (("recommendations", ["report_id", "rec_id"]), ("reports", ["report_id"]),
                      ("files", ["source_file"])):
        assert _rows(out, name, key) == _rows_of(public_out, name, key, batch), name


def test_dask_timeout_kills_the_file(dask_cluster, stuck_batch, tmp_path, rules):
    # Two threads per worker: the stuck file's child runs beside the quick files' children.
    summary = ingest([stuck_batch], tmp_path / "o", rules, timeout=3, dask_scheduler=dask_cluster, task=quick_or_stuck)
    assert summary.statuses == {"timeout": 1, "no_tracking_table": 3}


def test_dask_scheduler_unreachable_is_reported(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("SCRUTINY_DASK_CONNECT_TIMEOUT", "1")  # not the default 10 s wait
    r = CliRunner().invoke(cli, ["ingest", str(PDFS[0]), "--out", str(tmp_path / "o"), "--dask-scheduler",
                                 "tcp://127.0.0.1:9", "--quiet"])
    assert r.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.output


def test_entries_that_are_no_regular_file_get_a_files_row_and_are_never_opened(tmp_path, rules):
    """Bug (issue #20): a FIFO or a symlink loop inside a folder got no `files` row, and a FIFO
    named directly said "no PDFs found", rc 0. Opening a FIFO would have blocked the batch."""
    import os

    from click.testing import CliRunner

    from pipeline.cli import cli

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PDFS[0], src / "a.pdf")
    os.mkfifo(src / "pipe.pdf")
    (src / "loop.pdf").symlink_to("loop.pdf")
    (src / "broken.pdf").symlink_to(tmp_path / "nowhere.pdf")
    os.mkfifo(tmp_path / "direct")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["ingest", str(src), str(tmp_path / "direct"), "--out", str(out), "--quiet"])
    assert r.exit_code == 1, r.output
    files = {Path(f["source_file"]).name: (f["status"], f["message"]) for f in _rows(out, "files", ("source_file",))}
    assert files["pipe.pdf"] == ("not_pdf", "not a regular file: a FIFO; not read")
    assert files["direct"] == ("not_pdf", "not a regular file: a FIFO; not read")
    assert files["loop.pdf"] == ("not_pdf", "not a regular file: a symlink loop; not read")
    assert files["broken.pdf"][1].startswith("not a regular file: a broken link")
    assert files["a.pdf"][0] == "parsed"
    # A re-run skips them but still exits 1 while they fail (issue #21: a nightly job sees it).
    r = CliRunner().invoke(cli, ["ingest", str(src), str(tmp_path / "direct"), "--out", str(out), "--quiet"])
    assert r.exit_code == 1 and "4 file(s) still failing" in r.output, r.output


def test_a_file_that_changes_while_it_is_read_is_retried_not_lost(tmp_path, rules):
    """Bug (issue #20): a file truncated between hashing and parsing was recorded `corrupt` under
    the intact file's sha256; restored, the re-run said "still failing" and never read it again."""
    from standins import rewritten_while_read

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PDFS[0], src / "a.pdf")
    out = tmp_path / "out"
    summary = ingest([src], out, rules, task=rewritten_while_read)
    files = _rows(out, "files", ("source_file",))
    assert summary.statuses == {"error": 1} and files[0]["message"].startswith("the file changed while it was read")
    shutil.copy(PDFS[0], src / "a.pdf")  # the copy completes
    summary = ingest([src], out, rules)
    assert summary.statuses == {"parsed": 1} and summary.recommendations == len(gold_for(PDFS[0])["recommendations"])
