"""Check the curated registry against an independent database: Epoch AI's.

Each registry model is matched to at most one Epoch row: by its name or one of its
aliases, normalised (`slugify`, which spells out Greek letters and "+"), or
through the reviewed name map `raw/registry/crosscheck/name_map.yaml` (registry
model_id → Epoch model name, or null for "no counterpart": an identical name that is
really another model). The map wins over names. The written report leaves out
Epoch's own values (the repository keeps no copy of their data). Fuzzy matching (rapidfuzz, same year) only *proposes* candidates
for a curator to review (`--propose`); it never makes a match.

For every match we compare:
- parameters: ratio ours / Epoch's; a disagreement beyond a factor of 1.1 either way;
- publication date: days from Epoch's date to our period (0 when Epoch's day falls
  inside our "YYYY" or "YYYY-MM"); a disagreement beyond 31 days.

A disagreement is explained by an entry of `raw/registry/crosscheck/exceptions.yaml`
(model_id, field, ours, epoch, reason) only while both values are still the ones
reviewed: when either side changes, the disagreement needs a new review.

`python -m pipeline.crosscheck --epoch PATH` (a snapshot CSV, or a directory whose
newest snapshot is used) prints a summary, writes `reports/crosscheck.csv`, and
exits 1 when a disagreement is unexplained.

Epoch's CSV is read here by a deliberately small reader (name, parameters, date),
independent of the Epoch source plug-in, so the check does not inherit its rules.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from rapidfuzz import fuzz, process

from pipeline import cli, resolve
from pipeline.io import read_yaml, write_csv
from pipeline.sources import registry
from pipeline.sources.registry import slugify

EPOCH_NAME_COLUMNS = ("Model", "System")  # newest spelling first
EPOCH_PARAMS_COLUMN = "Parameters"
EPOCH_DATE_COLUMN = "Publication date"
SNAPSHOT_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")

PARAMS_TOLERANCE = 1.10  # ratio beyond 1.1 (or below 1/1.1) is a disagreement
DATE_TOLERANCE_DAYS = 31
FIELDS = ("params_total", "publication_date")
DATE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}

CROSSCHECK_DIR = Path("raw/registry/crosscheck")
NAME_MAP_PATH = CROSSCHECK_DIR / "name_map.yaml"
EXCEPTIONS_PATH = CROSSCHECK_DIR / "exceptions.yaml"
REPORT_PATH = Path("reports/crosscheck.csv")
COMPARISON_COLUMNS = [
    "model_id", "name", "epoch_name", "matched_by",
    "params_ours", "params_epoch", "params_ratio", "params_status",
    "date_ours", "date_epoch", "date_difference_days", "date_status",
    "status",
]
# The written report leaves out Epoch's own values: the repository keeps no copy of their data.
REPORT_COLUMNS = [column for column in COMPARISON_COLUMNS if column not in ("params_epoch", "date_epoch")]
FUZZY_MIN_SCORE = 85
FUZZY_CANDIDATES = 3


# --- reading --------------------------------------------------------------------------

def newest_snapshot(directory: Path) -> Path:
    """The CSV whose file name carries the latest date (then the last name, to be deterministic)."""
    dated = [(SNAPSHOT_DATE.search(path.name).group(1), path.name, path)
             for path in directory.glob("*.csv") if SNAPSHOT_DATE.search(path.name)]
    if not dated:
        raise FileNotFoundError(f"{directory}: no snapshot named …YYYY-MM-DD….csv")
    return max(dated)[2]


def read_csv_header(path: Path) -> list[str]:
    """The column names of a CSV file; a file that is not one is refused by name."""
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: empty, not a CSV file with a header") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path}: not a readable CSV file ({error})") from None


def missing_epoch_columns(header: list[str]) -> list[str]:
    """The columns read_epoch needs that header lacks; the name column by its accepted spellings."""
    missing = [] if any(column in header for column in EPOCH_NAME_COLUMNS) else [" or ".join(EPOCH_NAME_COLUMNS)]
    return missing + [column for column in (EPOCH_PARAMS_COLUMN, EPOCH_DATE_COLUMN) if column not in header]


def read_epoch(path: Path) -> pd.DataFrame:
    """Epoch's name, parameters and date columns as (epoch_name, params_epoch, date_epoch)."""
    header = read_csv_header(path)
    if missing := missing_epoch_columns(header):
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    name_column = next(column for column in EPOCH_NAME_COLUMNS if column in header)
    try:
        table = pd.read_csv(path, usecols=[name_column, EPOCH_PARAMS_COLUMN, EPOCH_DATE_COLUMN],
                            dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ValueError(f"{path}: not a readable CSV file ({error})") from None
    return pd.DataFrame({
        "epoch_name": table[name_column].str.strip(),
        "params_epoch": pd.to_numeric(table[EPOCH_PARAMS_COLUMN].str.strip(), errors="coerce"),
        "date_epoch": pd.to_datetime(table[EPOCH_DATE_COLUMN].str.strip(), format="%Y-%m-%d", errors="coerce"),
    })


def read_name_map(path: Path) -> dict[str, str | None]:
    """Reviewed registry model_id → Epoch model name (None: no counterpart in Epoch)."""
    return resolve.read_name_map(path) if path.exists() else {}


def read_exceptions(path: Path) -> pd.DataFrame:
    """Reviewed disagreements as a frame (model_id, field, ours, epoch, reason)."""
    columns = ["model_id", "field", "ours", "epoch", "reason"]
    if not path.exists():
        return pd.DataFrame(columns=columns)
    document = read_yaml(path) or {}
    entries = (document.get("exceptions") or []) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: an exceptions file is a mapping with an 'exceptions:' list")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: exception {number} is not a mapping of {columns}")
        absent = [key for key in columns if entry.get(key) in (None, "")]
        if absent or entry["field"] not in FIELDS:
            raise ValueError(f"{path}: exception {number} ({entry.get('model_id')}): "
                             f"needs {columns} with field in {FIELDS}")
    return pd.DataFrame([{key: entry[key] for key in columns} for entry in entries], columns=columns)


