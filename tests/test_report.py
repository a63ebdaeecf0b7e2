"""The annual HTML report: figures equal gold-derived counts, and it opens in headless chromium."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest
from click.testing import CliRunner

from conftest import gold_latest
from pipeline.analysis.report import AnnualReport, build_report, html_table, render_html
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


def test_xlsx_and_csv_hold_the_htmls_numbers(public_out, tmp_path):
    """The report's tables exported (issue #13): the workbook opens with openpyxl, one sheet
    per table, with the numbers the HTML shows; the CSV names each row's table."""
    import openpyxl

    args = ["report", "--year", "2016/17", "--data", str(public_out)]
    assert CliRunner().invoke(cli, [*args, "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")]).exit_code == 0
    assert CliRunner().invoke(cli, [*args, "--format", "csv", "--out", str(tmp_path / "r.csv")]).exit_code == 0
    r = _built(public_out, "2016/17")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames[:4] == ["headline", "trend", "by-committee", "by-portfolio"]
    values = {row[0].value: row[1].value for row in wb["headline"].iter_rows(min_row=2)}
    assert values["Recommendations assessed"] == r.headline["recommendations"] == 24
    assert values["Achieved late"] == r.headline["achieved_late"]
    assert wb["challenge"].max_row - 1 == len(r.challenge)
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[0].startswith("table,measure,value") and lines[1] == "headline,Recommendations assessed,24" + "," * (
        lines[0].count(",") - 2)


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
