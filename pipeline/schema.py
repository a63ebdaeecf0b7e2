"""Explicit pyarrow schemas of the output datasets (`reports`, `recommendations`, `files`).

Bump SCHEMA_VERSION on any change; it is stored in every Parquet file's metadata.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = "3"

PROVENANCE = pa.list_(
    pa.struct(
        [
            ("field", pa.string()),
            ("rule_id", pa.string()),
            ("page", pa.int16()),
            ("bbox", pa.list_(pa.float32())),
        ]
    )
)


def _schema(fields: list[pa.Field], name: str) -> pa.Schema:
    return pa.schema(fields, metadata={b"schema_version": SCHEMA_VERSION.encode(), b"dataset": name.encode()})


RECOMMENDATIONS = _schema(
    [
        pa.field("report_id", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("rec_id", pa.string(), nullable=False),
        pa.field("rec_number", pa.int16()),
        pa.field("recommendation", pa.string()),
        pa.field("sub_items", pa.list_(pa.struct([("label", pa.string()), ("text", pa.string())]))),
        pa.field("responsibility", pa.string()),
        pa.field("responsible_lead", pa.string()),
        pa.field("responsible_partners", pa.list_(pa.string())),
        pa.field("target_text", pa.string()),
        pa.field("target_date", pa.date32()),
        pa.field("target_dates", pa.list_(pa.date32())),
        pa.field("completed_date", pa.date32()),
        pa.field("assessment_text", pa.string()),
        pa.field("category_code", pa.int8()),
        pa.field("category_label", pa.string()),
        pa.field("category_outcome", pa.string()),
        pa.field("category_scheme", pa.string()),
        pa.field("evidence", pa.string()),
        pa.field("anticipated_date", pa.date32()),
        pa.field("page_first", pa.int16()),
        pa.field("page_last", pa.int16()),
        pa.field("layout", pa.string()),
        pa.field("council", pa.string()),
        pa.field("review_title", pa.string()),
        pa.field("report_date", pa.date32()),
        pa.field("provenance", PROVENANCE),
        pa.field("warnings", pa.list_(pa.string())),
        pa.field("parser_version", pa.string()),
    ],
    "recommendations",
)

REPORTS = _schema(
    [
        pa.field("report_id", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("council", pa.string()),
        pa.field("committee", pa.string()),
        pa.field("report_date", pa.date32()),
        pa.field("title", pa.string()),
        pa.field("report_of", pa.string()),
        pa.field("date_approved", pa.date32()),
        pa.field("review_lead_member", pa.string()),
        pa.field("lead_officer", pa.string()),
        pa.field("date_last_tracked", pa.date32()),
        pa.field("n_recommendations", pa.int32()),
        pa.field("n_pages", pa.int32()),
        pa.field("category_scheme", pa.string()),
        pa.field("provenance", PROVENANCE),
        pa.field("parser_version", pa.string()),
    ],
    "reports",
)

FILES = _schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("bytes", pa.int64()),
        pa.field("n_pages", pa.int32()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("message", pa.string()),
        pa.field("n_recommendations", pa.int32()),
        pa.field("n_warnings", pa.int32()),
        pa.field("seconds", pa.float64()),
        pa.field("ingested_at", pa.timestamp("s", tz="UTC")),
        pa.field("parser_version", pa.string()),
    ],
    "files",
)

STATUSES = ("parsed", "no_tracking_table", "empty", "duplicate", "encrypted", "corrupt", "not_pdf", "error", "timeout",
            "too_large")
# Statuses for which the file was read; anything else makes `ingest` exit 1.
# `duplicate`: same bytes as another file of the batch, whose rows stand for both.
READ_OK = frozenset({"parsed", "no_tracking_table", "empty", "duplicate"})

HISTORY = _schema(
    [
        pa.field("council", pa.string()),
        pa.field("review_title", pa.string()),
        pa.field("review_key", pa.string()),
        pa.field("rec_number", pa.int16()),
        pa.field("rec_id", pa.string()),
        pa.field("first_report_date", pa.date32()),
        pa.field("last_report_date", pa.date32()),
        pa.field("n_rounds", pa.int16()),
        pa.field("categories", pa.list_(pa.int8())),
        pa.field("latest_category", pa.int8()),
        pa.field("latest_label", pa.string()),
        pa.field("latest_outcome", pa.string()),
        pa.field("category_scheme", pa.string()),
        pa.field("committee", pa.string()),
        pa.field("achieved", pa.bool_()),
        pa.field("achieved_late", pa.bool_()),
        pa.field("rounds_to_achievement", pa.int16()),
        pa.field("target_date", pa.date32()),
        pa.field("completed_date", pa.date32()),
        pa.field("days_late", pa.int32()),
        pa.field("anticipated_date", pa.date32()),
        pa.field("portfolio", pa.string()),
        pa.field("recommendation", pa.string()),
        pa.field("responsible_lead", pa.string()),
    ],
    "history",
)

# Every dataset under OUT by name: the per-file datasets first, then the derived history.
SCHEMAS = {"recommendations": RECOMMENDATIONS, "reports": REPORTS, "files": FILES, "history": HISTORY}


class DatasetError(RuntimeError):
    """A part file under OUT is not readable Parquet (truncated, foreign, or of another tool)."""


def bad_part(part: Path, exc: BaseException) -> DatasetError:
    return DatasetError(f"{part}: not a readable Parquet part ({str(exc).splitlines()[0]}); move it out of "
                        f"{part.parent} or delete it and re-run `scrutiny ingest` (its PDF is parsed again)")


def read_dataset(directory: Path, columns: list[str], with_part: bool = False) -> dict[str, list]:
    """The `columns` of every part under `directory` as lists (plus `part`: each row's file).

    Raises DatasetError naming the first part that is not readable Parquet.
    """
    import pyarrow.dataset as ds

    out: dict[str, list] = {c: [] for c in [*columns, *(["part"] if with_part else [])]}
    if not any(directory.glob("*.parquet")):
        return out
    try:  # one scan of every part (fast); part by part only to name a broken one
        for tagged in ds.dataset(directory, format="parquet").scanner(columns=columns).scan_batches():
            batch = tagged.record_batch
            for c in columns:
                out[c].extend(batch.column(c).to_pylist())
            if with_part:
                out["part"].extend([tagged.fragment.path] * batch.num_rows)
        return out
    except (pa.ArrowException, OSError) as exc:
        for part in sorted(directory.glob("*.parquet")):
            try:
                pq.read_table(part, columns=columns)
            except (pa.ArrowException, OSError) as inner:
                raise bad_part(part, inner) from inner
        raise DatasetError(f"{directory}: the parts cannot be read together ({str(exc).splitlines()[0]})") from exc


PARQUET_MAGIC = b"PAR1"


def check_parts(data: Path, names: tuple[str, ...] = ("recommendations", "reports", "files", "history")) -> None:
    """Raise DatasetError for the first part under `data` that does not begin and end like
    Parquet (a truncated copy, a foreign file): eight bytes read per part."""
    for name in names:
        for part in sorted((data / name).glob("**/*.parquet")):
            try:
                with open(part, "rb") as fh:
                    head = fh.read(4)
                    fh.seek(-4, 2)
                    tail = fh.read(4)
            except OSError as exc:
                raise bad_part(part, exc) from exc
            if head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
                raise bad_part(part, ValueError("no Parquet magic bytes at its start and end"))
