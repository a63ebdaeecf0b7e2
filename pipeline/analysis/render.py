"""The annual report as files: HTML (the committee paper), PDF (the same paper printed),
xlsx (a sheet a table), CSV (one file in sections, or a zip of one file a table).

Each `render_*` takes an `AnnualReport` and returns what the file holds; writing it is the
CLI's job (through `write.write_bytes`). Every table has the same human column headings
in every format (`heading`), and every text cell of a spreadsheet or CSV goes through
`cell_safe`, so text from a PDF never becomes a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import NoReturn

import pandas as pd

from pipeline.analysis.report import LABELS, AnnualReport
from pipeline.text import cell_safe
from pipeline.vocab import UNCATEGORISED, Outcome

HEADLINE = tuple((key, LABELS[key]) for key in (
    "recommendations", "achieved", Outcome.ACHIEVED_LATE, "share_late_of_achieved", Outcome.NOT_ACHIEVED,
    Outcome.IN_PROGRESS, Outcome.WITHDRAWN, UNCATEGORISED, "median_rounds_to_achievement", "reviews"))
# The keys of the headline table's rows: the figures, then the count "share late" is over.
HEADLINE_ROWS = (*(str(k) for k, _ in HEADLINE), "achieved_where_lateness_recorded")

SOFT_HYPHEN = "\u00ad"  # where a long word may break in a narrow HTML column; dropped elsewhere
# Column headings, one vocabulary for every format. Short: a committee paper's tables must fit an A4 page.
HEADINGS = {"recommendations": "As\u00adsessed", "achieved": "Achieved", Outcome.ACHIEVED_LATE: "Achieved late",
            Outcome.NOT_ACHIEVED: "Not achieved", Outcome.IN_PROGRESS: "In pro\u00adgress", Outcome.WITHDRAWN: "With\u00addrawn",
            UNCATEGORISED: "Uncate\u00adgorised", "achieved_where_lateness_recorded": "Achieved, lateness recorded",
            "share_late_of_achieved": "Share late of achieved", "median_rounds_to_achievement": "Me\u00addian rounds",
            "reviews": "Re\u00adviews", "councils": "Coun\u00adcils", "share_achieved": "Share achieved",
            "change_in_share_achieved": "Change", "year": "Year", "committee": "Committee", "portfolio": "Portfolio",
            "measure": "Measure", "value": "Value"}

DATE_FORMAT = "d mmm yyyy"  # Excel's spelling of the HTML's UK dates (25 Jan 2017)
SHARE_FORMAT = "0%"
CHANGE_FORMAT = '+0.0" pts";-0.0" pts";0.0" pts"'
MAX_WIDTH = 60  # characters: a wider xlsx column wraps its text


def heading(column: object, soft: bool = True) -> str:
    """The human heading of a table column (its name with spaces where HEADINGS has none);
    `soft=False` drops the soft hyphens (xlsx, CSV)."""
    text = HEADINGS.get(str(column), str(column).replace("_", " "))
    return text if soft else text.replace(SOFT_HYPHEN, "")


def _fmt(value: object, key: str = "") -> str:
    """A cell or headline value as text: UK dates, shares as percentages, blanks as '–'."""
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):  # type: ignore[call-overload]
        return "–"
    if key.startswith("change_in_share"):
        return f"{float(value):+.1f} pts"  # type: ignore[arg-type]
    if key.startswith("share"):
        return f"{float(value):.0%}"  # type: ignore[arg-type]
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return f"{value.day} {value:%b %Y}"  # UK style: 25 Jan 2017
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def html_table(df: pd.DataFrame, table_id: str) -> object:
    """`df` as an HTML table (markupsafe Markup, every value escaped): numbers right-aligned,
    an "All" row as the total; "None." for an empty frame."""
    from markupsafe import Markup, escape

    if df.empty:
        return Markup('<p class="note">None.</p>')
    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    head = "".join(f'<th{" class=num" if c in numeric else ""}>{escape(heading(c))}</th>' for c in df.columns)
    rows = []
    for rec in df.to_dict("records"):
        total = ' class="total"' if rec.get(df.columns[0]) == "All" else ""
        cells = "".join(f'<td{" class=num" if c in numeric else ""}>{escape(_fmt(rec[c], str(c)))}</td>' for c in df.columns)
        rows.append(f"<tr{total}>{cells}</tr>")
    return Markup(f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render_html(report: AnnualReport) -> str:
    """The report as one self-contained HTML document (no external files, scripts or fonts)."""
    from importlib.metadata import PackageNotFoundError, version

    import jinja2

    try:
        v = version("scrutiny-tracking")
    except PackageNotFoundError:  # running from a source tree
        v = "dev"
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(
        r=report, version=v, headline_names=HEADLINE, fmt=_fmt, table=html_table)


class RefuseURLs:
    """WeasyPrint's url_fetcher: the paper is self-contained, so every URL is refused (the
    network and the disk alike) and listed in `asked`."""

    _fail_on_errors = False  # WeasyPrint >= 68 reads it: a refused URL is a warning, the rendering goes on

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, url: str, *args: object, **kwargs: object) -> NoReturn:
        self.asked.append(url)
        raise ValueError(f"not fetched: {url} (the report loads nothing)")


def html_to_pdf(html: str, fetcher: RefuseURLs | None = None) -> bytes:
    """`html` printed to PDF by WeasyPrint with its print stylesheet (A4, page numbers,
    rows not split, header rows repeated); `fetcher` (a new `RefuseURLs`) refuses every
    URL it names. RuntimeError when WeasyPrint cannot load Pango."""
    try:
        import weasyprint
    except OSError as exc:  # WeasyPrint loads Pango from the system
        raise RuntimeError(f"PDF output needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0; `make run` installs it): {exc}") from exc
    return weasyprint.HTML(string=html, url_fetcher=fetcher or RefuseURLs(), media_type="print").write_pdf()


def render_pdf(report: AnnualReport) -> bytes:
    """The committee paper (`render_html`) as an A4 PDF."""
    return html_to_pdf(render_html(report))


def report_tables(report: AnnualReport) -> dict[str, pd.DataFrame]:
    """The report's tables by name, as the HTML shows them: the headline first."""
    headline = pd.DataFrame([(LABELS.get(k, k), report.headline.get(k)) for k, _ in HEADLINE]
                            + [("Achieved where the scheme records lateness", report.headline["achieved_where_lateness_recorded"])],
                            columns=["measure", "value"], dtype=object)
    tables = {"headline": headline, "trend": report.trend, "by-committee": report.by_committee,
              "by-portfolio": report.by_portfolio, "reviews": report.reviews, "challenge": report.challenge,
              "open": report.open_recs, "categories": report.categories_used, "sources": report.sources}
    return {name: df for name, df in tables.items() if not df.empty or name == "headline"}


