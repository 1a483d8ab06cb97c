"""The default build on real data: the registry merged with the pinned Epoch AI snapshot
(`raw/epoch/`, committed), read as the pipeline reads it. Needs nothing outside the repository."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline import crosscheck, merge, validate
from pipeline.collect import latest_snapshot
from pipeline.io import load_params
from pipeline.resolve import read_name_map
from pipeline.sources import epoch, registry
from tests.conftest import REPO

PARAMS_FILE = REPO / "params.yaml"
# Rows of the pinned 2025-03-14 snapshot whose "name" is a paper's title or a description,
# read by hand; validate must quarantine each (name_is_not_a_sentence).
SENTENCE_NAMES = {
    "Deep Learning Enabled Discovery of Kinase Drug Targets in Pharos",
    "Designing of thermostable proteins with a desired melting temperature",
    "Importance of higher-order epistasis in large protein sequence-function relationships",
    "RNA language models predict mutations that improve RNA function",
    "Automated design of multi-target ligands by generative deep learning",
    "Machine learning a model for RNA structure prediction",
    "improved U-Net for chest X-ray images segmentation",
    "Sparse coding model for V1 receptive fields",
}


def _sources() -> dict:
    config = load_params("sources", PARAMS_FILE)
    return {name: {**section, "path": str(REPO / section["path"])} for name, section in config.items()}


@pytest.fixture(scope="module")
def pinned_epoch_csv() -> Path:
    config = _sources()["epoch"]
    snapshot = latest_snapshot(Path(config["path"]), str(config["as_of"]))
    if snapshot is None:
        pytest.fail("the pinned Epoch snapshot is missing from raw/epoch/ (it is committed)")
    folder, metadata = snapshot
    return folder / metadata["files"][0]["path"]


@pytest.fixture(scope="module")
def build(pinned_epoch_csv):
    sources = _sources()
    raw = pd.concat([registry.parse(sources["registry"]), epoch.parse(sources["epoch"])], ignore_index=True)
    result = validate.validate_observations(raw, load_params("validate", PARAMS_FILE))
    params = load_params("merge", PARAMS_FILE)
    name_maps = {source: read_name_map(REPO / path) for source, path in params["name_maps"].items()}
    return raw, result, merge.merge_observations(result.valid, params, name_maps)


def test_many_sources_in_the_default_build(build):
    _, _, merged = build
    sources = merged["models"]["sources"].str.split(" | ", regex=False)
    assert len(merged["models"]) >= 2400
    assert sources.map(lambda found: {"registry", "epoch"} <= set(found)).sum() >= 250


def test_every_stub_row_is_quarantined_with_its_reason_or_counted_by_the_parser(build, pinned_epoch_csv):
    _, result, merged = build
    table = pd.read_csv(pinned_epoch_csv, dtype=str, keep_default_na=False).apply(lambda column: column.str.strip())
    numbered = (table[["Parameters", "Training compute (FLOP)", "Training dataset size (datapoints)"]] != "").any(axis=1)
    dated, with_domain, named = table["Publication date"] != "", table["Domain"] != "", table["Model"] != ""
    stubs = table[named & (~dated | ~with_domain | table["Model"].isin(SENTENCE_NAMES))]
    # A stub without any number that states nothing but its name is dropped by the parser, with a count.
    says_nothing = ~numbered & (~named | ~(dated | with_domain))
    assert epoch.parse(_sources()["epoch"]).attrs["rejected_rows"] == int(says_nothing.sum()) > 0
    stubs = stubs[~says_nothing[stubs.index]]
    assert len(stubs) >= 100
    record_of = {row: f"{pinned_epoch_csv.as_posix()} row {row + 1}" for row in stubs.index}
    quarantined = result.quarantined.set_index("source_record")["quarantine_reason"]
    assert set(record_of.values()) <= set(quarantined.index)
    for row, record in record_of.items():
        stub = stubs.loc[row]
        expected = [reason for reason, applies in (("publication_date (empty) fails not_nullable", stub["Publication date"] == ""),
                                                   ("domain (empty) fails not_nullable", stub["Domain"] == ""),
                                                   ("name_is_not_a_sentence", stub["Model"] in SENTENCE_NAMES)) if applies]
        assert all(reason in quarantined[record] for reason in expected), (record, quarantined[record])
    assert not set(merged["provenance"]["source_record"]) & set(record_of.values())
    assert not set(merged["matches"]["source_record"]) & set(record_of.values())


def test_a_size_that_contradicts_the_name_is_flagged_and_the_registry_wins(build):
    _, result, merged = build
    llama = result.valid[(result.valid["source"] == "epoch") & (result.valid["name"] == "Llama 2-7B")].iloc[0]
    assert "size_mismatch" in llama["flags"] and llama["confidence"] == "speculative"
    model = merged["models"].set_index("model_id").loc["llama-2-7b"]
    assert model["params_total"] == 7e9 and model["params_total_source"] == "registry"
    conflict = merged["conflicts"].set_index(["model_id", "field"]).loc[("llama-2-7b", "params_total")]
    assert "epoch=70000000000.0" in conflict["values"] and "name=7000000000.0" in conflict["values"]


def test_every_cross_check_pair_is_one_model(build, pinned_epoch_csv):
    _, result, merged = build
    valid = result.valid
    name_map = read_name_map(REPO / "raw" / "registry" / "crosscheck" / "name_map.yaml")
    pairs = crosscheck.match_models(valid[valid["source"] == "registry"], crosscheck.read_epoch(pinned_epoch_csv),
                                    name_map)
    assert len(pairs) >= 250
    matches = merged["matches"]
    epoch_models = matches[matches["source"] == "epoch"].groupby("name")["model_id"].agg(set)
    # A pair whose Epoch row is a stub (quarantined, or dropped by the parser) has nothing to merge.
    valid_names = set(valid.loc[valid["source"] == "epoch", "name"])
    checked = [pair for pair in pairs.itertuples() if pair.epoch_name in valid_names]
    apart = [(pair.model_id, pair.epoch_name) for pair in checked if pair.model_id not in epoch_models[pair.epoch_name]]
    assert apart == [] and len(checked) >= 250


def test_names_that_differ_by_a_plus_or_a_greek_letter_are_four_models(build):
    _, _, merged = build
    matches = merged["matches"][merged["matches"]["source"] == "epoch"].set_index("name")["model_id"]
    ids = [matches[name] for name in ("Command R+", "Command R", "PanGu-Σ", "PanGu-α")]
    assert len(set(ids)) == 4
    models = merged["models"].set_index("model_id")
    assert models.loc[matches["Command R+"], "params_total"] > 1e11 > models.loc[matches["Command R"], "params_total"]


def test_a_stated_day_is_never_truncated(build):
    _, _, merged = build
    models = merged["models"].set_index("name")
    sora = models.loc["Sora"]
    assert sora["publication_date"] == pd.Timestamp("2024-02-15") and sora["date_precision"] == "day"
    assert "epoch: date_may_be_fill_in" in sora["flags"]


def test_annotating_every_count_of_the_snapshot_loses_none(pinned_epoch_csv):
    """The "(est.)" case: each cell is read and flagged, never silently emptied."""
    table = pd.read_csv(pinned_epoch_csv, dtype=str, keep_default_na=False)
    stated = table["Parameters"].str.strip() != ""
    annotated = table.assign(Parameters=table["Parameters"].where(~stated, table["Parameters"] + " (est.)"))
    plain, _ = epoch.observations_from_csv(table.to_csv(index=False), "plain.csv", epoch.DATASET_URL)
    marked, _ = epoch.observations_from_csv(annotated.to_csv(index=False), "marked.csv", epoch.DATASET_URL)
    assert marked["params_total"].notna().sum() == plain["params_total"].notna().sum() > 1000  # less Epoch's "Wrong" row
    assert marked["params_total"].fillna(-1).tolist() == plain["params_total"].fillna(-1).tolist()
    assert marked["flags"].str.contains("annotated_number(params_total)", regex=False).sum() == stated.sum()
