"""The announcements plug-in: pages fetched over loopback, facts read by pipeline.extract."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import collect, validate
from pipeline.http import Fetcher, FetchPolicy
from pipeline.sources import announcements
from tests.conftest import VALIDATE_PARAMS
from tests.httpserver import LoopbackServer, Route, tree_digest, validate_all_metadata

PAGE = (Path(__file__).parent / "fixtures" / "sources" / "announcement_example_nova.html").read_bytes()
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "announcements"
# A page with what real model cards hold besides their models: a settings table, an evaluation
# table linking rivals' weights, and numbers about other models.
NOISY = (b"# Example Wren-7B\n\nWe release Example Wren-7B, a 7B parameter model trained on 2T tokens.\n\n"
         b"| Parameter | Value |\n|---|---|\n| seed | 100000000000 |\n| Checkpoint | final |\n\n"
         b"| Model | MMLU | Weights |\n|---|---|---|\n| Example Wren-7B | 61.0 | [HF](https://hf.co/w) |\n"
         b"| Rival-7B | 55.0 | [HF](https://hf.co/r) |\n\nChinchilla was trained on 1.4T tokens.\n")
MARKDOWN = (b"# Example Pico: small models from Example Labs\n\n"
            b"| Model | Parameters | Training tokens |\n|---|---|---|\n| Example Pico 1B | 1B | 3T |\n")


def ann_config(root: Path, urls: list[str], as_of: str = "2026-11-22") -> dict:
    return {"path": str(root), "enabled": True, "as_of": as_of, "urls": urls, "allowed_hosts": ["127.0.0.1"],
            "min_interval_s": 0, "max_bytes": 1_000_000, "retries": 0}


def run(config: dict) -> dict:
    return collect.collect_source("announcements", config, fetcher=Fetcher(FetchPolicy.from_config(config)))


@pytest.fixture
def observations(tmp_path) -> pd.DataFrame:
    routes = {"/news/nova": Route(body=PAGE, content_type="text/html; charset=utf-8"),
              "/pico.md": Route(body=MARKDOWN, content_type="text/markdown")}
    with LoopbackServer(routes) as server:
        config = ann_config(tmp_path / "announcements", [server.url("/news/nova"), server.url("/pico.md")])
        assert run(config)["state"] == "ok"
    assert validate_all_metadata(tmp_path / "announcements") == 1
    return announcements.parse(config).set_index("model_id")


def test_each_announced_model_becomes_an_observation(observations):
    nova = observations.loc["example-nova-12b"]
    assert (nova["params_total"], nova["training_tokens"], nova["mmlu"]) == (12e9, 8e12, 68.4)
    assert nova["publication_date"] == pd.Timestamp("2024-09-12") and nova["date_precision"] == "day"
    assert nova["source_url"].endswith("/news/nova") and nova["source_record"].endswith(".html#1")
    assert "rival-model-13b" not in observations.index  # comparison columns are not announcements


def test_context_length_goes_to_notes_and_evidence_covers_numbers(observations):
    nova = observations.loc["example-nova-12b"]
    assert "context length 32000" in nova["notes"]
    evidence = json.loads(nova["evidence"])
    assert set(evidence) == {"params_total", "training_tokens", "mmlu"}  # no context_length, no date
    assert "8 trillion tokens" in evidence["training_tokens"]


def test_markdown_pages_are_read_too_and_undated_rows_are_stubs(observations):
    assert observations.loc["example-pico-1b"]["training_tokens"] == 3e12
    result = validate.validate_observations(observations.reset_index(), VALIDATE_PARAMS)
    # The Markdown page states no date: a stub, quarantined with the reason, never a guessed date.
    assert result.quarantined.set_index("model_id")["quarantine_reason"].to_dict() == {
        "example-pico-1b": "publication_date (empty) fails not_nullable"}


def test_record_mapping_with_a_fake_extract_record():
    found = {"name": "Fake MoE", "organization": "Fake Lab", "publication_date": "2024-05", "params_total": 100,
             "params_active": 10, "training_tokens": None, "context_length": None, "mmlu": None,
             "evidence": {"params_total": "100 total", "params_active": "10 active", "publication_date": "May 2024"}}
    row = announcements.record_to_observation(found, "https://example.org/p", "p.html#1", "Language")
    assert (row["params_total"], row["params_active"], row["architecture"]) == (100.0, 10.0, "moe")
    assert row["date_precision"] == "month" and json.loads(row["evidence"]) == {
        "params_active": "10 active", "params_total": "100 total"}


def test_one_failing_page_fails_the_snapshot_and_keeps_the_old_one(tmp_path):
    root = tmp_path / "announcements"
    with LoopbackServer({"/news/nova": Route(body=PAGE, content_type="text/html")}) as server:
        assert run(ann_config(root, [server.url("/news/nova")], "2026-01-01"))["state"] == "ok"
    before = tree_digest(root / "2026-01-01")
    routes = {"/news/nova": Route(body=PAGE, content_type="text/html"), "/gone": Route(status=410)}
    with LoopbackServer(routes) as server:
        status = run(ann_config(root, [server.url("/news/nova"), server.url("/gone")], "2026-02-01"))
    assert status["state"] == "failed" and "/gone: HTTP 410" in status["reason"]
    assert tree_digest(root / "2026-01-01") == before and collect.snapshot_dates(root) == ["2026-01-01"]


def serve_and_parse(tmp_path: Path, pages: dict[str, tuple[bytes, str]]) -> tuple[pd.DataFrame, Path]:
    """Collect `pages` (path: (body, content type)) over loopback, parse them; the observations and the review file."""
    routes = {path: Route(body=body, content_type=content_type) for path, (body, content_type) in pages.items()}
    with LoopbackServer(routes) as server:
        config = ann_config(tmp_path / "announcements", [server.url(path) for path in pages])
        config["review_out"] = str(tmp_path / "processed" / "announcements.review.csv")
        assert run(config)["state"] == "ok"
    return announcements.parse(config), Path(config["review_out"])


def test_subject_evidence_in_notes_and_the_rest_in_the_review_file(tmp_path):
    observations, review_path = serve_and_parse(tmp_path, {"/wren.md": (NOISY, "text/markdown")})
    assert observations["name"].tolist() == ["Example Wren-7B"]
    assert "subject: named in the title: Example Wren-7B" in observations["notes"].iloc[0]
    assert observations["training_tokens"].iloc[0] == 2e12  # not Chinchilla's 1.4T
    with open(review_path, newline="", encoding="utf-8") as handle:
        review = {(row["name"], row["field"]): row for row in csv.DictReader(handle)}
    assert set(review) == {("seed", "model"), ("Checkpoint", "model"), ("Rival-7B", "model"),
                           ("Chinchilla", "training_tokens")}
    assert review["seed", "model"]["reason"].startswith("not a model name")
    assert review["Rival-7B", "model"]["reason"] == "another model, in the document's evaluation table"
    assert review["Chinchilla", "training_tokens"]["evidence"] == "Chinchilla was trained on 1.4T tokens."
    assert {(row["page"], row["url"]) for row in review.values()} == {
        (observations["source_record"].iloc[0].split("#")[0], observations["source_url"].iloc[0])}


def test_no_review_file_when_there_is_nothing_to_review(tmp_path):
    _, review_path = serve_and_parse(tmp_path, {"/pico.md": (MARKDOWN, "text/markdown")})
    assert not review_path.exists()


JUNK_NAME = re.compile(r"checkpoint|wandb|\bseed\b|learning rate|hyper-?param|config|tokenizer", re.IGNORECASE)
VARIANT_WORDS = {"base", "instruct", "chat", "it"}


def family_words(name: str) -> list[str]:
    """The words of a model name that are not sizes, versions or variant words."""
    return [w for w in re.split(r"[\s\-_/()]+", name.lower()) if w and not w[0].isdigit() and w not in VARIANT_WORDS]


def test_corpus_pages_give_no_junk_and_no_rival_observations(tmp_path):
    """Acceptance (issue 14): the 26 real documents, collected and parsed as announcements: no record
    named like a file, tool or setting, and none of a family the document does not announce (GOLD)."""
    if not (CORPUS / "GOLD.csv").is_file():
        pytest.skip("../shared/corpus not present")
    types = {".md": "text/markdown", ".html": "text/html"}
    pages = {f"/{path.name}": (path.read_bytes(), types[path.suffix]) for path in sorted(CORPUS.iterdir())
             if path.suffix in types}
    observations, review_path = serve_and_parse(tmp_path, pages)
    with open(CORPUS / "GOLD.csv", newline="", encoding="utf-8") as handle:
        gold_words: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            gold_words.setdefault(row["file"], set()).update(family_words(row["model"]))
    assert len(gold_words) == len(pages) and len(observations) >= 100
    junk = observations["name"][observations["name"].str.contains(JUNK_NAME)].tolist()
    assert junk == []
    rivals = [(url, name) for url, name in zip(observations["source_url"], observations["name"])
              if family_words(name) and family_words(name)[0] not in gold_words[url.rsplit("/", 1)[1]]]
    assert rivals == []
    assert observations["notes"].str.contains("subject: ").all()
    with open(review_path, newline="", encoding="utf-8") as handle:
        review = list(csv.DictReader(handle))
    assert review and all(row["reason"] for row in review)
    pages_models = set(zip(observations["source_record"].str.split("#").str[0], observations["name"]))
    assert not {(row["page"], row["name"]) for row in review if row["field"] == "model"} & pages_models
