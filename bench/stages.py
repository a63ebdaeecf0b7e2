"""Where the seconds of an ingest go, stage by stage, in one process (no profiler overhead:
each stage's entry point is wrapped with a clock).

Runs in the checkout given as ROOT (default: this one), so that two checkouts can be
profiled on the same files (`git worktree add /tmp/base <commit>`):

    python bench/stages.py FOLDER [FOLDER ...] [--root /tmp/base] [--json]

Stages: start-up (imports of the batch and of the stages, rules, spaCy), hashing, the cheap
pre-filter screen, reading (characters, words, lines; OCR of scans), finding reports and
blocks, fields (cover, council, scheme, normalising, self-check), writing the Parquet parts,
and the history. `other` is what no stage accounts for (planning, the progress callback).
Prints a markdown table (or JSON) of seconds and shares.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

# (stage, module, attribute) wrapped with a clock: each is looked up by its caller at call
# time, so wrapping the attribute of the module that calls it catches every call.
HOOKS = [
    ("hashing", "pipeline.batch", "file_sha256"),
    ("pre-filter screen", "pipeline.extract", "choose_pages"),
    ("read", "pipeline.extract", "read_document"),
    ("find reports and blocks", "pipeline.extract", "split_reports"),
    ("find reports and blocks", "pipeline.extract", "find_blocks"),
    ("fields", "pipeline.extract", "_report"),
    ("write", "pipeline.datasets.write.Writer", "write"),
    ("history", "pipeline.batch", "current_history"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(a.root.resolve()))
    seconds: dict[str, float] = defaultdict(float)

    started = time.perf_counter()
    import importlib

    from pipeline.batch import ingest
    from pipeline.rules import load_rules

    importlib.import_module("pipeline.extract")
    rules = load_rules()
    from pipeline.fields.nlp import build_nlp

    build_nlp(rules)  # what a worker does before its first file
    seconds["start-up"] = time.perf_counter() - started

    def clocked(stage: str, fn):  # type: ignore[no-untyped-def]
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[stage] += time.perf_counter() - t
        return run

    for stage, module, attr in HOOKS:
        # A method (".Writer") is wrapped on its class.
        owner: object = importlib.import_module(module.rsplit(".", 1)[0]).Writer if module.endswith(".Writer") \
            else importlib.import_module(module)
        setattr(owner, attr, clocked(stage, getattr(owner, attr)))

    out = Path(tempfile.mkdtemp(prefix="scrutiny-profile-"))
    t = time.perf_counter()
    summary = ingest([f.resolve() for f in a.folders], out / "out", rules, workers=1)
    total = time.perf_counter() - t + seconds["start-up"]
    shutil.rmtree(out, ignore_errors=True)
    # The wrapped stages nest in none of the others, but `read` holds OCR and `fields` holds
    # no finding: each second is counted once.
    seconds["other"] = total - sum(seconds.values())
    files = sum(summary.statuses.values())
    if a.json:
        print(json.dumps({"total": total, "files": files, "stages": seconds}))
        return
    print(f"{files} files, {total:.2f} s in all ({a.root})")
    print("| stage | seconds | share |")
    print("|---|---|---|")
    for stage in dict.fromkeys(["start-up", *(s for s, _, _ in HOOKS), "other"]):
        print(f"| {stage} | {seconds[stage]:.2f} | {seconds[stage] / total:.0%} |")


if __name__ == "__main__":
    main()
