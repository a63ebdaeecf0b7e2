"""Command-line interface: `scrutiny ingest | rules check | inspect`.

Data and summaries go to stdout, progress and errors to stderr.  Exit codes:
0 ok, 1 some files could not be read (after all others are done), 2 usage error.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:

    from pipeline.rules import Rules

from pipeline.limits import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT, MIN_WORKER_MEMORY, QUERY_MAX_MEMORY, QUERY_MAX_ROWS, QUERY_TIMEOUT
from pipeline.show import Progress, emit, short_findings, summary_json, summary_text
from pipeline.vocab import GROUPS, OcrMode, Status

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _rules(rules_dir: str | None, scheme: str | None = None) -> Rules:
    """The rules of `rules_dir` (usage error when invalid), checking that `--scheme` names one."""
    from pipeline.rules import RulesError, load_rules

    try:
        rules = load_rules(rules_dir)
    except RulesError as exc:
        raise click.UsageError(f"invalid rules: {exc}") from exc
    if scheme is not None:
        try:
            rules.scheme(scheme)
        except RulesError as exc:
            raise click.BadParameter(str(exc), param_hint="--scheme") from exc
    return rules


# The per-file limits of ingest, and of inspect (one file read in a worker under them).
timeout_option = click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
                              help="Seconds one file may take; a slower file is stopped and recorded as `timeout` "
                                   "(0: no limit).")
def _memory_cap(ctx: click.Context, param: click.Parameter, value: int) -> int:
    # A worker capped below this cannot even report its failure: it would spin until the timeout.
    if 0 < value < MIN_WORKER_MEMORY:
        raise click.BadParameter(f"at least {MIN_WORKER_MEMORY} MB, or 0 for no limit")
    return value


memory_option = click.option("--max-memory", type=click.IntRange(min=0), default=DEFAULT_MAX_MEMORY, show_default=True,
                             metavar="MB", callback=_memory_cap,
                             help="Memory a worker may take for one file beyond its start; a file needing more is "
                                  f"recorded as `too_large` (0: no limit; else at least {MIN_WORKER_MEMORY}).")
ocr_option = click.option("--ocr", "ocr", type=click.Choice([m.value for m in OcrMode]), default="auto", show_default=True,
                          help="OCR image-only pages (Tesseract): auto = pages with no text that an image covers; "
                               "force = every page; never = none.")
rules_option = click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
                            envvar="SCRUTINY_RULES", help="Rules directory (default: the bundled rules/).")


class _Group(click.Group):
    """A click group that turns an unreadable part under OUT into one line and exit 1."""

    def invoke(self, ctx: click.Context) -> object:
        from pipeline.datasets.schema import DatasetError

        try:
            return super().invoke(ctx)
        except DatasetError as exc:
            _fail(str(exc), 1)


def _output_file(path: str, option: str) -> None:
    """A usage error unless `path` can be written safely (`write.output_problem`): its folder
    exists (nothing is created) and nothing but a regular file is there."""
    from pipeline.datasets.write import output_problem

    problem = output_problem(path)
    if problem is not None:
        raise click.BadParameter(f"cannot write {path}: {problem}", param_hint=option)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(package_name="scrutiny-tracking")
def cli() -> None:
    """Extract council scrutiny recommendation-tracking reports from PDF into Parquet."""


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--out", "out", default="data/processed", show_default=True, type=click.Path(file_okay=False),
              help="Output directory of the Parquet datasets.")
@click.option("--force", is_flag=True, help="Re-parse files already ingested, replacing their rows.")
@click.option("--prune", is_flag=True,
              help="Drop the rows of ingested files under PATHS that no longer exist (counted in the summary).")
@click.option("--scheme", default=None, help="Category scheme id for every file (default: detect per file).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores).")
@timeout_option
@memory_option
@click.option("--all-pages", is_flag=True,
              help="Parse every page of long documents (default: screen agenda packs and parse the report pages only).")
@ocr_option
@click.option("--dask-scheduler", default=None, metavar="ADDRESS",
              help="Parse on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (needs the `dask` extra).")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any record carries a self-check warning or a table was skipped (see `scrutiny check`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@rules_option
def ingest(paths: tuple[str, ...], out: str, force: bool, prune: bool, scheme: str | None, workers: int | None,
           timeout: float, max_memory: int, all_pages: bool, ocr: str, dask_scheduler: str | None, strict: bool,
           quiet: bool, as_json: bool, rules_dir: str | None) -> None:
    """Ingest PDFs (files or folders, searched recursively) into Parquet under OUT.

    Files already ingested (same sha256) are skipped; --force re-parses them;
    --prune drops the rows of files under PATHS that were deleted. Every file gets a row in OUT/files with its status and reason; every record
    lists what the pipeline is unsure of in `warnings` (`scrutiny check` lists them).

    Example:

        scrutiny ingest data/raw --out data/processed --workers 4 --timeout 300

        scrutiny ingest archive/ --prune --quiet --json
    """
    from pipeline.api import ingest as run_ingest
    from pipeline.cluster import ClusterError
    from pipeline.datasets.schema import DatasetError
    from pipeline.datasets.write import WriterBusy

    rules = _rules(rules_dir, scheme)
    targets = _ingest_targets(paths, out, dask_scheduler)
    progress = Progress(targets, quiet)
    signal.signal(signal.SIGTERM, _terminated)  # SIGTERM ends the batch as Ctrl-C does: workers stopped, lock released
    try:
        summary = run_ingest(targets, out, rules=rules, force=force, prune=prune, scheme=scheme,
                             workers=workers, timeout=timeout, max_memory=max_memory, all_pages=all_pages, ocr=ocr,
                             dask_scheduler=dask_scheduler, on_file=progress)
    except (ClusterError, WriterBusy) as exc:
        raise click.UsageError(str(exc)) from exc
    except DatasetError as exc:
        _fail(str(exc), 1)
    except Terminated:
        _fail(f"terminated (SIGTERM) after {progress.files} file(s): their rows are written; a re-run continues", 143)
    except KeyboardInterrupt:
        _fail(f"interrupted after {progress.files} file(s): their rows are written; a re-run continues", 130)
    except OSError as exc:
        _fail(f"cannot write under {out}: {exc.strerror or exc} ({exc.filename or out}); {progress.files} file(s) "
              "were written before it; fix this and re-run (a re-run continues)", 1)
    finally:
        progress.close()
    click.echo(json.dumps(summary_json(summary), indent=1) if as_json else summary_text(summary, out))
    sys.exit(0 if summary.ok and not (strict and summary.flagged_files) else 1)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it unwinds as Ctrl-C does."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _ingest_targets(paths: tuple[str, ...], out: str, dask_scheduler: str | None) -> list[str]:
    """The folders and files to ingest (default data/raw), after the usage checks: they
    exist, OUT is a writable folder, Dask is installed when a scheduler is given."""
    if dask_scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise click.UsageError("--dask-scheduler needs Dask: pip install 'scrutiny-tracking[dask]'") from exc
    targets = list(paths) or ["data/raw"]
    for t in targets:
        if not Path(t).exists():
            raise click.BadParameter(f"{t} does not exist", param_hint="PATHS")
    _check_out(out)
    return targets


def _fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then exit with `code` (no traceback)."""
    from pipeline.text import escape_controls

    click.echo(f"Error: {escape_controls(' '.join(message.splitlines()))}", err=True)
    sys.exit(code)


