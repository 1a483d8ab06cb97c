"""The hand-curated registry (`raw/registry/*.yaml`) as observations.

The registry lives in git, so there is nothing to collect: `parse` reads the
YAML files. A file that is not valid YAML, or an entry with an unknown key or a
number that is not a number, stops the run with `RegistryError` naming the file
and line: those are typing mistakes a curator must fix. So does text that is not
valid UTF-8 or holds control characters (NUL…, also written as YAML escapes such as
"\0") or bidirectional overrides (U+202A–U+202E, U+2066–U+2069), which make a name
display as something else. Entries that are
well-formed but break a rule (a negative count, a future date, …) flow on and
are quarantined by the validate stage with the reason.

The YAML is strict: an unquoted value is text, a decimal number (7000000000, 7.0e+9,
7e9), or true/false; the other forms YAML 1.1 reads as something else (`.nan`, `.inf`,
`7:00:00` as 25200, `0x1A`, `0o17`, `017`, `1_000`, `yes`/`no`/`on`/`off`, `~`,
`null` or an empty value, `<<`) are refused where they are written, because what
the curator meant is not what the loader would keep. The folder holds `*.yaml` files,
README.md and crosscheck/, nothing else: a `2025.yml` would otherwise be skipped
without a word.

Run `python -m pipeline.sources.registry FILE…` to check files while curating.
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipeline.schema import BENCHMARK_SHOTS, NUMERIC_FIELDS, observation_columns

SOURCE = "registry"
ENTRY_KEYS = {
    "name",
    "aliases",
    "family",
    "organization",
    "publication_date",
    "domain",
    "task",
    "architecture",
    *NUMERIC_FIELDS,
    *BENCHMARK_SHOTS.values(),
    "open_weights",
    "notability",
    "confidence",
    "confidence_basis",
    "url",
    "evidence",
    "field_urls",
    "notes",
}
TEXT_KEYS = ("name", "family", "organization", "domain", "task", "architecture", "notability", "confidence",
             "confidence_basis", "url", "notes")
DATE_PATTERNS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "day", "%Y-%m-%d"),
    (re.compile(r"^\d{4}-\d{2}$"), "month", "%Y-%m"),
    (re.compile(r"^\d{4}$"), "year", "%Y"),
)
LINE_KEY = "__line__"
# C0/C1 control characters other than tab and newline, and bidirectional embeddings,
# overrides and isolates.
HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class RegistryError(ValueError):
    """A registry file that cannot be read as intended; names the file and line."""


# What sits in the registry folder besides the *.yaml files.
OTHER_ENTRIES = frozenset({"README.md", "crosscheck"})
REGISTRY_SUFFIX = ".yaml"
# The last build's valid observations (the validate stage's --published in dvc.yaml): the check
# tool uses it, as the pipeline does, to tell which copy of a duplicate was there first.
PUBLISHED_MATCHES = Path("processed/matches.csv")

# The unquoted scalars the registry accepts, besides text: YAML 1.2's decimal forms
# (an exponent needs no dot or sign: 7e9 is a number) and lower-case booleans.
ACCEPTED_SCALARS = (
    ("tag:yaml.org,2002:bool", r"true|false", "tf"),
    ("tag:yaml.org,2002:int", r"[-+]?(?:0|[1-9][0-9]*)", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?",
     "-+.0123456789"),
)
# Unquoted scalars YAML 1.1 (PyYAML) turns into a value the curator probably did not mean, or
# that YAML 1.2 reads differently (0o17): refused where they stand, with what to write instead.
REFUSED_SCALARS = (
    (r"~|null|Null|NULL|", ["~", "n", "N", ""],
     "{value} is YAML's null: leave the key out when the source states nothing"),
    (r"yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|True|TRUE|False|FALSE", "yYnNoOTF",
     "{value} is a YAML 1.1 boolean: write true or false, or quote it as text"),
    (r"[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)", "-+.",
     "{value} is YAML's infinity or not-a-number: leave the field out when the source states no value"),
    (r"[-+]?0(?:[xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)", "-+0",
     "{value} is a hexadecimal, octal or binary number in YAML: write it in decimal, or quote it as text"),
    (r"[-+]?0[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?", "-+0",
     "{value} has a leading zero, which YAML 1.1 reads as octal (017 is 15): drop the zero, or quote it as text"),
    (r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?", "-+0123456789",
     "{value} is a base-60 number in YAML 1.1 (7:00:00 is 25200): quote it as text"),
    (r"(?=.*_)[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?", "-+.0123456789",
     "{value} groups digits with '_', which YAML 1.1 drops: write plain digits (7000000000 or 7.0e+9)"),
    (r"<<", "<", "{value} is YAML's merge key: write the keys out"),
    (r"=", "=", "{value} is YAML's value key: quote it as text"),
)
REFUSED_TAG = "tag:modelscale,2026:refused:"


class RefusedScalar(yaml.constructor.ConstructorError):
    """An unquoted YAML value the registry refuses (see REFUSED_SCALARS)."""


class _RegistryLoader(yaml.SafeLoader):
    """Safe, strict YAML: dates kept as text (precision matters), line numbers kept, no aliases,
    and only the implicit types of ACCEPTED_SCALARS.

    Aliases are refused because the registry never needs them and they are the
    vehicle of "billion laughs" expansion bombs.
    """

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in the registry", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def _refuse(message: str):
    def construct(loader: yaml.SafeLoader, node: yaml.ScalarNode):
        value = repr(node.value) if node.value else "an empty value"
        raise RefusedScalar(None, None, message.format(value=value), node.start_mark)
    return construct


def _install_strict_resolvers(loader: type[yaml.SafeLoader]) -> None:
    """Only ACCEPTED_SCALARS resolve to a type; REFUSED_SCALARS raise where they stand; anything
    else is text. Built from scratch rather than edited from SafeLoader's, so that no YAML 1.1
    form slips through (the timestamp resolver is left out: "2020-05" and 2020-05-28 stay text)."""
    loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in ACCEPTED_SCALARS:
        loader.add_implicit_resolver(tag, re.compile(rf"^(?:{pattern})$"), list(first))
    for number, (pattern, first, message) in enumerate(REFUSED_SCALARS):
        loader.add_implicit_resolver(f"{REFUSED_TAG}{number}", re.compile(rf"^(?:{pattern})$"), list(first))
        loader.add_constructor(f"{REFUSED_TAG}{number}", _refuse(message))


_install_strict_resolvers(_RegistryLoader)


def spelt_out(name: str) -> str:
    """Characters that tell models apart spelt out, so that ASCII folding keeps them:
    "+" as "plus" (Command R+ is not Command R) and Greek letters by their names
    (PanGu-Σ is not PanGu-α). Other non-ASCII letters fold or drop as before."""
    letters = []
    for char in unicodedata.normalize("NFKD", name):
        if char == "+":
            letters.append(" plus ")
        elif not char.isascii() and unicodedata.name(char, "").startswith("GREEK") and char.isalpha():
            letters.append(unicodedata.name(char).split()[-1].lower())
        else:
            letters.append(char)
    return "".join(letters)


def slugify(name: str) -> str:
    """The stable model_id: ASCII, lower case, words joined by hyphens ("+" and Greek letters spelt out)."""
    ascii_name = spelt_out(name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def slugify_all(names: pd.Series) -> pd.Series:
    """`slugify` of every name, vectorised: ASCII names by pyarrow string kernels,
    the few others by `slugify` itself, so the two can never disagree on Unicode."""
    names = names.astype("str")
    unicode_names = (names.notna() & ~names.str.isascii()).to_numpy(dtype=bool)
    folded = names.str.replace("+", " plus ", regex=False).str.lower()
    slugs = folded.str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-").astype(object)
    slugs[unicode_names] = [slugify(name) for name in names[unicode_names]]
    return slugs.fillna("")


def parse_date(text: Any, where: str) -> tuple[pd.Timestamp, str]:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' to (first day of that period, precision)."""
    text = str(text).strip()
    for pattern, precision, fmt in DATE_PATTERNS:
        if pattern.match(text):
            try:
                return pd.Timestamp(pd.to_datetime(text, format=fmt)), precision
            except ValueError as error:
                raise RegistryError(f"{where}: publication_date '{text}' is not a real date") from error
    raise RegistryError(f"{where}: publication_date '{text}' is not YYYY, YYYY-MM or YYYY-MM-DD")


