"""Writing stage: Extractions to Parquet datasets under OUT (the only module writing files).

Layout: OUT/recommendations/ and OUT/reports/ hold one part per distinct PDF content,
named by its sha256; OUT/files/ holds one part per PDF path, named by the path. Each
part is written to a hidden temporary file and renamed into place, so a crash or
Ctrl-C leaves every finished file's rows and no partial ones:

- the `files` part is written last: it marks the file as done for later runs;
- a path whose bytes changed gets its `files` part replaced in one rename, and the
  rows of its old content are removed once no path refers to them;
- rows no `files` row refers to (a run killed between the two writes) are removed when
  the next writer starts, and the file is parsed again;
- one writer per OUT at a time: `Writer` takes an advisory lock (OUT/.scrutiny.lock) and
  says who holds it; readers never take it.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import functools
import hashlib
import json
import os
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import PARSER_VERSION
from pipeline.datasets.rows import rows
from pipeline.datasets.schema import (
    PER_FILE,
    FlagRow,
    HistoryRow,
    RoundRow,
    check_parts,
    read_dataset,
    to_table,
)
from pipeline.models import Extraction
from pipeline.vocab import RETRY, Status

LOCK_NAME = ".scrutiny.lock"


class WriterBusy(RuntimeError):
    """Another ingest holds OUT's lock."""


@dataclass(frozen=True)
class Done:
    """What OUT/files says of one PDF path: its content hash, status and parser."""

    sha256: str
    status: str
    parser_version: str = PARSER_VERSION

    @property
    def settled(self) -> bool:
        """Nothing to do for these bytes: neither a failure to retry (error, timeout) nor
        rows of an older parser (its schema or semantics may differ)."""
        return self.status not in RETRY and self.parser_version == PARSER_VERSION


def part_name(key: str) -> str:
    return f"part-{key[:24]}.parquet"


def _temporary(path: Path) -> Path:
    # The writer's pid in the name: a later run removes only the leftovers of dead writers.
    return path.parent / f".{path.name}.{os.getpid()}.tmp"