def _check_out(out: str) -> None:
    """A usage error unless `out` is (or can be made) a writable folder."""
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.BadParameter(f"cannot use {out} as the output folder: {exc.strerror or exc}", param_hint="--out") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise click.BadParameter(f"{out} is not writable", param_hint="--out")


FORMATS = click.Choice(["table", "csv", "json", "markdown"])
data_option = click.option("--data", default="data/processed", show_default=True,
                           type=click.Path(file_okay=False), help="Directory of the Parquet datasets.")


@cli.command(context_settings=CONTEXT)
@click.option("--by", "by", type=click.Choice(list(GROUPS)), default="municipal-year", show_default=True,
              help="Group by. A year's row (calendar, municipal May-April, financial April-March) counts what that "
                   "year's annual report counts: the recommendations assessed in the year, each at its latest "
                   "assessment up to the year's end (README: Statistics rule).")
@click.option("--flags", "flags", is_flag=True,
              help="Count the challenge flags of each recommendation's latest assessment instead (rules/flags.yaml).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@data_option
def stats(by: str, flags: bool, fmt: str, data: str) -> None:
    """Completion statistics: each recommendation counted once, at its latest assessment.

    Example:

        scrutiny stats --by committee --format markdown

        scrutiny stats --flags --by council
    """
    from pipeline.api import open_data

    emit(open_data(_require_data(data)).stats_table(by, flags=flags), fmt)


# The format `report --out` writes, by the file name's suffix (.zip: one csv file per table, zipped).
REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".xlsx": "xlsx", ".csv": "csv", ".zip": "csv"}
STDOUT_FORMATS = ("html", "csv")  # text: `--out -` writes them to stdout


