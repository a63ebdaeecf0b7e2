"""Side by side: ingest throughput of two checkouts of this project on the same files, in one run.

Generates the synthetic reports of `bench/run.py` once, then alternates, for `--repeat`
rounds, a 1-worker ingest (in-process, parse + Parquet + history) by each checkout in a
fresh interpreter, and prints the fastest time of each and their ratio. Used to check that
a change keeps throughput (e.g. `git worktree add /tmp/base HEAD~3`).

    python bench/compare.py /tmp/base . [--reports 60] [--repeat 3] [--extra DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synth import write_report  # noqa: E402

RUN = """
import shutil, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from pipeline.batch import ingest
from pipeline.rules import load_rules
rules = load_rules()
out = Path({out!r})
shutil.rmtree(out, ignore_errors=True)
t = time.perf_counter()
ingest([Path(p) for p in {paths!r}], out, rules, workers=1)
print(time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--extra", action="append", default=[], help="also ingest the PDFs of this folder")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scrutiny-compare-"))
    rng = random.Random(a.seed)
    folder = work / "reports"
    folder.mkdir()
    for i in range(a.reports):
        write_report(folder / f"report-{i:03d}.pdf", rng, rng.choice(["rows", "rows-ruled", "tracker"]),
                     n_recs=rng.randint(4, 12))
    paths = [str(folder), *[str(Path(e).resolve()) for e in a.extra]]
    best: dict[str, float] = {}
    for _ in range(a.repeat):
        for name in ("base", "new"):
            root = str(Path(getattr(a, name)).resolve())
            code = RUN.format(root=root, out=str(work / f"out-{name}"), paths=paths)
            res = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
            best[name] = min(best.get(name, float("inf")), float(res.stdout.strip().splitlines()[-1]))
    print(f"ingest, 1 worker, fastest of {a.repeat}: base {best['base']:.2f} s, new {best['new']:.2f} s, "
          f"new/base {best['new'] / best['base']:.3f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
