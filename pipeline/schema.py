"""The single truth about the dataset's columns: names, types, units, allowed values.

Two boundaries are guarded:
- `Observation`: one row per (source, model), what every source's parser produces.
- `CanonicalModel`: one row per model, what the merge stage publishes.

The data dictionary in the README and the datapackage schema are generated from the
field metadata here (`pipeline.docs`), never written twice.
"""

from __future__ import annotations

import functools
import json
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

DOMAINS = (
    "Language",
    "Vision",
    "Games",
    "Speech",
    "Multimodal",
    "Biology",
    "Recommendation",
    "Image generation",
    "Robotics",
    "Other",
)
DATE_PRECISIONS = ("day", "month", "year")
CONFIDENCES = ("confident", "likely", "speculative")
ARCHITECTURES = ("dense", "moe", "sparse")
SPARSE_ARCHITECTURES = ("moe", "sparse")  # fewer parameters act on a token than the model has
COMPUTE_METHODS = ("stated", "6ND")

# Numeric fields that carry a value of their own unit, in the order they are shown.
NUMERIC_FIELDS = (
    "params_total",
    "params_active",
    "training_compute_flop",
    "training_tokens",
    "mmlu",
    "mmlu_pro",
    "mmlu_redux",
)
# Fields whose source is recorded for each canonical model.
PROVENANCE_FIELDS = ("publication_date", *NUMERIC_FIELDS)
# Each benchmark's score and the column of the shots it was reported with, which travels with it.
BENCHMARK_SHOTS = {"mmlu": "mmlu_shots", "mmlu_pro": "mmlu_pro_shots", "mmlu_redux": "mmlu_redux_shots"}
# What a number's evidence is (pipeline/sources/registry.py reads the registry's; other sources' are records).
EVIDENCE_KINDS = {
    "quote": "the source's own words, verbatim (compared after normalising whitespace and quote characters)",
    "table": "a table of the source: which table (caption or number), its row and column, the cell as printed",
    "derived": "arithmetic on inputs that are themselves quoted or tabled",
    "name": "the size appears only in the model's name (confidence at most likely)",
    "record": "a field of another dataset's record (a database column, an API field), as its parser names it",
}
# A "quote" that starts like this cites a table or figure: it is a table reference, not the source's words.
TABLE_REFERENCE = re.compile(r"^\W*(table|tab\.|figure|fig\.)\s*[a-z]?[.\-]?\d", re.IGNORECASE)

# Flags that more than one module sets or reads.
FILL_IN_DATE_FLAG = "date_may_be_fill_in"  # a source's day that may stand for an unknown one
DATE_FROM_UPLOAD_FLAG = "date_from_upload"  # the day the weights were uploaded, not an announcement
DATE_UPPER_BOUND_FLAG = "date_upper_bound"  # published on or before this day (e.g. a Hub migration)
SIZE_MISMATCH_FLAG = "size_mismatch"  # parameters 10x or more from the size in the name or notes

REJECTED_ROWS = "rejected_rows"  # attrs key of a parsed frame: rows its parser dropped, with a count
UNREADABLE_NUMBER_FLAG = "unreadable_number"  # a source's numeric cell that no rule could read
NAME_MAX_CHARS = 300  # longer "names" are scraped prose, not names
# A name of six words or more that reads as a sentence (a paper's title, a description)
# is not a model's name: two function words, or one in a long name, or more than half lower-case words.
SENTENCE_MIN_WORDS = 6
FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "for", "with", "in", "on", "to", "via", "and", "by", "from",
                            "that", "using", "into", "through", "towards"})
BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
PARAMS_MIN = 1.0
PARAMS_MAX = 1e15
EARLIEST_DATE = pd.Timestamp("1950-01-01")


def _field(description: str, unit: str | None = None, **kwargs):
    """A pandera Field whose description and unit feed the generated docs."""
    return pa.Field(description=description, metadata={"unit": unit}, **kwargs)


_optional = functools.partial(_field, nullable=True)


