"""The commands a user runs, as a user runs them: in a fresh interpreter, with bad arguments
and bad files. Each refuses with exit status 1 (2 for a usage error) and one line on
stderr that names the problem, never a traceback; and what they leave behind never
blocks a release.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline import extract, release
from tests.conftest import REPO, copy_working_tree, write_registry

EPOCH_COLUMNS = "Model,Parameters,Publication date\n"
SIGPIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool whose reader went away


ENV = {**os.environ, "PYTHONPATH": str(REPO), "DVC_NO_ANALYTICS": "1",
       "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # this Python's dvc, and pipeline importable


def run_program(command: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=60)


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`python -m args…` in cwd, as a user types it."""
    return run_program([sys.executable, "-m", *args], cwd)


def assert_refused(result: subprocess.CompletedProcess, status: int, message: str) -> None:
    """Exit status `status`, and the whole of stderr is one line containing message."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == status, (result.returncode, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr


def assert_help(result: subprocess.CompletedProcess, command: str) -> None:
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith(f"usage: python -m pipeline.{command} "), result.stdout


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """The bad files every command is tried with."""
    empty, garbage, directory = tmp_path / "empty.csv", tmp_path / "garbage.csv", tmp_path / "folder"
    empty.write_bytes(b"")
    garbage.write_bytes(bytes(range(128, 256)) * 20)
    directory.mkdir()
    return {"missing": tmp_path / "missing.csv", "directory": directory, "empty": empty, "garbage": garbage}


# -- python -m pipeline.extract -----------------------------------------------------------------------


def _document(tmp_path: Path, files: dict[str, Path], case: str) -> Path | None:
    if case == "50-megabytes":
        (tmp_path / "huge.md").write_text("x" * 50_000_000, encoding="utf-8")
        return tmp_path / "huge.md"
    if case == "nested-html":
        (tmp_path / "nested.html").write_text("<html>" + "<div>" * 100_000, encoding="utf-8")
        return tmp_path / "nested.html"
    return files.get(case)


@pytest.mark.parametrize("case, status, message", [
    ("no-argument", 2, "extract: the following arguments are required: PATH_OR_URL"),
    ("missing", 1, "extract: cannot read {path}: FileNotFoundError"),
    ("directory", 1, "extract: cannot read {path}: IsADirectoryError"),
    ("50-megabytes", 1, "{path}: the document is too large or too complex to read (document of 50000000 characters"),
    ("nested-html", 1, "{path}: the document is too large or too complex to read (HTML nested more than"),
])
def test_extract_refuses_in_one_line(tmp_path, files, case, status, message):
    """Hostile: `python -m pipeline.extract` on a missing file, a directory, a 50 MB document or HTML
    nested 100,000 deep → one line on stderr naming the file and the reason, exit status 1 (2 without
    an argument)
    """
    path = _document(tmp_path, files, case)
    result = run("pipeline.extract", *([str(path)] if path else []))
    assert_refused(result, status, message.format(path=path))


def test_extract_help_and_documents_without_models(files):
    """Hostile: `python -m pipeline.extract` on an empty file or binary garbage → an empty JSON list,
    exit status 0
    """
    assert_help(run("pipeline.extract", "--help"), "extract")
    for case in ("empty", "garbage"):
        result = run("pipeline.extract", str(files[case]))
        assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")
    assert extract.MAX_DOCUMENT_CHARS < 50_000_000


# -- python -m pipeline.crosscheck ---------------------------------------------------------------------


@pytest.fixture
def crosscheck_inputs(tmp_path) -> dict[str, Path]:
    registry = tmp_path / "registry"
    write_registry(registry, """\
        models:
          - name: Model A
            publication_date: "2020-05-28"
            domain: Language
            params_total: 1.0e+9
            url: https://example.org/a
            evidence:
              params_total: "a 1B model"
        """)
    epoch = tmp_path / "epoch.csv"
    epoch.write_text(EPOCH_COLUMNS + "Model A,1000000000,2020-05-28\n", encoding="utf-8")
    columns = tmp_path / "columns.csv"
    columns.write_text("System,Domain\nModel A,Language\n", encoding="utf-8")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("names:\n  model-a: [unclosed\n", encoding="utf-8")
    return {"registry": registry, "epoch": epoch, "columns": columns, "list": listed, "broken": broken,
            "out": tmp_path / "out" / "crosscheck.csv", "none": tmp_path / "none.yaml"}


@pytest.mark.parametrize("arguments, status, message", [
    ([], 2, "crosscheck: the following arguments are required: --epoch"),
    (["--epoch", "{missing}"], 1, "crosscheck: {missing}: no such Epoch snapshot file"),
    (["--epoch", "{directory}"], 1, "crosscheck: {directory}: no snapshot named …YYYY-MM-DD….csv"),
    (["--epoch", "{empty}"], 1, "crosscheck: {empty}: empty, not a CSV file with a header"),
    (["--epoch", "{garbage}"], 1, "crosscheck: {garbage}: not UTF-8 text (invalid start byte at byte 0)"),
    (["--epoch", "{columns}"], 1, "crosscheck: {columns}: missing column(s) Parameters, Publication date"),
    (["--epoch", "{epoch}", "--registry", "{missing}"], 1, "{missing}: not a directory of registry files (*.yaml)"),
    (["--epoch", "{epoch}", "--name-map", "{list}"], 1, "{list}: a name map is a mapping with a 'names:' mapping"),
    (["--epoch", "{epoch}", "--name-map", "{broken}"], 1, "{broken}:3: not valid YAML ("),
    (["--epoch", "{epoch}", "--exceptions", "{list}"], 1, "{list}: an exceptions file is a mapping with an 'exceptions:'"),
    (["--epoch", "{epoch}", "--exceptions", "{garbage}"], 1, "{garbage}: not UTF-8 text"),
    (["--epoch", "{epoch}", "--out", "{directory}"], 1, "--out {directory} is a directory"),
])
def test_crosscheck_refuses_in_one_line(files, crosscheck_inputs, arguments, status, message):
    """Hostile: `python -m pipeline.crosscheck` on a missing, empty, binary or directory Epoch file, a
    CSV without the name, parameters or date column, a missing registry, a name map or exceptions file
    that is not YAML or not a mapping, an --out that is a directory → one line naming the file (and the
    missing columns), exit status 1, nothing written
    """
    paths = {name: str(path) for name, path in {**files, **crosscheck_inputs}.items()}
    defaults = ["--registry", paths["registry"], "--name-map", paths["none"], "--exceptions", paths["none"],
                "--out", paths["out"]] if arguments else []
    result = run("pipeline.crosscheck", *defaults, *(argument.format(**paths) for argument in arguments))
    assert_refused(result, status, message.format(**paths))
    assert not crosscheck_inputs["out"].exists()


def test_crosscheck_help_and_the_names_of_missing_columns(crosscheck_inputs):
    """Hostile: an Epoch CSV without its name column, to `python -m pipeline.crosscheck` → the message names both
    spellings it accepts (Model or System) and every other column missing
    """
    assert_help(run("pipeline.crosscheck", "--help"), "crosscheck")
    nameless = crosscheck_inputs["columns"].with_name("nameless.csv")
    nameless.write_text("Parameters\n1\n", encoding="utf-8")
    result = run("pipeline.crosscheck", "--epoch", str(nameless), "--registry", str(crosscheck_inputs["registry"]))
    assert_refused(result, 1, f"{nameless}: missing column(s) Model or System, Publication date")


# -- python -m pipeline.diff ---------------------------------------------------------------------------


def _table(path: Path, rows: int, params: str = "7e9") -> Path:
    pd.DataFrame({"model_id": [f"m-{i}" for i in range(rows)], "name": [f"M {i}" for i in range(rows)],
                  "params_total": params}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("case, status, message", [
    ("no-argument", 2, "diff: the following arguments are required: old"),
    ("missing", 1, "diff: '{path}' is neither a file nor a git revision with the table"),
    ("directory", 1, "diff: '{path}' is a directory, not a table"),
    ("empty", 1, "diff: {path}: empty, not a CSV table with a header"),
    ("garbage", 1, "diff: {path}: not UTF-8 text"),
    ("no-key", 1, "diff: {path}: no model_id column"),
    ("not-a-number", 1, "diff: {path}: row 1 (model_id m-0): params_total 'seven' is not a number"),
])
def test_diff_refuses_in_one_line(tmp_path, files, case, status, message):
    """Hostile: `python -m pipeline.diff` on a missing, empty, binary or directory table, one without
    model_id, or a number column holding text → one line naming the file (and the row), exit status 1
    """
    files["no-key"] = tmp_path / "no-key.csv"
    files["no-key"].write_text("name\nA\n", encoding="utf-8")
    files["not-a-number"] = _table(tmp_path / "text.csv", 1, params="seven")
    good = _table(tmp_path / "good.csv", 1)
    path = files.get(case)
    result = run("pipeline.diff", *([str(path), str(good)] if path else []))
    assert_refused(result, status, message.format(path=path))


def test_diff_stops_quietly_when_its_reader_stops(tmp_path):
    """Hostile: a reader that stops early (`python -m pipeline.diff --json OLD NEW | head`) → diff ends
    without a word, exit status 141 as a Unix tool killed by SIGPIPE
    """
    assert_help(run("pipeline.diff", "--help"), "diff")
    old, new = _table(tmp_path / "old.csv", 0), _table(tmp_path / "new.csv", 5000)  # ~1 MB: more than a pipe holds
    process = subprocess.Popen([sys.executable, "-m", "pipeline.diff", "--json", str(old), str(new)], cwd=REPO,
                               env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline() == b"{\n"
    process.stdout.close()
    stderr = process.stderr.read()
    assert (process.wait(timeout=60), stderr) == (SIGPIPE_STATUS, b"")


# -- python -m pipeline.release ------------------------------------------------------------------------


@pytest.mark.parametrize("arguments, status, message", [
    ([], 2, "release: the following arguments are required: version"),
    (["2026.13.0"], 1, "release: refused: version '2026.13.0' is not YYYY.MM.N (e.g. 2026.11.0)"),
    (["2026.12.0", "--date", "2026-13-45"], 1, "release: refused: release date '2026-13-45' is not a date"),
    (["2026.12.0"], 1, "release: failed: git tag --list failed: fatal: not a git repository"),
])
def test_release_refuses_in_one_line(tmp_path, arguments, status, message):
    """Hostile: `python -m pipeline.release` with no version, a version or date that is not real, or
    outside a git repository → one line, exit status 1 (2 without a version), nothing written
    """
    result = run("pipeline.release", *arguments, cwd=tmp_path)
    assert_refused(result, status, message)
    assert list(tmp_path.iterdir()) == []


# -- python -m pipeline.docs ---------------------------------------------------------------------------


def test_docs_refuses_in_one_line(tmp_path):
    """Hostile: `python -m pipeline.docs` with an unknown option, or run outside the repository (no
    README.md) → one line, exit status 2 or 1
    """
    assert_help(run("pipeline.docs", "--help"), "docs")
    assert_refused(run("pipeline.docs", "--bogus"), 2, "docs: unrecognized arguments: --bogus")
    assert_refused(run("pipeline.docs", "--check", cwd=tmp_path), 1, "docs: README.md: cannot read it")


# -- python -m pipeline.collect (pipeline/collect.py) --------------------------------------------------


@pytest.fixture
def collect_dir(tmp_path) -> Path:
    """A folder with the repository's params.yaml: collect writes only below it."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy2(REPO / "params.yaml", folder / "params.yaml")
    return folder


