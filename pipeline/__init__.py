"""Extract council scrutiny recommendation-tracking reports from PDF into Parquet.

The Python API (README: Python API), stable names; everything else is private:

    import pipeline
    x = pipeline.extract_pdf("data/raw/bham-2017-07-fly-tipping--plain.pdf")  # nothing written
    x.status, len(x.recommendations)                                 # ('parsed', 5)
    summary = pipeline.ingest(["data/raw"], "data/processed")        # the batch `scrutiny ingest` runs
    data = pipeline.open_data("data/processed")                      # pandas, polars, DuckDB
    data.stats(by="committee")                                       # `scrutiny stats --by committee`

- `extract_pdf(path, *, rules, scheme, ocr, all_pages, detail) -> Extraction`: one PDF into its
  reports (`.reports`) and records (`.recommendations`); `status`/`message` say what happened.
- `records(extraction) -> dict[str, DataFrame]`: the rows `ingest` writes for it, by dataset.
- `ingest(paths, out, *, rules, force, prune, scheme, workers, timeout, max_memory, ...) -> IngestSummary`.
- `open_data(out) -> Data`: `.pandas(name)`, `.polars(name)`, `.duckdb()`, `.query(sql)`,
  `.stats(by)`, `.needs_a_look()`; recommendations and reports hold the copy of each round
  that counts (`canonical`) unless `all_copies=True`.
- `load_rules(folder) -> Rules`; `NoData`: a folder no ingest has written.

Stages as sub-packages, data flowing one way (tests/test_architecture.py holds the order):
read/ (pdfplumber: words, lines; page pre-filter) -> find/ (page furniture, header rows,
tables and key/value boxes, cover fields, council) -> fields/ (split cells with rules and
spaCy, dates, category scheme, typed records, self-check) -> extract (one document through
them) -> datasets/ (schemas, Parquet writer, history) -> analysis/ (SQL, statistics, the
annual report; Parquet only). Beside them: models (records), vocab (enums), rules and
settings (rules/ files), text (one text key). The run layer: jobs, ingest, cluster, api, cli.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"
PARSER_VERSION = f"scrutiny-tracking/{__version__}"

if TYPE_CHECKING:
    from pipeline.api import Data, NoData, extract_pdf, ingest, load_rules, open_data, records

__all__ = ["Data", "NoData", "PARSER_VERSION", "extract_pdf", "ingest", "load_rules", "open_data", "records"]


def __getattr__(name: str) -> Any:
    """The API's names, imported on first use: `import pipeline` stays cheap for the stages
    (and for workers), which import this package for PARSER_VERSION."""
    if name in __all__:
        return getattr(importlib.import_module("pipeline.api"), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
