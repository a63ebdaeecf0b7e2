"""Text keys and clean-up shared by every stage: one place decides what "the same words" means.

`clean(text)` collapses whitespace; `join_lines(texts)` joins wrapped lines into
running text; `fold(text)` is the comparison key of a header, a
category label, a null value or a review title: casefolded, typographic apostrophes
straightened and possessives joined ("Officer’s" -> "officers"), "&" read as "and",
punctuation (except the characters in `keep`) as spaces, whitespace collapsed.
"""

from __future__ import annotations

import functools
import re

_WS = re.compile(r"\s+")


def clean(text: str) -> str:
    """`text` with runs of whitespace as one space, stripped."""
    return _WS.sub(" ", text).strip()


@functools.lru_cache(maxsize=64)
def _punct(keep: str) -> re.Pattern[str]:
    return re.compile(rf"[^\w\s{re.escape(keep)}]" if keep else r"[^\w\s]")


def fold(text: object, keep: str = "") -> str:
    """The comparison key of `text` ("" for None, NaN or any non-string)."""
    if not isinstance(text, str):
        return ""
    t = text.replace("’", "'").replace("‘", "'").casefold().replace("'s", "s").replace("&", " and ")
    return " ".join(_punct(keep).sub(" ", t).split())


_URL_TAIL = re.compile(r"(https?://|www\.)\S*/\S*$")
_URL_PART = re.compile(r"^[\w\-.~%+]*[/?=&#][\w\-./?=&#%~+]*$")


def join_lines(texts: list[str]) -> str:
    """Join wrapped lines into running text, keeping hyphenated words whole."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if not out:
            out = t
        elif len(out) >= 2 and out.endswith("-") and out[-2].isalpha():
            out += t
        elif _URL_TAIL.search(out) and not out.endswith((".", ",", ";", ")")) and (
                _URL_PART.match(t.split()[0]) or (out.endswith("/") and t[0].isalnum() and t[0].islower())):
            out += t  # a web address wrapped mid-way carries on without a space
        else:
            out += " " + t
    return out


_LABEL_NUMBER = re.compile(r"(\d+)")


def rec_number(label: str) -> int | None:
    """The integer of a record label (`R01` -> 1), or None."""
    m = _LABEL_NUMBER.search(label)
    return int(m.group(1)) if m else None
