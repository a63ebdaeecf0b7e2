"""The rules loader: validation errors name the file, and a new scheme is data only."""

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.rules import DEFAULT_RULES_DIR, RulesError, load_rules


def copy_rules(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, dst)
    return dst


def test_bundled_rules_have_unique_ids(rules):
    ids = [i for i, _ in rules.ids()]
    assert len(ids) == len(set(ids))
    assert set(rules.schemes) == {"birmingham", "stockton"}
    assert rules.scheme("birmingham").category(2).outcome == "achieved_late"


def test_bad_regex_is_reported_with_file(tmp_path):
    d = copy_rules(tmp_path)
    data = yaml.safe_load((d / "layout.yaml").read_text())
    data["rec_label"][0]["pattern"] = "^R(\\d"
    (d / "layout.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(RulesError, match=r"layout\.yaml: rec_label\.0\.pattern"):
        load_rules(d)


BAD_SCHEME = (
    "id: bad\nname: Bad\ncategories:\n"
    "  - {code: 1, label: A, outcome: achieved}\n  - {code: 1, label: B, outcome: achieved}\n"
)


@pytest.mark.parametrize("path,content,message", [
    ("schemes/bad.yaml", BAD_SCHEME, "bad.yaml.*duplicate category codes"),
    ("responsibility.yaml", "relations: [{id: rel.x, phrase: with, colour: red}]\n", "responsibility.yaml"),
    ("dates.yaml", None, "dates.yaml: rule file missing"),
], ids=["duplicate-code", "unknown-key", "missing-file"])
def test_invalid_rule_file_is_reported_with_file(tmp_path, path, content, message):
    d = copy_rules(tmp_path)
    if content is None:
        (d / path).unlink()
    else:
        (d / path).write_text(content)
    with pytest.raises(RulesError, match=message):
        load_rules(d)


def test_new_scheme_is_a_rules_file_only(tmp_path):
    """A council with its own categories: add a scheme file, ingest a PDF that uses it."""
    import pyarrow.dataset as ds

    from pdfgen import tracking_pdf
    from pipeline.ingest import ingest

    d = copy_rules(tmp_path)
    (d / "schemes" / "testshire.yaml").write_text(
        "id: testshire\nname: Testshire 1-3\ncategories:\n"
        "  - {code: 1, label: Implemented, outcome: achieved}\n"
        "  - {code: 2, label: Partially Implemented, outcome: in_progress, asks_anticipated_date: true}\n"
        "  - {code: 3, label: Rejected, outcome: not_achieved}\n"
    )
    pdf = tracking_pdf(
        tmp_path / "testshire.pdf",
        ["Report of: Director of Place", "To: Place Scrutiny Panel", "Date: 3rd March 2021"],
        ["1 Implemented", "2 Partially Implemented", "3 Rejected"],
        [{"label": "R1", "text": ["Install more bins."], "resp": ["Director of Place"],
          "target": ["Q3 2020/21"], "assess": ["Partially", "Implemented"],
          "evidence": ["Half are in. Anticipated completion date: June 2021."]}],
    )
    rules = load_rules(d)
    summary = ingest([pdf], tmp_path / "out", rules)
    assert summary.ok
    (row,) = ds.dataset(tmp_path / "out" / "recommendations").to_table().to_pylist()
    assert (row["category_scheme"], row["category_code"], row["category_label"]) == ("testshire", 2, "Partially Implemented")
    assert str(row["target_date"]) == "2020-12-31"
    assert str(row["anticipated_date"]) == "2021-06-30"
