"""Statistics over the public fixtures equal figures derived independently from gold."""

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import N_RECS, gold_latest
from pipeline.analysis.stats import financial_year, municipal_year, stats, year_bounds
from pipeline.cli import cli
from pipeline.datasets.history import history, history_rows, normalise_title


def test_history_and_stats_equal_gold(public_out, rules):
    latest, rounds = gold_latest()
    hist = history_rows(public_out)
    assert len(hist) == len(latest) == 24
    table = stats(hist, "year").frame().set_index("year")
    outcomes = [o for o, _ in latest.values()]
    assert table.loc["All", "recommendations"] == len(latest)
    assert table.loc["All", "achieved"] == sum(o in ("achieved", "achieved_late") for o in outcomes)
    assert table.loc["All", "achieved_late"] == outcomes.count("achieved_late")
    assert table.loc["All", "not_achieved"] == outcomes.count("not_achieved")
    assert table.loc["All", "in_progress"] == outcomes.count("in_progress")
    for year in {str(d.year) for _, d in latest.values()}:
        assert table.loc[year, "recommendations"] == sum(str(d.year) == year for _, d in latest.values())
    to_achieve = [next(i + 1 for i, o in enumerate(r) if o.startswith("achieved"))
                  for r in rounds.values() if r[-1].startswith("achieved")]
    assert table.loc["All", "median_rounds_to_achievement"] == pd.Series(to_achieve).median()


def test_history_rows(public_out, rules):
    hist = history(public_out).set_index(["review_key", "rec_id"])
    r = hist.loc[("tackling fly tipping", "R04")]
    assert list(r["categories"]) == [5, 3, 2] and r["n_rounds"] == 3
    # Per-round lists aligned with the rounds, comparable across schemes (issue #13).
    assert list(r["outcomes"]) == ["not_achieved", "not_achieved", "achieved_late"]
    assert [str(d) for d in r["report_dates"]] == ["2016-11-16", "2017-07-19", "2018-03-14"]
    assert bool(r["achieved_late"]) and r["days_late"] == (pd.Timestamp("2018-02-28") - pd.Timestamp("2016-09-30")).days
    stockton = hist.loc[("home care", "R3")]
    assert stockton["achieved_late"] is None or pd.isna(stockton["achieved_late"])


@pytest.mark.parametrize("d,municipal,financial", [
    ("2016-03-31", "2015/16", "2015/16"), ("2016-04-01", "2015/16", "2016/17"), ("2016-04-30", "2015/16", "2016/17"),
    ("2016-05-01", "2016/17", "2016/17"), ("2017-03-31", "2016/17", "2016/17"), ("1999-12-31", "1999/00", "1999/00"),
])
def test_council_years(d, municipal, financial):
    day = pd.Timestamp(d).date()
    assert municipal_year(day) == municipal and financial_year(day) == financial


@pytest.mark.parametrize("label,kind,first,last", [
    ("2016/17", "municipal", "2016-05-01", "2017-04-30"), ("2016-2017", "financial", "2016-04-01", "2017-03-31"),
    ("2016", "municipal", "2016-05-01", "2017-04-30"),
])
def test_year_bounds(label, kind, first, last):
    assert year_bounds(label, kind) == (pd.Timestamp(first).date(), pd.Timestamp(last).date())


@pytest.mark.parametrize("label", ["2016/18", "16/17", "last year"])
def test_year_bounds_rejects(label):
    with pytest.raises(ValueError):
        year_bounds(label)


def test_stats_by_financial_year_equal_gold(public_out, rules):
    latest, _ = gold_latest()
    table = stats(history_rows(public_out), "financial-year").frame().set_index("financial-year")
    expected: dict[str, list[str]] = {}
    for outcome, day in latest.values():
        start = day.year if day.month >= 4 else day.year - 1
        expected.setdefault(f"{start}/{(start + 1) % 100:02d}", []).append(outcome)
    assert sorted(table.index) == sorted([*expected, "All"])
    for year, outcomes in expected.items():
        assert table.loc[year, "recommendations"] == len(outcomes)
        assert table.loc[year, "achieved_late"] == outcomes.count("achieved_late")
        assert table.loc[year, "in_progress"] == outcomes.count("in_progress")


