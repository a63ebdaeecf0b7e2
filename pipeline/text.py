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


@functools.lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    from spellchecker import SpellChecker  # an English word list shipped inside the package

    return frozenset(SpellChecker().word_frequency.keys())


_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def strip_punct(word: str) -> str:
    """`word` without the punctuation at its ends ("(FIIB)." -> "FIIB")."""
    return _EDGE_PUNCT.sub("", word)


def is_english(word: str) -> bool:
    """Whether `word` (its end punctuation aside, any case) is in an English word list."""
    return strip_punct(word).casefold() in _english()


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


# C0 and C1 control characters but tab and newline: never part of a document's words.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without control characters (NUL, ESC, BEL, …; tab and newline kept): applied
    where text enters the pipeline (a PDF's words), so stored text never carries them."""
    return _CONTROL.sub("", text)


def escape_controls(text: str) -> str:
    """`text` for a terminal: each control character (but tab and newline) shown as `\\xNN`,
    so a file name or stored text can never send an escape sequence."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SIGNED_NUMBER = re.compile(r"^[+-]?\d[\d,.]*\s?(%|pts)?$")  # "+50.0 pts", "-3": a number, not a formula


def cell_safe(value: object) -> object:
    """A value for a spreadsheet or CSV cell: text that a spreadsheet would run as a formula
    (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`) gets a leading apostrophe, so it stays readable
    text; control characters are dropped; other values pass unchanged."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if _FORMULA_START.match(text) and not _SIGNED_NUMBER.match(text) else text
