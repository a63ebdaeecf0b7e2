"""CLI start-up: median wall time of `scrutiny --help` and `scrutiny stats` (over the
bundled sample, ingested first into a temporary OUT), each run N times.

    python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRUTINY = [sys.executable, "-m", "pipeline.cli"]


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*SCRUTINY, *args], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*SCRUTINY, "ingest", str(ROOT / "data" / "raw"), "--out", tmp, "--quiet"], cwd=ROOT, check=True,
                       capture_output=True)
        print("| command | median of", args.runs, "runs |")
        print("|---|---|")
        for cmd in (["--help"], ["stats", "--data", tmp], ["stats", "--flags", "--data", tmp]):
            print(f"| scrutiny {' '.join(c if c != tmp else 'OUT' for c in cmd)} | {median_seconds(cmd, args.runs):.2f} s |")


if __name__ == "__main__":
    main()