# --- matching -------------------------------------------------------------------------

def registry_keys(row: pd.Series) -> list[str]:
    """Keys a registry model is known by: its name's, then its aliases'."""
    aliases = row["aliases"].split(" | ") if isinstance(row["aliases"], str) else []
    return [slugify(row["name"]), *(slugify(alias) for alias in aliases)]


def distinct_epoch_rows(epoch: pd.DataFrame) -> pd.DataFrame:
    """Named Epoch rows with their key; exact repeats (same key, parameters and date) dropped."""
    named = epoch[epoch["epoch_name"] != ""].assign(key=lambda frame: frame["epoch_name"].map(slugify))
    return named.drop_duplicates(["key", "params_epoch", "date_epoch"])


def unambiguous_epoch_rows(epoch: pd.DataFrame) -> pd.DataFrame:
    """Epoch rows indexed by key; a key whose rows disagree cannot be matched by name."""
    return distinct_epoch_rows(epoch).drop_duplicates("key", keep=False).set_index("key")


def ambiguous_epoch_names(epoch: pd.DataFrame) -> list[str]:
    """Epoch names shared by rows with different parameters or dates."""
    distinct = distinct_epoch_rows(epoch)
    return sorted(set(distinct.loc[distinct["key"].duplicated(keep=False), "epoch_name"]))


MATCH_COLUMNS = ["model_id", "name", "epoch_name", "matched_by", "params_ours", "params_epoch",
                 "publication_date", "date_precision", "date_epoch"]


def match_models(models: pd.DataFrame, epoch: pd.DataFrame, name_map: dict[str, str | None]) -> pd.DataFrame:
    """One row per registry model matched to an Epoch row, with how it was matched."""
    by_key = unambiguous_epoch_rows(epoch)
    matches = []
    for _, model in models.iterrows():
        if model["model_id"] in name_map:
            target = name_map[model["model_id"]]
            if target is None or slugify(target) not in by_key.index:
                continue
            key, matched_by = slugify(target), "name map"
        else:
            keys = registry_keys(model)
            known = [key for key in keys if key in by_key.index]
            if not known:
                continue
            key, matched_by = known[0], "name" if known[0] == keys[0] else "alias"
        epoch_row = by_key.loc[key]
        matches.append({
            "model_id": model["model_id"], "name": model["name"], "epoch_name": epoch_row["epoch_name"],
            "matched_by": matched_by,
            "params_ours": model["params_total"], "params_epoch": epoch_row["params_epoch"],
            "publication_date": model["publication_date"], "date_precision": model["date_precision"],
            "date_epoch": epoch_row["date_epoch"],
        })
    return pd.DataFrame(matches, columns=MATCH_COLUMNS).sort_values("model_id", ignore_index=True)


