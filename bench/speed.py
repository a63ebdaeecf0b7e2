"""Speed and memory, side by side in one run (issue #23): ingest against a bare pdfplumber
pass, 1 worker against 2, OCR seconds a page, and forged hostile files.

Every run is a fresh interpreter started by this script, so start-up is counted:

- the bare pass: `python -c` that imports pdfplumber, opens every PDF, calls
  `extract_tables()` on every page and closes it;
- `scrutiny ingest FOLDER --out NEW --workers 1` (then `--workers 2`), default limits.

The files' own pace is measured too: a run through the API stamps each file as it is
written, and (last stamp - first stamp) / (files - 1) is what a file costs once the batch
runs, start-up and the batch's end (history, exit) left out; its ratio between 1 and 2
workers is how the workers themselves scale.

Corpora: `--reports` synthetic reports (bench/synth.py) and the public corpus as the project
holds it (data/raw, tests/fixtures/packs, tests/fixtures/westmarch: 25 PDFs). Each measure
is the fastest of `--repeat`, the runs interleaved so that other load on the machine falls
on all of them alike. With `--base CHECKOUT` (e.g. `git worktree add /tmp/base <commit>`)
the same ingests are run by that checkout too, and its records compared with this one's
(bench/same.py). `--scans DIR` adds an OCR run over the scanned PDFs of DIR. The forged
files (nested Form XObjects, fan-out 4, depth 15; 200,000 words on a page; 40 pages of
90,000 characters each, under the one-page limit) are ingested one by one with the peak RSS of the process tree sampled.

    python bench/speed.py [--reports 60] [--repeat 3] [--base /tmp/base] [--scans DIR]

Prints markdown tables (bench/RESULTS.md keeps them). Ratios, not absolute times, are the
targets; nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.same import compare  # noqa: E402
from bench.synth import write_report  # noqa: E402
from pdfgen import control_char_pdf, nested_forms_pdf, write_objects  # noqa: E402

BARE = """
import sys
from pathlib import Path
import pdfplumber
for f in sorted(Path(sys.argv[1]).rglob("*.pdf")):
    with pdfplumber.open(f) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.close()
"""
# An ingest through the API (what the CLI calls) that prints when its first and last files were
# written, and how many: the files' own pace, without start-up and the batch's end.
STAMPED = """
import sys, time
from pipeline import api
stamps = []
if __name__ == "__main__":
    api.ingest([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]), on_file=lambda x, p: stamps.append(time.perf_counter()))
    print(stamps[0], stamps[-1], len(stamps))
"""
PUBLIC = [ROOT / "data" / "raw", ROOT / "tests" / "fixtures" / "packs", ROOT / "tests" / "fixtures" / "westmarch"]


class TreeRss:
    """Peak RSS (MB) of a process and of each of its descendants, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            for p in procs:
                try:
                    self.peak[p.pid] = max(self.peak.get(p.pid, 0.0), p.memory_info().rss / 2**20)
                except psutil.Error:
                    continue
            self._stop.wait(0.05)

    def stop(self) -> float:
        """The largest single process's peak RSS (MB): what one worker took."""
        self._stop.set()
        self._thread.join()
        return max(self.peak.values(), default=0.0)


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, largest process's peak RSS in MB) of a command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rss = TreeRss(proc.pid)
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    peak = rss.stop()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {err.decode()[-500:]}")
    return seconds, peak


# Run with cwd=CHECKOUT: `-m` puts it first on the path, so that checkout's package runs.
SCRUTINY = [sys.executable, "-m", "pipeline.cli"]


def ingest(checkout: Path, folder: Path, out: Path, workers: int, extra: list[str] | None = None) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    return timed([*SCRUTINY, "ingest", str(folder), "--out", str(out), "--quiet", "--workers", str(workers),
                  *(extra or [])], checkout)


def pages_in(folder: Path) -> int:
    import pypdfium2 as pdfium

    total = 0
    for f in folder.rglob("*.pdf"):
        pdf = pdfium.PdfDocument(str(f))
        total += len(pdf)
        pdf.close()
    return total


def corpora(work: Path, n_reports: int, seed: int) -> dict[str, Path]:
    rng = random.Random(seed)
    synth = work / "synthetic"
    synth.mkdir()
    for i in range(n_reports):
        write_report(synth / f"report-{i:03d}.pdf", rng, rng.choice(["rows", "rows-ruled", "tracker"]),
                     n_recs=rng.randint(4, 12))
    public = work / "public"
    public.mkdir()
    for folder in PUBLIC:
        for f in folder.glob("*.pdf"):
            shutil.copy(f, public / f.name)
    return {f"{n_reports} synthetic reports": synth, f"public corpus ({len(list(public.glob('*.pdf')))} PDFs)": public}


def pace(checkout: Path, folder: Path, out: Path, workers: int) -> float:
    """Seconds a file, from the first file written to the last, of an ingest run through the
    API in a fresh interpreter of `checkout`."""
    shutil.rmtree(out, ignore_errors=True)
    res = subprocess.run([sys.executable, "-c", STAMPED, str(folder), str(out), str(workers)], cwd=checkout,
                         capture_output=True, text=True, check=True)
    first, last, n = (float(v) for v in res.stdout.split())
    return (last - first) / (n - 1)