@pytest.mark.parametrize("arguments, message", [
    (["nosuch"], "collect: no live source 'nosuch' in params.yaml"),
    (["epoch", "--from-file", "{missing}", "--as-of", "2026-12-01"], "collect: epoch: [Errno 2] No such file"),
    (["epoch", "--from-file", "{directory}", "--as-of", "2026-12-01"], "collect: epoch: [Errno 21] Is a directory"),
    (["epoch", "--from-file", "{empty}", "--as-of", "2026-12-01"], "collect: epoch: empty.csv: empty body"),
    (["epoch", "--from-file", "{garbage}", "--as-of", "2026-12-01"], "collect: epoch: garbage.csv: layout changed"),
])
def test_collect_refuses_in_one_line(files, collect_dir, arguments, message):
    """Hostile: `python -m pipeline.collect` with an unknown source, or a --from-file that is missing,
    empty, binary or a directory → one line, exit status 1, params.yaml untouched and no snapshot folder
    """
    params = (collect_dir / "params.yaml").read_bytes()
    paths = {name: str(path) for name, path in files.items()}
    result = run("pipeline.collect", *(argument.format(**paths) for argument in arguments), cwd=collect_dir)
    assert_refused(result, 1, message)
    assert (collect_dir / "params.yaml").read_bytes() == params
    written = [path.relative_to(collect_dir).as_posix() for path in collect_dir.rglob("*") if path.is_file()
               or path.name.startswith(".staging")]
    assert written == ["params.yaml"]


