"""Batch ingest: per-file timeouts, the worker pool and a Dask cluster write the same datasets."""

from __future__ import annotations

import random
import shutil

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

from bench.synth import write_pack
from conftest import N_RECS, PDFS
from pipeline.cli import cli
from pipeline.ingest import ingest

# Columns that differ between two runs of the same files: when and how long.
VOLATILE = {"ingested_at", "seconds"}


def _rows(out, name, key):
    table = ds.dataset(out / name, format="parquet").to_table().to_pylist()
    return sorted(({k: v for k, v in r.items() if k not in VOLATILE} for r in table), key=lambda r: tuple(r[k] for k in key))


@pytest.fixture(scope="module")
def slow_batch(tmp_path_factory):
    """Three public reports and one 120-page pack that takes seconds to parse page by page."""
    src = tmp_path_factory.mktemp("slow")
    for pdf in PDFS[:3]:
        shutil.copy(pdf, src / pdf.name)
    write_pack(src / "zz-pack.pdf", random.Random(2), n_pages=120, report_pages=6)
    return src


def test_timeout_stops_one_file_and_the_batch_goes_on(slow_batch, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["ingest", str(slow_batch), "--out", str(out), "--all-pages", "--timeout", "2",
                                 "--workers", "2", "--quiet", "--json"])
    assert r.exit_code == 1, r.output
    files = {f["source_file"].rsplit("/", 1)[-1]: f for f in _rows(out, "files", ["source_file"])}
    assert files["zz-pack.pdf"]["status"] == "timeout" and "--timeout 2" in files["zz-pack.pdf"]["message"]
    assert [files[p.name]["status"] for p in PDFS[:3]] == ["parsed"] * 3
    # A timed-out file is retried by the next run; without --all-pages the pre-filter makes it quick.
    r = CliRunner().invoke(cli, ["ingest", str(slow_batch), "--out", str(out), "--timeout", "60", "--quiet", "--json"])
    assert r.exit_code == 0, r.output
    files = {f["source_file"].rsplit("/", 1)[-1]: f for f in _rows(out, "files", ["source_file"])}
    assert files["zz-pack.pdf"]["status"] == "parsed" and "pre-filter" in files["zz-pack.pdf"]["message"]


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


def test_dask_timeout_kills_the_file(slow_batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        r = CliRunner().invoke(cli, ["ingest", str(slow_batch), "--out", str(tmp_path / "o"), "--all-pages", "--timeout", "2",
                                     "--dask-scheduler", cluster.scheduler_address, "--quiet", "--json"])
    assert r.exit_code == 1 and '"timeout": 1' in r.output and '"parsed": 3' in r.output, r.output


def test_dask_scheduler_unreachable_is_reported(tmp_path):
    pytest.importorskip("distributed")
    r = CliRunner().invoke(cli, ["ingest", str(PDFS[0]), "--out", str(tmp_path / "o"), "--dask-scheduler",
                                 "tcp://127.0.0.1:9", "--quiet"])
    assert r.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.output
