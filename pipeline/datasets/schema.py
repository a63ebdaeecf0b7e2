"""The output datasets, each defined once: a row dataclass whose fields are the columns.

Every field carries its Arrow type and a one-line description (`col`). The Arrow
schemas (`schemas()`), the Parquet field metadata (the descriptions), the writer's rows
and the README's data dictionary all derive from these classes: a misspelt column is a
TypeError where the row is built, never a silent null.

Types are written by name (`string`, `list<date32>`, `struct<label: string, ...>`) and
built by `arrow_type` when a schema is first asked for: reading rows (`scrutiny stats`)
does not load pyarrow.

Bump SCHEMA_VERSION on any change; it is stored in every Parquet file's metadata.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.vocab import Outcome, Status

if TYPE_CHECKING:
    import pyarrow as pa

SCHEMA_VERSION = "8"


def col(arrow: str, doc: str, nullable: bool = True) -> Any:
    """A dataclass field that is a column: its Arrow type by name (`arrow_type`) and one-line description."""
    return dataclasses.field(metadata={"arrow": arrow, "doc": doc, "nullable": nullable})


def _split_top(spec: str) -> list[str]:
    """`spec` split at the commas outside any <...> or [...]."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(spec):
        depth += ch in "<[" and 1 or (-1 if ch in ">]" else 0)
        if ch == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    return [*parts, spec[start:]]


def arrow_type(spec: str) -> pa.DataType:
    """The Arrow type named `spec`: a pyarrow alias (`string`, `int16`, `date32`, `bool`, ...),
    `timestamp[UNIT, tz=ZONE]`, `list<T>` or `struct<name: T, ...>`; ValueError otherwise."""
    import pyarrow as pa

    spec = spec.strip()
    if spec.startswith("list<") and spec.endswith(">"):
        return pa.list_(arrow_type(spec[5:-1]))
    if spec.startswith("struct<") and spec.endswith(">"):
        fields = [f.split(":", 1) for f in _split_top(spec[7:-1])]
        if any(len(f) != 2 for f in fields):
            raise ValueError(f"struct fields are `name: type`: {spec!r}")
        return pa.struct([(name.strip(), arrow_type(t)) for name, t in fields])
    if m := re.fullmatch(r"timestamp\[(\w+)(?:, tz=([\w/+-]+))?\]", spec):
        return pa.timestamp(m.group(1), tz=m.group(2))
    return pa.type_for_alias(spec)


PROVENANCE = ("list<struct<field: string, rule_id: string, page: int16, bbox: list<float32>, "
              "confidence: float32>>")
SUB_ITEMS = "list<struct<label: string, text: string>>"
SCHEME_CATEGORIES = "list<struct<code: int8, label: string, outcome: string, criteria: string>>"
_OUTCOMES = "/".join(Outcome)

# Columns several datasets share, described once.
_REPORT_ID = ("the report's identity: the file's sha256, `-`, and the report's place in the file (1 = first; "
              "an agenda pack holds several reports)")
_FILE_SHA = "sha256 of the PDF's bytes: the file's identity (`files.sha256`)"
_SOURCE = "canonical path of the PDF (absolute, symlinks resolved)"
_PROVENANCE = ("per column: the rule id behind it, the page and box (x0, top, x1, bottom in points) it came from, "
               "and for OCR'd text the mean word confidence (0-100; null for a text layer)")
_PARSER = "version of the parser that wrote the row"
_CANONICAL = ("this copy counts (README: Reports, reviews and the counting rule): false on the other copies of its "
              "round (a report alone and in its agenda pack; a tracker restating it); set by every ingest from `rounds/`")
_REVIEW_KEY = ("the review's identity across rounds: its title with case, punctuation and &/and folded; "
               "`untitled:<report_id>` when no title was found (never shared with another report)")


def report_id(sha256: str, number: int) -> str:
    """The identity of the `number`th report (1 = first) of the file whose bytes hash to `sha256`."""
    return f"{sha256}-{number}"


