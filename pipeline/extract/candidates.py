"""Candidate models of one document, the facts attached to each with their evidence, and the
reading context (the document, its developer and its primary family)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.extract.names import NameInfo, of_family, parse_name
from pipeline.extract.text import Document


FIELDS = (
    "organization",
    "publication_date",
    "params_total",
    "params_active",
    "training_tokens",
    "context_length",
    "mmlu",
)

# Priorities of evidence: a table cell beats a sentence naming the model, which beats
# a statement about "the model" in general.
TABLE, NAMED, GENERAL = 3, 2, 1


@dataclass
class Candidate:
    name: str
    info: NameInfo
    source: str  # "listing" | "table" | "bench" | "prose"
    facts: dict[str, tuple[int, object, str]] = field(default_factory=dict)
    claimed: bool = False  # a benchmark column already merged into this spec row
    introduced_by: str = ""  # what first named it: "size table", "evaluation table", "size list", …
    origin: str = ""  # the row or sentence that first named it
    absent: set[str] = field(default_factory=set)  # facts its own row marks as not given ("-")

    def put(self, key: str, value: object, evidence: str, priority: int) -> None:
        if value is None:
            return
        current = self.facts.get(key)
        if current is None or priority > current[0] or key in _COUNTS and more_precise(current[1], value):
            self.facts[key] = (priority, value, evidence[:300])


_COUNTS = {"params_total", "params_active", "context_length"}


def more_precise(old: object, new: object) -> bool:
    """'8,192' refines '8k' and '16.4B' refines '16B': close values with more digits."""
    if not isinstance(old, float) or not isinstance(new, float) or old <= 0:
        return False
    close = abs(new - old) / old < 0.1
    return close and _significant_digits(new) > _significant_digits(old)


def _significant_digits(value: float) -> int:
    return len(f"{value:.6g}".replace(".", "").rstrip("0").lstrip("0"))


@dataclass
class Context:
    doc: Document
    org_tokens: tuple[str, ...]
    primary: tuple[str, ...]
    primary_display: str
    title_sizes: frozenset[float]
    candidates: list[Candidate] = field(default_factory=list)
    review: list[dict] = field(default_factory=list)  # what was read but is not an observation, and why

    def reject(self, name: str, reason: str, evidence: str, key: str = "model", value: object = None) -> None:
        """Keep for review a model (key "model") or a fact that must not become an observation."""
        self.review.append({"name": name, "field": key, "value": value, "reason": reason, "evidence": evidence[:300]})

    def info(self, name: str) -> NameInfo:
        info = parse_name(name, self.org_tokens)
        if self.primary and not of_family(info.stem, self.primary):
            # the developer named after its family ("360Zhinao-Team"): "360Zhinao-search" keeps its family word
            whole = parse_name(name)
            if of_family(whole.stem, self.primary):
                return whole
        return info

    def announced(self, info: NameInfo) -> bool:
        if not self.primary:
            return True
        if not of_family(info.stem, self.primary):
            return False
        size = info.nominal
        return not (self.title_sizes and info.stem == self.primary and size and size not in self.title_sizes)

    def find(self, info: NameInfo, *, exact_variant: bool = True) -> Candidate | None:
        for cand in self.candidates:
            if cand.info.stem != info.stem or (exact_variant and cand.info.variant != info.variant):
                continue
            if _same_size(cand, info):
                return cand
        return None


def _same_size(cand: Candidate, info: NameInfo) -> bool:
    mine = cand.info.nominal
    theirs = info.nominal
    if mine is None or theirs is None:
        total = fact_value(cand, "params_total")
        if theirs is not None and isinstance(total, float):
            return abs(total - theirs) / theirs < 0.35
        return True
    return abs(mine - theirs) / theirs < 0.02


def fact_value(cand: Candidate, key: str) -> object:
    entry = cand.facts.get(key)
    return entry[1] if entry else None
