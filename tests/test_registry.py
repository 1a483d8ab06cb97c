"""Reading the curated registry: types, dates, and clear errors for malformed files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import validate
from pipeline.sources import registry
from tests.conftest import VALID_ENTRY, VALIDATE_PARAMS, observations_from_yaml, write_registry


def test_entry_becomes_one_observation_with_units(tmp_path):
    frame = observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY)
    row = frame.iloc[0]
    assert row["model_id"] == "example-lm-7b"
    assert row["params_total"] == 7e9 and row["training_tokens"] == 2e12
    assert row["publication_date"] == pd.Timestamp("2023-07-18") and row["date_precision"] == "day"
    assert row["source_record"].endswith("2023.yaml:2")
    assert bool(row["open_weights"]) is True


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [("2023", "2023-01-01", "year"), ("2023-07", "2023-07-01", "month"), ("2023-07-18", "2023-07-18", "day")],
)
def test_date_keeps_its_precision(text, date, precision):
    assert registry.parse_date(text, "f:1") == (pd.Timestamp(date), precision)


@pytest.mark.parametrize("text", ["2023-13", "July 2023", "2023-02-30", "23-07-18"])
def test_bad_date_is_an_error_naming_the_place(text):
    with pytest.raises(registry.RegistryError, match="f.yaml:3: publication_date"):
        registry.parse_date(text, "f.yaml:3")


def test_number_written_with_a_unit_is_refused(tmp_path):
    with pytest.raises(registry.RegistryError, match=r"2023.yaml:2: params_total must be a plain number.*'70B'"):
        observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY.replace("7.0e+9", "70B"))


def test_scientific_notation_text_is_a_number(tmp_path):
    # YAML 1.1 reads 7e9 (no dot) as text; the registry still takes it as the number.
    frame = observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY.replace("7.0e+9", "7e9"))
    assert frame.iloc[0]["params_total"] == 7e9


def test_unknown_key_is_an_error(tmp_path):
    with pytest.raises(registry.RegistryError, match="unknown key.*param_total"):
        observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY.replace("params_total:", "param_total:"))


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write_registry(tmp_path / "registry", "models:\n  - name: A\n    domain: [Language\n  - name: B\n")
    with pytest.raises(registry.RegistryError) as raised:
        registry.parse({"path": str(path.parent)})
    assert str(path.parent / "2023.yaml") in str(raised.value)
    assert "malformed YAML" in str(raised.value)
    assert ":4:" in str(raised.value) or ":5:" in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nmodels: *x\n",
        "models: !!python/object/apply:os.system ['true']\n",
    ],
)
def test_aliases_and_python_tags_are_refused(tmp_path, text):
    path = write_registry(tmp_path / "registry", text)
    with pytest.raises(registry.RegistryError, match="malformed YAML"):
        registry.read_file(path)


def test_slug_is_stable_and_ascii():
    assert registry.slugify("GPT-3 175B (davinci)") == "gpt-3-175b-davinci"
    assert registry.slugify("Ünïcode  Model--X") == "unicode-model-x"


@given(st.lists(st.one_of(st.none(), st.text(), st.text(alphabet="aZ9 -_.()αßİǅ\u0301ﬁ", max_size=12)), max_size=20))
def test_vectorised_slugs_equal_slugify_name_by_name(names):
    """Resolution slugs whole columns at once; it must agree with `slugify` on every name."""
    expected = [registry.slugify(name) if name is not None else "" for name in names]
    assert registry.slugify_all(pd.Series(names, dtype=object)).tolist() == expected


KINDS_ENTRY = """\
models:
  - name: Kinds LM 8B
    organization: Example Lab
    publication_date: "2025-04-29"
    domain: Language
    params_total: 8.2e+9
    params_active: 8.2e+9
    training_tokens: 3.6e+13
    mmlu_pro: 56.7
    mmlu_pro_shots: 5
    confidence: likely
    confidence_basis: params_active equals the total of a dense model
    url: https://example.org/kinds
    evidence:
      params_total: "Number of Parameters: 8.2B"
      training_tokens: {kind: table, table: "Table 1: Model architecture", row: "Kinds LM 8B", column: "Tokens", cell: "36T"}
      params_active: {kind: derived, arithmetic: "dense: active = total = 8.2B", from: [params_total]}
      mmlu_pro: {kind: table, table: "Table 3", row: "MMLU-Pro (5-shot)", column: "Kinds LM 8B", cell: "56.73"}
"""


def test_every_kind_of_evidence_is_read_and_rendered(tmp_path):
    row = observations_from_yaml(tmp_path, KINDS_ENTRY).iloc[0]
    assert json.loads(row["evidence_kinds"]) == {"params_total": "quote", "training_tokens": "table",
                                                 "params_active": "derived", "mmlu_pro": "table"}
    evidence = json.loads(row["evidence"])
    assert evidence["training_tokens"] == "Table 1: Model architecture: row Kinds LM 8B, column Tokens: 36T"
    assert evidence["params_active"] == "dense: active = total = 8.2B (from params_total)"
    assert (row["mmlu_pro"], row["mmlu_pro_shots"]) == (56.7, 5.0) and pd.isna(row["mmlu"])


@pytest.mark.parametrize(("evidence", "message"), [
    ('{kind: chart, name: "x"}', "kind must be one of quote, table, derived, name"),
    ('{kind: table, table: "Table 1", row: "x"}', r"\(table\) lacks cell, column"),
    ('{kind: name, name: "Kinds LM 8B", page: 3}', r"\(name\) has unknown key\(s\) page"),
])
def test_a_malformed_kind_of_evidence_names_the_file_and_line(tmp_path, evidence, message):
    text = KINDS_ENTRY.replace('"Number of Parameters: 8.2B"', evidence)
    with pytest.raises(registry.RegistryError, match=rf"2023.yaml:2: evidence.params_total.*{message}"):
        observations_from_yaml(tmp_path, text)


@pytest.mark.parametrize(("evidence", "confidence", "check"), [
    ('"Table D.1: GPT-3 2.7B, total train compute (flops) 4.77E+21"', "likely", "quote_is_not_a_table_reference"),
    ('{kind: name, name: "Kinds LM 8B"}', "confident", "size_from_name_at_most_likely"),
])
def test_a_quote_that_cites_a_table_and_a_confident_size_from_a_name_are_quarantined(
        tmp_path, evidence, confidence, check):
    text = KINDS_ENTRY.replace('"Number of Parameters: 8.2B"', evidence).replace(
        "    confidence: likely\n    confidence_basis: params_active equals the total of a dense model\n",
        f"    confidence: {confidence}\n" + ("    confidence_basis: x\n" if confidence != "confident" else ""))
    result = validate.validate_observations(observations_from_yaml(tmp_path, text), VALIDATE_PARAMS)
    assert result.quarantined["quarantine_check"].tolist() == [check]
