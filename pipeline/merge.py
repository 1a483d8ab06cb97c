"""Merge stage: valid observations of every source into one canonical row per model.

    python -m pipeline.merge --valid FILE --models-csv FILE --models-parquet FILE
                             --provenance FILE --matches FILE --conflicts FILE

Entity resolution (`pipeline.resolve`) maps each observation to a model and
says by which rule (`matches`). For each field, the value of the first source in
the field's precedence list (`merge.precedence`, or `merge.field_precedence`
for that field) that states it wins; its source is kept in `<field>_source`, its
URL and evidence phrase in the provenance table. A parameter count flagged
`size_mismatch` wins only where no other source states one, and so does a date
flagged `date_from_upload` or `date_upper_bound` (an upload day, a migration day:
not when the model was published). Where sources
disagree beyond `merge.tolerances`, the conflicts table lists every source's
value and the one chosen; a size-mismatched count is listed beside the size its
name states (as `name=`). A model's `flags` name the source each comes from
("epoch: size_mismatch"). Nothing is lost: every observation is in exactly one model.

Training compute that no source states is derived as 6·N·D (N: the active
parameters, or the total of a model not known to be sparse; D: training tokens),
from the model's chosen values, except for the families of
`merge.shared_weight_families`: `training_compute_method` says `6ND` (else
`stated`), its source is `derived` and provenance shows the arithmetic. A stated
compute further than a factor `validate.compute_6nd_tolerance` from 6·N·D is
listed in conflicts.csv beside it (as `6ND=`); a derived value never replaces a
stated one.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.io import load_params, write_csv, write_parquet
from pipeline.resolve import NameMaps, parameter_sizes_in_name, read_name_map, resolve, source_ranks
from pipeline.schema import (
    BENCHMARK_SHOTS,
    DATE_FROM_UPLOAD_FLAG,
    DATE_UPPER_BOUND_FLAG,
    SIZE_MISMATCH_FLAG,
    SPARSE_ARCHITECTURES,
    NUMERIC_FIELDS,
    has_flag,
    PROVENANCE_FIELDS,
    CanonicalModel,
    Conflict,
    Match,
    ProvenanceRecord,
    canonical_columns,
)

# Fields copied from the winning observation of each field, in table order.
CHOSEN_FIELDS = (
    "name",
    "aliases",
    "family",
    "organization",
    "publication_date",
    "domain",
    "task",
    "architecture",
    *NUMERIC_FIELDS,
    "open_weights",
    "notability",
    "confidence",
    "source_url",
)
# Fields that travel with another: the precision belongs to the date it qualifies, the shots
# to the score they were reported with.
COMPANION_FIELDS = {"publication_date": ("date_precision",),
                    **{benchmark: (shots,) for benchmark, shots in BENCHMARK_SHOTS.items()}}
# How disagreement is measured per field, and the tolerance key in params.yaml.
CONFLICT_RULES = {
    "params_total": ("relative", "params_relative"),
    "params_active": ("relative", "params_relative"),
    "training_compute_flop": ("relative", "compute_relative"),
    "training_tokens": ("relative", "tokens_relative"),
    "mmlu": ("absolute", "mmlu_points"),
    "mmlu_pro": ("absolute", "mmlu_points"),
    "mmlu_redux": ("absolute", "mmlu_points"),
    "publication_date": ("days", "date_days"),
    "domain": ("different", None),
}
# Per field, the flags whose observation's value yields to any other source's.
YIELDING_FLAGS = {"params_total": (SIZE_MISMATCH_FLAG,),
                  "publication_date": (DATE_FROM_UPLOAD_FLAG, DATE_UPPER_BOUND_FLAG)}
NAME_SOURCE = "name"  # what conflicts.csv calls the size a model's name states
DERIVED_SOURCE = "derived"  # the source of a value computed from other fields
SIX_ND = "6ND"  # training compute as 6 × parameters × tokens


def size_mismatched(observations: pd.DataFrame) -> np.ndarray:
    return has_flag(observations["flags"], SIZE_MISMATCH_FLAG).to_numpy(dtype=bool)


def precedence_for(field: str, params: dict[str, Any]) -> list[str]:
    return (params.get("field_precedence") or {}).get(field, params["precedence"])


def _take(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """column's values at row positions; missing where the position is -1."""
    return pd.Series(column.array.take(rows, allow_fill=True))


