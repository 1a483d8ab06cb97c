"""Merging observations: one row per model, precedence per field, provenance kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import merge
from pipeline.schema import CONFLICT_FIELDS, observation_columns

PARAMS = {
    "precedence": ["registry", "huggingface", "epoch", "wikipedia", "announcements"],
    "fuzzy_threshold": 92, "date_window_days": 400, "params_ratio_max": 1.5,
    "tolerances": {"params_relative": 0.1, "compute_relative": 0.25, "tokens_relative": 0.1,
                   "mmlu_points": 1.0, "date_days": 31},
}


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
    merged = merge.merge_observations(observations, PARAMS)
    models, provenance, matches = merged["models"], merged["provenance"], merged["matches"]
    assert list(models["model_id"]) == ["gpt-3-175b", "other-model"]
    gpt3 = models.iloc[0]
    assert gpt3["params_total"] == 1.75e11 and gpt3["params_total_source"] == "registry"
    assert gpt3["mmlu"] == 43.9 and gpt3["mmlu_source"] == "epoch"
    assert gpt3["publication_date"] == pd.Timestamp("2020-05-28")
    assert gpt3["sources"] == "epoch | registry"
    assert dict(zip(matches["name"], matches["rule"])) == {
        "GPT-3 175B": "new_model", "GPT-3": "alias", "Other model": "new_model"}
    mmlu = provenance[(provenance["model_id"] == "gpt-3-175b") & (provenance["field"] == "mmlu")].iloc[0]
    assert mmlu["source"] == "epoch" and mmlu["evidence"] == "epoch says"
    assert mmlu["source_url"] == "https://epoch.example/gpt-3"


def test_distinct_sizes_of_a_family_stay_apart():
    observations = _frame([
        _observation("registry", "Llama 2 7B", params_total=7e9, family="Llama 2"),
        _observation("registry", "Llama 2 70B", params_total=7e10, family="Llama 2"),
    ])
    models = merge.merge_observations(observations, PARAMS)["models"]
    assert sorted(models["params_total"]) == [7e9, 7e10]


def test_every_observation_lands_in_exactly_one_model():
    observations = _frame([_observation("registry", f"Model {i}", params_total=1e6 * (i + 1)) for i in range(20)]
                          + [_observation("epoch", f"model {i}") for i in range(0, 20, 3)])
    merged = merge.merge_observations(observations, PARAMS)
    models, matches = merged["models"], merged["matches"]
    assert len(matches) == len(observations)
    assert set(matches["model_id"]) == set(models["model_id"])
    assert len(models) == 20


def test_unranked_source_is_a_clear_error():
    with pytest.raises(ValueError, match="precedence does not rank source.*mystery"):
        merge.merge_observations(_frame([_observation("mystery", "X")]), PARAMS)


@pytest.mark.parametrize(
    ("ours", "theirs", "rule"),
    [
        ("GPT-3 175B", "gpt3 175b", "normalised_name"),
        ("ResNet-152", "ResNet-152 (ImageNet)", "normalised_name"),
        ("Phi-3-small", "phi-3-small 7B", "name_and_size"),
        ("Chinchilla", "Chinchila", "fuzzy"),
    ],
)
def test_resolution_rules_join_the_same_model(ours, theirs, rule):
    observations = _frame([_observation("registry", ours, params_total=7e9, organization="Lab"),
                           _observation("epoch", theirs, params_total=7.2e9, organization="Lab")])
    matches = merge.merge_observations(observations, PARAMS)["matches"].set_index("name")
    assert matches.at[theirs, "model_id"] == matches.at[ours, "model_id"]
    assert matches.at[theirs, "rule"] == rule


@pytest.mark.parametrize(
    ("ours", "theirs", "their_params"),
    [
        ("Llama 2 7B", "Llama 2 70B", 7e10),        # another size of the family
        ("Gemini 1.0 Ultra", "Gemini 1.5 Ultra", 7e9),  # another version
        ("CogView", "CogView2", 7e9),               # a successor, not a typo
        ("FLUX.1 [dev]", "Flux.1 [pro]", 7e9),      # a sibling: brackets dropped on both sides
        ("Chinchilla", "Chinchila", 7e11),          # a typo, but 100× the parameters
        ("LLaMA-7B", "LLaMA-7B (protein-oriented instruction-tuned)", 7e9),  # a fine-tune
    ],
)
def test_vetoes_keep_different_models_apart(ours, theirs, their_params):
    observations = _frame([_observation("registry", ours, params_total=7e9),
                           _observation("epoch", theirs, params_total=their_params)])
    merged = merge.merge_observations(observations, PARAMS)
    assert len(merged["models"]) == 2


def test_identical_names_with_different_counts_are_one_model_in_conflict():
    observations = _frame([_observation("registry", "Llama 2 7B", params_total=7e9),
                           _observation("epoch", "Llama 2-7B", params_total=7e10)])
    merged = merge.merge_observations(observations, PARAMS)
    assert len(merged["models"]) == 1
    conflict = merged["conflicts"].iloc[0]
    assert (conflict["field"], conflict["chosen_source"]) == ("params_total", "registry")
    assert conflict["values"] == "epoch=70000000000.0 | registry=7000000000.0"


def test_one_source_contributes_one_observation_per_model():
    observations = _frame([_observation("registry", "Chinchilla", params_total=7e9),
                           _observation("epoch", "Chinchila", params_total=7e9),
                           _observation("epoch", "Chinchilla", params_total=7e9)])
    matches = merge.merge_observations(observations, PARAMS)["matches"]
    assert matches.groupby("model_id")["source"].apply(lambda s: s.is_unique).all()
    rules = matches[matches["source"] == "epoch"].set_index("name")["rule"]
    assert rules["Chinchilla"] == "exact_name"  # the exact name wins over the typo
    assert rules["Chinchila"] == "new_model"


def test_conflict_rules_cover_exactly_the_fields_the_conflicts_schema_allows():
    assert tuple(merge.CONFLICT_RULES) == CONFLICT_FIELDS


@pytest.mark.parametrize("n_sources", [3, 70])
def test_sources_of_each_model_are_sorted_distinct_and_joined(n_sources):
    """The bitmask shortcut and the general join agree, also beyond the 62 sources a bitmask holds."""
    rng = np.random.default_rng(n_sources)
    codes = rng.integers(0, 40, 500)
    sources = pd.Series([f"source-{number:02d}" for number in rng.integers(0, n_sources, 500)], dtype="str")
    joined = merge._sources_per_model(codes, sources, 41)
    for code in (0, 7, 39):
        assert joined[code] == " | ".join(sorted(set(sources[codes == code])))
    assert pd.isna(joined[40])  # a model code with no observation


def test_an_alias_match_obeys_the_parameter_ratio():
    """Command R 35B is also called "Command R"; Epoch's Command R+ (104B) must not join it."""
    observations = _frame([
        _observation("registry", "Command R 35B", aliases="Command R", params_total=3.5e10),
        _observation("epoch", "Command R", params_total=3.5e10),
        _observation("wikipedia", "Command R", params_total=1.04e11),
    ])
    matches = merge.merge_observations(observations, PARAMS)["matches"].set_index("source")
    assert matches.loc["epoch", "model_id"] == "command-r-35b"
    assert matches.loc["wikipedia", "model_id"] != "command-r-35b"


