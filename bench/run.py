"""Benchmark: throughput, scaling, agenda packs, incremental re-runs and memory.

Generates synthetic tracking reports and an agenda pack (bench/synth.py, known truth),
then measures in one run, on this machine:

1. a bare pdfplumber pass (open, every page `extract_tables()`, close) over the reports;
2. end-to-end ingest of the same reports with 1 worker, then with 2 workers;
3. a 200-page agenda pack holding a 10-page report: pre-filter vs every page parsed;
4. a first ingest of many small files (default 1,000) and a re-run over them unchanged,
   with the peak RSS of every worker process sampled throughout.

Writes bench/RESULTS.md (machine, date, table) and prints it.  Ratios, not absolute
times, are the targets; they are never asserted in the test suite.

    python bench/run.py [--reports 60] [--files 1000] [--work DIR] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402  (after the path set-up, like the imports below)
import psutil  # noqa: E402

from bench.synth import write_pack, write_report  # noqa: E402
from pipeline.batch import ingest  # noqa: E402
from pipeline.extract import extract_file  # noqa: E402
from pipeline.rules import load_rules  # noqa: E402

LAYOUTS = ("tracker", "rows", "rows-ruled")


class RssSampler:
    """Samples the RSS of this process's children (the workers) every `interval` s."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def max_mb(self) -> float:
        return max(self.peak.values(), default=0) / 2**20


@contextmanager
def timer(results: dict, key: str):
    t = time.perf_counter()
    yield
    results[key] = time.perf_counter() - t


def bare_pdfplumber(files: list[Path]) -> int:
    """The baseline: open each file, extract_tables() on every page, close. Returns pages."""
    pages = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
                pages += 1
    return pages


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = psutil.virtual_memory().total / 2**30
    return (f"{cpu}; {cores} cores available; {mem:.0f} GiB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; pdfplumber {pdfplumber.__version__}")


def generate(work: Path, n_reports: int, n_files: int, seed: int) -> dict:
    rng = random.Random(seed)
    reports = work / "reports"
    small = work / "archive"
    packs = work / "packs"
    for d in (reports, small, packs):
        d.mkdir(parents=True, exist_ok=True)
    truths = {}
    for i in range(n_reports):
        layout = LAYOUTS[i % len(LAYOUTS)]
        f = reports / f"report-{i:04d}-{layout}.pdf"
        truths[f.name] = write_report(f, rng, layout, n_recs=rng.randint(4, 12))
    for i in range(n_files):
        layout = LAYOUTS[i % len(LAYOUTS)]
        folder = small / f"{i // 100:02d}"  # an archive is a tree of folders
        folder.mkdir(exist_ok=True)
        write_report(folder / f"file-{i:05d}.pdf", rng, layout, n_recs=rng.randint(2, 5))
    pack = write_pack(packs / "pack-200.pdf", rng, n_pages=200, report_pages=10, layout="tracker")
    return {"reports": reports, "small": small, "pack": packs / "pack-200.pdf", "pack_truth": pack, "truths": truths}


