"""Crash safety under DVC: a stage killed (SIGKILL) midway leaves no half-written output,
the next `dvc repro` completes with the bytes of an uninterrupted run, and two
`dvc repro` at once do not corrupt anything.

"Midway" is made deterministic by a `sitecustomize` module outside the repository
(on PYTHONPATH, for the test's processes only): in `pipeline.io.write_atomic`, just
before the rename onto the output named by CRASH_TEST_PAUSE_AT, it writes a marker
file and waits for a resume file. The test inspects the tree while the stage is
paused, then kills DVC's whole process group.

What DVC leaves behind, as observed with DVC 3.67: `.dvc/tmp/lock` (released by the
kernel when the process dies) and the killed run's entries in `.dvc/tmp/rwlock`; the
next run removes those with "had been killed. Auto removed it from the lock file."
DVC does not hold the repository lock while a stage command runs: a second
`dvc repro` meanwhile fails on the per-output rwlock ("is busy, it is being blocked
by"), or on the repository lock ("Unable to acquire lock") when it arrives while the
first one is between stages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_working_tree

pytestmark = pytest.mark.dvc

PAUSE_HOOK = '''
import os, sys, time
_pause_at = os.environ.get("CRASH_TEST_PAUSE_AT")
if _pause_at:
    _replace = os.replace

    def _paused_replace(src, dst, *args, **kwargs):
        caller = sys._getframe(1).f_code
        if (caller.co_name == "write_atomic" and caller.co_filename.endswith(os.path.join("pipeline", "io.py"))
                and os.path.basename(os.fspath(dst)) == _pause_at):
            with open(os.environ["CRASH_TEST_MARKER"], "w") as marker:
                marker.write(os.fspath(src))
            deadline = time.monotonic() + 300
            while not os.path.exists(os.environ["CRASH_TEST_RESUME"]) and time.monotonic() < deadline:
                time.sleep(0.05)
        return _replace(src, dst, *args, **kwargs)

    os.replace = _paused_replace
'''
# Each stage's outputs; the pause is at one of them, after the stage wrote others where it has several.
STAGE_OUTPUTS = {
    "parse": ["processed/observations/registry.parquet", "processed/observation_counts.json"],
    "validate": ["processed/observations_valid.parquet", "processed/quarantine.csv", "reports/validation.json"],
    "merge": ["processed/models.csv", "processed/models.parquet", "processed/provenance.csv",
              "processed/matches.csv", "processed/conflicts.csv"],
    "trends": ["reports/metrics.json", "reports/plots/frontier.csv"],
    "forecast": ["reports/backtest.json", "reports/forecast.json", "reports/plots/backtest.csv",
                 "reports/plots/size_density.csv"],
    "report": ["reports/figures", "reports/plots/data", "reports/plots/templates",
               "reports/index.html", "reports/summary.md"],
}
PAUSE_AT = {
    "parse": "registry.parquet",
    "validate": "quarantine.csv",
    "merge": "provenance.csv",
    "trends": "frontier.csv",
    "forecast": "forecast.json",  # the second output: backtest.json is complete, forecast.json is not
    "report": "mmlu_vs_training.svg",  # the second figure: one figure is complete, the page is not
}


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", **extra}


def _run(args: list[str], cwd: Path, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def _output_files(root: Path) -> list[Path]:
    """Files a reader looks at: the outputs, and the files in output folders except hidden temporaries."""
    found = []
    for output in (name for names in STAGE_OUTPUTS.values() for name in names):
        path = root / output
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not _is_temporary(p))
        elif path.exists():
            found.append(path)
    return found


def _digests(root: Path) -> dict[str, str]:
    files = _output_files(root) + [root / "dvc.lock"]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _assert_complete(path: Path) -> None:
    """The file is whole: it parses, or ends the way its format ends."""
    if path.suffix == ".parquet":
        pd.read_parquet(path)
    elif path.suffix == ".csv":
        assert path.read_bytes().endswith(b"\n"), path
        pd.read_csv(path)
    elif path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
    elif path.suffix == ".svg":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</svg>"), path
    elif path.suffix == ".png":
        assert path.read_bytes().endswith(b"IEND\xaeB`\x82"), path
    else:
        assert path.read_bytes().endswith(b"\n"), path


def _temporaries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tmp") if ".dvc" not in p.relative_to(root).parts)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The working tree as git sees it, as a new repository, built once without interruption."""
    root = tmp_path_factory.mktemp("project")
    copy_working_tree(root)
    _run(["git", "init", "-q"], root)
    _run(["dvc", "repro"], root)
    return root


