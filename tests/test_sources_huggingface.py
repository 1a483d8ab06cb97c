"""The Hugging Face plug-in over loopback, against answers shaped like the real Hub's: an organisation's
listing over two pages joined by a Link header, fine-tunes, quantisations and adapters to skip, a gated
repository whose card only /resolve/ serves, a missing repository (401), a failing listing (503), a card
that times out, and repositories migrated to the Hub on 2022-03-02."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from pipeline import collect, validate
from pipeline.http import Fetcher, FetchPolicy
from pipeline.schema import DATE_FROM_UPLOAD_FLAG, DATE_UPPER_BOUND_FLAG, observation_columns
from pipeline.sources import huggingface
from tests.conftest import VALIDATE_PARAMS
from tests.httpserver import LoopbackServer, Route, tree_digest, validate_all_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
ORG, FAILING_ORG, PAGE_SIZE = "example-org", "other-lab", 5
LM, GATED, UNSTABLE = f"{ORG}/Example-LM-7B", f"{ORG}/Example-Gated-1B", f"{ORG}/Example-Unstable-3B"
INSTRUCT, GGUF, LORA = f"{ORG}/Example-LM-7B-Instruct", f"{ORG}/Example-LM-7B-GGUF", f"{ORG}/Example-LM-7B-LoRA"
MERGE, GONE = "third-party/Community-Merge-7B", f"{ORG}/Example-Gone-13B"
FIRST_PAGE = huggingface.listing_url("", ORG, PAGE_SIZE)
SECOND_PAGE = f"{FIRST_PAGE}&cursor=eyJfaWQiOiI2NWU2ZjBhMWIyYzNkNGU1ZjZhN2IwMDUifQ"
JSON = "application/json"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"huggingface_{name}").read_bytes()


def card_path(repo: str) -> str:
    return f"/{repo}/resolve/main/README.md"


def hub_routes(first_page: bytes | None = None) -> dict[str, Route]:
    return {
        FIRST_PAGE: Route(body=first_page or fixture(f"listing_{ORG}_1.json"), content_type=JSON),
        SECOND_PAGE: Route(body=fixture(f"listing_{ORG}_2.json"), content_type=JSON),
        huggingface.listing_url("", FAILING_ORG, PAGE_SIZE): Route(status=503, body=b"upstream unavailable"),
        card_path(LM): Route(body=fixture(f"{ORG}__Example-LM-7B.README.md")),
        card_path(GATED): Route(body=fixture(f"{ORG}__Example-Gated-1B.README.md")),
        f"/{GATED}/raw/main/README.md": Route(status=401, body=b'{"error":"Access to model is restricted"}'),
        card_path(UNSTABLE): Route(delay_s=30, body=b"never sent"),  # longer than read_timeout_s
        f"/api/models/{MERGE}": Route(body=fixture("third-party__Community-Merge-7B.json"), content_type=JSON),
        f"/api/models/{GONE}": Route(status=401, body=b'{"error":"Repository not found"}', content_type=JSON),
    }


def serve(routes: dict[str, Route]) -> LoopbackServer:
    """The server, its first page pointing at the second the way the Hub does: an absolute Link rel="next"."""
    server = LoopbackServer(routes)
    first = routes[FIRST_PAGE]
    server.routes[FIRST_PAGE] = Route(body=first.body, content_type=first.content_type,
                                      headers={"Link": f'<{server.url(SECOND_PAGE)}>; rel="next"'})
    return server


def hf_config(root: Path, base_url: str, as_of: str = "2026-11-22", **changes) -> dict:
    return {"path": str(root), "enabled": True, "as_of": as_of, "url": base_url, "allowed_hosts": ["127.0.0.1"],
            "min_interval_s": 0, "max_bytes": 1_000_000, "retries": 0, "read_timeout_s": 1,
            "organizations": [{"author": ORG, "organization": "Example Org"}, FAILING_ORG],
            "repos": [{"repo": MERGE, "name": "Community Merge 7B"}, GONE], "page_size": PAGE_SIZE,
            "skip_derived": ["finetune", "quantized", "adapter", "merge"], **changes}


def run(config: dict) -> dict:
    return collect.collect_source("huggingface", config, fetcher=Fetcher(FetchPolicy.from_config(config)))


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """One collect against the Hub-shaped server: (config, status, collection.json, request targets, server)."""
    root = tmp_path_factory.mktemp("hub") / "huggingface"
    with serve(hub_routes()) as server:
        config = hf_config(root, server.url(""))
        status = run(config)
    log = json.loads((root / "2026-11-22" / huggingface.COLLECTION_FILE).read_text())
    targets = [target for target in server.targets if target != "/robots.txt"]
    return config, status, log, targets, server


@pytest.fixture(scope="module")
def observations(collected) -> pd.DataFrame:
    return huggingface.parse(collected[0]).set_index("model_id")


def test_listing_asks_the_hub_api_by_author_and_follows_the_link_header(collected):
    config, status, log, targets, _ = collected
    query = parse_qs(urlsplit(targets[0]).query)
    assert urlsplit(targets[0]).path == "/api/models" and query["author"] == [ORG] and query["limit"] == ["5"]
    assert {"safetensors", "cardData", "createdAt", "tags", "author", "pipeline_tag"} <= set(query["expand"])
    assert targets[1] == SECOND_PAGE  # the next page is the URL the Link header names, as sent
    assert log["organizations"][0] == {"author": ORG, "pages": 2, "repositories": 10, "complete": True}
    assert validate_all_metadata(Path(config["path"])) == 1
    files = [f["path"] for f in json.loads((Path(config["path"]) / "2026-11-22" / "metadata.json").read_text())["files"]]
    assert {"listing.example-org.001.json", "listing.example-org.002.json", "collection.json"} <= set(files)


def test_missing_repository_failing_listing_and_slow_card_are_named_while_the_rest_is_collected(
        collected, observations):
    """Hostile: a missing repository (401), an organisation listing answering 503 and a card that never arrives →
    each is named with its reason in collection.json and in status.json, and every other repository is collected
    """
    config, status, log, _, _ = collected
    assert status["state"] == "ok"
    written = json.loads((Path(config["path"]) / "status.json").read_text())
    assert {(p["what"], p["name"]) for p in written["problems"]} == {
        ("repository", GONE), ("organization", FAILING_ORG), ("card", UNSTABLE)}
    assert "3 part(s) failed" in written["reason"] and GONE in written["reason"]
    failed = {(entry["what"], entry["name"]): entry for entry in log["failed"]}
    assert set(failed) == {("repository", GONE), ("organization", FAILING_ORG), ("card", UNSTABLE)}
    assert failed[("repository", GONE)]["http_status"] == 401 and "HTTP 401" in failed[("repository", GONE)]["reason"]
    assert failed[("organization", FAILING_ORG)]["http_status"] == 503
    assert "no answer within 1 s" in failed[("card", UNSTABLE)]["reason"]
    assert log["cards_missing"] == [f"{ORG}/Example-Tokenizer", f"{ORG}/Example-Vision-2B", f"{ORG}/example-bert-base",
                                    f"{ORG}/example-t5-small", MERGE]  # 404: no README, not a failure
    assert {"example-lm-7b", "example-gated-1b", "example-bert-base", "example-t5-small", "example-vision-2b",
            "example-unstable-3b", "community-merge-7b"} == set(observations.index)
    assert "no model card" in observations.loc["example-unstable-3b", "notes"]


def test_gated_card_is_read_through_resolve(collected, observations):
    config, server = collected[0], collected[4]
    gated = observations.loc["example-gated-1b"]
    assert server.count(f"/{GATED}/raw/main/README.md") == 0 and server.count(card_path(GATED)) == 1
    saved = Path(config["path"]) / "2026-11-22" / "example-org__Example-Gated-1B.README.md"
    assert saved.read_bytes() == fixture(f"{ORG}__Example-Gated-1B.README.md")
    assert gated["training_tokens"] == 3e12 and gated["params_total"] == 1_235_814_400
    assert gated["publication_date"] == pd.Timestamp("2024-06-12") and gated["date_precision"] == "day"
    assert json.loads(gated["field_urls"])["publication_date"].endswith(card_path(GATED)) and pd.isna(gated["flags"])


def test_derived_repositories_are_skipped_counted_and_never_fetched(collected, observations, capsys):
    config, _, log, _, server = collected
    assert log["skipped"] == {"finetune": [INSTRUCT], "quantized": [GGUF], "adapter": [LORA]}
    assert all(server.count(card_path(repo)) == 0 for repo in (INSTRUCT, GGUF, LORA))
    assert MERGE in log["repositories_kept"]  # derived (a merge), but listed by hand
    huggingface.parse(config)
    printed = capsys.readouterr().out
    assert "1 adapter of another model, 1 finetune of another model" in printed and "1 quantized" in printed
    assert "1 no number stated" in printed  # the tokenizer repository: no weights, no card


def test_which_relations_are_skipped_is_configurable(collected):
    config = {**collected[0], "skip_derived": ["quantized", "adapter"]}
    kept = huggingface.parse(config).set_index("model_id")
    assert "example-lm-7b-instruct" in kept.index and "example-lm-7b-gguf" not in kept.index
    with pytest.raises(ValueError, match="unknown relation"):
        huggingface.parse({**config, "skip_derived": ["distilled"]})


def test_release_date_from_card_arxiv_or_upload_with_its_flags(observations):
    lm, bert, t5, vision = (observations.loc[name] for name in
                            ("example-lm-7b", "example-bert-base", "example-t5-small", "example-vision-2b"))
    assert (lm["publication_date"], lm["date_precision"]) == (pd.Timestamp("2024-02-01"), "month")
    assert json.loads(lm["field_urls"])["publication_date"] == "https://arxiv.org/abs/2402.01234"
    # Migrated on 2022-03-02: the paper before the migration, not the one after it.
    assert (bert["publication_date"], bert["date_precision"]) == (pd.Timestamp("2018-10-01"), "month")
    assert "arXiv:1810.04805" in bert["notes"] and pd.isna(bert["flags"])
    assert (t5["publication_date"], t5["date_precision"]) == (pd.Timestamp("2022-03-02"), "day")
    assert t5["flags"] == f"{DATE_FROM_UPLOAD_FLAG}; {DATE_UPPER_BOUND_FLAG}" and "migrated" in t5["notes"]
    assert (vision["publication_date"], vision["flags"]) == (pd.Timestamp("2025-01-15"), DATE_FROM_UPLOAD_FLAG)
    assert "createdAt" in vision["notes"]


def test_exact_parameter_counts_and_card_facts(observations):
    lm = observations.loc["example-lm-7b"]
    assert lm["params_total"] == 7_241_732_096 and lm["confidence"] == "confident"
    assert json.loads(lm["evidence"])["params_total"].startswith("Hugging Face Hub API safetensors.total = 7241732096")
    assert lm["organization"] == "Example Org" and lm["domain"] == "Language" and bool(lm["open_weights"])
    assert lm["training_tokens"] == 2e12 and lm["mmlu"] == 62.5
    assert json.loads(lm["field_urls"])["mmlu"].endswith(card_path(LM))
    merged = observations.loc["community-merge-7b"]
    assert merged["name"] == "Community Merge 7B" and merged["organization"] == "third-party"
    assert observations.loc["example-vision-2b", "domain"] == "Vision"


def test_observations_pass_validation(observations):
    frame = observations.reset_index()
    assert list(huggingface.parse({"path": "/nonexistent", "as_of": "2026-11-22", "url": "", "repos": []}).columns) \
        == observation_columns()
    result = validate.validate_observations(frame.reindex(columns=observation_columns()), VALIDATE_PARAMS)
    assert len(result.quarantined) == 0, result.quarantined["quarantine_reason"].tolist()


@pytest.mark.parametrize(("info", "relation"), [
    ({"id": "a/b", "cardData": {"base_model": "a/b"}}, None),  # names only itself
    ({"id": "a/b", "cardData": {"base_model": ["x/y", "z/w"]}}, "merge"),
    ({"id": "a/b", "cardData": {"base_model": "x/y"}, "tags": ["base_model:quantized:x/y"]}, "quantized"),
    ({"id": "a/b", "cardData": {"base_model": "x/y", "base_model_relation": "adapter"}, "tags": ["base_model:finetune:x/y"]},
     "adapter"),
    ({"id": "a/b", "cardData": {"base_model": "x/y"}}, "finetune"),
    ({"id": "a/b", "cardData": "not metadata", "tags": "base_model:merge:x/y"}, None),
])
def test_derived_relation_from_card_metadata_then_tags(info, relation):
    assert huggingface.derived_relation(info) == relation


def test_nothing_collected_fails_and_keeps_old_snapshot(tmp_path):
    root = tmp_path / "huggingface"
    only_listing = {"organizations": [ORG], "repos": []}
    with serve(hub_routes()) as server:
        assert run(hf_config(root, server.url(""), "2026-01-01", **only_listing))["state"] == "ok"
    before = tree_digest(root)
    with serve(hub_routes(first_page=b"<html>rate limited</html>")) as server:
        status = run(hf_config(root, server.url(""), "2026-02-01", **only_listing))
    assert status["state"] == "failed" and "not JSON where the Hub API model listing was expected" in status["reason"]
    after = tree_digest(root)
    assert {k: v for k, v in after.items() if k != "status.json"} == {
        k: v for k, v in before.items() if k != "status.json"}