def check_truth(out: Path, truths: dict) -> tuple[int, int]:
    """(records matching truth on rec_id, category, target date and lead; records in truth)."""
    import pyarrow.dataset as ds

    rows = ds.dataset(out / "recommendations", format="parquet").to_table(
        columns=["source_file", "rec_id", "category_code", "target_date", "responsible_lead"]).to_pylist()
    got = {(Path(r["source_file"]).name, r["rec_id"]): r for r in rows}
    ok = total = 0
    for name, t in truths.items():
        for rec in t.recommendations:
            total += 1
            g = got.get((name, rec["rec_id"]))
            ok += bool(g and g["category_code"] == rec["category_code"] and g["target_date"] == rec["target_date"]
                       and g["responsible_lead"] == rec["responsible_lead"])
    return ok, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=60, help="synthetic reports for the throughput runs")
    ap.add_argument("--files", type=int, default=1000, help="small files for the re-run and memory runs")
    ap.add_argument("--work", type=Path, default=None, help="working directory (default: a temporary one)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the baseline and of the 1-worker ingest (fastest counts)")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="scrutiny-bench-"))
    shutil.rmtree(work / "out", ignore_errors=True)
    rules = load_rules()
    r: dict[str, float] = {}
    print(f"generating in {work} ...", file=sys.stderr)
    with timer(r, "generate"):
        g = generate(work, args.reports, args.files, args.seed)
    reports = sorted(g["reports"].glob("*.pdf"))

    # Baseline and 1-worker ingest alternate, `repeat` times each; the fastest of each
    # counts (the usual way to keep other load on the machine out of a comparison).
    for k in range(args.repeat):
        print(f"bare pdfplumber pass ({k + 1}/{args.repeat}) ...", file=sys.stderr)
        with timer(r, f"bare{k}"):
            pages = bare_pdfplumber(reports)
        print(f"ingest, 1 worker ({k + 1}/{args.repeat}) ...", file=sys.stderr)
        shutil.rmtree(work / "out" / "w1", ignore_errors=True)
        with timer(r, f"ingest1_{k}"):
            s1 = ingest(reports, work / "out" / "w1", rules, workers=1)
    r["bare"] = min(r[f"bare{k}"] for k in range(args.repeat))
    r["ingest1"] = min(r[f"ingest1_{k}"] for k in range(args.repeat))
    print("ingest, 2 workers ...", file=sys.stderr)
    with timer(r, "ingest2"):
        s2 = ingest(reports, work / "out" / "w2", rules, workers=2, timeout=600)
    ok, total = check_truth(work / "out" / "w1", g["truths"])

    print("agenda pack ...", file=sys.stderr)
    with timer(r, "pack_quick"):
        quick = extract_file(g["pack"], rules)
    with timer(r, "pack_full"):
        full = extract_file(g["pack"], rules, all_pages=True)
    pack_same = quick.recommendations == full.recommendations and quick.reports == full.reports
    pt = g["pack_truth"]
    pack_truth = [(x.rec_id, x.category_code, x.target_date) for x in quick.recommendations] == \
                 [(t["rec_id"], t["category_code"], t["target_date"]) for t in pt.recommendations]

    print(f"archive of {args.files} files: first ingest ...", file=sys.stderr)
    with RssSampler() as rss, timer(r, "archive_first"):
        a1 = ingest([g["small"]], work / "out" / "archive", rules, workers=2, timeout=600)
    print("archive: re-run, nothing changed ...", file=sys.stderr)
    with timer(r, "archive_rerun"):
        a2 = ingest([g["small"]], work / "out" / "archive", rules, workers=2, timeout=600)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n_small = sum(a1.statuses.values())
    rows = [
        ("Reports (synthetic, 3 layouts)", f"{len(reports)} files, {pages} pages, {s1.recommendations} recommendations", ""),
        ("Records matching truth", f"{ok}/{total}", ""),
        (f"Bare pdfplumber pass (extract_tables, 1 process; fastest of {args.repeat})", f"{r['bare']:.1f} s ({pages / r['bare']:.1f} pages/s)", ""),
        (f"End-to-end ingest, 1 worker (fastest of {args.repeat}; parse, Parquet, history)",
         f"{r['ingest1']:.1f} s ({pages / r['ingest1']:.1f} pages/s, "
         f"{r['ingest1'] / len(reports):.3f} s/report)", f"{r['ingest1'] / r['bare']:.2f}× bare (target ≤ 1.25×)"),
        ("End-to-end ingest, 2 workers", f"{r['ingest2']:.1f} s ({pages / r['ingest2']:.1f} pages/s, "
         f"{r['ingest2'] / len(reports):.3f} s/report)", f"{r['ingest1'] / r['ingest2']:.2f}× faster than 1 (target ≥ 1.7×)"),
        (f"Agenda pack, {pt.n_pages} pages, report on pages {pt.report_pages[0]}-{pt.report_pages[1]}",
         f"pre-filter {r['pack_quick']:.2f} s; every page {r['pack_full']:.2f} s",
         f"{r['pack_full'] / r['pack_quick']:.1f}× faster (target ≥ 5×); same records: {pack_same}; "
         f"{len(quick.recommendations)} records match truth: {pack_truth}"),
        (f"Archive first ingest, 2 workers ({n_small} files)", f"{r['archive_first']:.1f} s "
         f"({r['archive_first'] / max(1, n_small):.3f} s/file)", ""),
        ("Archive re-run, nothing changed", f"{r['archive_rerun']:.2f} s ({a2.skipped} skipped)",
         f"{r['archive_first'] / r['archive_rerun']:.0f}× faster (target ≥ 50×)"),
        ("Peak RSS per worker over the archive", f"{rss.max_mb:.0f} MB (max of {len(rss.peak)} worker processes)",
         "target < 300 MB"),
        ("Peak RSS of the driver process (whole run)", f"{main_mb:.0f} MB", ""),
    ]
    assert s2.recommendations == s1.recommendations, "1 and 2 workers disagree"
    text = "\n".join([
        "# Benchmark results", "",
        f"Written by `python bench/run.py --reports {args.reports} --files {args.files} --seed {args.seed} "
        f"--repeat {args.repeat}` "
        f"on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.", "",
        f"Machine: {machine()}.", "",
        "| measure | result | ratio |", "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows], "",
        f"Generating the synthetic files took {r['generate']:.0f} s (not counted above).", "",
    ])
    args.out.write_text(text)
    print(text)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
