"""How often do generated reports in random typesettings come out exactly right?

Draws `N` reports with `tests/pdfgen.random_report` (tracker, rows with an evidence row and
key/value layouts; Helvetica, Times and Courier at 7-12 pt; the wordings councils use;
random column widths, so that narrow cells break words mid-word; ruled or not; tables
starting anywhere on the page, so that header rows and records break over pages) and
checks every record against the truth it was drawn from. Prints each failing seed and
the share of reports right. A seed that fails is a test case: add it to
tests/test_generated.py once fixed.

usage: python bench/sweep.py [N] [FIRST_SEED]
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pdfgen import check, random_report  # noqa: E402
from pipeline.extract import extract_file  # noqa: E402
from pipeline.rules import load_rules  # noqa: E402


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rules = load_rules()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, first + n):
            path = Path(tmp) / f"{seed}.pdf"
            recs, truth, desc = random_report(path, seed)
            got = tuple(dataclasses.replace(r, warnings=tuple(w for w in r.warnings if not w.startswith("scheme_unconfirmed")))
                        for r in extract_file(path, rules).recommendations)
            try:
                check(got, truth, recs)
            except AssertionError as exc:
                failed += 1
                print(f"FAIL {desc}: {str(exc).splitlines()[0] if str(exc) else 'records ' + str([r.rec_id for r in got])}")
    print(f"{n - failed} of {n} generated reports exactly right ({(n - failed) / n:.1%}), seeds {first}-{first + n - 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
