"""One file's work as a worker runs it: the `Job` sent, the `Extraction` returned.

Shared by the local pool (`ingest`) and a Dask cluster (`cluster`), so neither imports
the other. A file that is not parsed (timed out, worker died, duplicate) still gets an
`Extraction`: its `files` row.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.context
import os
import resource
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.models import Extraction
from pipeline.vocab import OcrMode, Status

if TYPE_CHECKING:  # the rules (pydantic) load in the driver after the fork server has started
    from pipeline.rules import Rules


@dataclass(frozen=True)
class Job:
    """One file to extract, as sent to a worker (picklable: paths and ids only)."""

    path: str
    sha256: str
    rules_dir: str | None = None
    scheme: str | None = None
    all_pages: bool = False
    ocr: OcrMode = OcrMode.AUTO
    ocr_threads: int = 1  # scanned pages a worker reads at once: the cores it has to itself


# The rules a worker process was given by the driver (set by `init_worker`).
_WORKER_RULES: Rules | None = None


DRIVER_POLL = 0.5  # seconds between a worker's checks that its driver is alive


def init_worker(rules: Rules | None, max_memory_mb: int = 0, driver: int | None = None) -> None:
    """Set up a worker process: the driver's rules, and a cap on the memory it may take
    (its address space now plus `max_memory_mb`), so that an allocation beyond it fails
    with MemoryError and the file ends as `too_large` instead of exhausting the machine."""
    global _WORKER_RULES
    _WORKER_RULES = rules
    # The worker leads a process group of its own (Tesseract runs in it): when the pool stops
    # it (a timeout, Ctrl-C, SIGTERM: pebble sends SIGTERM first), the whole group goes.
    os.setpgrp()
    signal.signal(signal.SIGTERM, _stop_group)
    if driver is not None:
        _watch_driver(driver)
    if max_memory_mb > 0:
        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + max_memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _watch_driver(pid: int) -> None:
    """End this worker's process group (itself and any Tesseract) once the driver `pid` is gone
    (`kill -9`: nothing of the driver runs to stop its pool)."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(DRIVER_POLL)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.killpg(os.getpgrp(), signal.SIGKILL)
            except PermissionError:
                pass  # alive, somebody else's

    threading.Thread(target=watch, name="driver-watch", daemon=True).start()


def _stop_group(signum: int, frame: object) -> None:
    """SIGTERM in a worker: kill its process group, itself and any Tesseract it started."""
    os.killpg(os.getpgrp(), signal.SIGKILL)


def run_job(job: Job, rules: Rules | None = None) -> Extraction:
    """Extract one file with the given rules, the worker's, or those of `job.rules_dir`."""
    # Imported here: the driver process only schedules and writes, and never loads the stages
    # (spaCy, pdfminer: a second of start-up); the workers have them from the fork server.
    from pipeline.extract import extract_file
    from pipeline.rules import cached_rules

    rules = rules or _WORKER_RULES or cached_rules(job.rules_dir)
    return extract_file(job.path, rules, job.scheme, sha256=job.sha256, all_pages=job.all_pages, ocr=job.ocr,
                        ocr_threads=job.ocr_threads)


def default_workers() -> int:
    """One worker a core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def pooled(workers: int, timeout: float | None, max_memory: int, n_files: int = 2) -> bool:
    """Whether `n_files` files are parsed in worker processes (a limit to enforce, or several
    workers to share them) rather than in this one."""
    return bool(timeout) or max_memory > 0 or (workers > 1 and n_files > 1)


def worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server that has imported the stages (not from this process):
    a caller that holds a DuckDB connection (its thread pool) or other threads, a notebook or
    a test run, would otherwise fork them mid-operation, and the workers crash (SIGSEGV)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.jobs", "pipeline.extract"])
    return ctx


def start_workers_early() -> None:
    """Start the fork server now, so that it imports the stages (about a second) while this
    process loads the rules, finds, hashes and plans the files, instead of after."""
    from multiprocessing import forkserver

    worker_context()
    forkserver.ensure_running()


def failed(job: Job, status: Status, message: str) -> Extraction:
    """The `files` row of a file that was not parsed (timed out, worker died, duplicate)."""
    path = Path(job.path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:  # a symlink loop, a file gone since
        size = 0
    return Extraction(str(path), job.sha256, size, 0, status, message, 0.0, now)


def timed_out(job: Job, timeout: float) -> Extraction:
    return failed(job, Status.TIMEOUT, f"parsing took longer than --timeout {timeout:g} s; stopped")


def duplicate_of(pdf: Path, sha: str, original: str) -> Extraction:
    """The `files` row of a PDF whose bytes were already ingested from another path."""
    return failed(Job(str(pdf), sha), Status.DUPLICATE, f"same content (sha256) as {original}; its rows stand for this file")
