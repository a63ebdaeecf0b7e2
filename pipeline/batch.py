"""Batch ingest: find PDFs, skip the ones already done, extract the rest, write them.

`ingest(paths, out, ...)` returns an `IngestSummary`; it writes each file's rows as
soon as that file is done, so an interrupted batch keeps every finished file.
Work runs in a process pool (`workers`, pebble: per-file timeouts kill the worker, a
per-worker memory cap turns a runaway file into `too_large`), one process per document
at a time, or on a Dask cluster (`cluster.run_on_dask`). Every worker gets the rules the
driver loaded. A batch ends by rebuilding OUT/history when the data changed or the
history is older than the data.

Files are identified by their canonical path (absolute, symlinks resolved): the same
folder given as a relative or an absolute path is the same files. A path whose bytes
changed is parsed again and its rows replaced. A PDF whose bytes another path already
holds is recorded as `duplicate` only once that other path's rows are written.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pipeline.cluster import run_on_dask
from pipeline.datasets import history
from pipeline.datasets.flags import flags_of
from pipeline.datasets.rounds import round_rows
from pipeline.datasets.write import (
    Writer,
    history_path,
    history_stale,
    settle_canonical,
    write_flags,
    write_history,
    write_rounds,
)
from pipeline.jobs import Job, default_workers, duplicate_of, failed, init_worker, pooled, run_job, start_workers_early, timed_out, worker_context
from pipeline.models import Extraction
from pipeline.read.pdf import file_sha256
from pipeline.rules import Rules
from pipeline.vocab import READ_OK, RETRY, OcrMode, Status

T = TypeVar("T")

# Files a worker process parses before it is replaced by a fresh one (flat memory).
MAX_TASKS = 200


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Return the PDFs named by `paths` (files, or folders searched recursively), as
    canonical absolute paths, sorted. Entries that are no regular file are `odd_paths`."""
    found: dict[str, Path] = {}
    for p in map(Path, paths):
        if p.is_dir():
            for f in p.rglob("*"):
                if f.is_file() and f.suffix.lower() == ".pdf" and not f.name.startswith("."):
                    found[str(f.resolve())] = f.resolve()
        elif p.is_file():
            found[str(p.resolve())] = p.resolve()
    return [found[k] for k in sorted(found)]


