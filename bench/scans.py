"""Scanned reports measured against gold: accuracy, warnings on wrong records, OCR seconds a page.

Builds scans of text PDFs (bench/synth.scan: image-only pages at a resolution, turned,
speckled, on grey paper) in recipes like those archives hold, ingests them with the bundled
rules and scores every record field by field against its gold YAML (the fields and
normalisation of the corpus evaluator). Prints, per recipe: field accuracy, records wrong,
the share of wrong records that carry a warning (the self-check's recall on scans), the
share of right records warned (noise) and OCR seconds per page.

usage: python bench/scans.py PDF_DIR GOLD_DIR [--recipe NAME ...] [--keep DIR]
       python bench/scans.py --score-only SCAN_DIR GOLD_DIR OUT_DIR   (scans made elsewhere)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.selfcheck import Figures, _rows  # noqa: E402
from bench.synth import scan  # noqa: E402
from pipeline.batch import ingest  # noqa: E402
from pipeline.rules import load_rules  # noqa: E402

# name: (layouts scanned, dpi, angle, paper grey, blur) -- as archives hold them: office
# scans at 200 dpi slightly turned, older ones at 150 dpi turned further, on grey paper.
# The -b recipes cross the layouts over, to check what was tuned on the first two.
RECIPES: dict[str, tuple[tuple[str, ...], int, float, int, float]] = {
    "200dpi": (("narrow", "boxed"), 200, 0.5, 245, 0.4),
    "150dpi-skewed": (("tracker", "plain"), 150, 1.2, 235, 0.5),
    "200dpi-b": (("tracker", "plain", "birmingham"), 200, 0.4, 240, 0.5),
    "150dpi-skewed-b": (("narrow", "boxed", "birmingham-large", "twoup"), 150, 1.4, 230, 0.6),
}


def make_scans(pdf_dir: Path, out: Path, recipe: str) -> list[Path]:
    """Scans of `pdf_dir`'s PDFs of the recipe's layouts, written to `out`."""
    layouts, dpi, angle, paper, blur = RECIPES[recipe]
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for k, pdf in enumerate(sorted(pdf_dir.glob("*.pdf"))):
        variant = pdf.stem.split("--")[-1]
        if variant in layouts:
            made.append(scan(pdf, out / f"{pdf.stem.split('--')[0]}--{variant}-{recipe}.pdf", dpi=dpi,
                             angle=angle * (1 if k % 2 else -1), seed=k, paper=paper, blur=blur, alternate=True))
    return made


# -- scoring (the corpus evaluator's fields and normalisation) ----------------------------

def _norm(s: object) -> str:
    import re

    text = re.sub(r"\s+", " ", "" if s is None else str(s).replace("\u00ad", "")).strip()
    text = re.sub(r"(\w)- (\w)", r"\1-\2", text)
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def _canon(s: object) -> str:
    return _norm(s).casefold().rstrip(".;:")


def _date(v: object) -> str | None:
    return None if v in (None, "") else str(v)[:10]


def _similar(a: object, b: object) -> bool:
    import difflib

    x, y = _norm(a), _norm(b)
    return x == y or difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() >= 0.97


def field_checks(g: dict, r: dict) -> dict[str, bool]:
    """Each scored field of record `r` against gold record `g`: right or not."""
    parts = [g.get("intro") or "", *(f"{a}) {b}" for a, b in g.get("sub_items", [])), g.get("outro") or ""]
    text = " ".join(p for p in parts if p)
    labels = [str(s.get("label")).strip("()") for s in (r.get("sub_items") or [])]
    return {
        "category_code": r.get("category_code") == g["category_code"],
        "target_dates": [_date(d) for d in r.get("target_dates") or []] == [_date(d) for d in g["target_dates"]],
        "completed_date": _date(r.get("completed_date")) == _date(g.get("completed_date")),
        "anticipated_date": _date(r.get("anticipated_date")) == _date(g.get("anticipated_date")),
        "responsible_lead": _canon(r.get("responsible_lead")) == _canon(g["responsible_lead"]),
        "responsible_partners": sorted(map(_canon, r.get("responsible_partners") or []))
        == sorted(map(_canon, g["responsible_partners"])),
        "sub_item_labels": labels == [a for a, _ in g.get("sub_items", [])],
        "recommendation": _similar(r.get("recommendation"), text),
        "evidence": _similar(r.get("evidence"), " ".join(p.removeprefix("## ") for p in g["evidence"])),
    }


@dataclass
class Score(Figures):
    """The self-check's figures (a record's own warnings only), with field accuracy and time."""

    fields: int = 0
    fields_right: int = 0
    pages: int = 0
    seconds: float = 0.0

    def line(self, name: str) -> str:
        def share(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "-"
        per_page = f"{self.seconds / self.pages:.2f}" if self.pages else "-"
        return (f"| {name} | {share(self.fields_right, self.fields)} | {self.wrong} | "
                f"{share(self.wrong_flagged, self.wrong)} | {self.right} | {share(self.right_warned, self.right)} | "
                f"{per_page} |")


def score(gold_dir: Path, out: Path) -> Score:
    """Field accuracy and record-level warnings of the datasets under `out` against gold:
    a record is wrong when any scored field is (a missing record: every field), and warned
    when it carries a warning of its own (a warned file does not count here)."""
    gold = {g["id"]: g for g in (yaml.safe_load(p.read_text()) for p in gold_dir.glob("*.yaml"))}
    recs = _rows(out, "recommendations")
    s = Score()
    for f in _rows(out, "files"):
        name = Path(f["source_file"]).name
        g = gold.get(name.split("--")[0])
        if g is None:
            continue
        s.pages += f["n_pages"] or 0
        s.seconds += f["seconds"] or 0.0
        mine = {r["rec_id"]: r for r in recs if Path(r["source_file"]).name == name}
        for gr in g["recommendations"]:
            r = mine.pop(gr["rec_id"], None)
            checks = field_checks(gr, r) if r is not None else dict.fromkeys(field_checks(gr, {}), False)
            s.fields += len(checks)
            s.fields_right += sum(checks.values())
            warned = bool(r and r.get("warnings"))
            if all(checks.values()):
                s.right += 1
                s.right_warned += warned
            else:
                s.wrong += 1
                s.wrong_flagged += warned
        for r in mine.values():  # spurious
            s.wrong += 1
            s.wrong_flagged += bool(r.get("warnings"))
    return s


HEAD = ("| scans | field accuracy | wrong records | warned | right records | warned (noise) | OCR s/page |\n"
        "|---|---:|---:|---:|---:|---:|---:|")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf_dir", type=Path)
    ap.add_argument("gold_dir", type=Path)
    ap.add_argument("out_dir", type=Path, nargs="?")
    ap.add_argument("--recipe", action="append", choices=sorted(RECIPES), help="default: all")
    ap.add_argument("--keep", type=Path, help="build the scans and datasets here (default: a temporary folder)")
    ap.add_argument("--score-only", action="store_true", help="PDF_DIR holds scans already ingested into OUT_DIR")
    a = ap.parse_args()
    print(HEAD)
    if a.score_only:
        print(score(a.gold_dir, a.out_dir).line(a.pdf_dir.name))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = a.keep or Path(tmp)
        for recipe in a.recipe or sorted(RECIPES):
            scans = make_scans(a.pdf_dir, work / recipe, recipe)
            out = work / f"out-{recipe}"
            t = time.perf_counter()
            ingest(scans, out, load_rules(), workers=2, force=True)
            s = score(a.gold_dir, out)
            print(s.line(f"{recipe} ({len(scans)} PDFs, {s.pages} pages, {time.perf_counter() - t:.0f} s)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
