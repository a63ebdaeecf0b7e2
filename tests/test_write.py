"""Parquet output: explicit schema, re-runs, --force, interrupted batches, DuckDB."""

import shutil

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from conftest import N_RECS, PDFS, gold_for
from pipeline.batch import ingest
from pipeline.datasets.schema import SCHEMA_VERSION, schemas


def count(out, name):
    return ds.dataset(out / name, format="parquet", partitioning="hive").count_rows()


def test_schema_and_metadata(public_out):
    part = next((public_out / "recommendations").glob("*.parquet"))
    schema = pq.read_schema(part)
    assert schema.metadata[b"schema_version"] == SCHEMA_VERSION.encode()
    assert schema.field("category_code").type == schemas()["recommendations"].field("category_code").type
    assert str(schema.field("target_dates").type) == "list<element: date32[day]>"


def test_duckdb_reads_hive(public_out):
    con = duckdb.connect()
    n, late = con.execute(
        f"select count(*), count(*) filter (where category_code = 2 and category_scheme = 'birmingham') "
        f"from read_parquet('{public_out}/recommendations/**/*.parquet', hive_partitioning=true)"
    ).fetchall()[0]
    gold = [gold_for(p) for p in PDFS]
    expected_late = sum(1 for g in gold if g["scheme"] == "birmingham" for r in g["recommendations"] if r["category_code"] == 2)
    assert (n, late) == (N_RECS, expected_late) == (95, 18)


def test_rerun_adds_nothing_and_force_replaces(tmp_path, rules):
    src = tmp_path / "in"
    src.mkdir()
    for p in PDFS[:3]:
        shutil.copy(p, src)
    out = tmp_path / "out"
    first = ingest([src], out, rules)
    n = count(out, "recommendations")
    assert sum(first.statuses.values()) == 3 and n > 0
    again = ingest([src], out, rules)
    assert (sum(again.statuses.values()), again.skipped) == (0, 3)
    assert count(out, "recommendations") == n and count(out, "files") == 3
    forced = ingest([src], out, rules, force=True)
    assert forced.statuses["parsed"] == 3
    assert count(out, "recommendations") == n and count(out, "files") == 3


def test_interrupted_batch_keeps_finished_files_only(tmp_path, rules):
    out = tmp_path / "out"
    done = []

    def stop_after_two(x, path):
        done.append(path.name)
        if len(done) == 2:
            raise KeyboardInterrupt

    batch = PDFS[:5]
    with pytest.raises(KeyboardInterrupt):
        ingest(batch, out, rules, on_file=stop_after_two)
    files = ds.dataset(out / "files").to_table().to_pylist()
    assert sorted(f["source_file"].split("/")[-1] for f in files) == sorted(done)
    recs = ds.dataset(out / "recommendations").to_table().to_pylist()
    assert {r["source_file"].split("/")[-1] for r in recs} == set(done)
    # A temporary part left by a kill mid-write is invisible to readers and cleaned up.
    (out / "recommendations" / ".part-x.parquet.123.tmp").write_bytes(b"partial")
    assert ds.dataset(out / "recommendations").count_rows() == len(recs)
    rest = ingest(batch, out, rules)
    assert rest.skipped == 2 and count(out, "files") == 5
    assert not list((out / "recommendations").glob(".*.tmp"))
    assert count(out, "recommendations") == sum(len(gold_for(p)["recommendations"]) for p in batch) == 25


def test_duplicate_copy_counts_once(tmp_path, rules):
    src = tmp_path / "in"
    (src / "pack").mkdir(parents=True)
    shutil.copy(PDFS[0], src / "a.pdf")
    shutil.copy(PDFS[0], src / "pack" / "b.pdf")
    s = ingest([src], tmp_path / "out", rules)
    assert s.statuses == {"parsed": 1, "duplicate": 1}
    assert count(tmp_path / "out", "reports") == 1 and count(tmp_path / "out", "files") == 2


def _device(path):
    """A character device node like /dev/full (1, 7) at `path` (the tests run as root, as CI does)."""
    import os
    import stat

    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return path


def test_an_output_is_never_written_over_a_device_fifo_or_folder(tmp_path, public_out):
    """Bug (issue #20): `report --out` replaced a character device or a FIFO with a regular file (rc 0)."""
    import os
    import stat

    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.datasets.write import write_bytes

    dev, fifo = _device(tmp_path / "full"), tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (dev, fifo, tmp_path):
        with pytest.raises(ValueError, match="not a regular file"):
            write_bytes(target, b"x")
        r = CliRunner().invoke(cli, ["report", "--data", str(public_out), "--out", str(target)])
        assert r.exit_code == 2 and ("not a regular file" in r.output or "is a directory" in r.output), r.output
    assert stat.S_ISCHR(os.stat(dev).st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)
    write_bytes(tmp_path / "r.html", b"ok")  # a new file, and then a regular file, are written
    write_bytes(tmp_path / "r.html", b"again")
    assert (tmp_path / "r.html").read_bytes() == b"again"