@pytest.fixture(scope="module")
def hook(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hook")
    (directory / "sitecustomize.py").write_text(PAUSE_HOOK, encoding="utf-8")
    return directory


class PausedRepro:
    """`dvc repro` in its own process group, paused just before the rename onto pause_at."""

    def __init__(self, project: Path, hook: Path, pause_at: str, work: Path):
        self.marker, self.resume = work / f"paused-{pause_at}", work / f"resume-{pause_at}"
        env = _env(PYTHONPATH=str(hook), CRASH_TEST_PAUSE_AT=pause_at,
                   CRASH_TEST_MARKER=str(self.marker), CRASH_TEST_RESUME=str(self.resume))
        self.process = subprocess.Popen(["dvc", "repro"], cwd=project, env=env, start_new_session=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait_until_paused(self, timeout_s: float = 120) -> Path:
        deadline = time.monotonic() + timeout_s
        while not self.marker.exists():
            if self.process.poll() is not None:
                raise AssertionError(f"dvc repro ended before the pause:\n{self.process.stdout.read()}")
            assert time.monotonic() < deadline, "the stage never reached the paused rename"
            time.sleep(0.05)
        return Path(self.marker.read_text())

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # dvc, its shell and the stage: the group we started
        self.process.wait(timeout=30)

    def finish(self) -> str:
        self.resume.touch()
        output, _ = self.process.communicate(timeout=300)
        assert self.process.returncode == 0, output
        return output


def _remove_outputs(root: Path) -> None:
    """Every stage output, and DVC's cache (which would restore cached outputs instead of running)."""
    shutil.rmtree(root / ".dvc" / "cache", ignore_errors=True)
    for output in (name for names in STAGE_OUTPUTS.values() for name in names):
        path = root / output
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def test_killed_stages_leave_whole_outputs_and_repro_recovers(project, hook, tmp_path):
    """Hostile: a stage killed (SIGKILL) just before it renames an output into place, in each stage in turn → no
    half-written output; the next dvc repro gives the bytes of an uninterrupted run and removes the temporary
    files
    """
    # The reference is an uninterrupted run on this machine: the committed outputs may come from another, and
    # this test is about recovering from a kill, not about agreeing with another machine.
    _run(["dvc", "repro", "--force"], project)
    reference = _digests(project)
    _remove_outputs(project)
    # Each run resumes the stage the previous one killed and is killed in the next stage.
    for stage, pause_at in PAUSE_AT.items():
        run = PausedRepro(project, hook, pause_at, tmp_path)
        temporary = run.wait_until_paused()
        assert temporary.exists() and _is_temporary(temporary) and temporary.name.startswith(f".{pause_at}.")
        assert not temporary.with_name(pause_at).exists(), "DVC removes a stage's outputs before running it"
        run.kill()
        assert f"Running stage '{stage}'" in run.process.stdout.read()
        for path in _output_files(project):
            _assert_complete(path)

    recovered = _run(["dvc", "repro"], project)
    assert "had been killed. Auto removed it from the lock file" in recovered.stdout + recovered.stderr
    assert _digests(project) == reference
    assert _temporaries(project) == [], "a rewritten output removes what its killed writer left"
    assert "Running stage" not in _run(["dvc", "repro"], project).stdout


def test_second_concurrent_repro_is_refused_and_corrupts_nothing(project, hook, tmp_path):
    """Hostile: a second dvc repro while one is running → refused by DVC's locks; the first finishes with the bytes
    of a lone run
    """
    reference = _digests(project)
    (project / "processed" / "quarantine.csv").unlink()  # not cached by DVC: validate must run again
    first = PausedRepro(project, hook, "quarantine.csv", tmp_path)
    first.wait_until_paused()
    second = _run(["dvc", "repro"], project, check=False)
    assert second.returncode != 0
    message = second.stdout + second.stderr
    assert "is busy, it is being blocked by" in message or "Unable to acquire lock" in message, message
    first.finish()
    assert _digests(project) == reference
    assert _temporaries(project) == []