class ModelFields(pa.DataFrameModel):
    """Columns shared by observations and canonical models."""

    model_id: Series[str] = _field(
        "Stable identifier: the lower-case slug of the canonical name.",
        str_matches=r"^[a-z0-9]+(-[a-z0-9]+)*$",
    )
    name: Series[str] = _field(
        "Display name, as the developer writes it.", str_length={"min_value": 1, "max_value": NAME_MAX_CHARS}
    )
    aliases: Series[str] = _optional("Other names of the model, joined by ' | '.")
    family: Series[str] = _optional("Model family whose sizes are compared together.")
    organization: Series[str] = _optional("Developer(s), joined by ', '.")
    publication_date: Series[pd.Timestamp] = _optional(
        "First publication (paper, announcement or release), truncated to its precision.",
        unit="date",
    )
    date_precision: Series[str] = _optional(
        "How much of publication_date the source states: day, month or year "
        "(month: the date is the 1st of the month; year: 1 January).",
        isin=DATE_PRECISIONS,
    )
    domain: Series[str] = _field("Main domain, from a closed vocabulary.", isin=DOMAINS)
    task: Series[str] = _optional("What the model does, in a few words.")
    architecture: Series[str] = _optional(
        "dense, moe (mixture-of-experts) or sparse (sparse-embedding models); empty when no source "
        "states it (unknown, which is not dense).",
        isin=ARCHITECTURES,
    )
    params_total: Series[float] = _optional(
        "Total trainable parameters.", unit="parameters", ge=PARAMS_MIN, le=PARAMS_MAX
    )
    params_active: Series[float] = _optional(
        "Parameters active per token (mixture-of-experts); empty for dense models.",
        unit="parameters",
        ge=PARAMS_MIN,
        le=PARAMS_MAX,
    )
    training_compute_flop: Series[float] = _optional(
        "Training compute as stated by a source.", unit="FLOP", gt=0
    )
    training_tokens: Series[float] = _optional("Tokens seen during training.", unit="tokens", gt=0)
    mmlu: Series[float] = _optional("MMLU accuracy as reported (5-shot unless mmlu_shots says otherwise).",
                                    unit="percent", ge=0, le=100)
    mmlu_shots: Series[float] = _optional("The shots the source states for mmlu.", unit="shots", ge=0)
    mmlu_pro: Series[float] = _optional("MMLU-Pro accuracy as reported; never mixed into mmlu.",
                                        unit="percent", ge=0, le=100)
    mmlu_pro_shots: Series[float] = _optional("The shots the source states for mmlu_pro.", unit="shots", ge=0)
    mmlu_redux: Series[float] = _optional("MMLU-Redux accuracy as reported; never mixed into mmlu.",
                                          unit="percent", ge=0, le=100)
    mmlu_redux_shots: Series[float] = _optional("The shots the source states for mmlu_redux.", unit="shots", ge=0)
    open_weights: Series[pd.BooleanDtype] = _optional("Weights downloadable by the public.")
    notability: Series[str] = _optional(
        "Why a source counts the model as notable (Epoch AI's notability criteria, e.g. 'Highly cited, "
        "SOTA improvement'); empty when no source says so. Trends fit notable models as a population of their own."
    )
    confidence: Series[str] = _optional(
        "confident (stated by the developer), likely (derived from the developer's "
        "statements) or speculative (third-party or rough estimate).",
        isin=CONFIDENCES,
    )
    flags: Series[str] = _optional(
        "Warnings that do not remove the row, joined by '; ' "
        "(e.g. compute inconsistent with 6·N·D)."
    )

    @pa.dataframe_check(name="active_le_total")
    def active_le_total(cls, df: pd.DataFrame) -> Series[bool]:
        return df.params_active.isna() | df.params_total.isna() | (df.params_active <= df.params_total)

    class Config:
        coerce = True


def reads_as_sentence(name: str) -> bool:
    """Whether a name reads as a sentence rather than a model's name (brackets aside)."""
    words = [word for word in BRACKETED.sub(" ", name).split() if any(char.isalnum() for char in word)]
    if len(words) < SENTENCE_MIN_WORDS:
        return False
    function_words = sum(word in FUNCTION_WORDS for word in words)
    lower_case = sum(word.isalpha() and word.islower() for word in words)
    return function_words >= 2 or (function_words >= 1 and len(words) >= 8) or 2 * lower_case > len(words)


