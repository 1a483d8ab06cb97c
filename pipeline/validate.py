"""Validate stage: every observation is either valid or quarantined with its reasons.

    python -m pipeline.validate --observations DIR --valid FILE --quarantine FILE --summary FILE

Validation is lazy (all failures of all rows are collected). Rows that fail any
check go to the quarantine file with the column, the check and the value; the
others flow on. Warnings that do not remove a row (compute inconsistent with
6·N·D) are added to its `flags`. Input rows = valid + quarantined, always.
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

from pipeline.io import load_params, write_csv, write_json, write_parquet
from pipeline.schema import (
    CHECK_COLUMNS,
    numbers_without_evidence,
    observation_columns,
    observation_schema,
)

QUARANTINE_COLUMNS = ("quarantine_column", "quarantine_check", "quarantine_value", "quarantine_reason")
COMPUTE_FLAG = "compute_inconsistent_with_6ND"


@dataclass
class ValidationResult:
    valid: pd.DataFrame
    quarantined: pd.DataFrame
    summary: dict[str, Any]


def compute_6nd_ratio(observations: pd.DataFrame) -> pd.Series:
    """Stated training compute over 6·N·D (N: active parameters when known)."""
    active = observations["params_active"].fillna(observations["params_total"])
    return observations["training_compute_flop"] / (6.0 * active * observations["training_tokens"])


def add_flags(observations: pd.DataFrame, compute_tolerance: float) -> pd.DataFrame:
    """Flag rows whose compute is off 6·N·D by more than the tolerance factor."""
    flagged = observations.copy()
    ratio = compute_6nd_ratio(flagged)
    inconsistent = (ratio > compute_tolerance) | (ratio < 1.0 / compute_tolerance)
    previous = flagged["flags"].astype("object").where(flagged["flags"].notna(), None)
    flagged["flags"] = [
        "; ".join(filter(None, [old, COMPUTE_FLAG if bad else None])) or None
        for old, bad in zip(previous, inconsistent.fillna(False))
    ]
    return flagged


def _format_value(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or (isinstance(value, float) and np.isnan(value)):
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


def validate_observations(observations: pd.DataFrame, params: dict[str, Any]) -> ValidationResult:
    """Split observations into valid (coerced to the schema) and quarantined rows."""
    observations = add_flags(observations.reset_index(drop=True), float(params["compute_6nd_tolerance"]))
    schema = observation_schema(pd.Timestamp(params["as_of_date"]))
    try:
        schema.validate(observations, lazy=True)
        reasons: dict[int, list[tuple]] = {}
    except pa.errors.SchemaErrors as errors:
        reasons = _failure_reasons(errors.failure_cases, observations)

    bad_index = sorted(reasons)
    # The rows left passed every check above; they only need the schema's types.
    valid = schema.coerce_dtype(observations.drop(index=bad_index)).reset_index(drop=True)
    quarantined = observations.loc[bad_index].copy()
    for position, name in enumerate(QUARANTINE_COLUMNS[:3]):
        quarantined[name] = [" | ".join(reason[position] for reason in reasons[i]) for i in bad_index]
    quarantined["quarantine_reason"] = [
        " | ".join(f"{column} {value!s} fails {check}" for column, check, value in reasons[i])
        for i in bad_index
    ]
    quarantined = quarantined.reset_index(drop=True)
    if len(valid) + len(quarantined) != len(observations):
        raise AssertionError("validation lost rows: input != valid + quarantined")
    return ValidationResult(valid, quarantined, summarise(observations, valid, quarantined, reasons))


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


def read_observations(directory: Path) -> pd.DataFrame:
    """Every source's observations, in source-name order."""
    frames = [pd.read_parquet(path) for path in sorted(Path(directory).glob("*.parquet"))]
    if not frames:
        raise FileNotFoundError(f"{directory}: no observation files (*.parquet)")
    return pd.concat(frames, ignore_index=True).reindex(columns=observation_columns())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=Path, required=True)
    parser.add_argument("--valid", type=Path, required=True)
    parser.add_argument("--quarantine", type=Path, required=True)
    parser.add_argument("--summary", type=Path, required=True)
    args = parser.parse_args(argv)

    result = validate_observations(read_observations(args.observations), load_params("validate"))
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
