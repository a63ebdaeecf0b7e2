"""The rules loader: validation errors name the file, and a new scheme is data only."""

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.rules import DEFAULT_RULES_DIR, RulesError, load_rules
from pipeline.vocab import CellField, CoverName, Outcome


def copy_rules(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, dst)
    return dst


def test_bundled_rules_load_with_their_vocabularies(rules):
    assert set(rules.schemes) == {"birmingham", "stockton"}
    assert rules.scheme("birmingham").category(2).outcome is Outcome.ACHIEVED_LATE
    assert {c.field for c in rules.columns.columns} == set(CellField) - {CellField.OTHER}
    assert rules.cover.fields[0].field is CoverName.REPORT_OF


def test_a_rule_id_used_twice_is_reported(tmp_path):
    d = copy_rules(tmp_path)
    data = yaml.safe_load((d / "layout.yaml").read_text())
    data["rec_label"][1]["id"] = "col.number"  # already the id of a columns.yaml rule
    (d / "layout.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(RulesError, match="duplicate rule ids: col.number"):
        load_rules(d)


@pytest.mark.parametrize("file,key,value,message", [
    ("columns.yaml", ("columns", 0, "field"), "reference", "columns.yaml: columns.0.field"),
    ("cover.yaml", ("fields", 0, "field"), "reporter", "cover.yaml: fields.0.field"),
    ("schemes/birmingham.yaml", ("categories", 0, "outcome"), "done", "birmingham.yaml: categories.0.outcome"),
], ids=["cell-field", "cover-field", "outcome"])
def test_a_value_outside_its_vocabulary_is_reported(tmp_path, file, key, value, message):
    d = copy_rules(tmp_path)
    data = yaml.safe_load((d / file).read_text())
    node = data
    for k in key[:-1]:
        node = node[k]
    node[key[-1]] = value
    (d / file).write_text(yaml.safe_dump(data))
    with pytest.raises(RulesError, match=message):
        load_rules(d)


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
    from pipeline.batch import ingest

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


def test_wheel_ships_the_rules(tmp_path):
    """Bug: the wheel held no rules/, so a plain `pip install` (or a Dask worker set up as
    the README says) could not load them."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    from pipeline.rules import load_rules

    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp_path / "site")
    shipped = tmp_path / "site" / "pipeline" / "bundled_rules"
    expected = sorted(p.relative_to(root / "rules").as_posix() for p in (root / "rules").rglob("*.yaml"))
    assert sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*.yaml")) == expected
    assert sorted(load_rules(shipped).schemes) == sorted(load_rules().schemes)
    # Installed (no top-level rules/ beside the package), the package finds them itself.
    probe = "import pipeline.rules as r; print(r.DEFAULT_RULES_DIR)"
    found = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site")},
                           capture_output=True, text=True, check=True)
    assert found.stdout.strip() == str(shipped.resolve())


def test_a_pattern_that_repeats_a_repetition_is_refused(tmp_path):
    """Bug (issue #20): `^(\\w+\\s?)+$` passed `rules check` and then timed out every file."""
    d = copy_rules(tmp_path)
    data = yaml.safe_load((d / "layout.yaml").read_text())
    data["section_end"][0]["pattern"] = r"^(\w+\s?)+$"
    (d / "layout.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(RulesError, match=r"layout.yaml: section_end.0.pattern: .*repeats a repetition without bound"):
        load_rules(d)


@pytest.mark.parametrize("pattern, nested", [(r"^(\w+\s?)+$", True), (r"(a*)*", True), (r"(?:x+|y)+z", True),
                                             (r"^R\s?(\d{1,3})[.:]?$", False), (r"(a+){2,5}", False),
                                             (r"(?:\s+(?:of\s+)?\w+)?", False)])
def test_nested_repeats_are_found_in_the_parsed_pattern(pattern, nested):
    from pipeline.rules import nested_repeat

    assert nested_repeat(pattern) is nested


def test_a_rules_file_that_is_not_utf8_or_not_a_file_is_one_line(tmp_path):
    """Bug (issue #20): a non-UTF-8 rules file or a folder named `*.yaml` was a traceback."""
    d = copy_rules(tmp_path)
    (d / "prefilter.yaml").write_bytes(b"min_pages: 24\n# caf\xe9\n")
    with pytest.raises(RulesError, match=r"prefilter.yaml: not UTF-8 text \(byte 19"):
        load_rules(d)
    d2 = copy_rules(tmp_path / "two")
    (d2 / "schemes" / "extra.yaml").mkdir()
    with pytest.raises(RulesError, match="extra.yaml: a folder, not a rule file"):
        load_rules(d2)
