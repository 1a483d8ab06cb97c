"""Tests for pipeline.extract: small synthetic announcements, one per hard case, and a
run over the shared corpus (skipped when ../shared is absent)."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.io import load_params
from pipeline.extract import extract, extract_with_review, main, parse_date
from tests.httpserver import LoopbackServer, Route

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


# --- why a model is the document's subject; what goes to review instead -------------------------


def reasons(review, key="model"):
    """{name: reason} of the review rows for one field ("model": whole records)."""
    return {row["name"]: row["reason"] for row in review if row["field"] == key}


def test_each_record_says_why_it_is_the_documents_subject():
    doc = (
        "# Kite 3 Model Card\n\nToday we release Plover-2, our small model.\n\n"
        "| Model | Params | Context |\n|---|---|---|\n| Kite 3 8B | 8B | 8K |\n\n"
        "### Instruction tuned models\n\n| Benchmark | Kite 3 8B | Otter 2 7B |\n|---|---|---|\n| MMLU | 68.4 | 34.1 |\n"
    )
    evidence = {r["name"]: r["subject_evidence"] for r in extract(doc)}
    assert evidence["Kite 3 8B"] == "listed in the document's own size table: Kite 3 8B | 8B | 8K"
    assert evidence["Kite 3 8B Instruct"].startswith("a variant of Kite 3 8B, with scores of its own")
    assert set(evidence) == {"Kite 3 8B", "Kite 3 8B Instruct"}  # Plover-2 is no family of the card's, Otter 2 a rival


def test_title_and_release_sentence_are_subject_evidence():
    assert only(extract("# Heron-3\n\nHeron-3 has 175 billion parameters.\n"))["subject_evidence"] == \
        "named in the title: Heron-3"
    doc = "Notes\n\nWe are releasing Pelican-2 today. Pelican-2 has 175 billion parameters.\n"
    assert only(extract(doc))["subject_evidence"].startswith("named in a release sentence: We are releasing Pelican-2")


def test_rows_of_a_settings_table_are_not_models():
    doc = (
        "# Foo-7B\n\nWe release Foo-7B, a 7B parameter model.\n\n## Training hyperparameters\n\n"
        "| Parameter | Value |\n|---|---|\n| seed | 100000000000 |\n| learning rate | 3e-4 |\n| Checkpoint | final |\n\n"
        "| Checkpoint | WandB |\n|---|---|\n| WandB | [run](https://wandb.ai/x) |\n"
    )
    found = extract_with_review(doc)
    only(found.records, name="Foo-7B", params_total=7_000_000_000)  # as the release sentence writes it
    rejected = reasons(found.review)
    assert {"seed", "learning rate", "Checkpoint", "WandB"} <= set(rejected)
    assert rejected["seed"].startswith("not a model name")


def test_linked_rivals_in_an_evaluation_table_go_to_review():
    doc = (
        "# Foo-7B\n\nWe release Foo-7B, a 7B parameter model.\n\n## Evaluation\n\n| Model | MMLU | Weights |\n|---|---|---|\n"
        "| Foo-7B | 64.2 | [HF](https://hf.co/foo) |\n| Llama-2-7B | 45.3 | [HF](https://hf.co/llama) |\n"
    )
    found = extract_with_review(doc)
    only(found.records, name="Foo-7B", mmlu=64.2)
    assert reasons(found.review)["Llama-2-7B"] == "another model, in the document's evaluation table"


def test_numbers_from_sentences_about_another_model_go_to_review():
    doc = (
        "# Foo-7B\n\nWe release Foo-7B, a 7B parameter model.\n\n"
        "Chinchilla was trained on 1.4T tokens of data. Foo-7B beats Llama 2 13B, which has 13 billion parameters "
        "and was trained on 2 trillion tokens. Its context is longer than Gopher's 2048 tokens context.\n"
    )
    found = extract_with_review(doc)
    only(found.records, name="Foo-7B", params_total=7_000_000_000, training_tokens=None, context_length=None)
    assert reasons(found.review, "training_tokens") == {
        "Chinchilla": "stated in a sentence about another model (Chinchilla)",
        "Llama 2 13B": "stated in a sentence about another model (Llama 2 13B)"}
    assert set(reasons(found.review, "params_total")) == {"Llama 2 13B"}
    assert set(reasons(found.review, "context_length")) == {"Gopher"}


def test_active_parameters_per_token_are_not_the_total():
    doc = ("# Bar-MoE\n\nWe release Bar-MoE, a mixture-of-experts model with 16B parameters. "
           "Bar-MoE activates only 2.8 billion parameters per token.\n")
    only(extract(doc), params_total=16_000_000_000, params_active=2_800_000_000)


def test_an_active_count_read_as_a_model_goes_to_review():
    doc = ("# Bar-MoE\n\n| Model | Total Params | Activated Params |\n|---|---|---|\n| Bar-MoE 16B | 16B | 2.8B |\n\n"
           "- Bar-MoE 2.8B: 2.8B parameters\n")
    found = extract_with_review(doc)
    only(found.records, name="Bar-MoE 16B", params_active=2_800_000_000)
    assert reasons(found.review)["Bar-MoE 2.8B"].startswith("the active-parameter count of Bar-MoE 16B")


def test_a_document_without_a_family_of_its_own_announces_nothing():
    doc = "Our notes\n\n| Model | Size | MMLU |\n|---|---|---|\n| Alpha-7B | 7B | 60 |\n| Beta-13B | 13B | 55 |\n"
    found = extract_with_review(doc)
    assert found.records == []
    assert set(reasons(found.review)) == {"Alpha-7B", "Beta-13B"}


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


PAGE = b"# Heron-3\n\nHeron-3 has 175 billion parameters.\n"


def loopback_policy(server: LoopbackServer) -> dict:
    return {"allowed_hosts": [server.host], "min_interval_s": 0, "max_bytes": 100_000, "retries": 0}


def test_cli_fetches_a_url_politely_with_the_projects_user_agent(capsys):
    with LoopbackServer({"/card.md": Route(body=PAGE, content_type="text/markdown")}) as server:
        assert main([server.url("/card.md")], fetcher_config=loopback_policy(server)) == 0
        paths = [path for path, _ in server.requests]
        agents = {headers.get("User-Agent") for _, headers in server.requests}
    assert paths == ["/robots.txt", "/card.md"]  # robots.txt first
    contact = load_params("fetch")["contact"]  # the contact params.yaml sets, as every collect sends it
    assert len(agents) == 1 and next(iter(agents)).startswith("modelscale/") and f"({contact}; " in next(iter(agents))
    assert json.loads(capsys.readouterr().out)[0]["params_total"] == 175_000_000_000


def test_cli_refuses_a_url_that_robots_txt_disallows():
    routes = {"/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n"),
              "/private/card.md": Route(body=PAGE, content_type="text/markdown")}
    with LoopbackServer(routes) as server:
        with pytest.raises(SystemExit, match="extract: cannot read .*RobotsDisallowed"):
            main([server.url("/private/card.md")], fetcher_config=loopback_policy(server))
        assert server.count("/private/card.md") == 0


def test_cli_uses_the_announcements_policy_of_params_yaml_and_refuses_other_hosts():
    with LoopbackServer({"/card.md": Route(body=PAGE, content_type="text/markdown")}) as server:
        with pytest.raises(SystemExit, match="extract: cannot read .*HostNotAllowed"):
            main([server.url("/card.md")])  # 127.0.0.1 is not in sources.announcements.allowed_hosts
        assert server.count() == 0


# --- the shared corpus -------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("extract_bench", REPO / "bench" / "extract_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_documents_and_targets_on_unseen_documents():
    """Issue 14's targets, on the documents of the split never read while tuning (bench/extract_split.csv)."""
    if not (CORPUS / "GOLD.csv").is_file():
        pytest.skip("../shared/corpus not present")
    documents = sorted(p for p in CORPUS.iterdir() if p.suffix in {".md", ".html", ".txt"})
    assert documents
    smoke = subprocess.run([sys.executable, "-m", "pipeline.extract", str(documents[0])],
                           cwd=REPO, capture_output=True, text=True, timeout=60)
    assert smoke.returncode == 0, smoke.stderr
    for path in documents:
        assert main([str(path)]) == 0, path
    bench = _bench()
    split = bench.load_split()
    assert sorted(split["unseen"] + split["tune"]) == sorted(p.name for p in documents)
    assert not set(split["unseen"]) & set(split["tune"])
    assert bench.missed_targets(bench.evaluate(CORPUS, split["unseen"])) == []


def test_no_record_from_the_corpus_is_junk_or_a_number_for_an_unannounced_model():
    """Every record the corpus yields is a model name; one that matches no announced model carries no number."""
    if not (CORPUS / "GOLD.csv").is_file():
        pytest.skip("../shared/corpus not present")
    bench = _bench()
    gold = bench.load_gold(CORPUS)
    numbers = ("params_total", "params_active", "training_tokens", "context_length", "mmlu")
    for name, rows in sorted(gold.items()):
        records = extract((CORPUS / name).read_text(encoding="utf-8"), url=str(CORPUS / name))
        matched = dict(bench.match(records, rows))
        for i, record in enumerate(records):
            assert re.search(r"[A-Z0-9]", record["name"]) and record["subject_evidence"], (name, record["name"])
            if i not in matched:
                assert all(record[key] is None for key in numbers), (name, record["name"], record)


# --- the bench on another corpus folder (--corpus) ------------------------------------------

SYNTHETIC_CARD = """# Zephyr-X

Zephyr-X is a sparse model.

- **Parameters:** 1.6T total, 49B active
- **Training data:** 9T tokens
- **Context length:** 32K tokens
"""
GOLD_HEADER = "file,model,organization,release_date,params_total,params_active,training_tokens,context_length,mmlu,evidence\n"


def _folder(tmp_path, gold_rows):
    (tmp_path / "zephyr.md").write_text(SYNTHETIC_CARD, encoding="utf-8")
    (tmp_path / "GOLD.csv").write_text(GOLD_HEADER + "".join(row + "\n" for row in gold_rows), encoding="utf-8")
    return tmp_path


