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


def test_tunables_set_at_the_top_level_of_an_older_layout_yaml_move_into_settings(tmp_path):
    """Issue #21: every tunable has one home, `settings`. A rules folder written before keeps
    working (its values land there); the same tunable in both places is an error."""
    d = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, d)
    layout = yaml.safe_load((d / "layout.yaml").read_text())
    (d / "layout.yaml").write_text(yaml.safe_dump({**layout, "heading_size_ratio": 1.6, "repeated_line_min_pages": 4}))
    s = load_rules(d).layout.settings
    assert (s.heading_size_ratio, s.repeated_line_min_pages, s.repeated_line_min_share) == (1.6, 4, 0.5)
    (d / "layout.yaml").write_text(yaml.safe_dump({**layout, "heading_size_ratio": 1.6, "settings": {"heading_size_ratio": 1.4}}))
    with pytest.raises(RulesError, match="heading_size_ratio given at the top level and under settings"):
        load_rules(d)
