"""Citable releases: the rules of pipeline.release and the data package, then two real
releases in a temporary copy of the repository (changelog, tags, CITATION.cff, dvc get,
a DVC remote, refusals)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import diff, release
from pipeline.datapackage import build_package, table_schema
from pipeline.schema import CanonicalModel, Conflict, canonical_columns
from tests.conftest import REPO, copy_working_tree

FIRST, SECOND = "2026.11.0", "2026.12.0"
SECOND_DATE = "2026-12-01"


def _cff_problems(text: str) -> list[str]:
    schema = json.loads(release.CFF_SCHEMA.read_text(encoding="utf-8"))
    return release.citation_problems(yaml.safe_load(text), schema)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- rules (fast) -------------------------------------------------------------


def test_repository_citation_file_is_valid_cff():
    assert _cff_problems((REPO / "CITATION.cff").read_text(encoding="utf-8")) == []


def test_cff_schema_catches_what_github_would_reject():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    broken = {**citation, "date-released": "22/11/2026", "licence": "CC-BY-4.0"}
    del broken["title"]
    problems = " ".join(_cff_problems(yaml.safe_dump(broken)))
    assert "'title' is a required property" in problems
    assert "date-released" in problems and "'licence' was unexpected" in problems


def test_citation_gets_version_and_date_everywhere_keeping_comments():
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    released = release.citation_with_release(text, FIRST, "2026-11-22")
    citation = yaml.safe_load(released)
    for part in (citation, citation["preferred-citation"]):
        assert (part["version"], part["date-released"]) == (FIRST, "2026-11-22")
    assert [line for line in released.splitlines() if line.startswith("#")] == \
        [line for line in text.splitlines() if line.startswith("#")]
    again = release.citation_with_release(released, SECOND, SECOND_DATE)
    assert again == release.citation_with_release(text, SECOND, SECOND_DATE)
    assert _cff_problems(again) == []


def test_versions_must_be_well_formed_and_increasing():
    assert release.previous_release([], FIRST) is None
    assert release.previous_release(["v2026.9.0", "v2026.10.2", "v2026.02.0", "other"], FIRST) == "v2026.10.2"
    with pytest.raises(release.ReleaseRefused, match="not above the latest release v2026.11.0"):
        release.previous_release(["v2026.11.0"], FIRST)
    for bad in ("2026.13.0", "26.11.0", "2026.11", "2026.11.01", "v2026.11.0"):
        with pytest.raises(release.ReleaseRefused, match="is not YYYY.MM.N"):
            release.parse_version(bad)


def test_release_date_must_be_a_real_date():
    assert release.check_date("2026-11-22") == "2026-11-22"
    for bad in ("2026-02-30", "22/11/2026", "20261122", ""):
        with pytest.raises(release.ReleaseRefused, match="is not a date written YYYY-MM-DD"):
            release.check_date(bad)


def test_changelog_puts_the_newest_release_first():
    header = "# Changelog\n\nIntro.\n"
    once = release.changelog_with_section(header, "## v1 (d)\n\nfirst\n")
    twice = release.changelog_with_section(once, "## v2 (d)\n\nsecond\n")
    assert twice == "# Changelog\n\nIntro.\n\n## v2 (d)\n\nsecond\n\n## v1 (d)\n\nfirst\n"


def test_refusal_messages():
    assert release.refusal_for_git_status("") is None
    message = release.refusal_for_git_status(" M raw/registry/2023.yaml\n?? notes.txt\n")
    assert "uncommitted changes" in message and "raw/registry/2023.yaml, notes.txt" in message
    assert release.refusal_for_dvc_status({}) is None
    assert "merge, parse" in release.refusal_for_dvc_status({"parse": [], "merge": []})


def test_table_schema_comes_from_the_pandera_schema():
    schema = table_schema()
    columns = CanonicalModel.to_schema().columns
    assert [field["name"] for field in schema["fields"]] == canonical_columns()
    by_name = {field["name"]: field for field in schema["fields"]}
    for name, field in by_name.items():
        assert field["description"] == columns[name].description != ""
    assert by_name["params_total"]["unit"] == "parameters" and by_name["params_total"]["type"] == "number"
    assert by_name["training_compute_flop"]["unit"] == "FLOP"
    assert by_name["publication_date"]["type"] == "date"
    assert by_name["model_id"]["constraints"]["unique"] is True
    assert by_name["domain"]["constraints"]["enum"][0] == "Language"
    assert by_name["mmlu"]["constraints"] == {"minimum": 0, "maximum": 100}


def test_package_records_size_and_sha256_of_each_table(tmp_path):
    tables = [tmp_path / "models.csv", tmp_path / "models.parquet"]
    tables[0].write_text("model_id\nx\n", encoding="utf-8")
    tables[1].write_bytes(b"PAR1")
    citation = {"title": "modelscale", "license": "CC-BY-4.0"}
    package = build_package(tmp_path / "datapackage.json", tables, citation, FIRST, "2026-11-22")
    assert [(r["name"], r["path"], r["bytes"], r["hash"]) for r in package["resources"]] == [
        ("models", "models.csv", 11, f"sha256:{_sha256(tables[0])}"),
        ("models-parquet", "models.parquet", 4, f"sha256:{_sha256(tables[1])}"),
    ]
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["version"] == FIRST


def test_makefile_targets_call_the_modules():
    dry_run = subprocess.run(["make", "-n", "-o", "setup", "release", f"VERSION={FIRST}", "DATE=2026-11-22"],
                             cwd=REPO, capture_output=True, text=True)
    assert f"python -m pipeline.release {FIRST} --date 2026-11-22" in dry_run.stdout
    missing = subprocess.run(["make", "-n", "-o", "setup", "release"], cwd=REPO, capture_output=True, text=True)
    assert missing.returncode != 0 and "VERSION=YYYY.MM.N is required" in missing.stderr
    dry_run = subprocess.run(["make", "-n", "-o", "setup", "diff", "OLD=v2026.11.0"], cwd=REPO,
                             capture_output=True, text=True)
    assert "python -m pipeline.diff v2026.11.0" in dry_run.stdout


# -- two real releases in a temporary copy (slow) ------------------------------

TEST_MODELS = """\
models:
  - name: Release Test LM
    organization: Example Lab
    publication_date: "2024-03-01"
    domain: Language
    params_total: {params}
    url: https://example.org/release-test-lm
    evidence:
      params_total: "a {words}-parameter model"
