"""Entity resolution: which canonical model each observation describes.

Sources are taken in precedence order; the first source to observe a model
defines it. Each later observation is matched, in this order, by
1. `exact_name`: its slug equals a known model's id;
2. `alias`: its slug equals a curated alias (registry `aliases`) of a known model;
3. `normalised_name`: its name without a one-token bracket, or without any
   punctuation ("gpt3" ~ "GPT-3"), equals a known model's; `name_and_size`: its
   name less a size ("phi-3-small 7.4B") is a model of that many parameters;
4. `fuzzy`: the best rapidfuzz ratio of normalised names above a threshold,
   among plausible candidates only (same publication year ±1 and the same
   first word, or first three letters of a one-word name, organisation equal or unknown, publication within a window, the
   same numbers in both names).
Except for identical names and curated aliases, a match is vetoed when the two
disagree on a size written in the name ("7B" vs "70B"), on a version number
("1.0" vs "1.5"), or on parameter counts by more than a factor: distinct sizes
of a family never merge. One
source contributes at most one observation to a model; anything unmatched
becomes a model of its own.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.sources.registry import slugify

MATCH_COLUMNS = ("source", "source_record", "name", "model_id", "rule", "score", "matched_name")
SIZE_TOKEN = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?)\s?([kmbt])(?![a-z])")
SIZE_UNITS = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
SIZE_TOLERANCE = 0.10  # sizes in names are rounded: "7B" for 6.7e9, "7.4B" for a stated "7B"
NUMBER_TOKEN = re.compile(r"\d+(?:\.\d+)?")
# A bracket holding one token ("(davinci)", "(ImageNet)", "(600B)") names the same
# model; a longer one ("(protein-oriented instruction-tuned)") names a derivative.
SINGLE_TOKEN_BRACKET = re.compile(r"\(\s*[^\s(),]+\s*\)|\[\s*[^\s\[\],]+\s*\]")


@functools.lru_cache(maxsize=2**20)
def name_sizes(name: str) -> frozenset[str]:
    """Sizes written in a name: 'Llama 2 70B' → {'70b'}; 'Mixtral 8x7B' → {'8x7b'}."""
    return frozenset(number + unit for number, unit in SIZE_TOKEN.findall(name.lower()))


@functools.lru_cache(maxsize=2**20)
def name_numbers(name: str) -> frozenset[str]:
    """Every number in a name, sizes and versions alike: 'Gemini 1.5 Pro' → {'1.5'}."""
    return frozenset(NUMBER_TOKEN.findall(name.lower()))


def parse_size(token: str) -> float | None:
    """'7.4b' → 7.4e9; '8x7b' (experts × size) is not a total, so None."""
    if "x" in token:
        return None
    return float(token[:-1]) * SIZE_UNITS[token[-1]]


@functools.lru_cache(maxsize=2**20)
def normalised(name: str) -> str:
    """Lower-case words without punctuation, for fuzzy comparison."""
    return slugify(name).replace("-", " ")


@functools.lru_cache(maxsize=2**20)
def exact_keys(name: str) -> set[str]:
    """The name's slug, with and without hyphens ("gpt-3", "gpt3")."""
    full = slugify(name)
    return {key for key in (full, full.replace("-", "")) if key}


@functools.lru_cache(maxsize=2**20)
def stripped_keys(name: str) -> set[str]:
    """Keys of the name without its one-token brackets (empty when it has none)."""
    stripped = SINGLE_TOKEN_BRACKET.sub(" ", name)
    return exact_keys(stripped) if stripped != name else set()


def organisation_key(organization: Any) -> str | None:
    if not isinstance(organization, str) or not organization.strip():
        return None
    return slugify(organization.split(",")[0])


@dataclass
class Model:
    """What resolution knows of a canonical model while observations arrive."""

    model_id: str
    name: str
    organisation: str | None
    date: pd.Timestamp | None
    params: float | None
    normalised_name: str
    sizes: frozenset[str]
    numbers: frozenset[str]
    sources: set[str] = field(default_factory=set)


