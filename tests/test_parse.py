"""The parse stage's shrinkage guard: a source that lost observations since the last build
stops the run unless the drop is acknowledged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline import parse
from pipeline.io import load_params
from tests.conftest import REPO, VALID_ENTRY, copy_working_tree

COUNTS = "processed/observation_counts.json"
PARAMS = """\
sources:
  registry:
    path: raw/registry
parse:
  shrink_tolerance: {relative: 0.05, models: 10}
"""


def _entries(year: int, count: int) -> str:
    return "models:\n" + "".join(
        VALID_ENTRY.replace("Example LM 7B", f"Model {year} {number}").replace("2023-07-18", f"{year}-07-18")
        for number in range(count))


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A folder shaped like the repository, with 30 + 15 registry entries, built once."""
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    registry = tmp_path / "raw" / "registry"
    registry.mkdir(parents=True)
    (registry / "2024.yaml").write_text(_entries(2024, 30), encoding="utf-8")
    (registry / "2025.yaml").write_text(_entries(2025, 15), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(parse.ACCEPT_SHRINK_ENV, raising=False)
    _parse()
    return tmp_path


def _parse(*extra: str) -> None:
    parse.main(["--out-dir", "processed/observations", "--counts", COUNTS, *extra])


def _counts() -> dict:
    return json.loads(Path(COUNTS).read_text(encoding="utf-8"))


def test_counts_are_recorded_per_source_and_file(project):
    assert _counts() == {"registry": {"observations": 45, "by_file": {"raw/registry/2024.yaml": 30,
                                                                      "raw/registry/2025.yaml": 15}}}


def test_emptying_a_registry_file_stops_the_run_naming_the_file_and_the_counts(project):
    Path("raw/registry/2025.yaml").write_text("", encoding="utf-8")  # `: > raw/registry/2025.yaml`
    before = Path(COUNTS).read_bytes()
    with pytest.raises(SystemExit) as stopped:
        _parse()
    message = str(stopped.value.code)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"parse: registry: 30 observations, 45 in the last build ({COUNTS}): 15 fewer "
                              "(raw/registry/2025.yaml 15 -> 0), parse.shrink_tolerance allows 10.")
    assert "MODELSCALE_ACCEPT_SHRINK=registry dvc repro" in message
    assert Path(COUNTS).read_bytes() == before


def test_deleting_a_registry_file_stops_the_run_too(project):
    Path("raw/registry/2025.yaml").unlink()
    with pytest.raises(SystemExit, match=r"raw/registry/2025.yaml 15 -> 0"):
        _parse()


@pytest.mark.parametrize("acknowledge", ["flag", "environment"])
def test_an_acknowledged_drop_goes_through_and_becomes_the_new_count(project, monkeypatch, capsys, acknowledge):
    Path("raw/registry/2025.yaml").write_text("", encoding="utf-8")
    if acknowledge == "flag":
        _parse("--accept-shrink", "registry")
    else:
        monkeypatch.setenv(parse.ACCEPT_SHRINK_ENV, "registry")
        _parse()
    printed = capsys.readouterr().out
    assert "15 fewer (raw/registry/2025.yaml 15 -> 0), parse.shrink_tolerance allows 10; accepted" in printed
    assert _counts()["registry"]["observations"] == 30
    monkeypatch.delenv(parse.ACCEPT_SHRINK_ENV, raising=False)
    Path("raw/registry/2024.yaml").write_text(_entries(2024, 15), encoding="utf-8")
    with pytest.raises(SystemExit, match="15 observations, 30 in the last build"):
        _parse()  # the acknowledgement covered one drop, not the next


def test_a_drop_within_the_tolerance_is_printed_and_goes_through(project, capsys):
    Path("raw/registry/2025.yaml").write_text(_entries(2025, 5), encoding="utf-8")
    _parse()
    assert "parse: registry: 35 observations, 45 in the last build" in capsys.readouterr().out
    assert _counts()["registry"]["observations"] == 35


def test_the_tolerance_is_the_more_lenient_bound():
    tolerance = {"relative": 0.05, "models": 10}
    assert parse.tolerated_drop(45, tolerance) == 10  # 5% of 45 is 2
    assert parse.tolerated_drop(2202, tolerance) == 110  # Epoch: 5% of 2202


def test_acknowledging_an_unknown_source_is_refused(project):
    with pytest.raises(SystemExit, match="no source 'regsitry' in params.yaml"):
        _parse("--accept-shrink", "regsitry")


def test_a_fresh_build_matches_the_committed_counts(tmp_path, monkeypatch):
    """A fresh clone has the committed counts file: parsing it again changes nothing and stops nothing."""
    copy_working_tree(tmp_path)
    committed = (tmp_path / COUNTS).read_bytes()
    shutil.rmtree(tmp_path / "processed" / "observations", ignore_errors=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(parse.ACCEPT_SHRINK_ENV, raising=False)
    _parse()
    assert (tmp_path / COUNTS).read_bytes() == committed
    assert set(json.loads(committed)) == set(load_params("sources", REPO / "params.yaml"))