def test_query_and_stats_commands(public_out):
    runner = CliRunner()
    r = runner.invoke(cli, ["query", "select count(*) as n from recommendations", "--data", str(public_out), "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines() == ["n", str(N_RECS)]
    r = runner.invoke(cli, ["stats", "--by", "council", "--data", str(public_out), "--format", "csv"])
    assert r.exit_code == 0 and "Stockton-on-Tees Borough Council,7,4,0,1,2,0,0,0,,1.5" in r.output
    assert runner.invoke(cli, ["query", "select nope", "--data", str(public_out)]).exit_code == 2


@pytest.mark.parametrize("title,key", [("Tackling Fly-tipping & Litter", "tackling fly tipping and litter"),
                                       (None, ""), (float("nan"), "")])
def test_normalise_title(title, key):
    """Bug: a report whose cover gave no title (NaN in pandas) crashed the history rebuild."""
    assert normalise_title(title) == key


def test_views_exist_before_any_tracking_report(tmp_path, rules):
    """Bug: over an archive with no tracking report yet, `recommendations` was not a view."""
    from conftest import FOREIGN
    from pipeline.batch import ingest

    ingest(FOREIGN[:3], tmp_path, rules)
    runner = CliRunner()
    for view in ("recommendations", "reports", "history"):
        r = runner.invoke(cli, ["query", f"select count(*) as n from {view}", "--data", str(tmp_path), "--format", "csv"])
        assert r.exit_code == 0 and r.output.splitlines() == ["n", "0"], r.output
    r = runner.invoke(cli, ["query", "select count(*) as n from files", "--data", str(tmp_path), "--format", "csv"])
    assert r.output.splitlines() == ["n", "3"]
    r = runner.invoke(cli, ["query", "select 1", "--data", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no datasets" in r.output


def test_missing_values_never_crash_and_count_as_uncategorised(tmp_path, rules):
    """Bug: one record with an empty Responsibility cell crashed the history rebuild,
    `stats` and `report` ('float' object has no attribute 'replace'). A record without a
    category counts as uncategorised everywhere, never dropped."""
    import datetime as dt
    import json

    from pipeline.datasets.write import Writer
    from pipeline.models import Extraction, Recommendation, Report, ReportRecords

    def rec(rec_id, code, lead):
        return Recommendation(
            rec_id=rec_id, rec_number=int(rec_id[1:]), recommendation="That the council acts.", sub_items=(),
            responsibility=lead or "", responsible_lead=lead, responsible_partners=(), target_text="", target_date=None,
            target_dates=(), completed_date=None, assessment_text=str(code or ""), category_code=code,
            category_label="Achieved (Fully)" if code else None, category_outcome="achieved" if code else None,
            achieved_late=False if code else None, evidence="", anticipated_date=None, page_first=2, page_last=2, layout="tracker",
            warnings=() if code else ("no_category", "no_responsibility"))

    report = Report("Birmingham City Council", "Scrutiny Committee", dt.date(2017, 1, 25), "Road Safety", None, None,
                    None, None, None, "birmingham", "scheme.detect.appendix")
    x = Extraction("r.pdf", "ab" * 32, 100, 3, "parsed", "2 recommendation(s)", 0.1,
                   dt.datetime(2017, 2, 1, tzinfo=dt.UTC),
                   (ReportRecords(report, (rec("R1", 1, "Cabinet Member"), rec("R2", None, None))),))
    Writer(tmp_path).write(x)
    from pipeline.batch import rebuild_history

    assert rebuild_history(tmp_path, rules) == 2
    table = stats(history_rows(tmp_path), "year").frame().set_index("year")
    assert table.loc["All", "recommendations"] == 2 and table.loc["All", "uncategorised"] == 1
    runner = CliRunner()
    r = runner.invoke(cli, ["stats", "--data", str(tmp_path), "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)[-1]["uncategorised"] == 1
    r = runner.invoke(cli, ["report", "--data", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "r.html").read_text()
    assert 'data-key="uncategorised"><span class="value">1</span>' in html and "Uncategorised" in html


def test_stats_flags_counts_latest_assessments(public_out):
    r = CliRunner().invoke(cli, ["stats", "--flags", "--by", "council", "--data", str(public_out), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = {line.split(",")[0]: line.split(",")[1:] for line in r.output.splitlines()}
    head = rows["council"]
    assert head[:2] == ["recommendations", "flagged"] and "late_but_claimed_on_time" in head
    assert rows["All"][:2] == ["24", "6"]


def test_canonical_counts_each_report_once(public_out):
    """A plain SELECT over recommendations counted a report once per PDF holding it
    (issue #13): `where canonical` counts it once, as the history does."""
    from conftest import PDFS, gold_for

    golds = {p.name.split("--")[0]: gold_for(p) for p in PDFS}
    r = CliRunner().invoke(cli, ["query", "select count(*) filter (where canonical) as reports, "
                                 "count(distinct review_key) as reviews from reports", "--data", str(public_out),
                                 "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines()[1] == f"{len(golds)},4"
    r = CliRunner().invoke(cli, ["query", "select count(*) from recommendations where canonical", "--data",
                                 str(public_out), "--format", "csv"])
    assert r.output.splitlines()[1] == str(sum(len(g["recommendations"]) for g in golds.values())) == "46"


def test_joint_portfolios_keep_the_leads_own_casing():
    """Issue #13: leads that differ only in case (or "&" against "and") are one portfolio,
    spelt as the reports print it most often, not lower-cased."""
    import dataclasses as dc

    from pipeline.datasets.history import group_portfolios, portfolio
    from pipeline.datasets.schema import HistoryRow

    base = HistoryRow(**{f.name: None for f in dc.fields(HistoryRow)})
    leads = ["Cabinet Member for Transport & Roads", "Cabinet Member for Transport and Roads",
             "cabinet member for transport and roads", None]
    rows = group_portfolios([dc.replace(base, portfolio=portfolio(lead)) for lead in leads])
    assert [r.portfolio for r in rows] == ["Cabinet Member for Transport and Roads"] * 3 + [None]


def test_history_per_scheme_and_outcome_equal_gold(public_out):
    """Issue #13: per scheme and outcome, the latest assessments and every round's
    assessment in `history` equal counts from the gold files, each report counted once
    however many PDFs hold it (the bundled sample holds most reports two or three times)."""
    from collections import Counter

    from conftest import FIXTURES, OUTCOME

    reports = {}
    for f in sorted((FIXTURES / "gold").glob("*.yaml")):
        g = __import__("yaml").safe_load(f.read_text())
        reports.setdefault((g["council"], normalise_title(g["report"]["title"]), g["report"]["report_date"]), g)
    latest: dict = {}
    every_round: Counter = Counter()
    for (council, title, _), g in sorted(reports.items(), key=lambda kv: kv[0][2]):
        for r in g["recommendations"]:
            outcome = OUTCOME[g["scheme"]][r["category_code"]]
            latest[(council, title, r["rec_id"].lstrip("R").lstrip("0"))] = (g["scheme"], outcome)
            every_round[(g["scheme"], outcome)] += 1
    hist = history_rows(public_out)
    assert Counter((h.category_scheme, h.latest_outcome) for h in hist) == Counter(latest.values())
    assert Counter((h.category_scheme, o) for h in hist for o in h.outcomes) == every_round
    assert sum(every_round.values()) == 46 and Counter(latest.values())[("birmingham", "achieved_late")] == 7
