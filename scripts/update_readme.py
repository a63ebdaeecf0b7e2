"""Write the data dictionary generated from pipeline/datasets/schema.py into README.md
(between the `data-dictionary` markers). tests/test_schema.py fails while they differ.

    python scripts/update_readme.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.datasets.schema import data_dictionary  # noqa: E402

START, END = "<!-- data-dictionary:start -->", "<!-- data-dictionary:end -->"


def main() -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text()
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: f"{START}\n{data_dictionary()}{END}", text,
                 flags=re.S)
    if START not in text:
        sys.exit(f"{readme}: no {START} marker")
    readme.write_text(new)
    print(f"{readme}: data dictionary {'updated' if new != text else 'already current'}")


if __name__ == "__main__":
    main()
