"""Writing stage: Extractions to Parquet datasets under OUT (the only module writing files).

Layout: OUT/recommendations/, OUT/reports/, OUT/files/, one part file per source
PDF, named by its sha256, each written to a hidden temporary file and renamed into
place, so a crash or Ctrl-C leaves every finished file's rows and no partial ones.
The `files` part is written last: it marks the file as done for later runs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .extract import Extraction
from .models import Provenance
from .schema import SCHEMAS

# The datasets written one part per PDF (history is rebuilt whole by `write_history`).
DATASETS = {name: SCHEMAS[name] for name in ("recommendations", "reports", "files")}
# A file with one of these statuses is retried on the next run even without --force.
RETRY_STATUSES = frozenset({"error", "timeout"})


def part_name(key: str) -> str:
    return f"part-{key[:24]}.parquet"


def _prov_rows(prov: Iterable[Provenance]) -> list[dict]:
    return [
        {"field": p.field, "rule_id": p.rule_id, "page": p.page,
         "bbox": [round(v, 2) for v in p.bbox] if p.bbox else None}
        for p in prov
    ]


def rows(x: Extraction) -> dict[str, list[dict]]:
    """Return the rows of each dataset for one extraction."""
    out: dict[str, list[dict]] = {
        "files": [{
            "source_file": x.source_file, "sha256": x.sha256, "bytes": x.n_bytes,
            "n_pages": x.n_pages, "status": x.status, "message": x.message,
            "n_recommendations": len(x.recommendations), "n_warnings": x.n_warnings, "seconds": x.seconds,
            "ingested_at": x.ingested_at, "parser_version": x.parser_version,
        }],
        "reports": [],
        "recommendations": [],
    }
    rep = x.report
    if rep is None:
        return out
    out["reports"].append({
        "report_id": x.sha256, "source_file": x.source_file, "council": rep.council,
        "committee": rep.committee, "report_date": rep.report_date, "title": rep.title,
        "report_of": rep.report_of, "date_approved": rep.date_approved,
        "review_lead_member": rep.review_lead_member, "lead_officer": rep.lead_officer,
        "date_last_tracked": rep.date_last_tracked, "n_recommendations": len(x.recommendations),
        "n_pages": x.n_pages, "category_scheme": rep.category_scheme,
        "provenance": _prov_rows(rep.provenance), "parser_version": x.parser_version,
    })
    for r in x.recommendations:
        out["recommendations"].append({
            "report_id": x.sha256, "source_file": x.source_file, "rec_id": r.rec_id,
            "rec_number": r.rec_number, "recommendation": r.recommendation,
            "sub_items": [{"label": s.label, "text": s.text} for s in r.sub_items],
            "responsibility": r.responsibility, "responsible_lead": r.responsible_lead,
            "responsible_partners": list(r.responsible_partners), "target_text": r.target_text,
            "target_date": r.target_date, "target_dates": list(r.target_dates),
            "completed_date": r.completed_date, "assessment_text": r.assessment_text,
            "category_code": r.category_code, "category_label": r.category_label,
            "category_outcome": r.category_outcome, "category_scheme": rep.category_scheme,
            "evidence": r.evidence, "anticipated_date": r.anticipated_date,
            "page_first": r.page_first, "page_last": r.page_last, "layout": r.layout,
            "council": rep.council, "review_title": rep.title, "report_date": rep.report_date,
            "provenance": _prov_rows(r.provenance), "warnings": list(r.warnings),
            "parser_version": x.parser_version,
        })
    return out


def write_table(table: pa.Table, path: Path) -> None:
    """Write a Parquet file atomically: hidden temporary file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        pq.write_table(table, tmp, compression="snappy")  # Parquet's default: fast, read everywhere
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def record_key(x: Extraction) -> str:
    """Records and reports are keyed by content: one part per distinct PDF."""
    return x.sha256 or hashlib.sha256(x.source_file.encode()).hexdigest()


def files_key(x: Extraction) -> str:
    """`files` rows are keyed by content and path: every path gets its own row."""
    return hashlib.sha256(f"{x.sha256}\0{x.source_file}".encode()).hexdigest()


class Writer:
    """Writes extractions under `out` and knows which files are already done."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        for name in DATASETS:
            (self.out / name).mkdir(parents=True, exist_ok=True)
        self._clean_temporaries()

    def _clean_temporaries(self) -> None:
        # Left by a run that was killed mid-write; never visible to readers.
        for name in DATASETS:
            for tmp in (self.out / name).glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    def done(self) -> dict[str, dict[str, str]]:
        """Return {sha256: {source_file: status}} of every file already ingested under `out`."""
        files = self.out / "files"
        out: dict[str, dict[str, str]] = {}
        if not any(files.glob("*.parquet")):
            return out
        table = ds.dataset(files, format="parquet").to_table(columns=["sha256", "source_file", "status"])
        for sha, src, status in zip(*(table.column(c).to_pylist() for c in ("sha256", "source_file", "status"))):
            out.setdefault(sha, {})[src] = status
        return out

    def write(self, x: Extraction) -> None:
        """Write one extraction's rows (records first, the `files` row last)."""
        data = rows(x)
        for name in ("recommendations", "reports", "files"):
            if x.status == "duplicate" and name != "files":
                continue  # the first copy's rows stand for this one
            key = files_key(x) if name == "files" else record_key(x)
            path = self.out / name / part_name(key)
            if data[name]:
                write_table(pa.Table.from_pylist(data[name], schema=DATASETS[name]), path)
            elif path.exists():
                path.unlink()  # --force on a file that no longer yields rows


def write_bytes(path: str | Path, payload: bytes) -> None:
    """Write a small artefact (an inspect PNG, an HTML report) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp"
    tmp.write_bytes(payload)
    os.replace(tmp, path)


def history_path(out: str | Path) -> Path:
    """Where OUT/history's single part file lives."""
    return Path(out) / "history" / "part-0.parquet"


def write_history(out: str | Path, records: list[dict]) -> Path:
    """Replace OUT/history with `records` (one part file, written atomically)."""
    path = history_path(out)
    table = pa.Table.from_pylist(records, schema=SCHEMAS["history"])
    write_table(table, path)
    return path