def atomic_write(path: Path, fill: Callable[[Path], None]) -> None:
    """The one way a file is written: `fill(tmp)` writes a hidden temporary file beside
    `path`, which is fsynced and renamed over `path`, and the folder is fsynced (the rename
    itself survives a power cut). A failure leaves `path` as it was and no temporary file."""
    tmp = _temporary(path)
    try:
        fill(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_table(table: pa.Table, path: Path) -> None:
    """Write a Parquet file atomically (`atomic_write`), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # snappy: Parquet's default, fast and read everywhere.
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="snappy"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's live process
    return True


def clean_temporaries(directory: Path) -> int:
    """Remove the temporary files of dead writers under `directory`; return how many."""
    n = 0
    for tmp in directory.glob("*/.*.tmp"):
        pid = tmp.name.rsplit(".", 2)[-2]
        if not pid.isdigit() or not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            n += 1
    return n


def record_key(sha256: str, source_file: str) -> str:
    """Records and reports are keyed by content: one part per distinct PDF."""
    return sha256 or hashlib.sha256(source_file.encode()).hexdigest()


def files_key(source_file: str) -> str:
    """`files` rows are keyed by the canonical path: one row per path, replaced when it changes."""
    return hashlib.sha256(source_file.encode()).hexdigest()


class Writer:
    """Writes extractions under `out` (holding its lock) and knows which files are done."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        for name in PER_FILE:
            (self.out / name).mkdir(parents=True, exist_ok=True)
        self._lock = self._acquire()
        try:
            clean_temporaries(self.out)
            check_parts(self.out, ("recommendations", "reports", "history"))
            self._files = self._read_files()
        except BaseException:
            self.close()
            raise
        self._collect_orphans()

    # -- the lock ------------------------------------------------------------------------
    def _acquire(self) -> int:
        path = self.out / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise WriterBusy(f"{self.out} is being written by another ingest ({holder}); "
                             "wait for it to finish, or give another --out") from exc
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        return fd

    def close(self) -> None:
        """Release OUT's lock (also when the process ends)."""
        if self._lock >= 0:
            os.ftruncate(self._lock, 0)
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what is there ---------------------------------------------------------------------
    def _read_files(self) -> dict[str, tuple[Done, Path]]:
        names = ["source_file", "sha256", "status", "parser_version"]
        table = read_dataset(self.out / "files", columns=names, with_part=True)
        out: dict[str, tuple[Done, Path]] = {}
        for src, sha, status, version, part in zip(*(table[c] for c in (*names, "part"))):
            out[src] = (Done(sha, status, version), Path(part))
        return out

    def done(self) -> dict[str, Done]:
        """{source_file: Done} of every path already in OUT/files."""
        return {src: d for src, (d, _) in self._files.items()}

    def _referenced(self) -> set[str]:
        return {d.sha256 for d, _ in self._files.values()}

    def _collect_orphans(self) -> None:
        # Records of a file whose `files` row was never written (a run killed in between),
        # or of content no path has any more: nobody refers to them.
        keep = {part_name(record_key(sha, "")) for sha in self._referenced()}
        for name in ("recommendations", "reports"):
            for part in (self.out / name).glob("part-*.parquet"):
                if part.name not in keep:
                    part.unlink(missing_ok=True)

    # -- writing ----------------------------------------------------------------------------
    def write(self, x: Extraction) -> str | None:
        """Write one extraction's rows (records first, the `files` row last). Returns the
        sha256 the path held before when its bytes changed, else None."""
        data = rows(x)
        if x.status != Status.DUPLICATE:  # the first copy's rows stand for a duplicate
            key = record_key(x.sha256, x.source_file)
            for name in ("recommendations", "reports"):
                path = self.out / name / part_name(key)
                if data[name]:
                    write_table(to_table(name, data[name]), path)
                elif path.exists() and not any(d.sha256 == x.sha256 and d.status == Status.PARSED
                                               for s, (d, _) in self._files.items() if s != x.source_file):
                    path.unlink()  # --force on a file that no longer yields rows
        new_part = self.out / "files" / part_name(files_key(x.source_file))
        write_table(to_table("files", data["files"]), new_part)
        before = self._files.get(x.source_file)
        self._files[x.source_file] = (Done(x.sha256, x.status, x.parser_version), new_part)
        if before is None:
            return None
        old, old_part = before
        if old_part != new_part:
            old_part.unlink(missing_ok=True)  # a part of an older layout, or of an older run
        if old.sha256 != x.sha256 and old.sha256 not in self._referenced():
            for name in ("recommendations", "reports"):
                (self.out / name / part_name(record_key(old.sha256, ""))).unlink(missing_ok=True)
        return old.sha256 if old.sha256 != x.sha256 else None


    def forget(self, source_file: str) -> None:
        """Remove a path's `files` row, and its content's rows once no other path holds those
        bytes (`ingest --prune`: the PDF is gone). The `files` part goes first: a crash
        between the two leaves rows no path refers to, which the next writer removes."""
        before = self._files.pop(source_file, None)
        if before is None:
            return
        done, part = before
        part.unlink(missing_ok=True)
        if done.sha256 and done.sha256 not in self._referenced():
            for name in ("recommendations", "reports"):
                (self.out / name / part_name(record_key(done.sha256, ""))).unlink(missing_ok=True)


def settle_canonical(out: str | Path, rounds: list[RoundRow]) -> int:
    """Write into the recommendations and reports parts under `out` which copy of each round
    counts (`rounds`, the counting rule), so that a reader of the raw Parquet counts as `stats`
    does; only parts whose rows disagree are rewritten (atomically). Returns how many.
    A report counts when one of its rounds does; a row of no known round counts."""
    from pipeline.datasets.schema import schemas

    counts = {(r.report_id, r.review_key): r.canonical for r in rounds}
    of_report: dict[str, bool] = {}
    for r in rounds:
        of_report[r.report_id] = of_report.get(r.report_id, False) or r.canonical

    def wanted(name: str, rows: dict[str, list]) -> list[bool]:
        if name == "reports":
            return [of_report.get(i, True) for i in rows["report_id"]]
        return [counts.get(k, True) for k in zip(rows["report_id"], rows["review_key"])]

    rewritten = 0
    for name, key in (("recommendations", ["report_id", "review_key"]), ("reports", ["report_id"])):
        stored = read_dataset(Path(out) / name, columns=[*key, "canonical"], with_part=True)
        stale = {part for part, have, want in zip(stored["part"], stored["canonical"], wanted(name, stored)) if have != want}
        for part in sorted(stale):
            table = pq.read_table(part)
            values = pa.array(wanted(name, {k: table[k].to_pylist() for k in key}), pa.bool_())
            write_table(table.set_column(table.schema.get_field_index("canonical"), schemas()[name].field("canonical"), values),
                        Path(part))
            rewritten += 1
    return rewritten


def output_problem(path: str | Path) -> str | None:
    """Why a small artefact cannot be written at `path`, or None: its folder must exist, and
    what is there already must be a regular file (never a device, a FIFO or a folder:
    replacing one would destroy it or hang)."""
    path = Path(path)
    if not str(path) or path.name in ("", ".", ".."):
        return f"{str(path)!r} names no file"
    if not path.parent.is_dir():
        return f"{path.parent} is not an existing folder"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None  # a new file
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"
        return f"{path} is {kind}, not a regular file; give a file path"
    return None


def write_bytes(path: str | Path, payload: bytes) -> None:
    """Write a small artefact (an inspect PNG, an HTML report) atomically into an existing
    folder; raises ValueError (`output_problem`) where that cannot be done safely."""
    problem = output_problem(path)
    if problem is not None:
        raise ValueError(f"cannot write {path}: {problem}")
    path = Path(path)
    try:
        atomic_write(path, functools.partial(_put, payload=payload))
    except OSError as exc:  # name the file asked for, not the hidden temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _put(tmp: Path, payload: bytes) -> None:
    tmp.write_bytes(payload)


def history_path(out: str | Path) -> Path:
    """Where OUT/history's single part file lives."""
    return Path(out) / "history" / "part-0.parquet"


def history_stale(out: str | Path) -> bool:
    """Whether OUT/history is missing or older than any change to the per-file datasets
    (a part written, replaced or removed changes its folder's modification time)."""
    path = history_path(out)
    if not path.exists():
        return True
    written = path.stat().st_mtime_ns
    return any((Path(out) / name).stat().st_mtime_ns > written for name in PER_FILE if (Path(out) / name).is_dir())


def write_history(out: str | Path, rows: list[HistoryRow]) -> Path:
    """Replace OUT/history with `rows` (one part file, written atomically)."""
    path = history_path(out)
    write_table(to_table("history", rows), path)
    return path


def write_flags(out: str | Path, rows: list[FlagRow]) -> Path:
    """Replace OUT/flags with `rows` (one part file, written atomically)."""
    path = Path(out) / "flags" / "part-0.parquet"
    write_table(to_table("flags", rows), path)
    return path


def write_rounds(out: str | Path, rows: list[RoundRow]) -> Path:
    """Replace OUT/rounds with `rows` (one part file, written atomically)."""
    path = Path(out) / "rounds" / "part-0.parquet"
    write_table(to_table("rounds", rows), path)
    return path
