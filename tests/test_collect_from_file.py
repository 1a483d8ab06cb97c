"""collect --from-file: a file downloaded by hand becomes a dated snapshot, the way a download does,
and the pinned Epoch AI snapshot in raw/epoch/ is one (no free text, hashes that match)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

from pipeline import collect
from pipeline.sources import epoch
from tests.httpserver import METADATA_SCHEMA, tree_digest, validate_all_metadata

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "sources" / "epoch_all_ai_models_synthetic.csv"
PINNED = REPO / "raw" / "epoch" / "2025-03-14"
AS_OF = "2025-03-14"
KEPT_OF_FIXTURE = ["Model", "Domain", "Organization", "Publication date", "Link", "Parameters",
                   "Training compute (FLOP)", "Training dataset size (datapoints)", "Model accessibility", "Confidence",
                   "Country (from Organization)"]
LEFT_OUT_OF_FIXTURE = ["Authors", "Reference", "Parameters notes", "Training compute notes", "Dataset size notes",
                       "Abstract"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def metadata_of(folder: Path) -> dict:
    return json.loads((folder / "metadata.json").read_text(encoding="utf-8"))


def import_config(root: Path) -> dict:
    return {"path": str(root), "enabled": True, "as_of": AS_OF}


@pytest.fixture
def imported(tmp_path) -> Path:
    """The synthetic fixture imported as snapshot AS_OF."""
    root = tmp_path / "raw" / "epoch"
    status = collect.import_file("epoch", import_config(root), FIXTURE, AS_OF, "a copy made for the tests")
    assert status["state"] == "ok" and status["snapshot_used"] == AS_OF, status
    return root / AS_OF


def test_from_file_keeps_exactly_the_columns_parse_reads_as_data(imported):
    assert sorted(path.name for path in imported.iterdir()) == ["all_ai_models.csv", "metadata.json"]
    assert header(imported / "all_ai_models.csv") == KEPT_OF_FIXTURE
    found = metadata_of(imported)["file_import"]
    assert (found["columns_kept"], found["columns_left_out"]) == (KEPT_OF_FIXTURE, LEFT_OUT_OF_FIXTURE)
    kept = pd.read_csv(imported / "all_ai_models.csv", dtype=str, keep_default_na=False)
    original = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(kept, original[KEPT_OF_FIXTURE])  # every cell as it was


def test_metadata_is_valid_and_hashes_the_original_and_the_kept_file(imported):
    assert validate_all_metadata(imported.parent) == 1  # the kept file's sha256 and size are those on disk
    metadata = metadata_of(imported)
    assert metadata["sha256"] == sha256(imported / "all_ai_models.csv") != sha256(FIXTURE)
    assert metadata["size_bytes"] == (imported / "all_ai_models.csv").stat().st_size
    found = metadata["file_import"]
    assert (found["original_sha256"], found["original_size_bytes"]) == (sha256(FIXTURE), FIXTURE.stat().st_size)
    assert found["obtained_from"] == "a copy made for the tests"
    assert metadata["url"] == epoch.DATASET_URL and metadata["as_of"] == AS_OF
    assert (metadata["producer"], metadata["citation"], metadata["licence"]) == (epoch.PRODUCER, epoch.CITATION,
                                                                                epoch.LICENCE)
    assert metadata["http_status"] is None and metadata["retrieved_at"] is None and metadata["user_agent"] is None


def test_schema_refuses_a_download_without_its_http_facts(imported):
    metadata = metadata_of(imported)
    del metadata["file_import"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(metadata, json.loads(METADATA_SCHEMA.read_text(encoding="utf-8")))


def test_the_same_file_gives_the_same_bytes(imported, tmp_path):
    again = tmp_path / "again"
    collect.import_file("epoch", import_config(again), FIXTURE, AS_OF, "a copy made for the tests")
    assert tree_digest(again / AS_OF) == tree_digest(imported)


def test_obtained_from_is_the_file_name_by_default_and_never_a_path(tmp_path):
    root = tmp_path / "epoch"
    collect.import_file("epoch", import_config(root), FIXTURE, AS_OF)
    assert metadata_of(root / AS_OF)["file_import"]["obtained_from"] == FIXTURE.name
    with pytest.raises(collect.ImportRefused, match="names a path on this machine"):
        collect.import_file("epoch", import_config(root), FIXTURE, "2025-03-15", f"copied from {FIXTURE}")
    assert collect.snapshot_dates(root) == [AS_OF]


def test_imported_snapshot_parses_as_the_original_without_its_notes(imported):
    observations = epoch.parse({**import_config(imported.parent), "as_of": AS_OF})
    original, _ = epoch.observations_from_csv(FIXTURE.read_text(encoding="utf-8"), "x", epoch.DATASET_URL)
    same = [column for column in original.columns if column not in ("evidence", "source_record")]
    pd.testing.assert_frame_equal(observations[same], original[same])
    lm = json.loads(observations.set_index("name").loc["Example LM 7B", "evidence"])
    assert lm["params_total"] == "Epoch AI database, column Parameters"  # the notes were left out


# -- the command line -------------------------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    """A folder with a params.yaml whose epoch snapshots live in raw/epoch."""
    params = {"sources": {"epoch": {"path": "raw/epoch", "enabled": True, "as_of": AS_OF}}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    return tmp_path


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.collect", "epoch", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)


def assert_refused_in_one_line(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode != 0
    assert result.stderr.startswith("collect: epoch: ") and result.stderr.count("\n") == 1, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr


def test_cli_makes_the_snapshot(project):
    result = run_cli(project, "--from-file", str(FIXTURE), "--as-of", AS_OF, "--obtained-from", "a test copy")
    assert result.returncode == 0, result.stderr
    assert f"new snapshot {AS_OF}" in result.stdout
    assert validate_all_metadata(project / "raw" / "epoch") == 1
    assert json.loads((project / "raw" / "epoch" / "status.json").read_text())["snapshot_used"] == AS_OF


def test_cli_refuses_a_date_that_has_a_snapshot(project):
    """Hostile: `collect --from-file` for a date that already has a snapshot → refused in one line; that snapshot
    byte-identical
    """
    assert run_cli(project, "--from-file", str(FIXTURE), "--as-of", AS_OF).returncode == 0
    before = tree_digest(project / "raw" / "epoch" / AS_OF)
    result = run_cli(project, "--from-file", str(FIXTURE), "--as-of", AS_OF)
    assert_refused_in_one_line(result, f"raw/epoch/{AS_OF} already exists")
    assert tree_digest(project / "raw" / "epoch" / AS_OF) == before


@pytest.mark.parametrize("bad", ["2026-13-45", "2025-02-30", "14/03/2025", "20250314"])
def test_cli_refuses_a_date_that_is_not_real(project, bad):
    """Hostile: `collect --from-file --as-of` 2026-13-45, 2025-02-30, 14/03/2025 or 20250314 → refused in one line,
    no snapshot made
    """
    result = run_cli(project, "--from-file", str(FIXTURE), "--as-of", bad)
    assert_refused_in_one_line(result, "--as-of must be a real date", repr(bad))
    assert result.returncode == 2  # a bad argument, as argparse's own refusals
    assert [path.name for path in project.iterdir()] == ["params.yaml"]  # nothing written


def test_cli_refuses_a_file_without_a_required_column(project, tmp_path):
    """Hostile: `collect --from-file` with a CSV lacking a column the parser requires → refused in one line naming
    it, no staging folder left
    """
    lacking = tmp_path / "lacking.csv"
    pd.read_csv(FIXTURE, dtype=str, keep_default_na=False).drop(columns=["Parameters"]).to_csv(lacking, index=False)
    result = run_cli(project, "--from-file", str(lacking), "--as-of", AS_OF)
    assert_refused_in_one_line(result, "'Parameters' missing")
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in (project / "raw" / "epoch").iterdir()) == []  # no staging folder left


# -- the committed, pinned snapshot -----------------------------------------------------


def test_pinned_snapshot_has_no_free_text_and_matches_its_metadata():
    kept = header(PINNED / "all_ai_models.csv")
    metadata = metadata_of(PINNED)
    assert validate_all_metadata(PINNED.parent) >= 1  # sha256 and size of the committed file
    assert set(kept) <= epoch.KEPT_COLUMNS and kept == metadata["file_import"]["columns_kept"]
    assert not {"Abstract", "Authors", "Reference"} & set(kept)
    assert not [column for column in kept if "notes" in column.lower()]
    assert {"Abstract", "Parameters notes", "Training compute notes", "Dataset size notes"} <= set(
        metadata["file_import"]["columns_left_out"])
    assert not collect.MACHINE_PATH.search(metadata["file_import"]["obtained_from"])
    assert (metadata["licence"], metadata["citation"]) == (epoch.LICENCE, epoch.CITATION)


@pytest.mark.shared
def test_pinned_snapshot_is_the_shared_release_without_its_free_text(epoch_dir, tmp_path):
    original = epoch_dir / "all_ai_models_2025-03-14.csv"
    found = metadata_of(PINNED)["file_import"]
    assert (found["original_sha256"], found["original_size_bytes"]) == (sha256(original), original.stat().st_size)
    collect.import_file("epoch", import_config(tmp_path / "epoch"), original, AS_OF)
    again = tmp_path / "epoch" / AS_OF / "all_ai_models.csv"
    assert again.read_bytes() == (PINNED / "all_ai_models.csv").read_bytes()
