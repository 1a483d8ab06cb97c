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
    assert len(observations) + observations.attrs["rejected_rows"] == rows  # dropped rows are counted
    assert observations.attrs["rejected_rows"] <= 0.02 * rows
    assert list(observations.columns) == observation_columns()
    assert observations["model_id"].is_unique and set(observations["domain"].dropna()) <= set(DOMAINS)
    assert not Path(config["unknown_columns_out"]).exists()  # every column of the three releases is known
    assert "new column" not in capsys.readouterr().err
    result = validate.validate_observations(observations, VALIDATE_PARAMS)
    assert len(result.valid) >= 0.9 * rows  # the rest is quarantined with a reason, not lost
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
    assert len(observations) == len(lines) - 2  # the header, and the row with nothing in it
    side = pd.read_csv(config["unknown_columns_out"])
    assert list(side.columns) == ["model_id", "column", "value"] and set(side["column"]) == {"Reasoning tokens"}
    assert len(side) == len(lines) - 2
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
    ("cell", "date", "precision", "flag"),
    [("2023-05-15", "2023-05-15", "day", "date_may_be_fill_in"), ("2022-07-01", "2022-07-01", "day", "date_may_be_fill_in"),
     ("2021-03-02", "2021-03-02", "day", None), ("", None, None, None), ("2021-13-40", None, None, None)],
)
def test_a_stated_day_is_kept_and_a_possible_fill_in_flagged(cell, date, precision, flag):
    parsed, found, _, flagged = epoch.read_date(cell)
    assert found == precision and flagged == flag
    assert parsed == pd.Timestamp(date) if date else pd.isna(parsed)


def test_duplicate_names_get_unique_ids_with_date(synthetic):
    duplicates = synthetic.loc["Duplicate Net"]
    assert sorted(duplicates["model_id"]) == ["duplicate-net-2021-03-02", "duplicate-net-2021-06-09"]
    assert duplicates["notes"].str.contains("2 rows share this name").all()
    assert epoch.unique_model_ids(["A", "A", "A"], ["2020-01-01"] * 3)[0] == [
        "a-2020-01-01", "a-2020-01-01-2", "a-2020-01-01-3"]


def test_a_row_with_neither_name_nor_number_is_rejected_and_counted(synthetic):
    assert synthetic["name"].notna().all() and synthetic.attrs["rejected_rows"] == 1
    assert synthetic.loc["Audio Thing", "source_record"].endswith("row 9")  # the file's own row numbers
    result = validate.validate_observations(synthetic.reset_index(drop=True), VALIDATE_PARAMS)
    reasons = result.quarantined.set_index("model_id")["quarantine_reason"]
    assert "publication_date (empty) fails not_nullable" in reasons["audio-thing"]  # a stub: no date
    assert "future-model" in reasons  # future date, too many params
    assert len(result.valid) + len(result.quarantined) == len(synthetic)


def observations_of(rows: list[str], header: str = "Model,Domain,Publication date,Parameters,Training compute (FLOP)"
                    ) -> pd.DataFrame:
    frame, _ = epoch.observations_from_csv("\n".join([header, *rows]) + "\n", "epoch.csv", epoch.DATASET_URL)
    return frame.set_index("name", drop=False)


def test_an_annotated_number_is_read_and_flagged_and_an_unreadable_one_quarantined():
    frame = observations_of(['Estimated LM,Language,2023-03-02,"2.4e+09 (est.)",', "Worded LM,Language,2023-03-02,7B,",
                             "Garbled LM,Language,2023-03-02,,lots"])
    assert frame.loc["Estimated LM", "params_total"] == 2.4e9 and frame.loc["Worded LM", "params_total"] == 7e9
    assert frame.loc["Estimated LM", "flags"] == "annotated_number(params_total)"
    assert "Epoch params_total cell: 2.4e+09 (est.)" in frame.loc["Estimated LM", "notes"]
    result = validate.validate_observations(frame.reset_index(drop=True), VALIDATE_PARAMS)
    assert set(result.valid["name"]) == {"Estimated LM", "Worded LM"}
    assert "unreadable_number(training_compute_flop)" in result.quarantined.loc[0, "quarantine_reason"]


