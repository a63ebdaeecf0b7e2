"""Which council published a report: from its contact e-mail domain or a phrase.

Takes the pages and the cover fields; returns (council name, rule id) by the councils
of `rules/cover.yaml`, else a name from an unknown `.gov.uk` domain, else (None, None).
"""

from __future__ import annotations

import re

from pipeline.models import CoverField, Page
from pipeline.rules import CouncilRule, Rules
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
    for d in domains:
        if d.endswith(".gov.uk"):
            # Unknown council: name it after its domain rather than guess a full title.
            return d.removesuffix(".gov.uk").split(".")[-1].replace("-", " ").title(), "council.email_domain"
    return None, None
