"""Merging real data: the registry with Epoch AI's database, and two Epoch releases."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import merge, validate
from pipeline.io import load_params
from pipeline.resolve import name_sizes
from pipeline.sources import epoch, registry
from tests.conftest import REPO

# Registry name → Epoch name of the same model, checked by hand.
KNOWN_SAME_MODEL = {
    "GPT-3 175B": "GPT-3 175B (davinci)",
    "Llama 2 7B": "Llama 2-7B",
    "Phi-3-small": "phi-3-small 7.4B",
    "Phi-3-medium": "phi-3-medium 14B",
    "ResNet-152": "ResNet-152 (ImageNet)",
    "ULMFiT": "ULM-FiT",
    "ESM-2 15B": "ESM2-15B",
    "XLM-R XXL": "XLMR-XXL",
    "DeepSeek-Coder-V2": "DeepSeek-Coder-V2 236B",
    "CapsNet": "CapsNet (MultiMNIST)",
}


def _epoch_observations(path, source: str) -> pd.DataFrame:
    observations, _ = epoch.observations_from_csv(path.read_text(encoding="utf-8-sig"), path.name, "https://epoch.ai")
    return observations.assign(source=source)


def _merge_params(**changes) -> dict:
    return {**load_params("merge", REPO / "params.yaml"), **changes}


@pytest.fixture(scope="module")
def registry_with_epoch():
    epoch_path = REPO.parent / "shared" / "data" / "epoch" / "all_ai_models_2025-03-14.csv"
    if not epoch_path.exists():
        pytest.skip("../shared/data/epoch not present")
    observations = pd.concat([registry.parse({"path": str(REPO / "raw" / "registry")}),
                              _epoch_observations(epoch_path, "epoch")], ignore_index=True)
    valid = validate.validate_observations(observations, load_params("validate", REPO / "params.yaml")).valid
    return valid, merge.merge_observations(valid, _merge_params())


def test_known_aliases_end_in_one_row(registry_with_epoch):
    _, merged = registry_with_epoch
    model_of = merged["matches"].set_index(["source", "name"])["model_id"]
    registry_names = set(merged["matches"].loc[merged["matches"]["source"] == "registry", "name"])
    checked = 0
    for ours, theirs in KNOWN_SAME_MODEL.items():
        if ours not in registry_names:  # the registry may rename; a missing pair is not a merge failure
            continue
        assert model_of[("registry", ours)] == model_of[("epoch", theirs)], (ours, theirs)
        checked += 1
    assert checked >= len(KNOWN_SAME_MODEL) - 2


def test_no_merged_row_joins_two_sizes(registry_with_epoch):
    _, merged = registry_with_epoch
    matches = merged["matches"]
    for model_id, group in matches[matches.duplicated("model_id", keep=False)].groupby("model_id"):
        sizes = {name_sizes(name) for name, rule in zip(group["name"], group["rule"]) if rule != "alias"} - {frozenset()}
        assert len(sizes) <= 1, (model_id, list(group["name"]))


def test_nothing_is_lost(registry_with_epoch):
    valid, merged = registry_with_epoch
    matches = merged["matches"]
    assert len(matches) == len(valid)
    assert set(matches["model_id"]) == set(merged["models"]["model_id"])
    assert not matches.duplicated(["model_id", "source"]).any()


def test_conflicts_list_every_value_and_the_choice(registry_with_epoch):
    _, merged = registry_with_epoch
    conflicts = merged["conflicts"]
    assert len(conflicts) > 0
    row = conflicts[conflicts["field"] == "params_total"].iloc[0]
    assert "registry=" in row["values"] and "epoch=" in row["values"]
    assert row["chosen_source"] == "registry"


@pytest.fixture(scope="module")
def two_releases():
    folder = REPO.parent / "shared" / "data" / "epoch"
    if not folder.is_dir():
        pytest.skip("../shared/data/epoch not present")
    old = _epoch_observations(folder / "notable_ai_models_2024-09-19.csv", "epoch_old")
    new = _epoch_observations(folder / "notable_ai_models_2025-02-24.csv", "epoch_new")
    valid = validate.validate_observations(pd.concat([old, new], ignore_index=True),
                                           load_params("validate", REPO / "params.yaml")).valid
    exact = {key: 0 for key in _merge_params()["tolerances"]}
    params = _merge_params(precedence=["epoch_new", "epoch_old"], field_precedence={}, tolerances=exact)
    # No 6·N·D beside the stated compute: the conflicts are those between the two releases.
    return valid, merge.merge_observations(valid, params, compute_6nd_tolerance=float("inf"))


def test_two_releases_give_one_row_per_model_name(two_releases):
    valid, merged = two_releases
    matches = merged["matches"]
    names = set(valid["model_id"])
    renamed = matches[~matches["rule"].isin(["new_model", "exact_name"])]
    # Each join of two different names pairs an old row with a new one (a rename between releases).
    assert set(renamed["source"]) <= {"epoch_old"}
    assert len(merged["models"]) == len(names) - len(renamed)


def test_conflicts_are_exactly_the_values_that_changed(two_releases):
    valid, merged = two_releases
    old = valid[valid["source"] == "epoch_old"].set_index("model_id")
    new = valid[valid["source"] == "epoch_new"].set_index("model_id")
    both = old.index.intersection(new.index)
    changed = set()
    for field in merge.CONFLICT_RULES:
        before, after = old.loc[both, field], new.loc[both, field]
        differs = before.notna() & after.notna() & (before != after)
        changed |= {(model_id, field) for model_id in both[differs.to_numpy()]}
    # Beside the two releases, a size-mismatched count is listed against its name's size ("name=").
    between_releases = merged["conflicts"][~merged["conflicts"]["values"].str.contains("name=", regex=False)]
    reported = set(zip(between_releases["model_id"], between_releases["field"]))
    exact_pairs = {(model_id, field) for model_id, field in reported if model_id in both}
    assert exact_pairs == changed
    assert len(changed) > 10