def test_plus_signs_and_greek_letters_keep_models_apart():
    observations = _frame([
        _observation("registry", "Command R+"), _observation("registry", "Command R"),
        _observation("registry", "PanGu-Σ"), _observation("registry", "PanGu-α"),
    ])
    models = merge.merge_observations(observations, PARAMS)["models"]
    assert sorted(models["model_id"]) == ["command-r", "command-r-plus", "pangu-alpha", "pangu-sigma"]


def test_a_reviewed_name_map_pairs_models_and_its_null_entries_veto():
    observations = _frame([
        _observation("registry", "DQN (Atari, 2013)", params_total=8e5),
        _observation("registry", "TD-Gammon 0.0", aliases="TD-Gammon", params_total=8124),
        _observation("epoch", "DQN", params_total=8.3e5),
        _observation("epoch", "TD-Gammon", params_total=8124),
    ])
    name_maps = {"epoch": {"dqn-atari-2013": "DQN", "td-gammon-0-0": None}}
    matches = merge.merge_observations(observations, PARAMS, name_maps)["matches"].set_index("name")
    assert matches.loc["DQN", ["model_id", "rule"]].tolist() == ["dqn-atari-2013", "name_map"]
    assert matches.loc["TD-Gammon", "model_id"] != "td-gammon-0-0"
    without_map = merge.merge_observations(observations, PARAMS)["matches"].set_index("name")
    assert without_map.loc["TD-Gammon", "model_id"] == "td-gammon-0-0"  # the alias alone would join them