def parse_number(value: Any, field: str, where: str) -> float:
    """A number as YAML reads it unquoted; text (quoted, or with a unit) and infinities are refused."""
    if isinstance(value, str):
        raise RegistryError(f"{where}: {field} must be a plain number, unquoted and without a unit "
                            f"(e.g. 70000000000 or 7.0e+10), got {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RegistryError(f"{where}: {field} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise RegistryError(f"{where}: {field} must be a finite number, got {value!r}")
    return float(value)


def _text(value: Any, key: str, where: str) -> str | None:
    """Text as written; a number or list where text belongs would be changed by str(), so it is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RegistryError(f"{where}: {key} must be text, got {value!r} (quote it if it is text)")
    return value.strip() or None


def _string_map(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RegistryError(f"{where}: {key} must be a mapping of field to text")
    cleaned = {_text(field, key, where): _text(text, f"{key}.{field}", where)
               for field, text in value.items() if field != LINE_KEY}
    return json.dumps(cleaned, sort_keys=True, ensure_ascii=False)


# The keys of each structured kind of evidence (a plain string is a quote), required and optional.
EVIDENCE_KEYS = {
    "quote": ({"text"}, set()),
    "table": ({"table", "row", "column", "cell"}, set()),
    "derived": ({"arithmetic"}, {"from"}),
    "name": ({"name"}, set()),
}


def render_evidence(kind: str, parts: dict[str, Any]) -> str:
    """One line a reader can check against the source, for each kind of evidence."""
    if kind == "quote":
        return parts["text"]
    if kind == "table":
        return f"{parts['table']}: row {parts['row']}, column {parts['column']}: {parts['cell']}"
    if kind == "derived":
        inputs = parts.get("from") or []
        return parts["arithmetic"] + (f" (from {', '.join(map(str, inputs))})" if inputs else "")
    return f"the size in the model's name: {parts['name']}"


def evidence_of_entry(value: Any, where: str) -> tuple[str | None, str | None]:
    """(evidence, evidence_kinds) as JSON: per number, its text and its kind. A plain string is a
    verbatim quote; a mapping states its kind (table, derived, name) with the keys that kind needs."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise RegistryError(f"{where}: evidence must be a mapping of field to evidence")
    texts, kinds = {}, {}
    for field, item in value.items():
        if field == LINE_KEY:
            continue
        if isinstance(item, dict):
            parts = {key: part for key, part in item.items() if key != LINE_KEY}
            kind = parts.pop("kind", None)
            if kind not in EVIDENCE_KEYS:
                raise RegistryError(f"{where}: evidence.{field}: kind must be one of {', '.join(EVIDENCE_KEYS)}, "
                                    f"got {kind!r}")
            required, optional = EVIDENCE_KEYS[kind]
            if missing := sorted(required - set(parts)):
                raise RegistryError(f"{where}: evidence.{field} ({kind}) lacks {', '.join(missing)}")
            if extra := sorted(set(parts) - required - optional):
                raise RegistryError(f"{where}: evidence.{field} ({kind}) has unknown key(s) {', '.join(extra)}")
            texts[str(field)], kinds[str(field)] = render_evidence(kind, parts).strip(), kind
        else:
            texts[str(field)], kinds[str(field)] = str(item).strip(), "quote"
    dump = lambda mapping: json.dumps(mapping, sort_keys=True, ensure_ascii=False)  # noqa: E731
    return (dump(texts), dump(kinds)) if texts else (None, None)


def _require_visible_text(value: Any, key: str, where: str) -> None:
    if isinstance(value, dict):
        for field, item in value.items():
            _require_visible_text(item, f"{key}.{field}" if key else str(field), where)
    elif isinstance(value, list):
        for item in value:
            _require_visible_text(item, key, where)
    elif isinstance(value, str) and (hidden := HIDDEN_CHARACTERS.search(value)):
        raise RegistryError(f"{where}: {key} contains the invisible character U+{ord(hidden.group()):04X}")


def entry_to_observation(entry: Any, where: str) -> dict[str, Any]:
    """One registry entry to one observation row (types checked, rules left to validate)."""
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: each entry must be a mapping, got {type(entry).__name__}")
    _require_visible_text(entry, "", where)
    unknown = sorted(set(entry) - ENTRY_KEYS - {LINE_KEY})
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {', '.join(unknown)}")
    row: dict[str, Any] = {key: _text(entry.get(key), key, where) for key in TEXT_KEYS}
    if row["name"] is None:
        raise RegistryError(f"{where}: entry has no name")
    row.update(source=SOURCE, source_record=where, model_id=slugify(row["name"]))
    row["source_url"] = row.pop("url")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list):
        raise RegistryError(f"{where}: aliases must be a list")
    row["aliases"] = " | ".join(filter(None, (_text(alias, "aliases", where) for alias in aliases))) or None
    date = entry.get("publication_date")
    if isinstance(date, bool) or not isinstance(date, (str, int, type(None))):
        raise RegistryError(f"{where}: publication_date must be YYYY, YYYY-MM or YYYY-MM-DD, got {date!r}")
    row["publication_date"], row["date_precision"] = parse_date(date, where) if date is not None else (pd.NaT, None)
    for field in (*NUMERIC_FIELDS, *BENCHMARK_SHOTS.values()):
        value = entry.get(field)
        row[field] = float("nan") if value is None else parse_number(value, field, where)
    open_weights = entry.get("open_weights")
    if open_weights is not None and not isinstance(open_weights, bool):
        raise RegistryError(f"{where}: open_weights must be true or false, got {open_weights!r}")
    row["open_weights"] = open_weights
    row["evidence"], row["evidence_kinds"] = evidence_of_entry(entry.get("evidence"), where)
    row["field_urls"] = _string_map(entry.get("field_urls"), "field_urls", where)
    row["flags"] = None
    return row


