"""Validation: broken rows are quarantined with a readable reason, none is lost."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import validate
from pipeline.io import write_csv
from pipeline.schema import observation_columns
from tests.conftest import VALIDATE_PARAMS


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=observation_columns())


@pytest.mark.parametrize(
    ("change", "column", "check"),
    [
        ({"params_total": -5.0}, "params_total", "greater_than_or_equal_to"),
        ({"publication_date": pd.Timestamp("2030-01-01")}, "publication_date", "less_than_or_equal_to"),
        ({"publication_date": pd.Timestamp("1949-12-31")}, "publication_date", "greater_than_or_equal_to"),
        ({"domain": "Poetry"}, "domain", "isin"),
        ({"params_active": 8e9}, "params_active+params_total", "active_le_total"),
        ({"mmlu": 101.0}, "mmlu", "less_than_or_equal_to"),
        ({"params_total": 2e15}, "params_total", "less_than_or_equal_to"),
        ({"confidence": "likely"}, "confidence+confidence_basis", "basis_unless_confident"),
        ({"evidence": json.dumps({"params_total": "7B"})}, "evidence", "evidence_for_each_number"),
        ({"source_url": None}, "source_url", "not_nullable"),
        ({"publication_date": pd.NaT}, "publication_date", "not_nullable"),
        ({"domain": None}, "domain", "not_nullable"),
        ({"flags": "unreadable_number(params_total)"}, "flags", "no_unreadable_number"),
    ],
)
def test_broken_field_is_quarantined_with_reason(valid_row, change, column, check):
    broken = {**valid_row, **change, "name": "Broken", "model_id": "broken"}
    result = validate.validate_observations(_frame([valid_row, broken]), VALIDATE_PARAMS)
    assert list(result.valid["model_id"]) == ["example-lm-7b"]
    assert len(result.quarantined) == 1
    row = result.quarantined.iloc[0]
    assert row["name"] == "Broken"
    assert column in row["quarantine_column"].split(" | ")
    assert check in row["quarantine_check"]
    assert row["quarantine_reason"]


def _second_spelling(valid_row: dict, **change) -> dict:
    return {**valid_row, "name": "EXAMPLE lm 7b", "source_record": "raw/registry/2025.yaml:9", **change}


def test_a_second_spelling_is_quarantined_naming_both_places_and_the_first_copy_stays(valid_row):
    first = {**valid_row, "source_record": "raw/registry/2023.yaml:2"}
    other_source = {**valid_row, "source": "epoch", "source_record": "epoch.csv row 4"}  # not a duplicate
    result = validate.validate_observations(_frame([first, _second_spelling(valid_row), other_source]), VALIDATE_PARAMS)
    assert list(zip(result.valid["source"], result.valid["name"])) == [("registry", "Example LM 7B"),
                                                                        ("epoch", "Example LM 7B")]
    [reason] = result.quarantined["quarantine_reason"]
    assert reason == ("duplicate: raw/registry/2025.yaml:9 (EXAMPLE lm 7b) repeats raw/registry/2023.yaml:2 "
                      "(Example LM 7B), which stays: same model_id example-lm-7b")
    assert result.summary["failed_checks"] == {validate.DUPLICATE_CHECK: 1}
    assert result.duplicates.to_dict("records") == [{
        "source_record": "raw/registry/2025.yaml:9", "name": "EXAMPLE lm 7b", "model_id": "example-lm-7b",
        "kept_record": "raw/registry/2023.yaml:2", "kept_name": "Example LM 7B"}]


def test_the_copy_the_last_build_published_stays_even_from_a_later_place(valid_row):
    """A second spelling written into an earlier file (2019.yaml) does not displace the model."""
    newcomer = _second_spelling(valid_row, source_record="raw/registry/2019.yaml:9")
    published = pd.DataFrame({"source": ["registry"], "name": ["Example LM 7B"]})
    result = validate.validate_observations(_frame([newcomer, valid_row]), VALIDATE_PARAMS, published)
    assert list(result.valid["name"]) == ["Example LM 7B"]
    assert list(result.quarantined["name"]) == ["EXAMPLE lm 7b"]


def test_published_names_are_compared_as_matches_csv_writes_them(tmp_path, valid_row):
    """matches.csv neutralises formula-like names ('=x' is written "'=x"); the comparison allows for it."""
    named = {**valid_row, "name": "=Example LM 7B"}
    write_csv(tmp_path / "matches.csv", pd.DataFrame({"source": ["registry"], "source_record": ["r"],
                                                     "name": [named["name"]], "model_id": ["example-lm-7b"]}))
    published = validate.read_published(tmp_path / "matches.csv")
    result = validate.validate_observations(_frame([_second_spelling(valid_row), named]), VALIDATE_PARAMS, published)
    assert list(result.valid["name"]) == ["=Example LM 7B"]
    assert validate.read_published(tmp_path / "missing.csv").empty


def test_a_copy_that_passes_every_check_stays_over_a_broken_first_one(valid_row):
    broken_first = {**valid_row, "domain": "Poetry"}
    result = validate.validate_observations(_frame([broken_first, _second_spelling(valid_row)]), VALIDATE_PARAMS)
    assert list(result.valid["name"]) == ["EXAMPLE lm 7b"]
    [reason] = result.quarantined["quarantine_reason"]
    assert "domain Poetry fails isin" in reason and "repeats raw/registry/2025.yaml:9 (EXAMPLE lm 7b)" in reason


def test_compute_far_from_6nd_is_flagged_not_dropped(valid_row):
    row = {**valid_row, "training_compute_flop": 1e30,
           "evidence": json.dumps({**json.loads(valid_row["evidence"]), "training_compute_flop": "1e30 FLOPs"})}
    result = validate.validate_observations(_frame([row]), VALIDATE_PARAMS)
    assert len(result.valid) == 1
    assert result.valid.iloc[0]["flags"] == validate.COMPUTE_FLAG
    assert result.summary["flags"] == {validate.COMPUTE_FLAG: 1}


def test_compute_consistent_with_6nd_is_not_flagged(valid_row):
    compute = 6 * 7e9 * 2e12 * 1.5
    row = {**valid_row, "training_compute_flop": compute,
           "evidence": json.dumps({**json.loads(valid_row["evidence"]), "training_compute_flop": "x"})}
    result = validate.validate_observations(_frame([row]), VALIDATE_PARAMS)
    assert pd.isna(result.valid.iloc[0]["flags"])


# valid_row is only read, never changed, so sharing it across examples is safe.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.lists(st.one_of(st.none(), st.floats(-1e16, 1e16, allow_nan=False)), min_size=1, max_size=12),
    days=st.lists(st.integers(-30000, 40000), min_size=12, max_size=12),
    domains=st.lists(st.sampled_from(["Language", "Vision", "Nonsense"]), min_size=12, max_size=12),
)
def test_input_rows_equal_valid_plus_quarantined(valid_row, params, days, domains):
    rows = []
    for position, value in enumerate(params):
        evidence = {"params_total": "x"} if value is not None else {}
        rows.append({**valid_row, "name": f"M{position % 5}", "model_id": f"m{position % 5}",
                     "params_total": np.nan if value is None else value, "training_tokens": np.nan, "mmlu": np.nan,
                     "evidence": json.dumps(evidence),
                     "publication_date": pd.Timestamp("1970-01-01") + pd.Timedelta(days=days[position]),
                     "domain": domains[position]})
    result = validate.validate_observations(_frame(rows), VALIDATE_PARAMS)
    assert len(result.valid) + len(result.quarantined) == len(rows)
    assert result.summary["input_rows"] == len(rows)
    assert sorted(result.valid["source_record"].tolist() + result.quarantined["source_record"].tolist()) == sorted(
        row["source_record"] for row in rows)


@pytest.mark.parametrize("name", [
    "Deep Learning Enabled Discovery of Kinase Drug Targets in Pharos",  # a paper's title
    "improved U-Net for chest X-ray images segmentation",  # a description
])
def test_a_name_that_reads_as_a_sentence_is_a_stub(valid_row, name):
    result = validate.validate_observations(_frame([{**valid_row, "name": name, "model_id": "stub"}]), VALIDATE_PARAMS)
    assert result.quarantined["quarantine_check"].tolist() == ["name_is_not_a_sentence"]


@pytest.mark.parametrize("name", ["Conformer + Wav2vec 2.0 + Noisy Student", "Google cat network (Le et al. 2012)",
                                  "AWD-LSTM - 3-layer LSTM (tied) + continuous cache pointer (WT2)", "GPT-3 175B"])
def test_long_names_that_are_names_pass(valid_row, name):
    result = validate.validate_observations(_frame([{**valid_row, "name": name, "model_id": "named"}]), VALIDATE_PARAMS)
    assert result.quarantined.empty


@pytest.mark.parametrize(("name", "params", "mismatch"), [
    ("Llama 2-7B", 7e10, True), ("Llama 2-7B", 6.7e9, False), ("Zephyr 141B-A39B", 1.41e11, False),
    ("Mixtral 8x7B", 4.67e11, False),  # experts × size is no total
    ("RNN for 1B words", 2e10, False),  # a data size
    ("GloVe 6B 300d", 2.4e8, False),  # exempt: GloVe names its corpus
])
def test_a_count_10x_from_the_size_in_the_name_is_flagged_and_speculative(valid_row, name, params, mismatch):
    row = {**valid_row, "name": name, "params_total": params, "params_active": None}
    result = validate.validate_observations(_frame([row]), {**VALIDATE_PARAMS, "name_size_not_parameters": ["GloVe"]})
    valid = result.valid.iloc[0]
    assert (valid["flags"] == "size_mismatch") is mismatch
    assert (valid["confidence"] == "speculative") is mismatch
    if mismatch:
        assert "size_mismatch" in valid["confidence_basis"]
