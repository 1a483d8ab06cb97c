"""Epoch AI's model database (`all_ai_models.csv`) as observations.

Collect downloads the CSV and refuses it (keeping older snapshots) when it is empty,
HTML, or lacks a required column. Parse reads the newest snapshot on or before
`as_of`; every row becomes one observation, even a bad one: validate quarantines
what breaks a rule (a future date, a number out of range, an empty name).

Column names drift between Epoch releases; `COLUMN_ALIASES` maps every known
spelling to our field. A column that is neither aliased nor in `KNOWN_UNUSED_COLUMNS`
is new: its values are written to the side file `unknown_columns_out` and reported,
never a crash. A missing required column is an error that names it.

Rules for Epoch's conventions (the original cell goes to `notes` whenever one fires):
- Domain: a single value in our vocabulary is kept; a single value outside it goes
  through `DOMAIN_MAP` (Video → Vision, Audio → Speech, others → Other). A list
  ("Multimodal,Language,Vision") becomes Multimodal when it names Multimodal or
  more than one of Language / Vision / Speech; otherwise its first value, mapped.
  An empty domain becomes Other.
- Dates: Epoch writes an unknown day as YYYY-MM-15 and an unknown month as
  YYYY-07-01. A real 15th or 1 July cannot be told apart from a placeholder, so we
  claim only what is certain: -15 → month precision (YYYY-MM-01), 07-01 → year
  precision (YYYY-01-01); every other date has day precision.
- Confidence: Confident / Likely / Speculative map to ours (the latter two with
  `confidence_basis` naming Epoch's rating); Unverified, Unknown and empty map to
  none. "Wrong" (Epoch says the record is wrong): the numbers are dropped, kept in
  notes, and the row is flagged `epoch_marked_wrong`.
- Training dataset size (datapoints) counts tokens only for Language and
  Multimodal models; for images, audio, games… it is kept in notes, not as tokens.
- Names: an empty name stays empty (validate quarantines the row; its model_id is
  `epoch-unnamed-row-N`). Names that repeat get the publication date appended to
  the model_id (then `-2`, `-3`… in file order), noted in notes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.collect import empty_observations, latest_snapshot, observations_frame
from pipeline.http import ContentError, Fetcher
from pipeline.io import write_csv
from pipeline.schema import CONFIDENCES, DOMAINS
from pipeline.sources.registry import slugify

SOURCE = "epoch"
PRODUCER = "Epoch AI"
CITATION = (
    "Epoch AI, 'Data on AI Models'. Published online at epoch.ai. "
    "Retrieved from https://epoch.ai/data/ai-models"
)
LICENCE = "CC BY 4.0"
DATASET_URL = "https://epoch.ai/data/all_ai_models.csv"

# Our field → every spelling Epoch has used for it, newest first.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Model", "System"),
    "domain": ("Domain",),
    "organization": ("Organization",),
    "publication_date": ("Publication date",),
    "link": ("Link",),
    "params_total": ("Parameters",),
    "params_notes": ("Parameters notes",),
    "training_compute_flop": ("Training compute (FLOP)",),
    "compute_notes": ("Training compute notes",),
    "datapoints": ("Training dataset size (total)", "Training dataset size (datapoints)"),
    "datapoints_notes": ("Dataset size notes",),
    "confidence": ("Confidence",),
    "accessibility": ("Model accessibility",),
    "country": ("Country (of organization)", "Country (from Organization)"),  # known, not used yet
}
REQUIRED_FIELDS = ("name", "domain", "publication_date", "params_total", "training_compute_flop")
# Epoch columns we know and deliberately do not use (so they are not reported as new).
KNOWN_UNUSED_COLUMNS = frozenset({
    "Abstract", "Accessibility notes", "Approach", "Archived links", "Authors", "Base model",
    "Batch size", "Batch size notes", "Benchmark data", "Citations", "Compute cost notes", "Epochs",
    "Finetune compute (FLOP)", "Finetune compute notes", "Foundation model", "Frontier model",
    "Hardware quantity", "Hardware utilization", "Inference code accessibility", "Last modified",
    "Notability criteria", "Notability criteria notes", "Organization categorization", "Reference",
    "Training cloud compute vendor", "Training code accessibility", "Training compute cost (2023 USD)",
    "Training compute estimation method", "Training compute lower bound", "Training compute upper bound",
    "Training data center", "Training dataset", "Training dataset notes", "Training hardware",
    "Training power draw (W)", "Training time (hours)", "Training time notes",
})

DOMAIN_MAP = {"Video": "Vision", "Audio": "Speech"}  # single values outside our vocabulary; others → Other
MODALITIES = frozenset({"Language", "Vision", "Speech"})
TOKEN_DOMAINS = frozenset({"Language", "Multimodal"})
WRONG_CONFIDENCE = "wrong"
WRONG_FLAG = "epoch_marked_wrong"
EVIDENCE_FIELDS = {  # our numeric field → (our internal alias key, its notes column key)
    "params_total": ("params_total", "params_notes"),
    "training_compute_flop": ("training_compute_flop", "compute_notes"),
    "training_tokens": ("datapoints", "datapoints_notes"),
}
NOTE_CHARS = 300
URL_PATTERN = re.compile(r"https?://[^\s,;]+")
CSV_CONTENT_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream", "")


class EpochLayoutError(ContentError):
    """The CSV lacks a column we need: Epoch changed its layout."""


# -- layout -----------------------------------------------------------------


def resolve_columns(header: list[str], where: str) -> tuple[dict[str, str], list[str]]:
    """(our field → the CSV column that holds it, unknown columns); checks required ones."""
    present = set(header)
    resolved = {
        field: next(name for name in spellings if name in present)
        for field, spellings in COLUMN_ALIASES.items()
        if any(name in present for name in spellings)
    }
    missing = [COLUMN_ALIASES[field][0] for field in REQUIRED_FIELDS if field not in resolved]
    if missing:
        quoted = ", ".join(f"'{name}'" for name in missing)
        raise EpochLayoutError(where, f"layout changed: required column(s) {quoted} missing")
    used = set(resolved.values())
    unknown = sorted(name for name in header if name not in used and name not in KNOWN_UNUSED_COLUMNS)
    return resolved, unknown


def read_table(text: str, where: str) -> pd.DataFrame:
    """The CSV as text cells (empty string for empty)."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ContentError(where, f"not a readable CSV ({error})") from error
    return frame


