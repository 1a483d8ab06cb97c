"""Merge stage: valid observations of every source into one canonical row per model.

    python -m pipeline.merge --valid FILE --models-csv FILE --models-parquet FILE
                             --provenance FILE --matches FILE --conflicts FILE

Entity resolution (`pipeline.resolve`) maps each observation to a model and
says by which rule (`matches`). For each field, the value of the first source in
the field's precedence list (`merge.precedence`, or `merge.field_precedence`
for that field) that states it wins; its source is kept in `<field>_source`, its
URL and evidence phrase in the provenance table. Where sources disagree beyond
`merge.tolerances`, the conflicts table lists every source's value and the one
chosen. Nothing is lost: every observation is in exactly one model.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import load_params, write_csv, write_parquet
from pipeline.resolve import resolve
from pipeline.schema import NUMERIC_FIELDS, PROVENANCE_FIELDS, CanonicalModel, canonical_columns

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
    "confidence",
    "source_url",
)
# Fields that travel with another: the precision belongs to the date it qualifies.
COMPANION_FIELDS = {"publication_date": ("date_precision",)}
# How disagreement is measured per field, and the tolerance key in params.yaml.
CONFLICT_RULES = {
    "params_total": ("relative", "params_relative"),
    "params_active": ("relative", "params_relative"),
    "training_compute_flop": ("relative", "compute_relative"),
    "training_tokens": ("relative", "tokens_relative"),
    "mmlu": ("absolute", "mmlu_points"),
    "publication_date": ("days", "date_days"),
    "domain": ("different", None),
}
CONFLICT_COLUMNS = ("model_id", "name", "field", "difference", "chosen_source", "chosen_value", "values")


def precedence_for(field: str, params: dict[str, Any]) -> list[str]:
    return (params.get("field_precedence") or {}).get(field, params["precedence"])


def _ranked(observations: pd.DataFrame, precedence: list[str]) -> pd.DataFrame:
    rank = {source: position for position, source in enumerate(precedence)}
    unknown = sorted(set(observations["source"]) - set(rank))
    if unknown:
        raise ValueError(f"merge precedence does not rank source(s): {', '.join(unknown)}")
    ranked = observations.assign(source_rank=observations["source"].map(rank))
    return ranked.sort_values(["canonical_id", "source_rank", "source_record"], kind="stable")


def choose_fields(observations: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Per model and field, the value of the highest-precedence source that states it."""
    ids = pd.Index(sorted(observations["canonical_id"].unique()), name="canonical_id")
    models = pd.DataFrame({"model_id": ids}, index=ids)
    winners: dict[str, pd.Series] = {}
    rankings: dict[tuple[str, ...], pd.DataFrame] = {}  # one sort per distinct precedence list
    for field in CHOSEN_FIELDS:
        precedence = tuple(precedence_for(field, params))
        if precedence not in rankings:
            rankings[precedence] = _ranked(observations, list(precedence))
        ranked = rankings[precedence]
        stated = ranked[ranked[field].notna()].groupby("canonical_id", sort=True)
        for column in (field, *COMPANION_FIELDS.get(field, ())):
            models[column] = stated[column].first().reindex(ids)
        winners[field] = stated["source"].first().reindex(ids)
    models["sources"] = _joined_unique(observations["canonical_id"], observations["source"], " | ")
    flagged = observations[observations["flags"].notna()]
    flags = flagged.assign(flag=flagged["flags"].astype(object).str.split("; ")).explode("flag")
    models["flags"] = _joined_unique(flags["canonical_id"], flags["flag"], "; ")
    for field in PROVENANCE_FIELDS:
        models[f"{field}_source"] = winners[field]
    return models.reset_index(drop=True), winners


def _join_sorted(keys: list, values: list, separator: str) -> pd.Series:
    """Join the values of each run of equal keys (keys sorted): no per-group pandas overhead."""
    joined = {key: separator.join(value for _, value in run)
              for key, run in itertools.groupby(zip(keys, values), key=lambda pair: pair[0])}
    return pd.Series(joined, dtype=object)


def _joined_unique(keys: pd.Series, values: pd.Series, separator: str) -> pd.Series:
    """Per key, its distinct values sorted and joined."""
    pairs = pd.DataFrame({"key": keys.astype(object), "value": values.astype(object)}).dropna()
    pairs = pairs.drop_duplicates().sort_values(["key", "value"], kind="stable")
    return _join_sorted(pairs["key"].tolist(), pairs["value"].tolist(), separator)