"""
ADDED_MODEL = """\
  - name: Release Test LM 2
    organization: Example Lab
    publication_date: "2024-04-01"
    domain: Language
    url: https://example.org/release-test-lm-2
"""
TEST_REGISTRY_FILE = "raw/registry/zz-release-test.yaml"
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Release Test", "GIT_AUTHOR_EMAIL": "release@example.org",
                "GIT_COMMITTER_NAME": "Release Test", "GIT_COMMITTER_EMAIL": "release@example.org"}


def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_IDENTITY, "DVC_NO_ANALYTICS": "1",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _digests(root: Path) -> dict[str, str]:
    files = sorted(p for folder in ("raw", "processed", "reports") for p in (root / folder).rglob("*") if p.is_file())
    return {str(p.relative_to(root)): _sha256(p) for p in files}


def _release(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "pipeline.release", *args], root, check=check)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the working tree (as git lists it) with a DVC remote, built, then released twice:
    FIRST, then SECOND after one registry change (a number changed, a model added)."""
    root = tmp_path_factory.mktemp("project")
    copy_working_tree(root)
    (root / TEST_REGISTRY_FILE).write_text(TEST_MODELS.format(params="7.0e+9", words="7B"), encoding="utf-8")
    _run(["git", "init", "-q", "-b", "main"], root)
    _run(["dvc", "remote", "add", "-d", "storage", str(tmp_path_factory.mktemp("dvc-remote"))], root)
    _run(["dvc", "repro"], root)
    _run(["git", "add", "--all"], root)
    _run(["git", "commit", "-q", "-m", "Build"], root)

    _release(root, FIRST)
    (root / TEST_REGISTRY_FILE).write_text(
        TEST_MODELS.format(params="8.0e+9", words="8B") + ADDED_MODEL, encoding="utf-8")
    _run(["dvc", "repro"], root)
    _run(["git", "commit", "-q", "-a", "-m", "Registry: Release Test LM is 8B; add Release Test LM 2"], root)
    _release(root, SECOND, "--date", SECOND_DATE)
    return root


