"""The whole pipeline under DVC, in a temporary copy of the repository."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import copy_working_tree

pytestmark = pytest.mark.dvc
REPO = Path(__file__).resolve().parents[1]
STAGES = ("parse", "validate", "merge", "trends", "forecast", "report")
BROKEN_ENTRIES = """\
models:
  - name: Broken negative
    publication_date: "2020"
    domain: Language
    params_total: -5
    url: https://example.org/broken
    evidence: {params_total: "minus five"}
  - name: Broken future
    publication_date: "2099-01-01"
    domain: Language
    url: https://example.org/broken
  - name: Broken domain
    publication_date: "2020"
    domain: Poetry
    url: https://example.org/broken
  - name: Broken active
    publication_date: "2020"
    domain: Language
    params_total: 10
    params_active: 20
    url: https://example.org/broken
    evidence: {params_total: "ten", params_active: "twenty"}
  - name: Broken duplicate
    publication_date: "2020"
    domain: Language
    url: https://example.org/broken
  - name: broken DUPLICATE
    publication_date: "2021"
    domain: Language
    url: https://example.org/broken
"""


def _run(args: list[str], cwd: Path, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", **extra_env}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


# Kept in processed/ but written by a command run by hand, not by `dvc repro`.
NOT_BUILT_BY_DVC = {"evidence_check.csv"}  # python -m pipeline.verify


def _digests(root: Path) -> dict[str, str]:
    """What `dvc repro` builds: every file under processed/, and the metrics files under reports/."""
    files = sorted(p for p in (root / "processed").rglob("*") if p.is_file() and p.name not in NOT_BUILT_BY_DVC) + [
        root / "reports" / name for name in ("metrics.json", "backtest.json", "forecast.json")]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The working tree as git sees it (tracked and untracked-not-ignored files), as a new repository."""
    root = tmp_path_factory.mktemp("project")
    copy_working_tree(root)
    (root / "raw" / "registry" / "zz-broken.yaml").write_text(BROKEN_ENTRIES, encoding="utf-8")
    _run(["git", "init", "-q"], root)
    return root


@pytest.fixture(scope="module")
def first_run(project) -> dict[str, str]:
    _run(["dvc", "repro"], project)
    return _digests(project)


def test_repro_builds_dataset_and_report(project, first_run):
    for output in ("processed/models.csv", "processed/models.parquet", "reports/metrics.json", "reports/index.html"):
        assert (project / output).stat().st_size > 0, output
    for name in ("params_over_time", "mmlu_vs_training", "frontier_extrapolation", "best_mmlu_by_memory"):
        assert (project / "reports" / "figures" / f"{name}.svg").exists()


def test_broken_entries_are_quarantined_with_reasons(project, first_run):
    quarantine = pd.read_csv(project / "processed" / "quarantine.csv")
    broken = quarantine[quarantine["name"].str.lower().str.startswith("broken")]
    assert sorted(broken["name"]) == sorted(
        ["Broken negative", "Broken future", "Broken domain", "Broken active", "broken DUPLICATE"])
    assert broken["quarantine_reason"].str.len().min() > 10
    models = pd.read_csv(project / "processed" / "models.csv")
    # Of two spellings, the first stays (neither was published before).
    assert models.loc[models["name"].str.lower().str.startswith("broken"), "name"].tolist() == ["Broken duplicate"]


def test_second_repro_reruns_nothing(project, first_run):
    output = _run(["dvc", "repro"], project).stdout
    assert "Running stage" not in output
    for stage in STAGES:
        assert f"Stage '{stage}' didn't change" in output


def test_changing_one_param_reruns_only_its_stage(project, first_run):
    params_path = project / "params.yaml"
    original = params_path.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    params["report"]["memory_budgets_gb"].append(48)
    params_path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    try:
        output = _run(["dvc", "repro"], project).stdout
        assert "Running stage 'report'" in output
        assert [stage for stage in STAGES if f"Running stage '{stage}'" in output] == ["report"]
    finally:
        params_path.write_text(original, encoding="utf-8")
        _run(["dvc", "repro"], project)


def test_changing_a_published_finding_reruns_the_stages_that_read_it(project, first_run):
    """The published findings live outside params.yaml, as a file dependency: editing one still
    reruns trends and forecast (dvc status names the stages whose own dependencies changed)."""
    path = project / "references" / "published.yaml"
    original = path.read_text(encoding="utf-8")
    findings = yaml.safe_load(original)
    findings["doubling_times"][0]["doubling_months"] += 1
    path.write_text(yaml.safe_dump(findings, sort_keys=False), encoding="utf-8")
    try:
        changed = json.loads(_run(["dvc", "status", "--json"], project).stdout)
        assert sorted(changed) == ["forecast", "trends"]
        assert all("references/published.yaml" in entry[0]["changed deps"] for entry in changed.values())
    finally:
        path.write_text(original, encoding="utf-8")
    assert json.loads(_run(["dvc", "status", "--json"], project).stdout) == {}


