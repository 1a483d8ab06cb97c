"""`make update` end to end, every live source enabled, against one loopback server replaying answers
shaped like the real sites' today: Epoch AI's CSV; Wikipedia's "List of large language models" with
several year tables; the Hugging Face Hub's paged model listing, a gated repository whose card only
/resolve/ serves and a missing repository; an announcement page. Then a second `make update` on a later
date, the sources unchanged: conditional requests answered 304 (robots.txt included), and no new snapshot.

The merged table, conflicts.csv and the report must show what the sources said."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
import yaml

from pipeline import collect
from pipeline.sources import huggingface
from tests.conftest import REPO, project_copy
from tests.httpserver import LoopbackServer, Route, validate_all_metadata
from tests.test_sources_huggingface import GATED, GONE, LM, ORG, card_path, fixture

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
LIVE = ("epoch", "wikipedia", "huggingface", "announcements")
CSV_PATH, WIKI_PATH, NEWS_PATH = "/data/all_ai_models.csv", "/wiki/List_of_large_language_models", "/news/example-nova"
PAGE_SIZE = 5
FIRST_PAGE = huggingface.listing_url("", ORG, PAGE_SIZE)
SECOND_PAGE = f"{FIRST_PAGE}&cursor=eyJfaWQiOiI2NWU2ZjBhMWIyYzNkNGU1ZjZhN2IwMDUifQ"
JSON = "application/json"
# Epoch's pinned snapshot, with one more row: a model the Wikipedia page lists at 540 billion parameters.
DISPUTED = {"Model": "Alpha-LM", "Domain": "Language", "Organization": "Example Lab", "Publication date": "2022-04-04",
            "Parameters": "400000000000.0", "Model accessibility": "Unreleased", "Confidence": "Confident"}


def epoch_csv() -> bytes:
    pinned = (REPO / "raw" / "epoch" / "2025-03-14" / "all_ai_models.csv").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(pinned)))
    row = io.StringIO()
    csv.DictWriter(row, fieldnames=header, lineterminator="\n").writerow(DISPUTED)
    return (pinned + row.getvalue()).encode("utf-8")


def routes(server_url: str) -> dict[str, Route]:
    """Every answer that can be revalidated carries an ETag or Last-Modified, as the real sites send."""
    return {
        "/robots.txt": Route(body=b"User-agent: *\nDisallow: /w/\n", etag='"robots-v1"'),
        CSV_PATH: Route(body=epoch_csv(), content_type="text/csv", etag='"epoch-v1"'),
        WIKI_PATH: Route(body=(FIXTURES / "wikipedia_list_of_large_language_models.html").read_bytes(),
                         content_type="text/html; charset=UTF-8", last_modified="Sun, 22 Nov 2026 08:00:00 GMT"),
        FIRST_PAGE: Route(body=fixture(f"listing_{ORG}_1.json"), content_type=JSON, etag='W/"page-1"',
                          headers={"Link": f'<{server_url}{SECOND_PAGE}>; rel="next"'}),
        SECOND_PAGE: Route(body=fixture(f"listing_{ORG}_2.json"), content_type=JSON, etag='W/"page-2"'),
        card_path(LM): Route(body=fixture(f"{ORG}__Example-LM-7B.README.md"), etag='"card-lm"'),
        card_path(GATED): Route(body=fixture(f"{ORG}__Example-Gated-1B.README.md"), etag='"card-gated"'),
        f"/{GATED}/raw/main/README.md": Route(status=401, body=b'{"error":"Access to model is restricted"}'),
        f"/api/models/{GONE}": Route(status=401, body=b'{"error":"Repository not found"}', content_type=JSON),
        NEWS_PATH: Route(body=(FIXTURES / "announcement_example_nova.html").read_bytes(), content_type="text/html",
                         etag='"nova"'),
    }


def point_params_at(copy: Path, server: LoopbackServer) -> None:
    params = yaml.safe_load((copy / "params.yaml").read_text())
    local = dict(enabled=True, allowed_hosts=["127.0.0.1"], min_interval_s=0, retries=0)
    sources = params["sources"]
    sources["epoch"].update(url=server.url(CSV_PATH), **local)
    sources["wikipedia"].update(url=server.url(WIKI_PATH), **local)
    sources["huggingface"].update(url=server.url(""), organizations=[{"author": ORG, "organization": "Example Org"}],
                                  repos=[GONE], page_size=PAGE_SIZE, read_timeout_s=5, **local)
    sources["announcements"].update(urls=[server.url(NEWS_PATH)], **local)
    params["fetch"]["contact"] = "data-team@example.org"
    params["trends"]["bootstrap_samples"] = 50  # the fits are not under test: keep the run quick
    params["forecast"]["breaks"]["bootstrap_samples"] = 20
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def updated(tmp_path_factory):
    """(copy, output of each update, requests of each update, models.csv bytes after each update)."""
    copy, run = project_copy(tmp_path_factory.mktemp("update") / "repo")
    outputs, requests, tables = [], [], []
    server = LoopbackServer({})
    with server:
        server.routes.update(routes(server.url("")))
        point_params_at(copy, server)
        for as_of in ("2026-12-01", "2026-12-08"):
            before = len(server.requests)
            outputs.append(run("make", "update", f"AS_OF={as_of}", timeout=900))
            requests.append(list(zip(server.requests[before:], server.targets[before:])))
            tables.append((copy / "processed" / "models.csv").read_bytes())
    return copy, outputs, requests, tables


def sources_of(models: pd.DataFrame, name: str) -> list[str]:
    rows = models[models["name"] == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows in models.csv"
    return rows.iloc[0]["sources"].split(" | ")


@pytest.mark.dvc
def test_first_update_snapshots_every_source_and_the_merge_shows_them(updated):
    copy, outputs, _, _ = updated
    for source in LIVE:
        assert collect.snapshot_dates(copy / "raw" / source)[-1] == "2026-12-01", [l for l in outputs[1].splitlines() if "collect:" in l]
    assert validate_all_metadata(copy / "raw") == 5  # the pinned Epoch snapshot and one new per source
    models = pd.read_csv(copy / "processed" / "models.csv")
    # every row of every Wikipedia year table, with its heading's year where the cell has none
    wiki = models[models["sources"].str.contains("wikipedia")]
    assert {"Alpha-LM", "Alpha-LM Small", "Beta", "Gamma", "Epsilon", "Theta"} <= set(wiki["name"])
    assert wiki.set_index("name").loc["Alpha-LM Small", "publication_date"] == "2022-06-11"
    assert "huggingface" in sources_of(models, "Example-Gated-1B")  # the gated card was read through /resolve/
    assert "announcements" in sources_of(models, "Example Nova 12B")
    assert "Rival Model 13B" not in set(models["name"])  # a rival from the benchmark table is no observation
    assert sorted(sources_of(models, "Alpha-LM")) == ["epoch", "wikipedia"]
    conflicts = pd.read_csv(copy / "processed" / "conflicts.csv")
    disputed = conflicts[conflicts["model_id"] == models.set_index("name").loc["Alpha-LM", "model_id"]]
    assert "params_total" in set(disputed["field"]), disputed.to_string()


@pytest.mark.dvc
def test_a_missing_repository_is_named_and_the_report_says_what_each_source_did(updated):
    copy = updated[0]
    status = json.loads((copy / "raw" / "huggingface" / "status.json").read_text())
    assert [p["name"] for p in status["problems"]] == [GONE]  # after either update: it failed both times
    summary = (copy / "reports" / "summary.md").read_text(encoding="utf-8")
    page = (copy / "reports" / "index.html").read_text(encoding="utf-8")
    for text in (summary, page):
        assert GONE in text  # the failed part of the Hugging Face collect is in the report
    assert "Alpha-LM" in page  # the page's table of every model opens its conflict


@pytest.mark.dvc
def test_second_update_of_unchanged_sources_asks_conditionally_and_adds_no_snapshot(updated):
    copy, outputs, requests, tables = updated
    for source in LIVE:
        assert collect.snapshot_dates(copy / "raw" / source)[-1] == "2026-12-01", outputs[1]
        status = json.loads((copy / "raw" / source / "status.json").read_text())
        assert (status["state"], status["snapshot_used"]) == ("unchanged", "2026-12-01"), status
    served = routes("")
    def answered_with_a_body(target: str) -> bool:
        route = served.get(target) or served.get(urlsplit(target).path)
        return route is not None and route.status < 400

    first = {target for _, target in requests[0]}
    second = [(target, headers) for (_, headers), target in requests[1]]
    assert {target for target, _ in second} == first  # the same requests, the missing repository tried again
    unconditional = {target for target, headers in second
                     if "If-None-Match" not in headers and "If-Modified-Since" not in headers}
    # Only what answered no body the first time (the missing repository, cards that do not exist) is asked
    # again without a validator: nothing of it was saved, so there is nothing to revalidate.
    assert f"/api/models/{GONE}" in unconditional and "/robots.txt" not in unconditional  # robots.txt kept, revalidated
    assert not any(answered_with_a_body(target) for target in unconditional), unconditional
    for (_, headers), _target in requests[0] + requests[1]:
        assert "(data-team@example.org; " in headers["User-Agent"]
    assert tables[1] == tables[0]  # the same snapshots: the same table