def odd_paths(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """(path, why) of every entry `find_pdfs` cannot read as a file: a `*.pdf` in a folder, or a
    path named directly, that is a FIFO, socket, device, broken link or symlink loop. Each gets
    a `files` row saying so; none is opened (a FIFO would block the batch)."""
    out: dict[str, tuple[Path, str]] = {}

    def why(f: Path) -> str:
        try:
            mode = f.stat().st_mode
        except RuntimeError:
            return "a symlink loop"
        except OSError as exc:
            return "a symlink loop" if exc.errno == errno.ELOOP else f"a broken link ({exc.strerror})"
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return kind

    for p in map(Path, paths):
        entries = [f for f in p.rglob("*") if f.suffix.lower() == ".pdf" and not f.name.startswith(".")] \
            if p.is_dir() else [p]
        for f in entries:
            if not f.is_file() and not f.is_dir():
                path = Path(os.path.abspath(f))
                out[str(path)] = (path, f"not a regular file: {why(f)}; not read")
    return [out[k] for k in sorted(out)]


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
    changed: int = 0  # paths whose bytes changed since they were ingested: parsed again
    still_failing: int = 0  # skipped paths whose earlier run could not read them
    found: int = 0  # PDFs found under the paths
    waiting: list[str] = field(default_factory=list)  # copies whose original could not be parsed this run
    pruned: list[str] = field(default_factory=list)  # paths gone from disk whose rows were dropped (`prune`)

    @property
    def ok(self) -> bool:
        """No file failed, in this run or (skipped now) in an earlier one: a nightly job sees a failure until it is fixed."""
        return not self.failed and not self.still_failing

    def add(self, x: Extraction) -> None:
        self.statuses[x.status] += 1
        self.recommendations += len(x.recommendations)
        flagged = sum(bool(r.warnings) for r in x.recommendations)
        self.flagged_records += flagged
        self.flagged_files += bool(flagged or x.unlabelled)
        if x.status not in READ_OK:
            self.failed.append((x.source_file, x.status, x.message))


def _local(jobs: list[Job], rules: Rules, workers: int, timeout: float | None, max_memory: int,
           task: Callable[..., Extraction] = run_job) -> Iterator[Extraction]:
    """Run jobs in this process (one worker, no timeout, no memory cap) or in a pool of
    worker processes.

    The pool kills a worker whose file passes `timeout` and starts a fresh one, and
    replaces every worker after MAX_TASKS files so memory stays flat over long batches.
    `task(job)` is what a worker runs for a job (tests give a slow stand-in).
    """
    if not pooled(workers, timeout, max_memory, len(jobs)):
        for job in jobs:
            yield task(job, rules)
        return
    from pebble import ProcessExpired, ProcessPool

    with ProcessPool(max_workers=workers, max_tasks=MAX_TASKS, initializer=init_worker,
                     initargs=(rules, max_memory, os.getpid()), context=worker_context()) as pool:
        try:
            pending: dict[Future[Extraction], Job] = {}
            queue = list(reversed(largest_first(jobs)))  # popped from the end
            while queue or pending:
                # A short queue per worker: futures (and their results) never pile up in memory.
                while queue and len(pending) < workers * 2:
                    job = queue.pop()
                    pending[pool.schedule(task, (job,), timeout=timeout)] = job
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    job = pending.pop(fut)
                    try:
                        yield fut.result()
                    except TimeoutError:
                        yield timed_out(job, timeout or 0)
                    except ProcessExpired as exc:
                        yield failed(job, Status.ERROR, f"worker process died (exit code {exc.exitcode}); "
                                     "the file may need more memory than the machine has")
                    except Exception as exc:  # noqa: BLE001 - a pickling or pool failure must not stop the batch
                        yield failed(job, Status.ERROR, f"internal error: {type(exc).__name__}: {exc}")
        except BaseException:
            pool.stop()  # Ctrl-C, SIGTERM, a failed write: running files are killed now, not waited for
            raise


def largest_first(jobs: list[Job]) -> list[Job]:
    """`jobs` in the order a pool starts them: the largest files first (bytes: a proxy for pages),
    so that an agenda pack is not started last while the other workers run out of files and idle."""

    def size(job: Job) -> int:
        try:
            return os.stat(job.path).st_size
        except OSError:
            return 0

    return sorted(jobs, key=size, reverse=True)  # stable: files of one size keep their order


def run_limited(fn: Callable[..., T], args: tuple, rules: Rules, timeout: float | None, max_memory: int) -> T:
    """`fn(*args)` in one worker process under the limits `ingest` uses: killed after `timeout`
    seconds (TimeoutError), its memory capped at `max_memory` MB (MemoryError, or
    ProcessExpired when it dies of it). For one-document commands (`inspect`)."""
    from pebble import ProcessPool

    with ProcessPool(max_workers=1, max_tasks=1, initializer=init_worker, initargs=(rules, max_memory, os.getpid()),
                     context=worker_context()) as pool:
        future = pool.schedule(fn, args, timeout=timeout)
        try:
            return future.result()
        except BaseException:
            pool.stop()
            raise


@dataclass
class _Plan:
    """What a batch will do with each PDF found."""

    todo: list[Job] = field(default_factory=list)
    copies_now: list[tuple[str, str, str]] = field(default_factory=list)  # (path, sha, original) writable now
    copies_after: dict[str, list[str]] = field(default_factory=dict)  # sha -> copies waiting for its first path


def _plan(pdfs: list[Path], writer: Writer, summary: IngestSummary, force: bool, job: Callable[[str, str], Job],
          on_file: Callable[[Extraction | None, Path], None] | None) -> _Plan:
    """What to do with each PDF: skip it, parse it (`job(path, sha)`), or record it as a copy."""
    done = writer.done()
    # Paths that hold each content for good: parsed (or read) by an earlier run, not copies.
    holders: dict[str, str] = {}
    for src, d in sorted(done.items()):
        if d.sha256 and d.settled and d.status != Status.DUPLICATE and Path(src).exists():
            holders.setdefault(d.sha256, src)
    plan = _Plan()
    first: dict[str, str] = {}  # sha -> the path parsed for it in this batch
    for pdf in pdfs:
        path = str(pdf)
        try:
            sha = file_sha256(pdf)
        except OSError:
            sha = ""
        before = done.get(path)
        same = before is not None and sha and before.sha256 == sha
        holder = holders.get(sha) if sha else None
        if same and not force and before is not None and before.settled \
                and (before.status != Status.DUPLICATE or (holder is not None and holder != path)):
            summary.skipped += 1
            summary.still_failing += before.status not in READ_OK
            if on_file:
                on_file(None, pdf)
            continue
        if before is not None and sha and before.sha256 != sha:
            summary.changed += 1
        if sha and sha in first:
            plan.copies_after.setdefault(sha, []).append(path)
        elif sha and holder is not None and holder != path and not force:
            plan.copies_now.append((path, sha, holder))
        else:
            if sha:
                first[sha] = path
            plan.todo.append(job(path, sha))
    return plan


def ingest(
    paths: Iterable[str | Path],
    out: str | Path,
    rules: Rules,
    *,
    rules_dir: str | None = None,
    force: bool = False,
    prune: bool = False,
    scheme: str | None = None,
    workers: int = 1,
    timeout: float | None = None,
    max_memory: int = 0,
    all_pages: bool = False,
    ocr: OcrMode = OcrMode.AUTO,
    dask_scheduler: str | None = None,
    on_file: Callable[[Extraction | None, Path], None] | None = None,
    task: Callable[..., Extraction] = run_job,
) -> IngestSummary:
    """Ingest the PDFs under `paths` into the datasets under `out`.

    Files already ingested (same canonical path and sha256) are skipped unless `force`;
    `prune` drops the rows of every ingested path under `paths` that no longer exists;
    `on_file` is called after each file (with None for a skipped one) to drive a
    progress bar. `timeout` (seconds) stops a file's parse and records it as `timeout`;
    `max_memory` (MB per worker, 0 = none) records a file that needs more as `too_large`;
    with `dask_scheduler` (an address) the files are parsed on that Dask cluster. Raises
    `write.WriterBusy` when another ingest is writing `out`; KeyboardInterrupt leaves
    every finished file written (a re-run continues).
    """
    summary = IngestSummary()
    paths = list(paths)  # read twice: the PDFs, and the entries that are no regular file
    pdfs = find_pdfs(paths)
    summary.found = len(pdfs)
    with Writer(out) as writer:
        if prune:
            summary.pruned = gone(writer.done(), paths)
            for src in summary.pruned:
                writer.forget(src)
        pool = not dask_scheduler and pooled(workers, timeout, max_memory)
        # The cores a worker has to itself read its scanned pages at once (on a cluster: one).
        threads = 1 if dask_scheduler else max(1, default_workers() // max(1, workers))

        def job(path: str, sha: str) -> Job:
            nonlocal pool
            if pool:  # the first file to parse: the workers' imports overlap the hashing of the rest
                start_workers_early()
                pool = False
            return Job(path, sha, rules_dir, scheme, all_pages, ocr, threads)

        plan = _plan(pdfs, writer, summary, force, job, on_file)

        def record(x: Extraction) -> None:
            x = _changed_while_read(x)
            writer.write(x)
            summary.add(x)
            if on_file:
                on_file(x, Path(x.source_file))

        for path, sha, original in plan.copies_now:
            record(duplicate_of(Path(path), sha, original))
        for odd, why in odd_paths(paths):
            before = writer.done().get(str(odd))
            if before is not None and before.status == Status.NOT_PDF and not force:
                summary.skipped += 1
                summary.still_failing += 1
                continue
            record(failed(Job(str(odd), ""), Status.NOT_PDF, why))
        if dask_scheduler:
            results = run_on_dask(plan.todo, dask_scheduler, timeout, rules, task)
        else:
            results = _local(plan.todo, rules, max(1, workers), timeout, max_memory, task)
        for x in results:
            record(x)
            _copies_of(x, plan, summary, record, on_file)
        summary.history = current_history(out, rules, rebuild=bool(summary.statuses or summary.pruned))
    return summary


def gone(done: Iterable[str], paths: Iterable[str | Path]) -> list[str]:
    """The ingested paths of `done` that lie under `paths` (a folder, or a file itself) and no
    longer exist: what `--prune` drops. Paths elsewhere are kept, whether there or not (an
    archive on a drive not mounted now is not deleted)."""
    roots = [Path(os.path.abspath(p)) for p in paths] + [Path(p).resolve() for p in paths]
    return sorted(src for src in done if not os.path.lexists(src)
                  and any(Path(src) == r or Path(src).is_relative_to(r) for r in roots))


def _changed_while_read(x: Extraction) -> Extraction:
    """`x`, or, when it failed and the file's bytes are no longer those hashed before parsing
    (rewritten or truncated meanwhile), an `error` that the next run retries: a failure is
    never recorded against bytes that were not the ones read."""
    if x.status in READ_OK or not x.sha256:
        return x
    try:
        now = file_sha256(x.source_file)
    except OSError:
        now = ""
    if now == x.sha256:
        return x
    return dataclasses.replace(x, status=Status.ERROR, sha256=now or x.sha256, reports=(),
                               message=f"the file changed while it was read (sha256 {x.sha256[:12]}… then "
                                       f"{now[:12] + '…' if now else 'unreadable'}); retried on the next run")


def _copies_of(x: Extraction, plan: _Plan, summary: IngestSummary, record: Callable[[Extraction], None],
               on_file: Callable[[Extraction | None, Path], None] | None) -> None:
    """Write the `duplicate` rows of the batch's other copies of `x`'s bytes, now that
    its own rows are written; when `x` failed to parse, its copies wait for the next run."""
    for copy in plan.copies_after.pop(x.sha256, []):
        if x.status in RETRY:  # the original is retried next run; the copy waits for it
            summary.waiting.append(copy)
            if on_file:
                on_file(None, Path(copy))
        else:
            record(duplicate_of(Path(copy), x.sha256, x.source_file))


def current_history(out: str | Path, rules: Rules, rebuild: bool) -> int:
    """Rebuild OUT/history when asked or when it is older than the data; return its rows."""
    if rebuild or history_stale(out):
        return rebuild_history(out, rules)
    return history_count(out)  # the history on disk is current: a re-run costs hashing and a lookup only


def history_count(out: str | Path) -> int:
    """Row count of OUT/history from its Parquet footer (no data read)."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(history_path(out)).metadata.num_rows)


def rebuild_history(out: str | Path, rules: Rules) -> int:
    """Rebuild OUT/rounds, OUT/flags and OUT/history from the datasets (every ingest ends with
    this); return the history's row count."""
    counted = round_rows(out)
    write_rounds(out, counted)  # first: which copy of each round counts
    settle_canonical(out, counted)  # ... written into the parts researchers read
    recs = history.rounds(out)  # read once: the flags and the history both come from these rounds
    flagged = flags_of(recs, rules.flags)
    write_flags(out, flagged)  # then: the history takes each latest round's flags
    rows = history.history_of(history.with_flags(recs, flagged))
    write_history(out, rows)  # even when empty: a stale history must not outlive its data
    return len(rows)

