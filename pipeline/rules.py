"""Load and validate the rule files of `rules/` (one loader for all of them).

Rules are data: column header synonyms, layout patterns, date patterns, relation
phrases, cover-page labels, councils and category schemes.  Every rule has a stable
id, which the pipeline stores with the field it produced.  `load_rules()` raises
`RulesError` with the file and the reason when a rule file is invalid.
"""

from __future__ import annotations

import functools
import re
import re._constants as _sre  # the parsed-pattern vocabulary, to check rules for nested repeats
import re._parser as _parser
from collections import Counter
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.settings import Settings
from pipeline.vocab import CellField, CoverName, FlagCheck, Outcome


def _bundled_rules_dir() -> Path:
    """The rules of a checkout (top-level rules/), or those shipped inside the installed package."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "rules"
    return checkout if (checkout / "columns.yaml").is_file() else here / "bundled_rules"


DEFAULT_RULES_DIR = _bundled_rules_dir()
MONTH_ALTERNATION = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)


class RulesError(ValueError):
    """A rule file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _unbounded(tree: object) -> bool:
    """Whether a parsed pattern (re._parser) repeats something without bound (`+`, `*`, `{n,}`)."""
    for op, av in tree:  # type: ignore[attr-defined]
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            if av[1] == _sre.MAXREPEAT or _unbounded(av[2]):
                return True
        elif any(_unbounded(sub) for sub in _subpatterns(op, av)):
            return True
    return False


def _subpatterns(op: object, av: object) -> list:
    """The sub-patterns of one parsed node: groups, alternatives, look-arounds."""
    if op == _sre.SUBPATTERN:
        return [av[3]]  # type: ignore[index]
    if op == _sre.BRANCH:
        return list(av[1])  # type: ignore[index]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [av[1]]  # type: ignore[index]
    if op == _sre.ATOMIC_GROUP:
        return [av]
    return []


def nested_repeat(pattern: str) -> bool:
    r"""Whether `pattern` repeats without bound something that itself repeats without bound
    (`(\w+\s?)+`, `(a*)*`): catastrophic backtracking on a long line that does not match."""
    def walk(tree: object) -> bool:
        for op, av in tree:  # type: ignore[attr-defined]
            if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[1] == _sre.MAXREPEAT and _unbounded(av[2]):
                return True
            inner = av[2] if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) else None
            if (inner is not None and walk(inner)) or any(walk(sub) for sub in _subpatterns(op, av)):
                return True
        return False

    return walk(_parser.parse(pattern))


def _check_regex(value: str) -> str:
    try:
        re.compile(value.replace("{MONTH}", MONTH_ALTERNATION))
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
    if nested_repeat(value.replace("{MONTH}", "month")):
        raise ValueError(f"regular expression {value!r} repeats a repetition without bound (like `(\\w+\\s?)+`): "
                         "it can take for ever on a long line; bound the inner or outer repeat")
    return value


class PatternRule(_Strict):
    id: str
    pattern: str
    _v = field_validator("pattern")(_check_regex)

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern.replace("{MONTH}", MONTH_ALTERNATION), re.IGNORECASE)


class ColumnRule(_Strict):
    id: str
    field: CellField
    synonyms: list[str] = Field(min_length=1)


class ColumnRules(_Strict):
    min_columns: int = Field(ge=2)
    columns: list[ColumnRule]
    # Small words a header cell may hold between column-name words ("Target Date *for* Completion").
    connectors: list[str] = []
    evidence_row: list[PatternRule]


class LayoutRules(_Strict):
    rec_label: list[PatternRule] = Field(min_length=1)
    sub_item: list[PatternRule]
    section_end: list[PatternRule]
    furniture: list[PatternRule]
    settings: Settings = Settings()

    @model_validator(mode="before")
    @classmethod
    def _tunables_into_settings(cls, data: object) -> object:
        # Older rules folders set these three at the top level: they are tunables, whose
        # one home is `settings` now; a value given in both places is ambiguous.
        if isinstance(data, dict) and (moved := {k: data[k] for k in _MOVED_TO_SETTINGS if k in data}):
            given = dict(data.get("settings") or {})
            if clash := sorted(set(moved) & set(given)):
                raise ValueError(f"{', '.join(clash)} given at the top level and under settings: keep the one under settings")
            data = {k: v for k, v in data.items() if k not in moved} | {"settings": given | moved}
        return data


_MOVED_TO_SETTINGS = ("repeated_line_min_share", "repeated_line_min_pages", "heading_size_ratio")


class DatePattern(PatternRule):
    kind: Literal["day", "month", "season", "fy", "fy_quarter", "quarter", "year"]


class DateRules(_Strict):
    patterns: list[DatePattern] = Field(min_length=1)
    seasons: dict[str, tuple[int, int]]
    null_values: list[str]
    completed_markers: list[str]
    anticipated_markers: list[PatternRule]


