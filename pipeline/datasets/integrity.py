"""Integrity stage: does a data folder hold what its `files` rows say? (`scrutiny verify`)

`verify(data)` reads every part's footer and the `files` rows and returns one line per
problem (none: the folder is sound):

- a part that is not readable Parquet (truncated, foreign), or of another schema version;
- a `parsed` file whose records or reports part is missing, or whose parts hold another
  number of rows than its `files` row says;
- records or reports parts no `files` row refers to (left by a run killed between writes:
  the next ingest removes them);
- derived datasets (history, flags, rounds) older than the data (the next ingest rebuilds them);
- a part whose `canonical` disagrees with `rounds/` (the counting rule; the next ingest settles it).

Reads only; it changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.datasets.schema import PER_FILE, ROWS, SCHEMA_VERSION, read_dataset
from pipeline.datasets.write import history_stale, part_name, record_key
from pipeline.vocab import Status


def _footer(part: Path) -> tuple[int, str] | str:
    """(rows, schema version) of a Parquet part, or why it cannot be read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(part).metadata
    except (pa.ArrowException, OSError) as exc:
        return f"not a readable Parquet part ({str(exc).splitlines()[0]})"
    version = (meta.metadata or {}).get(b"schema_version", b"?").decode("utf-8", "replace")
    return meta.num_rows, version


def verify(data: str | Path) -> tuple[list[str], dict[str, int]]:
    """(problems, counts) of the data folder `data`: one line per problem, and how many files
    rows and parts were checked."""
    data = Path(data)
    problems: list[str] = []
    rows: dict[Path, int] = {}
    n_parts = 0
    for name in ROWS:
        for part in sorted((data / name).glob("*.parquet")):
            n_parts += 1
            got = _footer(part)
            if isinstance(got, str):
                problems.append(f"{part}: {got}")
                continue
            rows[part] = got[0]
            if got[1] != SCHEMA_VERSION:
                problems.append(f"{part}: schema version {got[1]} (this version writes {SCHEMA_VERSION}): re-ingest with --force")
    if problems:  # the files rows themselves may be unreadable: stop at the parts
        return problems, {"files": 0, "parts": n_parts}
    files = read_dataset(data / "files", ["source_file", "sha256", "status", "n_recommendations"])
    referenced: set[str] = set()
    for src, sha, status, n_recs in zip(files["source_file"], files["sha256"], files["status"], files["n_recommendations"]):
        key = part_name(record_key(sha, src))
        referenced.add(key)
        if status != Status.PARSED:
            continue
        recs, reps = data / "recommendations" / key, data / "reports" / key
        for part in (recs, reps):
            if part not in rows:
                problems.append(f"{src}: parsed, but its {part.parent.name} part {part.name} is missing: re-ingest it with --force")
        if recs in rows and rows[recs] != (n_recs or 0):
            problems.append(f"{src}: its files row says {n_recs} recommendation(s), its part holds {rows[recs]}")
    for name in ("recommendations", "reports"):
        for part in sorted((data / name).glob("*.parquet")):
            if part.name not in referenced:
                problems.append(f"{part}: no files row refers to it (a run stopped between writes; the next ingest removes it)")
    if any((data / name).is_dir() for name in PER_FILE) and history_stale(data):
        problems.append(f"{data}/history: older than the data (the next ingest rebuilds it)")
    elif any((data / "rounds").glob("*.parquet")):
        problems += _unsettled(data)
    return problems, {"files": len(files["source_file"]), "parts": n_parts}


def _unsettled(data: Path) -> list[str]:
    """One line per recommendations part holding a `canonical` other than `rounds/` says."""
    rounds = read_dataset(data / "rounds", ["report_id", "review_key", "canonical"])
    counts = dict(zip(zip(rounds["report_id"], rounds["review_key"]), rounds["canonical"]))
    recs = read_dataset(data / "recommendations", ["report_id", "review_key", "canonical"], with_part=True)
    wrong = sorted({part for part, rid, key, have in zip(recs["part"], recs["report_id"], recs["review_key"], recs["canonical"])
                    if counts.get((rid, key), True) != have})
    return [f"{part}: its canonical column disagrees with rounds/ (the next ingest settles it)" for part in wrong]
