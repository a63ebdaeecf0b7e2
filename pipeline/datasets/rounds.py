"""Rounds stage: which copy of each tracking round counts (OUT/rounds, the counting rule).

A round is what one report prints of one review: its records under one `review_key`.
The same round reaches an archive several times: a report alone and again inside the
meeting's agenda pack, or a review's update restated in a quarterly tracker over several
reviews. Those copies count once. This module is the one place that decides it; the
views' `canonical` column, the history, the flags, `stats` and the report all read it.

Copies of a round (same council and `review_key`):
- rounds of reports with the same report date;
- a round of a tracker (a report whose records name reviews other than its own) whose every record
  (label, category, evidence) another round prints word for word: the tracker restates it.

The copy that counts (`canonical`; README: Reports, reviews and the counting rule), first by: a report about this review before a
tracker; more of the review's records; a file holding fewer reports (the report alone
before its agenda-pack copy); the file's path; the report's place in the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.datasets.schema import RoundRow
from pipeline.text import fold

# A round's identity, and the order in which its copies are preferred (see the module doc).
ROUND_KEY = ("council", "review_key")


def _raw_rounds(data: Path) -> list[dict]:
    """One dict per (report, review) with its report's facts and its records' fingerprints."""
    from pipeline.datasets.views import connect, has_parts

    if not has_parts(data, "recommendations"):
        return []
    con = connect(data)
    cur = con.execute("""
        select r.report_id, r.review_key, any_value(r.review_title) as review_title, p.council, p.report_date,
               p.source_file, p.report_no, p.review_key <> r.review_key as tracker,
               count(*) as n, (select count(*) from _reports q where q.file_sha256 = p.file_sha256) as n_in_file,
               list(struct_pack(rec_id := r.rec_id, code := r.category_code, evidence := r.evidence)) as recs
        from _recommendations r join _reports p using (report_id)
        group by r.report_id, r.review_key, p.council, p.report_date, p.source_file, p.report_no, p.review_key, p.file_sha256
    """)
    names = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        row["prints"] = frozenset((x["rec_id"], x["code"], fold(x["evidence"])) for x in row.pop("recs"))
        out.append(row)
    return out


def _preference(r: dict) -> tuple:
    return (r["tracker"], -r["n"], r["n_in_file"], r["source_file"], r["report_no"])


def _copies(a: dict, b: dict) -> bool:
    """Whether rounds `a` and `b` (of one review) are copies of one round."""
    if a["report_date"] is not None and a["report_date"] == b["report_date"]:
        return True
    # A tracker restating another round word for word.
    return (a["tracker"] and a["prints"] <= b["prints"]) or (b["tracker"] and b["prints"] <= a["prints"])


def _roots(members: list[dict]) -> list[int]:
    """For each round (sorted by preference), the index of the copy that counts for it: the
    root of the first more preferred round it is a copy of, else itself."""
    roots: list[int] = []
    for i, r in enumerate(members):
        roots.append(next((roots[j] for j in range(i) if _copies(members[j], r)), i))
    return roots


def round_rows(data: str | Path) -> list[RoundRow]:
    """Every round of every report under `data`, each marked with the copy that counts."""
    raw = _raw_rounds(Path(data).resolve())
    groups: dict[tuple, list[dict]] = {}
    for r in raw:
        groups.setdefault(tuple(r[k] for k in ROUND_KEY), []).append(r)
    out: list[RoundRow] = []
    for members in groups.values():
        members.sort(key=_preference)
        roots = _roots(members)
        for i, r in enumerate(members):
            best = members[roots[i]]
            out.append(RoundRow(report_id=r["report_id"], review_key=r["review_key"], council=r["council"],
                                review_title=r["review_title"], report_date=r["report_date"], source_file=r["source_file"],
                                n_recommendations=r["n"], canonical=roots[i] == i, round_of=best["report_id"],
                                round_date=best["report_date"]))
    return sorted(out, key=lambda r: (r.council or "", r.review_key, r.round_date or r.report_date or dt.date.max, r.report_id))


