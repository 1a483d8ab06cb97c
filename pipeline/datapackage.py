"""`processed/datapackage.json`: a Frictionless Data Package that describes a release.

Each resource names its file (relative to the descriptor), its size in bytes, its
sha256 and the Table Schema generated from the table's pandera schema
(`pipeline.schema`), so the description and unit of a column are written in one
place only: the canonical table (CSV and Parquet), provenance, matches and conflicts.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from pipeline.schema import CanonicalModel, Conflict, Match, ProvenanceRecord

PACKAGE_NAME = "modelscale"
# pandera dtype (as text) → Table Schema type; text is the default.
FIELD_TYPES = {"float64": "number", "datetime64[ns]": "date", "boolean": "boolean"}
# The CSV writer writes booleans as pandas prints them.
BOOLEAN_VALUES = {"trueValues": ["True"], "falseValues": ["False"]}
# pandera check → Table Schema constraint, and the check statistic that holds its value.
CONSTRAINTS = {
    "isin": ("enum", "allowed_values"),
    "str_matches": ("pattern", "pattern"),
    "greater_than_or_equal_to": ("minimum", "min_value"),
    "less_than_or_equal_to": ("maximum", "max_value"),
    "greater_than": ("exclusiveMinimum", "min_value"),
    "str_length": ("minLength", "min_value"),
}
# A table's schema by its file name without suffix.
TABLE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "models": CanonicalModel, "provenance": ProvenanceRecord, "matches": Match, "conflicts": Conflict,
}
# File suffix → (format, media type) of a resource.
FORMATS = {".csv": ("csv", "text/csv"), ".parquet": ("parquet", "application/vnd.apache.parquet")}


def field_descriptor(name: str, column: pa.Column) -> dict[str, Any]:
    field_type = FIELD_TYPES.get(str(column.dtype), "string")
    descriptor: dict[str, Any] = {"name": name, "type": field_type, "description": column.description}
    unit = (column.metadata or {}).get("unit")
    if unit and unit != "date":
        descriptor["unit"] = unit
    if field_type == "boolean":
        descriptor.update(BOOLEAN_VALUES)
    constraints: dict[str, Any] = {}
    if not column.nullable:
        constraints["required"] = True
    if column.unique:
        constraints["unique"] = True
    for check in column.checks:
        constraint, statistic = CONSTRAINTS[check.name]
        value = check.statistics[statistic]
        constraints[constraint] = list(value) if isinstance(value, (tuple, list)) else value
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def table_schema(model: type[pa.DataFrameModel] = CanonicalModel) -> dict[str, Any]:
    schema = model.to_schema()
    # The key: the columns unique together (Config.unique), else the one unique column.
    key = list(schema.unique or [name for name, column in schema.columns.items() if column.unique])
    return {
        "fields": [field_descriptor(name, column) for name, column in schema.columns.items()],
        "primaryKey": key,
        "missingValues": [""],
    }


def file_facts(path: Path) -> dict[str, Any]:
    """Size and sha256 of a file, as a Data Package resource states them."""
    data = Path(path).read_bytes()
    return {"bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}


def resource_descriptor(path: str, facts: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A resource named after its file: models.csv is `models`, models.parquet `models-parquet`."""
    stem, suffix = os.path.splitext(os.path.basename(path))
    file_format, mediatype = FORMATS[suffix]
    name = stem if file_format == "csv" else f"{stem}-{file_format}"
    profile = "tabular-data-resource" if file_format == "csv" else "data-resource"
    descriptor = {"name": name, "path": path, "profile": profile, "format": file_format,
                  "mediatype": mediatype, **facts, "schema": schema}
    if file_format == "csv":
        descriptor["encoding"] = "utf-8"
    return descriptor


def package_descriptor(citation: dict[str, Any], version: str, date: str,
                       resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The package: title, description and licence from CITATION.cff, so they are stated once."""
    licences = citation["license"] if isinstance(citation["license"], list) else [citation["license"]]
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": citation["title"],
        "description": citation.get("abstract", ""),
        "version": version,
        "created": f"{date}T00:00:00Z",
        "licenses": [{"name": licence, "path": f"https://spdx.org/licenses/{licence}.html"} for licence in licences],
        "resources": resources,
    }


def build_package(descriptor: Path, tables: list[Path], citation: dict[str, Any], version: str,
                  date: str) -> dict[str, Any]:
    """The descriptor to write at `descriptor`, of published tables (CSV or Parquet) beside it."""
    resources = [resource_descriptor(Path(os.path.relpath(table, Path(descriptor).parent)).as_posix(),
                                     file_facts(table), table_schema(TABLE_MODELS[Path(table).stem]))
                 for table in tables]
    return package_descriptor(citation, version, date, resources)
