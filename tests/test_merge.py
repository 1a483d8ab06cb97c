"""Merging observations: one row per model, precedence per field, provenance kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import merge
from pipeline.schema import observation_columns

PRECEDENCE = ["registry", "huggingface", "epoch", "wikipedia", "announcements"]


def _observation(source: str, name: str, **fields) -> dict:
    from pipeline.sources.registry import slugify

    row = {column: None for column in observation_columns()}
    row.update(source=source, source_record=f"{source}:{name}", name=name, model_id=slugify(name),
               domain="Language", source_url=f"https://{source}.example/{slugify(name)}",
               publication_date=pd.Timestamp("2020-05-28"), date_precision="day")
    for field in ("params_total", "params_active", "training_compute_flop", "training_tokens", "mmlu"):
        row[field] = fields.pop(field, np.nan)
    row.update(fields)
    row["evidence"] = json.dumps({field: f"{source} says" for field in ("params_total", "mmlu") if not pd.isna(row[field])})
    return row


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=observation_columns())


def test_alias_joins_sources_and_precedence_picks_each_field():
    observations = _frame([
        _observation("registry", "GPT-3 175B", aliases="GPT-3 | davinci", params_total=1.75e11),
        _observation("epoch", "GPT-3", params_total=1.74e11, mmlu=43.9, publication_date=pd.Timestamp("2020-06-11")),
        _observation("epoch", "Other model", params_total=1e9),
    ])
    models, provenance, matches = merge.merge_observations(observations, PRECEDENCE)
    assert list(models["model_id"]) == ["gpt-3-175b", "other-model"]
    gpt3 = models.iloc[0]
    assert gpt3["params_total"] == 1.75e11 and gpt3["params_total_source"] == "registry"
    assert gpt3["mmlu"] == 43.9 and gpt3["mmlu_source"] == "epoch"
    assert gpt3["publication_date"] == pd.Timestamp("2020-05-28")
    assert gpt3["sources"] == "epoch | registry"
    assert dict(zip(matches["name"], matches["rule"])) == {
        "GPT-3 175B": "exact_name", "GPT-3": "alias", "Other model": "exact_name"}
    mmlu = provenance[(provenance["model_id"] == "gpt-3-175b") & (provenance["field"] == "mmlu")].iloc[0]
    assert mmlu["source"] == "epoch" and mmlu["evidence"] == "epoch says"
    assert mmlu["source_url"] == "https://epoch.example/gpt-3"


def test_distinct_sizes_of_a_family_stay_apart():
    observations = _frame([
        _observation("registry", "Llama 2 7B", params_total=7e9, family="Llama 2"),
        _observation("registry", "Llama 2 70B", params_total=7e10, family="Llama 2"),
    ])
    models, _, _ = merge.merge_observations(observations, PRECEDENCE)
    assert sorted(models["params_total"]) == [7e9, 7e10]


def test_every_observation_lands_in_exactly_one_model():
    observations = _frame([_observation("registry", f"Model {i}", params_total=1e6 * (i + 1)) for i in range(20)]
                          + [_observation("epoch", f"model {i}") for i in range(0, 20, 3)])
    models, _, matches = merge.merge_observations(observations, PRECEDENCE)
    assert len(matches) == len(observations)
    assert set(matches["model_id"]) == set(models["model_id"])
    assert len(models) == 20


def test_unranked_source_is_a_clear_error():
    with pytest.raises(ValueError, match="does not rank source.*mystery"):
        merge.merge_observations(_frame([_observation("mystery", "X")]), PRECEDENCE)
