"""The Hugging Face plug-in over loopback: Hub API model info, model cards, a gated card."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import collect, validate
from pipeline.http import Fetcher, FetchPolicy
from pipeline.schema import observation_columns
from pipeline.sources import huggingface
from tests.conftest import VALIDATE_PARAMS
from tests.httpserver import LoopbackServer, Route, tree_digest, validate_all_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
LM, GATED = "example-org/Example-LM-7B", "example-org/Example-Gated-1B"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"huggingface_{name}").read_bytes()


def hub_routes(lm_info: bytes | None = None) -> dict[str, Route]:
    return {
        f"/api/models/{LM}": Route(body=lm_info or fixture("example-org__Example-LM-7B.json"),
                                   content_type="application/json"),
        f"/{LM}/raw/main/README.md": Route(body=fixture("example-org__Example-LM-7B.README.md"),
                                           content_type="text/plain; charset=utf-8"),
        f"/api/models/{GATED}": Route(body=fixture("example-org__Example-Gated-1B.json"), content_type="application/json"),
        f"/{GATED}/raw/main/README.md": Route(status=403, body=b"Access to this model is restricted"),
    }


def hf_config(root: Path, base_url: str, as_of: str = "2026-11-22") -> dict:
    return {"path": str(root), "enabled": True, "as_of": as_of, "url": base_url, "allowed_hosts": ["127.0.0.1"],
            "min_interval_s": 0, "max_bytes": 1_000_000, "retries": 0,
            "repos": [{"repo": LM, "name": "Example LM 7B", "organization": "Example Org"}, GATED]}


def run(config: dict) -> dict:
    return collect.collect_source("huggingface", config, fetcher=Fetcher(FetchPolicy.from_config(config)))


@pytest.fixture
def observations(tmp_path) -> pd.DataFrame:
    with LoopbackServer(hub_routes()) as server:
        config = hf_config(tmp_path / "huggingface", server.url(""))
        assert run(config)["state"] == "ok"
    assert validate_all_metadata(tmp_path / "huggingface") == 1
    metadata = json.loads((tmp_path / "huggingface" / "2026-11-22" / "metadata.json").read_text())
    assert [f["path"] for f in metadata["files"]] == [
        "example-org__Example-Gated-1B.json", "example-org__Example-LM-7B.README.md", "example-org__Example-LM-7B.json"]
    return huggingface.parse(config).set_index("model_id")


def test_exact_parameter_counts_from_safetensors(observations):
    lm = observations.loc["example-lm-7b"]
    assert lm["params_total"] == 7_241_732_096 and lm["confidence"] == "confident"
    assert json.loads(lm["evidence"])["params_total"].startswith("Hugging Face Hub API safetensors.total = 7241732096")
    assert lm["organization"] == "Example Org" and lm["domain"] == "Language" and bool(lm["open_weights"])


def test_model_card_supplies_tokens_and_mmlu_with_their_phrases(observations):
    lm = observations.loc["example-lm-7b"]
    assert lm["training_tokens"] == 2e12 and lm["mmlu"] == 62.5
    evidence = json.loads(lm["evidence"])
    assert "trained on 2 trillion tokens" in evidence["training_tokens"] and "MMLU" in evidence["mmlu"]
    assert json.loads(lm["field_urls"])["mmlu"].endswith(f"/{LM}/raw/main/README.md")
    assert lm["publication_date"] == pd.Timestamp("2024-03-05") and "createdAt" in lm["notes"]


def test_gated_card_is_skipped_not_fatal(observations):
    gated = observations.loc["example-gated-1b"]
    assert gated["params_total"] == 1_235_814_400 and gated["organization"] == "example-org"
    assert "no model card" in gated["notes"] and pd.isna(gated["mmlu"])


def test_observations_pass_validation(observations):
    frame = observations.reset_index()
    assert list(huggingface.parse({"path": "/nonexistent", "as_of": "2026-11-22", "url": "", "repos": []}).columns) \
        == observation_columns()
    result = validate.validate_observations(frame.reindex(columns=observation_columns()), VALIDATE_PARAMS)
    assert len(result.quarantined) == 0, result.quarantined["quarantine_reason"].tolist()


def test_api_answer_that_is_not_model_info_fails_and_keeps_old_snapshot(tmp_path):
    root = tmp_path / "huggingface"
    with LoopbackServer(hub_routes()) as server:
        assert run(hf_config(root, server.url(""), "2026-01-01"))["state"] == "ok"
    before = tree_digest(root)
    with LoopbackServer(hub_routes(lm_info=b"<html>rate limited</html>")) as server:
        status = run(hf_config(root, server.url(""), "2026-02-01"))
    assert status["state"] == "failed" and "not JSON where the Hub API model info was expected" in status["reason"]
    after = tree_digest(root)
    assert {k: v for k, v in after.items() if k != "status.json"} == {
        k: v for k, v in before.items() if k != "status.json"}
