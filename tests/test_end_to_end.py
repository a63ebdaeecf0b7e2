"""End to end: every bundled tracking-report PDF against its gold YAML (exact values)."""

import datetime as dt
import re

import pyarrow.dataset as ds
import pytest

from conftest import PDFS, gold_for


def norm(s):
    s = re.sub(r"\s+", " ", str(s or "").replace("\u00ad", "")).strip()
    return re.sub(r"(\w)- (\w)", r"\1-\2", s)


def gold_rec_text(g):
    parts = [g.get("intro") or ""] + [f"{lab}) {t}" for lab, t in g.get("sub_items", [])] + [g.get("outro") or ""]
    return norm(" ".join(p for p in parts if p))


@pytest.fixture(scope="module")
def tables(public_out):
    def load(name):
        return ds.dataset(public_out / name, format="parquet", partitioning="hive").to_table().to_pylist()
    return {n: load(n) for n in ("recommendations", "reports", "files")}


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.name)
def test_recommendations_match_gold(pdf, tables):
    gold = gold_for(pdf)
    rows = {r["rec_id"]: r for r in tables["recommendations"] if r["source_file"].endswith(pdf.name)}
    assert list(rows) == [g["rec_id"] for g in gold["recommendations"]]
    for g in gold["recommendations"]:
        r = rows[g["rec_id"]]
        assert r["rec_number"] == int(re.sub(r"\D", "", g["rec_id"]))
        assert r["category_code"] == g["category_code"]
        assert r["category_scheme"] == gold["scheme"]
        assert r["target_dates"] == list(g["target_dates"])
        assert r["target_date"] == (g["target_dates"][0] if g["target_dates"] else None)
        assert r["completed_date"] == g.get("completed_date")
        assert r["anticipated_date"] == g.get("anticipated_date")
        assert r["responsible_lead"] == g["responsible_lead"]
        assert r["responsible_partners"] == g["responsible_partners"]
        assert [s["label"] for s in r["sub_items"]] == [lab for lab, _ in g.get("sub_items", [])]
        assert [norm(s["text"]) for s in r["sub_items"]] == [norm(t) for _, t in g.get("sub_items", [])]
        assert norm(r["recommendation"]) == gold_rec_text(g)
        assert norm(r["evidence"]) == norm(" ".join(p.removeprefix("## ") for p in g["evidence"]))
        assert 1 <= r["page_first"] <= r["page_last"]
        assert {p["field"] for p in r["provenance"]} >= {"rec_id", "recommendation", "target_dates", "category_code"}


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.name)
def test_report_matches_gold(pdf, tables):
    gold = gold_for(pdf)["report"]
    (rep,) = [r for r in tables["reports"] if r["source_file"].endswith(pdf.name)]
    for f in ("committee", "title", "report_of", "review_lead_member", "lead_officer"):
        assert rep[f] == gold[f], f
    for f in ("report_date", "date_approved", "date_last_tracked"):
        assert rep[f] == gold[f], f
    assert rep["council"] == gold_for(pdf)["council"]
    assert rep["n_recommendations"] == len(gold_for(pdf)["recommendations"])


def test_files_rows(tables):
    assert len(tables["files"]) == len(PDFS)
    assert {f["status"] for f in tables["files"]} == {"parsed"}
    assert all(isinstance(f["ingested_at"], dt.datetime) for f in tables["files"])