def read_file(path: Path, display_path: str | None = None) -> list[dict[str, Any]]:
    """All entries of one registry file as observation rows."""
    return [entry_to_observation(entry, where) for where, entry in load_entries(path, display_path)]


def load_entries(path: Path, display_path: str | None = None) -> list[tuple[str, Any]]:
    """Each entry of one registry file as written, with where it is (file:line)."""
    shown = display_path or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise RegistryError(f"{shown}: not valid UTF-8 ({error.reason} at byte {error.start})") from error
    try:
        document = yaml.load(text, Loader=_RegistryLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        kind = "" if isinstance(error, RefusedScalar) else "malformed YAML: "
        raise RegistryError(f"{shown}{line}: {kind}{problem}") from error
    if document is None:
        return []
    if not isinstance(document, dict) or not isinstance(document.get("models"), list):
        raise RegistryError(f"{shown}:1: a registry file is a mapping with a 'models:' list")
    unknown = sorted(str(key) for key in set(document) - {"models", LINE_KEY})
    if unknown:
        raise RegistryError(f"{shown}:1: unknown top-level key(s) {', '.join(unknown)}: "
                            "a registry file holds 'models:' only")
    return [(f"{shown}:{entry.get(LINE_KEY, '?') if isinstance(entry, dict) else '?'}", entry)
            for entry in document["models"]]


def require_registry_name(path: Path) -> None:
    if path.suffix != REGISTRY_SUFFIX:
        raise RegistryError(f"{path.as_posix()}: not a registry file name: registry files end in "
                            f"{REGISTRY_SUFFIX} (rename it, or move it out of the registry)")


def registry_files(root: Path) -> list[Path]:
    """The `*.yaml` files of the registry folder, in file-name order. Anything else there but
    OTHER_ENTRIES stops the run: a `2025.yml` or `notes.txt` would otherwise be skipped silently."""
    if not root.is_dir():
        raise RegistryError(f"{root.as_posix()}: the registry folder does not exist")
    files = []
    for path in sorted(root.iterdir()):
        if path.name in OTHER_ENTRIES:
            continue
        require_registry_name(path)
        if not path.is_file():
            raise RegistryError(f"{path.as_posix()}: not a file: the registry holds *.yaml files, "
                                f"{' and '.join(sorted(OTHER_ENTRIES))} only")
        files.append(path)
    return files


def parse(config: dict[str, Any]) -> pd.DataFrame:
    """Every `*.yaml` under config['path'], in file-name order, as observations."""
    rows: list[dict[str, Any]] = []
    for path in registry_files(Path(config["path"])):
        rows.extend(read_file(path, display_path=path.as_posix()))
    return pd.DataFrame(rows, columns=observation_columns())


def read_for_check(checked: list[Path], root: Path) -> tuple[pd.DataFrame, set[str]]:
    """The whole registry in file order, with the checked files in their places (or after it,
    when they lie elsewhere), and the records of the checked files' entries."""
    registry = registry_files(root) if root.is_dir() else []
    inside = {path.resolve() for path in registry}
    wanted = {path.resolve() for path in checked}
    outside = list(dict.fromkeys(path for path in checked if path.resolve() not in inside))
    rows: list[dict[str, Any]] = []
    records: set[str] = set()
    for path in registry + outside:
        entries = read_file(path, display_path=path.as_posix())
        rows.extend(entries)
        if path.resolve() in wanted:
            records.update(entry["source_record"] for entry in entries)
    return pd.DataFrame(rows, columns=observation_columns()), records


def main(argv: list[str]) -> int:
    """Check registry files against the schema and against the rest of the registry (a model
    another file already has is a duplicate); print every problem of those files."""
    from pipeline import validate
    from pipeline.io import load_params

    from pipeline import cli

    parser = cli.ArgumentParser("sources.registry", description="Check registry files against the schema "
                                "and the rest of the registry; print every problem.")
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    checked = parser.parse_args(argv).files
    try:
        for path in checked:
            require_registry_name(path)
        observations, records = read_for_check(checked, Path(load_params("sources")[SOURCE]["path"]))
    except (RegistryError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result = validate.validate_observations(observations, load_params("validate"),
                                            validate.read_published(PUBLISHED_MATCHES))
    problems = [f"{row.source_record}: {row.name}: {row.quarantine_reason}"
                for row in result.quarantined.itertuples() if row.source_record in records]
    problems += [f"{copy.kept_record}: {copy.kept_name}: stays, but {copy.source_record} ({copy.name}) repeats it "
                 f"and is quarantined" for copy in result.duplicates.itertuples()
                 if copy.kept_record in records and copy.source_record not in records]
    for problem in problems:
        print(problem)
    print(f"{len(records)} entries, {len(problems)} with problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