def _at(root: Path, tag: str, path: str) -> str:
    return _run(["git", "show", f"v{tag}:{path}"], root).stdout


@pytest.mark.dvc
def test_second_changelog_lists_exactly_the_registry_change(project):
    changes = json.loads(_run([sys.executable, "-m", "pipeline.diff", f"v{FIRST}", f"v{SECOND}", "--json"],
                              project).stdout)
    assert changes["added"] == [{"model_id": "release-test-lm-2", "name": "Release Test LM 2"}]
    assert changes["removed"] == []
    assert changes["changed"] == [{"model_id": "release-test-lm", "name": "Release Test LM", "fields": [
        {"field": "params_total", "unit": "parameters", "old": "7000000000.0", "new": "8000000000.0",
         "old_source": "registry", "new_source": "registry"}]}]

    markdown = diff.render_markdown(changes)  # what `python -m pipeline.diff` prints without --json
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## v{SECOND} ({SECOND_DATE})\n\n{markdown}" in changelog
    assert "  - params_total (parameters): 7e+09 → 8e+09 (source: registry)\n" in markdown
    first_models = len(diff.parse_table(_at(project, FIRST, "processed/models.csv"), FIRST))
    assert changelog.index(f"## v{SECOND}") < changelog.index(f"## v{FIRST}")
    assert f"v{FIRST} (first release: every model is new): 0 → {first_models} models; {first_models} added" in changelog


@pytest.mark.dvc
def test_tags_are_annotated_and_citation_is_valid_at_each(project):
    first_date = _run(["git", "log", "-1", "--format=%cs", f"v{FIRST}^"], project).stdout.strip()
    for version, date in ((FIRST, first_date), (SECOND, SECOND_DATE)):
        assert _run(["git", "cat-file", "-t", f"v{version}"], project).stdout.strip() == "tag"
        text = _at(project, version, "CITATION.cff")
        assert _cff_problems(text) == []
        citation = yaml.safe_load(text)
        assert (citation["version"], citation["date-released"]) == (version, date)
        package = json.loads(_at(project, version, "processed/datapackage.json"))
        assert (package["version"], package["created"]) == (version, f"{date}T00:00:00Z")
    assert _run(["git", "status", "--porcelain"], project).stdout == ""


@pytest.mark.dvc
def test_pinned_release_by_dvc_get_import_or_git_has_the_bytes_its_datapackage_records(project, tmp_path):
    package = json.loads(_at(project, FIRST, "processed/datapackage.json"))
    recorded = next(r for r in package["resources"] if r["path"] == "models.csv")
    _run(["dvc", "get", str(project), "processed/models.csv", "--rev", f"v{FIRST}", "-o", "got.csv"], tmp_path)
    downstream = tmp_path / "downstream"  # a DVC project of a user of the data
    downstream.mkdir()
    _run(["git", "init", "-q"], downstream)
    _run(["dvc", "init", "-q"], downstream)
    _run(["dvc", "import", str(project), "processed/models.csv", "--rev", f"v{FIRST}", "-o", "models.csv"], downstream)
    _run(["git", "clone", "-q", "--depth", "1", "--branch", f"v{FIRST}", f"file://{project}", "plain"], tmp_path)
    for fetched in (tmp_path / "got.csv", downstream / "models.csv", tmp_path / "plain" / "processed" / "models.csv"):
        assert recorded["hash"] == f"sha256:{_sha256(fetched)}", fetched
        assert recorded["bytes"] == fetched.stat().st_size
    assert _sha256(tmp_path / "got.csv") != _sha256(project / "processed" / "models.csv")  # pinned, not latest


@pytest.mark.dvc
def test_report_and_dvc_metrics_show_what_moved_between_tags(project, tmp_path):
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "<h2>Changes since the previous release</h2>" in html
    assert f"v{SECOND} (compared with v{FIRST})" in html and "Release Test LM 2" in html
    metrics = json.loads(_run(["dvc", "metrics", "diff", f"v{FIRST}", f"v{SECOND}", "--json"], project).stdout)
    n_models = metrics["reports/metrics.json"]["n_models"]
    assert n_models["new"] - n_models["old"] == 1
    plots = _run(["dvc", "plots", "diff", f"v{FIRST}", f"v{SECOND}", "--json", "-o", str(tmp_path)], project).stdout
    assert "frontier.csv" in plots and f"v{FIRST}" in plots