class RelationRule(_Strict):
    id: str
    phrase: str = Field(min_length=2)


class ResponsibilityRules(_Strict):
    relations: list[RelationRule] = Field(min_length=1)
    strip_leading: list[str] = []


class CoverFieldRule(_Strict):
    id: str
    field: CoverName
    labels: list[str] = Field(min_length=1)


class CouncilRule(_Strict):
    id: str
    name: str
    domains: list[str] = []
    phrases: list[str] = []
    scheme: str | None = None  # the council's usual category scheme (id of a rules/schemes file)


class CoverRules(_Strict):
    fields: list[CoverFieldRule]
    councils: list[CouncilRule] = []


class OutcomeRule(_Strict):
    id: str
    outcome: Outcome
    phrases: list[str] = Field(min_length=1)


class KeyRules(_Strict):
    """How a report's printed key to its categories is found and read (rules/keys.yaml)."""

    headers: list[PatternRule] = Field(min_length=1)
    outcomes: list[OutcomeRule] = Field(min_length=1)
    asks_date: list[str] = []


class Category(_Strict):
    code: int = Field(ge=0, le=99)
    label: str
    synonyms: list[str] = []
    outcome: Outcome
    criteria: str = ""  # what the council's "Category / Criteria" appendix says the category means
    asks_anticipated_date: bool = False


