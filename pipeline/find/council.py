"""Which council published a report: from its contact e-mail domain or a phrase.

Takes the pages and the cover fields; returns (council name, rule id) by the councils
of `rules/cover.yaml` (a rule that names the council always wins); else the name the
cover prints (`council.printed_heading`: a line that is the name alone;
`council.printed_phrase`: a "… Council" phrase agreeing with the e-mail domain); else a
name from an unknown `.gov.uk` domain; else (None, None).
"""

from __future__ import annotations

import re

from pipeline.models import CoverField, Page
from pipeline.rules import CouncilRule, Rules
from pipeline.text import fold
from pipeline.vocab import CoverName

_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


def find_council(pages: tuple[Page, ...] | list[Page], fields: dict[str, CoverField], rules: Rules) -> tuple[str | None, str | None]:
    """Return (council name, rule id) from the e-mail domain or a cover phrase."""
    text = " ".join(w.text for p in pages[:2] for w in p.words)
    domains = [m.group(1).lower() for m in _EMAIL.finditer(text)]
    if CoverName.CONTACT_EMAIL in fields:
        domains.insert(0, fields[CoverName.CONTACT_EMAIL].text.split("@")[-1].lower())
    council: CouncilRule
    for council in rules.cover.councils:
        if any(d == cd or d.endswith("." + cd) for d in domains for cd in council.domains):
            return council.name, council.id
    low = text.casefold()
    for council in rules.cover.councils:
        if any(p.casefold() in low for p in council.phrases):
            return council.name, council.id
    printed = printed_council(pages[:2], domains)
    if printed is not None:
        return printed
    for d in domains:
        if d.endswith(".gov.uk"):
            # Unknown council: name it after its domain rather than guess a full title.
            return d.removesuffix(".gov.uk").split(".")[-1].replace("-", " ").title(), "council.email_domain"
    return None, None


# A council's name as printed: capitalised words (and the small words of place names)
# ending in "Council" ("Westmarch District Council", "Royal Borough of Kingston upon Thames Council").
_NAME = re.compile(r"(?<![\w'’-])((?:[A-Z][\w'’.-]*)(?:[ \t-]+(?:[A-Z][\w'’.-]*|upon|on|in|under|le|of|and|the|&)){0,7}"
                   r"[ \t]+Council)\b")


def printed_council(pages: tuple[Page, ...] | list[Page], domains: list[str]) -> tuple[str, str] | None:
    """The council a cover names in print, for a council no rule names: a line that is a
    council's name alone (the cover's heading), else a "… Council" phrase whose first word
    is its e-mail domain's name ("Westmarch District Council", westmarch.gov.uk)."""
    stems = {d.removesuffix(".gov.uk").split(".")[-1].replace("-", " ") for d in domains if d.endswith(".gov.uk")}
    phrases: list[str] = []
    for page in pages:
        for ln in page.lines:
            text = " ".join(ln.text.split())
            m = _NAME.fullmatch(text)
            if m and len(text.split()) <= 8 and text.split()[0] not in ("The", "This", "That", "A"):
                return text, "council.printed_heading"
            phrases += [m.group(1) for m in _NAME.finditer(text)]
    for name in phrases:
        words = name.split()
        for k in range(len(words)):  # "In approving this Review the Westmarch District Council" -> from "Westmarch"
            if fold(" ".join(words[k:])).startswith(tuple(f"{stem} " for stem in stems)):
                return " ".join(words[k:]), "council.printed_phrase"
    return None