def unmapped_name_map_entries(name_map: dict[str, str | None], models: pd.DataFrame,
                              epoch: pd.DataFrame) -> list[str]:
    """Name-map entries whose model or Epoch name no longer exists (the map has gone stale)."""
    by_key = unambiguous_epoch_rows(epoch)
    known_models = set(models["model_id"])
    return sorted(model_id for model_id, target in name_map.items()
                  if model_id not in known_models or (target is not None and slugify(target) not in by_key.index))


def propose_candidates(models: pd.DataFrame, epoch: pd.DataFrame, matched_ids: set[str],
                       name_map: dict[str, str | None]) -> pd.DataFrame:
    """Fuzzy same-year Epoch names for unmatched models: proposals to review, never matches."""
    named = epoch[(epoch["epoch_name"] != "") & epoch["date_epoch"].notna()]
    proposals = []
    for _, model in models.iterrows():
        if model["model_id"] in matched_ids or model["model_id"] in name_map or pd.isna(model["publication_date"]):
            continue
        same_year = named[named["date_epoch"].dt.year == model["publication_date"].year]
        choices = {name: slugify(name).replace("-", " ") for name in same_year["epoch_name"]}
        query = registry_keys(model)[0].replace("-", " ")
        for _, score, name in process.extract(query, choices, scorer=fuzz.token_set_ratio,
                                              limit=FUZZY_CANDIDATES, score_cutoff=FUZZY_MIN_SCORE):
            proposals.append({"model_id": model["model_id"], "epoch_name": name, "score": round(score, 1)})
    columns = ["model_id", "epoch_name", "score"]
    return pd.DataFrame(proposals, columns=columns).sort_values(["model_id", "score", "epoch_name"],
                                                                ascending=[True, False, True], ignore_index=True)


# --- comparing ------------------------------------------------------------------------

def params_ratio(ours: float, theirs: float) -> float:
    """Ours / Epoch's; NaN when either count is missing or not positive."""
    if pd.isna(ours) or pd.isna(theirs) or ours <= 0 or theirs <= 0:
        return math.nan
    return ours / theirs


def params_disagree(ratio: float) -> bool:
    return not pd.isna(ratio) and not (1 / PARAMS_TOLERANCE <= ratio <= PARAMS_TOLERANCE)


def period_end(start: pd.Timestamp, precision: str) -> pd.Timestamp:
    """Last day of the period a date of this precision stands for."""
    if precision == "year":
        return start + pd.offsets.YearEnd(0)
    if precision == "month":
        return start + pd.offsets.MonthEnd(0)
    return start


def date_difference_days(ours: pd.Timestamp, precision: str, theirs: pd.Timestamp) -> float:
    """Days from Epoch's date to our period (ours later: positive); 0 inside our period."""
    if pd.isna(ours) or pd.isna(theirs):
        return math.nan
    end = period_end(ours, precision or "day")
    if theirs < ours:
        return float((ours - theirs).days)
    if theirs > end:
        return float(-(theirs - end).days)
    return 0.0


def date_disagree(difference: float) -> bool:
    return not pd.isna(difference) and abs(difference) > DATE_TOLERANCE_DAYS


def date_text(date: pd.Timestamp, precision: str | None) -> str:
    """A date at the precision its source gives, as written in the registry."""
    if pd.isna(date):
        return ""
    return date.strftime(DATE_FORMATS[precision or "day"])


def same_value(field: str, reviewed: Any, current: Any) -> bool:
    """Whether a reviewed exception still describes the current value."""
    if field == "publication_date":
        return str(reviewed).strip() == str(current).strip()
    try:
        return math.isclose(float(reviewed), float(current), rel_tol=1e-6)
    except (TypeError, ValueError):
        return False


