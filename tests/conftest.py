"""Shared fixtures: bundled PDFs and gold records (copied from the public corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures"
PDFS = sorted((FIXTURES / "pdfs").glob("*.pdf"))
FOREIGN = sorted((FIXTURES / "foreign").glob("*.pdf"))


def gold_for(pdf: Path) -> dict:
    gid = pdf.name.split("--")[0]
    return yaml.safe_load((FIXTURES / "gold" / f"{gid}.yaml").read_text())


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def public_out(tmp_path_factory, rules):
    """The public fixture PDFs ingested once into a temporary OUT."""
    from pipeline.ingest import ingest

    out = tmp_path_factory.mktemp("public")
    summary = ingest([FIXTURES / "pdfs"], out, rules, workers=2)
    assert summary.ok, summary.failed
    return out
