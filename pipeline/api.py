"""The library's front door: what `pipeline/__init__.py` exports, and the one path that the
CLI, `inspect`, the notebook and the tests take (README: Python API).

- `extract_pdf(path)`: one PDF into its reports and records, nothing written;
  `records(x)`: those records as the DataFrames `ingest` would write.
- `ingest(paths, out)`: PDFs into the Parquet datasets under `out` (a batch: skips what is
  done, records every file's status, rebuilds the derived datasets).
- `open_data(out)`: the datasets as pandas, polars or DuckDB, counted as `scrutiny stats`
  counts (the copy of each round that counts: `canonical`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.limits import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT, QUERY_MAX_MEMORY, QUERY_MAX_ROWS, QUERY_TIMEOUT
from pipeline.vocab import GROUPS, OcrMode

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from pipeline.analysis.stats import Table
    from pipeline.batch import IngestSummary
    from pipeline.models import Extraction
    from pipeline.rules import Rules

__all__ = ["Data", "NoData", "extract_pdf", "ingest", "load_rules", "open_data", "records"]

# The datasets `Data` reads, and those in which only the copy of each round that counts is
# kept unless `all_copies` (README: Reports, reviews and the counting rule).
COUNTED = ("recommendations", "reports")


def load_rules(rules: str | Path | Rules | None = None) -> Rules:
    """The rules in folder `rules` (default: the bundled rules/), validated; a `Rules` is
    returned as it is. Raises `pipeline.rules.RulesError` naming the first bad file."""
    from pipeline.rules import Rules
    from pipeline.rules import load_rules as load

    return rules if isinstance(rules, Rules) else load(rules)


def extract_pdf(path: str | Path, *, rules: str | Path | Rules | None = None, scheme: str | None = None,
                ocr: str = "auto", all_pages: bool = False, detail: bool = False) -> Extraction:
    """Read one PDF into its reports and records, as `ingest` does, writing nothing.

    Never raises for a bad PDF: the result's `status` (`parsed`, `no_tracking_table`,
    `encrypted`, ...) and one-line `message` say what happened. `scheme` forces a category
    scheme id; `ocr` is auto/force/never; `all_pages` skips the agenda-pack pre-filter;
    `detail` keeps every stage's findings in `.detail` (what `scrutiny inspect` prints).
    """
    from pipeline.extract import extract_file
    from pipeline.jobs import default_workers

    return extract_file(path, load_rules(rules), scheme, all_pages=all_pages, ocr=OcrMode(ocr), detail=detail,
                        ocr_threads=default_workers())


def records(x: Extraction) -> dict[str, pd.DataFrame]:
    """The rows `ingest` writes for `x`, by dataset (`recommendations`, `reports`, `files`),
    as DataFrames with the datasets' columns and Arrow types. `canonical` is true until an
    ingest compares the report with the other copies in its data folder."""
    import pandas as pd

    from pipeline.datasets.rows import rows
    from pipeline.datasets.schema import to_table

    return {name: to_table(name, values).to_pandas(types_mapper=pd.ArrowDtype) for name, values in rows(x).items()}


def ingest(paths: Iterable[str | Path], out: str | Path = "data/processed", *, rules: str | Path | Rules | None = None,
           force: bool = False, prune: bool = False, scheme: str | None = None, workers: int | None = None,
           timeout: float | None = DEFAULT_TIMEOUT, max_memory: int = DEFAULT_MAX_MEMORY, all_pages: bool = False,
           ocr: str = "auto", dask_scheduler: str | None = None,
           on_file: Callable[[Extraction | None, Path], None] | None = None) -> IngestSummary:
    """Ingest the PDFs under `paths` (files, or folders searched recursively) into `out`.

    Returns the `IngestSummary` (`.ok` is false while any file fails, re-runs included).
    Files already ingested are skipped unless `force`; `prune` drops the rows of files under
    `paths` that no longer exist. `timeout` seconds and `max_memory` MB bound each file
    (`timeout`/`too_large`; None or 0: no limit); `workers` defaults to every core.
    Raises `pipeline.datasets.write.WriterBusy` while another ingest writes `out`.
    """
    from pipeline.jobs import default_workers, pooled, start_workers_early

    workers = workers or default_workers()
    if dask_scheduler is None and pooled(workers, timeout, max_memory):
        start_workers_early()  # the workers' imports overlap this process's, and the hashing
    from pipeline.batch import ingest as run

    loaded = load_rules(rules)
    return run(paths, out, loaded, rules_dir=loaded.source, force=force, prune=prune, scheme=scheme,
               workers=workers, timeout=timeout or None, max_memory=max_memory,
               all_pages=all_pages, ocr=OcrMode(ocr), dask_scheduler=dask_scheduler, on_file=on_file)


class NoData(FileNotFoundError):
    """A data folder no ingest has written (the one message every command gives)."""


def no_data(data: str | Path) -> str | None:
    """Why `data` holds no datasets, or None: an ingest writes a `files` row for every PDF."""
    if not any((Path(data) / "files").glob("*.parquet")):
        return f"no datasets under {data}: run `scrutiny ingest PATHS --out {data}` first"
    return None


def open_data(path: str | Path = "data/processed") -> Data:
    """The datasets an ingest wrote under `path`. Raises `NoData` when there are none, and
    `pipeline.datasets.schema.DatasetError` for a broken part or an older schema version."""
    from pipeline.datasets.views import connect

    if (why := no_data(path)) is not None:
        raise NoData(why)
    connect(path).close()  # checks every part and its schema version once
    return Data(Path(path))


@dataclass(frozen=True)
class Data:
    """A data folder written by `ingest`. Tables are `recommendations`, `reports`, `files`,
    `history` (one row per recommendation, at its latest assessment), `flags` and `rounds`."""

    path: Path

    def _arrow(self, name: str, all_copies: bool) -> pa.Table:
        import pyarrow.dataset as ds

        from pipeline.datasets.schema import ROWS, schemas

        if name not in ROWS:
            raise ValueError(f"no table {name!r}; choose from {', '.join(ROWS)}")
        parts = sorted(str(p) for p in (self.path / name).glob("*.parquet"))
        table = ds.dataset(parts, schema=schemas()[name], format="parquet").to_table()
        if name in COUNTED and not all_copies:
            table = table.filter(ds.field("canonical"))
        return table

    def pandas(self, name: str = "recommendations", *, all_copies: bool = False) -> pd.DataFrame:
        """Table `name` as a pandas DataFrame with Arrow types (dates stay dates, integers
        nullable). Recommendations and reports hold one copy of each round unless `all_copies`."""
        import pandas as pd

        return self._arrow(name, all_copies).to_pandas(types_mapper=pd.ArrowDtype)

    def polars(self, name: str = "recommendations", *, all_copies: bool = False) -> pl.DataFrame:
        """Table `name` as a polars DataFrame (needs polars: `pip install 'scrutiny-tracking[polars]'`)."""
        import polars as pl

        frame = pl.from_arrow(self._arrow(name, all_copies))
        assert isinstance(frame, pl.DataFrame)  # a table gives a frame (a series only from an array)
        return frame

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with a view per table (`scrutiny query`'s views, not read-only)."""
        from pipeline.datasets.views import connect

        return connect(self.path)

    def query(self, sql: str, *, timeout: float = QUERY_TIMEOUT, max_memory: int = QUERY_MAX_MEMORY,
              max_rows: int = QUERY_MAX_ROWS) -> pd.DataFrame:
        """One read-only SELECT over the views, under `scrutiny query`'s limits."""
        from pipeline.analysis.query import read_only_query

        return read_only_query(self.path, sql, timeout=timeout, max_memory=max_memory, max_rows=max_rows)

    def stats(self, by: str = "municipal-year", *, council: str | None = None, flags: bool = False) -> pd.DataFrame:
        """`scrutiny stats --by BY` as a DataFrame: each recommendation counted once, at its
        latest assessment (a year's row: as that year's annual report counts it)."""
        return self.stats_table(by, council=council, flags=flags).frame()

    def stats_table(self, by: str = "municipal-year", *, council: str | None = None, flags: bool = False) -> Table:
        """`stats` as the plain `analysis.stats.Table` the CLI prints (no pandas needed)."""
        from pipeline.analysis.stats import YEAR_GROUPS, flag_counts, of_council, stats, stats_by_year
        from pipeline.datasets.history import history_rows

        if by not in GROUPS:
            raise ValueError(f"unknown grouping {by!r}; choose from {', '.join(GROUPS)}")
        hist = of_council(history_rows(self.path), council)
        if flags:
            return flag_counts(hist, by, sorted({f for r in hist for f in r.flags}))
        return stats_by_year(self.path, by, council) if by in YEAR_GROUPS else stats(hist, by)

    def needs_a_look(self, *, statuses: Iterable[str] = (), codes: Iterable[str] = (),
                     everything: bool = False) -> pd.DataFrame:
        """What `scrutiny check` lists: one row per record warning and per file not cleanly
        parsed (`analysis.query.needs_a_look`)."""
        from pipeline.analysis.query import needs_a_look

        return needs_a_look(self.path, statuses=tuple(statuses), codes=tuple(codes), everything=everything)
