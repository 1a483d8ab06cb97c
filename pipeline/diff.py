"""What changed between two versions of the canonical table (`processed/models.csv`).

    python -m pipeline.diff OLD [NEW] [--json]

OLD and NEW are each a file, a git revision (`v2026.11.0`, `HEAD~1`: the canonical
table at that revision) or `REVISION:PATH`; NEW defaults to the working table. The
Markdown printed is the data changelog that `make release` writes into CHANGELOG.md;
`--json` prints the same facts as JSON. Run it at the repository root.

Models are matched by model_id. A model has changed when one of its fields has: for
the fields whose source is recorded (`<field>_source`), a change of source alone
counts too, and both sources are shown. Numbers are compared as numbers (7e9 equals
7000000000.0), everything else as the text in the file.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import cli
from pipeline.markup import markdown_code, markdown_text
from pipeline.schema import CanonicalModel

# Where dvc.yaml writes the published tables and make release the change list (a test checks).
PIPELINE_PATHS = {
    "models_csv": "processed/models.csv",
    "models_parquet": "processed/models.parquet",
    "provenance": "processed/provenance.csv",
    "matches": "processed/matches.csv",
    "conflicts": "processed/conflicts.csv",
    "changes": "reports/changes.json",
}
KEY = "model_id"
SOURCE_SUFFIX = "_source"
_COLUMNS = CanonicalModel.to_schema().columns
NUMERIC_COLUMNS = frozenset(name for name, column in _COLUMNS.items() if str(column.dtype).startswith("float"))
UNITS = {name: (column.metadata or {}).get("unit") for name, column in _COLUMNS.items()}
# The report lists at most this many models per kind of change; CHANGELOG.md lists all.
REPORT_LIST_LIMIT = 30


class TableNotFound(ValueError):
    """A table argument that is neither a readable file nor a table at a git revision."""


# -- reading (I/O) ------------------------------------------------------------


def not_a_number(table: pd.DataFrame) -> str | None:
    """The first cell of a numeric column that is not a number, described; None when there is none."""
    for column in (column for column in table.columns if column in NUMERIC_COLUMNS):
        for row, (model_id, value) in enumerate(zip(table[KEY], table[column]), start=1):
            try:
                float(value or 0)
            except ValueError:
                return f"row {row} ({KEY} {model_id}): {column} '{value}' is not a number"
    return None


def parse_table(text: str, label: str) -> pd.DataFrame:
    """A canonical table as text cells ('' when empty), indexed by model_id."""
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{label}: empty, not a CSV table with a header") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{label}: not a readable CSV table ({error})") from None
    if KEY not in table.columns:
        raise ValueError(f"{label}: no {KEY} column")
    repeated = sorted(set(table.loc[table[KEY].duplicated(), KEY]))
    if repeated:
        raise ValueError(f"{label}: {KEY} not unique: {', '.join(repeated[:10])}")
    if problem := not_a_number(table):
        raise ValueError(f"{label}: {problem}")
    return table.set_index(KEY, drop=False)


def read_table_text(spec: str) -> str:
    """The CSV text of a file, of `REVISION:PATH`, or of the canonical table at REVISION."""
    path = Path(spec)
    if path.is_dir():
        raise TableNotFound(f"'{spec}' is a directory, not a table")
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"{spec}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    object_name = spec if ":" in spec else f"{spec}:{PIPELINE_PATHS['models_csv']}"
    shown = subprocess.run(["git", "show", object_name], capture_output=True, text=True)
    if shown.returncode != 0:
        raise TableNotFound(f"'{spec}' is neither a file nor a git revision with the table "
                            f"({shown.stderr.strip()})")
    return shown.stdout


def load_table(spec: str) -> pd.DataFrame:
    return parse_table(read_table_text(spec), spec)


# -- comparing (pure) ---------------------------------------------------------


def _cell(value: str) -> str | None:
    return value if value != "" else None


def same_value(field: str, old: str, new: str) -> bool:
    if field in NUMERIC_COLUMNS and old and new:
        return float(old) == float(new)
    return old == new


def compared_fields(columns: list[str]) -> list[str]:
    """The fields shown as changes: every column but the key and the `<field>_source` columns."""
    return [column for column in columns
            if column != KEY and not (column.endswith(SOURCE_SUFFIX) and column[: -len(SOURCE_SUFFIX)] in columns)]


def field_changes(old_row: pd.Series, new_row: pd.Series, fields: list[str], columns: set[str]) -> list[dict[str, Any]]:
    changes = []
    for field in fields:
        source_column = field + SOURCE_SUFFIX
        has_source = source_column in columns
        old_source = old_row[source_column] if has_source else ""
        new_source = new_row[source_column] if has_source else ""
        if same_value(field, old_row[field], new_row[field]) and old_source == new_source:
            continue
        changes.append({
            "field": field,
            "unit": UNITS.get(field),
            "old": _cell(old_row[field]),
            "new": _cell(new_row[field]),
            "old_source": _cell(old_source),
            "new_source": _cell(new_source),
        })
    return changes


def _listed(table: pd.DataFrame, ids: list[str]) -> list[dict[str, Any]]:
    names = table["name"] if "name" in table.columns else pd.Series("", index=table.index)
    return [{"model_id": model_id, "name": _cell(names[model_id])} for model_id in ids]


def compare(old: pd.DataFrame, new: pd.DataFrame, old_label: str | None, new_label: str) -> dict[str, Any]:
    """Models added, removed and changed (field by field) from old to new, in model_id order.

    old_label None means there is no earlier table: old is empty and every model is added.
    """
    shared_columns = [column for column in new.columns if column in set(old.columns)]
    fields = compared_fields(shared_columns)
    added = sorted(set(new.index) - set(old.index))
    removed = sorted(set(old.index) - set(new.index))
    changed = []
    for model_id in sorted(set(old.index) & set(new.index)):
        fields_changed = field_changes(old.loc[model_id], new.loc[model_id], fields, set(shared_columns))
        if fields_changed:
            changed.append({**_listed(new, [model_id])[0], "fields": fields_changed})
    return {
        "old": {"label": old_label, "models": len(old)},
        "new": {"label": new_label, "models": len(new)},
        "columns_added": [column for column in new.columns if column not in set(old.columns)],
        "columns_removed": [column for column in old.columns if column not in set(new.columns)],
        "added": _listed(new, added),
        "removed": _listed(old, removed),
        "changed": changed,
    }


# -- rendering (pure) ---------------------------------------------------------

def format_value(field: str, value: str | None) -> str:
    """Numbers shortly but exactly (7e+09, not 7000000000.0); text as it is."""
    if value is None:
        return "(empty)"
    if field in NUMERIC_COLUMNS:
        number = float(value)
        if abs(number) >= 1e6:
            return np.format_float_scientific(number, unique=True, trim="-")
        return np.format_float_positional(number, unique=True, trim="-")
    return value


def summary_line(changes: dict[str, Any]) -> str:
    old, new = changes["old"], changes["new"]
    since = f"compared with {old['label']}" if old["label"] else "first release: every model is new"
    return (f"{new['label']} ({since}): {old['models']} → {new['models']} models; "
            f"{len(changes['added'])} added, {len(changes['removed'])} removed, "
            f"{len(changes['changed'])} changed.")


def _model_label(entry: dict[str, Any]) -> str:
    name = markdown_text(entry["name"]) if entry["name"] else "(no name)"
    return f"{name} ({markdown_code(entry['model_id'])})"


def _source_note(change: dict[str, Any]) -> str:
    old_source, new_source = change["old_source"], change["new_source"]
    if old_source is None and new_source is None:
        return ""
    if old_source == new_source:
        return f" (source: {markdown_text(new_source)})"
    return f" (source: {markdown_text(old_source or '(none)')} → {markdown_text(new_source or '(none)')})"


def change_line(change: dict[str, Any]) -> str:
    field = change["field"]
    unit = f" ({change['unit']})" if change["unit"] and change["unit"] != "date" else ""
    old = markdown_text(format_value(field, change["old"]))
    new = markdown_text(format_value(field, change["new"]))
    return f"{field}{unit}: {old} → {new}{_source_note(change)}"


def render_markdown(changes: dict[str, Any], level: int = 3) -> str:
    """The changelog: a summary line, then Added, Removed and Changed sections (when not empty)."""
    heading = "#" * level
    parts = [summary_line(changes)]
    for key, title in (("columns_added", "Columns added"), ("columns_removed", "Columns removed")):
        if changes[key]:
            parts.append(f"{heading} {title}\n\n" + "\n".join(f"- {markdown_code(column)}" for column in changes[key]))
    for key, title in (("added", "Added"), ("removed", "Removed")):
        if changes[key]:
            parts.append(f"{heading} {title} ({len(changes[key])})\n\n"
                         + "\n".join(f"- {_model_label(entry)}" for entry in changes[key]))
    if changes["changed"]:
        lines = []
        for entry in changes["changed"]:
            lines.append(f"- {_model_label(entry)}")
            lines += [f"  - {change_line(change)}" for change in entry["fields"]]
        parts.append(f"{heading} Changed ({len(changes['changed'])})\n\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _html_list(entries: list[dict[str, Any]], render) -> str:
    shown = "".join(f"<li>{render(entry)}</li>" for entry in entries[:REPORT_LIST_LIMIT])
    more = len(entries) - REPORT_LIST_LIMIT
    rest = f"<li>… and {more} more (see CHANGELOG.md)</li>" if more > 0 else ""
    return f"<ul>{shown}{rest}</ul>"


def render_html(release: dict[str, Any]) -> str:
    """The report's "Changes since the previous release" section from reports/changes.json."""
    title = "<h2>Changes since the previous release</h2>"
    changes = release.get("changes")
    if not changes:
        return f"{title}<p>No release yet: <code>make release</code> fills this section.</p>"

    def model(entry: dict[str, Any]) -> str:
        return f"{html.escape(entry['name'] or '(no name)')} (<code>{html.escape(entry['model_id'])}</code>)"

    def changed(entry: dict[str, Any]) -> str:
        fields = "; ".join(
            f"{html.escape(change['field'])}: {html.escape(format_value(change['field'], change['old']))} → "
            f"{html.escape(format_value(change['field'], change['new']))}" for change in entry["fields"])
        return f"{model(entry)}: {fields}"

    parts = [title, f"<p>{html.escape(summary_line(changes))}</p>"]
    for key, title_text, render in (("added", "Added", model), ("removed", "Removed", model),
                                    ("changed", "Changed", changed)):
        if changes[key]:
            parts.append(f"<h3>{title_text} ({len(changes[key])})</h3>{_html_list(changes[key], render)}")
    return "".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = cli.ArgumentParser("diff", description=__doc__.splitlines()[0])
    parser.add_argument("old", help="file, git revision or REVISION:PATH")
    parser.add_argument("new", nargs="?", help="file, git revision or REVISION:PATH (default: the working table)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    try:  # OSError: git itself cannot be run
        new = args.new or PIPELINE_PATHS["models_csv"]
        changes = compare(load_table(args.old), load_table(new), args.old, new)
    except (OSError, ValueError) as error:
        cli.fail("diff", error)
    if args.json:
        print(json.dumps(changes, indent=2, ensure_ascii=False))
    else:
        print(render_markdown(changes), end="")


if __name__ == "__main__":
    cli.run(main)
