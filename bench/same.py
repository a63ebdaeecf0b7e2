"""Whether two ingests of the same files hold the same records: every column of
`recommendations`, `reports`, `rounds`, `flags` and `history`, and each file's status, page
count and message (the message without its OCR seconds), row for row.

Used to check that a speed change keeps every record (issue #23):

    python bench/same.py OUT_BEFORE OUT_AFTER

Exit 0 when they agree; else the differing rows are printed (at most 20) and exit 1.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pyarrow.dataset as ds

# Columns that say when or how fast, not what was read.
VOLATILE = {"seconds", "ingested_at", "parser_version"}
_OCR_SECONDS = re.compile(r"\d+(\.\d+)? s a page")
TABLES = ("files", "recommendations", "reports", "rounds", "flags", "history")


def rows(out: Path, name: str) -> list[tuple]:
    """The rows of OUT/name as sorted tuples of their non-volatile columns ([] when absent)."""
    if not (out / name).exists():
        return []
    table = ds.dataset(out / name, format="parquet").to_table()
    cols = [c for c in table.schema.names if c not in VOLATILE]
    out_rows = []
    for r in table.select(cols).to_pylist():
        if "message" in r and r["message"]:
            r["message"] = _OCR_SECONDS.sub("N s a page", r["message"])
        out_rows.append(tuple((k, repr(v)) for k, v in r.items()))
    return sorted(out_rows)


def compare(a: Path, b: Path) -> list[str]:
    """Lines naming each table whose rows differ between OUT `a` and OUT `b`, with examples."""
    problems: list[str] = []
    for name in TABLES:
        ra, rb = rows(a, name), rows(b, name)
        if ra == rb:
            continue
        only_a = [r for r in ra if r not in set(rb)]
        only_b = [r for r in rb if r not in set(ra)]
        problems.append(f"{name}: {len(ra)} rows against {len(rb)}; {len(only_a)} only in the first, "
                        f"{len(only_b)} only in the second")
        for r in (only_a + only_b)[:20]:
            problems.append("  " + str(dict(r))[:400])
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args()
    problems = compare(args.before, args.after)
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    counts = ", ".join(f"{name} {len(rows(args.after, name))}" for name in TABLES)
    print(f"same records: {counts}")


if __name__ == "__main__":
    main()
