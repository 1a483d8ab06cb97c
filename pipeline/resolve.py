"""Entity resolution: which canonical model each observation describes.

Sources are taken in precedence order; the first source to observe a model
defines it. Each later observation is matched, in this order, by
0. `name_map`: a reviewed map (`merge.name_maps`: per source, a YAML file of
   model_id → that source's name for it, or null for "the same name is another
   model") pairs it with a known model; a null entry vetoes every other rule;
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
disagree on a size written in the name ("7B" vs "70B") or on a version number
("1.0" vs "1.5"); every rule but identical names and the name map is vetoed by
parameter counts that differ by more than a factor: distinct sizes of a family
never merge. One
source contributes at most one observation to a model; anything unmatched
becomes a model of its own.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.io import read_yaml
from pipeline.sources.registry import slugify, slugify_all

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


# A size followed by what it counts is the data's, not the model's: "3M words", "1B tokens".
DATA_SIZE = re.compile(r"(?<![a-z0-9.])\d+(?:\.\d+)?\s?[kmbt]\s*(?:words?|tokens?|images?|hours?|examples?)\b")


@functools.lru_cache(maxsize=2**20)
def parameter_sizes_in_name(name: str) -> tuple[float, ...]:
    """Parameter counts a name states: 'Llama 2 70B' → (7e10,); none for '8x7B' or '1B words'."""
    sizes = (parse_size(token) for token in name_sizes(DATA_SIZE.sub(" ", name.lower())))
    return tuple(sorted(size for size in sizes if size))


def slug_keys(slug: str) -> tuple[str, ...]:
    """A slug with and without hyphens ("gpt-3", "gpt3"), sorted; none for an empty slug."""
    return tuple(sorted({slug, slug.replace("-", "")})) if slug else ()


@functools.lru_cache(maxsize=2**20)
def exact_keys(name: str) -> tuple[str, ...]:
    """The keys of a name's slug (`slug_keys`)."""
    return slug_keys(slugify(name))


def source_ranks(sources: pd.Series, rank: dict[str, int]) -> np.ndarray:
    """rank[source] of every row, looked up once per distinct source (not once per row)."""
    codes, distinct = pd.factorize(sources)
    return np.array([rank[source] for source in distinct], dtype=np.int64)[codes]


def organisation_key(organization: Any) -> str | None:
    if not isinstance(organization, str) or not organization.strip():
        return None
    return slugify(organization.split(",")[0])


@dataclass
class Rows:
    """The observations being resolved, column by column (position = row). Slugs and
    keys are computed column-wise, once per distinct name; sizes and numbers in names
    only where a rule reads them."""

    source: list[str]
    source_record: list[str]
    name: list[str]
    slug: list[str]  # the source's model_id
    name_slug: list[str]  # slugify(name)
    keys: list[tuple[str, ...]]  # exact_keys(name), sorted
    stripped: list[tuple[str, ...]]  # exact_keys of the name without one-token brackets, if it has any
    aliases: list[Any]
    organisation: list[str | None]
    day: list[int | None]  # publication date as days since 1970-01-01
    year: list[int | None]
    params: list[float | None]

    @classmethod
    def of(cls, observations: pd.DataFrame) -> "Rows":
        codes, unique = pd.factorize(observations["name"].astype(object), use_na_sentinel=False)
        unique = pd.Series(unique, dtype=object)
        name_slugs = slugify_all(unique).tolist()
        keys = [slug_keys(slug) for slug in name_slugs]
        without_brackets = unique.str.replace(SINGLE_TOKEN_BRACKET, " ", regex=True)
        stripped = [slug_keys(slug) for slug in slugify_all(without_brackets.where(without_brackets != unique, ""))]
        dates = observations["publication_date"]
        known = dates.notna().to_numpy()
        days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
        organisations = observations["organization"].astype(object)
        organisation_keys = {value: organisation_key(value) for value in pd.unique(organisations.dropna())}
        return cls(
            source=observations["source"].astype(object).tolist(),
            source_record=observations["source_record"].astype(object).tolist(),
            name=observations["name"].astype(object).tolist(),
            slug=observations["model_id"].astype(object).tolist(),
            name_slug=[name_slugs[code] for code in codes],
            keys=[keys[code] for code in codes],
            stripped=[stripped[code] for code in codes],
            aliases=observations["aliases"].astype(object).tolist(),
            organisation=[organisation_keys.get(value) for value in organisations.fillna("")],
            day=[int(day) if ok else None for day, ok in zip(days.tolist(), known.tolist())],
            year=[int(year) if ok else None for year, ok in zip(dates.dt.year.fillna(0).tolist(), known.tolist())],
            params=[value if value == value else None for value in observations["params_total"].astype(float).tolist()],
        )

    def block_word(self, row: int) -> str | None:
        """The fuzzy block of a name: its first word, or first three letters of a one-word name."""
        first, _, rest = self.name_slug[row].partition("-")
        return (first if rest else first[:3]) or None


