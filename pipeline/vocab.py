"""The closed vocabularies of the pipeline, each defined once as an enum.

Values are strings (`StrEnum`), so they are stored in Parquet and compared in SQL and
pandas as plain text; rule files are validated against them.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What happened to one file (`files.status`)."""

    PARSED = "parsed"  # a tracking report: its records are written
    NO_TRACKING_TABLE = "no_tracking_table"  # read, but no recommendation table in it
    EMPTY = "empty"  # no text (a scan without OCR, or no pages)
    DUPLICATE = "duplicate"  # same bytes as another file, whose rows stand for both
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    NOT_PDF = "not_pdf"
    ERROR = "error"  # a parser bug or a worker that died; retried by the next run
    TIMEOUT = "timeout"  # longer than --timeout; retried by the next run
    TOO_LARGE = "too_large"  # more memory than --max-memory


# Statuses of files that were read; any other makes `ingest` exit 1.
READ_OK = frozenset({Status.PARSED, Status.NO_TRACKING_TABLE, Status.EMPTY, Status.DUPLICATE})
# Statuses retried by the next run even without --force.
RETRY = frozenset({Status.ERROR, Status.TIMEOUT})


class OcrMode(StrEnum):
    """When image-only pages are OCR'd (`--ocr`)."""

    AUTO = "auto"  # pages with (almost) no text that an image covers
    NEVER = "never"
    FORCE = "force"  # every page, ignoring any text layer


class Outcome(StrEnum):
    """What a scheme's category means, whatever the council calls it (`category_outcome`)."""

    ACHIEVED = "achieved"
    ACHIEVED_LATE = "achieved_late"
    NOT_ACHIEVED = "not_achieved"
    IN_PROGRESS = "in_progress"
    WITHDRAWN = "withdrawn"


ACHIEVED = (Outcome.ACHIEVED, Outcome.ACHIEVED_LATE)
# What a round with no category read counts as, beside the outcomes.
UNCATEGORISED = "uncategorised"
# Outcomes with a column of their own in `stats`; a record with none is `uncategorised`.
COUNTED = tuple(Outcome)


class FlagCheck(StrEnum):
    """The checks a challenge flag may run (rules/flags.yaml; computed in datasets/flags.py)."""

    COMPLETED_AFTER_DEADLINE = "completed_after_deadline"
    COMPLETED_BY_DEADLINE = "completed_by_deadline"
    REPORTED_AFTER_DEADLINE = "reported_after_deadline"
    ANTICIPATED_DATE_MISSING = "anticipated_date_missing"
    PREVIOUS_ANTICIPATED_PASSED = "previous_anticipated_passed"
    PREVIOUSLY_ACHIEVED = "previously_achieved"


class CellField(StrEnum):
    """The columns of a recommendation table (`rules/columns.yaml` names them)."""

    NUMBER = "number"
    RECOMMENDATION = "recommendation"
    RESPONSIBILITY = "responsibility"
    TARGET = "target"
    ASSESSMENT = "assessment"
    EVIDENCE = "evidence"
    REVIEW = "review"  # the scrutiny review a row belongs to (a tracker over several reviews)
    OTHER = "other"  # a column no rule names (e.g. "Next steps"): its text is kept out of every field


class CoverName(StrEnum):
    """The report fields read from the cover page (`rules/cover.yaml` labels them)."""

    COMMITTEE = "committee"
    REPORT_DATE = "report_date"
    TITLE = "title"
    REPORT_OF = "report_of"
    DATE_APPROVED = "date_approved"
    REVIEW_LEAD_MEMBER = "review_lead_member"
    LEAD_OFFICER = "lead_officer"
    DATE_LAST_TRACKED = "date_last_tracked"
    CONTACT_EMAIL = "contact_email"  # read to recognise the council by its domain; not stored


# How `stats` groups recommendations: option value -> history column (the years are
# those of each recommendation's latest assessment).
GROUPS = {"year": "year", "municipal-year": "municipal_year", "financial-year": "financial_year",
          "committee": "committee", "portfolio": "portfolio", "council": "council", "review": "review_title"}
