"""Batch ingest: find PDFs, skip the ones already done, extract the rest, write them.

`ingest(paths, out, ...)` returns an `IngestSummary`; it writes each file's rows as
soon as that file is done, so an interrupted batch keeps every finished file.
Work runs in a process pool (`workers`, pebble: per-file timeouts kill the worker),
one process per document at a time, or on a Dask cluster (`cluster.run_on_dask`).
Every batch ends by rebuilding OUT/history.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from .extract import Extraction, extract_file
from .read import file_sha256
from .rules import Rules, cached_rules
from .schema import READ_OK
from .write import RETRY_STATUSES, Writer, history_path

# Files a worker process parses before it is replaced by a fresh one (flat memory).
MAX_TASKS = 200


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Return the PDFs named by `paths` (files, or folders searched recursively), sorted."""
    found: dict[str, Path] = {}
    for p in map(Path, paths):
        if p.is_dir():
            for f in p.rglob("*"):
                if f.is_file() and f.suffix.lower() == ".pdf" and not f.name.startswith("."):
                    found[str(f)] = f
        elif p.is_file():
            found[str(p)] = p
    return [found[k] for k in sorted(found)]


@dataclass
class IngestSummary:
    """What a batch did: counts by status, records written, files skipped."""

    statuses: Counter[str] = field(default_factory=Counter)
    recommendations: int = 0
    skipped: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    history: int = 0
    flagged_files: int = 0  # files with a record that carries a self-check warning, or a table skipped
    flagged_records: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def add(self, x: Extraction) -> None:
        self.statuses[x.status] += 1
        self.recommendations += len(x.recommendations)
        flagged = sum(bool(r.warnings) for r in x.recommendations)
        self.flagged_records += flagged
        self.flagged_files += bool(flagged or x.unlabelled)
        if x.status not in READ_OK:
            self.failed.append((x.source_file, x.status, x.message))


@dataclass(frozen=True)
class Job:
    """One file to extract, as sent to a worker (picklable: paths and ids only)."""

    path: str
    sha256: str
    rules_dir: str | None = None
    scheme: str | None = None
    all_pages: bool = False


def run_job(job: Job, rules: Rules | None = None) -> Extraction:
    """Extract one file; in a worker process the rules are loaded once per process."""
    rules = rules if rules is not None else cached_rules(job.rules_dir)
    return extract_file(job.path, rules, job.scheme, sha256=job.sha256, all_pages=job.all_pages)


def failed(job: Job, status: str, message: str) -> Extraction:
    """The `files` row of a file that was not parsed (timed out, worker died, duplicate)."""
    path = Path(job.path)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    size = path.stat().st_size if path.exists() else 0
    return Extraction(str(path), job.sha256, size, 0, status, message, 0.0, now)


def timed_out(job: Job, timeout: float) -> Extraction:
    return failed(job, "timeout", f"parsing took longer than --timeout {timeout:g} s; stopped")


def _local(jobs: list[Job], rules: Rules, workers: int, timeout: float | None) -> Iterator[Extraction]:
    """Run jobs in this process (one worker, no timeout) or in a pool of worker processes.

    The pool kills a worker whose file passes `timeout` and starts a fresh one, and
    replaces every worker after MAX_TASKS files so memory stays flat over long batches.
    """
    if timeout is None and (workers <= 1 or len(jobs) <= 1):
        for job in jobs:
            yield run_job(job, rules)
        return
    from pebble import ProcessExpired, ProcessPool

    with ProcessPool(max_workers=workers, max_tasks=MAX_TASKS) as pool:
        pending: dict[Future[Extraction], Job] = {}
        queue = list(reversed(jobs))
        while queue or pending:
            # A short queue per worker: futures (and their results) never pile up in memory.
            while queue and len(pending) < workers * 2:
                job = queue.pop()
                pending[pool.schedule(run_job, (job,), timeout=timeout)] = job
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                job = pending.pop(fut)
                try:
                    yield fut.result()
                except TimeoutError:
                    yield timed_out(job, timeout or 0)
                except ProcessExpired as exc:
                    yield failed(job, "error", f"worker process died (exit code {exc.exitcode}); "
                                 "the file may need more memory than the machine has")
                except Exception as exc:  # noqa: BLE001 - a pickling or pool failure must not stop the batch
                    yield failed(job, "error", f"internal error: {type(exc).__name__}: {exc}")


def ingest(
    paths: Iterable[str | Path],
    out: str | Path,
    rules: Rules,
    *,
    rules_dir: str | None = None,
    force: bool = False,
    scheme: str | None = None,
    workers: int = 1,
    timeout: float | None = None,
    all_pages: bool = False,
    dask_scheduler: str | None = None,
    on_file: Callable[[Extraction | None, Path], None] | None = None,
) -> IngestSummary:
    """Ingest the PDFs under `paths` into the datasets under `out`.

    Files already ingested (same sha256) are skipped unless `force`; `on_file` is
    called after each file (with None for a skipped one) to drive a progress bar.
    `timeout` (seconds) stops a file's parse and records it as `timeout`; with
    `dask_scheduler` (an address) the files are parsed on that Dask cluster.
    """
    writer = Writer(out)
    done = {} if force else writer.done()
    summary = IngestSummary()
    todo: list[tuple[Path, str]] = []
    first_path: dict[str, str] = {}
    for pdf in find_pdfs(paths):
        try:
            sha = file_sha256(pdf)
        except OSError:
            sha = ""
        earlier = {p: s for p, s in done.get(sha, {}).items() if s not in RETRY_STATUSES} if sha else {}
        if str(pdf) in earlier:
            summary.skipped += 1
            if on_file:
                on_file(None, pdf)
            continue
        original = first_path.get(sha) or next(iter(earlier), None) if sha else None
        if original is not None:
            x = duplicate_of(pdf, sha, original)
            writer.write(x)
            summary.add(x)
            if on_file:
                on_file(x, pdf)
            continue
        if sha:
            first_path[sha] = str(pdf)
        todo.append((pdf, sha))
    jobs = [Job(str(pdf), sha, rules_dir, scheme, all_pages) for pdf, sha in todo]
    if dask_scheduler:
        from .cluster import run_on_dask

        results = run_on_dask(jobs, dask_scheduler, timeout)
    else:
        results = _local(jobs, rules, max(1, workers), timeout)
    for x in results:
        writer.write(x)
        summary.add(x)
        if on_file:
            on_file(x, Path(x.source_file))
    if summary.statuses or not history_path(out).exists():
        summary.history = rebuild_history(out, rules)
    else:  # nothing new: the history on disk is current; a re-run costs hashing and a lookup only
        summary.history = history_rows(out)
    return summary


def history_rows(out: str | Path) -> int:
    """Row count of OUT/history from its Parquet footer (no data read)."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(history_path(out)).metadata.num_rows)


def rebuild_history(out: str | Path, rules: Rules) -> int:
    """Rebuild OUT/history from the datasets (every ingest ends with this); return its row count."""
    from .analysis import history, history_records
    from .write import write_history

    records = history_records(history(out, rules))
    write_history(out, records)  # even when empty: a stale history must not outlive its data
    return len(records)


def duplicate_of(pdf: Path, sha: str, original: str) -> Extraction:
    """The `files` row of a PDF whose bytes were already ingested from another path."""
    return failed(Job(str(pdf), sha), "duplicate", f"same content (sha256) as {original}; its rows stand for this file")


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