def test_rebuild_from_scratch_is_byte_identical(project, first_run):
    shutil.rmtree(project / "processed")
    for name in ("metrics.json", "backtest.json", "forecast.json"):
        (project / "reports" / name).unlink()
    _run(["dvc", "repro", "--force"], project)
    assert _digests(project) == first_run


def test_malformed_yaml_stops_the_run_naming_file_and_line(project, first_run):
    bad = project / "raw" / "registry" / "zz-malformed.yaml"
    bad.write_text("models:\n  - name: A\n    domain: [Language\n  - name: B\n", encoding="utf-8")
    try:
        result = _run(["dvc", "repro"], project, check=False)
        assert result.returncode != 0
        assert "raw/registry/zz-malformed.yaml:" in result.stdout + result.stderr
        assert "malformed YAML" in result.stdout + result.stderr
    finally:
        bad.unlink()


def test_emptying_a_registry_file_stops_the_run_until_acknowledged(project, first_run):
    emptied = project / "raw" / "registry" / "2025.yaml"
    original = emptied.read_bytes()
    models_before = (project / "processed" / "models.csv").read_bytes()
    before = json.loads((project / "processed" / "observation_counts.json").read_text(encoding="utf-8"))["registry"]
    lost = len(yaml.safe_load(original)["models"])
    emptied.write_bytes(b"")  # `: > raw/registry/2025.yaml`
    try:
        result = _run(["dvc", "repro"], project, check=False)
        assert result.returncode != 0
        total = before["observations"]
        assert (f"parse: registry: {total - lost} observations, {total} in the last build "
                f"(processed/observation_counts.json): {lost} fewer (raw/registry/2025.yaml {lost} -> 0)") in result.stderr
        assert (project / "processed" / "models.csv").read_bytes() == models_before
        _run(["dvc", "repro"], project, MODELSCALE_ACCEPT_SHRINK="registry")
        counts = json.loads((project / "processed" / "observation_counts.json").read_text(encoding="utf-8"))
        assert counts["registry"]["observations"] == total - lost
    finally:
        emptied.write_bytes(original)
        _run(["dvc", "repro"], project)


SECOND_SPELLING = """\
  - name: LLAMA 2 7b
    organization: Meta AI
    publication_date: "2023-07-18"
    domain: Language
    url: https://example.org/llama
"""


def test_a_second_spelling_in_another_file_keeps_the_model_that_was_there(project, first_run):
    """Written into an earlier file, so that file order alone would pick the newcomer."""
    earlier = project / "raw" / "registry" / "2019.yaml"
    original = earlier.read_text(encoding="utf-8")
    models_before = pd.read_csv(project / "processed" / "models.csv")
    earlier.write_text(original + SECOND_SPELLING, encoding="utf-8")
    newcomer = f"raw/registry/2019.yaml:{len(original.splitlines()) + 1}"
    # The entry that stays, found by its name line rather than a fixed number: curation moves lines.
    later = (project / "raw" / "registry" / "2023.yaml").read_text(encoding="utf-8").splitlines()
    stays = f"raw/registry/2023.yaml:{later.index('- name: Llama 2 7B') + 1}"
    try:
        _run(["dvc", "repro"], project)
        models = pd.read_csv(project / "processed" / "models.csv")
        assert set(models["model_id"]) == set(models_before["model_id"])
        llama = models.set_index("model_id").loc["llama-2-7b"]
        assert (llama["name"], llama["params_total"]) == ("Llama 2 7B", 7e9)
        quarantine = pd.read_csv(project / "processed" / "quarantine.csv")
        assert quarantine.loc[quarantine["name"] == "LLAMA 2 7b", "quarantine_reason"].tolist() == [
            f"duplicate: {newcomer} (LLAMA 2 7b) repeats {stays} (Llama 2 7B), which stays: "
            "same model_id llama-2-7b"]
    finally:
        earlier.write_text(original, encoding="utf-8")
        _run(["dvc", "repro"], project)


def _pipeline_imports(module: str, found: set[str]) -> set[str]:
    """The files of pipeline/ that `module` imports, directly or through others (its own file included)."""
    import ast

    path = REPO / (module.replace(".", "/") + ".py")
    if not path.is_file():
        path = REPO / module.replace(".", "/") / "__init__.py"
    if not path.is_file() or str(path.relative_to(REPO)) in found:
        return found
    found.add(str(path.relative_to(REPO)))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("pipeline"):
                _pipeline_imports(name, found)
    return found


def test_every_stage_depends_on_each_module_its_command_imports():
    """A change to a module a stage runs must rerun the stage: otherwise `dvc repro` keeps stale outputs."""
    import re

    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name, stage in stages.items():
        deps = [d if isinstance(d, str) else next(iter(d)) for d in stage.get("deps", [])]
        found: set[str] = set()
        for module in re.findall(r"-m (pipeline[\w.]*)", stage["cmd"]):
            _pipeline_imports(module, found)
        uncovered = sorted(f for f in found if not any(f == d or f.startswith(d.rstrip("/") + "/") for d in deps))
        assert not uncovered, f"dvc.yaml stage {name}: imports {', '.join(uncovered)} but does not depend on them"
