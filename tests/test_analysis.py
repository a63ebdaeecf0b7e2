"""Statistics over the public fixtures equal figures derived independently from gold."""

import re
from collections import defaultdict

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from pipeline.analysis import history, municipal_year, normalise_title, stats
from pipeline.cli import cli

# Outcome of each category as docs/normalisation.md and the schemes' criteria define them.
OUTCOME = {
    "birmingham": {1: "achieved", 2: "achieved_late", 3: "not_achieved", 4: "not_achieved", 5: "not_achieved", 6: "in_progress"},
    "stockton": {1: "achieved", 2: "in_progress", 3: "in_progress", 4: "not_achieved"},
}


def gold_latest():
    """Latest gold assessment of every recommendation, one report per (council, title, date)."""
    import yaml

    reports = {}
    for f in sorted((FIXTURES / "gold").glob("*.yaml")):
        g = yaml.safe_load(f.read_text())
        key = (g["council"], normalise_title(g["report"]["title"]), g["report"]["report_date"])
        reports.setdefault(key, g)
    latest: dict = {}
    rounds: dict = defaultdict(list)
    for (council, title, date), g in sorted(reports.items(), key=lambda kv: kv[0][2]):
        for r in g["recommendations"]:
            rk = (council, title, int(re.sub(r"\D", "", r["rec_id"])))
            rounds[rk].append(OUTCOME[g["scheme"]][r["category_code"]])
            latest[rk] = (OUTCOME[g["scheme"]][r["category_code"]], date)
    return latest, rounds


def test_history_and_stats_equal_gold(public_out, rules):
    latest, rounds = gold_latest()
    hist = history(public_out, rules)
    assert len(hist) == len(latest) == 24
    table = stats(hist, "year").set_index("year")
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
    hist = history(public_out, rules).set_index(["review_key", "rec_id"])
    r = hist.loc[("tackling fly tipping", "R04")]
    assert list(r["categories"]) == [5, 3, 2] and r["n_rounds"] == 3
    assert bool(r["achieved_late"]) and r["days_late"] == (pd.Timestamp("2018-02-28") - pd.Timestamp("2016-09-30")).days
    stockton = hist.loc[("home care", "R3")]
    assert stockton["achieved_late"] is None or pd.isna(stockton["achieved_late"])


@pytest.mark.parametrize("d,expected", [("2016-04-30", "2015/16"), ("2016-05-01", "2016/17"), ("2017-03-31", "2016/17")])
def test_municipal_year(d, expected):
    assert municipal_year(pd.Timestamp(d).date()) == expected


def test_query_and_stats_commands(public_out):
    runner = CliRunner()
    r = runner.invoke(cli, ["query", "select count(*) as n from recommendations", "--data", str(public_out), "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines() == ["n", "56"]
    r = runner.invoke(cli, ["stats", "--by", "council", "--data", str(public_out), "--format", "csv"])
    assert r.exit_code == 0 and "Stockton-on-Tees Borough Council,7,4,0,1,2,,1.5" in r.output
    assert runner.invoke(cli, ["query", "select nope", "--data", str(public_out)]).exit_code == 2