def test_compute_no_source_states_is_derived_as_6nd_and_never_replaces_a_stated_one():
    observations = _frame([
        _observation("registry", "Dense LM", params_total=7e9, training_tokens=2e12),
        _observation("registry", "Sparse LM", params_total=4.7e10, params_active=1.3e10, training_tokens=1e12,
                     architecture="moe"),
        _observation("registry", "Unknown active MoE", params_total=4.7e10, training_tokens=1e12, architecture="moe"),
        _observation("registry", "Stated LM", params_total=7e9, training_tokens=2e12, training_compute_flop=8e22),
        _observation("registry", "Far LM", params_total=7e9, training_tokens=2e12, training_compute_flop=1e25),
    ])
    for row in observations.itertuples():
        fields = [f for f in ("params_total", "params_active", "training_compute_flop", "training_tokens")
                  if not pd.isna(getattr(row, f))]
        observations.at[row.Index, "evidence"] = json.dumps({f: "says" for f in fields})
    merged = merge.merge_observations(observations, PARAMS, compute_6nd_tolerance=10)
    models = merged["models"].set_index("name")
    assert models.loc["Dense LM", ["training_compute_flop", "training_compute_method", "training_compute_flop_source"]
                      ].tolist() == [6 * 7e9 * 2e12, "6ND", "derived"]
    assert models.loc["Sparse LM", "training_compute_flop"] == 6 * 1.3e10 * 1e12  # active, not total
    assert pd.isna(models.loc["Unknown active MoE", "training_compute_flop"])  # a MoE total would overstate N
    assert models.loc["Stated LM", ["training_compute_flop", "training_compute_method"]].tolist() == [8e22, "stated"]
    provenance = merged["provenance"].set_index(["model_id", "field"])
    derived = provenance.loc[("dense-lm", "training_compute_flop")]
    assert (derived["source"], derived["source_record"]) == ("derived", "6ND")
    assert derived["evidence"] == "6 × 7e+09 (params_total, from registry) × 2e+12 (training_tokens, from registry)"
    conflicts = merged["conflicts"].set_index(["model_id", "field"])
    assert list(conflicts.index) == [("far-lm", "training_compute_flop")]  # 1e25 is 119× 6·N·D
    assert conflicts.iloc[0]["values"] == "6ND=8.4e+22 | registry=1e+25"


def test_no_compute_is_derived_for_a_family_that_shares_weights_across_layers():
    observations = _frame([_observation("registry", "Shared LM", family="ALBERT", params_total=1.2e7,
                                        training_tokens=2.6e11)])
    observations["evidence"] = json.dumps({"params_total": "says", "training_tokens": "says"})
    merged = merge.merge_observations(observations, {**PARAMS, "shared_weight_families": ["ALBERT"]})
    assert pd.isna(merged["models"].iloc[0]["training_compute_flop"])
    assert pd.notna(merge.merge_observations(observations, PARAMS)["models"].iloc[0]["training_compute_flop"])


def test_an_upload_or_migration_day_yields_to_any_other_sources_date():
    """A Hugging Face date that is only the upload (or the Hub's migration day) loses to a later source's date
    although huggingface ranks first; a stated Hugging Face date still wins."""
    observations = _frame([
        _observation("huggingface", "BERT-Base", params_total=1.1e8, publication_date=pd.Timestamp("2022-03-02"),
                     flags="date_from_upload; date_upper_bound"),
        _observation("epoch", "BERT-Base", params_total=1.1e8, publication_date=pd.Timestamp("2018-10-11")),
        _observation("huggingface", "Nova 7B", params_total=7e9, publication_date=pd.Timestamp("2024-06-01"),
                     date_precision="month"),
        _observation("epoch", "Nova 7B", params_total=7e9, publication_date=pd.Timestamp("2024-06-20")),
        _observation("huggingface", "Solo 1B", params_total=1e9, publication_date=pd.Timestamp("2025-01-15"),
                     flags="date_from_upload"),
    ])
    models = merge.merge_observations(observations, PARAMS)["models"].set_index("model_id")
    assert models.loc["bert-base", "publication_date"] == pd.Timestamp("2018-10-11")
    assert models.loc["bert-base", "publication_date_source"] == "epoch"
    assert models.loc["bert-base", "params_total_source"] == "huggingface"  # the flag is about the date only
    assert models.loc["nova-7b", "publication_date_source"] == "huggingface"
    assert models.loc["nova-7b", "date_precision"] == "month"
    assert models.loc["solo-1b", "publication_date"] == pd.Timestamp("2025-01-15")  # no other source: it stands