def test_an_empty_domain_is_not_other_but_a_stub():
    frame = observations_of(["No Domain LM,,2023-03-02,7e9,"])
    assert pd.isna(frame.loc["No Domain LM", "domain"])
    reason = validate.validate_observations(frame.reset_index(drop=True), VALIDATE_PARAMS).quarantined["quarantine_reason"]
    assert reason.tolist() == ["domain (empty) fails not_nullable"]


def test_architecture_is_moe_only_on_a_signal_and_otherwise_unknown():
    frame = observations_of(
        ['Mixtral 8x7B,Language,2023-12-11,4.67e10,,""', 'Big LM,Language,2023-12-11,1e12,,"Mixture-of-Experts model"',
         'Plain LM,Language,2023-12-11,7e9,,"7 billion parameters"'],
        header="Model,Domain,Publication date,Parameters,Training compute (FLOP),Parameters notes")
    assert frame["architecture"].fillna("unknown").to_dict() == {
        "Mixtral 8x7B": "moe", "Big LM": "moe", "Plain LM": "unknown"}


@pytest.mark.parametrize(("value", "notes", "disagrees"), [
    (7e10, "The model has 7 billion parameters.", True),
    (7e9, "The model has 7 billion parameters.", False),
    (7e10, "Released in 7B, 13B and 70B parameters variants.", False),  # several sizes: whose?
    (1.3e10, "Finetunes using LoRA, so only trains 3.67 million parameters", False),  # a part of the model
    (7e10, "", False),
])
def test_parameter_notes_that_state_another_count_flag_a_size_mismatch(value, notes, disagrees):
    assert epoch.notes_disagree(value, notes) is disagrees


def test_task_and_open_weights_columns_of_newer_layouts_are_read():
    frame = observations_of(
        ["Open LM,Language,2026-01-05,7e9,,Language modeling/generation,Yes,API access",
         "Closed LM,Language,2026-01-05,,1e24,Chat,No,Open weights (unrestricted)"],
        header="Model,Domain,Publication date,Parameters,Training compute (FLOP),Task,Open model weights?,"
               "Model accessibility")
    assert frame["task"].to_dict() == {"Open LM": "Language modeling/generation", "Closed LM": "Chat"}
    assert frame["open_weights"].tolist() == [True, False]  # the stated column wins over accessibility


def test_many_repeats_of_one_name_get_unique_ids_in_file_order():
    ids, _ = epoch.unique_model_ids(["Same"] * 20_000, ["2020-01-01"] * 20_000)
    assert len(set(ids)) == 20_000
    assert ids[:3] == ["same-2020-01-01", "same-2020-01-01-2", "same-2020-01-01-3"] and ids[-1] == "same-2020-01-01-20000"


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


def test_tokens_seen_are_the_dataset_size_times_the_epochs_stated():
    frame = observations_of(["Twice LM,Language,2023-03-02,7e9,,1e12,2", "Once LM,Language,2023-03-02,7e9,,1e12,",
                             "Image Net,Vision,2023-03-02,7e9,,1e6,90"],
                            header="Model,Domain,Publication date,Parameters,Training compute (FLOP),"
                                   "Training dataset size (datapoints),Epochs")
    assert frame["training_tokens"].fillna(0).to_dict() == {"Twice LM": 2e12, "Once LM": 1e12, "Image Net": 0}
    assert "Epoch training dataset size 1e12 × 2 epochs" in frame.loc["Twice LM", "notes"]
    assert json.loads(frame.loc["Twice LM", "evidence"])["training_tokens"] == (
        "Epoch AI database, column Training dataset size (datapoints) × column Epochs")