def _report_format(out: str, fmt: str | None) -> str:
    """What `report` writes to `out`: html, pdf, xlsx, csv or zip (csv files zipped), from
    --format, else from the suffix of `out` (`-`: html). A usage error where the suffix
    contradicts --format, where neither says, or for a binary format to stdout."""
    if out == "-":
        if fmt is not None and fmt not in STDOUT_FORMATS:
            raise click.BadParameter(f"-: {fmt} is binary and cannot go to standard output; give a file name ending "
                                     f"in .{fmt}", param_hint="--out")
        return fmt or "html"
    suffix = Path(out).suffix.lower()
    implied = REPORT_SUFFIXES.get(suffix)
    if implied is None and fmt is None:
        raise click.BadParameter(f"{out}: cannot tell the format from {suffix or 'a name without a suffix'!r}; end the name "
                                 f"in {', '.join(REPORT_SUFFIXES)}, or give --format", param_hint="--out")
    if implied is not None and fmt is not None and fmt != implied:
        wanted = " or ".join(s for s, f in REPORT_SUFFIXES.items() if f == fmt)
        raise click.BadParameter(f"{out}: a {suffix} file is {implied}, but --format is {fmt}; end the name in {wanted}, "
                                 f"or leave --format out", param_hint="--out")
    return "zip" if suffix == ".zip" else str(fmt or implied)


@cli.command(context_settings=CONTEXT)
@click.option("--year", default=None, metavar="YYYY/YY",
              help="Council year to report, e.g. 2016/17 (default: all years).")
@click.option("--year-kind", type=click.Choice(["municipal", "financial"]), default="municipal", show_default=True,
              help="Municipal years run May-April, financial years April-March.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="File to write; its suffix gives the format: .html/.htm the committee paper, .pdf the paper "
                   "printed (A4), .xlsx its tables (a sheet each), .csv its tables in one file (a section each), "
                   ".zip one csv file per table. `-`: standard output (html, or csv with --format csv).")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "xlsx", "csv"]), default=None,
              help="The format, where --out's suffix does not say it (it must agree with a suffix that does).")
@click.option("--council", default=None, metavar="NAME",
              help="Report on one council only (its schemes' categories alone in the legend).")
@data_option
def report(year: str | None, year_kind: str, fmt: str | None, council: str | None, out: str, data: str) -> None:
    """Write the annual completion report: the committee paper (HTML or PDF) or its tables
    (xlsx, csv, a zip of csv files).

    Headline figures, tables by committee and portfolio, a trend chart across years, a
    stacked bar of categories and the recommendations still open.

    Example:

        scrutiny report --year 2016/17 --council "Birmingham City Council" --out report.html

        scrutiny report --year 2016/17 --out report.pdf

        scrutiny report --year 2016/17 --out report.xlsx

        scrutiny report --format csv --out - | head
    """
    from pipeline.analysis.render import RENDERERS, render_csv
    from pipeline.analysis.report import build_report, report_years
    from pipeline.analysis.stats import year_bounds
    from pipeline.datasets.write import write_bytes

    if out != "-":
        _output_file(out, "--out")  # first: a device, FIFO or folder is refused whatever its name
    kind = _report_format(out, fmt)
    if year is not None:
        try:
            year_bounds(year, year_kind)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--year") from exc
    _require_data(data)
    years = report_years(data, year_kind, council)
    if council is not None and not years:
        known = _councils(data)
        raise click.BadParameter(f"no recommendation of {council!r} under {data} (councils: {', '.join(known) or 'none'})",
                                 param_hint="--council")
    if year is not None:
        from pipeline.analysis.stats import council_year

        canonical = council_year(year_bounds(year, year_kind)[0], year_kind)
        if canonical not in years:
            raise click.BadParameter(f"no recommendation was assessed in {year_kind} year {canonical}"
                                     f"{' for ' + council if council else ''}; the data covers {', '.join(years) or 'no year'}",
                                     param_hint="--year")
    r = build_report(data, year, year_kind, council)
    try:
        payload = render_csv(r, bom=False) if out == "-" and kind == "csv" else RENDERERS[kind](r)
    except RuntimeError as exc:  # PDF without Pango
        _fail(str(exc), 1)
    if out == "-":
        click.echo(payload, nl=False)  # bytes: written as they are
    else:
        write_bytes(out, payload)
    h = r.headline
    period = f"{r.kind} year {r.period}" if year else r.period
    click.echo(f"{out}: {period}: {h['recommendations']} recommendation(s), "
               f"{h['achieved']} achieved ({h['achieved_late']} late), {len(r.open_recs)} open", err=out == "-")