# -- collect ----------------------------------------------------------------


def check_csv_body(url: str, content_type: str, body: bytes) -> None:
    """Refuse bodies that cannot be Epoch's CSV: empty, HTML, or a changed layout."""
    if not body.strip():
        raise ContentError(url, "empty body where a CSV was expected")
    head = body[:512].lstrip().lower()
    if content_type in ("text/html", "application/xhtml+xml") or head.startswith((b"<!doctype", b"<html")):
        raise ContentError(url, f"HTML ({content_type or 'by its content'}) where a CSV was expected")
    if content_type not in CSV_CONTENT_TYPES:
        raise ContentError(url, f"content type '{content_type}' where a CSV was expected")
    first_line = body.decode("utf-8-sig", errors="replace").splitlines()[0]
    header = next(csv.reader([first_line]))
    resolve_columns(header, url)


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    url = config.get("url", DATASET_URL)
    response = fetcher.get(url, accept="text/csv")
    check_csv_body(url, response.content_type, response.body)
    file_name = Path(url.split("?")[0]).name or "all_ai_models.csv"
    (snapshot_dir / file_name).write_bytes(response.body)
    return [response.file_record(file_name)]


# -- cell rules (pure) ------------------------------------------------------


def map_domain(cell: str) -> str:
    values = [value.strip() for value in cell.split(",") if value.strip()]
    if not values:
        return "Other"
    if len(values) > 1 and ("Multimodal" in values or len(MODALITIES.intersection(values)) > 1):
        return "Multimodal"
    first = values[0]
    return first if first in DOMAINS else DOMAIN_MAP.get(first, "Other")


