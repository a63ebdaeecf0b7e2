"""Fault injection: kill the whole ingest with SIGKILL at random moments, re-run it, and
compare every dataset with a clean run's.

The batch holds at least 40 PDFs: the bundled public reports, synthetic reports
(bench/synth.py), a pair of files with the same bytes under two names, an unreadable
(truncated) file and a slow one (a long agenda pack parsed page by page). Each trial
starts `scrutiny ingest` on a fresh OUT, kills its process group (driver and workers)
after a random share of a clean run's duration, then runs `scrutiny ingest` again to the
end and compares files (path, sha256, status), reports, recommendations (keys and row
counts) and history with the clean run's. Prints one line per trial and the tally.

usage: python bench/faults.py [--trials 20] [--seed 7] [--workers 2]   (make faults)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import write_pack, write_report  # noqa: E402

SCRUTINY = [sys.executable, "-m", "pipeline.cli"]
KEYS = {
    "files": ["source_file", "sha256", "status"],
    "reports": ["report_id", "title", "report_date"],
    "recommendations": ["report_id", "rec_id", "category_code"],
    "history": ["council", "review_key", "rec_number", "latest_category", "n_rounds"],
}


def make_batch(root: Path, rng: random.Random) -> Path:
    """A batch of >= 40 PDFs with a duplicate pair, an unreadable file and a slow file."""
    batch = root / "batch"
    batch.mkdir()
    for pdf in sorted((ROOT / "data" / "raw").glob("*.pdf")):
        shutil.copy(pdf, batch / pdf.name)
    for k in range(20):
        write_report(batch / f"synthetic-{k:02d}.pdf", rng, rng.choice(["rows", "rows-ruled", "tracker"]))
    shutil.copy(batch / "synthetic-00.pdf", batch / "synthetic-00-copy.pdf")  # same bytes, two names
    (batch / "truncated.pdf").write_bytes((batch / "synthetic-01.pdf").read_bytes()[:1500])
    write_pack(batch / "zz-slow-pack.pdf", rng, n_pages=80, report_pages=6)
    return batch


def snapshot(out: Path) -> dict[str, list[tuple]]:
    """Every dataset's rows, reduced to their keys, sorted."""
    snap: dict[str, list[tuple]] = {}
    for name, cols in KEYS.items():
        path = out / name
        if not any(path.glob("*.parquet")):
            snap[name] = []
            continue
        table = ds.dataset(path, format="parquet").to_table(columns=cols).to_pylist()
        snap[name] = sorted(tuple(str(r[c]) for c in cols) for r in table)
    return snap


def run(batch: Path, out: Path, workers: int, kill_after: float | None = None) -> int | None:
    """Run an ingest; with `kill_after`, SIGKILL its process group then. Returns its exit code."""
    cmd = [*SCRUTINY, "ingest", str(batch), "--out", str(out), "--quiet", "--all-pages", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    if kill_after is None:
        proc.wait()
        return proc.returncode
    try:
        proc.wait(timeout=kill_after)
        return proc.returncode  # finished before the kill
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        batch = make_batch(root, rng)
        n_files = len(list(batch.glob("*.pdf")))
        started = time.perf_counter()
        code = run(batch, root / "clean", a.workers)
        clean_seconds = time.perf_counter() - started
        clean = snapshot(root / "clean")
        counts = ", ".join(f"{k} {len(v)}" for k, v in clean.items())
        print(f"batch: {n_files} PDFs; clean run {clean_seconds:.1f} s, exit {code}; rows: {counts}")
        equal = 0
        for t in range(1, a.trials + 1):
            out = root / f"trial-{t:02d}"
            moment = rng.uniform(0.02, 0.98) * clean_seconds
            killed = run(batch, out, a.workers, kill_after=moment) is None
            partial = len(snapshot(out)["files"]) if killed else n_files
            code = run(batch, out, a.workers)
            same = snapshot(out) == clean
            equal += same
            print(f"trial {t:2d}: SIGKILL at {moment:5.1f} s ({'killed' if killed else 'had finished'}, "
                  f"{partial} files row(s) written); re-run exit {code}; datasets {'equal' if same else 'DIFFER'}")
        print(f"{equal}/{a.trials} re-runs after SIGKILL equal to the clean run")
    return 0 if equal == a.trials else 1


if __name__ == "__main__":
    sys.exit(main())