def field_status(disagrees: bool, model_id: str, field: str, ours: Any, theirs: Any,
                 exceptions: pd.DataFrame) -> str:
    """ok, exception (a reviewed entry covers these exact values) or unexplained."""
    if not disagrees:
        return "ok"
    reviewed = exceptions[(exceptions["model_id"] == model_id) & (exceptions["field"] == field)]
    covered = any(same_value(field, entry["ours"], ours) and same_value(field, entry["epoch"], theirs)
                  for _, entry in reviewed.iterrows())
    return "exception" if covered else "unexplained"


def overall_status(statuses: list[str]) -> str:
    for status in ("unexplained", "exception"):
        if status in statuses:
            return status
    return "ok"


def compare(matches: pd.DataFrame, exceptions: pd.DataFrame) -> pd.DataFrame:
    """The report: ratio, date difference and status of every matched model."""
    rows = []
    for _, match in matches.iterrows():
        ratio = params_ratio(match["params_ours"], match["params_epoch"])
        difference = date_difference_days(match["publication_date"], match["date_precision"], match["date_epoch"])
        ours_date = date_text(match["publication_date"], match["date_precision"])
        epoch_date = date_text(match["date_epoch"], "day")
        params_status = field_status(params_disagree(ratio), match["model_id"], "params_total",
                                     match["params_ours"], match["params_epoch"], exceptions)
        date_status = field_status(date_disagree(difference), match["model_id"], "publication_date",
                                   ours_date, epoch_date, exceptions)
        rows.append({
            "model_id": match["model_id"], "name": match["name"], "epoch_name": match["epoch_name"],
            "matched_by": match["matched_by"],
            "params_ours": match["params_ours"], "params_epoch": match["params_epoch"],
            "params_ratio": ratio, "params_status": params_status,
            "date_ours": ours_date, "date_epoch": epoch_date, "date_difference_days": difference,
            "date_status": date_status, "status": overall_status([params_status, date_status]),
        })
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS).sort_values("model_id", ignore_index=True)


def unused_exceptions(report: pd.DataFrame, exceptions: pd.DataFrame) -> list[str]:
    """Exceptions that no current disagreement needs (fixed, or values changed since review)."""
    status_column = {"params_total": "params_status", "publication_date": "date_status"}
    used = {(row["model_id"], field) for _, row in report.iterrows()
            for field, column in status_column.items() if row[column] == "exception"}
    return sorted(f"{entry['model_id']} {entry['field']}" for _, entry in exceptions.iterrows()
                  if (entry["model_id"], entry["field"]) not in used)


# --- summary and command line ---------------------------------------------------------

def summarise(report: pd.DataFrame, registry_size: int) -> dict[str, Any]:
    """Counts behind the printed summary (and the acceptance test)."""
    compared = report[report["params_ratio"].notna()]
    agree = int((compared["params_status"] == "ok").sum())
    dated = report["date_difference_days"].dropna().abs()
    return {
        "registry_models": registry_size,
        "matched": len(report),
        "params_compared": len(compared),
        "params_agree": agree,
        "params_agree_share": agree / len(compared) if len(compared) else math.nan,
        "dates_compared": len(dated),
        "dates_same_period": int((dated == 0).sum()),
        "dates_within_tolerance": int((dated <= DATE_TOLERANCE_DAYS).sum()),
        "date_difference_median_days": float(dated.median()) if len(dated) else math.nan,
        "status_counts": report["status"].value_counts().sort_index().to_dict(),
    }