def names_reading_as_sentences(names: pd.Series) -> pd.Series:
    """`reads_as_sentence` of every name; only names with enough spaces are read word by word."""
    candidates = names.notna() & (names.astype("str").str.count(" ") >= SENTENCE_MIN_WORDS - 1)
    found = pd.Series(False, index=names.index)
    if candidates.any():
        found[candidates] = [reads_as_sentence(name) for name in names[candidates]]
    return found


class Observation(ModelFields):
    """One row per (source, model): what every source's parser produces.

    Stricter than the canonical table, so that a stub never reaches it: a date is
    required, a name must not read as a sentence, and no numeric cell may be unreadable.
    """

    publication_date: Series[pd.Timestamp] = _field(
        "First publication (paper, announcement or release), truncated to its precision.", unit="date"
    )

    source: Series[str] = _field("Source the row comes from (registry, epoch, …).")
    source_record: Series[str] = _field("Where in the source: file:line, row number or URL.")
    source_url: Series[str] = _field("Primary source of the numbers.", str_length={"min_value": 1})
    evidence: Series[str] = _optional(
        "JSON object: for each number, the phrase of the source that states it."
    )
    evidence_kinds: Series[str] = _optional(
        "JSON object: for each number, the kind of its evidence (" + ", ".join(EVIDENCE_KINDS)
        + "); a number it omits is a record."
    )
    field_urls: Series[str] = _optional("JSON object: a different source URL for a field.")
    confidence_basis: Series[str] = _optional("What is estimated and how, when not confident.")
    notes: Series[str] = _optional("Curator's notes.")

    @pa.check("name", name="name_is_not_a_sentence")
    def name_is_not_a_sentence(cls, names: Series[str]) -> Series[bool]:
        return ~names_reading_as_sentences(names)

    @pa.check("flags", name="no_unreadable_number")
    def no_unreadable_number(cls, flags: Series[str]) -> Series[bool]:
        return ~flags.astype("str").str.contains(UNREADABLE_NUMBER_FLAG, regex=False).fillna(False).astype(bool)

    @pa.dataframe_check(name="quote_is_not_a_table_reference")
    def quote_is_not_a_table_reference(cls, df: pd.DataFrame) -> Series[bool]:
        return ~evidence_of_kind(df, "quote").map(lambda texts: any(TABLE_REFERENCE.match(text) for text in texts))

    @pa.dataframe_check(name="size_from_name_at_most_likely")
    def size_from_name_at_most_likely(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(evidence_of_kind(df, "name").map(bool) & (df.confidence == "confident")).astype(bool)

    @pa.dataframe_check(name="basis_unless_confident")
    def basis_unless_confident(cls, df: pd.DataFrame) -> Series[bool]:
        stated = df.confidence_basis.fillna("").str.strip() != ""
        return df.confidence.isna() | (df.confidence == "confident") | stated

    @pa.dataframe_check(name="evidence_for_each_number")
    def evidence_for_each_number(cls, df: pd.DataFrame) -> Series[bool]:
        return numbers_without_evidence(df).str.len() == 0

    class Config:
        strict = True
        unique = ["source", "model_id"]


class CanonicalModel(ModelFields):
    """One row per model: the published table `processed/models.csv`."""

    model_id: Series[str] = _field(
        "Stable identifier: the lower-case slug of the canonical name.",
        unique=True,
        str_matches=r"^[a-z0-9]+(-[a-z0-9]+)*$",
    )
    flags: Series[str] = _optional(
        "Warnings that do not remove the row, each with the source that raised it, joined by '; ' "
        "(e.g. 'epoch: size_mismatch', 'epoch: date_may_be_fill_in')."
    )
    training_compute_method: Series[str] = _optional(
        "How training_compute_flop was obtained: stated (by a source) or 6ND (derived as 6 × parameters × "
        "tokens, active parameters for mixture-of-experts, where no source states it; confidence likely).",
        isin=COMPUTE_METHODS,
    )
    source_url: Series[str] = _optional("Primary source of the row's highest-precedence observation.")
    sources: Series[str] = _field("Every source with an observation of the model, joined by ' | '.")
    publication_date_source: Series[str] = _optional("Source of publication_date.")
    params_total_source: Series[str] = _optional("Source of params_total.")
    params_active_source: Series[str] = _optional("Source of params_active.")
    training_compute_flop_source: Series[str] = _optional("Source of training_compute_flop.")
    training_tokens_source: Series[str] = _optional("Source of training_tokens.")
    mmlu_source: Series[str] = _optional("Source of mmlu.")
    mmlu_pro_source: Series[str] = _optional("Source of mmlu_pro.")
    mmlu_redux_source: Series[str] = _optional("Source of mmlu_redux.")

    class Config:
        strict = True


MATCH_RULES = ("new_model", "name_map", "exact_name", "alias", "normalised_name", "name_and_size", "fuzzy")
CONFLICT_FIELDS = (*NUMERIC_FIELDS, "publication_date", "domain")


class PublishedTable(pa.DataFrameModel):
    """A table published beside models.csv: exactly these columns, each of its type."""

    class Config:
        coerce = True
        strict = True


class ProvenanceRecord(PublishedTable):
    """Where each number of the canonical table comes from: `processed/provenance.csv`."""

    model_id: Series[str] = _field("The model (model_id of models.csv).")
    field: Series[str] = _field("The column of models.csv whose value this row explains.", isin=PROVENANCE_FIELDS)
    value: Series[str] = _field("The chosen value as written in models.csv (dates as YYYY-MM-DD).")
    source: Series[str] = _field("Source of the value (registry, epoch, …).")
    source_record: Series[str] = _field("Where in the source: file:line, row number or URL.")
    source_url: Series[str] = _optional("Primary source of the value: its own URL where the source gives one.")
    evidence: Series[str] = _optional("The phrase of the source that states the value.")
    evidence_kind: Series[str] = _optional(
        "What the evidence is: " + "; ".join(f"{kind}: {meaning}" for kind, meaning in EVIDENCE_KINDS.items()) + ".",
        isin=tuple(EVIDENCE_KINDS),
    )

    class Config:
        unique = ["model_id", "field"]


# What the evidence check (pipeline/verify.py) concluded of a number.
EVIDENCE_STATUSES = {
    "found": "the quote, or the table cell beside its row label, is in the source's text",
    "not_found": "it is not in a whole copy of the source",
    "not_in_partial_copy": "it is not in a copy that holds only part of the source (MANIFEST.tsv)",
    "source_unreachable": "no copy could be read (none saved, a fetch failed, an unreadable file)",
    "not_checked": "derived or name evidence, which states no text of the source",
    "no_evidence": "the number has no evidence",
}


class EvidenceCheck(PublishedTable):
    """Whether each registry number's evidence was found in its source: `processed/evidence_check.csv`."""

    model_id: Series[str] = _field("The model (model_id of models.csv).")
    field: Series[str] = _field("The number's column.", isin=NUMERIC_FIELDS)
    kind: Series[str] = _field(
        "The kind of its evidence: " + "; ".join(f"{kind}: {meaning}" for kind, meaning in EVIDENCE_KINDS.items()
                                                 if kind != "record") + "; empty: none.",
        isin=(*(kind for kind in EVIDENCE_KINDS if kind != "record"), ""),
    )
    status: Series[str] = _field(
        "What the check found: " + "; ".join(f"{status}: {meaning}" for status, meaning in EVIDENCE_STATUSES.items())
        + ".", isin=tuple(EVIDENCE_STATUSES),
    )
    checked_on: Series[str] = _field("The day of the check that reached this status (YYYY-MM-DD).",
                                     unit="date", str_matches=r"^\d{4}-\d{2}-\d{2}$")
    url: Series[str] = _field("The source looked in: the entry's url, or its field_urls for this field.")
    copy: Series[str] = _field("The saved copies read (file names), or the URL fetched; empty when none.")
    source_record: Series[str] = _field("The registry entry: file:line.")
    evidence: Series[str] = _field("The evidence as the provenance table shows it.")
    detail: Series[str] = _field("Why a number was not checked or its source not reached; empty otherwise.")

    class Config:
        unique = ["source_record", "field"]


class Match(PublishedTable):
    """Which model each valid observation was resolved to, and why: `processed/matches.csv`."""

    source: Series[str] = _field("Source of the observation.")
    source_record: Series[str] = _field("Where in the source: file:line, row number or URL.")
    name: Series[str] = _field("The name the source gives.")
    model_id: Series[str] = _field("The model it was resolved to (model_id of models.csv).")
    rule: Series[str] = _field(
        "The rule that matched it (pipeline/resolve.py); new_model: the first observation of a model.",
        isin=MATCH_RULES
    )
    score: Series[float] = _field("Name similarity of a fuzzy match; 100 for the other rules.",
                                  unit="percent", ge=0, le=100)
    matched_name: Series[str] = _field("The name of the model it was resolved to.")

    class Config:
        unique = ["source", "source_record"]


class Conflict(PublishedTable):
    """Fields on which a model's sources disagree beyond `merge.tolerances`: `processed/conflicts.csv`."""

    model_id: Series[str] = _field("The model (model_id of models.csv).")
    name: Series[str] = _field("Its name in models.csv.")
    field: Series[str] = _field("The field the sources disagree on.", isin=CONFLICT_FIELDS)
    difference: Series[float] = _field(
        "How far apart: max/min - 1 for counts, points for MMLU, days for dates, 1 for domains."
    )
    chosen_source: Series[str] = _field("The source whose value models.csv shows.")
    chosen_value: Series[str] = _field("That value as text.")
    values: Series[str] = _field("Every source's value, as source=value joined by ' | '.")

    class Config:
        unique = ["model_id", "field"]


# For checks over several columns, the columns a quarantine reason should name.
CHECK_COLUMNS = {
    "quote_is_not_a_table_reference": ("evidence",),
    "size_from_name_at_most_likely": ("evidence_kinds", "confidence"),
    "active_le_total": ("params_active", "params_total"),
    "basis_unless_confident": ("confidence", "confidence_basis"),
}


def has_flag(flags: pd.Series, flag: str) -> pd.Series:
    """Per row, whether `flags` (joined by '; ') holds `flag`."""
    pattern = f"(?:^|; ){re.escape(flag)}(?:;|$)"
    return flags.astype("str").str.contains(pattern, regex=True).fillna(False).astype(bool)


def evidence_of_kind(df: pd.DataFrame, kind: str) -> pd.Series:
    """Per row, the evidence texts whose kind is `kind` (a number without a kind is a record);
    each distinct pair of cells is parsed once."""
    pairs = df[["evidence", "evidence_kinds"]].astype(object)
    codes = pairs.groupby(list(pairs.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    texts = []
    for evidence, kinds in pairs.iloc[first].itertuples(index=False):
        phrases = json.loads(evidence) if isinstance(evidence, str) else {}
        of_kind = json.loads(kinds) if isinstance(kinds, str) else {}
        texts.append(tuple(phrases.get(field, "") for field, found in of_kind.items() if found == kind))
    return pd.Series(pd.Series(texts, dtype=object).take(codes).to_numpy(), index=df.index, dtype=object)


def numbers_without_evidence(df: pd.DataFrame) -> pd.Series:
    """For each row, the numeric fields that have a value but no evidence phrase.
    Each distinct evidence cell is parsed once: sources repeat them row after row."""
    codes, cells = pd.factorize(df["evidence"].astype(object))
    stated = [set(json.loads(cell)) if isinstance(cell, str) else set() for cell in cells]
    lacking = np.column_stack([
        df[field].notna().to_numpy() & ~np.array([field in keys for keys in stated] + [False])[codes]
        for field in NUMERIC_FIELDS
    ])  # code -1 (no evidence) reads the final False
    missing = np.full(len(df), "", dtype=object)
    for row in np.flatnonzero(lacking.any(axis=1)):
        missing[row] = ", ".join(field for field, lacks in zip(NUMERIC_FIELDS, lacking[row]) if lacks)
    return pd.Series(missing, index=df.index, dtype="str")


def observation_key() -> list[str]:
    """The columns that identify an observation: one per (source, model)."""
    return list(Observation.to_schema().unique)


def observation_schema(as_of: pd.Timestamp) -> pa.DataFrameSchema:
    """The observation schema with the date window ending at the snapshot date, less its
    uniqueness check: the validate stage enforces the key itself, keeping the copy that
    was there first rather than rejecting every copy."""
    date_checks = [pa.Check.ge(EARLIEST_DATE), pa.Check.le(pd.Timestamp(as_of))]
    schema = Observation.to_schema().update_column("publication_date", checks=date_checks)  # a copy
    schema.unique = None
    return schema


def observation_columns() -> list[str]:
    return list(Observation.to_schema().columns)


def canonical_columns() -> list[str]:
    return list(CanonicalModel.to_schema().columns)
