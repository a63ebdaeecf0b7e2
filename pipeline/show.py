"""How the CLI shows things: the progress bar, ingest's summary, result tables in every
`--format`, and `check`'s findings. Data goes to stdout; terminal formats show a control
character from a PDF or a path as `\\xNN`, never send it; csv cells are `cell_safe`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.analysis.stats import Table
    from pipeline.batch import IngestSummary
    from pipeline.models import Extraction


class Progress:
    """The progress bar on stderr (files, with the records so far); called once per file."""

    def __init__(self, targets: list[str], quiet: bool):
        from tqdm import tqdm

        from pipeline.batch import find_pdfs, odd_paths

        total = len(find_pdfs(targets)) + len(odd_paths(targets))
        if total == 0:
            click.echo(f"no PDFs found under {', '.join(targets)}")
        self.bar = tqdm(total=total, unit="file", disable=quiet or None, file=sys.stderr, dynamic_ncols=True)
        self.files = self.recs = 0

    def __call__(self, x: Extraction | None, path: Path) -> None:
        self.files += x is not None
        self.recs += len(x.recommendations) if x is not None else 0
        self.bar.set_postfix(recs=self.recs, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def summary_json(summary: IngestSummary) -> dict:
    return {
        "files": sum(summary.statuses.values()), "skipped": summary.skipped, "found": summary.found,
        "statuses": dict(summary.statuses), "recommendations": summary.recommendations, "changed": summary.changed,
        "failed": [{"file": f, "status": s, "message": m} for f, s, m in summary.failed],
        "still_failing": summary.still_failing, "waiting": summary.waiting, "history": summary.history,
        "pruned": summary.pruned,
        "need_a_look": {"files": summary.flagged_files, "records": summary.flagged_records},
    }


def summary_text(summary: IngestSummary, out: str) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items())) or "nothing new"
    changed = f", {summary.changed} changed" if summary.changed else ""
    changed += f", {len(summary.pruned)} pruned (deleted)" if summary.pruned else ""
    lines = [f"{out}: {sum(summary.statuses.values())} file(s) ingested ({counts}{changed}); "
             f"{summary.recommendations} recommendation(s); {summary.skipped} already done; "
             f"history {summary.history} recommendation(s)"]
    if summary.flagged_files:
        lines.append(f"  {summary.flagged_files} file(s) and {summary.flagged_records} record(s) need a look: "
                     f"scrutiny check --data {out}")
    if summary.still_failing:
        lines.append(f"  {summary.still_failing} file(s) still failing from earlier runs: scrutiny check --data {out}")
    lines += [f"  waiting: {w}: same content as a file that could not be parsed; a re-run retries both"
              for w in summary.waiting]
    lines += [f"  {s}: {f}: {m}" for f, s, m in summary.failed]
    from pipeline.text import escape_controls

    return escape_controls("\n".join(lines))  # paths and messages may hold control characters


def plain(v: object) -> object:
    """A cell as plain Python: lists and structs as lists and dicts, dates as dates, and
    every kind of null (None, NaN, NaT, pd.NA) as None."""
    import datetime as dt

    pd = sys.modules.get("pandas")  # a pandas value can only come from a loaded pandas
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        v = v.tolist()  # numpy arrays and scalars
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if v is None or (isinstance(v, float) and v != v) or (pd is not None and (v is pd.NaT or v is pd.NA)):
        return None
    if pd is not None and isinstance(v, pd.Timestamp):
        return v.date() if v == v.normalize() else v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.time() == dt.time() and v.tzinfo is None:
        return v.date()
    return v


def cell_text(v: object) -> str:
    """A plain cell as text: null empty (one rendering in every format), dates ISO, lists
    and structs as JSON."""
    import datetime as dt

    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, default=str, ensure_ascii=False)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def emit(table: Table | pd.DataFrame, fmt: str) -> None:
    """Print a table (or frame) as table, csv, json or markdown (data on stdout)."""
    from pipeline.analysis.stats import Table

    cols = [str(c) for c in table.columns]
    if isinstance(table, Table):
        rows = [[plain(r[c]) for c in table.columns] for r in table.rows]
    else:
        rows = [[plain(v) for v in row] for row in table.itertuples(index=False)]
    if fmt == "json":
        click.echo(json.dumps([dict(zip(cols, r)) for r in rows], default=str, indent=1, ensure_ascii=False))
        return
    text = [[cell_text(v) for v in r] for r in rows]
    if fmt == "csv":
        import csv
        import io

        from pipeline.text import cell_safe

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([cell_safe(c) for c in cols])
        writer.writerows([[cell_safe(v) for v in r] for r in text])  # a spreadsheet opens it: no live formulas
        click.echo(buf.getvalue(), nl=False)
        return
    from pipeline.text import escape_controls

    # Terminal formats: a control character in a file name or stored text is shown, never sent.
    cols, text = [escape_controls(c) for c in cols], [[escape_controls(v) for v in r] for r in text]
    if fmt == "markdown":
        click.echo("| " + " | ".join(cols) + " |")
        click.echo("|" + "---|" * len(cols))
        for r in text:
            click.echo("| " + " | ".join(v.replace("|", "\\|") for v in r) + " |")
    else:  # columns right-aligned to their widest cell, one space apart
        widths = [max([len(c), *(len(r[i]) for r in text)]) for i, c in enumerate(cols)]
        for r in [cols, *text]:
            click.echo(" ".join(v.rjust(w) for v, w in zip(r, widths)).rstrip())


# `check`'s table: the widest a line may be, and the widest file name it shows.
CHECK_WIDTH, CHECK_NAME = 100, 34


def short_findings(df: pd.DataFrame) -> list[list[str]]:
    """`needs_a_look` rows as `check`'s table, heading first: file name (not path), status,
    record, page and the warning (or the file's message), cut so that a line fits CHECK_WIDTH
    columns; control characters shown, never sent."""
    from pipeline.text import escape_controls

    def cut(text: object, n: int) -> str:
        text = escape_controls(" ".join(str(text).split()))
        return text if len(text) <= n else text[: n - 1] + "…"

    rows = [[cut(Path(f).name, CHECK_NAME), st, cut(rec, 12), "" if p is None else str(p)]
            for f, st, rec, p in zip(df["source_file"], df["status"], df["rec_id"], df["page"])]
    head = ["file", "status", "rec", "page"]
    used = sum(max(len(h), *(len(r[i]) for r in rows)) + 1 for i, h in enumerate(head))
    for r, w, m in zip(rows, df["warning"], df["message"]):
        r.append(cut(w or m, max(20, CHECK_WIDTH - used)))
    return [[*head, "finding"], *rows]