def test_bench_scores_another_folder_as_one_set(tmp_path, capsys):
    folder = _folder(tmp_path, ["zephyr.md,Zephyr-X,,,1600000000000,49000000000,9000000000000,32000,71.5,q"])
    assert _bench().main(["--corpus", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{folder}: 1 documents" in out
    assert re.search(r"^params_total\s+1\s+1\s+1\s+1\.000\s+1\.000$", out, re.M)
    assert re.search(r"^mmlu\s+0\s+1\s+0\s+nan\s+0\.000$", out, re.M)  # stated in gold, not in the card
    assert "targets: met" in out
    assert "unseen:" not in out and "tune:" not in out  # the shared corpus's split is not read


def test_the_record_of_blind_sets_agrees_with_itself():
    """bench/blind: every labelled model's document is listed, and each set's scores count its documents and labels."""
    import csv

    def rows(name):
        with open(REPO / "bench" / "blind" / name, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    documents = {(r["set"], r["file"]) for r in rows("documents.csv")}
    gold = rows("gold.csv")
    assert {(r["set"], r["file"]) for r in gold} == documents
    for score in rows("scores.csv"):
        labelled = [r for r in gold if r["set"] == score["set"]]
        assert int(score["documents"]) == len({r["file"] for r in labelled}), score["set"]
        assert int(score["params_gold"]) == sum(bool(r["params_total"]) for r in labelled), score["set"]
        assert int(score["params_correct"]) <= min(int(score["params_extracted"]), int(score["params_gold"])), score["set"]


def test_bench_folder_misses_targets_when_its_gold_disagrees(tmp_path, capsys):
    folder = _folder(tmp_path, ["zephyr.md,Zephyr-X,,,1600000000000,49000000000,2000000000000,32000,,q"])
    assert _bench().main(["--corpus", str(folder)]) == 1
    assert "MISSED: training_tokens precision 0.000 < 0.95" in capsys.readouterr().out


def test_bench_folder_refuses_missing_gold_and_absent_documents(tmp_path, capsys):
    bench = _bench()
    assert bench.main(["--corpus", str(tmp_path)]) == 2
    assert "GOLD.csv not found" in capsys.readouterr().err
    folder = _folder(tmp_path, ["gone.md,Gone-1,,,7000000000,,,,,q"])
    with pytest.raises(ValueError, match="names documents absent from .*: gone.md"):
        bench.main(["--corpus", str(folder)])
    assert "has no rows for zephyr.md; not scored" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--corpus", str(folder), "--part", "tune"])


# --- layouts of real READMEs met on documents outside the corpus ----------------


def test_a_two_column_spec_sheet_gives_the_family_its_numbers():
    doc = ("# Orca-Z\n\nOrca-Z is a mixture-of-experts model.\n\n## Model Variants\n"
           "- **Orca-Z-Base**: the pre-trained model.\n- **Orca-Z-Instruct**: the chat model.\n\n"
           "| | |\n|---|---|\n| **Total Parameters** | 1T |\n| **Activated Parameters** | 32B |\n"
           "| **Selected Experts per Token** | 8 |\n| **Context Length** | 128K |\n")
    records = by_name(extract(doc))
    assert set(records) == {"Orca-Z-Base", "Orca-Z-Instruct"}
    for record in records.values():
        assert (record["params_total"], record["params_active"], record["context_length"]) == (1e12, 32e9, 128_000)
        assert record["training_tokens"] is None  # "experts per token" is not a token count
        assert record["subject_evidence"].startswith("listed in the document's own model list")


def test_lower_case_repository_names_in_a_list_with_hardware_in_parentheses():
    doc = ("We're releasing two open models:\n\n"
           "- `kite-lm-90b` — for servers that fit a single 80GB GPU (like NVIDIA H100 or AMD MI300X) "
           "(88B parameters with 4.1B active parameters)\n"
           "- `kite-lm-12b` — for laptops (12B parameters with 2.2B active parameters)\n")
    records = by_name(extract(doc))
    assert set(records) == {"kite-lm-90b", "kite-lm-12b"}
    assert (records["kite-lm-90b"]["params_total"], records["kite-lm-90b"]["params_active"]) == (88e9, 4.1e9)
    assert (records["kite-lm-12b"]["params_total"], records["kite-lm-12b"]["params_active"]) == (12e9, 2.2e9)


def test_a_token_range_over_several_models_is_no_model_s_count():
    doc = ("# Birch 2.0 Language Models\n\nBirch 2.0 comes in 2B and 8B parameter models.\n\n"
           "Birch 2.0 language models are trained on 10T to 12T tokens of language and code data.\n")
    for record in extract(doc):
        assert record["training_tokens"] is None, record


def test_a_context_cell_extended_by_an_arrow_takes_the_extended_length():
    doc = ("# Pine-4\n\n| Model | Type | Seq Length | Download |\n|---|---|---|---|\n"
           "| Pine-4-9B | Chat | 32K -> 128K | [hf](https://huggingface.co/x/Pine-4-9B) |\n")
    only(extract(doc), name="Pine-4-9B", params_total=9e9, context_length=128_000)


def test_a_version_suffix_after_the_size_names_another_model():
    doc = ("# OpenFir: an open model\n\nWe are releasing a series of 3B and 7B models trained on 1T tokens.\n\n"
           "- **v2 Models**\n  - [OpenFir 3Bv2](https://huggingface.co/x/openfir_3b_v2)\n"
           "  - [OpenFir 7Bv2](https://huggingface.co/x/openfir_7b_v2)\n\n"
           "We also show the results of GPT-J, a 6B parameter model trained on the Pile.\n")
    records = by_name(extract(doc))
    assert {"OpenFir 3Bv2", "OpenFir 7Bv2"} <= set(records)
    assert all(r["params_total"] != 6e9 for r in records.values()), records  # GPT-J's size is not ours


def test_a_quantised_copy_without_a_score_of_its_own_goes_to_review():
    doc = ("# Cedar-A9\n\nWe have open-sourced **Cedar-A9-Instruct** and **Cedar-A9-Instruct-FP8** on Hugging Face.\n\n"
           "| Model | Total Parameters | Activated Parameters |\n|---|---|---|\n| Cedar-A9-Instruct | 70B | 9B |\n")
    extraction = extract_with_review(doc)
    assert [r["name"] for r in extraction.records] == ["Cedar-A9-Instruct 70B"]  # the table row, its size added
    assert any(r["name"] == "Cedar-A9-Instruct-FP8" and "quantised copy" in r["reason"] for r in extraction.review)


def test_a_paragraph_wrapped_over_source_lines_is_read_as_one_sentence():
    doc = ("# Reed\n\nWe release `reed-2.8b-web`, `reed-1.4b`, trained on 300B tokens of the Pile, as well as `reed-2.8b-web`\n"
           "(trained on 600B tokens on the web dataset).\n\n| Parameters | Layers |\n|---|---|\n| 1.4B | 48 |\n")
    records = by_name(extract(doc))
    assert records["Reed 1.4B"]["training_tokens"] == 300e9, records


def test_continued_pretraining_tokens_are_not_the_model_s_training_tokens():
    doc = ("# Yew-34B\n\n| Model | Download |\n|---|---|\n| Yew-34B | [hf](https://huggingface.co/x/Yew-34B) |\n\n"
           "We continue to pre-train the model on 5B tokens of long-context data.\n")
    only(extract(doc), name="Yew-34B", training_tokens=None)


def test_table_cells_in_scientific_notation_and_cells_that_are_sentences():
    doc = ("# Lark-GPT\n\n| Model Params | Tokens | BS (tokens) |\n|---|---|---|\n| 111M | 2.22E+09 | 246K |\n\n"
           "| Model | Pretrained tokens |\n|---|---|\n| 9B series models | Lark-9B is trained from Lark-6B, using 0.8T tokens. |\n")
    records = by_name(extract(doc))
    assert records["Lark-GPT 111M"]["training_tokens"] == 2.22e9  # not the batch size in tokens
    assert records["Lark-GPT 9B"]["training_tokens"] is None  # a sentence in a cell states no value of its own


def test_the_family_name_without_its_prefix_is_not_another_model():
    doc = ("# Vireo-M1\n\nWe introduce Vireo-M1, an open-weight reasoning model with 300 billion parameters.\n"
           "The M1 model natively supports a context length of 1 million tokens.\n")
    only(extract(doc), name="Vireo-M1", params_total=300e9, context_length=1_000_000)


def test_size_rows_under_columns_named_after_the_family_s_variants():
    doc = ("# HeronLM: open language models\n\n## HeronLM-Alpha\n\n"
           "| Size | HeronLM-Base-Alpha | HeronLM-Tuned-Alpha | Training Tokens | Parameters |\n|---|---|---|---|---|\n"
           "| 3B | [checkpoint](https://x/3b) | [checkpoint](https://x/3b-t) | 800B | 3,638,525,952 |\n"
           "| 7B | [checkpoint](https://x/7b) | [checkpoint](https://x/7b-t) | 800B | 7,869,358,080 |\n")
    records = by_name(extract(doc))
    # One row per size: the tuned column has no numbers of its own; the exact count beats the rounded size.
    assert set(records) == {"HeronLM-Base-Alpha 3B", "HeronLM-Base-Alpha 7B"}, records
    assert records["HeronLM-Base-Alpha 3B"]["params_total"] == 3_638_525_952
    assert records["HeronLM-Base-Alpha 7B"]["training_tokens"] == 800e9


def test_names_listed_together_share_the_tokens_stated_after_them():
    doc = ("# Wren\n\nPretrained models are uploaded to Hugging Face: `wren-130m`, `wren2-370m`, `other-2.7b`, "
           "`wren2-1.3b`, trained on 300B tokens on the Pile, as well as `wren-2.8b-web` (trained on 600B tokens).\n")
    tokens = {r["name"]: r["training_tokens"] for r in extract(doc)}
    assert tokens == {"wren-130m": 300e9, "wren2-370m": 300e9, "wren2-1.3b": 300e9, "wren-2.8b-web": 600e9}


def test_token_counts_that_are_not_a_model_s_whole_training():
    doc = ("# Lynx-13B\n\n| Model | Download |\n|---|---|\n| Lynx-13B-Base | [hf](https://huggingface.co/x/a) |\n\n"
           "We release checkpoints trained on 500B, 1T, 2T and 3.1T tokens. "
           "The second stage training involves approximately 130 billion tokens. "
           "We have investigated all 2 trillion tokens of data for contamination.\n")
    only(extract(doc), name="Lynx-13B-Base", training_tokens=None)


def test_a_fact_about_the_base_variant_is_not_the_chat_variant_s():
    doc = ("# Tern-14B\n\n| Model | Download |\n|---|---|\n| Tern-14B-Base | [hf](https://huggingface.co/x/b) |\n"
           "| Tern-14B-Chat-RAG | [hf](https://huggingface.co/x/r) |\n\n"
           "- Tern-14B-Base: a foundation model pretrained on a diverse dataset of 2.5 trillion tokens.\n")
    records = by_name(extract(doc))
    assert records["Tern-14B-Base"]["training_tokens"] == 2.5e12
    assert records["Tern-14B-Chat-RAG"]["training_tokens"] is None


def test_repository_ids_listed_alone_and_token_counts_for_the_sizes_a_sentence_lists():
    doc = ("# Introduction to Quill 3.0 Language Models\n\nQuill 3.0 includes 4 models:\n"
           "- Dense Models: 2B and 8B parameter models, trained on 12 trillion tokens in total.\n\n"
           "1. `quill-org/quill-3.0-2b-base`\n2. `quill-org/quill-3.0-8b-base`\n3. `quill-org/quill-3.0-1b-a400m-base`\n"
           "4. `quill-org/quill-3.0-1b-a400m-instruct`\n")
    records = by_name(extract(doc))
    moe = records["quill-3.0-1b-a400m-base"]  # one entry for the size; its instruct repository is the same size
    assert (moe["params_total"], moe["params_active"], moe["training_tokens"]) == (1e9, 400e6, None)
    assert "quill-3.0-1b-a400m-instruct" not in records
    assert {r["training_tokens"] for name, r in records.items() if name != "quill-3.0-1b-a400m-base"} == {12e12}


def test_a_context_suffix_after_the_size_names_a_model_of_its_own():
    doc = ("# Moss-4\n\n| Model | Type | Seq Length | Download |\n|---|---|---|---|\n"
           "| Moss-4-9B-Chat | Chat | 128K | [hf](https://huggingface.co/x/a) |\n"
           "| Moss-4-9B-Chat-1M | Chat | 1M | [hf](https://huggingface.co/x/b) |\n")
    records = by_name(extract(doc))
    assert records["Moss-4-9B-Chat"]["context_length"] == 128_000
    assert (records["Moss-4-9B-Chat-1M"]["params_total"], records["Moss-4-9B-Chat-1M"]["context_length"]) == (9e9, 1_000_000)


def test_a_readme_titled_after_its_organisation_reads_the_family_it_announces():
    doc = ("# Tiny Models\n\nWelcome to Tiny Models, a family of compact models. Tiny Models run on phones.\n"
           "Tiny Models are open. Tiny Models are small.\n\n## TinyGen3 (Language Model)\n\n"
           "- [TinyGen3-Base](https://hf.co/x/TinyGen3-Base)\n\nSummary:\n- TinyGen3 trained on 11T tokens\n")
    only(extract(doc), name="TinyGen3-Base", training_tokens=11e12)


def test_a_count_without_embeddings_is_not_the_total():
    doc = ("# Ash-2\n\nAsh-2 is a language model with 6.98B parameters (without embeddings).\n\n"
           "| Model | Parameters (excluding embeddings) |\n|---|---|\n| Ash-2 | 6.98B |\n")
    assert all(r["params_total"] is None for r in extract(doc))


def test_a_generic_heading_as_title_and_tools_named_often_are_not_the_family():
    doc = ("# Introduction\n\nWe use the API and the API again with LoRA, LoRA and LoRA via the API.\n\n"
           "| Config | Value |\n|---|---|\n| Total Parameters | 321B |\n| Activated Parameters | 38B |\n"
           "| Context Length | 65536 |\n\nGrebe3-321B-A38B is our model. Grebe3 is open.\n")
    record = only(extract(doc), params_total=321e9, params_active=38e9, context_length=65536)
    assert record["name"].startswith("Grebe3"), record


def test_sizes_named_by_word_in_a_size_column_beside_the_parameter_count():
    doc = ("# Hum\n\n| Size | Parameters | English-only model | Required VRAM |\n|---|---|---|---|\n"
           "| tiny | 39 M | `tiny.en` | ~1 GB |\n| large | 1550 M | N/A | ~10 GB |\n")
    sizes = {r["name"].split()[1]: r["params_total"] for r in extract(doc)}  # "Hum tiny 39M", its size added
    assert sizes == {"tiny": 39e6, "large": 1550e6}


def test_a_list_item_head_with_its_size_in_parentheses():
    doc = ("# Tern: a text-to-text model\n\n* **Tern-Small** (60 million parameters): [gs://x/small](gs://x/small)\n"
           "* **Tern-11B** (11 billion parameters): [gs://x/11b](gs://x/11b)\n")
    records = by_name(extract(doc))
    assert (records["Tern-Small"]["params_total"], records["Tern-11B"]["params_total"]) == (60e6, 11e9)


def test_tokens_in_a_later_training_stage_and_for_one_named_size():
    doc = ("# Auk 2\n\n| Model | Parameters |\n|---|---|\n| Auk 2 1B | 1B |\n| Auk 2 7B | 7B |\n\n"
           "For the 1B model, we pretrain on 4T tokens.\n\n## Stage 2: mid-training\n\n"
           "For the 7B model, we train on 50B high quality tokens.\n")
    records = by_name(extract(doc))
    assert (records["Auk 2 1B"]["training_tokens"], records["Auk 2 7B"]["training_tokens"]) == (4e12, None)


def test_a_model_named_in_a_heading_with_its_facts_in_the_list_below():
    doc = ("# Introduction\n\nStep4 is our reasoning model.\n\n### Step4 model card\n\n"
           "The architecture of Step4 is described as follows:\n- Total Parameters: 321B\n- Activated Parameters: 38B\n\n"
           "For Step4-V, the additional ViT architecture details are as follows:\n- Total Parameters: 303M\n")
    record = only(extract(doc), params_total=321e9, params_active=38e9)
    assert record["subject_evidence"].startswith("named in a heading"), record


def test_a_size_cell_written_total_dash_active():
    doc = ("# Zeal-4.5\n\n| Model | Download Links | Model Size | Precision |\n|---|---|---|---|\n"
           "| Zeal-4.5 | [hf](https://huggingface.co/x/a) | 355B-A32B | BF16 |\n")
    only(extract(doc), params_total=355e9, params_active=32e9)


def test_training_words_just_after_the_token_count():
    doc = ("# Quail: a suite\n\n| Model | Params |\n|---|---|\n| Quail-70M | 70M |\n\n"
           "Each model saw 299,892,736,000 ~= 300B tokens during training.\n")
    only(extract(doc), training_tokens=300e9)


def test_a_family_feature_about_a_long_context_goes_to_the_model_named_for_it():
    doc = ("# Heron2.5-7B\n\n| Model | Download |\n|---|---|\n| Heron2.5-7B | [hf](https://huggingface.co/x/a) |\n"
           "| Heron2.5-7B-Chat-1M | [hf](https://huggingface.co/x/b) |\n\n"
           "- **1M Context window**: nearly perfect at finding needles in the haystack with 1M-long context.\n")
    contexts = {r["name"]: r["context_length"] for r in extract(doc)}
    assert contexts == {"Heron2.5-7B": None, "Heron2.5-7B-Chat-1M": 1_000_000}


def test_an_html_heading_titles_a_markdown_readme_and_the_name_before_its_colon_leads():
    doc = ('<h1 align="center">Garnet: the first model of OrgLab360</h1>\n\n## About OrgLab360\n\n'
           "OrgLab360 is an initiative. OrgLab360 releases OrgLab360 models.\n\n"
           "Garnet is the first model in the OrgLab360 family. Garnet is a 7B English language model.\n\n"
           "| Model | Parameters |\n|---|---|\n| Garnet | 6.7B |\n")
    only(extract(doc), name="Garnet 6.7B", params_total=6.7e9)


def test_names_are_read_without_code_marks_icons_or_hardware_and_shared_sizes_stay_unassigned():
    doc = ("# Kestrel\n\nOfficial release for the **Kestrel1** and **Kestrel2** models (`350M`, `1B`, `3B`) for code.\n\n"
           "| Model | Parameters | Download |\n|---|---|---|\n| ⚾Kestrel2-7B-Base | 7B | [hf](https://huggingface.co/x/a) |\n"
           "| `kestrel2.large` | 1B | [hf](https://huggingface.co/x/b) |\n| Kestrel2-TPU | | [hf](https://huggingface.co/x/c) |\n")
    extraction = extract_with_review(doc)
    assert {r["name"] for r in extraction.records} == {"Kestrel2-7B-Base", "kestrel2.large 1B"}
    assert any(r["reason"] == "sizes shared by several families" for r in extraction.review)


def test_a_sheet_with_one_column_per_model():
    doc = ("# Cormorant2\n\n| Model Name | cormorant2-chat-19B | cormorant2-video-19B |\n|---|---|---|\n"
           "| Base Model | Other-8B-Instruct | Other-8B-Instruct |\n| Int4 Model | [hf](https://x/a) | / |\n"
           "| Text Length | 8K | 2K |\n")
    contexts = {r["name"]: r["context_length"] for r in extract(doc)}
    assert contexts == {"cormorant2-chat-19B": 8000, "cormorant2-video-19B": 2000}


def test_the_total_column_among_part_counts_and_ids_with_underscores_and_format_copies():
    doc = ("# Dipper3.5\n\n| Model | #Vision Param | #Language Param | #Total Param | HF Link |\n|---|---|---|---|---|\n"
           "| Dipper3_5-1B | 0.3B | 0.8B | 1.1B | [link](https://huggingface.co/x/a) |\n"
           "| Dipper3_5-1B-HF | 0.3B | 0.8B | 1.1B | [link](https://huggingface.co/x/b) |\n")
    only(extract(doc), name="Dipper3_5-1B", params_total=1.1e9)


def test_a_download_table_with_a_column_per_host():
    doc = ("# Finch\n\n## Model downloads\n\n| HuggingFace | ModelScope |\n|---|---|\n"
           "| [Finch4-8B](https://huggingface.co/x/Finch4-8B) | [Finch4-8B](https://modelscope.cn/x/Finch4-8B) |\n"
           "| [Finch4-8B-MLX](https://huggingface.co/x/Finch4-8B-MLX) | [Finch4-8B-MLX](https://modelscope.cn/x/b) |\n")
    only(extract(doc), name="Finch4-8B", params_total=8e9)


def test_moe_sizes_after_a_capitalised_word_and_a_context_extended_from_one_length_to_another():
    doc = ("# Introduction to Larch 3.1 Language Models\n\nLarch 3.1 language models extend the context length of "
           "Larch 3.0 language models from 4K to 128K using a progressive strategy.\n\n"
           "- Dense Models: 2B and 8B parameter models, trained on 12 trillion tokens in total.\n"
           "- Mixture-of-Expert (MoE) Models: Sparse 1B and 3B MoE models, with 400M and 800M activated parameters "
           "respectively, trained on 10 trillion tokens in total.\n\n"
           "1. `larch-org/larch-3.1-2b-base`\n2. `larch-org/larch-3.1-1b-a400m-base`\n")
    records = by_name(extract(doc))
    dense, moe = records["Larch 3.1 2B"], records["larch-3.1-1b-a400m-base"]
    assert (dense["params_active"], dense["training_tokens"], dense["context_length"]) == (None, 12e12, 128_000)
    assert (moe["params_active"], moe["training_tokens"], moe["context_length"]) == (400e6, 10e12, 128_000)


def test_plural_context_lengths_and_repository_ids_as_row_names():
    doc = ("# Plover4.1\n\nPlover4.1 natively supports context lengths of up to 65,536(64k) tokens.\n\n"
           "| Model Name | Dimension | Download |\n|---|---|---|\n| PLV/Plover4.1-8B | 1024 | [hf](https://huggingface.co/x/a) |\n")
    only(extract(doc), name="Plover4.1-8B", params_total=8e9, context_length=65_536)


def test_a_checkpoint_column_of_repository_ids_names_each_row_and_inference_limits_are_not_context():
    doc = ("# Model Zoo\n\nOwlet is our vision-language model. Owlet supports up to 100K tokens at inference time.\n\n"
           "## Owlet-1.5\n\n| Version | Size | Schedule | Checkpoint | VQAv2 |\n|---|---|---|---|---|\n"
           "| Owlet-1.5 | 7B | full_ft-1e | someone/owlet-v1.5-7b | 78.5 |\n"
           "| Owlet-1.5 | 13B | full_ft-1e | someone/owlet-v1.5-13b | 80.0 |\n")
    records = by_name(extract(doc))
    assert {name: r["params_total"] for name, r in records.items()} == {"owlet-v1.5-7b": 7e9, "owlet-v1.5-13b": 13e9}
    assert all(r["context_length"] is None for r in records.values())


def test_an_mmlu_section_s_average_a_size_row_of_linked_names_and_an_org_named_model():
    doc = ("# Quokka-13B\n\nQuokka-13B is developed by Quokka Intelligent Technology.\n\n"
           "| | Base Models | Aligned Models |\n|---|---|---|\n"
           "| 13B | [Quokka-13B-Base](https://huggingface.co/q/a) | [Quokka-13B-Chat](https://huggingface.co/q/b) |\n\n"
           "## Benchmark results\n\n### MMLU\n\n| Model 5-shot | STEM | Others | Average |\n|---|---|---|---|\n"
           "| Rival-13B | 36.1 | 52.8 | 46.3 |\n| Quokka-13B-Base | 41.6 | 58.5 | 51.6 |\n| Quokka-13B-Chat | 40.9 | 59.0 | 52.1 |\n")
    mmlu = {r["name"]: r["mmlu"] for r in extract(doc)}
    assert mmlu == {"Quokka-13B-Base": 51.6, "Quokka-13B-Chat": 52.1}


def test_a_rounded_size_followed_by_the_exact_count_in_parentheses():
    doc = ("# Heron 3.2-Vision\n\n| Model | Params | Context length |\n|---|---|---|\n"
           "| Heron 3.2-Vision 11B | 11B (10.6) | 128k |\n")
    only(extract(doc), params_total=10.6e9, context_length=128_000)


def test_a_converted_instruct_copy_is_its_model():
    doc = ("# Egret-2\n\n| Model | #Total Param | HF Link |\n|---|---|---|\n"
           "| Egret-2-8B-Instruct | 8.5B | [link](https://huggingface.co/x/a) |\n"
           "| Egret-2-8B-Instruct-HF | 8.5B | [link](https://huggingface.co/x/b) |\n")
    only(extract(doc), name="Egret-2-8B-Instruct", params_total=8.5e9)


def test_a_title_that_is_a_sized_model_name_with_lowercase_words_in_it():
    doc = ("# Wren-4-reasoning-vision-15B\n\nWren-4-reasoning-vision-15B is a broadly capable model. "
           "It is better than the GPT-4-based baselines.\n")
    only(extract(doc), name="Wren-4-reasoning-vision-15B", params_total=15e9)


def test_the_exact_active_and_total_counts_refine_the_rounded_ones():
    doc = ("# Teal 2.0\n\nThe first release, Teal-mini-2.0, has 16B total parameters, but only 1.4B are activated.\n\n"
           "The stages of Teal-mini-2.0 (1.43B activated of 16.26B total params) are listed below.\n")
    mini = by_name(extract(doc))["Teal-mini-2.0"]
    assert (mini["params_total"], mini["params_active"]) == (16.26e9, 1.43e9)


def test_a_list_of_links_to_the_developer_s_repositories_names_its_models_of_any_family():
    doc = ("# Shrike\n\nShrike is a family of small models obtained by pruning.\n\n"
           "## Checkpoints\n\n"
           "1. [Shrike-8B-Base](https://huggingface.co/acme/Shrike-8B-Base) / [Instruct](https://huggingface.co/acme/Kite-Mini-8B-Instruct).\n"
           "2. [Falcon-Shrike-4B-Width-Base](https://huggingface.co/acme/Falcon-Shrike-4B-Width-Base).\n"
           "3. [Shrike-4B](https://huggingface.co/acme/Shrike-4B)\n4. [Shrike 4B for EasyLM](https://huggingface.co/acme/shrike_4b_easylm)\n\n"
           "## Usage\n\n- [Shrike-8B-Base-FP8](https://huggingface.co/someone/Shrike-8B-Base-FP8)\n"
           "- [Shrike data](https://huggingface.co/datasets/acme/shrike-data)\n")
    sizes = {r["name"]: r["params_total"] for r in extract(doc)}
    assert sizes == {"Shrike-8B-Base": 8e9, "Kite-Mini-8B-Instruct": 8e9, "Falcon-Shrike-4B-Width-Base": 4e9, "Shrike-4B": 4e9}


def test_tiers_named_between_the_family_and_its_version_are_of_the_family():
    doc = ("# Ibis 1.5\n\nIbis 1.5 is the new version of the Ibis family.\n\n### Evaluation\n\n"
           "| Models | MMLU | GSM8K |\n|---|---|---|\n| Ibis-Grand-1.5-32.5B | 76.8 | 81.5 |\n| Ibis-1.5-8B | 64.2 | 70.1 |\n"
           "| Ibis-Grand-32.5B | 77.7 | 80.0 |\n| Rival-2-27b | 75.2 | 68.0 |\n")
    mmlu = {r["name"]: r["mmlu"] for r in extract(doc)}
    assert mmlu == {"Ibis-Grand-1.5-32.5B": 76.8, "Ibis-1.5-8B": 64.2}  # the 1.0 tier and the rival are not announced


def test_chinese_text_release_sentences_magnitudes_and_table_headers():
    doc = ("# 语义大模型-Heronchat\n\n"
           "- Heronchat 是大语言模型，其中7B模型基座采用1.5万亿 Tokens中英文高质量语料进行训练。\n"
           "- 我们开源了对话模型**Heronchat-7B**与**Heronchat-12B**。\n\n"
           "| 模型版本 | 下载链接 |\n| --- | --- |\n| Heronchat-30B | [modelscope](https://modelscope.cn/models/x/Heronchat-30B) |\n")
    records = by_name(extract(doc))
    assert {name: r["params_total"] for name, r in records.items()} == {
        "Heronchat-7B": 7e9, "Heronchat-12B": 12e9, "Heronchat-30B": 30e9}
    assert records["Heronchat-7B"]["training_tokens"] == 1.5e12


def test_the_native_context_window_over_one_reached_by_stretching_positions():
    doc = ("# Petrel 1.5\n\nPetrel 1.5 can handle up to 32K tokens length natively and up to 128K tokens using YaRN. "
           "Our approach for extending context length to 256k is being refined.\n\n"
           "| Model | Params | Download |\n|---|---|---|\n| Petrel-1.5-8B | 8B | [hf](https://huggingface.co/x/a) |\n"
           "| Petrel-1.5-2B | 2B | [hf](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["context_length"] for r in extract(doc)} == {"Petrel-1.5-8B": 32_000, "Petrel-1.5-2B": 32_000}
    table = "# Auk\n\n| Model | Context Length | Download |\n|---|---|---|\n| Auk-1T | 128K -> 256K (YaRN) | [hf](https://x/a) |\n"
    only(extract(table), context_length=128_000)
    # the stretched length is the window when the document states no other
    only(extract("# Gannet-3B\n\nGannet-3B offers long context up to 64k using YaRN.\n"), context_length=64_000)


def test_sizes_named_since_the_last_token_count_take_the_next_one():
    doc = ("# Murre\n\n- 语义大模型 Murre 是大语言模型，其中7B模型基座采用1.5万亿 Tokens中英文高质量语料进行训练，"
           "12B模型基座采用3万亿 Tokens中英文高质量语料进行训练。\n"
           "- 我们开源了对话模型**Murre-7B**与**Murre-12B**，以及其int8和int4量化版本。\n")
    assert {r["name"]: r["training_tokens"] for r in extract(doc)} == {"Murre-7B": 1.5e12, "Murre-12B": 3e12}


def test_base_and_instruct_evaluation_sections_score_two_models_of_one_name():
    doc = ("# Shag 2\n\nShag 2 is our new family.\n\n## Performance\n\n### Base Model Evaluation\n\n"
           "| Models | MMLU |\n|---|---|\n| Shag-2-8B | 64.2 |\n| Rival-9b | 70.0 |\n\n"
           "### Instruct Model Evaluation\n\n| Models | MMLU |\n|---|---|\n| Shag-2-8B | 68.8 |\n")
    assert {r["name"]: r["mmlu"] for r in extract(doc)} == {"Shag-2-8B (base)": 64.2, "Shag-2-8B (instruct)": 68.8}


def test_chinese_size_lists_parameter_active_and_context_statements():
    doc = ("# 鸬鹚2.0\n\n- 鸬鹚2.0 是新一代基础语言大模型，我们开源了 Cormo2.0 的 102B、51B 和 2B 三个版本的模型。\n"
           "- Cormo2.0-M32 采用混合专家架构，共 40B 参数量，实际激活参数为 3.7B。\n"
           "- Cormo2.0 的上下文长度为 8K。\n")
    records = by_name(extract(doc))
    assert {name: r["params_total"] for name, r in records.items()} == {
        "Cormo2.0 102B": 102e9, "Cormo2.0 51B": 51e9, "Cormo2.0 2B": 2e9, "Cormo2.0-M32": 40e9}
    assert records["Cormo2.0-M32"]["params_active"] == 3.7e9
    assert records["Cormo2.0 51B"]["context_length"] == 8_000


def test_dotted_names_paired_sizes_and_speculative_decoding_heads():
    doc = ("# dots2\n\nThe `dots.llm2` model is a MoE model with 14B activated and 142B total parameters.\n\n"
           "| Model | #Total Params | #Activated Params | Context Length | Download |\n|---|---|---|---|---|\n"
           "| dots.llm2.base | 142B | 14B | 32K | [hf](https://huggingface.co/x/a) |\n\n"
           "An OpenAI-compatible API is served. The OpenAI-compatible server listens on port 8000.\n")
    only(extract(doc), name="dots.llm2.base 142B", params_total=142e9, params_active=14e9)
    doc = ("# Scoter\n\n| Model | Download |\n|---|---|\n| Scoter-1B-7B | [hf](https://huggingface.co/x/a) |\n"
           "| Scoter-1B-7B-Eagle3 | [hf](https://huggingface.co/x/b) |\n")
    only(extract(doc), name="Scoter-1B-7B", params_total=7e9, params_active=None)


def test_a_tier_word_after_the_family_names_a_model_already_read():
    doc = ("# Tern\n\nTern-lite has 16.8 billion parameters, while Tern-plus has 290 billion parameters.\n\n"
           "| Model | Download |\n|---|---|\n| Tern-lite | [hf](https://huggingface.co/x/a) |\n| Tern-plus | [hf](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Tern-lite": 16.8e9, "Tern-plus": 290e9}


def test_a_context_window_in_the_model_s_name_over_the_family_s():
    doc = ("# Grebe2\n\nGrebe2 models support a context of 8K tokens.\n\n| Model | Download |\n|---|---|\n"
           "| Grebe2-35B | [hf](https://huggingface.co/x/a) |\n| Grebe2-35B-32K | [hf](https://huggingface.co/x/b) |\n"
           "| Grebe2-M1-40k | [hf](https://huggingface.co/x/c) |\n| Grebe2-9B-Chat-1M | [hf](https://huggingface.co/x/d) |\n"
           "| grebe2.base 140M | [hf](https://huggingface.co/x/e) |\n")
    contexts = {r["name"]: r["context_length"] for r in extract(doc)}
    assert contexts == {"Grebe2-35B": 8_000, "Grebe2-35B-32K": 32_000, "Grebe2-M1-40k": None, "Grebe2-9B-Chat-1M": 1_000_000,
                        "grebe2.base 140M": 8_000}  # its 140M is a size


def test_chinese_token_counts_in_the_singular_and_continued_pretraining_left_out():
    doc = ("# Eider\n\n- Eider-7B 模型在总量高达 2.4 万亿token的数据上训练。\n"
           "- 在 5B tokens 的长文本数据集上，对 Eider-7B-200K 进行继续预训练。\n\n"
           "| 模型 | 预训练token数 | 生成2048个token的最小显存占用 | 下载 |\n|---|---|---|---|\n"
           "| Eider-7B | 2.4T | 8.2GB | [hf](https://huggingface.co/x/a) |\n| Eider-7B-200K | 2.4T | 8.2GB | [hf](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["training_tokens"] for r in extract(doc)} == {"Eider-7B": 2.4e12, "Eider-7B-200K": 2.4e12}


def test_rows_without_a_family_word_or_a_capital_are_not_models_and_badges_are_not_part_of_names():
    doc = ("# Puffin\n\n| Model | Branch | Note |\n|---|---|---|\n| Puffin-7B | main | [hf](https://huggingface.co/x/a) |\n"
           "| final souped model | main | [hf](https://huggingface.co/x/b) |\n\n"
           "| 模型 | 下载 |\n|---|---|\n| 基座 Int4 量化模型 | [Puffin-7B-Int4](https://huggingface.co/x/c) |\n\n"
           "## News\n\n- We release `Puffin-2-13B` ( New! ).\n")
    assert sorted(r["name"] for r in extract(doc)) == ["Puffin-2-13B", "Puffin-7B"]


def test_a_trillion_in_a_name_is_its_size_unless_it_counts_tokens():
    doc = ("# Ruff-2.5\n\n| Model | Download |\n|---|---|\n| Ruff-2.5-1T | [hf](https://huggingface.co/x/a) |\n"
           "| Ruff-2.5-13B-Base-3.1T | [hf](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Ruff-2.5-1T": 1e12, "Ruff-2.5-13B-Base-3.1T": 13e9}


def test_names_opening_with_digits_size_word_rows_and_descriptions_after_names():
    doc = ("# 360Loon (360 潜鸟)\n\n- [2024.04.12] We released **360Loon-7B** v1.0, with chat models of 4K and 32K context.\n\n"
           "| Size | Model | Download |\n|---|---|---|\n| 7B | 360Loon-7B-Base | [hf](https://huggingface.co/q/a) |\n"
           "| 7B | 360Loon-7B-Chat-32K (32K Long Context) | [hf](https://huggingface.co/q/b) |\n\n"
           "## 360Loon-7B-Chat-32K Long Context Model Introduction\n\nIt needs the 360Loon Backend to serve it.\n\n"
           "- 360Loon-sft-data: the data we tuned on\n")
    names = sorted(r["name"] for r in extract(doc))
    # the release sentence's "360Loon-7B v1.0" is the family at the 7B size the table lists, not a model of its own
    assert names == ["360Loon-7B-Base", "360Loon-7B-Chat-32K"]
    table = "# Kestrel\n\nKestrel is a family of protein models.\n\nModel | #Params | d_model\n---|---|---\n[Small](https://x/s) | 85M | 768\n[XLarge](https://x/xl) | 1.2B | 2048\n"
    assert {r["name"]: r["params_total"] for r in extract(table)} == {"Kestrel Small 85M": 85e6, "Kestrel XLarge 1.2B": 1.2e9}


def test_a_version_that_is_available_and_bare_repository_links_in_a_list():
    doc = ("# P-Zero\n\nP0 is the model developed in our paper. If you lack resources, a smaller version with 3 billion "
           "parameters ([P0 3B](https://huggingface.co/bs/P0_3B)) is also available. The paper is available on arXiv, "
           "and the original Pk runs are available under the name `bs/pk-160m-v0`.\n\n"
           "- P-Zero ++: https://huggingface.co/bs/P0pp\n- Data: https://huggingface.co/datasets/bs/p3\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"P0 3B": 3e9, "P0pp": None}


def test_a_labelled_line_of_links_lists_models():
    doc = ("# Shorn Gull\n\nBase models: [Shorn-Gull-1.3B](https://huggingface.co/pr/Shorn-Gull-1.3B) | "
           "[Shorn-Gull-2.7B](https://huggingface.co/pr/Shorn-Gull-2.7B)\n"
           "Pruned models without continued training: [Shorn-Gull-1.3B-Pruned](https://huggingface.co/pr/Shorn-Gull-1.3B-Pruned)\n"
           "Our paper: [arXiv](https://arxiv.org/abs/1) and [code](https://huggingface.co/pr/Shorn-Gull-9B-code)\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {
        "Shorn-Gull-1.3B": 1.3e9, "Shorn-Gull-2.7B": 2.7e9, "Shorn-Gull-1.3B-Pruned": 1.3e9}


def test_a_dash_cell_is_no_number_and_a_new_badge_is_no_footnote():
    doc = ("# Rook\n\n| **Model (2024/10/01)** | #Total Params | Training Tokens | Download |\n|---|---|---|---|\n"
           "| Rook-1.6B-Base | 1.6B | 8.2T | [hf](https://huggingface.co/x/a) |\n| Rook-1.6B-Chat | 1.6B | - | [hf](https://huggingface.co/x/b) |\n"
           "| Rook-2B-Mars <sup>*New*</sup> | 2B | 1T | [hf](https://huggingface.co/x/c) |\n")
    assert {r["name"]: r["training_tokens"] for r in extract(doc)} == {
        "Rook-1.6B-Base": 8.2e12, "Rook-1.6B-Chat": None, "Rook-2B-Mars": 1e12}


def test_tables_of_repository_ids_and_grids_of_sized_names():
    doc = ("# Tattler: Pretrained Models for Forecasting\n\n| Model ID | Parameters |\n|---|---|\n"
           "| [`acme/tattler-bolt-tiny`](https://huggingface.co/acme/tattler-bolt-tiny) | 9M |\n"
           "| [`acme/tattler-t5-large`](https://huggingface.co/acme/tattler-t5-large) | 710M |\n\n"
           "| Architecture | Size | Tokens | HuggingFace |\n|---|---|---|---|\n| Tattler | 1.4b | 10b | acme/tattler-1b |\n")
    sizes = {r["name"]: r["params_total"] for r in extract(doc)}
    assert sizes == {"tattler-bolt-tiny 9M": 9e6, "tattler-t5-large 710M": 710e6, "tattler-1b": 1.4e9}
    grid = ("# Wagtail-LM: distilled models\n\n<table><tr><th>Base model</th><th>Wagtail-LM series</th><th></th><th></th></tr>"
            "<tr><td>T5</td><td><a href='https://huggingface.co/m/a'>Wagtail-T5-61M</a></td><td><a href='https://huggingface.co/m/b'>Wagtail-T5-223M</a></td><td>coming soon</td></tr>"
            "<tr><td>GPT</td><td><a href='https://huggingface.co/m/c'>Wagtail-GPT-124M</a> ✩</td><td>coming soon</td><td>coming soon</td></tr></table>\n"
            "\n## Downloads\n\n- [Wagtail-LM-05B](https://huggingface.co/m/d)\n")
    assert {r["name"]: r["params_total"] for r in extract(grid)} == {
        "Wagtail-T5-61M": 61e6, "Wagtail-T5-223M": 223e6, "Wagtail-GPT-124M": 124e6,
        "Wagtail-LM-05B": 0.5e9}  # a leading zero is the decimal point left out


def test_generic_headings_demos_and_a_token_dataset():
    doc = ("# Releases\n\nWe are releasing checkpoints of Linnet, trained at the 360M and 1.3B parameter scales.\n\n"
           "## Linnet 1B\n\nLinnet 1B is a ~1Billion parameter model trained on a 1.6T token dataset.\n\n"
           "- [Linnet-2 Real-World Demo](https://example.org/demo)\n- Linnet-2 Quick Start\n"
           "- Linnet Finetuning Loop: an example script\n- Linnet Tokenizers: text and image\n")
    records = by_name(extract(doc))
    assert "Releases 360M" not in records and not any(w in n for n in records for w in ("Demo", "Start", "Loop", "Tokenizers"))
    assert records["Linnet 1B"]["training_tokens"] == 1.6e12


def test_a_release_sentence_names_models_by_their_links_and_sizes_them_by_their_repositories():
    doc = ("# Pipit-MoE: forecasting\n\n- **News**: [Pipit-MoE (base)](https://huggingface.co/m7/PipitMoE-50M) and "
           "[Pipit-MoE (large)](https://huggingface.co/m7/PipitMoE-200M) are made available. "
           "We release [Pipit-MoE TGI Weight](https://huggingface.co/m7/pipit-moe-200m-tgi).\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Pipit-MoE (base) 50M": 50e6, "Pipit-MoE (large) 200M": 200e6}


def test_a_lower_case_word_before_a_version_a_value_sheet_and_a_sized_release_beside_the_family():
    doc = ("# LLM-xy v3 172B experiment 2\n\n# Model specs\n\n|Spec name|Value|\n|:---|:---|\n|num_hidden_layers|96|\n"
           "|max_position_embeddings|4096|\n\n# Dataset specs\n\n|Spec name|Value|\n|:---|:---|\n|Number of tokens|2,072,488,058,295|\n")
    only(extract(doc), name="LLM-xy v3 172B", params_total=172e9, context_length=4096, training_tokens=2_072_488_058_295)
    doc = ("# Corvid: function calling\n\n- Corvid: Surpassing the state of the art\n\n## Introducing Corvid-13B\n\n"
           "Corvid-13B achieves a 95% success rate.\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)}["Corvid-13B"] == 13e9


def test_a_developer_named_after_its_family_keeps_the_family_word_in_names():
    doc = ("# 360Wren (360 鹪鹩)\n\n- **Base Model:** Leveraging a corpus of 3.4 trillion tokens, we trained 360Wren-7B.\n\n"
           "| Size | Model | BF16 |\n|-|-|-|\n| 7B | 360Wren-7B-Base | [hf](https://huggingface.co/q/a) |\n"
           "| 1.8B | 360Wren-1.8B-Reranking | [hf](https://huggingface.co/q/b) |\n\n"
           "```\n@article{wren,\n  author={360Wren-Team},\n  year={2024}\n}\n```\n")
    names = {r["name"] for r in extract(doc)}
    assert "360Wren-1.8B-Reranking" in names and "360Wren 1.8B" not in names


def test_chinese_numerals_special_tokens_lower_case_prefixes_and_single_dash_separators():
    doc = ("# CodeTern\n\nCodeTern是代码大模型基座。CodeTern具有70亿参数，在五千亿Tokens的高质量语料上训练。\n\n"
           "| Hyper | Value |\n|-|-|\n| seq-length | 8192 |\n| n_layer | 42 |\n")
    only(extract(doc), params_total=7e9, training_tokens=5e11, context_length=8192)
    doc = ("# tern-pretrained-models\n\nThe Tern-GPT models are trained on Japanese text.\n\n"
           "* Use `[CLS]` before the sentence; `[MASK]` marks a token. Add `[CLS]` first. `[CLS]` `[MASK]` `[MASK]`\n\n"
           "| language model | # params | # layers |\n|-|-|-|\n| [acme/tern-gpt-1b](https://huggingface.co/acme/tern-gpt-1b) | 1.3B | 24 |\n"
           "| [acme/tern-gpt2-medium](https://huggingface.co/acme/tern-gpt2-medium) | 336M | 24 |\n\n"
           "We also trained mTern-XL and ruTern3Large on 80B tokens.\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"tern-gpt-1b": 1.3e9, "tern-gpt2-medium 336M": 336e6}
    assert [m for _, m in __import__("pipeline.extract.names", fromlist=["mentions"]).mentions("mT5-XL and ruGPT3XL, an iPhone")] == ["mT5-XL", "ruGPT3XL"]


def test_a_grouping_first_column_and_a_method_column_name_the_rows():
    doc = ("# Owlet2\n\nWe release Owlet2.\n\n| | Method | #Params | COCO | VQAv2 |\n|---|---|---|---|---|\n"
           "| Generalists | Rival-2 | 8.2B | - | 65.0 |\n| | Owlet2 | 8.2B | 137.3 | 79.4 |\n\n"
           "| Method | MMLU | BBH |\n|---|---|---|\n| Rival-2 | 46.8 | 38.2 |\n| Owlet2 | 53.4 | 45.0 |\n")
    only(extract(doc), name="Owlet2 8.2B", params_total=8.2e9, mmlu=53.4)


def test_sizes_with_a_digit_after_the_unit_and_expert_counts_in_names():
    doc = ("# Skua\n\n| Model | Download |\n|---|---|\n| Skua-7B1 | [hf](https://huggingface.co/x/a) |\n"
           "| Skua-MoE-2.7B-4e | [hf](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Skua-7B1": 7.1e9, "Skua-MoE-2.7B-4e": None}


def test_detector_tables_sized_version_letters_news_titles_open_tasks_and_math():
    doc = ("# Latest Updates -- Kite-E: seeing anything\n\n## Kitev10\n\nWe release Kitev10, the new Kitev10 family.\n\n"
           "| Model | size | mAP val | Params (M) | weights |\n|---|---|---|---|---|\n| Kitev10-S | 640 | 40.5 | 9.0 | [github](https://x/a) |\n\n"
           "| 模型 | 尺寸 (像素) | mAP val 50-95 | 参数 (M) |\n|---|---|---|---|\n| Kitev10n | 640 | 28.0 | 1.9 |\n\n"
           "- [ ] Release Kitev10 models in sizes: 1b, 400m parameters\n- We release $\\pi_0$-DROID weights.\n")
    sizes = {r["name"]: r["params_total"] for r in extract(doc)}
    assert sizes == {"Kitev10-S 9M": 9.0e6, "Kitev10n 1.9M": 1.9e6}


def test_a_sentence_naming_the_model_counts_it_and_a_news_heading_is_no_title():
    doc = ("# MetaWren-1B\n\nMetaWren-1B is a 1.2B parameter base model trained on 100K hours of speech. "
           "MetaWren-1B outperforms models in the 3B parameter range.\n")
    only(extract(doc), name="MetaWren-1B", params_total=1.2e9)
    doc = ("## Latest Updates -- Other-E: seeing anything\n\n# Kestrel10: Real-Time Detection\n\n"
           "| Model | #Params | AP |\n|---|---|---|\n| Kestrel10-N | 2.3M | 38.5 |\n| Kestrel10-S | 7.2M | 46.3 |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Kestrel10-N 2.3M": 2.3e6, "Kestrel10-S 7.2M": 7.2e6}


def test_a_sentence_saying_the_named_model_is_a_size_counts_it_without_the_word_parameters():
    doc = ("# wren-code-v1-3b\n\n`wren-code-v1-3b` is a 2.7B model. It beats every 7B model on our suite.\n")
    only(extract(doc), name="wren-code-v1-3b", params_total=2.7e9)


def test_rows_of_an_own_table_for_models_still_in_progress_are_reviewed():
    doc = ("# FinchLM\n\n| Size | FinchLM-Base | FinchLM-Tuned | Tokens |\n|---|---|---|---|\n"
           "| 3B | [checkpoint](https://huggingface.co/x/finch-base-3b) | [checkpoint](https://huggingface.co/x/finch-tuned-3b) | 800B |\n"
           "| 15B | (in progress) | (pending) | |\n| 175B | (planned) | | |\n")
    extraction = extract_with_review(doc)
    assert [r["params_total"] for r in extraction.records] == [3e9]
    assert any("not yet released" in row["reason"] for row in extraction.review)


def test_tokens_of_an_incremental_pre_training_are_not_the_models_training_tokens():
    doc = ("# Plover-16B\n\nPlover-16B is a 16 billion parameter language model. It uses 2.5T tokens for pre-training.\n\n"
           "The Long version is based on the Plover-16B-Base model and performs incremental pre-training with 20 billion tokens.\n")
    only(extract(doc), params_total=16e9, training_tokens=2.5e12)


def test_a_first_column_headed_params_that_holds_sized_model_names_names_the_models():
    doc = ("# Wrenlet: Interpreting Transformers\n\n## Models\n\n| Params | n_layers | d_model | Checkpoints |\n|---|---|---|---|\n"
           "| Wrenlet-19M | 6 | 512 | Ready |\n| Wrenlet-19M-Deduped | 6 | 512 | Ready |\n| Wrenlet-1.3B | 24 | 2048 | Ready |\n\n"
           "| Params | Value |\n|---|---|\n| hidden size | 4096 |\n")
    sizes = {r["name"]: r["params_total"] for r in extract(doc)}
    assert sizes == {"Wrenlet-19M": 1.9e7, "Wrenlet-19M-Deduped": 1.9e7, "Wrenlet-1.3B": 1.3e9}


def test_a_table_of_training_throughput_by_size_lists_no_models_and_a_context_window_length_is_read():
    doc = ("# Kiwi-101B: An Open LLM\n\nKiwi-101B is an open-source decoder-only LLM with 101 billion parameters. "
           "It has a context window length of 2048 in training.\n\n"
           "| Params(billion) | TP Size | PP Size | Number of GPUs | TFLOP/s per GPU | GPU Utilization |\n|---|---|---|---|---|---|\n"
           "| 16 | 2 | 1 | 192 | 162 | 51.90% |\n| 101 | 4 | 4 | 192 | 165 | 52.88% |\n")
    only(extract(doc), name="Kiwi-101B", params_total=101e9, context_length=2048)


def test_a_family_written_only_in_sized_names_keeps_its_spelling():
    doc = ("# KWL-101B: An Open LLM\n\nKWL-101B is an open-source decoder-only LLM with 101 billion parameters.\n\n"
           "This framework supports training of models with three parameter sizes mentioned in our paper: 16B, 51B and 101B.\n")
    only(extract(doc), name="KWL 101B", params_total=101e9)


def test_a_list_item_linking_a_repository_is_one_model_whatever_its_text_spells():
    doc = ("# Heron\n\nHeron combines state-space models with mixture of experts.\n\n## Pretrained Models\n\n"
           "Our pretrained models are uploaded to [our HuggingFace](https://huggingface.co/Zy):\n"
           "- [Heron 340M/1.5B](https://huggingface.co/Zy/Heron-1.5B)*\n- [Heron 630M/2.8B](https://huggingface.co/Zy/Heron-2.8B)*\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Heron-1.5B": 1.5e9, "Heron-2.8B": 2.8e9}


def test_an_html_table_under_a_title_row_spanning_it_takes_its_header_from_the_next_row():
    row = ("<tr><td>{0}</td><td><a href=\"https://huggingface.co/kx/Kestrel/tree/main/{0}\">{0}</a></td>"
           "<td><a href=\"https://cdn.example.com/{0}.zip\">{0}</a></td></tr>\n")
    doc = ("# Kestrel\n\n<table>\n<tr><td colspan=\"3\">Download Models</td></tr>\n"
           "<tr><td>Models</td><td>Huggingface Download URL</td><td>Cloud Download URL</td></tr>\n"
           + row.format("Kestrel-A52B-Instruct") + row.format("Kestrel-A52B-Pretrain") + "</table>\n")
    names = sorted(r["name"] for r in extract(doc))
    assert names == ["Kestrel-A52B-Instruct", "Kestrel-A52B-Pretrain"], names


def test_a_size_in_the_name_refines_a_rounded_size_cell():
    doc = ("# Meet 10.7B Gull\n\nWe introduce Gull-10.7B, a large language model.\n\n"
           "| Model | H6 | Size |\n|---|---|---|\n| Gull-10.7B-v1.0 | 66.04 | ~11B |\n")
    assert {r["params_total"] for r in extract(doc)} == {10.7e9}


def test_a_release_sentence_naming_the_family_at_a_listed_size_is_that_listed_model():
    doc = ("# OpenTern\n\n- [2023/08] We released an intermediate OpenTern-8B checkpoint along with two other models.\n\n"
           "The OpenTern-8B checkpoint has been trained by 200B tokens.\n\n"
           "| Model Name | Description | #Param | Huggingface |\n|---|---|---|---|\n"
           "| OpenTern-base/16E | A small model for debugging | 637M | [Link](https://huggingface.co/tx/opentern-base) |\n"
           "| OpenTern-8B/32E | 8B model | 8B | [Link](https://huggingface.co/tx/opentern-8B) |\n")
    records = {r["name"]: (r["params_total"], r["training_tokens"]) for r in extract(doc)}
    assert len(records) == 2 and sorted(records.values()) == [(637e6, None), (8e9, 200e9)], records


def test_a_model_named_by_the_initials_of_the_title_family_is_of_that_family():
    doc = ("# Chinese-Wren-LLM\n\nWe introduce CW-LLM, a 2B parameter language model. Starting from scratch, "
           "CW-LLM primarily uses data from a 1,200 billion token corpus.\n")
    only(extract(doc), name="CW-LLM", params_total=2e9, training_tokens=1.2e12)


def test_a_sized_name_that_is_now_available_is_released():
    doc = ("# TroX: Traversal of Layers\n\n## News\n"
           "- TroX-1.8B is now available in [Huggingface Models](https://huggingface.co/bk/TroX-1.8B). (local demo included)\n"
           "- TroX-7B is now available in [Huggingface Models](https://huggingface.co/bk/TroX-7B).\n"
           "- Preprint of TroX is soon uploaded in ArXiv. The paper is available on arXiv.\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"TroX-1.8B": 1.8e9, "TroX-7B": 7e9}


def test_a_licence_is_no_model_and_example_is_a_word_of_names():
    doc = ("# Example Heron 3B\n\nToday Example Labs releases Example Heron 3B.\n\n"
           "The weights are available under the Apache 2.0 license. Our MIT-2 license applies to code.\n")
    assert [r["name"] for r in extract(doc)] == ["Example Heron 3B"]


def test_task_fine_tunes_of_an_announced_model_are_reviewed():
    doc = ("# Lark\n\n| Model | Params | Download |\n|---|---|---|\n| lark-base-bne | 125M | [hf](https://huggingface.co/x/a) |\n"
           "| lark-base-bne-capitel-ner | 125M | [hf](https://huggingface.co/x/b) |\n| lark.large | 355M | [hf](https://huggingface.co/x/c) |\n"
           "| lark.large.mnli | 355M | [hf](https://huggingface.co/x/d) |\n")
    assert sorted(r["name"] for r in extract(doc)) == ["lark-base-bne 125M", "lark.large 355M"]


def test_a_known_longer_name_wins_over_the_mention_it_starts_with():
    doc = ("# RobinBERT: Pretraining\n\n## Download\n\n* **`RobinBERT-base`**：12-layer, 768-hidden, 147M parameters\n"
           "* **`RobinBERT-large`**: 24-layer, 1024-hidden, 374M parameters\n\n"
           "| Model | Model Hub |\n|---|---|\n| **`RobinBERT-base`** | [564M](https://huggingface.co/x/a) |\n"
           "| **`RobinBERT-large`** | [1.4G](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"RobinBERT-base": 147e6, "RobinBERT-large": 374e6}


def test_a_family_record_that_is_its_only_sized_model_and_repositories_in_titles():
    doc = ("# BLOOMWren Training Repo\n\nThis repo holds the code for BLOOMWren-176B-v1. BLOOMWren is a 176 billion "
           "parameter multilingual chat model.\n\n- **BLOOMWren-176B-v1**: [Link](https://huggingface.co/s/BLOOMWren-176B-v1)\n"
           "- Install from PyPI: `pip install bloomwren`\n")
    only(extract(doc), name="BLOOMWren-176B-v1", params_total=176e9)


def test_a_size_column_in_gigabytes_is_the_download_on_disk():
    doc = ("# WrenBERT\n\n* **`WrenBERT-large, Chinese`**: 24-layer, 324M parameters\n\n"
           "| Model | HF | Size |\n|---|---|---|\n| **`WrenBERT-large, Chinese`** | [HF link](https://huggingface.co/x/a) | 1.2G |\n"
           "| **`WrenBERT-base, Chinese`** | [HF link](https://huggingface.co/x/b) | 383M |\n")
    sizes = {r["name"]: r["params_total"] for r in extract(doc)}
    assert 383e6 not in sizes.values() and 1.2e9 not in sizes.values()
    assert sizes["WrenBERT-large, Chinese"] == 324e6


def test_a_part_of_the_developers_name_or_a_language_is_no_model():
    doc = ("# Spanish Language Models\n\nDeveloped by IDEA-CCNL.\n\n- 2023.05.17 IDEA 研究院 releases Ziya-LLaMA-13B-v1.\n"
           "- Spanish models: RoBERTa-base-bne is a 125M parameter model.\n")
    names = [r["name"] for r in extract(doc)]
    assert "IDEA" not in names and "Spanish" not in names


def test_a_card_titled_with_one_sized_model_announces_it_not_its_series():
    doc = ("# Finch-Coding-34B-v1.0\n\n# 系列模型\n\n- [Finch-LLaMA-13B-v1](https://huggingface.co/x/Finch-LLaMA-13B-v1)\n"
           "- [Finch-Writing-13B-v1](https://huggingface.co/x/Finch-Writing-13B-v1)\n\n## Introduction\n\n"
           "Today we open-source Finch-Coding-34B-v1.0, our latest code model.\n")
    assert [r["name"] for r in extract(doc)] == ["Finch-Coding-34B-v1.0"]


def test_group_label_rows_a_title_adjective_and_a_token_text_context():
    doc = ("# Models\n\n- All Plover2 models support a **32k token text context length**.\n\n"
           "| Model | HF | Params |\n|---|---|---|\n| Plover2 Text Models | Plover2 Text Models | Plover2 Text Models |\n"
           "| Plover2-1.2B | [hf](https://huggingface.co/x/a) | 1.2B |\n")
    only(extract(doc), name="Plover2-1.2B", params_total=1.2e9, context_length=32000)
    assert extract("# Available Evaluation Models\n\nWe offer a version with 10.7 billion parameters.\n") == []


def test_a_repository_id_names_another_model_and_this_version_is_no_family():
    doc = ("# Tern Models\n\nTern-base is our 280M parameter metric. We also offer larger versions: "
           "Acme/wmt23-kiwi-xl with 3.5 billion parameters.\n\n- **Large:** [`Acme/Big-XXL`](https://huggingface.co/Acme/Big-XXL) - "
           "Our latest model. We offer this version in XXL with 10.7 billion parameters.\n")
    sizes = {r["params_total"] for r in extract(doc)}
    assert 3.5e9 not in sizes and 10.7e9 not in sizes


def test_a_mixture_name_is_not_the_row_of_its_expert_size():
    doc = ("# Magpie2\n\n| Model | Data | Base | Download |\n|---|---|---|---|\n"
           "| Magpie2-8x7B | Web | Mixtral-8x7B | [hf](https://huggingface.co/x/a) |\n"
           "| Magpie2-7B | Web | Mistral-7B | [hf](https://huggingface.co/x/b) |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"Magpie2-7B": 7e9, "Magpie2-8x7B": None}


def test_a_title_opening_with_a_verb_is_a_papers_not_a_models():
    doc = "# Extending LLM Context Length\n\nWe fine-tune on sequences of 2048 tokens context.\n"
    assert extract(doc) == []
    doc = "# Autoregressive Model Beats Diffusion\n\nWe release sixteen checkpoints of 700M parameters.\n"
    assert extract(doc) == []


def test_a_size_no_name_claims_is_no_new_model_of_a_sized_family():
    doc = ("# Loon\n\n- 04/22/2024: Loon-330M and Loon-830M are released.\n\n"
           "Download the codec here. This model is trained on Gigaspeech XL, it has 56M parameters.\n")
    extraction = extract_with_review(doc)
    assert sorted(r["params_total"] for r in extraction.records) == [330e6, 830e6]
    assert any(row["value"] == 56e6 for row in extraction.review)


def test_an_npu_build_and_a_gptq_format_are_copies_whose_row_facts_reach_the_model():
    doc = ("# Teal2\n\n| 模型 | 下载 |\n|---|---|\n| Teal2-39B-A12B-NPU | [modelscope](https://modelscope.cn/x/a) |\n"
           "| Teal4-0.5B-QAT-Int4-GPTQ-format | [hf](https://huggingface.co/x/b) |\n| Teal4-0.5B | [hf](https://huggingface.co/x/c) |\n\n"
           "| Model | MMLU |\n|---|---|\n| Teal2-39B-A12B | 83.0 |\n")
    records = {r["name"]: r for r in extract(doc)}
    assert sorted(records) == ["Teal2-39B-A12B", "Teal4-0.5B"]
    assert records["Teal2-39B-A12B"]["params_active"] == 12e9


def test_a_size_row_under_a_heading_naming_an_unsized_model_is_that_model():
    doc = ("# Owlet LLM\n\nDeveloped by Owlet Inc.\n\n- [🤗Owlet LLM-PLM](https://huggingface.co/x/Owlet_LLM-PLM-1.3B)\n\n"
           "## Owlet LLM-PLM (사전 학습 모델)\n### 아키텍처\n\n| Params | Layers | Hidden size |\n|---|---|---|\n| 1.3B | 24 | 2,048 |\n\n"
           "## Owlet LLM-SFT (생성형 언어 모델)\n\n| Params | Epochs | Max length |\n|---|---|---|\n| 1.3B | 3 | 4,096 |\n")
    names = sorted(r["name"] for r in extract(doc))
    assert len(names) == 2 and all("PLM" in n or "SFT" in n for n in names), names


def test_a_sentences_opening_word_is_not_part_of_the_name_after_it():
    from pipeline.extract.names import mentions
    assert [m for _, m in mentions("If Real-Kite is helpful, please star it. While Kite-7B is small, it works.")] == \
        ["Real-Kite", "Kite-7B"]


def test_names_glued_to_chinese_text_size_words_and_layer_counts():
    from pipeline.extract.names import mentions
    assert [m for _, m in mentions("2022/02/21 更新CIKO-small模型，参数量148M。")] == ["CIKO-small"]
    assert [m for _, m in mentions("- CIKO-base-v2 12-layer, 768-hidden, 190M parameters")] == ["CIKO-base-v2"]


def test_people_and_benchmarks_are_no_models():
    doc = ("# Heron-Detect\n\nWe release Heron-Detect-7B today.\n\n|   |   |\n|:-:|:-:|\n"
           "| [Ada Lane](https://github.com/adalane) | [Bo Chen](https://github.com/bochen) |\n"
           "|<img src=\"https://avatars.githubusercontent.com/u/1?s=64\" width=\"40\"/>|<img src=\"https://avatars.githubusercontent.com/u/2\"/>|\n\n"
           "- [2024-02-09] We release the Chinese MT-Bench dataset.\n")
    assert [r["name"] for r in extract(doc)] == ["Heron-Detect-7B"]


def test_a_base_model_field_a_name_column_and_pt_it_variants():
    doc = ("# Medi-7B\n\nWe release Medi-7B, adapted from Llama-2.\n\n- **Continue-pretrained from model:** "
           "[Llama-2-70B](https://huggingface.co/meta-llama/Llama-2-70b)\n- [Medi-7B](https://huggingface.co/meta-llama/Medi-7B)\n")
    assert [r["name"] for r in extract(doc)] == ["Medi-7B"]
    doc = ("# Gemmo 2\n\nGemmo 2 models are released.\n\nSize | Variant | Name\n---- | ---- | ----\n"
           "2.6B | Pre-trained (PT) | `g/gemmo-2/flax/gemmo2-2b`\n2.6B | Instruction Tuned (IT) | `g/gemmo-2/flax/gemmo2-2b-it`\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"gemmo2-2b": 2.6e9, "gemmo2-2b-it": 2.6e9}


def test_underscores_separate_a_version_from_a_size():
    from pipeline.extract.names import parse_name
    assert parse_name("NTv4_100M_post").nominal == 100e6 and parse_name("NTv4_100M_post").stem == ("ntv", "4", "post")
    assert parse_name("InternVL2_5-1B").stem == ("internvl", "2.5") and parse_name("internlm2_5-1_8b").nominal == 1.8e9


def test_a_table_row_linking_to_a_dataset_is_no_model():
    doc = ("# Aina Models\n\n| Name | Task | Link |\n|---|---|---|\n"
           "| CatalaQA | Question Answering | https://huggingface.co/datasets/aina/catalaqa |\n"
           "| roberta-base-ca-v9 | Fill mask | https://huggingface.co/aina/roberta-base-ca-v9 |\n")
    assert [r["name"] for r in extract(doc)] == ["roberta-base-ca-v9"]


def test_a_check_mark_matrix_a_schedule_of_contexts_and_dataset_counts_in_names():
    doc = ("# OpenPonder\n\nWe release OpenPonder-7B.\n\n| Model | Open Weights | Open Data |\n|---|---|---|\n"
           "| [OpenPonder-7B](https://huggingface.co/op/OpenPonder-7B) | ✅ | ✅ |\n"
           "| [Rival-Distill-7B](https://huggingface.co/rv/Rival-Distill-7B) | ✅ | ❌ |\n\n"
           "We scale GRPO from 8K→16K->24K context length for thinking.\n\n"
           "- [Ponder-OSS-Instruct-75K](https://huggingface.co/op/Ponder-OSS-Instruct-75K)\n")
    records = {r["name"]: r for r in extract(doc)}
    assert "Rival-Distill-7B" not in records and records["OpenPonder-7B"]["context_length"] is None
    assert all(r["context_length"] != 75000 for r in records.values())


def test_a_table_of_contents_lists_no_models():
    doc = ("# ESN\n\n- [ESN 3](#esn-3-)\n  - [ESN3 Example Usage](#esn3-example-usage)\n- [ESN C](#esn-c-)\n\n"
           "## ESN 3\n\nWe release esn3-open-1.4B.\n")
    names = [r["name"] for r in extract(doc)]
    assert "esn3-open-1.4B" in names and not {"ESN 3", "ESN C", "ESN3 Example Usage"} & set(names), names


def test_past_a_comparison_a_number_is_the_rivals_but_more_than_bounds_it():
    doc = ("# ESN C\n\nWe release ESN C models. The 600M parameter ESN C rivals the 3B parameter Foo2.\n\n"
           "CodeWren is a 13B model. CodeWren has been trained on more than 850 billion tokens.\n")
    records = extract(doc)
    assert all(r["params_total"] != 3e9 for r in records)
    extraction = extract_with_review(doc)
    assert any(r["value"] == 3e9 for r in extraction.review)


def test_counts_of_words_and_a_link_to_a_longer_version_are_no_facts_of_the_model():
    doc = ("# KR-Owl\n\nKR-Owl-base is a 102M parameter model. The data is 12.37GB, consisting of 91M and 1.17B words.\n\n"
           "| Model | Context |\n|---|---|\n| [Owl-Taiwan-8B](https://huggingface.co/y/Owl-Taiwan-8B) | "
           "[128k version](https://huggingface.co/y/Owl-Taiwan-8B-128k) |\n")
    records = extract(doc)
    assert all(r["params_total"] not in (91e6, 1.17e9) for r in records)
    assert all(r["context_length"] != 128000 for r in records if r["name"] == "Owl-Taiwan-8B")


def test_sharded_weights_are_a_copy():
    doc = ("# Wangwen\n\n* pythai/wangwen-7.5B-sft-en\n* pythai/wangwen-7.5B-sft-en-sharded\n")
    assert [r["name"] for r in extract(doc)] == ["wangwen-7.5B-sft-en"]


def test_space_separated_thousands_and_exact_counts_in_cells():
    from pipeline.extract.numbers import cell_value
    assert cell_value("context_length", "4 096", "Context length") == 4096
    assert cell_value("params_total", "6706958336", "Parameters") == 6706958336
    assert cell_value("params_total", "6 706 958 336", "Parameters") == 6706958336
    assert cell_value("params_total", "7", "Parameters (B)") == 7e9


def test_up_to_a_size_is_a_bound_not_a_models_size():
    doc = ("# Lark 中文社区\n\n- 2025年04月05日：原生多模态MoE架构的Lark 4开源！最高达2T参数的Behemoth模型。\n"
           "- Lark 4 comes in sizes with up to 400B parameters.\n")
    assert all(r["params_total"] not in (2e12, 400e9) for r in extract(doc))


def test_a_size_column_holding_megabytes_and_parameters():
    doc = ("# AraWren\n\n Model | HuggingFace Model Name | Size (MB/Params)| Pre-Segmentation |\n ---|:---:|:---:|:---:\n"
           "AraWren-base | [bert-base-arawren](https://huggingface.co/aw/bert-base-arawren) | 543MB / 136M | No |\n"
           "AraWren-large | [bert-large-arawren](https://huggingface.co/aw/bert-large-arawren) | 1.38G / 371M | No |\n")
    assert sorted(r["params_total"] for r in extract(doc)) == [136e6, 371e6]


def test_a_bar_of_hub_links_lists_the_models():
    doc = ("# Towards the Law of Capacity Gap\n\n📑 [arXiv](https://arxiv.org/abs/1) | 🤗 [HuggingFace-MiniMo-3B](https://huggingface.co/gz/MiniMo-3B)"
           " | 🤖 [ModelScope-MiniMo-3B](https://modelscope.cn/models/gz/MiniMo-3B) | 🤗 [HuggingFace-MiniMo-2-1B](https://huggingface.co/gz/MiniMo-2-1B)\n")
    assert sorted(r["name"] for r in extract(doc)) == ["MiniMo-2-1B", "MiniMo-3B"]
    table = ("# MobileVLN\n\n| Model | LLM | GQA |\n|---|---|---|\n"
             "| [MobileVLN-3B](https://huggingface.co/mt/MobileVLN-3B) | [MobileLLaMO 2.7B](https://huggingface.co/mt/MobileLLaMO-2.7B) | 59.0 |\n")
    assert "MobileLLaMO 2.7B" not in [r["name"] for r in extract(table)]


def test_a_size_column_of_bare_numbers_beside_no_parameters_is_the_input():
    doc = ("# YOLOv9x\n\n| Model | Size | Precision | mAP |\n|---|---|---|---|\n| **YOLOv9x-N RepOpt** | 640 | INT8 | 34.8 |\n"
           "| **YOLOv9x-S RepOpt** | 640 | INT8 | 41.8 |\n")
    assert all(r["params_total"] is None for r in extract(doc))


def test_a_zero_size_in_a_name_is_no_size_and_no_crash():
    from pipeline.extract.names import parse_name
    assert parse_name("mace-mp-0m").nominal is None
    doc = ("# MACE-MQ\n\n| Model | Download |\n|---|---|\n| mace-mq-0m | [hf](https://huggingface.co/x/mace-mq-0m) |\n"
           "| mace-mq-0-medium | [hf](https://huggingface.co/x/mace-mq-0-medium) |\n\nWe release mace-mq-0m and mace-mq-0-medium.\n")
    extract(doc)


def test_a_list_of_other_owners_repositories_names_base_models():
    doc = ("# Saika\n\n* Models:\n  * [IlyaG/saika2_7b_lora](https://huggingface.co/IlyaG/saika2_7b_lora)\n"
           "  * [IlyaG/saika2_13b_lora](https://huggingface.co/IlyaG/saika2_13b_lora)\n* Base models:\n"
           "  * [huggyllama/saika-7b](https://huggingface.co/huggyllama/saika-7b)\n"
           "  * [TheBloke/saika-70B-fp16](https://huggingface.co/TheBloke/saika-70B-fp16)\n")
    names = [r["name"] for r in extract(doc)]
    assert "saika-7b" not in names and "saika-70B-fp16" not in names and "saika2_7b_lora" in names, names


def test_a_note_after_a_link_text_does_not_make_a_second_record():
    doc = ("# Baiza\n\n- [Baiza-v1-7B (LoRA weights)](https://huggingface.co/pb/baiza-lora-7B)\n"
           "- [Baiza-v1-13B (LoRA weights)](https://huggingface.co/pb/baiza-lora-13B)\n")
    assert sorted(r["name"] for r in extract(doc)) == ["Baiza-v1-13B", "Baiza-v1-7B"]


def test_a_zero_before_the_unit_and_a_digit_after_it_is_a_version():
    from pipeline.extract.names import parse_name
    assert parse_name("MACE-MQ-0b2").nominal is None and parse_name("bloomz-1b7").nominal == 1.7e9


def test_a_size_list_sentence_beside_a_table_of_those_sizes_adds_no_models():
    doc = ("# Kitty TTS\n\n> New: Kitty TTS v0.8 is out -- 15M, 40M, and 80M parameter models now available.\n\n"
           "| Model | Params | Download |\n|---|---|---|\n| kitty-tts-nano | 15M | [hf](https://huggingface.co/k/kitty-tts-nano) |\n"
           "| kitty-tts-micro | 40M | [hf](https://huggingface.co/k/kitty-tts-micro) |\n| kitty-tts-mini | 80M | [hf](https://huggingface.co/k/kitty-tts-mini) |\n")
    names = [r["name"] for r in extract(doc)]
    assert {"kitty-tts-nano 15M", "kitty-tts-micro 40M", "kitty-tts-mini 80M"} <= set(names)
    assert not [n for n in names if re.fullmatch(r"Kitty TTS v0\.8 \d+M", n)], names


def test_settings_in_capitals_and_tools_to_install_are_no_models():
    doc = ("# TabWren\n\nWe release TabWren-2.5 today.\n\n| Variable | Meaning |\n|---|---|\n"
           "| TABWREN_MODEL_CACHE_DIR | where weights go |\n| TABWREN_NO_BROWSER | no browser |\n\n"
           "- Install FFmpeg first. We release FFmpeg builds too.\n")
    names = [r["name"] for r in extract(doc)]
    assert not [n for n in names if "TABWREN_" in n or n == "FFmpeg"], names
    from pipeline.extract.names import is_model_name, parse_name
    assert not is_model_name(parse_name("TABWREN_MODEL_CACHE_DIR"), (), "TABWREN_MODEL_CACHE_DIR")
    assert not is_model_name(parse_name("FFmpeg"))


def test_a_perplexity_table_compares_models():
    doc = ("# GEITja\n\nGEITja is a 7 billion parameter model.\n\n| Model | Parameters | Perplexity (lower is better) |\n|---|---|---|\n"
           "| GEITja | [7B](https://huggingface.co/r/GEITja-7B) | 4.70 |\n| Falcon | [7B](https://huggingface.co/tiiuae/falcon-7b) | 25.13 |\n"
           "| LLaMA 2 | [70B](https://huggingface.co/meta-llama/Llama-2-70b-hf) (8-bit) | 6.44 |\n")
    names = [r["name"] for r in extract(doc)]
    assert not [n for n in names if n.startswith(("Falcon", "LLaMA"))], names


def test_a_row_naming_another_developers_repository_is_theirs():
    doc = ("# Unichit-llama3-Chinese\n\n| 模型名称 | 🤗模型加载名称 | 下载地址 |\n|---|---|---|\n"
           "| Unichit-llama3-Chinese-8B | UnicomAI/Unichit-llama3-Chinese-8B | [HuggingFace](https://huggingface.co/UnicomAI/Unichit-llama3-Chinese-8B) |\n\n"
           "| 模型名称 | 🤗模型加载名称 | 下载地址 |\n|---|---|---|\n"
           "| Llama3-8B | meta-llama/Meta-Llama-3-8B | [HuggingFace](https://huggingface.co/meta-llama/Meta-Llama-3-8B) |\n"
           "| AraGPT9-base | 527MB/135M | [HuggingFace](https://huggingface.co/aubmindlab/aragpt9-base) |\n")
    names = [r["name"] for r in extract(doc)]
    assert "Llama3-8B" not in names and any(n.startswith("Unichit-llama3-Chinese-8B") for n in names), names


def test_a_count_after_a_year_in_a_name_is_data_not_a_size():
    from pipeline.extract.names import parse_name
    assert parse_name("tweety-roberta-base-2019-90m").nominal is None
    assert parse_name("tweety-roberta-base-jun2022-15M-incr").nominal is None
    assert parse_name("Tweety-7B-Instruct-2501").nominal == 7e9


def test_a_titles_initials_name_the_family_and_libraries_are_no_family():
    doc = ("# Heterogenous Pre-trained Xformers\n\nWe provide the following model versions:\n\n| Model | Size |\n|---|---|\n"
           "| [HPX-XLarge](https://huggingface.co/l/hpx-xlarge) | 226.8M Params |\n| [HPX-Base](https://huggingface.co/l/hpx-base) | 12.6M Params |\n\n"
           "We fine-tune HPX-Base with Transformers or Diffusers. Transformers 4.40 works.\n")
    assert sorted(r["params_total"] for r in extract(doc)) == [12.6e6, 226.8e6]


def test_a_size_column_of_words_before_the_model_column():
    doc = ("# Ettix: Paired Encoders\n\n| Size | Model | Parameters | Download |\n|:-----|:------|:-----------|:---------|\n"
           "| XXS | [ettix-encoder-17m](https://huggingface.co/e/ettix-encoder-17m) | 17M | [Download](https://huggingface.co/e/ettix-encoder-17m) |\n"
           "| Base | [ettix-encoder-150m](https://huggingface.co/e/ettix-encoder-150m) | 150M | [Download](https://huggingface.co/e/ettix-encoder-150m) |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"ettix-encoder-17m": 17e6, "ettix-encoder-150m": 150e6}


def test_a_range_of_sizes_is_no_models_size():
    doc = "# Ettix: Paired Encoders\n\nEttix is a suite of paired encoder models (17M-1B params) trained on open data.\n"
    assert [r["params_total"] for r in extract(doc)] in ([], [None])
    # a version before the size is no range: "llama3.1-8B" has 8B parameters
    doc = "# Unichit-llama3.1-Chinese-8B\n\n我们发布 Unichit-llama3.1-Chinese-8B，基于 llama3.1-8B参数的中文微调版本。\n"
    assert [r["params_total"] for r in extract(doc)] == [8e9]


def test_an_agent_name_column_names_the_rows():
    doc = ("# MiroThinkr\n\n| Agent Name | Base Agent | Max Context | HF Link |\n|:--:|:--:|:--:|:--:|\n"
           "| MiroThinkr-8B-SFT-v0.1 | Qwen3-8B | 40K | [🤗 link](https://huggingface.co/m/MiroThinkr-8B-SFT-v0.1) |\n"
           "| MiroThinkr-14B-SFT-v0.1 | Qwen3-14B | 40K | [🤗 link](https://huggingface.co/m/MiroThinkr-14B-SFT-v0.1) |\n")
    assert {r["name"]: (r["params_total"], r["context_length"]) for r in extract(doc) if r["params_total"]} == {
        "MiroThinkr-8B-SFT-v0.1": (8e9, 40000), "MiroThinkr-14B-SFT-v0.1": (14e9, 40000)}


def test_a_benchmark_the_models_score_on_is_no_family():
    doc = ("# Deep research agents\n\nMiroThinkr is our agent. MiroThinkr is open.\n\n"
           "- MiroThinkr-1.7 achieves 72.3 on BrowseQuiz-ZH.\n"
           "- MiroThinkr-v1.5 scores 39.2% on HLE-Text, 71.5% on BrowseQuiz-ZH and 80.8% on GAIA-Val.\n"
           "- MiroThinkr-v1.0 comes in 8B and 30B parameter scales, achieving 37.7%, 55.6% on HLE-Text, BrowseQuiz-ZH.\n"
           "- MiroThinkr-v0.2: BrowseQuiz-EN (17.2%), BrowseQuiz-ZH (29.4%).\n")
    from pipeline.extract.subject import rank_families
    from pipeline.extract.text import load_document
    families = [family[0] for family in rank_families(load_document(doc, None, None), (), limit=3)]
    assert ("mirothinkr",) in families and not [f for f in families if "browsequiz" in f], families
    assert not [r for r in extract(doc) if "BrowseQuiz" in r["name"]]


def test_the_model_a_release_is_based_on_is_not_announced():
    doc = ("# Yuran\n\nWe release Yuran, a multimodal model based on baichuan-inc/baichuan-7B.\n\n"
           "| Model | Humanities | STEM | Average |\n|---|---|---|---|\n| Baichuan-7B 0 | 38.4 | 35.6 | 42.3 |\n")
    assert not [r for r in extract(doc) if "aichuan" in r["name"]]


def test_badges_after_a_name_in_a_table_and_archives_are_no_part_of_a_model():
    doc = ("# UFormx\n\n| Model | Parameters | Purpose |\n|---|---|---|\n| uformx-gen2-dpo 🆕 | 1.2 B | Chat |\n"
           "| uformx-gen ⚠️ | 1.5 B | Captioning |\n\n| File | Size |\n|---|---|\n| uformx_news_v1_1B_250K_300d.tar | 250 MB |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"uformx-gen2-dpo 1.2B": 1.2e9, "uformx-gen 1.5B": 1.5e9}


def test_a_family_whose_name_starts_with_a_variant_word():
    from pipeline.extract.names import parse_name
    assert parse_name("IT5").stem == ("it5",) and parse_name("IT5").variant == ""
    assert parse_name("gemma-2b-it").variant == "instruct"
    doc = "# IT5: Text-to-text Pretraining for Italian Language Understanding and Generation\n\n- IT5 Small, an encoder-decoder with 60M parameters.\n"
    assert [(r["name"], r["params_total"]) for r in extract(doc) if r["params_total"]] == [("IT5 Small", 60e6)]


def test_a_venue_in_the_title_is_no_model():
    doc = "# Würstchen (ICLR 2024, oral)\n\nWürstchen is a text-to-image model.\n"
    assert not [r for r in extract(doc) if "ICLR" in r["name"]]
    from pipeline.extract.text import load_document
    assert load_document("# [Nature Medicine'24] BiomedGPT\n\nText.\n", None, None).title == "BiomedGPT"


def test_rows_without_a_check_in_an_availability_column_are_not_released():
    doc = ("# Dolphyn\n\n| Model | Parameters | Average WER | Publicly Available |\n|:--:|:--:|:--:|:--:|\n"
           "| base | 140 M | 33.3 | ✅ |\n| small | 372 M | 25.2 | ✅ |\n| medium | 910 M | 23.1 | |\n| large | 1679 M | 21.6 | |\n")
    out = extract_with_review(doc)
    assert sorted(r["params_total"] for r in out.records) == [140e6, 372e6]
    assert [r for r in out.review if "not released" in r["reason"]]


def test_sizes_planned_for_later_are_not_released():
    doc = ("# Octopux v4\n\nOctopux v4 is an agent model with 3 billion parameters.\n\n## Using the Octopux v4 Model\n\n"
           "Future updates will expand support to include LoRA training, training larger models (such as 13B and 70B), and more.\n")
    out = extract_with_review(doc)
    assert [r["params_total"] for r in out.records] == [3e9]
    assert [r for r in out.review if "planned" in r["reason"]]


def test_a_title_that_is_a_name_before_its_description_outweighs_the_base_models_prose():
    doc = ("# Fin-Q1：通过强化学习驱动的金融推理大模型\n\n"
           "Fin-Q1 以 Qwen2.5-7B-Instruct 为基座，采用 7B 参数量级架构。我们利用 Qwen2.5-7B-Instruct 训练 Fin-Q1。\n"
           "Qwen2.5-7B-Instruct 和 Qwen2.5-32B-Instruct 是对比模型。Qwen2.5-14B-Instruct 也是。\n\n"
           "| Model | Parameters | FinQA | Average |\n|---|---|---|---|\n| Qwen-2.5-32B-Instruct | 32B | 72.0 | 73.8 |\n"
           "| Qwen-2.5-7B-Instruct | 7B | 60.0 | 65.6 |\n| Fin-Q1 | 7B | 76.0 | 75.2 |\n")
    names = [r["name"] for r in extract(doc)]
    assert not [n for n in names if n.startswith("Qwen")] and any(n.startswith("Fin-Q1") for n in names), names


def test_a_size_compared_with_vs_is_another_models():
    doc = ("# Msinga1: Small-Scale Pretraining\n\nMsinga1 was our first attempt, with 336M parameters. We release Msinga1 153M.\n\n"
           "The improvements in Msinga1 153M show the value of our approach: a smaller model (153M vs 336M parameters).\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)}["Msinga1 153M"] == 153e6


def test_a_version_column_names_the_rows():
    doc = ("# RoGPT3\n\n| Version | Number of parameters | Number of epoch | Context size | PPL |\n|:--:|:--:|:--:|:--:|:--:|\n"
           "| Base | 124M | 15 | 1024 | 22.96 |\n| Large | 774M | 5 | 512 | 16.77 |\n")
    assert sorted((r["params_total"], r["context_length"]) for r in extract(doc)) == [(124e6, 1024), (774e6, 512)]


def test_a_single_column_of_download_links_lists_the_models():
    doc = ("# PhonyLM\n\nPhonyLM is a small language model family.\n\n## Model Downloads\n\n  | HuggingFace |\n  |-------------|\n"
           "  |[PhonyLM-1.5B](https://huggingface.co/p/PhonyLM-1.5B)|\n  |[PhonyLM-0.5B](https://huggingface.co/p/PhonyLM-0.5B)|\n\n"
           "| 模型下载 | 分类 | 训练序列长度 |\n|---|---|---|\n| [PhonyLM-2-7B (hf格式)](https://huggingface.co/p/PhonyLM-2-7B-hf) | 语言模型 | 2048 |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"PhonyLM-1.5B": 1.5e9, "PhonyLM-0.5B": 0.5e9, "PhonyLM-2-7B": 7e9}


def test_a_longer_fence_closes_a_code_block():
    doc = ("# Herin\n\n```bash\npip install herin\n``````\n\n```bash\npython demo.py\n```\n\n### Pretrained Models\n\n"
           "|model|LLM module|size|\n|:----:|:----|:----|\n|[herin-chat-7b-v1](https://huggingface.co/t/herin-chat-7b-v1)|StableLM|7B|\n")
    assert [(r["name"], r["params_total"]) for r in extract(doc)] == [("herin-chat-7b-v1", 7e9)]


def test_repository_ids_in_a_size_rows_cells_name_its_models_and_a_sample_count_is_no_window():
    doc = ("# CodeW: Verilog Generation\n\n|      | Base Model | CodeW |\n| ---- | ---- | ---- |\n"
           "| 6.7B | [deepseek-ai/deepseek-coder-6.7b-base](https://huggingface.co/deepseek-ai/deepseek-coder-6.7b-base) "
           "| [yang-z/CodeW-DS-6.7B](https://huggingface.co/yang-z/CodeW-DS-6.7B) |\n"
           "| 7B | [Qwen/Qwen2.5-Coder-7B](https://huggingface.co/Qwen/Qwen2.5-Coder-7B) | [yang-z/CodeW-QC-7B](https://huggingface.co/yang-z/CodeW-QC-7B) |\n\n"
           "- [CodeW-DS-6.7B-Evol-Instruct-90K](https://huggingface.co/yang-z/CodeW-DS-6.7B-Evol-Instruct-90K)\n")
    records = {r["name"]: (r["params_total"], r["context_length"]) for r in extract(doc)}
    assert records["CodeW-DS-6.7B"] == (6.7e9, None) and records["CodeW-QC-7B"] == (7e9, None)
    doc = ("# CodeW: Verilog Generation\n\n- [CodeW-DS-6.7B-Evol-Instruct-90K](https://huggingface.co/yang-z/CodeW-DS-6.7B-Evol-Instruct-90K)\n"
           "- [CodeW-DS-6.7B](https://huggingface.co/yang-z/CodeW-DS-6.7B)\n")
    assert {r["name"]: r["context_length"] for r in extract(doc)} == {"CodeW-DS-6.7B": None, "CodeW-DS-6.7B-Evol-Instruct-90K": None}


def test_rows_of_another_family_without_a_download_compare_and_parts_sizes_are_no_models():
    doc = ("# VMambo\n\n| name | pretrain | #params | configs/logs/ckpts |\n|---|---|---|---|\n| Swin-T | ImageNet-1K | 28M | -- |\n"
           "| VMambo-S | ImageNet-1K | 50M | [config](c.yaml)/[ckpt](https://github.com/m/VMambo/releases/download/s.pth) |\n")
    out = extract_with_review(doc)
    assert [r["params_total"] for r in out.records] == [50e6]
    assert [r for r in out.review if r["name"].startswith("Swin") and "without a download" in r["reason"]]
    doc = ("# Marvos TTS\n\nMarvos is released today. Thanks to Sesame CSM-1B for inspiring it.\n\n"
           "- Multimodal Backbone (250M parameters): models the zeroth codebook.\n- Audio Decoder (60M parameters): the rest.\n\n"
           "Marvos weighs little.\n")
    assert not [r for r in extract(doc) if r["params_total"] in (250e6, 60e6)]
    doc = "# PandaLM\n\nWe release PandaLM-7B. We also release the test results of PandaLM-7B in `./data/pandalm-7b-testset-v1.json`.\n"
    assert [r["name"] for r in extract(doc)] == ["PandaLM-7B"]



def test_a_first_column_named_after_the_family_names_the_rows_but_base_model_does_not():
    doc = ("# MAX\n\n| MAX Model | FID-50K | #params |\n|---|---|---|\n| [MAX-B](https://www.dropbox.com/b.pth) | 2.31 | 208M |\n"
           "| [MAX-L](https://www.dropbox.com/l.pth) | 1.78 | 479M |\n")
    assert sorted(r["params_total"] for r in extract(doc)) == [208e6, 479e6]
    doc = "# MAX\n\n| Base Model | #params |\n|---|---|\n| Llama-2-7B | 7B |\n"
    assert not [r for r in extract(doc) if r["params_total"]]


def test_a_sized_moe_model_is_a_model_name():
    doc = ("# MINGO\n\n| 模型 | 基座 | HuggingFace |\n|---|---|---|\n| MINGO-7B | bloomz-7b1-mt | [🤗 MINGO-7B](https://huggingface.co/B/MINGO-7B) |\n"
           "| MINGO-MOE-4B | Qwen1.5-4B | [🤗 MINGO-MOE-4B](https://huggingface.co/B/MINGO-MOE-4B) |\n\n## MINGO MoE\n\nThe MoE architecture.\n")
    assert sorted(r["name"] for r in extract(doc) if r["params_total"]) == ["MINGO-7B", "MINGO-MOE-4B"]


def test_a_whole_models_parameter_column_over_a_parts():
    doc = ("# BK-SDN\n\n| Model | FID | # Params,<br>U-Net | # Params,<br>Whole SDM |\n|---|:---:|:---:|:---:|\n"
           "| [BK-SDN-Base](https://huggingface.co/n/bk-sdn-base) (Ours) | 15.76 | 0.58B | 0.76B |\n")
    assert [r["params_total"] for r in extract(doc)] == [0.76e9]


def test_a_small_count_in_a_name_from_prose_is_its_datas():
    doc = "# Elysian: Video LLM\n\n- [2024] We release ElysianTrack-1M.\n"
    assert [(r["name"], r["params_total"]) for r in extract(doc)] == [("ElysianTrack-1M", None)]


def test_a_property_sheet_gives_its_columns_counts_over_their_names_sizes():
    doc = ("# gWorlt\n\ngWorlt is an open-weight model.\n\n- [gWorlt-8B on Hugging Face](https://huggingface.co/t/gWorlt-8B)\n"
           "- [gWorlt-32B on Hugging Face](https://huggingface.co/t/gWorlt-32B)\n\n| Property | gWorlt-8B | gWorlt-32B |\n|---|---|---|\n"
           "| Base Model | Qwen/Qwen3-VL-8B-Instruct | Qwen/Qwen3-VL-32B |\n| Parameters | 9B | 33B |\n| License | Apache 2.0 | Apache 2.0 |\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"gWorlt-8B": 9e9, "gWorlt-32B": 33e9}


def test_an_unpacked_copy_is_the_same_model():
    doc = ("# TriLN\n\nTriLN models are trained on 300B tokens.\n\n| Params | TriLN |\n|---|---|\n"
           "| 99M | [🤗 S/TriLN_99M_Unpacked](https://huggingface.co/S/TriLN_99M_Unpacked) |\n"
           "| 190M | [🤗 S/TriLN_190M_Unpacked](https://huggingface.co/S/TriLN_190M_Unpacked) |\n\n"
           "- [TriLN_99M_Unpacked](https://huggingface.co/S/TriLN_99M_Unpacked)\n- [TriLN_99M](https://huggingface.co/S/TriLN_99M)\n")
    assert sorted(r["params_total"] for r in extract(doc)) == [99e6, 190e6]


def test_a_size_bounding_the_models_compared_with_is_not_the_models():
    doc = ("# Pavo: Aligned Embeddings for Multimodal Models\n\nPavo is a novel multimodal model architecture.\n\n"
           "## Model\nWe provide the following Pavo models:\n\n| Pavo MLLMs | ViT | LLM | Model Weights |\n|:--|:--:|:--:|:--:|\n"
           "| Pavo2-Lyra-8B | Siglip-400M | Lyra-8B-It | [Huggingface](https://huggingface.co/p/Pavo2-Lyra-8B) |\n\n"
           "## Performance\nWith only **9B** parameters, Pavo2-Lyra-8B tops the leaderboard among open models within **40B** parameters.\n")
    assert [r["params_total"] for r in extract(doc)] == [9e9]


def test_a_size_introducing_a_model_name_after_a_colon_is_that_models():
    doc = ("# Weaver\n\nWeaver fills in code between a prefix and a suffix.\n\n## Models\n\n"
           "- 6.7B parameter model: [acme/weaver-6B](https://huggingface.co/acme/weaver-6B)\n"
           "- 1.3B parameter model: [acme/weaver-1B](https://huggingface.co/acme/weaver-1B)\n")
    assert {r["name"]: r["params_total"] for r in extract(doc)} == {"weaver-6B": 6.7e9, "weaver-1B": 1.3e9}


def test_a_first_sentence_defining_the_model_names_the_documents_subject():
    doc = ("<p align=\"center\"><img src=\"banner.png\"></p>\n\nLoro is a 1.2B parameter speech model created by Quill Labs.\n\n"
           "Loro turns a transcript into dialogue. We compare it with Sesame CSM-1B.\n\n## Generation Guidelines\n\nKeep input short.\n")
    records = extract(doc)
    assert [(r["name"], r["params_total"]) for r in records] == [("Loro", 1.2e9)]
    assert records[0]["subject_evidence"].startswith("defined in the document's first sentence")


def test_a_diffusion_models_parts_in_its_download_table_are_not_models():
    doc = ("# Pinto\n\n| Model | #Params | Download |\n|---|---|---|\n| T5 | 4.3B | [T5](https://huggingface.co/p/Pinto/t5) |\n"
           "| VAE | 80M | [VAE](https://huggingface.co/p/Pinto/vae) |\n| Pinto-512 | 0.6B | [link](https://huggingface.co/p/Pinto-512) |\n")
    assert [r["params_total"] for r in extract(doc)] == [0.6e9]
