"""Compare OCR engines on the public scans: seconds per page and how many of the gold's
words each engine reads (the words of every recommendation and evidence cell).

Engines: Tesseract (Debian's tesseract-ocr, through pytesseract, as the pipeline runs it:
300 dpi, deskewed, rulings removed, psm 6, one thread) and RapidOCR (pip install
rapidocr-onnxruntime: PP-OCR models shipped inside the package). An engine that is not
installed is reported as such.

    python bench/ocr_engines.py ../shared/corpus/public [--pack /tmp/pack]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.read.ocr import render  # noqa: E402
from pipeline.read.scan import clean  # noqa: E402
from pipeline.rules import load_rules  # noqa: E402


def words(text: str) -> Counter[str]:
    return Counter(w for w in (re.sub(r"[^\w£%/-]", "", t).casefold() for t in text.split()) if w)


def gold_words(gold: dict) -> Counter[str]:
    out: Counter[str] = Counter()
    for r in gold["recommendations"]:
        out += words(" ".join([r.get("intro") or "", *(t for _, t in r.get("sub_items", [])), r.get("outro") or "",
                               *(p.removeprefix("## ") for p in r["evidence"])]))
    return out


def tesseract(path: Path, n: int) -> str:
    import pytesseract

    settings = load_rules().layout.settings
    from PIL import Image

    page = clean(render(path, n, 300), 300, settings)
    return str(pytesseract.image_to_string(Image.fromarray(page.image), lang="eng", config="--psm 6"))


def rapidocr(path: Path, n: int) -> str:
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    engine = getattr(rapidocr, "engine", None) or RapidOCR()
    rapidocr.engine = engine  # type: ignore[attr-defined]
    result, _ = engine(np.asarray(render(path, n, 200).convert("RGB")))
    return "\n".join(text for _, text, _ in (result or []))


def pack_screening(work: Path) -> None:
    """A 40-page scanned agenda pack with a report inside: the cheap screening OCR picks
    the report's pages, then only those are read in full; against reading every page."""
    import random

    from bench.synth import scan, write_pack
    from pipeline.extract import extract_file

    rules = load_rules()
    work.mkdir(parents=True, exist_ok=True)
    truth = write_pack(work / "pack.pdf", random.Random(7), n_pages=40, report_pages=5, layout="rows")
    pack = scan(work / "pack.pdf", work / "pack-scanned.pdf")
    print("\n| scanned pack, 40 pages | seconds | pages OCR'd in full | records right |")
    print("|---|---|---|---|")
    for label, all_pages in (("screened (--ocr auto)", False), ("every page (--all-pages)", True)):
        started = time.perf_counter()
        x = extract_file(pack, rules, all_pages=all_pages)
        seconds = time.perf_counter() - started
        right = sum((r.rec_id, r.category_code) == (t["rec_id"], t["category_code"])
                    for r, t in zip(x.recommendations, truth.recommendations))
        ocrd = re.search(r"(\d+) page\(s\) OCR'd", x.message)
        print(f"| {label} | {seconds:.1f} | {ocrd.group(1) if ocrd else 0} | {right}/{len(truth.recommendations)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--pack", type=Path, default=None, help="also time the screening of a scanned pack, working here")
    args = ap.parse_args()
    if args.pack:
        pack_screening(args.pack)
    import pypdfium2 as pdfium

    scans = sorted(args.corpus.glob("*--scanned.pdf"))
    if not scans:
        sys.exit(f"no *--scanned.pdf under {args.corpus}")
    print("| engine | pages | seconds per page | gold words read |")
    print("|---|---|---|---|")
    for name, engine in (("Tesseract 5 (pytesseract)", tesseract), ("RapidOCR (onnxruntime, PP-OCR)", rapidocr)):
        try:
            pages, seconds, found, total = 0, 0.0, 0, 0
            for pdf in scans:
                gold = gold_words(yaml.safe_load((pdf.parent / f"{pdf.name.split('--')[0]}.yaml").read_text()))
                n = len(pdfium.PdfDocument(str(pdf)))
                started = time.perf_counter()
                text = "\n".join(engine(pdf, k) for k in range(1, n + 1))
                seconds += time.perf_counter() - started
                pages += n
                found += sum((gold & words(text)).values())
                total += sum(gold.values())
            print(f"| {name} | {pages} | {seconds / pages:.1f} | {found}/{total} ({found / total:.1%}) |")
        except ImportError as exc:
            print(f"| {name} | - | not installed ({exc.name}) | - |")


if __name__ == "__main__":
    main()