@dataclass
class Resolver:
    fuzzy_threshold: float
    date_window_days: float
    params_ratio_max: float
    models: list[Model] = field(default_factory=list)
    by_key: dict[str, int] = field(default_factory=dict)
    by_stripped: dict[str, int] = field(default_factory=dict)
    by_alias: dict[str, int] = field(default_factory=dict)
    # Fuzzy candidates by (year, first word), or (year, first three letters) for one-word
    # names: model indices and their normalised names. Keys that grow with the data keep
    # blocks small at any scale; the price is that a typo in the first word of a longer
    # name is left to the exact rules.
    blocks: dict[tuple[int, str], tuple[list[int], list[str]]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)

    def compatible(self, model: Model, row: dict[str, Any], strict: bool = True) -> bool:
        """Vetoes: one observation per source; for all but exact names and curated
        aliases, also sizes and version numbers in the names and parameter counts.
        (Two sources that name a model identically but count it differently are in
        conflict, which the conflicts table shows, not two models.)"""
        if row["source"] in model.sources:
            return False
        if not strict:
            return True
        sizes, numbers = name_sizes(row["name"]), name_numbers(row["name"])
        if sizes and model.sizes and sizes != model.sizes:
            return False
        if numbers and model.numbers and numbers != model.numbers:
            return False
        params = row["params_total"]
        if model.params and params and params == params:  # params == params: not NaN
            ratio = max(model.params, params) / min(model.params, params)
            if ratio > self.params_ratio_max:
                return False
        return True

    def plausible(self, model: Model, row: dict[str, Any]) -> bool:
        """Extra conditions for a fuzzy match: same organisation (or unknown), close in time."""
        organisation = organisation_key(row["organization"])
        if organisation and model.organisation and organisation != model.organisation:
            return False
        date = row["publication_date"]
        if model.date is not None and pd.notna(date):
            if abs((model.date - date).days) > self.date_window_days:
                return False
        return True

    def _block_key(self, name: str, date: Any) -> tuple[int, str] | None:
        key = normalised(name)
        if not key or pd.isna(date):
            return None
        first, _, rest = key.partition(" ")
        return (date.year, first if rest else first[:3])

    def add(self, row: dict[str, Any], model_id: str) -> int:
        unique_id, suffix = model_id, 2
        while unique_id in self.ids:  # an id taken by another model (vetoed match)
            unique_id, suffix = f"{model_id}-{suffix}", suffix + 1
        self.ids.add(unique_id)
        date = row["publication_date"]
        params = row["params_total"]
        model = Model(
            model_id=unique_id,
            name=row["name"],
            organisation=organisation_key(row["organization"]),
            date=pd.Timestamp(date) if pd.notna(date) else None,
            params=float(params) if pd.notna(params) else None,
            normalised_name=normalised(row["name"]),
            sizes=name_sizes(row["name"]),
            numbers=name_numbers(row["name"]),
        )
        index = len(self.models)
        self.models.append(model)
        for key in exact_keys(row["name"]) | {model_id}:
            self.by_key.setdefault(key, index)
        for key in stripped_keys(row["name"]):
            self.by_stripped.setdefault(key, index)
        if isinstance(row.get("aliases"), str):
            for alias in row["aliases"].split(" | "):
                for key in exact_keys(alias):
                    self.by_alias.setdefault(key, index)
        block = self._block_key(row["name"], date)
        if block:
            indices, names = self.blocks.setdefault(block, ([], []))
            indices.append(index)
            names.append(model.normalised_name)
        return index

    def exact(self, row: dict[str, Any]) -> tuple[int, str] | None:
        """Rules 1-3. A bracket is dropped on one side at most: "Flux.1 [pro]" and
        "FLUX.1 [dev]" share "flux-1" only once both brackets are gone."""
        slug, name = row["model_id"], row["name"]
        for table, keys, rule in (
            (self.by_key, [slug], "exact_name"),
            (self.by_alias, sorted(exact_keys(name) | {slug}), "alias"),
            (self.by_key, sorted(exact_keys(name) | stripped_keys(name)), "normalised_name"),
            (self.by_stripped, sorted(exact_keys(name)), "normalised_name"),
        ):
            for key in keys:
                index = table.get(key)
                if index is not None and self.compatible(self.models[index], row, strict=rule == "normalised_name"):
                    return index, rule
        return self.sized(row)

    def sized(self, row: dict[str, Any]) -> tuple[int, str] | None:
        """Rule 3b: "phi-3-small 7.4B" is "Phi-3-small" when that model has 7.4B parameters."""
        sizes = name_sizes(row["name"])
        if len(sizes) != 1:
            return None
        size = parse_size(next(iter(sizes)))
        for key in sorted(exact_keys(SIZE_TOKEN.sub(" ", row["name"].lower()))):
            index = self.by_key.get(key)
            if index is None:
                continue
            model = self.models[index]
            # The rest of the name is equal (same key) and the size was just checked.
            if (not model.sizes and model.params and size and abs(model.params / size - 1) <= SIZE_TOLERANCE
                    and self.compatible(model, row, strict=False)):
                return index, "name_and_size"
        return None

    def fuzzy(self, row: dict[str, Any]) -> tuple[int, float] | None:
        block = self._block_key(row["name"], row["publication_date"])
        if block is None:
            return None
        year, prefix = block
        candidates: list[int] = []
        choices: list[str] = []
        for offset in (-1, 0, 1):
            indices, names = self.blocks.get((year + offset, prefix), ((), ()))
            candidates.extend(indices)
            choices.extend(names)
        if not candidates:
            return None
        numbers = name_numbers(row["name"])
        for _, score, position in process.extract(
            normalised(row["name"]), choices, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold, limit=5
        ):
            model = self.models[candidates[position]]
            # A fuzzy match tolerates typos, not a missing number: "CogView2" is not "CogView".
            if model.numbers == numbers and self.compatible(model, row) and self.plausible(model, row):
                return candidates[position], float(score)
        return None


