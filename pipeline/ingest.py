"""Batch ingest: find PDFs, skip the ones already done, extract the rest, write them.

`ingest(paths, out, ...)` returns an `IngestSummary`; it writes each file's rows as
soon as that file is done, so an interrupted batch keeps every finished file.
Work runs in a process pool (`workers`), one process per document at a time.
Every batch ends by rebuilding OUT/history.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .extract import Extraction, extract_file
from .read import file_sha256
from .rules import Rules, cached_rules
from .schema import READ_OK
from .write import RETRY_STATUSES, Writer


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

    @property
    def ok(self) -> bool:
        return not self.failed

    def add(self, x: Extraction) -> None:
        self.statuses[x.status] += 1
        self.recommendations += len(x.recommendations)
        if x.status not in READ_OK:
            self.failed.append((x.source_file, x.status, x.message))


def _worker(path: str, rules_dir: str | None, scheme: str | None, sha: str) -> Extraction:
    return extract_file(path, cached_rules(rules_dir), scheme, sha256=sha)


def _run(todo: list[tuple[Path, str]], rules: Rules, rules_dir: str | None, scheme: str | None,
         workers: int) -> Iterator[Extraction]:
    if workers <= 1 or len(todo) <= 1:
        for path, sha in todo:
            yield extract_file(path, rules, scheme, sha256=sha)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: set[Future[Extraction]] = set()
        queue = list(reversed(todo))
        while queue or pending:
            while queue and len(pending) < workers * 2:
                path, sha = queue.pop()
                pending.add(pool.submit(_worker, str(path), rules_dir, scheme, sha))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield fut.result()


def ingest(
    paths: Iterable[str | Path],
    out: str | Path,
    rules: Rules,
    *,
    rules_dir: str | None = None,
    force: bool = False,
    scheme: str | None = None,
    workers: int = 1,
    on_file: Callable[[Extraction | None, Path], None] | None = None,
) -> IngestSummary:
    """Ingest the PDFs under `paths` into the datasets under `out`.

    Files already ingested (same sha256) are skipped unless `force`; `on_file` is
    called after each file (with None for a skipped one) to drive a progress bar.
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
    for x in _run(todo, rules, rules_dir, scheme, max(1, workers)):
        writer.write(x)
        summary.add(x)
        if on_file:
            on_file(x, Path(x.source_file))
    summary.history = rebuild_history(out, rules)
    return summary


def rebuild_history(out: str | Path, rules: Rules) -> int:
    """Rebuild OUT/history from the datasets (every ingest ends with this); return its row count."""
    from .analysis import history, history_records
    from .write import write_history

    records = history_records(history(out, rules))
    write_history(out, records)  # even when empty: a stale history must not outlive its data
    return len(records)


def duplicate_of(pdf: Path, sha: str, original: str) -> Extraction:
    """The `files` row of a PDF whose bytes were already ingested from another path."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return Extraction(str(pdf), sha, pdf.stat().st_size, 0, "duplicate",
                      f"same content (sha256) as {original}; its rows stand for this file", 0.0, now)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