@dataclass
class Resolver:
    """Canonical models, column by column (position = model index), and their lookup tables."""

    fuzzy_threshold: float
    date_window_days: float
    params_ratio_max: float
    model_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    name_slugs: list[str] = field(default_factory=list)
    organisations: list[str | None] = field(default_factory=list)
    days: list[int | None] = field(default_factory=list)
    params: list[float | None] = field(default_factory=list)
    sources: list[set[str]] = field(default_factory=list)
    by_key: dict[str, int] = field(default_factory=dict)
    by_stripped: dict[str, int] = field(default_factory=dict)
    by_alias: dict[str, int] = field(default_factory=dict)
    # Fuzzy candidates by (year, first word), or (year, first three letters) for one-word
    # names. Keys that grow with the data keep blocks small at any scale; the price is
    # that a typo in the first word of a longer name is left to the exact rules.
    blocks: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    index_of_id: dict[str, int] = field(default_factory=dict)
    # Reviewed pairs: (source, slug of that source's name) → model_id, and the
    # (source, model_id) pairs a reviewer ruled out.
    mapped: dict[tuple[str, str], str] = field(default_factory=dict)
    vetoed: set[tuple[str, str]] = field(default_factory=set)

    def compatible(self, model: int, rows: Rows, row: int, names: bool = True, counts: bool = True) -> bool:
        """Vetoes: one observation per source and the reviewers' vetoes, always; sizes and
        version numbers in the names (`names`); parameter counts (`counts`).
        (Two sources that name a model identically but count it differently are in
        conflict, which the conflicts table shows, not two models.)"""
        if rows.source[row] in self.sources[model] or (rows.source[row], self.model_ids[model]) in self.vetoed:
            return False
        if names and not self.names_agree(model, rows, row):
            return False
        params, model_params = rows.params[row], self.params[model]
        if counts and model_params and params:
            if max(model_params, params) / min(model_params, params) > self.params_ratio_max:
                return False
        return True

    def names_agree(self, model: int, rows: Rows, row: int) -> bool:
        """No size or version number written in one name contradicts the other's."""
        sizes, model_sizes = name_sizes(rows.name[row]), name_sizes(self.names[model])
        if sizes and model_sizes and sizes != model_sizes:
            return False
        numbers, model_numbers = name_numbers(rows.name[row]), name_numbers(self.names[model])
        return not (numbers and model_numbers and numbers != model_numbers)

    def plausible(self, model: int, rows: Rows, row: int) -> bool:
        """Extra conditions for a fuzzy match: same organisation (or unknown), close in time."""
        organisation, model_organisation = rows.organisation[row], self.organisations[model]
        if organisation and model_organisation and organisation != model_organisation:
            return False
        day, model_day = rows.day[row], self.days[model]
        if day is not None and model_day is not None and abs(model_day - day) > self.date_window_days:
            return False
        return True

    def add(self, rows: Rows, row: int) -> int:
        model_id = rows.slug[row]
        unique_id, suffix = model_id, 2
        while unique_id in self.index_of_id:  # an id taken by another model (vetoed match)
            unique_id, suffix = f"{model_id}-{suffix}", suffix + 1
        index = len(self.model_ids)
        self.index_of_id[unique_id] = index
        self.model_ids.append(unique_id)
        self.names.append(rows.name[row])
        self.name_slugs.append(rows.name_slug[row])
        self.organisations.append(rows.organisation[row])
        self.days.append(rows.day[row])
        self.params.append(rows.params[row])
        self.sources.append(set())
        for key in (*rows.keys[row], model_id):
            self.by_key.setdefault(key, index)
        for key in rows.stripped[row]:
            self.by_stripped.setdefault(key, index)
        if isinstance(rows.aliases[row], str):
            for alias in rows.aliases[row].split(" | "):
                for key in exact_keys(alias):
                    self.by_alias.setdefault(key, index)
        block_word = rows.block_word(row)
        if block_word and rows.year[row] is not None:
            self.blocks.setdefault((rows.year[row], block_word), []).append(index)
        return index

    def reviewed(self, rows: Rows, row: int) -> int | None:
        """Rule 0: the model a reviewed name map pairs this observation with."""
        model_id = self.mapped.get((rows.source[row], rows.name_slug[row]))
        index = self.index_of_id.get(model_id) if model_id else None
        if index is None or rows.source[row] in self.sources[index]:
            return None
        return index

    def exact(self, rows: Rows, row: int) -> tuple[int, str] | None:
        """Rules 1-3. A bracket is dropped on one side at most: "Flux.1 [pro]" and
        "FLUX.1 [dev]" share "flux-1" only once both brackets are gone."""
        slug, keys, stripped = rows.slug[row], rows.keys[row], rows.stripped[row]
        index = self.by_key.get(slug)  # rule 1 first, alone: most rows stop here
        if index is not None and self.compatible(index, rows, row, names=False, counts=False):
            return index, "exact_name"
        for table, candidates, rule in (
            (self.by_alias, keys if slug in keys else sorted({*keys, slug}), "alias"),
            (self.by_key, sorted({*keys, *stripped}) if stripped else keys, "normalised_name"),
            (self.by_stripped, keys, "normalised_name"),
        ):
            for key in candidates:
                index = table.get(key)
                if index is not None and self.compatible(index, rows, row, names=rule == "normalised_name"):
                    return index, rule
        return self.sized(rows, row)

    def sized(self, rows: Rows, row: int) -> tuple[int, str] | None:
        """Rule 3b: "phi-3-small 7.4B" is "Phi-3-small" when that model has 7.4B parameters."""
        sizes = name_sizes(rows.name[row])
        if len(sizes) != 1:
            return None
        size = parse_size(next(iter(sizes)))
        for key in exact_keys(SIZE_TOKEN.sub(" ", rows.name[row].lower())):
            index = self.by_key.get(key)
            if index is None:
                continue
            params = self.params[index]
            # The rest of the name is equal (same key) and the size was just checked.
            if (not name_sizes(self.names[index]) and params and size and abs(params / size - 1) <= SIZE_TOLERANCE
                    and self.compatible(index, rows, row, names=False, counts=False)):
                return index, "name_and_size"
        return None

    def fuzzy(self, rows: Rows, row: int) -> tuple[int, float] | None:
        """The closest plausible model of another source in the row's block, if close enough.
        Models this source already observes are left out before ranking, so they
        cannot crowd out a better candidate."""
        block_word, year, source = rows.block_word(row), rows.year[row], rows.source[row]
        if not block_word or year is None:
            return None
        candidates = [
            index
            for offset in (-1, 0, 1)
            for index in self.blocks.get((year + offset, block_word), ())
            if source not in self.sources[index]
        ]
        if not candidates:
            return None
        numbers = name_numbers(rows.name[row])
        choices = [self.name_slugs[index].replace("-", " ") for index in candidates]
        for _, score, position in process.extract(
            rows.name_slug[row].replace("-", " "), choices, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold,
            limit=5,
        ):
            model = candidates[position]
            # A fuzzy match tolerates typos, not a missing number: "CogView2" is not "CogView".
            if (name_numbers(self.names[model]) == numbers and self.compatible(model, rows, row)
                    and self.plausible(model, rows, row)):
                return model, float(score)
        return None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Resolution builds millions of small containers and no reference cycles; the cyclic
    garbage collector would scan them all again and again (half the time at 1e6 rows)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Resolution:
    """Which model each observation describes: the matches table, and the same as codes."""

    matches: pd.DataFrame  # the columns of schema.Match, one row per observation, in the given order
    model_of: np.ndarray  # per observation, the position of its model in model_ids
    model_ids: np.ndarray


