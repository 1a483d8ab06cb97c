"""Tests for pipeline.extract: small synthetic announcements, one per hard case, and a
run over the shared corpus (skipped when ../shared is absent)."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.extract import extract, main, parse_date

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "announcements"


def only(records, **expected):
    """The single record, checked against the expected fields."""
    assert len(records) == 1, records
    record = records[0]
    for key, value in expected.items():
        assert record[key] == value, (key, record)
    return record


def by_name(records):
    return {r["name"]: r for r in records}


# --- mixture-of-experts sizes ------------------------------------------------


def test_total_and_active_in_one_phrase():
    doc = "# Zephyr-X\n\nZephyr-X is a sparse model.\n\n- **Parameters:** 1.6T total, 49B active\n"
    only(extract(doc), params_total=1_600_000_000_000, params_active=49_000_000_000)


def test_activated_and_total_in_one_cell():
    doc = (
        "# Orca 5\n\n| Model Name | Params | Context length |\n|---|---|---|\n"
        "| Orca 5 Small (17Bx16E) | 17B (Activated) 109B (Total) | 10M |\n"
    )
    only(extract(doc), params_total=109_000_000_000, params_active=17_000_000_000, context_length=10_000_000)


def test_total_and_active_spelled_in_the_name():
    doc = (
        "# Pika3\n\nToday we release Pika3-235B-A22B, our flagship.\n\n"
        "| Models | Layers | Context Length |\n|---|---|---|\n| Pika3-235B-A22B | 94 | 128K |\n"
    )
    only(extract(doc), params_total=235_000_000_000, params_active=22_000_000_000, context_length=128_000)


def test_dense_trunk_plus_experts():
    doc = "# Frost\n\nFrost is a dense-MoE hybrid.\n\n- **Parameters:** 10B dense + 128x3.66B MoE\n"
    record = only(extract(doc))
    assert record["params_total"] == pytest.approx(10e9 + 128 * 3.66e9)


def test_size_including_an_auxiliary_module():
    doc = "# Nimbus-V9\n\n| Model | Size |\n|---|---|\n| Nimbus-V9 | 685B incl. 14B MTP |\n"
    only(extract(doc), params_total=671_000_000_000)


def test_checkpoint_size_does_not_replace_the_model_size():
    doc = (
        "# Nimbus-V9\n\n| **Model** | **#Total Params** | **#Activated Params** | **Download** |\n|---|---|---|---|\n"
        "| Nimbus-V9 | 671B | 37B | [link](https://example.org) |\n\n"
        "The total size of Nimbus-V9 checkpoints is 685B, which includes 671B of the Main Model weights "
        "and 14B of the MTP Module weights.\n"
    )
    only(extract(doc), params_total=671_000_000_000, params_active=37_000_000_000)


# --- parameter counts in prose and tables ---------------------------------------


def test_hyphenated_parameter_count_and_two_training_stages():
    doc = "# Quokka\n\nWe introduce Quokka-70B, a 70B-parameter dense decoder-only language model trained on 4T+50B tokens.\n"
    only(extract(doc), params_total=70_000_000_000, training_tokens=4_050_000_000_000)


def test_billion_parameters_developer_and_month_date():
    doc = (
        "# Heron-3 Model Card\n\nHeron-3 is an autoregressive language model with 175 billion parameters, "
        "developed by Heron Labs.\n\n### Model date\nSeptember 2021\n"
    )
    only(extract(doc), params_total=175_000_000_000, organization="Heron Labs", publication_date="2021-09")


def test_size_table_without_units_skips_rival_rows():
    doc = (
        "<html><head><title>Wren-MoE | Blog</title></head><body><h1>Wren-MoE</h1><p>March 3, 2024</p>"
        "<table><tr><th>Model</th><th>#Parameters</th><th>#(Activated) Parameters</th></tr>"
        "<tr><td>Gull-7B</td><td>7.2</td><td>7.2</td></tr>"
        "<tr><td>Wren-MoE-A2.7B</td><td>14.3</td><td>2.7</td></tr></table></body></html>"
    )
    only(extract(doc, content_type="text/html"), params_total=14_300_000_000, params_active=2_700_000_000,
         publication_date="2024-03-03")


def test_rounded_size_with_precise_value():
    doc = (
        "# Robin 2\n\n|  | Params | Context Length |\n|---|---|---|\n"
        "| Robin 2 (text only) | 1B (1.23B) | 128k |\n|  | 3B (3.21B) |  |\n"
    )
    sizes = sorted(r["params_total"] for r in extract(doc))
    assert sizes == [1_230_000_000, 3_210_000_000]


def test_size_list_in_prose_and_exact_context_refines_rounded():
    doc = (
        "# Finch 2\n\nFinch 2 comes in 8B and 70B sizes. Finch 2 uses a tokenizer with a vocabulary of 128K tokens, "
        "was trained on sequences of 8,192 tokens and can generate up to 4K tokens.\n\n"
        "| | Params | Context length |\n|---|---|---|\n| Finch 2 | 8B | 8k |\n| Finch 2 | 70B | 8k |\n"
    )
    records = extract(doc)
    assert sorted(r["params_total"] for r in records) == [8_000_000_000, 70_000_000_000]
    assert {r["context_length"] for r in records} == {8192}


def test_vocabulary_and_generation_limits_are_not_context():
    doc = (
        "# Finch 3\n\nFinch 3 is a model with 8 billion parameters. It uses a vocabulary of 128K tokens "
        "and can generate up to 8K tokens.\n"
    )
    only(extract(doc), params_total=8_000_000_000, context_length=None)


def test_upper_bound_alone_leaves_tokens_empty():
    doc = "# Sparrow-1\n\nSparrow-1 has 1.3 billion parameters and was trained on less than 100B tokens.\n"
    only(extract(doc), params_total=1_300_000_000, training_tokens=None)


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, iso",
    [("23.08.03", "2023-08-03"), ("04/18/2024", "2024-04-18"), ("April 5, 2025", "2025-04-05"),
     ("2024.05.16", "2024-05-16"), ("September 2020", "2020-09"), ("March 12th, 2025", "2025-03-12")],
)
def test_date_forms(text, iso):
    assert parse_date(text) == iso


def test_dates_from_table_column_and_card_field():
    doc = (
        "# Lark\n\n| Model | Release Date | Max Length | # of Pretrained Tokens |\n|---|---|---|---|\n"
        "| Lark-7B | 23.08.03 | 8K | 2.4T |\n\n**Model Release Date:** 04/18/2024\n"
    )
    only(extract(doc), publication_date="2023-08-03", context_length=8000, training_tokens=2_400_000_000_000)


# --- announced models versus rivals ------------------------------------------------


def test_benchmark_columns_of_rivals_are_skipped():
    doc = (
        "# Kite 3 Model Card\n\nKite 3 comes in 8B and 70B sizes.\n\n### Instruction tuned models\n\n"
        "| Category | Benchmark | Kite 3 8B | Otter 2 7B | Kite 3 70B | Otter 2 70B |\n|---|---|---|---|---|---|\n"
        "| General | MMLU (5-shot) | 68.4 | 34.1 | 82.0 | 52.9 |\n"
    )
    records = by_name(extract(doc))
    assert all("Otter" not in name for name in records)
    assert {r["mmlu"] for r in records.values() if r["mmlu"]} == {68.4, 82.0}
    assert len(records) == 4  # base and instruct variants, the latter with their own MMLU


def test_output_is_sorted_and_deterministic():
    doc = "# Ibis\n\nIbis: 7B, 1.5B, and 70B.\n"
    first, second = extract(doc), extract(doc)
    assert first == second
    assert [r["name"] for r in first] == sorted((r["name"] for r in first), key=str.lower)
    assert json.dumps(first)  # plain JSON numbers


def test_cli_reports_unreadable_path(tmp_path):
    missing = tmp_path / "nope.md"
    with pytest.raises(SystemExit, match=f"extract: cannot read {re.escape(str(missing))}: FileNotFoundError"):
        main([str(missing)])


def test_cli_prints_json(tmp_path, capsys):
    path = tmp_path / "card.md"
    path.write_text("# Heron-3\n\nHeron-3 has 175 billion parameters.\n", encoding="utf-8")
    assert main([str(path)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["params_total"] == 175_000_000_000


# --- the shared corpus -------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("extract_bench", REPO / "bench" / "extract_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_documents_and_params_targets():
    if not (CORPUS / "GOLD.csv").is_file():
        pytest.skip("../shared/corpus not present")
    documents = sorted(p for p in CORPUS.iterdir() if p.suffix in {".md", ".html", ".txt"})
    assert documents
    smoke = subprocess.run([sys.executable, "-m", "pipeline.extract", str(documents[0])],
                           cwd=REPO, capture_output=True, text=True, timeout=60)
    assert smoke.returncode == 0, smoke.stderr
    for path in documents:
        assert main([str(path)]) == 0, path
    counts = _bench().evaluate(CORPUS)["params_total"]
    precision = counts["correct"] / counts["extracted"]
    recall = counts["correct"] / counts["gold"]
    assert precision >= 0.95, counts
    assert recall >= 0.85, counts
