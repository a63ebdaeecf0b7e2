"""The annual HTML report: figures equal gold-derived counts, and it opens in headless chromium."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest
from click.testing import CliRunner

from conftest import gold_latest
from pipeline.analysis.render import HEADLINE, _fmt, heading, html_table, render_html, report_tables
from pipeline.analysis.report import AnnualReport, build_report
from pipeline.cli import cli
from pipeline.datasets.history import history

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
# The flags Debian's chromium needs as root on a machine without a network or display.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]



@functools.lru_cache(maxsize=16)
def _built(out: Path, year: str | None = None) -> AnnualReport:
    """build_report over the session's public OUT, once per year (the tests only read it)."""
    return build_report(out, year)

def expected_headline(until: dt.date | None, since: dt.date | None) -> dict[str, int]:
    latest, _ = gold_latest(until=until, since=since)
    outcomes = [o for o, _ in latest.values()]
    return {"recommendations": len(outcomes), "achieved": sum(o.startswith("achieved") for o in outcomes),
            "achieved_late": outcomes.count("achieved_late"), "not_achieved": outcomes.count("not_achieved"),
            "in_progress": outcomes.count("in_progress")}


@pytest.mark.parametrize("year,until,since", [
    (None, None, None),
    ("2016/17", dt.date(2017, 4, 30), dt.date(2016, 5, 1)),
    ("2017/18", dt.date(2018, 4, 30), dt.date(2017, 5, 1)),
])
def test_headline_equals_gold(public_out, rules, year, until, since):
    r = build_report(public_out, year)
    expected = expected_headline(until, since)
    assert {k: r.headline[k] for k in expected} == expected
    assert len(r.open_recs) == expected["not_achieved"] + expected["in_progress"]
    assert set(r.charts) == {"trend", "categories"}


def test_trend_rows_are_each_years_report(public_out, rules):
    r = _built(public_out)
    assert list(r.trend["year"]) == ["2015/16", "2016/17", "2017/18"]
    for row in r.trend.to_dict("records"):
        assert row["recommendations"] == _built(public_out, row["year"]).headline["recommendations"]


def test_open_list_has_anticipated_dates(public_out, rules):
    r = _built(public_out, "2016/17")
    # Stockton's "3 - Slipped" asks for an anticipated date; the gold gives 31 March 2017.
    slipped = r.open_recs[r.open_recs["Latest category"] == "Slipped"]
    assert len(slipped) == 1 and slipped.iloc[0]["Anticipated"] == dt.date(2017, 3, 31)


def test_html_is_self_contained_and_escaped(public_out, rules):
    html = render_html(_built(public_out, "2016/17"))
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
    assert "<script" not in html and html.count("<svg") == 2
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) > 100  # the two charts' ids are their own


def test_pdf_text_is_escaped():
    frame = pd.DataFrame([{"Recommendation": "Use <b>bold</b> & <script>x</script>", "n": 3},
                          {"Recommendation": "All", "n": 3}])
    html = str(html_table(frame, "open"))
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in html and "<script" not in html
    assert '<td class=num>3</td>' in html and '<tr class="total">' in html


