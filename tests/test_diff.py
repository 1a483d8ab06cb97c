"""pipeline.diff: what changed between two canonical tables, as Markdown, JSON and report HTML."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline import diff
from pipeline.sources.registry import slugify
from tests.conftest import REPO

COLUMNS = ["model_id", "name", "organization", "params_total", "sources", "params_total_source"]
OLD_ROWS = [
    ["alpha", "Alpha", "Lab A", "7000000000.0", "registry", "registry"],
    ["beta", "Beta", "Lab B", "1.5e+11", "epoch | registry", "epoch"],
    ["gone", "Gone", "Lab C", "", "registry", ""],
]
NEW_ROWS = [
    ["alpha", "Alpha", "Lab A2", "7e9", "registry", "registry"],  # same number, other text
    ["beta", "Beta", "Lab B", "150000000000.0", "epoch | registry", "registry"],  # source only
    ["new-one", "New <One>", "Lab D", "8e9", "registry", "registry"],
]


def _csv(rows: list[list[str]], columns: list[str] = COLUMNS) -> str:
    return pd.DataFrame(rows, columns=columns).to_csv(index=False, lineterminator="\n")


def _compare(old_rows=OLD_ROWS, new_rows=NEW_ROWS) -> dict:
    return diff.compare(diff.parse_table(_csv(old_rows), "old"), diff.parse_table(_csv(new_rows), "new"), "v1", "v2")


def test_compare_lists_added_removed_and_changed_fields():
    changes = _compare()
    assert changes["added"] == [{"model_id": "new-one", "name": "New <One>"}]
    assert changes["removed"] == [{"model_id": "gone", "name": "Gone"}]
    assert [entry["model_id"] for entry in changes["changed"]] == ["alpha", "beta"]
    alpha, beta = changes["changed"]
    # 7000000000.0 and 7e9 are the same number: only the organization changed.
    assert alpha["fields"] == [{"field": "organization", "unit": None, "old": "Lab A", "new": "Lab A2",
                                "old_source": None, "new_source": None}]
    # A change of source alone is a change, shown with both sources.
    assert beta["fields"] == [{"field": "params_total", "unit": "parameters", "old": "1.5e+11",
                               "new": "150000000000.0", "old_source": "epoch", "new_source": "registry"}]
    assert (changes["old"], changes["new"]) == ({"label": "v1", "models": 3}, {"label": "v2", "models": 3})


def test_identical_tables_have_no_changes():
    changes = _compare(OLD_ROWS, OLD_ROWS)
    assert changes["added"] == changes["removed"] == changes["changed"] == []
    assert diff.render_markdown(changes) == "v2 (compared with v1): 3 → 3 models; 0 added, 0 removed, 0 changed.\n"


def test_markdown_shows_each_field_with_old_new_value_unit_and_source():
    text = diff.render_markdown(_compare())
    assert text.startswith("v2 (compared with v1): 3 → 3 models; 1 added, 1 removed, 2 changed.\n")
    assert "### Added (1)\n\n- New \\<One\\> (`new-one`)\n" in text  # names cannot inject Markdown or HTML
    assert "### Removed (1)\n\n- Gone (`gone`)\n" in text
    assert "- Alpha (`alpha`)\n  - organization: Lab A → Lab A2\n" in text
    assert "  - params_total (parameters): 1.5e+11 → 1.5e+11 (source: epoch → registry)\n" in text


def test_first_release_lists_every_model_as_added():
    new = diff.parse_table(_csv(NEW_ROWS), "new")
    changes = diff.compare(new.head(0), new, None, "v1")
    assert [entry["model_id"] for entry in changes["added"]] == ["alpha", "beta", "new-one"]
    assert diff.summary_line(changes) == \
        "v1 (first release: every model is new): 0 → 3 models; 3 added, 0 removed, 0 changed."


def test_columns_added_or_removed_are_reported_not_compared():
    old = diff.parse_table(_csv([row[:4] for row in OLD_ROWS], COLUMNS[:4]), "old")
    new = diff.parse_table(_csv(OLD_ROWS), "new")
    changes = diff.compare(old, new, "v1", "v2")
    assert changes["columns_added"] == ["sources", "params_total_source"]
    assert changes["changed"] == []
    assert "### Columns added\n\n- `sources`\n- `params_total_source`" in diff.render_markdown(changes)


def test_repeated_model_id_is_refused():
    with pytest.raises(ValueError, match="model_id not unique: alpha"):
        diff.parse_table(_csv([OLD_ROWS[0], OLD_ROWS[0]]), "old.csv")


def test_cli_prints_json_and_markdown_for_files(tmp_path, capsys):
    (tmp_path / "old.csv").write_text(_csv(OLD_ROWS), encoding="utf-8")
    (tmp_path / "new.csv").write_text(_csv(NEW_ROWS), encoding="utf-8")
    old, new = str(tmp_path / "old.csv"), str(tmp_path / "new.csv")
    diff.main([old, new, "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == diff.compare(diff.load_table(old), diff.load_table(new), old, new)
    diff.main([old, new])
    assert capsys.readouterr().out == diff.render_markdown(printed)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
                   cwd=repo, check=True, capture_output=True)


def test_cli_reads_git_revisions(tmp_path, monkeypatch, capsys):
    table = tmp_path / "processed" / "models.csv"
    table.parent.mkdir()
    _git(tmp_path, "init", "-q")
    for rows in (OLD_ROWS, NEW_ROWS):
        table.write_text(_csv(rows), encoding="utf-8")
        _git(tmp_path, "add", "-A")
        _git(tmp_path, "commit", "-q", "-m", "table")
    monkeypatch.chdir(tmp_path)
    diff.main(["HEAD~1", "HEAD:processed/models.csv", "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert [entry["model_id"] for entry in printed["added"]] == ["new-one"]
    assert printed["old"]["label"] == "HEAD~1"
    diff.main(["HEAD~1", "--json"])  # NEW defaults to the working table
    assert json.loads(capsys.readouterr().out)["changed"] == printed["changed"]
    with pytest.raises(SystemExit, match="'no-such-tag' is neither a file nor a git revision"):
        diff.main(["no-such-tag", "HEAD"])


def test_report_section_escapes_names_and_shortens_long_lists():
    many = [[f"m-{i:02d}", f"<b>M{i}</b>", "", "", "registry", ""] for i in range(diff.REPORT_LIST_LIMIT + 5)]
    new = diff.parse_table(_csv(many), "new")
    section = diff.render_html({"release": "v1", "changes": diff.compare(new.head(0), new, None, "v1")})
    assert section.startswith("<h2>Changes since the previous release</h2>")
    assert "&lt;b&gt;M0&lt;/b&gt;" in section and "<b>M0" not in section
    assert section.count("<li>") == diff.REPORT_LIST_LIMIT + 1
    assert "… and 5 more (see CHANGELOG.md)" in section
    assert "No release yet" in diff.render_html({"release": None, "changes": None})


# -- acceptance 4: the models Epoch AI added between two snapshots of its notable models ----------

EPOCH_SNAPSHOTS = (("notable_ai_models_2024-09-19.csv", "System"), ("notable_ai_models_2025-02-24.csv", "Model"))


def canonical_from_epoch(path: Path, name_column: str) -> pd.DataFrame:
    """A minimal canonical-shaped table: rows without a name dropped, the first of a repeated slug kept."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = pd.DataFrame({
        "model_id": raw[name_column].map(slugify),
        "name": raw[name_column].str.strip(),
        "publication_date": raw["Publication date"],
        "params_total": raw["Parameters"],
    })
    return table[table["model_id"] != ""].drop_duplicates("model_id", keep="first")


