"""Several reports in one PDF (agenda packs), several reviews in one table (trackers):
each record lands under its own report and review (find/reports.py, datasets/rounds.py)."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bench.synth import write_multi, write_xtracker
from conftest import FIXTURES, PDFS, SAMPLES, built_once
from pipeline.cli import cli
from pipeline.datasets.history import history_rows, normalise_title
from pipeline.datasets.views import connect
from pipeline.extract import extract_file

PACKS = sorted((FIXTURES / "packs").glob("*.pdf"))


def _gold(gid: str) -> dict:
    return yaml.safe_load((FIXTURES / "gold" / f"{gid}.yaml").read_text())


def _records(x) -> list[list[tuple[str, int]]]:
    return [[(r.rec_id, r.category_code) for r in part.recommendations] for part in x.reports]


# -- generated documents ---------------------------------------------------------------------

@pytest.mark.parametrize("seed, parts, between", [
    (11, [{"layout": "rows"}, {"layout": "tracker", "scheme": "stockton"}], 0),  # back to back
    (12, [{"layout": "rows-ruled", "scheme": "stockton"}, {"layout": "rows"}], 2),  # foreign pages between
    (13, [{"layout": "tracker"}, {"layout": "rows", "scheme": "stockton"}, {"layout": "rows-ruled"}], 1),
])
def test_each_report_of_a_pack_has_its_own_cover_scheme_and_records(tmp_path, rules, seed, parts, between):
    truths = write_multi(tmp_path / "pack.pdf", random.Random(seed), parts, between=between)
    x = extract_file(tmp_path / "pack.pdf", rules)
    assert [p.report.title for p in x.reports] == [t.title for t in truths]
    assert [p.report.committee for p in x.reports] == [t.committee for t in truths]
    assert [p.report.report_date for p in x.reports] == [t.report_date for t in truths]
    assert [p.report.category_scheme for p in x.reports] == [part.get("scheme", "birmingham") for part in parts]
    assert _records(x) == [[(r["rec_id"], r["category_code"]) for r in t.recommendations] for t in truths]
    assert [p.report.report_no for p in x.reports] == list(range(1, len(parts) + 1))
    assert [(p.report.page_first, p.report.page_last) for p in x.reports] == [t.report_pages for t in truths]
    assert all(p.report.cover_found for p in x.reports)
    assert all(r.review_title == p.report.title for p in x.reports for r in p.recommendations)
    assert f"{len(parts)} reports (" in x.message


def test_a_table_no_cover_claims_is_never_read_under_the_report_before_it(tmp_path, rules):
    """Bug (issue #18): a second report's records were written under the first report's
    title. A report printed without a cover after one with a cover is a report of its own,
    its cover fields empty, its records warned, its review its own."""
    truths = write_multi(tmp_path / "pack.pdf", random.Random(4), [{"layout": "rows-ruled"},
                                                                    {"layout": "rows-ruled", "cover": False}])
    x = extract_file(tmp_path / "pack.pdf", rules)
    assert _records(x) == [[(r["rec_id"], r["category_code"]) for r in t.recommendations] for t in truths]
    first, second = (p.report for p in x.reports)
    assert first.title == truths[0].title and first.cover_found
    assert (second.title, second.committee, second.report_date, second.cover_found) == (None, None, None, False)
    assert all(r.warnings[0].startswith("no_cover: ") and r.review_title is None for r in x.reports[1].recommendations)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["ingest", str(tmp_path / "pack.pdf"), "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    keys = connect(out).execute("select distinct review_key from recommendations order by 1").fetchall()
    assert len(keys) == 2 and keys[1][0].startswith("untitled:")  # never shares a review with the first
    check = CliRunner().invoke(cli, ["check", "--data", str(out)])
    assert "no_cover" in check.output


def test_a_table_before_the_first_cover_is_its_own_report(tmp_path, rules):
    truths = write_multi(tmp_path / "pack.pdf", random.Random(5), [{"layout": "tracker", "cover": False},
                                                                    {"layout": "rows"}])
    x = extract_file(tmp_path / "pack.pdf", rules)
    assert _records(x) == [[(r["rec_id"], r["category_code"]) for r in t.recommendations] for t in truths]
    assert [p.report.title for p in x.reports] == [None, truths[1].title]
    assert [p.report.cover_found for p in x.reports] == [False, True]


def test_reports_without_covers_each_read_their_scheme_from_their_own_pages(tmp_path, rules):
    """Bug: of three coverless reports cut where their numbering restarts, the first was read
    with the whole document's text, so a later report's Stockton codes made it Stockton."""
    parts = [{"layout": "tracker", "cover": False}, {"layout": "rows", "scheme": "stockton", "cover": False},
             {"layout": "rows", "cover": False}]
    truths = write_multi(tmp_path / "pack.pdf", random.Random(44), parts, between=2)
    x = extract_file(tmp_path / "pack.pdf", rules)
    assert _records(x) == [[(r["rec_id"], r["category_code"]) for r in t.recommendations] for t in truths]
    assert [p.report.category_scheme for p in x.reports] == ["birmingham", "stockton", "birmingham"]
    spans = [(p.report.page_first, p.report.page_last) for p in x.reports]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("seed, header", [(21, "Scrutiny Review"), (22, "Review"), (23, "Origin")])
def test_a_tracker_over_several_reviews_gives_each_record_its_rows_review(tmp_path, rules, seed, header):
    truths = write_xtracker(tmp_path / "xt.pdf", random.Random(seed), 3, header)
    x = extract_file(tmp_path / "xt.pdf", rules)
    assert len(x.reports) == 1
    rep = x.reports[0].report
    assert rep.title is None and rep.committee == truths[0].committee and rep.report_date == truths[0].report_date
    assert rep.reviews == tuple(t.title for t in truths)
    assert [(r.review_title, r.rec_id, r.category_code) for r in x.recommendations] == \
        [(t.title, r["rec_id"], r["category_code"]) for t in truths for r in t.recommendations]
    # The same labels in several reviews are no repeated labels, and the key under the table ends it.
    assert not any(w.startswith(("repeated_label", "runs_into_next")) for r in x.recommendations for w in r.warnings)


# -- the public packs and tracker ----------------------------------------------------------------

@pytest.mark.parametrize("pdf", PACKS, ids=lambda p: p.name)
def test_public_packs_and_trackers_read_report_by_report(pdf, rules):
    gids = pdf.name.split("--")[0].split("+")
    golds = [_gold(g) for g in gids]
    x = extract_file(pdf, rules)
    by_review: dict[str, list] = defaultdict(list)
    for r in x.recommendations:
        by_review[normalise_title(r.review_title)].append((r.rec_id, r.category_code, r.target_dates))
    for g in golds:
        want = [(r["rec_id"], r["category_code"], tuple(r["target_dates"])) for r in g["recommendations"]]
        assert by_review[normalise_title(g["report"]["title"])] == want
    if "xtracker" in pdf.name:
        assert len(x.reports) == 1 and x.reports[0].report.title is None
        return
    assert [p.report.title for p in x.reports] == [g["report"]["title"] for g in golds]
    for p, g in zip(x.reports, golds):
        assert (p.report.committee, p.report.report_date, p.report.council) == \
            (g["report"]["committee"], g["report"]["report_date"], g["council"])


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory, rules):
    """The bundled samples and the public packs and tracker ingested in one batch."""
    from pipeline.batch import ingest

    def build(out: Path) -> None:
        summary = ingest([SAMPLES, FIXTURES / "packs"], out, rules, workers=2)
        assert summary.ok and summary.statuses == {"parsed": len(PDFS) + len(PACKS)}, summary.failed

    return built_once(tmp_path_factory, "packs-batch", build)


def _gold_reports() -> dict:
    """Every gold report once: (council, review key, date) -> gold."""
    out = {}
    for f in sorted((FIXTURES / "gold").glob("*.yaml")):
        g = yaml.safe_load(f.read_text())
        out[(g["council"], normalise_title(g["report"]["title"]), g["report"]["report_date"])] = g
    return out


def test_one_batch_of_packs_and_single_reports_counts_each_round_once(batch_out):
    """Bug (issue #18): the pack copy of a report was canonical under the wrong title, so
    `stats --by review` and the history counted rounds of other reviews."""
    gold = _gold_reports()
    rounds: Counter = Counter()
    for council, key, _ in gold:
        for r in gold[(council, key, _)]["recommendations"]:
            rounds[(council, key, int("".join(c for c in r["rec_id"] if c.isdigit())))] += 1
    got = {(h.council, h.review_key, h.rec_number): h.n_rounds for h in history_rows(batch_out)}
    assert got == dict(rounds)
    # stats --by review: each review's recommendations as the gold's latest rounds give them.
    r = CliRunner().invoke(cli, ["stats", "--by", "review", "--data", str(batch_out), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = {row["review"]: row["recommendations"] for row in json.loads(r.output) if row["review"] != "All"}
    title_of = {(c, k): g["report"]["title"] for (c, k, _), g in gold.items()}
    assert rows == dict(Counter(title_of[(c, k)] for c, k, _ in rounds))


def test_views_never_multiply_rows_and_each_round_has_one_canonical_copy(batch_out):
    con = connect(batch_out)
    stored = con.execute("select count(*) from _recommendations").fetchone()[0]
    assert con.execute("select count(*) from recommendations").fetchone()[0] == stored
    assert con.execute("select count(*) from reports").fetchone()[0] == con.execute("select count(*) from _reports").fetchone()[0]
    # One canonical copy per round, and the report alone wins over its copy in a pack.
    dup = con.execute("select round_of, count(*) filter (where canonical) from rounds group by 1 having count(*) "
                      "filter (where canonical) <> 1").fetchall()
    assert dup == []
    packed = con.execute("select count(*) from reports where canonical and source_file like '%pack-multi%'").fetchone()[0]
    assert packed == 0
    files = dict(con.execute("select regexp_extract(source_file, '[^/]*$'), n_reports from files").fetchall())
    # A pack holds a report per review; a tracker is one report over several reviews.
    assert {n: files[n] for n in files if "+" in n} == {p.name: 1 if "xtracker" in p.name else p.name.count("+") + 1
                                                        for p in PACKS}


def test_data_of_an_older_schema_version_asks_for_a_reingest(tmp_path, batch_out):
    import shutil

    import pyarrow.parquet as pq

    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    part = next((out / "reports").glob("*.parquet"))
    table = pq.read_table(part)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"schema_version": b"6"}), part)
    r = CliRunner().invoke(cli, ["stats", "--data", str(out)])
    assert r.exit_code != 0
    assert "schema version 6" in r.output and "re-ingest" in r.output and len(r.output.strip().splitlines()) == 1