def format_summary(summary: dict[str, Any], report: pd.DataFrame, stale: list[str]) -> str:
    """The printed summary: counts, then every unexplained disagreement and stale review entry."""
    lines = [
        f"{summary['matched']} of {summary['registry_models']} registry models matched Epoch",
        f"parameters: {summary['params_agree']} of {summary['params_compared']} compared agree within 10% "
        f"({summary['params_agree_share']:.1%})",
        f"dates: {summary['dates_compared']} compared, {summary['dates_same_period']} same day/period, "
        f"{summary['dates_within_tolerance']} within {DATE_TOLERANCE_DAYS} days, "
        f"median |difference| {summary['date_difference_median_days']:.0f} days",
        "status: " + ", ".join(f"{status} {count}" for status, count in summary["status_counts"].items()),
    ]
    unexplained = report[report["status"] == "unexplained"]
    for _, row in unexplained.iterrows():
        lines.append(f"  unexplained {row['model_id']} ~ {row['epoch_name']}: params {row['params_ours']:.4g} vs "
                     f"{row['params_epoch']:.4g} (ratio {row['params_ratio']:.3g}), date {row['date_ours']} vs "
                     f"{row['date_epoch']} ({row['date_difference_days']:+.0f} d)")
    lines.extend(f"  stale: {entry}" for entry in stale)
    return "\n".join(lines)


class Inputs(NamedTuple):
    models: pd.DataFrame
    epoch: pd.DataFrame
    name_map: dict[str, str | None]
    exceptions: pd.DataFrame


def load_inputs(epoch_path: Path, registry_dir: Path = Path("raw/registry"),
                name_map_path: Path = NAME_MAP_PATH, exceptions_path: Path = EXCEPTIONS_PATH) -> Inputs:
    """The registry, one Epoch snapshot (the newest, for a directory) and the reviewed files."""
    if not registry_dir.is_dir() or not any(registry_dir.glob("*.yaml")):
        raise FileNotFoundError(f"{registry_dir}: not a directory of registry files (*.yaml)")
    snapshot = newest_snapshot(epoch_path) if epoch_path.is_dir() else epoch_path
    if not snapshot.is_file():
        raise FileNotFoundError(f"{snapshot}: no such Epoch snapshot file")
    return Inputs(registry.parse({"path": str(registry_dir)}), read_epoch(snapshot),
                  read_name_map(name_map_path), read_exceptions(exceptions_path))


def crosscheck(inputs: Inputs) -> pd.DataFrame:
    return compare(match_models(inputs.models, inputs.epoch, inputs.name_map), inputs.exceptions)


def stale_reviews(inputs: Inputs, report: pd.DataFrame) -> list[str]:
    """Reviewed entries (exceptions, name map) that the current data no longer needs or finds."""
    return ([f"exception {entry}" for entry in unused_exceptions(report, inputs.exceptions)]
            + [f"name map {entry}" for entry in unmapped_name_map_entries(inputs.name_map, inputs.models,
                                                                          inputs.epoch)])


def main(argv: list[str] | None = None) -> int:
    parser = cli.ArgumentParser("crosscheck", description=__doc__.splitlines()[0])
    parser.add_argument("--epoch", type=Path, required=True, help="Epoch snapshot CSV, or a directory of them")
    parser.add_argument("--registry", type=Path, default=Path("raw/registry"))
    parser.add_argument("--name-map", type=Path, default=NAME_MAP_PATH)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS_PATH)
    parser.add_argument("--out", type=Path, default=REPORT_PATH)
    parser.add_argument("--propose", action="store_true",
                        help="also print fuzzy same-year candidates for unmatched models (to review)")
    args = parser.parse_args(argv)

    if args.out.is_dir():
        cli.fail("crosscheck", f"--out {args.out} is a directory; give the path of the CSV file to write")
    try:  # ValueError: a file that is not what it should be (RegistryError is one), named in the message
        inputs = load_inputs(args.epoch, args.registry, args.name_map, args.exceptions)
        report = crosscheck(inputs)
        write_csv(args.out, report[REPORT_COLUMNS], float_format="%.6g")
    except (OSError, ValueError) as error:
        cli.fail("crosscheck", error)
    print(format_summary(summarise(report, len(inputs.models)), report, stale_reviews(inputs, report)))
    if ambiguous := ambiguous_epoch_names(inputs.epoch):
        print("Epoch names too ambiguous to match: " + ", ".join(ambiguous))
    if args.propose:
        proposals = propose_candidates(inputs.models, inputs.epoch, set(report["model_id"]), inputs.name_map)
        print(proposals.to_string(index=False))
    print(f"wrote {args.out}")
    return 1 if (report["status"] == "unexplained").any() else 0


if __name__ == "__main__":
    cli.run(main)
