"""`scrutiny verify`: a data folder checked against its files rows (datasets/integrity.py)."""

from __future__ import annotations

import os
import shutil

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.datasets.integrity import verify


def test_a_sound_folder_verifies(public_out):
    problems, counts = verify(public_out)
    assert problems == [] and counts["files"] == 19
    r = CliRunner().invoke(cli, ["verify", "--data", str(public_out)])
    assert r.exit_code == 0 and "ok: 19 file(s)" in r.output


def test_each_kind_of_damage_is_one_line(tmp_path, public_out):
    out = tmp_path / "out"
    shutil.copytree(public_out, out)
    reports = sorted((out / "reports").glob("*.parquet"))
    gone = reports[0]
    gone.unlink()  # a parsed file without its reports part
    orphan = out / "recommendations" / "part-000000000000000000000000.parquet"
    shutil.copy(sorted((out / "recommendations").glob("*.parquet"))[0], orphan)  # a part nobody refers to
    future = (out / "history" / "part-0.parquet").stat().st_mtime + 10
    os.utime(out / "reports", (future, future))  # the data changed after the history was built
    problems, _ = verify(out)
    assert any(f"reports part {gone.name} is missing" in p for p in problems)
    assert any(p.startswith(str(orphan)) and "no files row refers to it" in p for p in problems)
    assert any("history: older than the data" in p for p in problems)
    r = CliRunner().invoke(cli, ["verify", "--data", str(out)])
    assert r.exit_code == 1 and r.output.strip().splitlines()[-1] == f"Error: {len(problems)} problem(s) in {out}"
    # A truncated part is named first; nothing is changed by verify.
    reports[1].write_bytes(reports[1].read_bytes()[:100])
    problems, _ = verify(out)
    assert problems == [f"{reports[1]}: not a readable Parquet part" + problems[0].split("not a readable Parquet part", 1)[1]]
    assert orphan.exists()


def test_a_part_whose_canonical_disagrees_with_rounds_is_named(tmp_path, public_out):
    """A run killed after rounds/ was written but before the parts were settled (or a part
    edited by hand) leaves counts a pandas reader would get wrong: verify names the part."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    shutil.copytree(public_out, out)
    part = next(p for p in sorted((out / "recommendations").glob("*.parquet"))
                if not all(pq.read_table(p, columns=["canonical"])["canonical"].to_pylist()))
    table = pq.read_table(part)
    flipped = pa.array([True] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index("canonical"), table.schema.field("canonical"), flipped), part)
    future = part.stat().st_mtime - 3600
    os.utime(out / "recommendations", (future, future))  # the history is not stale: only canonical is wrong
    problems, _ = verify(out)
    assert problems == [f"{part}: its canonical column disagrees with rounds/ (the next ingest settles it)"]