@pytest.mark.parametrize("arguments, message", [
    (["--bogus"], "collect: unrecognized arguments: --bogus"),
    (["--bump-as-of", "2026-13-45"], "collect: --bump-as-of must be a real date written YYYY-MM-DD"),
])
def test_collect_usage_error_is_one_line(collect_dir, arguments, message):
    """Hostile: `python -m pipeline.collect` with an unknown option, or --bump-as-of 2026-13-45 → a usage
    error on one line, exit status 2, params.yaml untouched
    """
    params = (collect_dir / "params.yaml").read_bytes()
    assert_refused(run("pipeline.collect", *arguments, cwd=collect_dir), 2, message)
    assert (collect_dir / "params.yaml").read_bytes() == params


# -- python -m pipeline.sources.registry (pipeline/sources/registry.py) --------------------------------


@pytest.mark.parametrize("case, message", [
    ("garbage", "error: {path}: not valid UTF-8"),
    ("list", "error: {path}:1: a registry file is a mapping with a 'models:' list"),
])
def test_registry_check_refuses_in_one_line(tmp_path, files, case, message):
    """Hostile: `python -m pipeline.sources.registry` on a binary file or a YAML list → one line
    naming the file, exit status 1
    """
    files["list"] = tmp_path / "list.yaml"
    files["list"].write_text("- a\n", encoding="utf-8")
    files["garbage"] = files["garbage"].rename(tmp_path / "garbage.yaml")  # a registry file is *.yaml
    assert_refused(run("pipeline.sources.registry", str(files[case])), 1, message.format(path=files[case]))


