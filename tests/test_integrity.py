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
