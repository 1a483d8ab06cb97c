"""The Epoch AI plug-in: real snapshots (schema drift) and the rules for Epoch's messiness."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import collect, validate
from pipeline.http import Fetcher, FetchPolicy
from pipeline.schema import DOMAINS, observation_columns
from pipeline.sources import epoch
from tests.conftest import VALIDATE_PARAMS
from tests.httpserver import LoopbackServer, Route, validate_all_metadata

FIXTURE = Path(__file__).parent / "fixtures" / "sources" / "epoch_all_ai_models_synthetic.csv"
REAL_SNAPSHOTS = ["notable_ai_models_2024-09-19.csv", "notable_ai_models_2025-02-24.csv", "all_ai_models_2025-03-14.csv"]


def collect_and_parse(tmp_path: Path, body: bytes, file_name: str = "all_ai_models.csv",
                      as_of: str = "2025-03-14") -> tuple[pd.DataFrame, dict]:
    """Serve body on loopback, collect it as a snapshot, parse it back."""
    root = tmp_path / "raw" / "epoch"
    with LoopbackServer({f"/data/{file_name}": Route(body=body, content_type="text/csv")}) as server:
        config = {"path": str(root), "enabled": True, "as_of": as_of, "url": server.url(f"/data/{file_name}"),
                  "allowed_hosts": ["127.0.0.1"], "min_interval_s": 0, "max_bytes": 10_000_000,
                  "unknown_columns_out": str(tmp_path / "observations" / "epoch.unknown_columns.csv")}
        status = collect.collect_source("epoch", config, fetcher=Fetcher(FetchPolicy.from_config(config)))
    assert status["state"] == "ok", status
    assert validate_all_metadata(root) == 1
    return epoch.parse(config), config


@pytest.fixture
def synthetic(tmp_path) -> pd.DataFrame:
    observations, _ = collect_and_parse(tmp_path, FIXTURE.read_bytes())
    return observations.set_index("name", drop=False)


@pytest.mark.shared
@pytest.mark.parametrize("file_name", REAL_SNAPSHOTS)
def test_parses_every_real_snapshot(file_name, epoch_dir, tmp_path, capsys):
    body = (epoch_dir / file_name).read_bytes()
    observations, config = collect_and_parse(tmp_path, body, file_name)
    rows = len(pd.read_csv(epoch_dir / file_name, dtype=str, keep_default_na=False))
    assert len(observations) == rows  # no row dropped
    assert list(observations.columns) == observation_columns()
    assert observations["model_id"].is_unique and set(observations["domain"]) <= set(DOMAINS)
    assert not Path(config["unknown_columns_out"]).exists()  # every column of the three releases is known
    assert "new column" not in capsys.readouterr().err
    result = validate.validate_observations(observations, VALIDATE_PARAMS)
    assert len(result.valid) >= 0.99 * rows  # the rest is quarantined with a reason, not lost
    assert observations["evidence"].notna().sum() > rows / 2


def test_renamed_columns_go_through_the_alias_table(tmp_path):
    renamed = (FIXTURE.read_text()
               .replace("Model,Domain", "System,Domain", 1)
               .replace("Training dataset size (datapoints)", "Training dataset size (total)")
               .replace("Country (from Organization)", "Country (of organization)"))
    observations, config = collect_and_parse(tmp_path, renamed.encode())
    lm = observations.set_index("name").loc["Example LM 7B"]
    assert lm["training_tokens"] == 2e12
    assert "column Training dataset size (total)" in json.loads(lm["evidence"])["training_tokens"]
    assert not Path(config["unknown_columns_out"]).exists()


def test_unknown_column_is_kept_in_side_file_and_reported(tmp_path, capsys):
    lines = FIXTURE.read_text().splitlines()
    widened = [lines[0] + ",Reasoning tokens"] + [line + ",1234" for line in lines[1:]]
    observations, config = collect_and_parse(tmp_path, ("\n".join(widened) + "\n").encode())
    assert len(observations) == len(lines) - 1
    side = pd.read_csv(config["unknown_columns_out"])
    assert list(side.columns) == ["model_id", "column", "value"] and set(side["column"]) == {"Reasoning tokens"}
    assert len(side) == len(lines) - 1
    assert "new column(s) not in the alias table: Reasoning tokens" in capsys.readouterr().err


def test_missing_required_column_is_an_error_naming_it():
    text = FIXTURE.read_text().replace("Publication date", "Release")
    with pytest.raises(epoch.EpochLayoutError, match="'Publication date' missing"):
        epoch.observations_from_csv(text, "all_ai_models.csv", epoch.DATASET_URL)


def test_numbers_evidence_and_link(synthetic):
    lm = synthetic.loc["Example LM 7B"]
    assert (lm["params_total"], lm["training_compute_flop"], lm["training_tokens"]) == (7e9, 8.4e22, 2e12)
    evidence = json.loads(lm["evidence"])
    assert set(evidence) == {"params_total", "training_compute_flop", "training_tokens"}
    assert evidence["params_total"] == 'Epoch AI database, column Parameters; notes: "a 7B-parameter model" (section 2)'
    assert lm["source_url"] == "https://example.org/lm"  # first of several links
    assert lm["organization"] == "Example Lab, Example University"
    assert lm["confidence"] == "confident" and bool(lm["open_weights"]) is True
    assert synthetic.loc["Duplicate Net"]["source_url"].iloc[0].endswith("/data/all_ai_models.csv")  # no Link


@pytest.mark.parametrize(
    ("cell", "domain"),
    [("Language", "Language"), ("Multimodal,Language,Vision", "Multimodal"), ("Vision,Language", "Multimodal"),
     ("Vision,Image generation", "Vision"), ("Video", "Vision"), ("Audio", "Speech"), ("Materials science", "Other"),
     ("", "Other"), ("Video,Vision", "Vision")],
)
def test_domain_rule(cell, domain):
    assert epoch.map_domain(cell) == domain


def test_multi_valued_domain_keeps_original_in_notes(synthetic):
    chat = synthetic.loc["Example Vision Chat"]
    assert chat["domain"] == "Multimodal" and "Epoch domain: Multimodal,Language,Vision" in chat["notes"]
    assert chat["training_tokens"] == 4e8  # multimodal datapoints count as tokens


@pytest.mark.parametrize(
    ("cell", "date", "precision"),
    [("2023-05-15", "2023-05-01", "month"), ("2022-07-01", "2022-01-01", "year"),
     ("2021-03-02", "2021-03-02", "day"), ("", None, None), ("2021-13-40", None, None)],
)
def test_placeholder_dates_claim_only_what_is_certain(cell, date, precision):
    parsed, found = epoch.parse_epoch_date(cell)
    assert found == precision and (parsed == pd.Timestamp(date) if date else pd.isna(parsed))


def test_duplicate_names_get_unique_ids_with_date(synthetic):
    duplicates = synthetic.loc["Duplicate Net"]
    assert sorted(duplicates["model_id"]) == ["duplicate-net-2021-03-02", "duplicate-net-2021-06-09"]
    assert duplicates["notes"].str.contains("2 rows share this name").all()
    assert epoch.unique_model_ids(["A", "A", "A"], ["2020-01-01"] * 3)[0] == [
        "a-2020-01-01", "a-2020-01-01-2", "a-2020-01-01-3"]


def test_empty_name_row_is_kept_for_validate_to_quarantine(synthetic):
    unnamed = synthetic[synthetic["name"].isna()]
    assert len(unnamed) == 1 and unnamed["model_id"].iloc[0] == "epoch-unnamed-row-6"
    result = validate.validate_observations(synthetic.reset_index(drop=True), VALIDATE_PARAMS)
    quarantined = set(result.quarantined["model_id"])
    assert "epoch-unnamed-row-6" in quarantined and "future-model" in quarantined  # future date, too many params
    assert len(result.valid) + len(result.quarantined) == len(synthetic)


def test_confidence_vocabulary_and_wrong_records(synthetic):
    assert synthetic.loc["Example Vision Chat"]["confidence_basis"] == "Epoch AI rates this record 'Likely'"
    assert synthetic.loc["Image Tagger"]["confidence"] == "speculative"
    assert "Epoch confidence: Unknown" in synthetic.loc["Future Model"]["notes"]
    wrong = synthetic.loc["Wrong Model"]
    assert wrong["flags"] == "epoch_marked_wrong" and pd.isna(wrong["params_total"]) and pd.isna(wrong["evidence"])
    assert '"params_total": 300000000.0' in wrong["notes"]


def test_datapoints_of_non_language_models_are_not_tokens(synthetic):
    tagger = synthetic.loc["Image Tagger"]
    assert pd.isna(tagger["training_tokens"]) and "datapoints, not tokens): 14000000.0" in tagger["notes"]
    assert set(json.loads(tagger["evidence"])) == {"training_compute_flop"}


def test_accessibility_to_open_weights(synthetic):
    assert bool(synthetic.loc["Image Tagger"]["open_weights"]) is True  # non-commercial weights are still open
    assert bool(synthetic.loc["Example Vision Chat"]["open_weights"]) is False
    assert pd.isna(synthetic.loc["Wrong Model"]["open_weights"])


def test_no_snapshot_gives_empty_frame_with_the_columns(tmp_path):
    frame = epoch.parse({"path": str(tmp_path / "none"), "as_of": "2025-01-01"})
    assert frame.empty and list(frame.columns) == observation_columns()