def parse_epoch_date(cell: str) -> tuple[pd.Timestamp, str | None]:
    """(date truncated to what is certain, precision); NaT for empty or unreadable cells."""
    text = cell.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return pd.NaT, None
    try:
        date = pd.Timestamp(text)
    except ValueError:
        return pd.NaT, None
    if date.month == 7 and date.day == 1:
        return pd.Timestamp(year=date.year, month=1, day=1), "year"
    if date.day == 15:
        return pd.Timestamp(year=date.year, month=date.month, day=1), "month"
    return date, "day"


def parse_number(cell: str) -> float:
    try:
        return float(cell.strip()) if cell.strip() else float("nan")
    except ValueError:
        return float("nan")


def map_open_weights(cell: str) -> bool | None:
    text = cell.strip().lower()
    if not text:
        return None
    return text.startswith(("open weights", "open access", "open source"))


def first_url(cell: str) -> str | None:
    match = URL_PATTERN.search(cell)
    return match.group(0) if match else None


def truncate(text: str, limit: int = NOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unique_model_ids(
    names: list[str], dates: list[str], unnamed_prefix: str = SOURCE
) -> tuple[list[str], list[str | None]]:
    """model_id per row, unique: repeated names get their date, then -2, -3… (with a note).

    Shared by the live sources: observations must be unique per (source, model_id).
    """
    slugs = [slugify(name) for name in names]
    counts = pd.Series(slugs).value_counts()
    ids: list[str] = []
    notes: list[str | None] = []
    taken: set[str] = set()
    for row, (slug, date) in enumerate(zip(slugs, dates)):
        if not slug:
            ids.append(f"{unnamed_prefix}-unnamed-row-{row + 1}")
            notes.append("row has no model name")
            continue
        if counts[slug] == 1:
            ids.append(slug)
            notes.append(None)
            continue
        candidate = slugify(f"{slug} {date}") if date else slug
        base, suffix = candidate, 2
        while candidate in taken:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(candidate)
        ids.append(candidate)
        notes.append(f"{counts[slug]} rows share this name; model_id made unique as {candidate}")
    return ids, notes


# -- parse --------------------------------------------------------------------


def row_to_observation(
    cells: dict[str, str], columns: dict[str, str], record: str, dataset_url: str
) -> dict[str, Any]:
    """One Epoch row (cells by our field name; columns: field → CSV column) to one observation.

    The caller sets model_id, which depends on the other rows.
    """
    notes: list[str] = []
    domain_cell = cells.get("domain", "")
    domain = map_domain(domain_cell)
    if domain_cell.strip() != domain:
        notes.append(f"Epoch domain: {domain_cell.strip() or '(empty)'}")
    date, precision = parse_epoch_date(cells.get("publication_date", ""))
    if precision in ("month", "year"):
        notes.append(f"Epoch date {cells['publication_date'].strip()} may be a placeholder: read as {precision} precision")
    elif cells.get("publication_date", "").strip() and precision is None:
        notes.append(f"unreadable Epoch date: {cells['publication_date'].strip()}")

    numbers = {
        "params_total": parse_number(cells.get("params_total", "")),
        "params_active": float("nan"),
        "training_compute_flop": parse_number(cells.get("training_compute_flop", "")),
        "training_tokens": parse_number(cells.get("datapoints", "")),
        "mmlu": float("nan"),
    }
    if domain not in TOKEN_DOMAINS and pd.notna(numbers["training_tokens"]):
        notes.append(f"Epoch training dataset size (datapoints, not tokens): {cells['datapoints'].strip()}")
        numbers["training_tokens"] = float("nan")

    rating = cells.get("confidence", "").strip()
    confidence = rating.lower() if rating.lower() in CONFIDENCES else None
    flags = None
    if rating.lower() == WRONG_CONFIDENCE:
        stated = {field: value for field, value in numbers.items() if pd.notna(value)}
        notes.append(f"Epoch marks this record Wrong; numbers dropped: {json.dumps(stated, sort_keys=True)}")
        numbers = dict.fromkeys(numbers, float("nan"))
        flags = WRONG_FLAG
    elif rating and confidence is None:
        notes.append(f"Epoch confidence: {rating}")

    evidence = {}
    for field, (column_key, notes_key) in EVIDENCE_FIELDS.items():
        if pd.notna(numbers[field]):
            phrase = f"Epoch AI database, column {columns[column_key]}"
            if cells.get(notes_key, "").strip():
                phrase += f"; notes: {truncate(cells[notes_key])}"
            evidence[field] = phrase

    organizations = [part.strip() for part in cells.get("organization", "").split(",") if part.strip()]
    name = cells.get("name", "").strip()
    return {
        "name": name or None,
        "aliases": None,
        "family": None,
        "organization": ", ".join(organizations) or None,
        "publication_date": date,
        "date_precision": precision,
        "domain": domain,
        "task": None,
        "architecture": None,
        **numbers,
        "open_weights": map_open_weights(cells.get("accessibility", "")),
        "confidence": confidence,
        "flags": flags,
        "source": SOURCE,
        "source_record": record,
        "source_url": first_url(cells.get("link", "")) or dataset_url,
        "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False) if evidence else None,
        "field_urls": None,
        "confidence_basis": f"Epoch AI rates this record '{rating}'" if confidence in ("likely", "speculative") else None,
        "notes": "; ".join(notes) or None,
    }


def observations_from_csv(text: str, file_label: str, dataset_url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(observations, unknown-column values as model_id, column, value) of one Epoch CSV."""
    table = read_table(text, file_label)
    columns, unknown = resolve_columns(list(table.columns), file_label)
    by_field = pd.DataFrame({field: table[column] for field, column in columns.items()})
    ids, id_notes = unique_model_ids(by_field["name"].tolist(), by_field["publication_date"].tolist())
    rows = []
    for position, cells in enumerate(by_field.to_dict("records")):
        row = row_to_observation(cells, columns, f"{file_label} row {position + 1}", dataset_url)
        row["model_id"] = ids[position]
        if id_notes[position]:
            row["notes"] = "; ".join(filter(None, [row["notes"], id_notes[position]]))
        rows.append(row)
    observations = observations_frame(rows)
    extra = (
        table[unknown].assign(model_id=ids).melt(id_vars="model_id", var_name="column", value_name="value")
    )
    extra = extra[extra["value"].astype("str").str.strip() != ""].sort_values(["column", "model_id"], kind="stable")
    return observations, extra.reset_index(drop=True)


def parse(config: dict[str, Any]) -> pd.DataFrame:
    """Observations of the newest snapshot ≤ as_of (none: an empty frame)."""
    snapshot = latest_snapshot(Path(config["path"]), str(config["as_of"]))
    side_file = Path(config["unknown_columns_out"]) if config.get("unknown_columns_out") else None
    if snapshot is None:
        if side_file:
            side_file.unlink(missing_ok=True)
        return empty_observations()
    folder, metadata = snapshot
    csv_path = folder / metadata["files"][0]["path"]
    observations, extra = observations_from_csv(
        # Third-party text: undecodable bytes become U+FFFD rather than stopping the run.
        csv_path.read_text(encoding="utf-8-sig", errors="replace"), csv_path.as_posix(), metadata.get("url") or DATASET_URL
    )
    if side_file:
        if extra.empty:
            side_file.unlink(missing_ok=True)
        else:
            write_csv(side_file, extra)
    if not extra.empty:
        columns = ", ".join(sorted(extra["column"].unique()))
        where = f"; values kept in {side_file}" if side_file else ""
        print(f"parse: epoch: new column(s) not in the alias table: {columns}{where}", file=sys.stderr)
    return observations
