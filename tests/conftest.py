"""Shared fixtures: the bundled sample PDFs (data/raw, also what `make run` ingests) and
their gold records (tests/fixtures/gold), both copied from the public corpus."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from pipeline.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "raw"  # one copy of the sample PDFs
PDFS = sorted(SAMPLES.glob("*.pdf"))
FOREIGN = sorted((FIXTURES / "foreign").glob("*.pdf"))


def gold_for(pdf: Path) -> dict:
    gid = pdf.name.split("--")[0]
    return yaml.safe_load((FIXTURES / "gold" / f"{gid}.yaml").read_text())


# Recommendations printed in the bundled fixture PDFs, counted from their gold files.
N_RECS = sum(len(gold_for(p)["recommendations"]) for p in PDFS)


# Outcome of each category as docs/normalisation.md and the schemes' criteria define them.
OUTCOME = {
    "birmingham": {1: "achieved", 2: "achieved_late", 3: "not_achieved", 4: "not_achieved", 5: "not_achieved", 6: "in_progress"},
    "stockton": {1: "achieved", 2: "in_progress", 3: "in_progress", 4: "not_achieved"},
}


def gold_latest(until: dt.date | None = None, since: dt.date | None = None):
    """Latest gold assessment (outcome, report date) of every recommendation, one report
    per (council, title, date); only reports up to `until`, only latest dates from `since`.
    Also returns each recommendation's outcomes in round order."""
    from pipeline.datasets.history import normalise_title

    reports = {}
    for f in sorted((FIXTURES / "gold").glob("*.yaml")):
        g = yaml.safe_load(f.read_text())
        if until is not None and g["report"]["report_date"] > until:
            continue
        key = (g["council"], normalise_title(g["report"]["title"]), g["report"]["report_date"])
        reports.setdefault(key, g)
    latest: dict = {}
    rounds: dict = defaultdict(list)
    for (council, title, date), g in sorted(reports.items(), key=lambda kv: kv[0][2]):
        for r in g["recommendations"]:
            rk = (council, title, int(re.sub(r"\D", "", r["rec_id"])))
            rounds[rk].append(OUTCOME[g["scheme"]][r["category_code"]])
            latest[rk] = (OUTCOME[g["scheme"]][r["category_code"]], date)
    if since is not None:
        latest = {k: v for k, v in latest.items() if v[1] >= since}
        rounds = defaultdict(list, {k: v for k, v in rounds.items() if k in latest})
    return latest, rounds


@pytest.fixture(scope="session")
def rules():
    return load_rules()


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A folder `build(folder)` fills once per test run: under pytest-xdist the first worker
    builds it (under a lock) and the others reuse it, as xdist's docs advise for session data."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers
    target = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / f"{name}.done").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            (root / f"{name}.done").touch()
    return target


@pytest.fixture(scope="session")
def public_out(tmp_path_factory, rules):
    """The public fixture PDFs ingested once into a temporary OUT (read-only for tests)."""
    from pipeline.batch import ingest

    def build(out: Path) -> None:
        summary = ingest([SAMPLES], out, rules, workers=2)
        assert summary.ok and len(PDFS) == 19, summary.failed

    return built_once(tmp_path_factory, "public", build)