def _differences(stated: pd.DataFrame, field: str, kind: str) -> pd.Series:
    """Per model, how far apart its sources' values of one field are."""
    if kind == "different":
        distinct = stated[["canonical_id", field]].drop_duplicates()["canonical_id"].value_counts()
        return (distinct > 1).astype(float).sort_index()
    grouped = stated.groupby("canonical_id", sort=True)[field]
    low, high = grouped.min(), grouped.max()
    if kind == "relative":
        return high / low - 1.0
    if kind == "absolute":
        return high - low
    return (high - low).dt.days.astype(float)


def _show(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else f"{value}"


def find_conflicts(observations: pd.DataFrame, models: pd.DataFrame, winners: dict[str, pd.Series],
                   tolerances: dict[str, float]) -> pd.DataFrame:
    """Fields on which a model's sources disagree beyond tolerance, with every value."""
    several = observations[observations.groupby("canonical_id")["source"].transform("size") > 1]
    chosen = models.set_index("model_id")
    tables = []
    for field, (kind, tolerance_key) in CONFLICT_RULES.items():
        stated = several[several[field].notna()]
        differences = _differences(stated, field, kind)
        tolerance = float(tolerances[tolerance_key]) if tolerance_key else 0.0
        conflicting = differences[differences > tolerance]
        if conflicting.empty:
            continue
        involved = stated[stated["canonical_id"].isin(conflicting.index)].sort_values(["canonical_id", "source"])
        shown = [f"{source}={_show(value)}" for source, value in zip(involved["source"], involved[field])]
        values = _join_sorted(involved["canonical_id"].tolist(), shown, " | ")
        tables.append(pd.DataFrame({
            "model_id": conflicting.index,
            "name": chosen.loc[conflicting.index, "name"].to_numpy(),
            "field": field,
            "difference": conflicting.round(6).to_numpy(),
            "chosen_source": winners[field].reindex(conflicting.index).to_numpy(),
            "chosen_value": [_show(value) for value in chosen.loc[conflicting.index, field]],
            "values": values.reindex(conflicting.index).to_numpy(),
        }))
    if not tables:
        return pd.DataFrame(columns=list(CONFLICT_COLUMNS))
    return pd.concat(tables, ignore_index=True).sort_values(["model_id", "field"], kind="stable").reset_index(drop=True)


def _phrase(cell: Any, field: str) -> Any:
    return json.loads(cell).get(field) if isinstance(cell, str) else None


def provenance(observations: pd.DataFrame, winners: dict[str, pd.Series]) -> pd.DataFrame:
    """For every chosen field of every model: the value's source, URL and evidence phrase."""
    columns = ["canonical_id", "source", "source_record", "source_url", "evidence", "field_urls"]
    tables = []
    for field in PROVENANCE_FIELDS:
        chosen = winners[field].dropna().rename("source").reset_index()
        rows = chosen.merge(observations[[*columns, field]], on=["canonical_id", "source"], how="left")
        field_urls = [_phrase(cell, field) for cell in rows["field_urls"]]
        tables.append(pd.DataFrame({
            "model_id": rows["canonical_id"],
            "field": field,
            "value": [_show(value) for value in rows[field]],
            "source": rows["source"],
            "source_record": rows["source_record"],
            "source_url": [own or url for own, url in zip(field_urls, rows["source_url"])],
            "evidence": [_phrase(cell, field) for cell in rows["evidence"]],
        }))
    table = pd.concat(tables, ignore_index=True)
    return table.sort_values(["model_id", "field"], kind="stable").reset_index(drop=True)


def merge_observations(observations: pd.DataFrame, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Canonical models, provenance, matches and conflicts of valid observations."""
    observations = observations.reset_index(drop=True)
    every_source = sorted({s for field in CHOSEN_FIELDS for s in precedence_for(field, params)})
    unknown = sorted(set(observations["source"]) - set(every_source))
    if unknown:
        raise ValueError(f"merge precedence does not rank source(s): {', '.join(unknown)}")
    matches = resolve(observations, params["precedence"], params)
    observations = observations.assign(canonical_id=matches["model_id"].astype(object).to_numpy())
    models, winners = choose_fields(observations, params)
    models = models.sort_values(["publication_date", "model_id"], na_position="last", kind="stable")
    models = CanonicalModel.validate(models.reindex(columns=canonical_columns()), lazy=True).reset_index(drop=True)
    if matches["model_id"].nunique() != len(models):
        raise AssertionError("merge lost or invented a model: matches and models disagree")
    return {
        "models": models,
        "provenance": provenance(observations, winners),
        "matches": matches.sort_values(["source", "source_record"], kind="stable").reset_index(drop=True),
        "conflicts": find_conflicts(observations, models, winners, params["tolerances"]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--valid", "--models-csv", "--models-parquet", "--provenance", "--matches", "--conflicts"):
        parser.add_argument(option, type=Path, required=True)
    args = parser.parse_args(argv)

    observations = pd.read_parquet(args.valid)
    merged = merge_observations(observations, load_params("merge"))
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
