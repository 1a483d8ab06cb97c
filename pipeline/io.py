"""Reading params and writing outputs: atomically, deterministically, safely.

Every output is written to a temporary file beside its target (`.<name>.XXXXXXXX.tmp`)
and renamed into place, so a killed stage never leaves a truncated file where a reader
looks; the next write of the same target removes temporary files a killed writer left.
One writer per output at a time (DVC's stage locks guarantee it).

CSV cells a spreadsheet would run as a formula are neutralised (`neutralise_formula`):
a text cell that starts with =, +, -, @, a tab or a carriage return is written with one
apostrophe (') in front; so that this stays reversible, a text cell that already starts
with apostrophes followed by one of those characters gets one more. To read the original
text back, remove one leading apostrophe from every cell that starts with apostrophes
followed by =, +, -, @, tab or carriage return. Numbers (-1.5) are never touched.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

PARAMS_FILE = Path("params.yaml")

# Cells starting with these characters are read as formulas by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def load_params(section: str, params_file: Path = PARAMS_FILE) -> Any:
    """One section of params.yaml: each stage reads only its own slice."""
    with open(params_file, encoding="utf-8") as handle:
        params = yaml.safe_load(handle)
    if section not in params:
        raise KeyError(f"{params_file}: no section '{section}'")
    return params[section]


def read_yaml(path: Path) -> Any:
    """A reviewed YAML file as data; one that is not UTF-8 or not YAML is refused with its name and line."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or error
        raise ValueError(f"{where}: not valid YAML ({problem})") from None


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of path left by a writer that was killed before its rename."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    for leftover in path.parent.iterdir():
        if pattern.fullmatch(leftover.name) and leftover.is_file():
            leftover.unlink(missing_ok=True)


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path), then rename tmp_path onto path (mode 0666 less the umask, as open() gives)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o666 & ~_current_umask())  # mkstemp makes 0600: outputs are meant to be read
        with open(tmp_path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:  # the rename itself survives a power cut only once the directory is synced
        os.fsync(directory)
    finally:
        os.close(directory)


def write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _json_safe(value: Any) -> Any:
    """NaN and infinities are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


# Fitted numbers (trend slopes, intervals, forecasts, plotted fit lines) differ in their last bits
# between CPUs, because BLAS and libm take different vector paths; written with this many significant
# digits they are the same bytes on every machine, still far finer than the statistics' own precision.
DERIVED_DIGITS = 10


def round_derived(value: Any) -> Any:
    """value with every finite float (in dicts, lists, tuples, and float columns of a DataFrame)
    rounded to DERIVED_DIGITS significant digits; anything else unchanged."""
    if isinstance(value, float):
        return float(f"{value:.{DERIVED_DIGITS}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {key: round_derived(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(round_derived(item) for item in value)
    if isinstance(value, pd.DataFrame):
        rounded = value.copy()
        for column in rounded.columns:
            if pd.api.types.is_float_dtype(rounded[column]):
                rounded[column] = rounded[column].map(round_derived)
        return rounded
    return value


def write_json(path: Path, data: Any) -> None:
    text = json.dumps(_json_safe(data), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    write_text(path, text + "\n")


def neutralise_formula(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Cells already made of apostrophes then a formula character get one more, so the
    rule is reversible (see the module docstring). Only text cells are touched;
    numbers such as -1.5 stay numbers.
    """
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_formula(value: Any) -> Any:
    """The text `neutralise_formula` was given: one leading apostrophe less where it added one."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def write_csv(path: Path, frame: pd.DataFrame, float_format: str | None = None) -> None:
    """A CSV safe to open in a spreadsheet, with ISO dates and exact floats (or float_format's)."""
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_datetime64_any_dtype(safe[column]):
            safe[column] = safe[column].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    write_atomic(path, lambda tmp: safe.to_csv(tmp, index=False, lineterminator="\n",
                                                     float_format=float_format))


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
