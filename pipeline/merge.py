"""Merge stage: valid observations of every source into one canonical row per model.

    python -m pipeline.merge --valid FILE --models-csv FILE --models-parquet FILE
                             --provenance FILE --matches FILE

Entity resolution maps each observation to a `model_id`: the slug of its name,
or the model whose curated alias it matches. For each field, the value of the
first source in `merge.precedence` that states it wins, and its source is kept
(`<field>_source` in the table; URL and evidence phrase in the provenance file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import load_params, write_csv, write_parquet
from pipeline.schema import PROVENANCE_FIELDS, CanonicalModel, canonical_columns
from pipeline.sources.registry import slugify

# Fields copied from the winning observation of each field, in table order.
CHOSEN_FIELDS = (
    "name",
    "aliases",
    "family",
    "organization",
    "publication_date",
    "date_precision",
    "domain",
    "task",
    "architecture",
    "params_total",
    "params_active",
    "training_compute_flop",
    "training_tokens",
    "mmlu",
    "open_weights",
    "confidence",
    "source_url",
)
MATCH_COLUMNS = ("source", "source_record", "name", "model_id", "rule", "score")


def alias_table(observations: pd.DataFrame) -> dict[str, str]:
    """Slug of every curated alias → the model_id it names (registry rows only)."""
    curated = observations[(observations["source"] == "registry") & observations["aliases"].notna()]
    table: dict[str, str] = {}
    for model_id, aliases in zip(curated["model_id"], curated["aliases"]):
        for alias in str(aliases).split(" | "):
            table.setdefault(slugify(alias), model_id)
    return table


def resolve(observations: pd.DataFrame) -> pd.DataFrame:
    """One row per observation: which canonical model it belongs to, and by which rule."""
    aliases = alias_table(observations)
    own_ids = set(observations.loc[observations["source"] == "registry", "model_id"])
    by_alias = observations["model_id"].map(lambda slug: None if slug in own_ids else aliases.get(slug))
    matches = pd.DataFrame(
        {
            "source": observations["source"],
            "source_record": observations["source_record"],
            "name": observations["name"],
            "model_id": by_alias.fillna(observations["model_id"]),
            "rule": by_alias.notna().map({True: "alias", False: "exact_name"}),
            "score": 1.0,
        }
    )
    return matches.loc[:, list(MATCH_COLUMNS)]


def _first_by_precedence(ranked: pd.DataFrame, field: str) -> tuple[pd.Series, pd.Series]:
    """Per model, the first non-empty value of field and the source it came from."""
    stated = ranked[field].notna()
    grouped = ranked[stated].groupby("canonical_id", sort=True)
    return grouped[field].first(), grouped["source"].first()


def merge_observations(observations: pd.DataFrame, precedence: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Canonical models, long provenance (model, field → source, URL, evidence), matches."""
    matches = resolve(observations)
    rank = {source: position for position, source in enumerate(precedence)}
    unknown = sorted(set(observations["source"]) - set(rank))
    if unknown:
        raise ValueError(f"merge.precedence does not rank source(s): {', '.join(unknown)}")
    ranked = observations.assign(
        canonical_id=matches["model_id"].to_numpy(),
        source_rank=observations["source"].map(rank),
    ).sort_values(["canonical_id", "source_rank", "source_record"], kind="stable")

    ids = pd.Index(sorted(ranked["canonical_id"].unique()), name="canonical_id")
    models = pd.DataFrame(index=ids)
    models["model_id"] = ids
    winners: dict[str, pd.Series] = {}
    for field in CHOSEN_FIELDS:
        values, sources = _first_by_precedence(ranked, field)
        models[field] = values.reindex(ids)
        winners[field] = sources.reindex(ids)
    models["sources"] = ranked.groupby("canonical_id")["source"].agg(lambda s: " | ".join(sorted(set(s))))
    models["flags"] = ranked.groupby("canonical_id")["flags"].agg(
        lambda cells: "; ".join(sorted({f for cell in cells.dropna() for f in str(cell).split("; ")})) or None
    )
    for field in PROVENANCE_FIELDS:
        models[f"{field}_source"] = winners[field]

    models = models.reset_index(drop=True)
    models = models.sort_values(["publication_date", "model_id"], na_position="last", kind="stable")
    models = CanonicalModel.validate(models.reindex(columns=canonical_columns()), lazy=True)
    return models.reset_index(drop=True), provenance(ranked, winners), matches


def provenance(ranked: pd.DataFrame, winners: dict[str, pd.Series]) -> pd.DataFrame:
    """For every chosen field of every model: the value's source, URL and evidence phrase."""
    rows: list[dict[str, Any]] = []
    first_rows = ranked.groupby(["canonical_id", "source"], sort=True).first()
    for field in PROVENANCE_FIELDS:
        for model_id, source in winners[field].dropna().items():
            row = first_rows.loc[(model_id, source)]
            evidence = json.loads(row["evidence"]) if isinstance(row["evidence"], str) else {}
            field_urls = json.loads(row["field_urls"]) if isinstance(row["field_urls"], str) else {}
            value = row[field]
            rows.append(
                {
                    "model_id": model_id,
                    "field": field,
                    "value": value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else value,
                    "source": source,
                    "source_record": row["source_record"],
                    "source_url": field_urls.get(field, row["source_url"]),
                    "evidence": evidence.get(field),
                }
            )
    table = pd.DataFrame(rows, columns=["model_id", "field", "value", "source", "source_record", "source_url", "evidence"])
    return table.sort_values(["model_id", "field"], kind="stable").reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--valid", "--models-csv", "--models-parquet", "--provenance", "--matches"):
        parser.add_argument(option, type=Path, required=True)
    args = parser.parse_args(argv)

    params = load_params("merge")
    observations = pd.read_parquet(args.valid)
    models, provenance_table, matches = merge_observations(observations, params["precedence"])
    write_csv(args.models_csv, models)
    write_parquet(args.models_parquet, models)
    write_csv(args.provenance, provenance_table)
    write_csv(args.matches, matches.sort_values(["source", "source_record"], kind="stable"))
    print(f"merge: {len(observations)} observations -> {len(models)} models ({args.models_csv})")


if __name__ == "__main__":
    main()