@dataclass(frozen=True, kw_only=True)
class RecommendationRow:
    """`recommendations/`: one row per recommendation per report."""

    report_id: str = col("string", _REPORT_ID, nullable=False)
    file_sha256: str = col("string", _FILE_SHA, nullable=False)
    source_file: str = col("string", _SOURCE, nullable=False)
    rec_id: str = col("string", "printed label without whitespace (`R 01` -> `R01`)", nullable=False)
    rec_number: int | None = col("int16", "the label's number")
    recommendation: str = col("string", "recommendation text: intro, `a) ...` sub-items, closing text")
    sub_items: list[dict] = col(SUB_ITEMS, "the lettered sub-items: label (`a`) and text")
    responsibility: str = col("string", "responsibility cell as printed")
    responsible_lead: str | None = col("string", "the lead responsible (first party)")
    responsible_partners: list[str] = col("list<string>", "partners named after a relation phrase")
    target_text: str = col("string", "target date cell as printed")
    target_date: dt.date | None = col("date32", "first target date (deadline semantics: a month is its last day)")
    target_dates: list[dt.date] = col("list<date32>", "every target date, in order")
    completed_date: dt.date | None = col("date32", "completion date when the target cell gives one")
    assessment_text: str = col("string", "assessment cell as printed")
    category_code: int | None = col("int8", "the executive's self-assessment category code")
    category_label: str | None = col("string", "the category's canonical label in its scheme")
    category_outcome: str | None = col("string", f"what the category means: {_OUTCOMES}")
    achieved_late: bool | None = col("bool", "outcome is achieved late; null where the scheme has no such "
                                                 "category or no category was read")
    category_scheme: str | None = col("string", "id of the category scheme (rules/schemes)")
    evidence: str = col("string", "evidence of progress, paragraphs joined by newlines")
    anticipated_date: dt.date | None = col("date32", "anticipated completion date, when the category asks for one")
    page_first: int = col("int16", "first page of the record")
    page_last: int = col("int16", "last page of the record")
    layout: str = col("string", "table layout: `row+evidence`, `tracker`, `keyvalue`")
    council: str | None = col("string", "council of the report")
    review_title: str | None = col("string", "title of the scrutiny review: the row's own review cell (a tracker "
                                                 "over several reviews), else its report's title")
    review_key: str = col("string", _REVIEW_KEY)
    report_date: dt.date | None = col("date32", "date of the tracking report")
    provenance: list[dict] = col(PROVENANCE, _PROVENANCE)
    warnings: list[str] = col("list<string>", "self-check findings, each `code: detail` (README, Self-check)")
    canonical: bool = col("bool", _CANONICAL, nullable=False)
    parser_version: str = col("string", _PARSER)


@dataclass(frozen=True, kw_only=True)
class ReportRow:
    """`reports/`: one row per report."""

    report_id: str = col("string", _REPORT_ID, nullable=False)
    file_sha256: str = col("string", _FILE_SHA, nullable=False)
    source_file: str = col("string", _SOURCE, nullable=False)
    report_no: int = col("int16", "the report's place in its file (1 = first)")
    page_first: int = col("int16", "first page of the report (its cover, or its first table page when no cover opened it)")
    page_last: int = col("int16", "last page of its tables")
    cover_found: bool = col("bool", "a cover page opened the report; false: its table came before every cover of the "
                                    "file, and its cover fields are empty")
    reviews: list[str] = col("list<string>", "the review titles of its records (several for a tracker over reviews)")
    council: str | None = col("string", "council: a rule of rules/cover.yaml (e-mail domain or phrase), else the name the "
                                           "cover prints (README: Councils no rules file names)")
    committee: str | None = col("string", "committee the report went to")
    report_date: dt.date | None = col("date32", "date of the meeting or report")
    title: str | None = col("string", "title of the scrutiny review (null for a tracker over several reviews)")
    review_key: str = col("string", _REVIEW_KEY)
    report_of: str | None = col("string", "who reports (e.g. the Cabinet Member)")
    date_approved: dt.date | None = col("date32", "date the review's recommendations were approved")
    review_lead_member: str | None = col("string", "lead member of the review")
    lead_officer: str | None = col("string", "lead officer of the review")
    date_last_tracked: dt.date | None = col("date32", "date of the previous tracking round")
    n_recommendations: int = col("int32", "recommendations read from the report")
    n_pages: int = col("int32", "pages in the PDF")
    category_scheme: str | None = col("string", "id of the category scheme (rules/schemes)")
    scheme_categories: list[dict] = col(SCHEME_CATEGORIES, "the scheme's categories when the report was read: code, "
                                                           "label, the outcome it counts as, and its criteria")
    provenance: list[dict] = col(PROVENANCE, _PROVENANCE)
    canonical: bool = col("bool", _CANONICAL + "; a report counts when one of its rounds does", nullable=False)
    parser_version: str = col("string", _PARSER)


