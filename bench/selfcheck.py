"""Does the self-check catch wrong records? Two figures, measured against gold YAMLs.

- recall: of the records that come out wrong (missing, spurious, wrong category, or a
  field left empty that the report fills), the share that carry a warning or sit in a
  flagged file (status not `parsed`, or a record of it warned);
- noise: of the records that come out right, the share that carry a warning.

The bundled rules get every public record right, so the script also ingests the PDFs
with damaged copies of the rules (a column name, a record label, the appendix, a
category scheme or a relation phrase taken away): each damage makes records come out
wrong the way an unseen report would, and the figures say whether the warnings said so.

Scans: `--scans` builds scans of the PDFs (bench/scans.py: 200 dpi, and 150 dpi turned
further) and gives the same figures record by record (a record's own warnings only),
with field accuracy and OCR seconds a page.

usage: python bench/selfcheck.py PDF_DIR GOLD_DIR [--out DIR] [--no-damage] [--scans]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.batch import ingest  # noqa: E402
from pipeline.rules import DEFAULT_RULES_DIR, load_rules  # noqa: E402


@dataclass
class Figures:
    wrong: int = 0
    wrong_flagged: int = 0
    right: int = 0
    right_warned: int = 0

    def add(self, other: Figures) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def line(self, name: str) -> str:
        recall = f"{self.wrong_flagged / self.wrong:.3f}" if self.wrong else "-"
        noise = f"{self.right_warned / self.right:.3f}" if self.right else "-"
        return (f"| {name} | {self.wrong} | {self.wrong_flagged} | {recall} | {self.right} | "
                f"{self.right_warned} | {noise} |")


def _rows(out: Path, name: str) -> list[dict]:
    path = out / name
    if not any(path.glob("*.parquet")):
        return []
    return ds.dataset(path, format="parquet").to_table().to_pylist()


def _empty(v: object) -> bool:
    return v is None or v == "" or v == []


def is_wrong(g: dict, r: dict, scheme: str) -> bool:
    """A record is wrong when its category (code, or the scheme that gives it a meaning)
    differs or a field the report fills came out empty."""
    if r.get("category_code") != g["category_code"] or r.get("category_scheme") not in (None, scheme):
        return True
    filled = {"responsible_lead": g.get("responsible_lead"), "target_dates": g.get("target_dates"),
              "recommendation": g.get("intro") or g.get("sub_items"), "evidence": g.get("evidence")}
    return any(not _empty(v) and _empty(r.get(k)) for k, v in filled.items())


def figures(gold_dir: Path, out: Path) -> Figures:
    """The self-check figures of the datasets under `out` against the gold YAMLs in `gold_dir`."""
    gold = {g["id"]: g for g in (yaml.safe_load(p.read_text()) for p in gold_dir.glob("*.yaml"))}
    recs = _rows(out, "recommendations")
    files = {Path(f["source_file"]).name: f for f in _rows(out, "files")}
    fig = Figures()
    for name, f in files.items():
        g = gold.get(name.split("--")[0])
        if g is None:
            continue
        mine = {r["rec_id"]: r for r in recs if Path(r["source_file"]).name == name}
        flagged_file = f["status"] != "parsed" or any(r.get("warnings") for r in mine.values())
        for gr in g["recommendations"]:
            r = mine.pop(gr["rec_id"], None)
            warned = bool(r and r.get("warnings"))
            if r is None or is_wrong(gr, r, g["scheme"]):
                fig.wrong += 1
                fig.wrong_flagged += warned or flagged_file
            else:
                fig.right += 1
                fig.right_warned += warned
        for r in mine.values():  # spurious records
            fig.wrong += 1
            fig.wrong_flagged += bool(r.get("warnings")) or flagged_file
    return fig


# -- damaged rules ----------------------------------------------------------------------
def _edit(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / name
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return apply


def _drop_synonyms(field: str, *words: str) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        for col in d["columns"]:
            if col["field"] == field:
                col["synonyms"] = [s for s in col["synonyms"] if not any(w in s.lower() for w in words)] or ["zzz"]
    return change


def _drop_scheme_phrases(root: Path) -> None:
    """No appendix recognised, no council default, no labels: the scheme stays unknown."""
    _edit("cover.yaml", lambda d: [c.pop("scheme", None) for c in d["councils"]])(root)
    for path in (root / "schemes").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        for cat in data["categories"]:
            cat["label"] = f"Category {cat['code']} of {data['id']}"
            cat["synonyms"] = []
        path.write_text(yaml.safe_dump(data, allow_unicode=True))


def _merge_stockton_into_birmingham(root: Path) -> None:
    """Only the Birmingham scheme: Stockton's assessments are read with the wrong codes' labels."""
    (root / "schemes" / "stockton.yaml").unlink()
    _edit("cover.yaml", lambda d: [c.update(scheme="birmingham") for c in d["councils"]])(root)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "no 'responsib…' column name": _edit("columns.yaml", _drop_synonyms("responsibility", "responsib")),
    "no 'assessment' column name": _edit("columns.yaml", _drop_synonyms("assessment", "assess")),
    "no 'target'/'date' column name": _edit("columns.yaml", _drop_synonyms("target", "target", "date", "timescale")),
    "no evidence column or row": lambda root: (
        _edit("columns.yaml", _drop_synonyms("evidence", "evidence", "progress", "update", "comment"))(root),
        _edit("columns.yaml", lambda d: d.update(evidence_row=[{"id": "evrow.none", "pattern": "^zzz$"}]))(root)),
    "no R-number record label": _edit("layout.yaml", lambda d: d.update(
        rec_label=[r for r in d["rec_label"] if r["id"] != "label.r_number"])),
    "no scheme can be decided": _drop_scheme_phrases,
    "Stockton read as Birmingham": _merge_stockton_into_birmingham,
}


def run(pdf_dir: Path, gold_dir: Path, work: Path, damage: bool = True) -> list[tuple[str, Figures]]:
    """Ingest `pdf_dir` with the bundled rules (and each damaged copy); figures per run."""
    runs: list[tuple[str, Figures]] = []
    for name, change in [("bundled rules", None), *(DAMAGE.items() if damage else [])]:
        rules_dir = work / f"rules-{len(runs)}"
        shutil.copytree(DEFAULT_RULES_DIR, rules_dir)
        if change is not None:
            change(rules_dir)
        out = work / f"out-{len(runs)}"
        ingest([pdf_dir], out, load_rules(rules_dir), rules_dir=str(rules_dir), workers=2)
        runs.append((name, figures(gold_dir, out)))
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf_dir", type=Path)
    ap.add_argument("gold_dir", type=Path)
    ap.add_argument("--no-damage", action="store_true", help="only the bundled rules")
    ap.add_argument("--scans", action="store_true", help="scans of the PDFs instead (bench/scans.py)")
    a = ap.parse_args()
    if a.scans:
        from bench import scans

        sys.argv = [sys.argv[0], str(a.pdf_dir), str(a.gold_dir)]
        return scans.main()
    with tempfile.TemporaryDirectory() as tmp:
        runs = run(a.pdf_dir, a.gold_dir, Path(tmp), damage=not a.no_damage)
    total = Figures()
    print("| rules | wrong records | flagged | recall | right records | warned | noise |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, fig in runs:
        total.add(fig)
        print(fig.line(name))
    print(total.line("all runs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