@pytest.mark.parametrize("case", ["--help", "missing", "directory"])
def test_registry_check_help_and_unreadable_files(files, case):
    path = str(files.get(case, case))
    result = run("pipeline.sources.registry", path)
    if case == "--help":
        assert result.returncode == 0 and "usage:" in result.stdout
    else:
        assert_refused(result, 1, path)


# -- make targets --------------------------------------------------------------------------------------


@pytest.mark.parametrize("arguments, message", [
    (["release"], "VERSION=YYYY.MM.N is required"),
    (["diff"], "OLD=<tag, revision or file> is required"),
    (["release", "VERSION=2026.13.0"], "release: refused: version '2026.13.0' is not YYYY.MM.N"),
    (["diff", "OLD=no-such-tag"], "diff: 'no-such-tag' is neither a file nor a git revision"),
    (["update", "AS_OF=2026-13-45"], "collect: --bump-as-of must be a real date written YYYY-MM-DD"),
])
def test_make_targets_refuse_in_one_line(tmp_path, arguments, message):
    """Hostile: `make release`, `make diff` without their variable, or with a version, revision or
    AS_OF that is not real → the command's one line (then make's own "*** … Error" line), non-zero
    exit, params.yaml untouched
    """
    for name in ("Makefile", "params.yaml"):
        shutil.copy2(REPO / name, tmp_path / name)
    result = run_program(["make", "--no-print-directory", "-o", "setup", *arguments], tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    # make names itself make[N] when it runs under another make (`make test`).
    assert message in lines[0] and all(re.match(r"make(\[\d+\])?: \*\*\* ", line) for line in lines[1:]), result.stderr
    assert (tmp_path / "params.yaml").read_bytes() == (REPO / "params.yaml").read_bytes()
    assert run_program(["make", "help"], tmp_path).returncode == 0


# -- what the README's commands leave behind -----------------------------------------------------------


def test_crosscheck_report_and_dvc_plots_leave_the_tree_releasable(tmp_path, crosscheck_inputs):
    """Hostile: the README's `python -m pipeline.crosscheck --epoch FILE` and `dvc plots show` run
    before `make release` → their outputs (reports/crosscheck.csv, dvc_plots/) are ignored by git, so
    the release is not refused for uncommitted changes
    """
    project = copy_working_tree(tmp_path / "project")
    git = ["git", "-C", str(project), "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for command in (["init", "-q"], ["add", "--all"], ["commit", "-q", "-m", "copy"]):
        subprocess.run(git + command, check=True, capture_output=True)

    result = run("pipeline.crosscheck", "--epoch", str(crosscheck_inputs["epoch"]), cwd=project)
    assert result.returncode == 0 and "wrote reports/crosscheck.csv" in result.stdout, result.stdout + result.stderr
    assert (project / "reports" / "crosscheck.csv").is_file()
    plots = run_program(["dvc", "plots", "show"], project)
    assert plots.returncode == 0 and (project / "dvc_plots" / "index.html").is_file(), plots.stderr

    porcelain = subprocess.run(git + ["status", "--porcelain", "--untracked-files=all"], check=True,
                               capture_output=True, text=True).stdout
    assert release.refusal_for_git_status(porcelain) is None, porcelain
