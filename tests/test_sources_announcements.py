"""The announcements plug-in: pages fetched over loopback, facts read by pipeline.extract."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import collect, validate
from pipeline.http import Fetcher, FetchPolicy
from pipeline.sources import announcements
from tests.conftest import VALIDATE_PARAMS
from tests.httpserver import LoopbackServer, Route, tree_digest, validate_all_metadata

PAGE = (Path(__file__).parent / "fixtures" / "sources" / "announcement_example_nova.html").read_bytes()
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
