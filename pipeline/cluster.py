"""Run the per-file work on an existing Dask distributed cluster.

`run_on_dask(jobs, address, timeout)` sends each `ingest.Job` to the cluster's workers
and yields the `Extraction`s as they finish; the caller (the ingest driver, on this
machine) writes them, so the datasets are the same as a local run's. Workers need this
package installed (same version) and read access to the PDFs at the same paths
(a shared file system); nothing is written on the workers.

With a timeout, each file is parsed in a forked child of its Dask worker that is
killed when the time is up, so a runaway file cannot hold a worker (POSIX workers;
elsewhere the timeout is not enforced on the cluster).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pipeline.jobs import Job, failed, run_job, timed_out
from pipeline.models import Extraction
from pipeline.rules import Rules
from pipeline.vocab import Status

if TYPE_CHECKING:
    import distributed

# Futures in flight per worker thread: enough to keep workers busy, few enough that
# results do not pile up in the scheduler's memory over thousands of files.
IN_FLIGHT_PER_THREAD = 4
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
_LENGTH = struct.Struct("!Q")  # the length header before a child's pickled result


def _in_child(job: Job, timeout: float, rules: Rules | None, task: Callable[..., Extraction] = run_job) -> Extraction:
    """Parse `job` in a forked child that is killed after `timeout` seconds.

    Dask workers are daemonic processes, which multiprocessing (and so pebble) may not
    give children; a bare fork is allowed. The child sends its pickled result, preceded
    by its length, through a pipe and exits without running any of the worker's cleanup.
    The parent stops at the announced length, not at end-of-file: a sibling forked by
    another worker thread at the same moment may hold a copy of the pipe's write end,
    and its end-of-file would only come when that sibling ends.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(read_fd)
            payload = pickle.dumps(task(job, rules), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(_LENGTH.pack(len(payload)) + payload)
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    received = bytearray()
    expected: int | None = None
    deadline = time.monotonic() + timeout
    with os.fdopen(read_fd, "rb") as pipe:
        while expected is None or len(received) < _LENGTH.size + expected:
            ready, _, _ = select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return timed_out(job, timeout)
            chunk = os.read(pipe.fileno(), 1 << 16)
            if not chunk:
                break  # the child ended before its whole result was sent
            received += chunk
            if expected is None and len(received) >= _LENGTH.size:
                (expected,) = _LENGTH.unpack_from(received)
    _, status = os.waitpid(pid, 0)
    if status != 0 or expected is None or len(received) < _LENGTH.size + expected:
        return failed(job, Status.ERROR, f"parse process ended abnormally (wait status {status})")
    result: Extraction = pickle.loads(received[_LENGTH.size:])
    return result


def dask_task(job: Job, timeout: float | None, rules: Rules | None = None,
              task: Callable[..., Extraction] = run_job) -> Extraction:
    """What a Dask worker runs for one file, with the driver's rules: with a timeout, in a
    child it can kill. `task(job, rules)` parses the file (tests give a stand-in)."""
    if timeout is None or not hasattr(os, "fork"):
        return task(job, rules)
    return _in_child(job, timeout, rules, task)


class ClusterError(RuntimeError):
    """The Dask scheduler could not be reached."""


def connect(address: str, timeout: float | None = None) -> distributed.Client:
    """A client of the scheduler at `address`; ClusterError when it cannot be reached."""
    from distributed import Client

    # SCRUTINY_DASK_CONNECT_TIMEOUT: seconds to wait for the scheduler (tests make it short).
    timeout = timeout or float(os.environ.get("SCRUTINY_DASK_CONNECT_TIMEOUT", CONNECT_TIMEOUT))
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc


def run_on_dask(jobs: list[Job], address: str, timeout: float | None, rules: Rules | None = None,
                task: Callable[..., Extraction] = run_job) -> Iterator[Extraction]:
    """Parse `jobs` on the Dask cluster whose scheduler is at `address` with the driver's
    `rules` (sent to every worker once); yield as done."""
    from distributed import as_completed

    client = connect(address)
    try:
        shared = client.scatter(rules, broadcast=True) if rules is not None else None
        threads = sum(client.nthreads().values()) or 1
        queue = list(reversed(jobs))
        pending = as_completed()
        owner = {}

        def submit() -> None:
            job = queue.pop()
            # pure=False: the same file submitted twice (a --force re-run) is parsed again.
            fut = client.submit(dask_task, job, timeout, shared, task, pure=False, key=f"scrutiny-{uuid.uuid4().hex}")
            owner[fut.key] = job
            pending.add(fut)

        for _ in range(min(len(queue), threads * IN_FLIGHT_PER_THREAD)):
            submit()
        for fut in pending:
            job = owner.pop(fut.key)
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker or task must not stop the batch
                yield failed(job, Status.ERROR, f"Dask task failed: {type(exc).__name__}: {exc}")
            finally:
                fut.release()
            if queue:
                submit()
    finally:
        client.close()