class _Dom(HTMLParser):
    """Collects headline values, table ids, chart titles and the svg count of a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.headline: dict[str, str] = {}
        self.tables: list[str] = []
        self.svgs = 0
        self._key: str | None = None
        self._value = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-key" in a:
            self._key = a["data-key"]
        if tag == "span" and a.get("class") == "value" and self._key:
            self._value = True
        if tag == "table":
            self.tables.append(a.get("id", ""))
        if tag == "svg":
            self.svgs += 1

    def handle_data(self, data):
        if self._value and self._key:
            self.headline[self._key] = data.strip()
            self._value, self._key = False, None


def _chromium(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120, check=True)


def test_report_opens_in_headless_chromium(public_out, tmp_path):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", "--year", "2016/17", "--data", str(public_out), "--out", str(out)])
    assert res.exit_code == 0, res.output
    expected = expected_headline(dt.date(2017, 4, 30), dt.date(2016, 5, 1))
    assert f"{expected['recommendations']} recommendation(s)" in res.output

    dom = _Dom()
    dom.feed(_chromium("--dump-dom", out.as_uri(), tmp_path=tmp_path).stdout)
    assert {k: int(dom.headline[k]) for k in expected} == expected
    assert dom.svgs == 2 and dom.tables == ["trend", "reviews", "by-committee", "by-portfolio", "challenge", "open",
                                            "categories", "sources"]

    # Printing proves the browser laid the page out: the charts' own text is on the pages.
    pdf = tmp_path / "report.pdf"
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri(), tmp_path=tmp_path)
    with pdfplumber.open(pdf) as doc:
        text = " ".join(p.extract_text() or "" for p in doc.pages)
        # Every table fits an A4 page: the trend table's last column was cut off in print.
        assert all(w["x1"] <= p.width for p in doc.pages for w in p.extract_words())
    for phrase in ("Recommendations assessed per year", "Latest category by committee", "2 – Achieved (Late)",
                   "Recommendations still open (12)", "Sustainability and Transport", "Change",
                   "+50.0"):
        assert phrase in text


def test_report_rejects_bad_year(public_out, tmp_path):
    res = CliRunner().invoke(cli, ["report", "--year", "2016/18", "--data", str(public_out), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and "consecutive" in res.output
    assert not (tmp_path / "r.html").exists()


def test_empty_period_and_empty_archive(public_out, rules, tmp_path):
    """Bug: a year with nothing assessed, or an archive with no tracking report, crashed
    `scrutiny report` (IndexError on the empty statistics)."""
    from conftest import FOREIGN
    from pipeline.batch import ingest

    r = _built(public_out, "2030/31")
    assert r.headline["recommendations"] == 0 and r.open_recs.empty and "categories" not in r.charts
    assert "No recommendation was assessed in 2030/31" in render_html(r)
    # Asked of the CLI, a year with no data is an error naming the years there are (issue #13).
    res = CliRunner().invoke(cli, ["report", "--year", "2030/31", "--data", str(public_out), "--out", str(tmp_path / "y.html")])
    assert res.exit_code == 2 and "no recommendation was assessed in municipal year 2030/31" in res.output
    assert "the data covers 2015/16, 2016/17, 2017/18" in res.output and not (tmp_path / "y.html").exists()
    ingest(FOREIGN[:2], tmp_path / "foreign", rules)
    res = CliRunner().invoke(cli, ["report", "--data", str(tmp_path / "foreign"), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0 and "0 recommendation(s)" in res.output
    res = CliRunner().invoke(cli, ["stats", "--data", str(tmp_path / "foreign"), "--format", "csv"])
    assert res.exit_code == 0 and res.output.splitlines()[1] == "All,0,0,0,0,0,0,0,0,,"


def test_self_assessments_to_challenge(public_out):
    """The report lists each recommendation whose latest assessment carries challenge flags
    (issue #13), with the flags in words."""
    r = _built(public_out)
    flagged = history(public_out)
    flagged = flagged[flagged["flags"].map(len) > 0]
    assert len(r.challenge) == len(flagged) == 6
    assert set(r.challenge["Challenge"]) >= {"late but claimed on time", "overdue in progress"}


def test_one_councils_report(public_out, tmp_path):
    """--council reports one council: its recommendations only, named in the title;
    an unknown council is an error listing the known ones (issue #13)."""
    res = CliRunner().invoke(cli, ["report", "--council", "stockton-on-tees borough council", "--data", str(public_out),
                                   "--out", str(tmp_path / "s.html")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "s.html").read_text()
    assert "<h1>Scrutiny recommendation tracking: Stockton-on-Tees Borough Council</h1>" in html
    r = build_report(public_out, council="Stockton-on-Tees Borough Council")
    assert r.headline["recommendations"] == 7 and r.headline["councils"] == 1
    assert "2 – On Track" not in html or "Achieved (Late)" not in html  # one scheme's legend only
    res = CliRunner().invoke(cli, ["report", "--council", "Nowhere", "--data", str(public_out),
                                   "--out", str(tmp_path / "n.html")])
    assert res.exit_code == 2 and "councils: Birmingham City Council, Stockton-on-Tees Borough Council" in res.output


def _report(public_out, out, *args: str):
    """`scrutiny report --year 2016/17` to `out` with `args`: the CliRunner result."""
    return CliRunner().invoke(cli, ["report", "--year", "2016/17", "--data", str(public_out), "--out", str(out), *args])


def _sections(text: str) -> dict[str, list[list[str]]]:
    """The tables of a one-file report CSV: each `# name` line, then its rows up to a blank line."""
    import csv

    tables: dict[str, list[list[str]]] = {}
    rows: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if rows is None:
            assert len(row) == 1 and row[0].startswith("# ")
            rows = tables[row[0][2:]] = []
        elif row:
            rows.append(row)
        else:
            rows = None
    assert rows is None  # the last table ends with a blank line too
    return tables


def _table_values(r: AnnualReport, name: str) -> list[list[object]]:
    """A report table's rows as the CSV holds them: ISO dates, whole counts as ints, blanks empty."""
    df = report_tables(r)[name]
    out = []
    for rec in df.itertuples(index=False):
        out.append(["" if v is None or (not isinstance(v, str) and pd.isna(v)) else
                    v.date().isoformat() if isinstance(v, pd.Timestamp) else v.isoformat() if isinstance(v, dt.date) else
                    str(int(v)) if isinstance(v, float) and v.is_integer() and "share" not in str(c) and "change" not in str(c)
                    else str(v) for v, c in zip(rec, df.columns)])
    return out


def test_format_follows_the_out_suffix(public_out, tmp_path):
    """Bug: `--out r.xlsx` wrote HTML into r.xlsx. The suffix gives the format; a suffix that
    contradicts --format, or none that says one, is a usage error (one line, no file)."""
    import openpyxl

    assert _report(public_out, tmp_path / "r.xlsx").exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "headline"
    assert _report(public_out, tmp_path / "r.HTM").exit_code == 0
    assert (tmp_path / "r.HTM").read_text().startswith("<!DOCTYPE html>")
    assert _report(public_out, tmp_path / "r.txt", "--format", "csv").exit_code == 0
    assert (tmp_path / "r.txt").read_text(encoding="utf-8-sig").startswith("# headline\nMeasure,Value\n")
    assert _report(public_out, tmp_path / "t.zip", "--format", "csv").exit_code == 0
    assert "trend.csv" in zipfile.ZipFile(tmp_path / "t.zip").namelist()
    for name, args, says in [("w.xlsx", ["--format", "html"], "a .xlsx file is xlsx, but --format is html; end the name in .html or .htm"),
                             ("w.zip", ["--format", "pdf"], "a .zip file is csv, but --format is pdf; end the name in .pdf"),
                             ("w.txt", [], "cannot tell the format from '.txt'; end the name in .html, .htm, .pdf, .xlsx, .csv"),
                             ("w", [], "cannot tell the format from 'a name without a suffix'")]:
        res = _report(public_out, tmp_path / name, *args)
        assert res.exit_code == 2 and says in res.output, res.output
        assert len([line for line in res.output.splitlines() if line.startswith("Error")]) == 1
        assert not (tmp_path / name).exists()
    text = " ".join(CliRunner().invoke(cli, ["report", "-h"]).output.split())
    assert "HTML file to write" not in text
    assert all(s in text for s in (".html/.htm the committee paper", ".pdf", ".xlsx", ".csv", ".zip one csv file per table", "`-`"))


def test_out_dash_is_standard_output(public_out, tmp_path, monkeypatch):
    """`--out -` writes html or csv to stdout (the summary to stderr); a binary format is a
    usage error naming a suffix. It used to create a file named `-`."""
    monkeypatch.chdir(tmp_path)
    res = _report(public_out, "-")
    assert res.exit_code == 0 and res.stdout.startswith("<!DOCTYPE html>") and "24 recommendation(s)" in res.stderr
    res = _report(public_out, "-", "--format", "csv")
    assert res.exit_code == 0 and res.stdout.startswith("# headline\n")  # no byte-order mark on a pipe
    assert _sections(res.stdout)["headline"][1] == ["Recommendations assessed", "24"]
    for fmt in ("pdf", "xlsx"):
        res = _report(public_out, "-", "--format", fmt)
        assert res.exit_code == 2 and f"give a file name ending in .{fmt}" in res.output and res.stdout == ""
    assert not (tmp_path / "-").exists()


def test_pdf_is_the_printed_paper(public_out, tmp_path):
    """`--out r.pdf`: the paper printed by WeasyPrint with the print stylesheet: the headline
    figures and the tables' values, A4 with "Page X of Y", every word inside the margins,
    and a table running over pages repeats its header row."""
    res = _report(public_out, tmp_path / "r.pdf")
    assert res.exit_code == 0, res.output
    r = _built(public_out, "2016/17")
    h = r.headline
    with pdfplumber.open(tmp_path / "r.pdf") as doc:
        pages = [p.extract_text() or "" for p in doc.pages]
        n = len(doc.pages)
        assert n > 1 and all(round(p.width) == 595 and round(p.height) == 842 for p in doc.pages)  # A4 in points
        assert all(w["x1"] <= p.width - 39 for p in doc.pages for w in p.extract_words())  # 14 mm right margin
    text = "\n".join(pages)
    assert f"Page 1 of {n}" in pages[0] and f"Page {n} of {n}" in pages[-1]
    # The headline figures five to a row, as the print stylesheet lays them out.
    figures = [_fmt(h[str(k)], str(k)) for k, _ in HEADLINE]
    assert " ".join(figures[:5]) + "\nRecommendations Achieved Achieved late Share Not achieved" in pages[0]
    assert " ".join(figures[5:]) + "\nIn progress Withdrawn Uncategorised Median rounds Reviews" in pages[0]
    assert figures[:4] == ["24", "12", "3", "38%"]
    assert f"{h['achieved_late']} of {h['achieved_where_lateness_recorded']} achieved,\nin schemes that" in pages[0]
    total = r.by_committee.iloc[-1]  # the "All" row
    assert "All " + " ".join(_fmt(total[c], str(c)) for c in r.by_committee.columns[1:]) in text
    assert "Recommendations still open (12)" in text and "Sustainability and Transport" in text
    head = "Council Review Rec Recommendation Responsible"
    assert sum(head in p for p in pages) >= 2  # the open list runs over pages, its header on each


def test_pdf_fetches_nothing(public_out, caplog):
    """WeasyPrint renders the paper without fetching anything; a URL in the HTML is refused,
    from the network and from disk, with a warning, and the rendering goes on."""
    from pipeline.analysis.render import RefuseURLs, html_to_pdf

    fetcher = RefuseURLs()
    assert html_to_pdf(render_html(_built(public_out, "2016/17")), fetcher).startswith(b"%PDF") and fetcher.asked == []
    html = '<html><link rel="stylesheet" href="file:///etc/passwd"><img src="http://example.invalid/x.png"><p>x</p></html>'
    assert html_to_pdf(html, fetcher).startswith(b"%PDF")
    assert fetcher.asked == ["file:///etc/passwd", "http://example.invalid/x.png"]
    assert "not fetched: http://example.invalid/x.png" in caplog.text


def test_xlsx_is_what_a_clerk_expects(public_out, tmp_path):
    """One sheet per table, human headings in a bold frozen first row with an autofilter,
    dates as Excel dates (d mmm yyyy), shares as percentages, counts as integers, columns
    fitted to their content, no formula."""
    import openpyxl

    assert _report(public_out, tmp_path / "r.xlsx").exit_code == 0
    r = _built(public_out, "2016/17")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == list(report_tables(r))
    for ws in wb:
        heads = [c.value for c in ws[1]]
        assert all("_" not in h and "\u00ad" not in h for h in heads) and all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
        assert all(2 < ws.column_dimensions[c.column_letter].width <= 60 for c in ws[1])
        assert not [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
    headline = {row[0].value: row[1] for row in wb["headline"].iter_rows(min_row=2)}
    assert headline["Recommendations assessed"].value == r.headline["recommendations"] == 24
    assert headline["Share achieved late"].value == r.headline["share_late_of_achieved"]
    assert "%" in headline["Share achieved late"].number_format
    trend = wb["trend"]
    assert [c.value for c in trend[1]][:4] == ["Year", "Assessed", "Achieved", "Achieved late"]
    assert "Share late of achieved" in [c.value for c in trend[1]]
    share = trend.cell(3, [c.value for c in trend[1]].index("Share achieved") + 1)
    assert share.value == 0.5 and share.number_format == "0%"
    assert all(type(c.value) is int for c in trend["B"][1:])  # counts as integers
    reviews = wb["reviews"]
    approved = reviews.cell(2, [c.value for c in reviews[1]].index("Approved") + 1)
    assert isinstance(approved.value, dt.datetime) and approved.number_format == "d mmm yyyy"
    assert approved.value.date() == r.reviews["Approved"].iloc[0].date() and approved.value.time() == dt.time(0)
    committee = wb["by-committee"]
    assert committee.column_dimensions["A"].width == min(60, 2 + max(len(str(c.value)) for c in committee["A"]))


def test_csv_zip_and_one_file_hold_the_reports_numbers(public_out, tmp_path):
    """`--out x.zip`: one CSV per table with its own headings; `--out x.csv`: the same tables
    as sections of one file (`# name`, headings, rows, blank line). Dates ISO, shares as
    fractions, every row as wide as its own table."""
    import csv

    assert _report(public_out, tmp_path / "r.zip").exit_code == 0
    assert _report(public_out, tmp_path / "r.csv").exit_code == 0
    r = _built(public_out, "2016/17")
    tables = report_tables(r)
    with zipfile.ZipFile(tmp_path / "r.zip") as z:
        assert z.namelist() == [f"{name}.csv" for name in tables]
        zipped = {n[:-4]: list(csv.reader(io.StringIO(z.read(n).decode("utf-8-sig")))) for n in z.namelist()}
    sections = _sections((tmp_path / "r.csv").read_text(encoding="utf-8-sig"))
    assert sections == zipped
    for name, df in tables.items():
        rows = zipped[name]
        assert rows[0] == [heading(c, soft=False) for c in df.columns] and all(len(row) == len(rows[0]) for row in rows)
        assert rows[1:] == _table_values(r, name)
    assert zipped["headline"][1] == ["Recommendations assessed", "24"]
    assert zipped["by-committee"][0][:4] == ["Committee", "Assessed", "Achieved", "Achieved late"]
    assert zipped["by-committee"][-1][:4] == ["All", "24", "12", "3"]
    assert zipped["trend"][2][zipped["trend"][0].index("Share achieved")] == "0.5"
    assert zipped["reviews"][1][3] == r.reviews["Approved"].iloc[0].date().isoformat() == "2015-04-14"


def test_committee_paper_sections(public_out, tmp_path):
    """Issue #13: every figure says what it is over; reviews, categories and sources listed;
    data-as-at and UK dates; charts with captions and text alternatives; a print stylesheet."""
    out = tmp_path / "r.html"
    assert CliRunner().invoke(cli, ["report", "--year", "2016/17", "--data", str(public_out), "--out", str(out)]).exit_code == 0
    html = out.read_text()
    r = _built(public_out, "2016/17")
    h = r.headline
    assert f"{h['achieved_late']} of {h['achieved_where_lateness_recorded']} achieved, in schemes that record lateness" in html
    assert f'id="data-as-at">{r.data_as_at.day} {r.data_as_at:%b %Y}</strong>' in html
    assert html.count('role="img"') == 2 and html.count("<figcaption") == 2
    assert "@page" in html and "break-inside: avoid" in html
    assert len(r.reviews) == r.reviews[["Council", "Review"]].drop_duplicates().shape[0] == 4  # one row per review
    assert r.reviews["Recommendations"].sum() == h["recommendations"]
    assert set(r.categories_used["Scheme"]) == {"birmingham", "stockton"}
    # Each scheme's whole scale with its criteria, stored with the reports at ingest.
    cats = r.categories_used.set_index(["Scheme", "Code"])
    assert len(cats.loc["birmingham"]) == 6 and len(cats.loc["stockton"]) == 4
    assert cats.loc[("birmingham", 2), "Category"] == "Achieved (Late)"
    assert cats.loc[("birmingham", 2), "Criteria"].endswith("fully implemented but not within the timescale specified.")
    assert cats.loc[("stockton", 2), "Counted as"] == "in_progress"
    assert "there is no prospect of it being achieved" in html
    assert len(r.sources) >= 1 and r.sources["File"].str.endswith(".pdf").all()


def test_stats_and_report_count_a_year_alike(public_out):
    """One counting rule (issue #13): `stats --by municipal-year` gives each year what that
    year's report counts (was 15 against 24 for 2016/17)."""
    res = CliRunner().invoke(cli, ["stats", "--data", str(public_out), "--format", "json"])
    rows = {r["municipal-year"]: r for r in __import__("json").loads(res.output)}
    for year in ("2016/17", "2017/18"):
        h = _built(public_out, year).headline
        assert (rows[year]["recommendations"], rows[year]["achieved"], rows[year]["achieved_late"]) == \
            (h["recommendations"], h["achieved"], h["achieved_late"])
    assert rows["2016/17"]["recommendations"] == 24


def test_trend_gives_the_year_on_year_change(public_out):
    t = _built(public_out).trend.set_index("year")
    assert list(t.index) == ["2015/16", "2016/17", "2017/18"]
    assert t.loc["2016/17", "share_achieved"] == 0.5 and t.loc["2016/17", "change_in_share_achieved"] == 50.0
    assert t.loc["2017/18", "change_in_share_achieved"] == round((5 / 9 - 0.5) * 100, 1)
    assert "+50.0 pts" in render_html(_built(public_out))


def test_sources_are_the_reports_up_to_the_periods_end(public_out):
    """The 2016/17 report listed the later rounds of its reviews (Jul 2017 to Mar 2018) as
    sources of its figures: a year's sources are its reviews' reports up to the year's end."""
    import yaml

    from conftest import FIXTURES
    from pipeline.datasets.history import normalise_title

    first, last = dt.date(2016, 5, 1), dt.date(2017, 4, 30)
    gold = {(g["council"], normalise_title(g["report"]["title"]), g["report"]["report_date"])
            for g in (yaml.safe_load(f.read_text()) for f in (FIXTURES / "gold").glob("*.yaml"))}
    reviews = {(c, t) for c, t, d in gold if first <= d <= last}
    want = sorted(d for c, t, d in gold if (c, t) in reviews and d <= last)
    got = sorted(pd.to_datetime(_built(public_out, "2016/17").sources["Report date"]).dt.date)
    assert got == want and len(got) == 6 and max(got) == dt.date(2017, 1, 25)


def test_text_from_a_pdf_never_becomes_a_spreadsheet_formula(tmp_path, rules):
    """Bug (issue #20): a recommendation or committee printed as `=HYPERLINK(...)` or
    `=cmd|' /C calc'!A0` was a live formula in the xlsx and passed through the csv."""
    import dataclasses

    import openpyxl

    from conftest import PDFS
    from pipeline.batch import rebuild_history
    from pipeline.datasets.write import Writer
    from pipeline.extract import extract_file

    x = extract_file(next(p for p in PDFS if p.name.startswith("bham-2016-11-fly-tipping--birmingham.")), rules)
    part = x.reports[0]
    evil = '=HYPERLINK("http://evil.example/x","Click me")'
    recs = tuple(dataclasses.replace(r, recommendation=evil, responsible_lead="=cmd|' /C calc'!A0") for r in part.recommendations)
    x = dataclasses.replace(x, reports=(dataclasses.replace(part, report=dataclasses.replace(part.report, committee="@SUM(1+1)"),
                                                            recommendations=recs),))
    out = tmp_path / "out"
    with Writer(out) as w:
        w.write(x)
    rebuild_history(out, rules)
    runner = CliRunner()
    r = runner.invoke(cli, ["report", "--data", str(out), "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0, r.output
    cells = [c for ws in openpyxl.load_workbook(tmp_path / "r.xlsx") for row in ws.iter_rows() for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "'@SUM(1+1)" in texts and any(t.startswith("'=HYPERLINK(") for t in texts)
    r = runner.invoke(cli, ["report", "--data", str(out), "--format", "csv", "--out", str(tmp_path / "r.csv")])
    assert r.exit_code == 0, r.output
    import csv

    fields = [f for row in csv.reader((tmp_path / "r.csv").open()) for f in row]
    assert "'@SUM(1+1)" in fields and not [f for f in fields if f and (f[0] in "=@" or f.startswith("+c"))]
    r = runner.invoke(cli, ["stats", "--by", "committee", "--format", "csv", "--data", str(out)])
    assert r.exit_code == 0 and "\n'@SUM(1+1)," in r.output, r.output