@pytest.mark.dvc
def test_fresh_clone_at_tag_pulls_and_reproduces_identical_bytes(project, tmp_path):
    _run(["dvc", "push"], project)
    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", str(project), str(clone)], tmp_path)
    _run(["git", "checkout", "-q", f"v{SECOND}"], clone)
    _run(["dvc", "pull"], clone)
    output = _run(["dvc", "repro"], clone).stdout
    stages = _run(["dvc", "stage", "list", "--name-only"], clone).stdout.split()
    assert "Running stage" not in output
    assert [stage for stage in stages if f"Stage '{stage}' didn't change" not in output] == []
    assert _run(["dvc", "status", "--json"], clone).stdout.strip() == "{}"
    assert _run(["git", "status", "--porcelain"], clone).stdout == ""
    assert _digests(clone) == _digests(project)


@pytest.mark.dvc
def test_release_with_uncommitted_changes_is_refused_and_changes_nothing(project):
    registry_file = project / TEST_REGISTRY_FILE
    original = registry_file.read_text(encoding="utf-8")
    registry_file.write_text(original + "  # an uncommitted edit\n", encoding="utf-8")
    state = lambda: (_run(["git", "status", "--porcelain"], project).stdout,  # noqa: E731
                     _run(["git", "rev-parse", "HEAD"], project).stdout,
                     _run(["git", "tag", "--list"], project).stdout, _digests(project),
                     _sha256(project / "CHANGELOG.md"), _sha256(project / "CITATION.cff"))
    before = state()
    try:
        refused = _run(["make", "-o", "setup", "release", "VERSION=2027.01.0"], project, check=False)
        assert refused.returncode != 0
        assert f"release: refused: uncommitted changes in the git tree ({TEST_REGISTRY_FILE})" in refused.stderr
        assert state() == before
    finally:
        registry_file.write_text(original, encoding="utf-8")


@pytest.mark.dvc
def test_release_with_a_stale_stage_or_an_old_version_is_refused(project):
    head = _run(["git", "rev-parse", "HEAD"], project).stdout.strip()
    try:
        refused = _release(project, "2026.11.1", check=False)
        assert refused.returncode != 0 and f"not above the latest release v{SECOND}" in refused.stderr
        registry_file = project / TEST_REGISTRY_FILE
        registry_file.write_text(registry_file.read_text(encoding="utf-8").replace("8.0e+9", "9.0e+9"),
                                 encoding="utf-8")
        _run(["git", "commit", "-q", "-a", "-m", "Registry change without dvc repro"], project)
        refused = _release(project, "2027.01.0", check=False)
        assert refused.returncode != 0
        assert "`dvc status` reports stages that are not up to date (parse)" in refused.stderr
        assert _run(["git", "tag", "--list"], project).stdout.split() == [f"v{FIRST}", f"v{SECOND}"]
    finally:
        _run(["git", "reset", "-q", "--hard", head], project)


def test_side_tables_are_described_by_their_own_schemas(tmp_path):
    tables = []
    for name, header in (("provenance", "model_id,field\n"), ("matches", "source,source_record\n"),
                         ("conflicts", "model_id,field\n")):
        tables.append(tmp_path / f"{name}.csv")
        tables[-1].write_text(header, encoding="utf-8")
    package = build_package(tmp_path / "datapackage.json", tables, {"title": "t", "license": "CC-BY-4.0"}, FIRST,
                            "2026-11-22")
    schemas = {resource["name"]: resource["schema"] for resource in package["resources"]}
    assert schemas["provenance"]["primaryKey"] == ["model_id", "field"]
    assert schemas["matches"]["primaryKey"] == ["source", "source_record"]
    assert [field["name"] for field in schemas["conflicts"]["fields"]] == list(Conflict.to_schema().columns)
    rule = next(field for field in schemas["matches"]["fields"] if field["name"] == "rule")
    assert "fuzzy" in rule["constraints"]["enum"] and rule["description"]