@cli.command(context_settings=CONTEXT)
@click.argument("sql")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="Null is empty in table, csv and markdown; lists and structs are JSON in csv.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=QUERY_TIMEOUT, show_default=True, metavar="S",
              help="Stop the query after this many seconds (Ctrl-C stops it too).")
@click.option("--max-memory", type=click.IntRange(min=64), default=QUERY_MAX_MEMORY, show_default=True, metavar="MB",
              help="Memory DuckDB may use for the query.")
@click.option("--max-rows", type=click.IntRange(min=1), default=QUERY_MAX_ROWS, show_default=True,
              help="Refuse a result with more rows than this.")
@data_option
def query(sql: str, fmt: str, timeout: float, max_memory: int, max_rows: int, data: str) -> None:
    """Run a read-only SQL query (DuckDB) over the views reports, recommendations, files,
    history, flags. Only SELECT statements run, and no file outside --data can be read.
    SQL `-` reads the query from stdin.

    Example:

        scrutiny query "select category_label, count(*) from recommendations where canonical group by 1"

        scrutiny query - --format markdown < question.sql
    """
    from pipeline.analysis.query import QueryError, read_only_query

    if sql == "-":
        sql = sys.stdin.read()

    _require_data(data)
    try:
        df = read_only_query(data, sql, timeout=timeout, max_memory=max_memory, max_rows=max_rows)
    except QueryError as exc:
        _fail(f"query failed: {exc}", 2)
    emit(df, fmt)


@cli.command(context_settings=CONTEXT)
@click.option("--status", "statuses", multiple=True, type=click.Choice([st.value for st in Status]), metavar="STATUS",
              help="Only files with this status (repeatable), e.g. --status error --status timeout.")
@click.option("--code", "codes", multiple=True, metavar="CODE",
              help="Only record warnings with this code (repeatable), e.g. --code column_missing.")
@click.option("--all", "everything", is_flag=True,
              help="Also list files that need no look: no_tracking_table (a PDF without a tracking table) and duplicate.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: one short line per finding (file name, at most 100 columns); csv/json: every field in full.")
@data_option
def check(statuses: tuple[str, ...], codes: tuple[str, ...], everything: bool, fmt: str, data: str) -> None:
    """List what needs a look: files that failed or hold no text (not `parsed`,
    `no_tracking_table` or `duplicate`), and records with self-check warnings (a column
    not found, a field left empty, a label unmatched, a record that looks cut), one line
    per warning. A count of what was listed goes to stderr.

    Example:

        scrutiny check --data data/processed --status error --status timeout

        scrutiny check --code column_missing --format csv > to-review.csv
    """
    from pipeline.api import open_data

    df = open_data(_require_data(data)).needs_a_look(statuses=statuses, codes=codes, everything=everything)
    files, warnings = df["source_file"].nunique(), int((df["warning"] != "").sum())
    if fmt == "json":
        out: dict[str, dict] = {}
        for row in df.to_dict("records"):
            f = out.setdefault(row["source_file"], {"source_file": row["source_file"], "status": row["status"],
                                                    "message": row["message"], "records": {}})
            if row["rec_id"]:
                f["records"].setdefault(row["rec_id"], {"rec_id": row["rec_id"], "page": row["page"], "warnings": []})
                f["records"][row["rec_id"]]["warnings"].append(row["warning"])
        click.echo(json.dumps([{**f, "records": list(f["records"].values())} for f in out.values()], indent=1, default=str))
    elif fmt == "csv":
        emit(df, fmt)
    elif not df.empty:
        lines = short_findings(df)
        widths = [max(len(r[i]) for r in lines) for i in range(len(lines[0]))]
        for r in lines:
            click.echo(" ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    if fmt == "table":  # csv and json are data alone
        click.echo(f"{files} file(s), {warnings} warning(s) need a look" if files else "nothing needs a look", err=True)


def _require_data(data: str) -> str:
    """`data`, or a usage error (the one message of every command) when no ingest wrote it."""
    from pipeline.api import no_data

    if (why := no_data(data)) is not None:
        raise click.UsageError(why)
    return data


@cli.command(context_settings=CONTEXT)
@data_option
def verify(data: str) -> None:
    """Check a data folder against its files rows: every part readable Parquet of this schema
    version, every parsed file with its records and reports parts (and their row counts), no
    part that no files row refers to, derived datasets not older than the data. Prints one
    line per problem and exits 1 when there is any; changes nothing.

    Example:

        scrutiny verify --data data/processed
    """
    from pipeline.datasets.integrity import verify as check_folder
    from pipeline.text import escape_controls

    _require_data(data)
    problems, counts = check_folder(data)
    for p in problems:
        click.echo(escape_controls(p))
    if problems:
        _fail(f"{len(problems)} problem(s) in {data}", 1)
    click.echo(f"ok: {counts['files']} file(s), {counts['parts']} part(s) in {data}", err=True)


@cli.group(context_settings=CONTEXT)
def rules() -> None:
    """Validate and list the extraction rules."""


@rules.command("check", context_settings=CONTEXT)
@rules_option
def rules_check(rules_dir: str | None) -> None:
    """Validate every rule file and list the rules by id.

    Example:

        scrutiny rules check --rules ./my-rules
    """
    r = _rules(rules_dir)
    for rid, kind in r.ids():
        click.echo(f"{rid}\t{kind}")
    click.echo(f"ok: {len(r.ids())} rules, schemes {', '.join(sorted(r.schemes))} ({r.source})", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False))
