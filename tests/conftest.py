"""Shared fixtures: paths, real data in ../shared, and observation rows built from YAML.

A test about hostile input (malformed, malicious or careless) says what it proves in its
docstring, one paragraph per claim:

    Hostile: <input class> → <what happens>

`python -m pipeline.docs` collects these paragraphs from every tests/test_*.py into the
table of docs/hostile-inputs.md, and tests/test_docs.py fails while that file is out of date.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.schema import observation_columns
from pipeline.sources import registry

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EPOCH_DIR = SHARED / "data" / "epoch"
VALIDATE_PARAMS = {"as_of_date": "2026-11-22", "compute_6nd_tolerance": 10}


@pytest.fixture
def epoch_dir() -> Path:
    if not EPOCH_DIR.is_dir():
        pytest.skip("../shared/data/epoch not present (real Epoch AI snapshots are only beside the repo in CI)")
    return EPOCH_DIR


def copy_working_tree(destination: Path) -> Path:
    """The working tree as git sees it (tracked, and untracked but not ignored) copied to destination.

    Tests that run dvc or git work on such a copy, never on the repository itself.
    """
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination


def project_copy(copy: Path, only_stages: list[str] | None = None) -> tuple[Path, Callable[..., str]]:
    """copy, the working tree (with only_stages of dvc.yaml, when given) and this repository's
    environment, in a git repository of its own; and a function running a command there that must
    succeed (its output)."""
    copy_working_tree(copy)
    if only_stages is not None:
        stages = yaml.safe_load((copy / "dvc.yaml").read_text())["stages"]
        (copy / "dvc.yaml").write_text(yaml.safe_dump({"stages": {name: stages[name] for name in only_stages}}))
        (copy / "dvc.lock").unlink()
    # make's setup finds this repository's environment installed, and leaves it alone.
    venv = Path(sys.executable).parent.parent
    for entry in venv.iterdir():
        if entry.name != ".installed-from-lock":
            (copy / ".venv" / entry.name).parent.mkdir(exist_ok=True)
            (copy / ".venv" / entry.name).symlink_to(entry)
    (copy / ".venv" / ".installed-from-lock").touch()
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)

    # As make does, the environment's commands (dvc) come first, however pytest was started.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(*args: str, timeout: float = 120) -> str:
        result = subprocess.run(args, cwd=copy, capture_output=True, text=True, timeout=timeout, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    return copy, run


def write_registry(directory: Path, text: str, name: str = "2023.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def observations_from_yaml(tmp_path: Path, text: str) -> pd.DataFrame:
    write_registry(tmp_path / "registry", text)
    return registry.parse({"path": str(tmp_path / "registry")})


# A valid entry of a made-up model; tests break one field at a time.
VALID_ENTRY = """\
  - name: Example LM 7B
    organization: Example Lab
    publication_date: "2023-07-18"
    domain: Language
    params_total: 7.0e+9
    training_tokens: 2.0e+12
    mmlu: 45.3
    open_weights: true
    url: https://example.org/example-lm
    evidence:
      params_total: "a 7B-parameter model"
      training_tokens: "trained on 2 trillion tokens"
      mmlu: "MMLU (5-shot) 45.3"
"""


@pytest.fixture
def valid_row(tmp_path) -> dict:
    frame = observations_from_yaml(tmp_path, "models:\n" + VALID_ENTRY)
    assert list(frame.columns) == observation_columns()
    return frame.iloc[0].to_dict()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with tests that rebuild the pipeline (marked dvc) run first, each file's tests in their own order:
    `make test` gives each core a worker and each worker whole files, so a long file started last would
    leave one core working alone at the end."""
    rebuilding = {item.path for item in items if item.get_closest_marker("dvc")}
    items.sort(key=lambda item: item.path not in rebuilding)
