"""notebooks/late_recommendations.ipynb runs top to bottom over the public fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from conftest import gold_latest

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "late_recommendations.ipynb"


def test_notebook_executes_with_a_chart_per_question(public_out, tmp_path, monkeypatch):
    """The notebook answers its questions with the counts derived from gold, one chart each.
    It runs two folders down a project whose data/processed holds the data, without
    SCRUTINY_DATA: it finds the datasets from any working directory (issue #13)."""
    monkeypatch.delenv("SCRUTINY_DATA", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "processed").symlink_to(public_out, target_is_directory=True)
    deep = tmp_path / "notebooks" / "drafts"
    deep.mkdir(parents=True)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    latest, _ = gold_latest()
    outcomes = [o for o, _ in latest.values()]
    in_2016_17 = [o for o, _ in gold_latest(until=dt.date(2017, 4, 30), since=dt.date(2016, 5, 1))[0].values()]
    # Checks appended to the researcher's notebook: its answers equal counts derived from gold.
    nb.cells.append(nbformat.v4.new_code_cell(
        f"assert str(DATA.resolve()) == {str(public_out.resolve())!r}, DATA\n"
        f"assert int(late.set_index('municipal-year').loc['All', 'recommendations']) == {len(outcomes)}\n"
        f"assert int(late.set_index('municipal-year').loc['All', 'achieved_late']) == {outcomes.count('achieved_late')}\n"
        f"assert int(late.set_index('municipal-year').loc['2016/17', 'recommendations']) == {len(in_2016_17)}\n"
        f"assert int(slip['not_achieved'].sum()) == {outcomes.count('not_achieved')}\n"
        f"assert len(took) == {sum(o.startswith('achieved') for o in outcomes)}"))
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(deep)}}).execute()
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert len(images) == 3  # execute() raised on any error, the appended checks included