def throughput(work: Path, name: str, folder: Path, repeat: int, base: Path | None) -> list[str]:
    """Rows for one corpus: the bare pass, 1 and 2 workers (and `base`), fastest of `repeat`;
    and the files alone: from the first file written to the last (start-up and the batch's end
    left out), a stamped run each of 1 and 2 workers, the scaling of the workers themselves."""
    best: dict[str, float] = {}

    def keep(key: str, seconds: float) -> None:
        best[key] = min(best.get(key, float("inf")), seconds)

    for _ in range(repeat):
        keep("bare", timed([sys.executable, "-c", BARE, str(folder)], ROOT)[0])
        keep("new1", ingest(ROOT, folder, work / "new1", 1)[0])
        keep("new2", ingest(ROOT, folder, work / "new2", 2)[0])
        for w in (1, 2):
            keep(f"files{w}", pace(ROOT, folder, work / f"stamped{w}", w))
        if base is not None:
            keep("base1", ingest(base, folder, work / "base1", 1)[0])
            keep("base2", ingest(base, folder, work / "base2", 2)[0])
    pages = pages_in(folder)
    rows = [f"| {name}: bare pdfplumber pass | {best['bare']:.2f} s ({pages / best['bare']:.1f} pages/s) | |",
            f"| {name}: ingest, 1 worker | {best['new1']:.2f} s | {best['new1'] / best['bare']:.2f}× bare |",
            f"| {name}: ingest, 2 workers | {best['new2']:.2f} s | {best['new1'] / best['new2']:.2f}× faster than 1 |"]
    one, two = best["files1"], best["files2"]
    rows.append(f"| {name}: the files alone (first written to last), 1 worker against 2 | {one * 1000:.0f} ms a file "
                f"against {two * 1000:.0f} ms | {one / two:.2f}× faster than 1 |")
    # What is left of a run once its files are paid for: start-up, the first file, the history, exit.
    files = len(list(folder.glob("*.pdf")))
    rows.append(f"| {name}: the rest of a run (start-up, history, exit), 1 and 2 workers | "
                f"{best['new1'] - files * one:.2f} s and {best['new2'] - files * two:.2f} s | |")
    if base is not None:
        same = compare(work / "base1", work / "new1")
        rows.append(f"| {name}: before ({base.name}), 1 worker | {best['base1']:.2f} s | "
                    f"{best['base1'] / best['bare']:.2f}× bare; records {'identical' if not same else 'DIFFER'} |")
        rows.append(f"| {name}: before ({base.name}), 2 workers | {best['base2']:.2f} s | "
                    f"{best['base1'] / best['base2']:.2f}× faster than 1 |")
    two = compare(work / "new1", work / "new2")
    rows.append(f"| {name}: 1 and 2 workers | records {'identical' if not two else 'DIFFER'} | |")
    return rows


def ocr(work: Path, scans: Path, base: Path | None) -> list[str]:
    pages = pages_in(scans)
    seconds, peak = ingest(ROOT, scans, work / "ocr-new", 1)
    rows = [f"| OCR, {pages} scanned pages, 1 worker | {seconds:.1f} s, {seconds / pages:.2f} s a page | "
            f"largest process {peak:.0f} MB |"]
    if base is not None:
        before, _ = ingest(base, scans, work / "ocr-base", 1)
        same = compare(work / "ocr-base", work / "ocr-new")
        rows.append(f"| OCR before ({base.name}) | {before:.1f} s, {before / pages:.2f} s a page | "
                    f"records {'identical' if not same else 'DIFFER'} |")
    return rows


def many_pages_pdf(path: Path, pages: int, chars: int) -> Path:
    """`pages` pages, each showing `chars` characters (under the one-page limit)."""
    line = b"(" + b"word " * 20 + b") Tj 0 -12 Td "
    content = b"BT /F1 6 Tf 20 780 Td " + line * (chars // 100) + b"ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + k) for k in range(pages)) + b"] /Count %d >>" % pages,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
             b"/Contents 4 0 R >>"] * pages
    return write_objects(path, objs)


def hostile(work: Path) -> list[str]:
    folder = work / "hostile"
    folder.mkdir()
    files = {
        "nested Form XObjects, fan-out 4, depth 15": nested_forms_pdf(folder / "nested.pdf", fanout=4, depth=15),
        "200,000 words on one page": control_char_pdf(folder / "words.pdf", b"word " * 200_000),
        "40 pages of 90,000 characters, every page parsed": many_pages_pdf(folder / "pages.pdf", 40, 90_000),
    }
    rows = []
    for what, pdf in files.items():
        single = work / f"h-{pdf.stem}"
        single.mkdir()
        shutil.copy(pdf, single / pdf.name)
        seconds, peak = ingest(ROOT, single, work / f"out-{pdf.stem}", 1, ["--all-pages"])
        row = ds.dataset(work / f"out-{pdf.stem}" / "files", format="parquet").to_table(
            columns=["status", "message"]).to_pylist()[0]
        rows.append(f"| {what} ({pdf.stat().st_size / 1024:.1f} KB) | {row['status']} in {seconds:.1f} s, "
                    f"largest process {peak:.0f} MB | {row['message'][:90]} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--base", type=Path, default=None, help="another checkout to run side by side (before)")
    ap.add_argument("--scans", type=Path, default=None, help="a folder of scanned PDFs for the OCR run")
    ap.add_argument("--skip", action="append", default=[], choices=["throughput", "ocr", "hostile"])
    a = ap.parse_args()
    base = a.base.resolve() if a.base else None
    work = Path(tempfile.mkdtemp(prefix="scrutiny-speed-"))
    try:
        rows: list[str] = []
        if "throughput" not in a.skip:
            for name, folder in corpora(work, a.reports, a.seed).items():
                print(f"{name} ...", file=sys.stderr)
                rows += throughput(work, name, folder, a.repeat, base)
        if a.scans is not None and "ocr" not in a.skip:
            print("OCR ...", file=sys.stderr)
            rows += ocr(work, a.scans.resolve(), base)
        if "hostile" not in a.skip:
            print("hostile files ...", file=sys.stderr)
            rows += hostile(work)
        print("| measure | result | ratio / note |\n|---|---|---|")
        print("\n".join(rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