def _slugs_in(path: Path, name_column: str) -> set[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {slugify(row[name_column]) for row in csv.DictReader(handle)} - {""}


def test_diff_of_epoch_snapshots_lists_the_models_added(epoch_dir, tmp_path, capsys):
    (old_name, old_column), (new_name, new_column) = EPOCH_SNAPSHOTS
    if not (epoch_dir / old_name).is_file() or not (epoch_dir / new_name).is_file():
        pytest.skip("the two Epoch notable-model snapshots are not both present")
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    canonical_from_epoch(epoch_dir / old_name, old_column).to_csv(old, index=False)
    canonical_from_epoch(epoch_dir / new_name, new_column).to_csv(new, index=False)

    diff.main([str(old), str(new), "--json"])
    changes = json.loads(capsys.readouterr().out)

    # Independently: plain set arithmetic on the slugs of the names in each file.
    old_slugs, new_slugs = _slugs_in(epoch_dir / old_name, old_column), _slugs_in(epoch_dir / new_name, new_column)
    assert {entry["model_id"] for entry in changes["added"]} == new_slugs - old_slugs
    assert {entry["model_id"] for entry in changes["removed"]} == old_slugs - new_slugs
    assert len(changes["added"]) == len(new_slugs - old_slugs) > 0
    net_added = len(new_slugs - old_slugs) - len(old_slugs - new_slugs)
    assert changes["new"]["models"] - changes["old"]["models"] == net_added


def test_release_paths_are_where_dvc_yaml_writes_and_reads_them():
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]

    def named(entries: list) -> set[str]:
        return {entry if isinstance(entry, str) else next(iter(entry)) for entry in entries}

    published = {diff.PIPELINE_PATHS[name] for name in ("models_csv", "models_parquet", "provenance", "matches", "conflicts")}
    assert published <= named(stages["merge"]["outs"])
    assert diff.PIPELINE_PATHS["changes"] in named(stages["report"]["deps"])
