"""Reading the curated registry: types, dates, and clear errors for malformed files."""

from __future__ import annotations

import json
import re

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


@pytest.mark.parametrize("written", ["7e9", "7E+9", "7.0e+9", "7.0e9", "7000000000", "+7e9"])
def test_decimal_and_scientific_numbers_are_numbers(tmp_path, written):
    # YAML 1.1 reads 7e9 and 7.0e9 (no dot, or no sign) as text; the registry's resolver reads them as numbers.
    frame = observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY.replace("7.0e+9", written))
    assert frame.iloc[0]["params_total"] == 7e9


# (line of VALID_ENTRY to change, what to write instead, what the refusal says). Each is a value
# YAML 1.1 would silently turn into another: .nan into an empty cell, 7:00:00 into 25200, 0x1A into 26.
YAML_11_COERCIONS = [
    ("params_total: 7.0e+9", "params_total: .nan", "not-a-number"),
    ("params_total: 7.0e+9", "params_total: .NaN", "not-a-number"),
    ("params_total: 7.0e+9", "params_total: .inf", "infinity"),
    ("params_total: 7.0e+9", "params_total: -.Inf", "infinity"),
    ("params_total: 7.0e+9", "params_total: 7:00:00", "base-60"),
    ("params_total: 7.0e+9", "params_total: 190:20:30.15", "base-60"),
    ("params_total: 7.0e+9", "params_total: 0x1A", "hexadecimal, octal or binary"),
    ("params_total: 7.0e+9", "params_total: 0o17", "hexadecimal, octal or binary"),
    ("params_total: 7.0e+9", "params_total: 0b1010", "hexadecimal, octal or binary"),
    ("params_total: 7.0e+9", "params_total: 017", "leading zero"),
    ("params_total: 7.0e+9", "params_total: 7_000_000_000", "groups digits"),
    ("params_total: 7.0e+9", "params_total: ~", "YAML's null"),
    ("params_total: 7.0e+9", "params_total: null", "YAML's null"),
    ("params_total: 7.0e+9", "params_total:", "an empty value is YAML's null"),
    ("open_weights: true", "open_weights: yes", "YAML 1.1 boolean"),
    ("open_weights: true", "open_weights: no", "YAML 1.1 boolean"),
    ("open_weights: true", "open_weights: on", "YAML 1.1 boolean"),
    ("open_weights: true", "open_weights: off", "YAML 1.1 boolean"),
    ("open_weights: true", "open_weights: True", "YAML 1.1 boolean"),
    ("organization: Example Lab", "organization: NO", "YAML 1.1 boolean"),
    ("organization: Example Lab", "organization: 12:30", "base-60"),
    ("organization: Example Lab", "organization: Null", "YAML's null"),
    ("organization: Example Lab", "organization: <<", "merge key"),
]


@pytest.mark.parametrize(("line", "written", "problem"), YAML_11_COERCIONS,
                         ids=[written for _, written, _ in YAML_11_COERCIONS])
def test_yaml_11_coercions_are_refused_at_their_line(tmp_path, line, written, problem):
    path = write_registry(tmp_path / "registry", "models:\n" + VALID_ENTRY.replace(line, written))
    line_number = ("models:\n" + VALID_ENTRY).splitlines().index(f"    {line}") + 1
    with pytest.raises(registry.RegistryError, match=rf"^{re.escape(str(path))}:{line_number}: .*{re.escape(problem)}"):
        registry.parse({"path": str(path.parent)})


@pytest.mark.parametrize(("line", "written"), [
    ("organization: Example Lab", "organization: 1.10"),  # str() would give 1.1: a version loses its 0
    ("organization: Example Lab", "organization: [Example Lab]"),
    ("params_total: 7.0e+9", 'params_total: "7e9"'),  # a quoted number is text
    ("params_total: 7.0e+9", "params_total: 1e999"),  # infinite
    ("open_weights: true", 'open_weights: "true"'),
])
def test_a_value_of_the_wrong_type_is_refused(tmp_path, line, written):
    with pytest.raises(registry.RegistryError, match=r"2023.yaml:2: (organization|params_total|open_weights) must be"):
        observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY.replace(line, written))