class Scheme(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: str
    categories: list[Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Scheme:
        codes = [c.code for c in self.categories]
        if len(codes) != len(set(codes)):
            raise ValueError(f"scheme {self.id}: duplicate category codes {codes}")
        return self

    def category(self, code: int | None) -> Category | None:
        for c in self.categories:
            if c.code == code:
                return c
        return None

    @property
    def has_late(self) -> bool:
        return any(c.outcome == Outcome.ACHIEVED_LATE for c in self.categories)


class PrefilterRules(_Strict):
    """Which pages of a long document (an agenda pack) are worth parsing in full."""

    min_pages: int = Field(ge=1)
    min_other_columns: int = Field(ge=0)
    max_gap: int = Field(ge=0)
    pages_before: int = Field(ge=0)
    pages_after: int = Field(ge=0)
    markers: list[PatternRule]


class OcrCorrection(PatternRule):
    """An OCR confusion: `pattern` (a regular expression over one OCR'd word) and what
    replaces the match (`\\1` for groups); an empty `replace` drops the word."""

    replace: str

    @functools.cached_property
    def compiled(self) -> re.Pattern[str]:
        """The pattern, case-sensitive (OCR confusions are of case too: "Cc)")."""
        return re.compile(self.pattern)


class OcrRules(_Strict):
    """How scanned pages are read: Tesseract's language and page segmentation, and the
    corrections applied to OCR'd words only (never to a PDF's own text)."""

    language: str = Field(pattern=r"^[a-z_+]+$")
    page_segmentation: int = Field(ge=0, le=13)
    corrections: list[OcrCorrection] = []
    label_pattern: str  # a record label as OCR may read it: "ROS", "Rl2"; group 1 = its number
    label_digits: dict[str, str] = {}  # letters OCR reads for digits, in a label's number
    # Short words kept however much Tesseract doubts them (a doubted mark that short is
    # otherwise a speck): "by" of "supported by" read at 12 lost the relation.
    short_words: frozenset[str] = frozenset()
    # A sub-item label as OCR reads it ("c)", "i)"): kept however doubted, as record labels are.
    sub_label_pattern: str = r"^\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})\)$"
    _v = field_validator("label_pattern", "sub_label_pattern")(_check_regex)

    @functools.cached_property
    def label_regex(self) -> re.Pattern[str]:
        return re.compile(self.label_pattern)

    @functools.cached_property
    def sub_label_regex(self) -> re.Pattern[str]:
        return re.compile(self.sub_label_pattern)

    def keeps(self, text: str) -> bool:
        """Whether a short OCR'd mark is kept however much Tesseract doubts it: a record or
        sub-item label, a digit, or one of `short_words`."""
        return (text.isdigit() or text.casefold() in self.short_words or self.label_regex.match(text) is not None
                or self.sub_label_regex.match(text) is not None)

    @field_validator("label_digits")
    @classmethod
    def _digits(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if len(k) != 1 or not (len(v) == 1 and v.isdigit())}
        if bad:
            raise ValueError(f"label_digits maps one character to one digit: {bad}")
        return value


class FlagRule(_Strict):
    """A challenge flag: its id (`flag.<name>`), the outcomes it applies to, its check."""

    id: str = Field(pattern=r"^flag\.[a-z_]+$")
    outcomes: list[Outcome] = Field(min_length=1)
    check: FlagCheck

    @property
    def name(self) -> str:
        """The flag as stored in `flags` ("late_but_claimed_on_time")."""
        return self.id.removeprefix("flag.")


class FlagRules(_Strict):
    flags: list[FlagRule]


class Rules(_Strict):
    """All rules, validated."""

    source: str
    columns: ColumnRules
    layout: LayoutRules
    dates: DateRules
    responsibility: ResponsibilityRules
    cover: CoverRules
    prefilter: PrefilterRules
    ocr: OcrRules
    flags: FlagRules
    keys: KeyRules
    schemes: dict[str, Scheme]

    def scheme(self, scheme_id: str) -> Scheme:
        if scheme_id not in self.schemes:
            known = ", ".join(sorted(self.schemes))
            raise RulesError(f"unknown category scheme {scheme_id!r} (known: {known})")
        return self.schemes[scheme_id]

    def ids(self) -> list[tuple[str, str]]:
        """Return (rule id, kind) for every rule, for `scrutiny rules check`."""
        out: list[tuple[str, str]] = []
        out += [(c.id, "column") for c in self.columns.columns]
        out += [(r.id, "evidence-row") for r in self.columns.evidence_row]
        for kind in ("rec_label", "sub_item", "section_end", "furniture"):
            out += [(r.id, kind.replace("_", "-")) for r in getattr(self.layout, kind)]
        out += [(r.id, f"date:{r.kind}") for r in self.dates.patterns]
        out += [(r.id, "anticipated") for r in self.dates.anticipated_markers]
        out += [(r.id, "relation") for r in self.responsibility.relations]
        out += [(r.id, "cover") for r in self.cover.fields]
        out += [(r.id, "council") for r in self.cover.councils]
        out += [(r.id, "prefilter-marker") for r in self.prefilter.markers]
        out += [(r.id, "ocr-correction") for r in self.ocr.corrections]
        out += [(r.id, "flag") for r in self.flags.flags]
        out += [(r.id, "key-header") for r in self.keys.headers]
        out += [(r.id, "outcome") for r in self.keys.outcomes]
        for s in self.schemes.values():
            out += [(f"scheme.{s.id}.{c.code}", "category") for c in s.categories]
        return out


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: rule file missing") from exc
    except IsADirectoryError as exc:
        raise RulesError(f"{path}: a folder, not a rule file") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from exc
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc


def _validate(model: type[BaseModel], path: Path) -> BaseModel:
    data = _read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"{path}: {where}: {first['msg']}") from exc


def load_rules(rules_dir: str | Path | None = None) -> Rules:
    """Load every rule file under `rules_dir` (default: the bundled `rules/`)."""
    root = Path(rules_dir) if rules_dir else DEFAULT_RULES_DIR
    if not root.is_dir():
        raise RulesError(f"{root}: rules directory not found")
    schemes: dict[str, Scheme] = {}
    for path in sorted((root / "schemes").glob("*.yaml")):
        scheme = _validate(Scheme, path)
        assert isinstance(scheme, Scheme)
        if scheme.id in schemes:
            raise RulesError(f"{path}: duplicate scheme id {scheme.id!r}")
        schemes[scheme.id] = scheme
    if not schemes:
        raise RulesError(f"{root / 'schemes'}: no category scheme files")
    rules = Rules(
        source=str(root),
        columns=_validate(ColumnRules, root / "columns.yaml"),  # type: ignore[arg-type]
        layout=_validate(LayoutRules, root / "layout.yaml"),  # type: ignore[arg-type]
        dates=_validate(DateRules, root / "dates.yaml"),  # type: ignore[arg-type]
        responsibility=_validate(ResponsibilityRules, root / "responsibility.yaml"),  # type: ignore[arg-type]
        cover=_validate(CoverRules, root / "cover.yaml"),  # type: ignore[arg-type]
        prefilter=_validate(PrefilterRules, root / "prefilter.yaml"),  # type: ignore[arg-type]
        ocr=_validate(OcrRules, root / "ocr.yaml"),  # type: ignore[arg-type]
        flags=_validate(FlagRules, root / "flags.yaml"),  # type: ignore[arg-type]
        keys=_validate(KeyRules, root / "keys.yaml"),  # type: ignore[arg-type]
        schemes=schemes,
    )
    for council in rules.cover.councils:
        if council.scheme is not None and council.scheme not in schemes:
            raise RulesError(f"{root / 'cover.yaml'}: council {council.id}: unknown scheme {council.scheme!r} "
                             f"(known: {', '.join(sorted(schemes))})")
    counts = Counter(i for i, _ in rules.ids())  # linear: rule sets may be large
    dupes = sorted(i for i, n in counts.items() if n > 1)
    if dupes:
        raise RulesError(f"{root}: duplicate rule ids: {', '.join(dupes)}")
    return rules


@functools.lru_cache(maxsize=8)
def cached_rules(rules_dir: str | None = None) -> Rules:
    """`load_rules` once per process and directory."""
    return load_rules(rules_dir)