NameMaps = dict[str, dict[str, str | None]]  # source → {model_id: that source's name, or None}


def read_name_map(path: Path) -> dict[str, str | None]:
    """A reviewed name map: model_id → another source's name for the same model, or
    None when that source's identical name is another model (YAML `names:` mapping)."""
    document = read_yaml(path) or {}
    mapping = (document.get("names") or {}) if isinstance(document, dict) else None
    if not isinstance(mapping, dict):
        raise ValueError(f"{path}: a name map is a mapping with a 'names:' mapping of model_id to name")
    return {str(model_id): None if name is None else str(name) for model_id, name in mapping.items()}


def resolve(observations: pd.DataFrame, precedence: list[str], params: dict[str, Any],
            name_maps: NameMaps | None = None) -> Resolution:
    """Each observation's canonical model, and the rule that matched it."""
    with collector_paused():
        return _resolve(observations, precedence, params, name_maps or {})


def _resolve(observations: pd.DataFrame, precedence: list[str], params: dict[str, Any],
             name_maps: NameMaps) -> Resolution:
    resolver = Resolver(
        fuzzy_threshold=float(params["fuzzy_threshold"]),
        date_window_days=float(params["date_window_days"]),
        params_ratio_max=float(params["params_ratio_max"]),
    )
    for source, mapping in name_maps.items():
        for model_id, name in mapping.items():
            if name is None:
                resolver.vetoed.add((source, model_id))
            else:
                resolver.mapped[(source, slugify(name))] = model_id
    source_rank = source_ranks(observations["source"], {source: position for position, source in enumerate(precedence)})
    order = np.lexsort((observations["source_record"].to_numpy(), source_rank))
    rows = Rows.of(observations)
    model_of = np.full(len(observations), -1, dtype=np.int64)
    rules = np.empty(len(observations), dtype=object)
    scores = np.full(len(observations), 100.0)

    def record(row: int, model: int, rule: str) -> None:
        resolver.sources[model].add(rows.source[row])
        model_of[row], rules[row] = model, rule

    # Rows of one source are contiguous in `order`, sources by precedence.
    for source_rows in np.split(order, np.flatnonzero(np.diff(source_rank[order])) + 1):
        source_rows = source_rows.tolist()
        if not resolver.model_ids:  # the first source: nothing to match, and a source never matches itself
            for row in source_rows:
                record(row, resolver.add(rows, row), "new_model")
            continue
        # Reviewed pairs first, then exact rules, for the whole source: a looser rule
        # for one row never takes the model a stricter rule gives another row.
        unreviewed = []
        for row in source_rows:
            model = resolver.reviewed(rows, row)
            if model is not None:
                record(row, model, "name_map")
            else:
                unreviewed.append(row)
        unmatched = []
        for row in unreviewed:
            found = resolver.exact(rows, row)
            if found:
                record(row, *found)
            else:
                unmatched.append(row)
        for row in unmatched:
            fuzzy = resolver.fuzzy(rows, row)
            if fuzzy:
                record(row, fuzzy[0], "fuzzy")
                scores[row] = fuzzy[1]
            else:
                record(row, resolver.add(rows, row), "new_model")
    model_ids = np.array(resolver.model_ids, dtype=object)
    names = np.array(resolver.names, dtype=object)
    matches = pd.DataFrame({
        "source": rows.source, "source_record": rows.source_record, "name": rows.name,
        "model_id": model_ids[model_of], "rule": rules, "score": scores, "matched_name": names[model_of],
    }, index=observations.index)
    return Resolution(matches=matches, model_of=model_of, model_ids=model_ids)
