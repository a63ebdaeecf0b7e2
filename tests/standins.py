"""Stand-in parse jobs for the pool, Dask and fault tests: fast and deterministic, so no
test depends on how busy the machine is. Module-level, so worker processes import them."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.jobs import Job, failed, run_job
from pipeline.models import Extraction
from pipeline.rules import Rules


def quick_or_stuck(job: Job, rules: Rules | None = None) -> Extraction:
    """A canned result at once; a file named `*stuck*` never finishes (it must be timed out)."""
    if "stuck" in Path(job.path).name:
        time.sleep(3600)
    return failed(job, "no_tracking_table", "stand-in: not parsed")


def fail_first_copy(job: Job, rules: Rules | None = None) -> Extraction:
    """The real parse, except that `a.pdf` ends in `error` (as a crash or a timeout would)."""
    if Path(job.path).name == "a.pdf":
        return failed(job, "error", "stand-in: the original could not be parsed this time")
    return run_job(job, rules)


def quick_with_lingering_grandchild(job: Job, rules: Rules | None = None) -> Extraction:
    """A canned result at once, after forking a grandchild that sleeps on: it holds copies of
    every descriptor, as a sibling forked by another worker thread at the same moment would."""
    import os

    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
    return failed(job, "no_tracking_table", "stand-in: not parsed")


def rewritten_while_read(job: Job, rules: Rules | None = None) -> Extraction:
    """The file is truncated while it is being read (a copy still arriving, a sync tool), and
    the parse ends as `corrupt`: what a real parse of half a file gives."""
    path = Path(job.path)
    path.write_bytes(path.read_bytes()[:1000])
    return failed(job, "corrupt", "stand-in: the PDF ends before its cross-reference table")


def note_pid_and_hang(job: Job, rules: Rules | None = None) -> Extraction:
    """Write this worker's pid (and a child's, standing for Tesseract) beside the file, then never finish."""
    import os
    import subprocess

    child = subprocess.Popen(["sleep", "3600"])
    Path(job.path).with_suffix(".pids").write_text(f"{os.getpid()} {child.pid}")
    time.sleep(3600)
    return failed(job, "error", "stand-in: never reached")
