"""Geometry tolerances: each named once in Settings, documented, used, overridable from rules/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import pipeline
from conftest import PDFS
from pipeline.extract import extract_file
from pipeline.rules import DEFAULT_RULES_DIR, RulesError, load_rules
from pipeline.settings import Settings

SOURCE = "\n".join(p.read_text() for p in Path(pipeline.__file__).parent.rglob("*.py") if p.name != "settings.py")


def _rules_with(tmp_path: Path, settings: dict):
    d = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, d)
    layout = yaml.safe_load((d / "layout.yaml").read_text())
    layout["settings"] = settings
    (d / "layout.yaml").write_text(yaml.safe_dump(layout))
    return load_rules(d)


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented_and_used(name):
    assert len(Settings.model_fields[name].description or "") > 20
    assert f".{name}" in SOURCE, f"Settings.{name} is read nowhere"


def test_an_override_in_layout_yaml_takes_effect(tmp_path, rules):
    pdf = next(p for p in PDFS if p.name == "bham-2016-09-third-sector--tracker.pdf")
    default = extract_file(pdf, rules)
    assert sum("\n" in r.evidence for r in default.recommendations) >= 3  # evidence of several paragraphs
    merged = extract_file(pdf, _rules_with(tmp_path, {"paragraph_gap": 50.0}))
    assert merged.status == "parsed" and not any("\n" in r.evidence for r in merged.recommendations)
    assert [r.rec_id for r in merged.recommendations] == [r.rec_id for r in default.recommendations]


def test_an_unknown_or_invalid_setting_names_the_file(tmp_path):
    with pytest.raises(RulesError, match=r"layout\.yaml: settings\.cell_gapp"):
        _rules_with(tmp_path, {"cell_gapp": 2})
    with pytest.raises(RulesError, match=r"layout\.yaml: settings\.margin_share"):
        _rules_with(tmp_path / "b", {"margin_share": 0.7})