@dataclass(frozen=True, kw_only=True)
class FileRow:
    """`files/`: one row per PDF path, whatever became of it."""

    source_file: str = col("string", _SOURCE, nullable=False)
    sha256: str = col("string", "sha256 of the file's bytes (`file_sha256` of its rows)", nullable=False)
    bytes: int = col("int64", "file size")
    n_pages: int = col("int32", "pages in the PDF (0 when not read)")
    status: str = col("string", f"what happened: {'/'.join(Status)}", nullable=False)
    message: str = col("string", "one line saying why, or what was found")
    n_reports: int = col("int16", "tracking reports found in the file (an agenda pack may hold several)")
    n_recommendations: int = col("int32", "recommendations written")
    n_warnings: int = col("int32", "self-check warnings over its records, plus tables it skipped")
    seconds: float = col("float64", "time the file took to parse")
    ingested_at: dt.datetime = col("timestamp[s, tz=UTC]", "when it was parsed")
    parser_version: str = col("string", _PARSER)


@dataclass(frozen=True, kw_only=True)
class HistoryRow:
    """`history/`: one row per recommendation across its tracking rounds (rebuilt after every ingest)."""

    council: str | None = col("string", "council")
    review_title: str | None = col("string", "review title, as printed in the latest round")
    review_key: str = col("string", "normalised review title: case, punctuation and `&`/`and` folded")
    rec_number: int | None = col("int16", "the recommendation's number")
    rec_id: str = col("string", "label in the latest round")
    first_report_date: dt.date | None = col("date32", "first tracking round")
    last_report_date: dt.date | None = col("date32", "latest tracking round")
    n_rounds: int = col("int16", "tracking rounds that report it")
    report_dates: list[dt.date] = col("list<date32>", "date of each round's report, in round order")
    categories: list[int | None] = col("list<int8>", "category code of each round (scheme codes: compare "
                                                            "`outcomes` across schemes); null where none was read")
    outcomes: list[str] = col("list<string>", "outcome of each round: achieved/achieved_late/not_achieved/"
                                                     "in_progress/withdrawn, or uncategorised")
    latest_category: int | None = col("int8", "category code in the latest round")
    latest_label: str | None = col("string", "category label in the latest round")
    latest_outcome: str | None = col("string", f"outcome in the latest round: {_OUTCOMES}")
    category_scheme: str | None = col("string", "scheme of the latest round")
    committee: str | None = col("string", "committee of the latest round")
    achieved: bool | None = col("bool", "latest outcome is achieved or achieved late; null when uncategorised")
    achieved_late: bool | None = col("bool", "latest outcome is achieved late; null where the scheme has no "
                                                 "late category")
    rounds_to_achievement: int | None = col("int16", "rounds until first achieved")
    target_date: dt.date | None = col("date32", "first target date, latest round")
    completed_date: dt.date | None = col("date32", "completion date, latest round")
    days_late: int | None = col("int32", "completed_date - target_date in days")
    anticipated_date: dt.date | None = col("date32", "anticipated completion date, latest round")
    portfolio: str | None = col("string", "responsible lead folded to a portfolio key")
    flags: list[str] = col("list<string>", "challenge flags of the latest round (see `flags/`)")
    recommendation: str = col("string", "recommendation text, latest wording")
    responsible_lead: str | None = col("string", "responsible lead, latest wording")


@dataclass(frozen=True, kw_only=True)
class FlagRow:
    """`flags/`: the challenge flags of one recommendation in one report (rules/flags.yaml; rebuilt after
    every ingest, with the history; the `recommendations` view shows them as its `flags` column)."""

    report_id: str = col("string", _REPORT_ID, nullable=False)
    review_key: str = col("string", _REVIEW_KEY, nullable=False)
    rec_id: str = col("string", "the recommendation's label in that report", nullable=False)
    flags: list[str] = col("list<string>", "challenge flags that hold for this round: late_but_claimed_on_time, "
                                                  "on_time_but_claimed_late, overdue_in_progress, anticipated_date_missing, "
                                                  "anticipated_date_passed, regressed")


