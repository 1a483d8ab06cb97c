"""Validate stage: every observation is either valid or quarantined with its reasons.

    python -m pipeline.validate --observations DIR --valid FILE --quarantine FILE --summary FILE

Validation is lazy (all failures of all rows are collected). Rows that fail any
check go to the quarantine file with the column, the check and the value; the
others flow on. Warnings that do not remove a row are added to its `flags`:
compute inconsistent with 6·N·D, and `size_mismatch`, a parameter count 10x or more
from every size its name states ("Llama 2-7B" at 7e10; names starting with a word of
`validate.name_size_not_parameters` are exempt: GloVe's "6B" counts tokens). A
size-mismatched row's confidence drops to speculative, with the reason as its basis.
Input rows = valid + quarantined, always.

An observation is one per (source, model_id). When a source has several copies (two
spellings of one name, in two registry files), one copy stays and the others are
quarantined with `duplicate_model_id`, each naming both places: among the copies that
pass every other check, the one the last build published (same source and name in
`--published`, the last build's matches.csv), else the first in source order (for the
registry: file name, then line). So a second spelling added anywhere never removes the
model that was there first.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.io import load_params, neutralise_formula, write_csv, write_json, write_parquet
from pipeline.resolve import parameter_sizes_in_name
from pipeline.schema import (
    SIZE_MISMATCH_FLAG,
    CHECK_COLUMNS,
    has_flag,
    REJECTED_ROWS,
    numbers_without_evidence,
    observation_columns,
    observation_key,
    observation_schema,
)

QUARANTINE_COLUMNS = ("quarantine_column", "quarantine_check", "quarantine_value", "quarantine_reason")
DUPLICATE_CHECK = "duplicate_model_id"
PUBLISHED_COLUMNS = ["source", "name"]
COMPUTE_FLAG = "compute_inconsistent_with_6ND"
SIZE_MISMATCH_FACTOR = 10.0
SIZE_MISMATCH_BASIS = ("parameter count 10x or more from the size stated in the model's name or in the "
                       "source's parameter notes (size_mismatch)")


@dataclass
class ValidationResult:
    valid: pd.DataFrame
    quarantined: pd.DataFrame
    summary: dict[str, Any]
    duplicates: pd.DataFrame  # per quarantined copy: source_record, name, model_id, kept_record, kept_name


def compute_6nd_ratio(observations: pd.DataFrame) -> pd.Series:
    """Stated training compute over 6·N·D (N: active parameters when known)."""
    active = observations["params_active"].fillna(observations["params_total"])
    return observations["training_compute_flop"] / (6.0 * active * observations["training_tokens"])


def size_in_name_disagrees(observations: pd.DataFrame, exempt_words: list[str]) -> pd.Series:
    """Per row, whether its parameter count is 10x or more from every size its name states."""
    params = observations["params_total"].to_numpy(dtype=float)
    exempt = {word.lower() for word in exempt_words}
    codes, distinct = pd.factorize(observations["name"].astype(object))
    sizes = [() if name.split(" ")[0].lower() in exempt else parameter_sizes_in_name(name) for name in distinct.tolist()]
    disagrees = np.zeros(len(observations), dtype=bool)
    for row in np.flatnonzero((codes >= 0) & ~np.isnan(params)):
        stated = sizes[codes[row]]
        disagrees[row] = bool(stated) and all(
            max(size, params[row]) / min(size, params[row]) >= SIZE_MISMATCH_FACTOR for size in stated)
    return pd.Series(disagrees, index=observations.index)


def with_flag(flags: pd.Series, flag: str, where: pd.Series) -> pd.Series:
    """flags with `flag` appended, once, where `where` holds."""
    add = where.to_numpy(dtype=bool) & ~has_flag(flags, flag).to_numpy()
    out = flags.astype(object).where(flags.notna(), None)
    out[add] = [f"{old}; {flag}" if old else flag for old in out[add]]
    return out


def add_flags(observations: pd.DataFrame, compute_tolerance: float, name_size_exempt: list[str]) -> pd.DataFrame:
    """Flag compute off 6·N·D by more than the tolerance factor, and parameter counts that
    contradict the name; a size-mismatched row becomes speculative, saying why."""
    flagged = observations.copy()
    ratio = compute_6nd_ratio(flagged)
    inconsistent = ((ratio > compute_tolerance) | (ratio < 1.0 / compute_tolerance)).fillna(False)
    flagged["flags"] = with_flag(flagged["flags"], COMPUTE_FLAG, inconsistent)
    flagged["flags"] = with_flag(flagged["flags"], SIZE_MISMATCH_FLAG, size_in_name_disagrees(flagged, name_size_exempt))
    mismatched = has_flag(flagged["flags"], SIZE_MISMATCH_FLAG)
    if mismatched.any():
        for column in ("confidence", "confidence_basis"):
            flagged[column] = flagged[column].astype(object)
        basis = flagged.loc[mismatched, "confidence_basis"].tolist()
        flagged.loc[mismatched, "confidence"] = "speculative"
        flagged.loc[mismatched, "confidence_basis"] = [
            f"{old}; {SIZE_MISMATCH_BASIS}" if isinstance(old, str) and old else SIZE_MISMATCH_BASIS for old in basis]
    return flagged


def read_published(path: Path | None) -> pd.DataFrame:
    """(source, name) of every valid observation of the last build, from its matches.csv
    (text as written there, formula cells neutralised); none when there is no such file."""
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=PUBLISHED_COLUMNS, dtype=object)
    return pd.read_csv(path, usecols=PUBLISHED_COLUMNS, dtype=str, keep_default_na=False)


def duplicate_copies(observations: pd.DataFrame, failing: np.ndarray, published: pd.DataFrame) -> pd.DataFrame:
    """For each observation whose key repeats another's, the copy that stays (positions in
    `observations`): among the copies that pass every other check (all, if none does), the one
    `published` lists, else the first. One row per copy that does not stay: position, kept."""
    key = observation_key()
    repeated = observations.duplicated(subset=key, keep=False).to_numpy()
    if not repeated.any():
        return pd.DataFrame({"position": [], "kept": []}, dtype=int)
    copies = observations.loc[repeated, key + ["name"]].astype(object)
    copies["position"] = np.flatnonzero(repeated)
    copies["failing"] = failing[repeated]
    as_written = pd.MultiIndex.from_arrays([copies["source"], copies["name"].map(neutralise_formula)])
    copies["unpublished"] = ~as_written.isin(pd.MultiIndex.from_frame(published[PUBLISHED_COLUMNS]))
    ranked = copies.sort_values(["failing", "unpublished", "position"], kind="stable")
    ranked["kept"] = ranked.groupby(key, sort=False, dropna=False)["position"].transform("first")
    others = ranked[ranked["position"] != ranked["kept"]].sort_values("position")
    return others[["position", "kept"]].astype(int).reset_index(drop=True)


def _both_places(observations: pd.DataFrame, duplicates: pd.DataFrame) -> pd.DataFrame:
    """Each quarantined copy and the copy that stays, by record and name."""
    copy, kept = observations.loc[duplicates["position"]], observations.loc[duplicates["kept"]]
    return pd.DataFrame({"source_record": copy["source_record"].to_numpy(), "name": copy["name"].to_numpy(),
                         "model_id": copy["model_id"].to_numpy(), "kept_record": kept["source_record"].to_numpy(),
                         "kept_name": kept["name"].to_numpy()}, dtype=object)


def _format_value(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    return str(value)


def _failure_reasons(failure_cases: pd.DataFrame, observations: pd.DataFrame) -> dict[int, list[tuple]]:
    """Row index → [(column, check, value)], one entry per failed check."""
    reasons: dict[int, list[tuple]] = {}
    unplaced = failure_cases[failure_cases["index"].isna()]
    if len(unplaced):
        # A failure not tied to a row is a defect of the parser, not of the data.
        raise ValueError(f"schema failure not tied to a row:\n{unplaced.to_string()}")
    seen: set[tuple] = set()
    for case in failure_cases.itertuples(index=False):
        index = int(case.index)
        if case.check == "evidence_for_each_number":
            if (index, case.check) not in seen:
                seen.add((index, case.check))
                missing = numbers_without_evidence(observations.loc[[index]]).iloc[0]
                reasons.setdefault(index, []).append(("evidence", str(case.check), f"missing for {missing}"))
            continue
        columns = CHECK_COLUMNS.get(case.check, (case.column,))
        key = (index, case.check, columns if case.check in CHECK_COLUMNS else case.column)
        if key in seen:
            continue
        seen.add(key)
        if case.check in CHECK_COLUMNS:
            value = ", ".join(f"{col}={_format_value(observations.at[index, col])}" for col in columns)
        else:
            value = _format_value(case.failure_case)
        reasons.setdefault(index, []).append(("+".join(columns), str(case.check), value))
    return reasons


def validate_observations(observations: pd.DataFrame, params: dict[str, Any],
                         published: pd.DataFrame | None = None) -> ValidationResult:
    """Split observations into valid (coerced to the schema) and quarantined rows.
    `published`: (source, name) of the last build's valid observations (`read_published`)."""
    if published is None:
        published = read_published(None)
    observations = add_flags(observations.reset_index(drop=True), float(params["compute_6nd_tolerance"]),
                             list(params.get("name_size_not_parameters") or []))
    schema = observation_schema(pd.Timestamp(params["as_of_date"]))
    try:
        schema.validate(observations, lazy=True)
        reasons: dict[int, list[tuple]] = {}
    except pa.errors.SchemaErrors as errors:
        reasons = _failure_reasons(errors.failure_cases, observations)

    failing = np.zeros(len(observations), dtype=bool)
    failing[list(reasons)] = True
    duplicates = duplicate_copies(observations, failing, published)
    both_places = _both_places(observations, duplicates)
    for position, copy in zip(duplicates["position"], both_places.itertuples(index=False)):
        reasons.setdefault(int(position), []).append((
            "source+model_id", DUPLICATE_CHECK, f"{copy.source_record} ({copy.name}) repeats {copy.kept_record} "
                                                f"({copy.kept_name}), which stays: same model_id {copy.model_id}"))

    bad_index = sorted(reasons)
    # The rows left passed every check above; they only need the schema's types.
    valid = schema.coerce_dtype(observations.drop(index=bad_index)).reset_index(drop=True)
    quarantined = observations.loc[bad_index].copy()
    for position, name in enumerate(QUARANTINE_COLUMNS[:3]):
        quarantined[name] = [" | ".join(reason[position] for reason in reasons[i]) for i in bad_index]
    quarantined["quarantine_reason"] = [" | ".join(_reason(*reason) for reason in reasons[i]) for i in bad_index]
    quarantined = quarantined.reset_index(drop=True)
    if len(valid) + len(quarantined) != len(observations):
        raise AssertionError("validation lost rows: input != valid + quarantined")
    return ValidationResult(valid, quarantined, summarise(observations, valid, quarantined, reasons), both_places)


