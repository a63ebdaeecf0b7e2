"""Each dataset defined once: row classes, the Arrow schemas and Parquet metadata derived
from them, the README's dictionary and the stage records in agreement."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.datasets.schema import ROWS, FileRow, RecommendationRow, arrow_type, columns, data_dictionary, schemas, to_table
from pipeline.models import Extraction, Recommendation, Report

README = Path(__file__).resolve().parents[1] / "README.md"


def test_schemas_are_derived_from_the_row_classes():
    for name, row in ROWS.items():
        fields = dataclasses.fields(row)
        assert schemas()[name].names == [f.name for f in fields] == list(columns(name))
        for f in fields:
            arrow = schemas()[name].field(f.name)
            assert arrow.type == arrow_type(f.metadata["arrow"]) and arrow.metadata[b"description"] == f.metadata["doc"].encode()
    assert str(schemas()["recommendations"].field("target_dates").type) == "list<item: date32[day]>"
    assert not schemas()["files"].field("status").nullable


def test_written_parts_carry_the_descriptions(public_out):
    schema = pq.read_schema(next((public_out / "recommendations").glob("*.parquet")))
    assert schema.field("achieved_late").metadata[b"description"].startswith(b"outcome is achieved late")
    assert schema.field("rec_id").metadata[b"description"] == b"printed label without whitespace (`R 01` -> `R01`)"


def test_readme_data_dictionary_is_the_generated_one():
    text = README.read_text()
    m = re.search(r"<!-- data-dictionary:start -->\n(.*?)<!-- data-dictionary:end -->", text, re.S)
    assert m is not None, "README.md lost its data-dictionary markers"
    assert m.group(1) == data_dictionary(), "run: python scripts/update_readme.py"
    for name in ROWS:
        for column in columns(name):
            assert f"| `{column}` |" in m.group(1)


def test_every_record_field_is_a_column_of_its_dataset():
    # The writer fills rows by name from these records: a field no column takes is lost.
    recs = {f.name for f in dataclasses.fields(Recommendation)}
    assert recs <= set(columns("recommendations"))
    reports = {f.name for f in dataclasses.fields(Report)} - {"scheme_rule"}  # filed in `provenance`
    assert reports <= set(columns("reports"))
    files = {f.name for f in dataclasses.fields(Extraction)} - {"reports", "unlabelled", "n_bytes", "detail"}  # detail: inspect's, never written
    assert files <= set(columns("files"))


def test_a_misspelt_column_is_an_error_not_a_null():
    good = {f.name: None for f in dataclasses.fields(FileRow)}
    with pytest.raises(TypeError, match="unexpected keyword argument 'statuss'"):
        FileRow(**{**good, "statuss": "parsed"})
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'status'"):
        FileRow(**{k: v for k, v in good.items() if k != "status"})


def test_to_table_uses_the_schema():
    row = RecommendationRow(**{f.name: None for f in dataclasses.fields(RecommendationRow)})
    table = to_table("recommendations", [dataclasses.replace(row, report_id="r", source_file="s", rec_id="R01",
                                                             category_code=2)])
    assert table.schema == schemas()["recommendations"] and table.column("category_code").to_pylist() == [2]


def test_provenance_names_columns(public_out):
    con = duckdb.connect()
    for name in ("recommendations", "reports"):
        named = {r[0] for r in con.execute(
            f"select distinct unnest(provenance).field from read_parquet('{public_out}/{name}/*.parquet')").fetchall()}
        assert named and named <= set(columns(name)), (name, named - set(columns(name)))
    # The anticipated date has its own entry, no longer filed under "evidence".
    rec_fields = {r[0] for r in con.execute(
        f"select distinct unnest(provenance).field from read_parquet('{public_out}/recommendations/*.parquet') "
        "where anticipated_date is not null").fetchall()}
    assert "anticipated_date" in rec_fields
