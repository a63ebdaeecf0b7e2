"""Batch ingest: per-file timeouts, the worker pool and a Dask cluster write the same datasets."""

from __future__ import annotations

import shutil

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from standins import parse_or_stuck, quick_or_stuck

from conftest import N_RECS, PDFS
from pipeline.cli import cli
from pipeline.ingest import ingest

# Columns that differ between two runs of the same files: when and how long.
VOLATILE = {"ingested_at", "seconds"}


def _rows(out, name, key):
    table = ds.dataset(out / name, format="parquet").to_table().to_pylist()
    return sorted(({k: v for k, v in r.items() if k not in VOLATILE} for r in table), key=lambda r: tuple(r[k] for k in key))


@pytest.fixture(scope="module")
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
    summary = ingest([stuck_batch], out, rules, workers=2, timeout=10, task=parse_or_stuck)
    assert not summary.ok and summary.statuses == {"parsed": 3, "timeout": 1}
    files = {f["source_file"].rsplit("/", 1)[-1]: f for f in _rows(out, "files", ["source_file"])}
    assert files["zz-stuck.pdf"]["status"] == "timeout" and "--timeout 10" in files["zz-stuck.pdf"]["message"]
    assert [files[p.name]["status"] for p in PDFS[:3]] == ["parsed"] * 3
    # A timed-out file is retried by the next run (and parsed, when it no longer sticks).
    again = ingest([stuck_batch], out, rules, workers=2, timeout=600)
    assert again.ok and again.statuses == {"parsed": 1} and again.skipped == 3


def test_one_worker_and_two_workers_write_the_same_rows(tmp_path, rules):
    one, two = tmp_path / "one", tmp_path / "two"
    ingest(PDFS[:4], one, rules, workers=1)
    ingest(PDFS[:4], two, rules, workers=2, timeout=120)
    assert _rows(one, "recommendations", ["report_id", "rec_id"]) == _rows(two, "recommendations", ["report_id", "rec_id"])
    assert _rows(one, "files", ["source_file"]) == _rows(two, "files", ["source_file"])


def test_dask_local_cluster_writes_the_same_datasets(tmp_path, rules):
    distributed = pytest.importorskip("distributed")  # in the dev extra, so CI always runs this
    local = tmp_path / "local"
    ingest(PDFS, local, rules, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        r = CliRunner().invoke(cli, ["ingest", *map(str, PDFS), "--out", str(out), "--dask-scheduler",
                                     cluster.scheduler_address, "--quiet", "--json"])
        assert r.exit_code == 0, r.output
        assert f'"parsed": {len(PDFS)}' in r.output and f'"recommendations": {N_RECS}' in r.output
    for name, key in (("recommendations", ["report_id", "rec_id"]), ("reports", ["report_id"]),
                      ("files", ["source_file"]), ("history", ["council", "review_key", "rec_number"])):
        assert _rows(out, name, key) == _rows(local, name, key), name


def test_dask_timeout_kills_the_file(stuck_batch, tmp_path, rules):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        summary = ingest([stuck_batch], tmp_path / "o", rules, timeout=3, dask_scheduler=cluster.scheduler_address,
                         task=quick_or_stuck)
    assert summary.statuses == {"timeout": 1, "no_tracking_table": 3}


def test_dask_scheduler_unreachable_is_reported(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("SCRUTINY_DASK_CONNECT_TIMEOUT", "1")  # not the default 10 s wait
    r = CliRunner().invoke(cli, ["ingest", str(PDFS[0]), "--out", str(tmp_path / "o"), "--dask-scheduler",
                                 "tcp://127.0.0.1:9", "--quiet"])
    assert r.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.output