def _reason(column: str, check: str, value: str) -> str:
    if check == DUPLICATE_CHECK:
        return f"duplicate: {value}"
    return f"{column} {value!s} fails {check}"


def summarise(observations, valid, quarantined, reasons) -> dict[str, Any]:
    checks = Counter(check for rows in reasons.values() for _, check, _ in rows)
    flags = Counter(
        flag for cell in valid["flags"].dropna() for flag in str(cell).split("; ") if flag
    )
    return {
        "input_rows": len(observations),
        "valid_rows": len(valid),
        "quarantined_rows": len(quarantined),
        "by_source": {
            source: {
                "input": int((observations["source"] == source).sum()),
                "valid": int((valid["source"] == source).sum()),
                "quarantined": int((quarantined["source"] == source).sum()),
            }
            for source in sorted(observations["source"].unique())
        },
        "failed_checks": dict(sorted(checks.items())),
        "flags": dict(sorted(flags.items())),
    }


def read_observations(directory: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every source's observations, in source-name order, and per source the rows its
    parser rejected before they became observations (kept in the file's attrs)."""
    paths = sorted(Path(directory).glob("*.parquet"))
    frames = [pd.read_parquet(path) for path in paths]
    if not frames:
        raise FileNotFoundError(f"{directory}: no observation files (*.parquet)")
    rejected = {path.stem: int(frame.attrs.get(REJECTED_ROWS, 0)) for path, frame in zip(paths, frames)}
    return pd.concat(frames, ignore_index=True).reindex(columns=observation_columns()), rejected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=Path, required=True)
    parser.add_argument("--valid", type=Path, required=True)
    parser.add_argument("--quarantine", type=Path, required=True)
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--published", type=Path,
                        help="the last build's matches.csv: which copy of a duplicate was there first")
    args = parser.parse_args(argv)

    observations, rejected = read_observations(args.observations)
    result = validate_observations(observations, load_params("validate"), read_published(args.published))
    for source, count in rejected.items():
        result.summary["by_source"].setdefault(source, {"input": 0, "valid": 0, "quarantined": 0})
        result.summary["by_source"][source]["rejected_by_parser"] = count
    write_parquet(args.valid, result.valid)
    quarantined = result.quarantined.reindex(columns=[*observation_columns(), *QUARANTINE_COLUMNS])
    write_csv(args.quarantine, quarantined)
    write_json(args.summary, result.summary)
    summary = result.summary
    print(
        f"validate: {summary['input_rows']} observations, {summary['valid_rows']} valid, "
        f"{summary['quarantined_rows']} quarantined (see {args.quarantine})"
    )


if __name__ == "__main__":
    main()