@pytest.mark.parametrize("written", ["2023", "2023-07", '"2023-07"', "2023-07-18", "'2023-07-18'"])
def test_documented_date_forms_are_read_quoted_or_not(tmp_path, written):
    entry = VALID_ENTRY.replace('publication_date: "2023-07-18"', f"publication_date: {written}")
    row = observations_from_yaml(tmp_path, "models:\n" + entry).iloc[0]
    assert row["publication_date"].year == 2023 and row["date_precision"] in {"year", "month", "day"}


def test_unknown_top_level_key_is_refused(tmp_path):
    with pytest.raises(registry.RegistryError, match=r"2023.yaml:1: unknown top-level key\(s\) model"):
        observations_from_yaml(tmp_path, "model: []\nmodels:\n" + VALID_ENTRY)


@pytest.mark.parametrize("stray", ["2025.yml", "notes.txt", "2025.yaml~", "drafts"])
def test_anything_but_yaml_files_in_the_registry_stops_the_run_naming_it(tmp_path, stray):
    folder = tmp_path / "registry"
    write_registry(folder, "models:\n" + VALID_ENTRY)
    if stray == "drafts":
        (folder / stray).mkdir()
    else:
        (folder / stray).write_text("models: []\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError, match=rf"^{re.escape((folder / stray).as_posix())}: not a"):
        registry.parse({"path": str(folder)})


def test_readme_and_crosscheck_folder_sit_beside_the_yaml_files(tmp_path):
    folder = tmp_path / "registry"
    write_registry(folder, "models:\n" + VALID_ENTRY)
    (folder / "README.md").write_text("# The registry\n", encoding="utf-8")
    (folder / "crosscheck").mkdir()
    (folder / "crosscheck" / "name_map.yaml").write_text("{}\n", encoding="utf-8")
    assert list(registry.parse({"path": str(folder)})["name"]) == ["Example LM 7B"]


def _check_tool(tmp_path, monkeypatch, capsys, files: list[str]) -> tuple[int, list[str]]:
    """`python -m pipeline.sources.registry FILE…` in a folder shaped like the repository."""
    (tmp_path / "params.yaml").write_text(
        f"sources:\n  registry:\n    path: raw/registry\nvalidate: {VALIDATE_PARAMS}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status = registry.main(files)
    return status, capsys.readouterr().out.splitlines()


SECOND_SPELLING = VALID_ENTRY.replace("Example LM 7B", "EXAMPLE lm 7b").replace('"2023-07-18"', '"2025-01-02"')


def test_check_tool_reports_a_second_spelling_in_another_file(tmp_path, monkeypatch, capsys):
    write_registry(tmp_path / "raw" / "registry", "models:\n" + VALID_ENTRY, name="2023.yaml")
    write_registry(tmp_path / "raw" / "registry", "models:\n" + SECOND_SPELLING, name="2025.yaml")
    status, lines = _check_tool(tmp_path, monkeypatch, capsys, ["raw/registry/2025.yaml"])
    assert status == 1
    assert lines[0] == ("raw/registry/2025.yaml:2: EXAMPLE lm 7b: duplicate: raw/registry/2025.yaml:2 (EXAMPLE lm 7b) "
                        "repeats raw/registry/2023.yaml:2 (Example LM 7B), which stays: same model_id example-lm-7b")
    assert lines[-1] == "1 entries, 1 with problems"
    status, lines = _check_tool(tmp_path, monkeypatch, capsys, ["raw/registry/2023.yaml"])  # the copy that stays
    assert status == 1 and "stays, but raw/registry/2025.yaml:2 (EXAMPLE lm 7b) repeats it" in lines[0]


def test_check_tool_passes_a_clean_file_and_refuses_a_yml_name(tmp_path, monkeypatch, capsys):
    write_registry(tmp_path / "raw" / "registry", "models:\n" + VALID_ENTRY, name="2023.yaml")
    assert _check_tool(tmp_path, monkeypatch, capsys, ["raw/registry/2023.yaml"]) == (0, ["1 entries, 0 with problems"])
    (tmp_path / "draft.yml").write_text("models:\n" + SECOND_SPELLING, encoding="utf-8")
    assert _check_tool(tmp_path, monkeypatch, capsys, ["draft.yml"]) == (1, [])


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
