"""The per-file child of a Dask worker: results come back whole, runaway files are killed."""

from __future__ import annotations

import pytest
from standins import quick_or_stuck, quick_with_lingering_grandchild

from conftest import PDFS
from pipeline.cluster import dask_task
from pipeline.jobs import Job

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the child needs fork()")


def _job(path) -> Job:
    return Job(path=str(path), sha256="0" * 64)


def test_result_returns_while_another_process_holds_the_pipe():
    # Regression: another worker thread forking at the same moment left a sibling holding the
    # pipe's write end, so the parent waited for an end-of-file that came only at the
    # timeout and a quick file was reported as timed out.
    # The grandchild lingers 30 s, past the 20 s timeout: before the fix this was "timeout".
    result = dask_task(_job(PDFS[0]), 20, None, quick_with_lingering_grandchild)
    assert result.status == "no_tracking_table" and result.message == "stand-in: not parsed"


def test_runaway_file_is_killed_at_the_timeout():
    result = dask_task(_job(PDFS[0].with_name("zz-stuck.pdf")), 1, None, quick_or_stuck)
    assert result.status == "timeout" and "--timeout 1 s" in result.message