def _value(value: object, key: str) -> object:
    """A cell for a spreadsheet or CSV: None for a blank, a date for a date or timestamp,
    an int for a whole count, a list joined, text `cell_safe`; shares stay fractions."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, dt.datetime):  # a pandas Timestamp too: the day, without a time
        return value.date()
    if hasattr(value, "item") and not isinstance(value, dt.date):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer() and not key.startswith(("share", "change")):
        return int(value)
    return cell_safe(value)


def _rows(name: str, df: pd.DataFrame) -> tuple[list[str], list[list[tuple[object, str]]]]:
    """A table's headings and its rows of (cell, key): the key (column name, or in the
    headline the figure's) decides a cell's number format."""
    heads = [str(cell_safe(heading(c, soft=False))) for c in df.columns]
    rows = []
    for i, rec in enumerate(df.itertuples(index=False)):
        keys = ["measure", HEADLINE_ROWS[i]] if name == "headline" else [str(c) for c in df.columns]
        rows.append([(_value(v, k), k) for v, k in zip(rec, keys)])
    return heads, rows


def _number_format(value: object, key: str) -> str | None:
    if isinstance(value, dt.date):
        return DATE_FORMAT
    if isinstance(value, (int, float)) and key.startswith("change_in_share"):
        return CHANGE_FORMAT
    if isinstance(value, (int, float)) and key.startswith("share"):
        return SHARE_FORMAT
    return None


def _shown(value: object, key: str) -> str:
    """About what Excel shows of a cell, to fit its column's width."""
    return "" if value is None else max(_fmt(value, key).splitlines() or [""], key=len)


def render_xlsx(report: AnnualReport) -> bytes:
    """The report's tables as an Excel workbook, one sheet each: human headings in a bold,
    frozen first row with an autofilter, dates as dates, shares as percentages, columns
    fitted to their content (at most MAX_WIDTH characters; longer text wraps)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, df in report_tables(report).items():
        ws = wb.create_sheet(name[:31])
        heads, rows = _rows(name, df)
        ws.append(heads)
        for row in rows:
            ws.append([v for v, _ in row])
        widths = [len(h) for h in heads]
        for r, row in enumerate(rows, start=2):
            for c, (value, key) in enumerate(row, start=1):
                if (number_format := _number_format(value, key)) is not None:
                    ws.cell(r, c).number_format = number_format
                widths[c - 1] = max(widths[c - 1], len(_shown(value, key)))
                if isinstance(value, str) and (len(value) > MAX_WIDTH or "\n" in value):
                    ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_WIDTH)
            ws.cell(1, c).font = Font(bold=True)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(sections: list[tuple[str, pd.DataFrame]], titled: bool, bom: bool) -> bytes:
    """Tables as one CSV text (dates ISO, blanks empty); with `titled`, each after a line
    `# name` and before a blank line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for name, df in sections:
        heads, rows = _rows(name, df)
        if titled:
            buf.write(f"# {name}\n")
        writer.writerow(heads)
        writer.writerows([["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v, _ in row] for row in rows])
        if titled:
            buf.write("\n")
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def render_csv(report: AnnualReport, bom: bool = True) -> bytes:
    """The report's tables in one CSV, a section each: a line `# name`, the table's headings,
    its rows and a blank line. Dates ISO, shares as fractions; UTF-8, with a byte-order mark
    (so Excel reads it as UTF-8) unless `bom` is False (standard output)."""
    return _csv(list(report_tables(report).items()), titled=True, bom=bom)


def render_csv_zip(report: AnnualReport) -> bytes:
    """A zip of one CSV per table (`headline.csv`, `trend.csv`, …), each with its own headings."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in report_tables(report).items():
            when = (report.generated.year, report.generated.month, report.generated.day, 0, 0, 0)
            z.writestr(zipfile.ZipInfo(f"{name}.csv", date_time=when), _csv([(name, df)], titled=False, bom=True),
                       zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# What `report` writes for each format; "zip" is csv to a .zip file.
RENDERERS: dict[str, Callable[[AnnualReport], bytes]] = {
    "html": lambda r: render_html(r).encode("utf-8"), "pdf": render_pdf, "xlsx": render_xlsx,
    "csv": render_csv, "zip": render_csv_zip}