def resolve(observations: pd.DataFrame, precedence: list[str], params: dict[str, Any]) -> pd.DataFrame:
    """One row per observation (in the given order): its canonical model_id and the rule."""
    resolver = Resolver(
        fuzzy_threshold=float(params["fuzzy_threshold"]),
        date_window_days=float(params["date_window_days"]),
        params_ratio_max=float(params["params_ratio_max"]),
    )
    rank = {source: position for position, source in enumerate(precedence)}
    order = np.lexsort((observations["source_record"].to_numpy(), observations["source"].map(rank).to_numpy()))
    columns = ["source", "source_record", "name", "model_id", "aliases", "organization",
               "publication_date", "params_total"]
    rows = observations[columns].astype(object).to_dict("records")
    results: list[dict[str, Any] | None] = [None] * len(rows)

    def record(position: int, index: int, rule: str, score: float) -> None:
        model = resolver.models[index]
        model.sources.add(rows[position]["source"])
        row = rows[position]
        results[position] = {
            "source": row["source"], "source_record": row["source_record"], "name": row["name"],
            "model_id": model.model_id, "rule": rule, "score": score, "matched_name": model.name,
        }

    sources = observations["source"].to_numpy()
    for source in sorted(set(sources), key=rank.__getitem__):
        positions = [position for position in order if sources[position] == source]
        # Exact rules first for the whole source, so that a fuzzy match of one row
        # never takes the model another row of the same source names exactly.
        unmatched = []
        for position in positions:
            found = resolver.exact(rows[position])
            if found:
                record(position, found[0], found[1], 100.0)
            else:
                unmatched.append(position)
        for position in unmatched:
            fuzzy = resolver.fuzzy(rows[position])
            if fuzzy:
                record(position, fuzzy[0], "fuzzy", fuzzy[1])
            else:
                record(position, resolver.add(rows[position], rows[position]["model_id"]), "new_model", 100.0)
    return pd.DataFrame(results, columns=list(MATCH_COLUMNS), index=observations.index)
