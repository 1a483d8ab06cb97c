"""pipeline.collect: dated snapshots, metadata, and failures that never lose data.

Every fault case starts from a good snapshot and asserts it stays byte-identical,
no new dated folder appears, the status file says why, and parse still reads the
good snapshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline import collect
from pipeline.http import Fetcher, FetchPolicy
from pipeline.schema import observation_columns
from pipeline.sources import epoch
from tests.conftest import project_copy
from tests.httpserver import (
    LoopbackServer, Route, closed_port, gzip_bomb, silent_server, tree_digest, validate_all_metadata,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "sources"
EPOCH_CSV = (FIXTURES / "epoch_all_ai_models_synthetic.csv").read_bytes()
CSV_PATH = "/data/all_ai_models.csv"
GOOD_DATE, NEW_DATE = "2025-01-01", "2025-06-01"


def epoch_config(root: Path, url: str, as_of: str, **overrides) -> dict:
    config = {
        "path": str(root), "enabled": True, "as_of": as_of, "url": url, "allowed_hosts": ["127.0.0.1"],
        "min_interval_s": 0, "max_bytes": 100_000, "connect_timeout_s": 0.5, "read_timeout_s": 0.3,
        "retries": 1, "backoff_s": 0.01,
    }
    config.update(overrides)
    return config


def run_collect(config: dict, sleeps: list[float] | None = None) -> dict:
    fetcher = Fetcher(FetchPolicy.from_config(config), sleep=(sleeps if sleeps is not None else []).append)
    return collect.collect_source("epoch", config, fetcher=fetcher)


@pytest.fixture
def good_snapshot(tmp_path) -> Path:
    """raw/epoch with one good snapshot dated GOOD_DATE, collected over loopback."""
    root = tmp_path / "raw" / "epoch"
    with LoopbackServer({CSV_PATH: Route(body=EPOCH_CSV, content_type="text/csv")}) as server:
        status = run_collect(epoch_config(root, server.url(CSV_PATH), GOOD_DATE))
    assert status["state"] == "ok", status
    return root


def test_snapshot_is_dated_by_as_of_with_valid_metadata(good_snapshot):
    folder = good_snapshot / GOOD_DATE
    assert sorted(p.name for p in folder.iterdir()) == ["all_ai_models.csv", "metadata.json"]
    assert (folder / "all_ai_models.csv").read_bytes() == EPOCH_CSV
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["as_of"] == GOOD_DATE and metadata["producer"] == "Epoch AI"
    assert metadata["http_status"] == 200 and metadata["licence"] == "CC BY 4.0"
    assert validate_all_metadata(good_snapshot) == 1
    status = json.loads((good_snapshot / "status.json").read_text())
    assert status["state"] == "ok" and status["snapshot_used"] == GOOD_DATE


def test_same_as_of_again_makes_no_request(good_snapshot):
    before = tree_digest(good_snapshot / GOOD_DATE)
    with LoopbackServer({CSV_PATH: Route(body=b"changed upstream")}) as server:
        status = run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), GOOD_DATE))
    assert server.count() == 0
    assert status["state"] == "up_to_date" and tree_digest(good_snapshot / GOOD_DATE) == before


def test_disabled_source_makes_no_request_and_says_so(tmp_path):
    with LoopbackServer({CSV_PATH: Route(body=EPOCH_CSV)}) as server:
        status = run_collect(epoch_config(tmp_path / "epoch", server.url(CSV_PATH), NEW_DATE, enabled=False))
    assert server.count() == 0 and status["state"] == "disabled" and status["snapshot_used"] is None
    assert list(epoch.parse(epoch_config(tmp_path / "epoch", "", NEW_DATE)).columns) == observation_columns()


def test_new_as_of_adds_a_snapshot_beside_the_old_one(good_snapshot):
    before = tree_digest(good_snapshot / GOOD_DATE)
    with LoopbackServer({CSV_PATH: Route(body=EPOCH_CSV.replace(b"Example LM 7B", b"Example LM 8B"))}) as server:
        status = run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE))
    assert status["state"] == "ok" and collect.snapshot_dates(good_snapshot) == [GOOD_DATE, NEW_DATE]
    assert tree_digest(good_snapshot / GOOD_DATE) == before
    assert validate_all_metadata(good_snapshot) == 2
    newest = epoch.parse(epoch_config(good_snapshot, "", NEW_DATE))
    older = epoch.parse(epoch_config(good_snapshot, "", "2025-03-01"))  # parse reads the newest ≤ as_of
    assert "Example LM 8B" in set(newest["name"]) and "Example LM 7B" in set(older["name"])


def _layout_changed() -> bytes:
    frame = pd.read_csv(FIXTURES / "epoch_all_ai_models_synthetic.csv", dtype=str, keep_default_na=False)
    return frame.drop(columns=["Parameters"]).to_csv(index=False).encode()


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"

# name → (route served at CSV_PATH, or None for a closed port; error type; message pattern)
FAULTS = {
    "offline": (None, "OfflineError", r"cannot connect"),
    "slow": (Route(body=EPOCH_CSV, delay_s=1.0), "FetchTimeout", r"no answer within 0.3 s"),
    "429_retry_after": (Route(status=429, headers={"Retry-After": "5"}), "HTTPStatusError", r"HTTP 429"),
    "500": (Route(status=500), "HTTPStatusError", r"HTTP 500 Internal Server Error"),
    "truncated": (Route(body=EPOCH_CSV, declared_length=len(EPOCH_CSV) * 2), "TruncatedBody", r"connection closed after"),
    "empty": (Route(body=b"", content_type="text/csv"), "ContentError", r"empty body where a CSV was expected"),
    "html": (Route(body=HTML_PAGE, content_type="text/html"), "ContentError", r"HTML \(text/html\) where a CSV"),
    "layout_changed": (Route(body=_layout_changed(), content_type="text/csv"), "EpochLayoutError",
                       r"layout changed: required column\(s\) 'Parameters' missing"),
    "huge": (Route(body=EPOCH_CSV * 200, content_type="text/csv"), "TooLarge", r"exceeds the cap of 100000"),
    "gzip_bomb": (Route(body=gzip_bomb(32_000_000), headers={"Content-Encoding": "gzip"}), "TooLarge",
                  r"exceeds the cap of 100000 bytes \(decoded\)"),
    "redirect_off_host": (Route(status=302, headers={"Location": "https://elsewhere.example/all_ai_models.csv"}),
                          "HostNotAllowed", r"host 'elsewhere.example' .* not in allowed_hosts"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failure_keeps_every_snapshot_and_says_why(fault, good_snapshot, capsys):
    route, error_type, message = FAULTS[fault]
    before = tree_digest(good_snapshot / GOOD_DATE)
    sleeps: list[float] = []
    if route is None:
        status = run_collect(epoch_config(good_snapshot, f"http://127.0.0.1:{closed_port()}{CSV_PATH}", NEW_DATE), sleeps)
    else:
        with LoopbackServer({CSV_PATH: route}) as server:
            status = run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE), sleeps)

    assert status["state"] == "failed" and status["error_type"] == error_type
    assert re.search(message, status["reason"]), status["reason"]
    assert tree_digest(good_snapshot / GOOD_DATE) == before
    assert collect.snapshot_dates(good_snapshot) == [GOOD_DATE]
    assert sorted(p.name for p in good_snapshot.iterdir()) == [GOOD_DATE, "status.json"]  # no staging left
    assert json.loads((good_snapshot / "status.json").read_text()) == status
    line = collect.describe(status)
    assert line.startswith(f"collect: epoch: FAILED ({error_type}): ") and f"parse uses {GOOD_DATE}" in line
    assert line.endswith(f"To try again: make update AS_OF={NEW_DATE}")
    if fault == "429_retry_after":
        assert sleeps == [5.0]
    assert len(epoch.parse(epoch_config(good_snapshot, "", NEW_DATE))) == 8  # the good snapshot's rows less the empty one


# -- degraded: a new snapshot that lost data against the one before it --------------------

DATAPOINTS = "Training dataset size (datapoints)"


def profile(rows: int, **filled: int) -> dict:
    return {"rows": rows, "columns": {field: field.title() for field in filled}, "filled": filled}


def test_degradation_is_a_column_gone_or_a_share_that_fell_beyond_the_threshold():
    before = profile(100, params_total=80, datapoints=40)
    assert collect.degradation(before, profile(200, params_total=160, datapoints=80), 0.5) is None  # more rows
    assert collect.degradation(before, profile(100, params_total=41, datapoints=40), 0.5) is None  # 80% → 41%
    fell = collect.degradation(before, profile(100, params_total=39, datapoints=40), 0.5)
    assert fell == {"columns_gone": [], "fields": [{
        "field": "params_total", "column": "Params_Total", "previous_filled": 80, "previous_rows": 100,
        "previous_share": 0.8, "new_filled": 39, "new_rows": 100, "new_share": 0.39}]}
    assert collect.degradation(before, profile(100, params_total=39, datapoints=40), 0.75) is None
    gone = collect.degradation(before, profile(100, params_total=80), 0.5)
    assert gone["columns_gone"] == ["Datapoints"] and [drop["new_filled"] for drop in gone["fields"]] == [0]


def test_known_column_renamed_to_an_unknown_one_marks_the_source_degraded(good_snapshot, capsys):
    renamed = EPOCH_CSV.replace(DATAPOINTS.encode(), b"Training set size (items)")
    with LoopbackServer({CSV_PATH: Route(body=renamed, content_type="text/csv")}) as server:
        status = run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE, degraded_share_drop=0.5))

    assert status["state"] == "degraded" and status["snapshot_used"] == NEW_DATE  # stored, and used
    assert status["degradation"] == {
        "previous_snapshot": GOOD_DATE, "columns_gone": [DATAPOINTS],
        "fields": [{"field": "datapoints", "column": DATAPOINTS, "previous_filled": 3, "previous_rows": 9,
                    "previous_share": 0.3333, "new_filled": 0, "new_rows": 9, "new_share": 0.0}],
    }
    assert status["reason"] == (
        f"new snapshot {NEW_DATE} (1 file(s)); degraded against snapshot {GOOD_DATE}: "
        f"column(s) '{DATAPOINTS}' gone; datapoints stated in 0 of 9 rows (0.0%), was 3 of 9 (33.3%)"
    )
    assert json.loads((good_snapshot / "status.json").read_text()) == status
    assert validate_all_metadata(good_snapshot) == 2
    collect.print_status(status)
    assert capsys.readouterr().err == f"collect: epoch: DEGRADED: {status['reason']}\n"
    assert epoch.parse(epoch_config(good_snapshot, "", NEW_DATE))["training_tokens"].isna().all()


def test_degraded_stays_degraded_when_collect_runs_again(good_snapshot):
    renamed = EPOCH_CSV.replace(DATAPOINTS.encode(), b"Training set size (items)")
    with LoopbackServer({CSV_PATH: Route(body=renamed, content_type="text/csv")}) as server:
        run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE))
        again = run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE))
        written = (good_snapshot / "status.json").read_bytes()
        assert run_collect(epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE)) == again
    assert server.count(CSV_PATH) == 1
    assert again["state"] == "degraded" and again["reason"].startswith(f"snapshot {NEW_DATE} already present")
    assert (good_snapshot / "status.json").read_bytes() == written  # the same bytes each time


def test_imported_file_is_compared_with_the_snapshot_before_it(good_snapshot, tmp_path):
    thinned = pd.read_csv(FIXTURES / "epoch_all_ai_models_synthetic.csv", dtype=str, keep_default_na=False)
    thinned["Parameters"] = ["1e9"] + [""] * (len(thinned) - 1)  # stated in 1 row of 9, was 7
    thinned.to_csv(tmp_path / "thinned.csv", index=False)
    config = epoch_config(good_snapshot, "", NEW_DATE)
    status = collect.import_file("epoch", config, tmp_path / "thinned.csv", NEW_DATE)
    assert status["state"] == "degraded" and status["degradation"]["columns_gone"] == []
    assert [(drop["field"], drop["previous_filled"], drop["new_filled"]) for drop in status["degradation"]["fields"]] \
        == [("params_total", 7, 1)]


# -- deadlines and every other way out: staging removed, status.json rewritten -------------------


def assert_failed_leaving_only_the_good_snapshot(root: Path, before: dict, started_at: str, error_type: str) -> dict:
    """The good snapshot byte-identical, nothing else but a status.json written by this run; that status."""
    assert tree_digest(root / GOOD_DATE) == before
    assert sorted(p.name for p in root.iterdir()) == [GOOD_DATE, "status.json"]  # no .staging-* left
    written = json.loads((root / "status.json").read_text())
    assert written["state"] == "failed" and written["error_type"] == error_type
    assert written["attempted_at"] >= started_at and written["snapshot_used"] == GOOD_DATE
    return written


def test_server_trickling_a_byte_every_2_s_fails_within_the_request_deadline(good_snapshot):
    before, started_at = tree_digest(good_snapshot / GOOD_DATE), collect._utc_now()
    with LoopbackServer({CSV_PATH: Route(body=EPOCH_CSV, content_type="text/csv", trickle_s=2.0)}) as server:
        config = epoch_config(good_snapshot, server.url(CSV_PATH), NEW_DATE, read_timeout_s=5, total_timeout_s=3)
        started = time.monotonic()
        status = collect.collect_source("epoch", config)
        elapsed = time.monotonic() - started
    assert elapsed < 3.5  # the whole CSV, a byte every 2 s, would take hours
    assert status["reason"].endswith("all_ai_models.csv: no complete answer within total_timeout_s=3 s")
    assert assert_failed_leaving_only_the_good_snapshot(good_snapshot, before, started_at, "DeadlineExceeded") == status


def test_server_that_never_answers_fails_within_the_collect_deadline(good_snapshot):
    before, started_at = tree_digest(good_snapshot / GOOD_DATE), collect._utc_now()
    with silent_server() as port:
        config = epoch_config(good_snapshot, f"http://127.0.0.1:{port}{CSV_PATH}", NEW_DATE, read_timeout_s=1,
                              total_timeout_s=3, collect_timeout_s=4, retries=5, backoff_s=0.5)
        started = time.monotonic()
        status = collect.collect_source("epoch", config)
        elapsed = time.monotonic() - started
    assert elapsed < 4.5  # 6 tries of 1 s and 15.5 s of backoff without the collect deadline
    assert "ran out of its collect_timeout_s=4 s" in status["reason"]
    assert assert_failed_leaving_only_the_good_snapshot(good_snapshot, before, started_at, "DeadlineExceeded") == status


@pytest.mark.parametrize("stop", [RuntimeError("a bug in the plug-in"), KeyboardInterrupt()], ids=type)
def test_any_other_way_out_removes_staging_and_rewrites_status(stop, good_snapshot, monkeypatch):
    def collect_half(config, staging, fetcher):
        (staging / "all_ai_models.csv").write_bytes(EPOCH_CSV[:100])
        raise stop

    monkeypatch.setattr(epoch, "collect", collect_half)
    before, started_at = tree_digest(good_snapshot / GOOD_DATE), collect._utc_now()
    with pytest.raises(type(stop)):
        collect.collect_source("epoch", epoch_config(good_snapshot, "http://127.0.0.1:9/x.csv", NEW_DATE))
    written = assert_failed_leaving_only_the_good_snapshot(good_snapshot, before, started_at, type(stop).__name__)
    assert written["reason"] == ("collect stopped before the snapshot was complete "
                                 f"({'RuntimeError: a bug in the plug-in' if str(stop) else 'KeyboardInterrupt'})")


@pytest.mark.parametrize(("signum", "stopped_by", "error_type"),
                         [(signal.SIGTERM, "SIGTERM", "Terminated"), (signal.SIGINT, "SIGINT", "KeyboardInterrupt")])
def test_signal_during_a_fetch_removes_staging_and_rewrites_status(signum, stopped_by, error_type, good_snapshot):
    project = good_snapshot.parents[1]
    before, started_at = tree_digest(good_snapshot / GOOD_DATE), collect._utc_now()
    with LoopbackServer({CSV_PATH: Route(body=EPOCH_CSV, content_type="text/csv", trickle_s=0.1)}) as server:
        config = epoch_config(Path("raw/epoch"), server.url(CSV_PATH), NEW_DATE, total_timeout_s=30)
        (project / "params.yaml").write_text(yaml.safe_dump({"sources": {"epoch": config}}))
        process = subprocess.Popen([sys.executable, "-m", "pipeline.collect", "epoch"], cwd=project, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
        waited_until = time.monotonic() + 15
        while server.count(CSV_PATH) == 0 or not list(good_snapshot.glob(".staging-*")):  # the body is trickling
            assert time.monotonic() < waited_until and process.poll() is None, "collect never started the fetch"
            time.sleep(0.05)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 128 + signum, stderr
    assert stderr.startswith(f"collect: stopped by {stopped_by}; ") and stderr.count("\n") == 1, stderr
    assert_failed_leaving_only_the_good_snapshot(good_snapshot, before, started_at, error_type)


def test_failure_without_any_snapshot_leaves_source_empty(tmp_path):
    root = tmp_path / "epoch"
    status = run_collect(epoch_config(root, f"http://127.0.0.1:{closed_port()}/x.csv", NEW_DATE, retries=0))
    assert status["snapshot_used"] is None and "contributes no observations" in collect.describe(status)
    assert epoch.parse(epoch_config(root, "", NEW_DATE)).empty


def test_cli_failure_exits_zero_and_names_source_and_reason(tmp_path):
    config = epoch_config(Path("raw/epoch"), f"http://127.0.0.1:{closed_port()}/all_ai_models.csv", NEW_DATE, retries=0)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"sources": {"epoch": config}}))
    result = subprocess.run([sys.executable, "-m", "pipeline.collect", "epoch"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "collect: epoch: FAILED (OfflineError)" in result.stderr and "cannot connect" in result.stderr
    assert json.loads((tmp_path / "raw" / "epoch" / "status.json").read_text())["state"] == "failed"


def test_cli_refuses_unknown_source(tmp_path):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"sources": {"registry": {"path": "raw/registry"}}}))
    result = subprocess.run([sys.executable, "-m", "pipeline.collect", "nosuch"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert result.returncode != 0 and "no live source 'nosuch'" in result.stderr


def test_offline_collect_with_the_committed_params_makes_no_request(tmp_path, monkeypatch):
    """What `dvc repro` runs on a fresh clone: no request, and raw/epoch/status.json byte for byte as committed."""
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    shutil.copytree(REPO / "raw" / "epoch", tmp_path / "raw" / "epoch")

    def no_network(*args, **kwargs):
        pytest.fail("collect would fetch with the committed params.yaml")

    monkeypatch.setattr(collect, "Fetcher", no_network)
    monkeypatch.chdir(tmp_path)
    collect.main([])
    status = tmp_path / "raw" / "epoch" / "status.json"
    assert json.loads(status.read_text())["state"] == "up_to_date"
    assert status.read_bytes() == (REPO / "raw" / "epoch" / "status.json").read_bytes()


def test_make_update_moves_the_committed_epoch_date_so_collect_fetches_again(tmp_path):
    text = (REPO / "params.yaml").read_text(encoding="utf-8")
    bumped = yaml.safe_load(collect.bump_as_of(text, yaml.safe_load(text)["sources"], "2026-12-01"))
    config = bumped["sources"]["epoch"]
    assert config["as_of"] == "2026-12-01" and config["url"] == epoch.DATASET_URL  # the live URL
    shutil.copytree(REPO / "raw" / "epoch", tmp_path / "epoch")
    with LoopbackServer({CSV_PATH: Route(body=EPOCH_CSV, content_type="text/csv")}) as server:
        local = {**config, "path": str(tmp_path / "epoch"), "url": server.url(CSV_PATH), "allowed_hosts": ["127.0.0.1"]}
        status = run_collect(local)
    assert server.count(CSV_PATH) == 1 and status["snapshot_used"] == "2026-12-01"
    assert collect.snapshot_dates(tmp_path / "epoch") == ["2025-03-14", "2026-12-01"]


def collect_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.collect", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)


@pytest.mark.parametrize("bad", ["2026-13-45", "2025-02-30", "2026-1-5", "today"])
def test_bump_as_of_refuses_a_date_that_is_not_real_writing_nothing(tmp_path, bad):
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    result = collect_cli(tmp_path, "--bump-as-of", bad)
    assert result.returncode == 2
    assert result.stderr == f"collect: --bump-as-of must be a real date written YYYY-MM-DD, got {bad!r}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["params.yaml"]  # no folder named after the date
    assert (tmp_path / "params.yaml").read_bytes() == (REPO / "params.yaml").read_bytes()


def test_collect_refuses_an_as_of_in_params_that_is_not_real_writing_nothing(tmp_path):
    config = epoch_config(Path("raw/epoch"), "http://127.0.0.1:9/all_ai_models.csv", "2026-13-45")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"sources": {"epoch": config}}))
    result = collect_cli(tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("collect: sources.epoch.as_of in params.yaml must be a real date written YYYY-MM-DD, "
                             "got '2026-13-45'\n")
    assert [p.name for p in tmp_path.iterdir()] == ["params.yaml"]


def test_bump_as_of_edits_only_enabled_sources_and_keeps_comments():
    text = (
        "sources:\n  registry:\n    path: raw/registry   # curated\n"
        "  epoch:\n    path: raw/epoch\n    enabled: true\n    as_of: \"2025-03-14\"  # date\n"
        "  wikipedia:\n    enabled: false\n    as_of: \"2025-03-14\"\nvalidate:\n  as_of_date: \"2026-11-22\"\n"
    )
    sources = yaml.safe_load(text)["sources"]
    bumped = collect.bump_as_of(text, sources, "2026-12-01")
    assert yaml.safe_load(bumped)["sources"]["epoch"]["as_of"] == "2026-12-01"
    assert yaml.safe_load(bumped)["sources"]["wikipedia"]["as_of"] == "2025-03-14"
    assert "# curated" in bumped and "# date" in bumped and 'as_of_date: "2026-11-22"' in bumped


# -- end to end: dvc repro in a copy of the repository ------------------------------

SHARED_EPOCH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "epoch"
IGNORED_IN_COPY = shutil.ignore_patterns(".venv", ".git", "cache", "tmp", ".hypothesis", ".pytest_cache", "__pycache__")


def _dvc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["dvc", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.dvc
@pytest.mark.shared
def test_dvc_repro_with_epoch_enabled_merges_it_beside_the_registry(tmp_path):
    real = SHARED_EPOCH / "all_ai_models_2025-03-14.csv"
    if not real.is_file():
        pytest.skip("../shared/data/epoch not present (real Epoch AI snapshots are only beside the repo in CI)")
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=IGNORED_IN_COPY)
    for live in ("epoch", "wikipedia", "huggingface", "announcements"):
        shutil.rmtree(copy / "raw" / live, ignore_errors=True)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)

    with LoopbackServer({CSV_PATH: Route(body=real.read_bytes(), content_type="text/csv")}) as server:
        params = yaml.safe_load((copy / "params.yaml").read_text())
        params["sources"]["epoch"].update(enabled=True, as_of="2025-03-14", url=server.url(CSV_PATH),
                                          allowed_hosts=["127.0.0.1"], min_interval_s=0)
        params["trends"]["bootstrap_samples"] = 50  # the trend fit is not under test: keep it quick
        (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

        first = _dvc(copy, "repro")
        assert first.returncode == 0, first.stdout + first.stderr
        assert server.count(CSV_PATH) == 1
        requests_after_first = server.count()

        second = _dvc(copy, "repro")
        assert second.returncode == 0, second.stdout + second.stderr
        assert server.count() == requests_after_first  # nothing changed: no request at all
        assert "Running stage" not in second.stdout

    assert validate_all_metadata(copy / "raw" / "epoch") == 1
    models = pd.read_csv(copy / "processed" / "models.csv")
    sources = models["sources"].str.split(" | ", regex=False)
    assert sources.map(lambda s: s == ["epoch"]).sum() > 1000  # models only Epoch knows
    assert sources.map(lambda s: "registry" in s and "epoch" in s).sum() > 10  # the same model seen by both
    assert sources.map(lambda s: s == ["registry"]).sum() > 0
    assert (models.loc[sources.map(lambda s: s == ["epoch"]), "params_total_source"].dropna() == "epoch").all()


def collect_only_project(copy: Path):
    """copy, the working tree with only the collect stage (`make update` then costs seconds), and a
    function running a command there that must succeed (its output): see conftest.project_copy."""
    return project_copy(copy, only_stages=["collect"])


@pytest.mark.dvc
def test_a_second_make_update_of_unchanged_sources_is_conditional_and_adds_no_snapshot(tmp_path):
    copy, run = collect_only_project(tmp_path / "repo")
    page = (FIXTURES / "wikipedia_list_of_large_language_models.html").read_bytes()
    routes = {CSV_PATH: Route(body=EPOCH_CSV, content_type="text/csv", etag='"epoch-v1"'),
              "/wiki/List": Route(body=page, content_type="text/html", last_modified="Sun, 22 Nov 2026 08:00:00 GMT"),
              "/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n")}
    with LoopbackServer(routes) as server:
        params = yaml.safe_load((copy / "params.yaml").read_text())
        local = dict(allowed_hosts=["127.0.0.1"], min_interval_s=0, retries=0)
        params["sources"]["epoch"].update(url=server.url(CSV_PATH), **local)
        params["sources"]["wikipedia"].update(enabled=True, url=server.url("/wiki/List"), **local)
        params["fetch"]["contact"] = "data-team@example.org"
        (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

        run("make", "update", "AS_OF=2026-12-01")
        first = len(server.requests)
        second = run("make", "update", "AS_OF=2026-12-08")
        again = server.requests[first:]
    for source in ("epoch", "wikipedia"):
        assert collect.snapshot_dates(copy / "raw" / source)[-1] == "2026-12-01", second
        status = json.loads((copy / "raw" / source / "status.json").read_text())
        assert (status["unchanged_since"], status["snapshot_used"]) == ("2026-12-01", "2026-12-01")
        assert status["reason"].startswith("unchanged since 2026-12-01: every request answered 304")
    assert "collect: wikipedia: unchanged: unchanged since 2026-12-01" in second
    # The synthetic CSV has fewer columns than the pinned real snapshot: still degraded against it.
    assert "collect: epoch: DEGRADED: unchanged since 2026-12-01" in second
    content = [(path, headers) for path, headers in again if path != "/robots.txt"]
    assert sorted(path for path, _ in content) == [CSV_PATH, "/wiki/List"]
    assert all("If-None-Match" in headers or "If-Modified-Since" in headers for _, headers in content)
    assert all("(data-team@example.org; " in headers["User-Agent"] for _, headers in server.requests)
    assert validate_all_metadata(copy / "raw") == 3  # the pinned Epoch snapshot and one new per source


@pytest.mark.dvc
def test_make_update_after_a_failed_collect_tries_the_same_date_again(tmp_path):
    copy, run = collect_only_project(tmp_path / "repo")

    with LoopbackServer({CSV_PATH: Route(status=500)}) as server:  # the same URL throughout: params unchanged
        params = yaml.safe_load((copy / "params.yaml").read_text())
        params["sources"]["epoch"].update(url=server.url(CSV_PATH), allowed_hosts=["127.0.0.1"], min_interval_s=0,
                                          retries=0)
        (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

        failed = run("make", "update", "AS_OF=2026-12-01")
        assert server.count(CSV_PATH) == 1 and "collect: epoch: FAILED (HTTPStatusError)" in failed
        assert "To try again: make update AS_OF=2026-12-01" in failed
        assert collect.snapshot_dates(copy / "raw" / "epoch") == ["2025-03-14"]
        assert "Stage 'collect' didn't change, skipping" in run("dvc", "repro")  # why make update forces it
        assert server.count(CSV_PATH) == 1

        server.routes[CSV_PATH] = Route(body=EPOCH_CSV, content_type="text/csv")
        fetched = run("make", "update", "AS_OF=2026-12-01")
        assert server.count(CSV_PATH) == 2, fetched
    assert collect.snapshot_dates(copy / "raw" / "epoch") == ["2025-03-14", "2026-12-01"]
    status = json.loads((copy / "raw" / "epoch" / "status.json").read_text())
    assert status["snapshot_used"] == "2026-12-01" and status["reason"].startswith("new snapshot 2026-12-01")
    assert validate_all_metadata(copy / "raw" / "epoch") == 2


def test_a_snapshot_is_unchanged_only_when_every_file_answered_304_and_none_is_added_or_gone(tmp_path):
    folder = tmp_path / "2026-11-01"
    folder.mkdir()
    kept = {"path": "a.csv", "sha256": "1" * 64, "http_status": 200}
    (folder / collect.METADATA_FILE).write_text(json.dumps({"files": [kept, {**kept, "path": "b.csv"}]}))
    revalidated = [{**kept, "http_status": 304}, {**kept, "path": "b.csv", "http_status": 304}]
    assert collect.unchanged_since(revalidated, folder)
    assert not collect.unchanged_since(revalidated[:1], folder)  # a file gone
    assert not collect.unchanged_since([revalidated[0], {**revalidated[1], "http_status": 200}], folder)
    assert not collect.unchanged_since([*revalidated, {**kept, "path": "c.csv", "http_status": 304}], folder)
    assert not collect.unchanged_since(revalidated, None)  # no earlier snapshot
    log = {"path": "collection.json", "sha256": "2" * 64, "http_status": None, "generated": {"by": "a plug-in"}}
    (folder / collect.METADATA_FILE).write_text(json.dumps({"files": [kept, log]}))
    assert collect.unchanged_since([revalidated[0], log], folder)  # a generated file counts by its bytes
    assert not collect.unchanged_since([revalidated[0], {**log, "sha256": "3" * 64}], folder)
    assert not collect.unchanged_since([log], folder)  # nothing was asked of the server
    robots = {"path": "robots.example.org.txt", "sha256": "4" * 64, "http_status": 200}
    (folder / collect.METADATA_FILE).write_text(json.dumps({"files": [kept], "robots": [robots]}))
    assert collect.unchanged_since([revalidated[0]], folder, [robots])  # the same rules, even re-sent whole
    assert not collect.unchanged_since([revalidated[0]], folder, [{**robots, "sha256": "5" * 64}])  # new rules