@click.option("--page", type=click.IntRange(min=1), default=None, help="Only blocks touching this page.")
@click.option("--png", type=click.Path(dir_okay=False), default=None,
              help="Draw the detected cells of --page (default: first table page) into this PNG.")
@click.option("--scheme", default=None, help="Category scheme id (default: detect).")
@click.option("--all-pages", is_flag=True, help="Read every page (default: as ingest, the pre-filter's pages of a long document).")
@ocr_option
@timeout_option
@memory_option
@rules_option
def inspect(pdf: str, page: int | None, png: str | None, scheme: str | None, all_pages: bool, ocr: str, timeout: float,
            max_memory: int, rules_dir: str | None) -> None:
    """Show what was detected in a PDF: blocks, cells, fields and the rule behind each.

    Example:

        scrutiny inspect report.pdf --page 3 --png page3.png
    """
    import functools

    from pebble import ProcessExpired

    from pipeline.api import extract_pdf
    from pipeline.batch import run_limited
    from pipeline.datasets.write import write_bytes
    from pipeline.inspect import describe, page_boxes
    from pipeline.read.pdf import TOO_LARGE
    from pipeline.read.render import render_page
    from pipeline.text import escape_controls

    r = _rules(rules_dir, scheme)
    if png:
        _output_file(png, "--png")
    read = functools.partial(extract_pdf, rules=r, scheme=scheme, ocr=ocr, all_pages=all_pages, detail=True)
    try:  # in a worker, under the limits ingest uses: a hostile PDF cannot take the machine
        x = run_limited(read, (pdf,), r, timeout or None, max_memory)
    except TimeoutError:
        _fail(f"{pdf}: timeout: reading took longer than --timeout {timeout:g} s; stopped", 1)
    except (MemoryError, ProcessExpired):
        _fail(f"{pdf}: too_large: {TOO_LARGE} (--max-memory {max_memory} MB)", 1)
    if x.detail is None:  # not read: encrypted, corrupt, not a PDF, too large
        limit = f" (--max-memory {max_memory} MB)" if x.status == Status.TOO_LARGE else ""
        _fail(f"{pdf}: {x.status}: {x.message}{limit}", 1)
    if page is not None and page > x.n_pages:
        raise click.BadParameter(f"{pdf} has {x.n_pages} page(s)", param_hint="--page")
    text, first_page = describe(x, page)
    click.echo(escape_controls(text))
    if png:
        number = page or first_page or 1
        write_bytes(png, render_page(pdf, number, page_boxes(x, number)))
        click.echo(f"wrote {png} (page {number})", err=True)


def _councils(data: str) -> list[str]:
    """The councils of the reports under `data`."""
    from pipeline.analysis.query import read_only_query

    df = read_only_query(data, "select distinct council from reports where council is not null order by 1")
    return [str(c) for c in df["council"]]


def main() -> None:
    """The `scrutiny` command: every error that escapes a command is one line on stderr."""
    try:
        cli()
    except BrokenPipeError:  # `scrutiny stats | head`: the reader is gone, nothing to say
        _quiet_stdout()
        sys.exit(1)
    except OSError as exc:  # stdout on a full device, an output below /proc, a folder gone read-only
        _quiet_stdout()
        where = exc.filename or "standard output"
        _fail(f"cannot write {where}: {exc.strerror or exc}", 1)
    except MemoryError:
        _quiet_stdout()
        _fail("out of memory: give the command less to do (a LIMIT, a smaller --year, --max-memory)", 1)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