@dataclass(frozen=True, kw_only=True)
class RoundRow:
    """`rounds/`: one row per review per report (a tracking round as one report prints it), with which copy
    of a round counts (rebuilt after every ingest, with the history, which writes its `canonical` into the recommendations
    and reports parts)."""

    report_id: str = col("string", _REPORT_ID, nullable=False)
    review_key: str = col("string", _REVIEW_KEY, nullable=False)
    council: str | None = col("string", "council of the report")
    review_title: str | None = col("string", "title of the review, as this report prints it")
    report_date: dt.date | None = col("date32", "date of this report")
    source_file: str = col("string", _SOURCE, nullable=False)
    n_recommendations: int = col("int32", "recommendations of the review in this report")
    canonical: bool = col("bool", "this copy counts: true on exactly one copy of each round (README: Reports, reviews and the counting rule)",
                          nullable=False)
    round_of: str = col("string", "report_id of the copy that counts for this round (itself when canonical)",
                        nullable=False)
    round_date: dt.date | None = col("date32", "the round's date: the report date of the copy that counts")


# Every dataset under OUT by name: the per-file datasets first, then the derived ones.
ROWS: dict[str, type] = {"recommendations": RecommendationRow, "reports": ReportRow, "files": FileRow,
                         "history": HistoryRow, "flags": FlagRow, "rounds": RoundRow}


# The datasets written one part per PDF; the others (history, flags, rounds) are rebuilt from them.
PER_FILE = ("recommendations", "reports", "files")


def schema_of(name: str) -> pa.Schema:
    """The Arrow schema of dataset `name`, derived from its row class; each field's
    description is stored as its Parquet field metadata (`description`)."""
    import pyarrow as pa

    fields = [pa.field(f.name, arrow_type(f.metadata["arrow"]), nullable=f.metadata["nullable"],
                       metadata={b"description": f.metadata["doc"].encode()})
              for f in dataclasses.fields(ROWS[name])]
    return pa.schema(fields, metadata={b"schema_version": SCHEMA_VERSION.encode(), b"dataset": name.encode()})


@functools.cache
def schemas() -> dict[str, pa.Schema]:
    """The Arrow schema of every dataset by name (built once, on first use)."""
    return {name: schema_of(name) for name in ROWS}


def columns(name: str) -> tuple[str, ...]:
    """The column names of dataset `name`, in order."""
    return tuple(f.name for f in dataclasses.fields(ROWS[name]))


def to_table(name: str, rows: list[Any]) -> pa.Table:
    """Row dataclasses of dataset `name` as an Arrow table with its schema."""
    import pyarrow as pa

    names = columns(name)
    return pa.Table.from_pylist([{c: getattr(r, c) for c in names} for r in rows], schema=schemas()[name])


def _type_name(t: pa.DataType) -> str:
    """An Arrow type as the README writes it: list<date32>, list<struct<label, text>>."""
    import pyarrow as pa

    if pa.types.is_list(t):
        return f"list<{_type_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(t.field(i).name for i in range(t.num_fields)) + ">"
    return str(t)


def data_dictionary() -> str:
    """The README's data dictionary (Markdown), generated from the row classes
    (`python scripts/update_readme.py` writes it into README.md)."""
    out = []
    for name, row in ROWS.items():
        out += [f"`{name}/` — {(row.__doc__ or '').split(': ', 1)[-1]}", "", "| column | type | description |",
                "|---|---|---|"]
        out += [f"| `{f.name}` | {_type_name(arrow_type(f.metadata['arrow']))} | {f.metadata['doc'].replace('|', '/')} |"
                for f in dataclasses.fields(row)]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


class DatasetError(RuntimeError):
    """A part file under OUT is not readable Parquet (truncated, foreign, or of another tool)."""


def bad_part(part: Path, exc: BaseException) -> DatasetError:
    return DatasetError(f"{part}: not a readable Parquet part ({str(exc).splitlines()[0]}); move it out of "
                        f"{part.parent} or delete it and re-run `scrutiny ingest` (its PDF is parsed again)")


def read_dataset(directory: Path, columns: list[str], with_part: bool = False) -> dict[str, list]:
    """The `columns` of every part under `directory` as lists (plus `part`: each row's file).

    Raises DatasetError naming the first part that is not readable Parquet.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

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


def check_parts(data: Path, names: tuple[str, ...] = tuple(ROWS)) -> None:
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