def _first_stated(order: np.ndarray, codes: np.ndarray, stated: np.ndarray, n_models: int) -> np.ndarray:
    """Per model code, the first row in `order` whose value is stated (-1: none)."""
    candidates = order[stated[order]]
    models, first = np.unique(codes[candidates], return_index=True)
    rows = np.full(n_models, -1, dtype=np.int64)
    rows[models] = candidates[first]
    return rows


def choose_fields(observations: pd.DataFrame, codes: np.ndarray, ids: np.ndarray,
                  params: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Per model and field, the value of the highest-precedence source that states it.

    codes: each observation's model as a position in `ids` (sorted model ids).
    Returns the models and, per field, the winning observation's row per model (-1: none).
    """
    record_rank = pd.factorize(observations["source_record"], sort=True)[0]
    flagged = {field: np.logical_or.reduce([has_flag(observations["flags"], flag).to_numpy(dtype=bool)
                                            for flag in flags])
               for field, flags in YIELDING_FLAGS.items()}
    unflagged = np.zeros(len(observations), dtype=bool)
    models = pd.DataFrame({"model_id": pd.Series(ids, dtype="str")})
    winners: dict[str, np.ndarray] = {}
    orders: dict[tuple[tuple[str, ...], str | None], np.ndarray] = {}  # one sort per precedence and flags
    for field in CHOSEN_FIELDS:
        precedence = tuple(precedence_for(field, params))
        key = (precedence, field if field in flagged else None)
        if key not in orders:
            rank = {source: position for position, source in enumerate(precedence)}
            unknown = sorted(set(pd.unique(observations["source"])) - set(rank))
            if unknown:
                raise ValueError(f"merge precedence does not rank source(s): {', '.join(unknown)}")
            source_rank = source_ranks(observations["source"], rank)
            last = flagged.get(field, unflagged)
            orders[key] = np.lexsort((record_rank, source_rank, last, codes))
        winners[field] = _first_stated(orders[key], codes, observations[field].notna().to_numpy(), len(ids))
        # A companion (the date's precision) comes from the same observation as its field.
        for column in (field, *COMPANION_FIELDS.get(field, ())):
            models[column] = _take(observations[column], winners[field])
    models["sources"] = _sources_per_model(codes, observations["source"], len(ids))
    flagged = observations["flags"].notna().to_numpy()
    flags = observations.loc[flagged, "flags"].astype(object).str.split("; ")
    sources = np.repeat(observations.loc[flagged, "source"].astype(object).to_numpy(), flags.str.len().to_numpy())
    models["flags"] = _joined_unique(np.repeat(codes[flagged], flags.str.len().to_numpy()),
                                     pd.Series(sources + ": " + flags.explode().to_numpy().astype(object)), len(ids), "; ")
    for field in PROVENANCE_FIELDS:
        models[f"{field}_source"] = _take(observations["source"], winners[field])
    return models, winners


def _sources_per_model(codes: np.ndarray, sources: pd.Series, n_models: int) -> pd.Series:
    """Per model code, its sources sorted and joined by ' | ': a bit per source, one join per distinct set."""
    source_codes, distinct = pd.factorize(sources, sort=True)
    if len(distinct) > 62:  # more sources than bits in an int64
        return _joined_unique(codes, sources, n_models, " | ")
    bits = np.zeros(n_models, dtype=np.int64)
    np.bitwise_or.at(bits, codes, np.left_shift(1, source_codes))
    sets, set_of_model = np.unique(bits, return_inverse=True)
    joined = [" | ".join(source for position, source in enumerate(distinct) if int(found) >> position & 1) or None
              for found in sets]
    return pd.Series(np.asarray(joined, dtype=object)[set_of_model], dtype="str")


def _joined_unique(codes: np.ndarray, values: pd.Series, n_models: int, separator: str) -> pd.Series:
    """Per model code, its distinct values sorted and joined (missing: none)."""
    pairs = pd.DataFrame({"code": codes, "value": values.astype(object).to_numpy()}).dropna()
    pairs = pairs.drop_duplicates().sort_values(["code", "value"], kind="stable")
    joined = np.full(n_models, None, dtype=object)
    for code, run in itertools.groupby(zip(pairs["code"].tolist(), pairs["value"].tolist()), key=lambda pair: pair[0]):
        joined[code] = separator.join(value for _, value in run)
    return pd.Series(joined, dtype="str")


def _shown(values: pd.Series) -> list[str]:
    """Values as the conflicts and provenance tables print them (dates as YYYY-MM-DD)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").tolist()
    return [f"{value}" for value in values.tolist()]


def _differences(stated: pd.DataFrame, field: str, kind: str) -> pd.Series:
    """Per model code, how far apart its sources' values of one field are."""
    if kind == "different":
        distinct = stated[["code", field]].drop_duplicates()["code"].value_counts()
        return (distinct > 1).astype(float).sort_index()
    grouped = stated.groupby("code", sort=True)[field]
    low, high = grouped.min(), grouped.max()
    if kind == "relative":
        return high / low - 1.0
    if kind == "absolute":
        return high - low
    return (high - low).dt.days.astype(float)


def six_nd_terms(models: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(6·N·D per model, which parameter count N is): active parameters, else the total of a
    model not known to be sparse (a mixture-of-experts total would overstate N)."""
    sparse = models["architecture"].isin(SPARSE_ARCHITECTURES).to_numpy()
    total = models["params_total"].where(~sparse)
    active = models["params_active"]
    n = active.where(active.notna(), total)
    which = pd.Series(np.where(active.notna(), "params_active", "params_total"), index=models.index).where(n.notna())
    return 6.0 * n * models["training_tokens"], which


def derive_compute(models: pd.DataFrame, shared_weight_families: list[str] = ()) -> tuple[pd.DataFrame, pd.Series]:
    """models with 6·N·D where no source states compute, and the method of every compute value.
    A family that shares weights across layers (ALBERT) runs each token through its parameters
    many times, so 6·N·D would undercount it: its compute is left to the sources."""
    six_nd, _ = six_nd_terms(models)
    stated = models["training_compute_flop"].notna()
    derived = ~stated & six_nd.notna() & ~models["family"].isin(list(shared_weight_families))
    models = models.copy()
    models.loc[derived, "training_compute_flop"] = six_nd[derived]
    models.loc[derived, "training_compute_flop_source"] = DERIVED_SOURCE
    method = pd.Series(None, index=models.index, dtype=object)
    method[stated], method[derived] = "stated", SIX_ND
    models["training_compute_method"] = method.astype("str")
    return models, derived


def six_nd_far_from_stated(models: pd.DataFrame, factor: float) -> pd.DataFrame:
    """6·N·D of the models whose stated compute is more than `factor` away from it, as
    observations of the pseudo-source `6ND` (models in code order)."""
    six_nd, _ = six_nd_terms(models)
    ratio = models["training_compute_flop"] / six_nd
    far = (models["training_compute_method"] == "stated").to_numpy(dtype=bool) & ((ratio > factor) | (ratio < 1 / factor)).fillna(False).to_numpy(dtype=bool)
    codes = np.flatnonzero(far)
    return pd.DataFrame({"source": SIX_ND, "code": codes, "training_compute_flop": six_nd.to_numpy()[codes]})


def find_conflicts(observations: pd.DataFrame, codes: np.ndarray, models: pd.DataFrame,
                   winners: dict[str, np.ndarray], tolerances: dict[str, float],
                   pseudo: list[pd.DataFrame] = ()) -> pd.DataFrame:
    """Fields on which a model's sources disagree beyond tolerance, with every value.
    models is in code order (row i is model code i); pseudo: values of the pseudo-sources
    (the name's size, 6·N·D) as rows of source, code and a field."""
    stated = observations[["source", *CONFLICT_RULES]].assign(code=codes)
    extra = [frame for frame in pseudo if len(frame)]
    if extra:
        stated = pd.concat([stated, *extra], ignore_index=True)
    sizes = np.bincount(stated["code"].to_numpy(), minlength=len(models))
    several = stated[sizes[stated["code"].to_numpy()] > 1]
    tables = []
    for field, (kind, tolerance_key) in CONFLICT_RULES.items():
        stated = several[several[field].notna()]
        differences = _differences(stated, field, kind)
        tolerance = float(tolerances[tolerance_key]) if tolerance_key else 0.0
        conflicting = differences[differences > tolerance]
        if conflicting.empty:
            continue
        involved = stated[stated["code"].isin(conflicting.index)]
        involved = involved.iloc[np.lexsort((involved["source"].to_numpy(), involved["code"].to_numpy()))]
        shown = [f"{source}={value}" for source, value in zip(involved["source"].tolist(), _shown(involved[field]))]
        values = {code: " | ".join(text for _, text in run)
                  for code, run in itertools.groupby(zip(involved["code"].tolist(), shown), key=lambda pair: pair[0])}
        chosen = conflicting.index.to_numpy()
        tables.append(pd.DataFrame({
            "model_id": models["model_id"].to_numpy()[chosen],
            "name": models["name"].to_numpy()[chosen],
            "field": field,
            "difference": conflicting.round(6).to_numpy(),
            "chosen_source": _take(observations["source"], winners[field][chosen]).to_numpy(),
            "chosen_value": _shown(models[field].iloc[chosen]),
            "values": [values[code] for code in chosen],
        }))
    if not tables:
        return pd.DataFrame(columns=list(Conflict.to_schema().columns))
    return pd.concat(tables, ignore_index=True).sort_values(["model_id", "field"], kind="stable").reset_index(drop=True)


def name_sizes_of_mismatched(observations: pd.DataFrame, codes: np.ndarray) -> pd.DataFrame:
    """For each size-mismatched observation, the parameter count its name states, as an
    observation of the pseudo-source `name` (the first size, when the name states several)."""
    mismatched = np.flatnonzero(size_mismatched(observations))
    rows = [{"source": NAME_SOURCE, "code": codes[row], "params_total": sizes[0]}
            for row in mismatched.tolist() if (sizes := parameter_sizes_in_name(str(observations.at[row, "name"])))]
    return pd.DataFrame(rows, columns=["source", "code", "params_total"]).astype({"code": "int64"}).drop_duplicates(["code"])


def _phrases(cells: pd.Series, fields: np.ndarray) -> list[Any]:
    """Each JSON cell's entry for the field beside it (evidence, field_urls); each distinct cell parsed once."""
    parsed = {cell: json.loads(cell) for cell in pd.unique(cells.dropna())}
    return [parsed[cell].get(field) if cell in parsed else None
            for cell, field in zip(cells.astype(object).tolist(), fields.tolist())]


def derived_provenance(models: pd.DataFrame, derived: pd.Series) -> pd.DataFrame:
    """Provenance of derived compute: the arithmetic, and where each of its terms comes from."""
    _, which = six_nd_terms(models)
    evidence = [
        f"6 × {row[term]:.4g} ({term}, from {row[f'{term}_source']}) × {row['training_tokens']:.4g} "
        f"(training_tokens, from {row['training_tokens_source']})"
        for term, (_, row) in zip(which[derived], models[derived].iterrows())
    ]
    rows = models[derived]
    return pd.DataFrame({
        "model_id": rows["model_id"].to_numpy(), "field": "training_compute_flop",
        "value": _shown(rows["training_compute_flop"]), "source": DERIVED_SOURCE, "source_record": SIX_ND,
        "source_url": None, "evidence": evidence, "evidence_kind": "derived",
    })


def provenance(observations: pd.DataFrame, ids: np.ndarray, winners: dict[str, np.ndarray]) -> pd.DataFrame:
    """For every chosen field of every model: the value's source, URL and evidence phrase.
    One row per (model, field) with a value, sorted by model_id then field."""
    fields = sorted(PROVENANCE_FIELDS)
    chosen = {field: np.flatnonzero(winners[field] >= 0) for field in fields}
    models = np.concatenate([chosen[field] for field in fields])
    field_of = np.repeat(np.arange(len(fields)), [len(chosen[field]) for field in fields])
    order = np.lexsort((field_of, models))  # ids are sorted, so model codes sort as model_ids
    rows = np.concatenate([winners[field][chosen[field]] for field in fields])[order]
    field_of = field_of[order]
    values = np.concatenate([np.asarray(_shown(observations[field].iloc[winners[field][chosen[field]]]), dtype=object)
                             for field in fields])[order]
    taken = observations[["source", "source_record", "source_url", "evidence", "evidence_kinds", "field_urls"]].iloc[rows]
    field_names = np.asarray(fields, dtype=object)[field_of]
    field_urls = _phrases(taken["field_urls"], field_names)
    evidence = _phrases(taken["evidence"], field_names)
    # A number's evidence is of the kind its source states, a record when the source states none.
    kinds = [kind or ("record" if phrase is not None else None)
             for kind, phrase in zip(_phrases(taken["evidence_kinds"], field_names), evidence)]
    return pd.DataFrame({
        "model_id": pd.Series(ids[models[order]], dtype="str"),
        "field": pd.Series(field_names, dtype="str"),
        "value": pd.Series(values, dtype="str"),
        "source": taken["source"].to_numpy(),
        "source_record": taken["source_record"].to_numpy(),
        "source_url": [own or url for own, url in zip(field_urls, taken["source_url"].tolist())],
        "evidence": evidence,
        "evidence_kind": kinds,
    })


def merge_observations(observations: pd.DataFrame, params: dict[str, Any], name_maps: NameMaps | None = None,
                       compute_6nd_tolerance: float = 10.0) -> dict[str, pd.DataFrame]:
    """Canonical models, provenance, matches and conflicts of valid observations
    (name_maps: reviewed pairs per source, see `pipeline.resolve`)."""
    observations = observations.reset_index(drop=True)
    every_source = sorted({s for field in CHOSEN_FIELDS for s in precedence_for(field, params)})
    unknown = sorted(set(pd.unique(observations["source"])) - set(every_source))
    if unknown:
        raise ValueError(f"merge precedence does not rank source(s): {', '.join(unknown)}")
    resolution = resolve(observations, params["precedence"], params, name_maps)
    matches = resolution.matches
    # Models as codes in model_id order: codes sort as the ids do.
    by_id = np.argsort(resolution.model_ids, kind="stable")
    ids = resolution.model_ids[by_id]
    code_of_model = np.empty(len(ids), dtype=np.int64)
    code_of_model[by_id] = np.arange(len(ids))
    codes = code_of_model[resolution.model_of]
    models, winners = choose_fields(observations, codes, ids, params)
    models, derived = derive_compute(models, params.get("shared_weight_families") or [])
    conflicts = find_conflicts(observations, codes, models, winners, params["tolerances"],
                               [name_sizes_of_mismatched(observations, codes),
                                six_nd_far_from_stated(models, compute_6nd_tolerance)])
    sourced = pd.concat([provenance(observations, ids, winners), derived_provenance(models, derived)], ignore_index=True)
    sourced = sourced.sort_values(["model_id", "field"], kind="stable").reset_index(drop=True)
    models = models.sort_values(["publication_date", "model_id"], na_position="last", kind="stable")
    models = CanonicalModel.validate(models.reindex(columns=canonical_columns()), lazy=True).reset_index(drop=True)
    if matches["model_id"].nunique() != len(models):
        raise AssertionError("merge lost or invented a model: matches and models disagree")
    matches = matches.sort_values(["source", "source_record"], kind="stable").reset_index(drop=True)
    # Every table merge writes is checked against its schema, the one description of its columns.
    return {
        "models": models,
        "provenance": ProvenanceRecord.validate(sourced, lazy=True),
        "matches": Match.validate(matches, lazy=True),
        "conflicts": Conflict.validate(conflicts, lazy=True),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--valid", "--models-csv", "--models-parquet", "--provenance", "--matches", "--conflicts"):
        parser.add_argument(option, type=Path, required=True)
    args = parser.parse_args(argv)

    observations = pd.read_parquet(args.valid)
    params = load_params("merge")
    name_maps = {source: read_name_map(Path(path)) for source, path in (params.get("name_maps") or {}).items()}
    merged = merge_observations(observations, params, name_maps, float(load_params("validate")["compute_6nd_tolerance"]))
    write_csv(args.models_csv, merged["models"])
    write_parquet(args.models_parquet, merged["models"])
    write_csv(args.provenance, merged["provenance"])
    write_csv(args.matches, merged["matches"])
    write_csv(args.conflicts, merged["conflicts"])
    rules = merged["matches"]["rule"].value_counts().sort_index().to_dict()
    print(f"merge: {len(observations)} observations -> {len(merged['models'])} models "
          f"(matched by {rules}); {len(merged['conflicts'])} conflicts -> {args.models_csv}")


if __name__ == "__main__":
    main()
