"""Epoch AI's model database (`all_ai_models.csv`) as observations.

Collect downloads the CSV and refuses it (keeping older snapshots) when it is empty,
HTML, or lacks a required column. Parse reads the newest snapshot on or before
`as_of`; every row becomes one observation, even a bad one: validate quarantines
what breaks a rule (a future date, a number out of range, an empty name). It works a
column at a time, so that files of hundreds of thousands of rows parse in seconds: each
rule is a plain function of a row's cells, computed once per distinct value.

`from_file` makes a snapshot of a CSV downloaded by hand (`python -m pipeline.collect
epoch --from-file …`), keeping only the columns parse reads as data (`KEPT_COLUMNS`):
no free text.

Column names drift between Epoch releases; `COLUMN_ALIASES` maps every known
spelling to our field. A column that is neither aliased nor in `KNOWN_UNUSED_COLUMNS`
is new: its values are written to the side file `unknown_columns_out` and reported,
never a crash. A missing required column is an error that names it.

Rules for Epoch's conventions (the original cell goes to `notes` whenever one fires):
- A row without any number that has no name, or nothing but a name (no date, no
  domain), says nothing about a model (a blank line, junk after the header): such
  rows are dropped before anything else is computed, and their count is printed and
  kept (`REJECTED_ROWS` in the frame's attrs, reported by validate). Every other row
  becomes an observation, and validate quarantines the stubs (no name, no date, no
  domain, a sentence for a name) with the reason.
- Domain: a single value in our vocabulary is kept; a single value outside it goes
  through `DOMAIN_MAP` (Video → Vision, Audio → Speech, others → Other). A list
  ("Multimodal,Language,Vision") becomes Multimodal when it names Multimodal or
  more than one of Language / Vision / Speech; otherwise its first value, mapped.
  An empty domain stays empty, and validate quarantines the row.
- Dates: Epoch writes an unknown day as YYYY-MM-15 and an unknown month as
  YYYY-07-01, but a real 15th or 1 July looks the same. The stated day is kept
  (precision day), and such a date is flagged `date_may_be_fill_in`.
- Numbers: a cell that is not a plain number but starts with one or is a written
  quantity ("2.4e+09 (est.)", "7B") is read and flagged `annotated_number(<field>)`;
  one that cannot be read is flagged `unreadable_number(<field>)`, which validate
  quarantines. The cell goes to notes either way: a number is never blanked silently.
- Architecture: Epoch states none, and unknown is not dense. A row is `moe` when the
  name says so ("MoE", "8x7B") or its parameter notes speak of experts or active
  parameters; otherwise the architecture is left empty.
- Parameter notes that state a single parameter count 10x or more away from the
  row's own count flag it `size_mismatch` (validate checks the name's size too).
- Confidence: Confident / Likely / Speculative map to ours (the latter two with
  `confidence_basis` naming Epoch's rating); Unverified, Unknown and empty map to
  none. "Wrong" (Epoch says the record is wrong): the numbers are dropped, kept in
  notes, and the row is flagged `epoch_marked_wrong`.
- Training dataset size (datapoints) counts tokens only for Language and
  Multimodal models; for images, audio, games… it is kept in notes, not as tokens.
  It is the size of the dataset: where Epoch states the epochs, the tokens seen in
  training are the size times the epochs (noted), else the size (one pass).
- Names that repeat get the publication date appended to the model_id (then `-2`,
  `-3`… in file order), noted in notes.
- Task and `Open model weights?` (newer layouts) are read when present; the latter
  wins over `Model accessibility`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.collect import empty_observations, imported_file_record, latest_snapshot, typed_observations
from pipeline.http import ContentError, Fetcher
from pipeline.io import write_csv
from pipeline import units
from pipeline.schema import (
    CONFIDENCES,
    DOMAINS,
    FILL_IN_DATE_FLAG,
    REJECTED_ROWS,
    SIZE_MISMATCH_FLAG,
    UNREADABLE_NUMBER_FLAG,
)
from pipeline.sources.registry import slugify, slugify_all

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
    "epochs": ("Epochs",),
    "confidence": ("Confidence",),
    "accessibility": ("Model accessibility",),
    "open_model_weights": ("Open model weights?",),
    "task": ("Task",),
    "notability": ("Notability criteria",),
    "country": ("Country (of organization)", "Country (from Organization)"),  # known, not used yet
}
REQUIRED_FIELDS = ("name", "domain", "publication_date", "params_total", "training_compute_flop")
# Prose written by Epoch or quoted from papers: a file import leaves it out, and collect does not
# compare it between snapshots. (Abstract, Authors, Reference… are not in the alias table at all.)
FREE_TEXT_FIELDS = ("params_notes", "compute_notes", "datapoints_notes")
# The columns a file import keeps: every spelling of the fields parse reads as data.
KEPT_COLUMNS = frozenset(
    spelling for field, spellings in COLUMN_ALIASES.items() if field not in FREE_TEXT_FIELDS for spelling in spellings
)
NUMBER_FIELDS = ("params_total", "training_compute_flop", "datapoints")  # their filled share is watched
# Epoch columns we know and deliberately do not use (so they are not reported as new).
KNOWN_UNUSED_COLUMNS = frozenset({
    "Abstract", "Accessibility notes", "Approach", "Archived links", "Authors", "Base model",
    "Batch size", "Batch size notes", "Benchmark data", "Citations", "Compute cost notes",
    "Finetune compute (FLOP)", "Finetune compute notes", "Foundation model", "Frontier model",
    "Hardware quantity", "Hardware utilization", "Inference code accessibility", "Last modified",
    "Notability criteria notes", "Organization categorization", "Reference",
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
MOE_NAME = re.compile(r"\bmoe\b|\d+x\d+(\.\d+)?b\b", re.IGNORECASE)
MOE_NOTES = re.compile(r"mixture[- ]of[- ]experts|\bmoe\b|\bexperts?\b|\bactive\b|\bactivated\b", re.IGNORECASE)
# Quantities in a notes cell, "<quantity> parameters" among them, and words that say a count
# is of a part or of another model.
NOTES_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)\s?(thousand|million|billion|trillion|[kmbt])\b", re.IGNORECASE)
NOTES_PARAMETER_COUNT = re.compile(NOTES_QUANTITY.pattern + r"\s*(?:total\s+)?param", re.IGNORECASE)
NOTES_OTHER_COUNT = re.compile(
    r"encoder|decoder|backbone|based on|\buses\b|lora|fine-?tun|fewer|variants|sizes|adapter|component|only|activ",
    re.IGNORECASE)
SIZE_MISMATCH_FACTOR = 10.0
# Python's \s spelled out: pyarrow's regular expressions (whose \s is ASCII only) read it alike.
WHITESPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
URL_PATTERN = re.compile(f"https?://[^{WHITESPACE},;]+")
PLAIN_DECIMAL = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
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
        # Bytes rather than a text stream: the same cells, read faster.
        frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ContentError(where, f"not a readable CSV ({error})") from error
    # Rows longer than the header make pandas index them by their first cells: number them instead.
    return frame.reset_index(drop=True)


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


def snapshot_file_name(url: str) -> str:
    return Path(url.split("?")[0]).name or "all_ai_models.csv"


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    url = config.get("url", DATASET_URL)
    response = fetcher.get(url, accept="text/csv")
    check_csv_body(url, response.content_type, response.body)
    file_name = snapshot_file_name(url)
    (snapshot_dir / file_name).write_bytes(response.body)
    return [response.file_record(file_name)]


def kept_columns_csv(table: pd.DataFrame) -> tuple[bytes, list[str], list[str]]:
    """(the CSV of table's `KEPT_COLUMNS` in file order, the columns kept, the columns left out).

    The cells are written back as read; the same table gives the same bytes.
    """
    kept = [column for column in table.columns if column in KEPT_COLUMNS]
    left_out = [column for column in table.columns if column not in KEPT_COLUMNS]
    return table[kept].to_csv(index=False, lineterminator="\n").encode("utf-8"), kept, left_out


def from_file(config: dict[str, Any], path: Path, snapshot_dir: Path) -> list[dict[str, Any]]:
    """Save into snapshot_dir the columns parse reads of an all_ai_models.csv downloaded by hand.

    Refused like a download (EpochLayoutError names a missing required column); the free
    text (`FREE_TEXT_FIELDS`, and the columns parse does not read) is left out.
    """
    body = Path(path).read_bytes()
    check_csv_body(path.name, "", body)
    table = read_table(body.decode("utf-8-sig", errors="replace"), path.name)
    written, kept, left_out = kept_columns_csv(table)
    file_name = snapshot_file_name(DATASET_URL)
    (snapshot_dir / file_name).write_bytes(written)
    return [imported_file_record(file_name, written, DATASET_URL, "text/csv",
                                 columns_kept=kept, columns_left_out=left_out)]


def snapshot_profile(folder: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    """What collect compares between two snapshots (`pipeline.collect.degradation`): the rows, the
    column of each field other than free text, and how many rows state each of `NUMBER_FIELDS`."""
    csv_path = folder / metadata["files"][0]["path"]
    table = read_table(csv_path.read_text(encoding="utf-8-sig", errors="replace"), csv_path.name)
    resolved, _ = resolve_columns(list(table.columns), csv_path.name)
    columns = {field: column for field, column in resolved.items() if field not in FREE_TEXT_FIELDS}
    filled = {
        field: int(pd.to_numeric(table[columns[field]].str.strip(), errors="coerce").notna().sum())
        for field in NUMBER_FIELDS if field in columns
    }
    return {"rows": len(table), "columns": columns, "filled": filled}


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
    """(date as stated, precision); NaT for empty or unreadable cells."""
    text = cell.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return pd.NaT, None
    try:
        return pd.Timestamp(text), "day"
    except ValueError:
        return pd.NaT, None


def read_number(cell: str) -> tuple[float, str | None]:
    """(value, how it was read): None for a plain number or an empty cell, "annotated" for a
    number with words around it ("2.4e+09 (est.)", "7B"), "unreadable" when there is none."""
    text = cell.strip()
    if not text:
        return float("nan"), None
    try:
        return float(text), None
    except ValueError:
        pass
    leading = re.match(PLAIN_DECIMAL, text)
    if leading and (len(leading.group(0)) == len(text) or not text[len(leading.group(0))].isalnum()):
        return float(leading.group(0)), "annotated"
    try:
        value = units.parse_quantity(text)
    except units.UnitParseError:
        value = None
    return (float(value), "annotated") if value is not None else (float("nan"), "unreadable")


def map_open_weights(cell: str) -> bool | None:
    text = cell.strip().lower()
    if not text:
        return None
    return text.startswith(("open weights", "open access", "open source", "yes", "true"))


def architecture_signal(name: str, params_notes: str) -> str | None:
    """moe when the name or the parameter notes say mixture-of-experts; else unknown (None)."""
    return "moe" if MOE_NAME.search(name) or MOE_NOTES.search(params_notes) else None


def notes_disagree(value: float, params_notes: str) -> bool:
    """Whether the notes state one quantity, a parameter count of the model itself, 10x or more from value."""
    quantities = {units.parse_quantity(f"{number} {unit}") for number, unit in NOTES_QUANTITY.findall(params_notes)}
    if (len(quantities) != 1 or not NOTES_PARAMETER_COUNT.search(params_notes) or not value > 0
            or NOTES_OTHER_COUNT.search(params_notes)):
        return False
    stated = quantities.pop()
    return max(stated, value) / min(stated, value) >= SIZE_MISMATCH_FACTOR


def first_url(cell: str) -> str | None:
    match = URL_PATTERN.search(cell)
    return match.group(0) if match else None


def truncate(text: str, limit: int = NOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def read_domain(cell: str) -> tuple[str | None, str | None]:
    """(our domain, note keeping Epoch's cell when it differs); empty stays empty."""
    if not cell.strip():
        return None, None
    domain = map_domain(cell)
    return domain, None if cell.strip() == domain else f"Epoch domain: {cell.strip()}"


def read_date(cell: str) -> tuple[pd.Timestamp, str | None, str | None, str | None]:
    """(date, precision, note, flag): a day Epoch may have filled in is kept and flagged."""
    date, precision = parse_epoch_date(cell)
    if cell.strip() and precision is None:
        return date, precision, f"unreadable Epoch date: {cell.strip()}", None
    if precision and (date.day == 15 or (date.month, date.day) == (7, 1)):
        return date, precision, None, FILL_IN_DATE_FLAG
    return date, precision, None, None


def read_confidence(cell: str) -> tuple[str | None, str | None, str | None, bool]:
    """(our confidence, its basis, note on a rating we do not use, whether Epoch says Wrong)."""
    rating = cell.strip()
    confidence = rating.lower() if rating.lower() in CONFIDENCES else None
    wrong = rating.lower() == WRONG_CONFIDENCE
    basis = f"Epoch AI rates this record '{rating}'" if confidence in ("likely", "speculative") else None
    note = f"Epoch confidence: {rating}" if rating and confidence is None and not wrong else None
    return confidence, basis, note, wrong


def wrong_record_note(numbers: dict[str, float]) -> str:
    stated = {field: value for field, value in numbers.items() if pd.notna(value)}
    return f"Epoch marks this record Wrong; numbers dropped: {json.dumps(stated, sort_keys=True)}"


def comma_list(cell: str) -> str | None:
    """A comma-separated cell (organisations, notability criteria) with its parts trimmed."""
    return ", ".join(part.strip() for part in cell.split(",") if part.strip()) or None


def evidence_json(notes_cells: dict[str, str], columns: dict[str, str], times_epochs: bool = False) -> str | None:
    """Where each number comes from (notes_cells: field → its notes cell, for the numbers a row has;
    times_epochs: the tokens are the dataset size times the epochs)."""
    evidence = {}
    for field, notes_cell in notes_cells.items():
        phrase = f"Epoch AI database, column {columns[EVIDENCE_FIELDS[field][0]]}"
        if field == "training_tokens" and times_epochs:
            phrase += f" × column {columns['epochs']}"
        if notes_cell.strip():
            phrase += f"; notes: {truncate(notes_cell)}"
        evidence[field] = phrase
    return json.dumps(evidence, sort_keys=True, ensure_ascii=False) if evidence else None


def unique_model_ids(
    names: list[str], dates: list[str], unnamed_prefix: str = SOURCE
) -> tuple[list[str], list[str | None]]:
    """model_id per row, unique: repeated names get their date, then -2, -3… (with a note).

    Shared by the live sources: observations must be unique per (source, model_id).
    """
    slugs = slugify_all(pd.Series(names, dtype=object))
    repeated = slugs.duplicated(keep=False)
    counts = Counter(slugs[repeated])
    ids: list[str] = slugs.tolist()
    notes: list[str | None] = [None] * len(ids)
    taken: set[str] = set()
    next_suffix: Counter[str] = Counter()  # per base, the suffix to try first: linear in the repeats
    # The other rows keep their slug; these go in file order, which sets their -2, -3….
    special = slugs.eq("") | repeated
    for row in special.index[special]:
        slug, date = ids[row], dates[row]
        if not slug:
            ids[row] = f"{unnamed_prefix}-unnamed-row-{row + 1}"
            notes[row] = "row has no model name"
            continue
        base = slugify(f"{slug} {date}") if date else slug
        candidate = base
        while candidate in taken:
            next_suffix[base] = max(next_suffix[base], 1) + 1
            candidate = f"{base}-{next_suffix[base]}"
        taken.add(candidate)
        ids[row] = candidate
        notes[row] = f"{counts[slug]} rows share this name; model_id made unique as {candidate}"
    return ids, notes


# -- column at a time -------------------------------------------------------


def per_distinct(cells: pd.Series, rule: Callable[[str], tuple[Any, ...]], parts: list[str]) -> pd.DataFrame:
    """rule(cell) of every cell, its parts as columns; computed once per distinct cell.

    Epoch's categorical columns repeat a few values: each rule stays a plain function of
    one cell and still costs little on a large file.
    """
    codes, distinct = pd.factorize(cells)
    results = pd.DataFrame([rule(cell) for cell in distinct.tolist()], columns=parts)
    return results.take(codes).set_axis(cells.index)


def per_distinct_value(cells: pd.Series, rule: Callable[[str], Any]) -> pd.Series:
    return per_distinct(cells, lambda cell: (rule(cell),), ["value"])["value"]


def per_distinct_row(inputs: pd.DataFrame, rule: Callable[[dict[str, Any]], Any]) -> pd.Series:
    """rule(row as a dict, NaN where missing) of every row, computed once per distinct row."""
    codes = inputs.groupby(list(inputs.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first_rows = np.unique(codes, return_index=True)  # the first row of group 0, 1, 2…
    results = pd.Series([rule(row) for row in inputs.iloc[first_rows].to_dict("records")], dtype=object)
    return results.take(codes).set_axis(inputs.index)


def first_urls(cells: pd.Series) -> pd.Series:
    """`first_url` of every cell: a cell that is a single URL is its own, the rule reads the others."""
    single = cells.str.fullmatch(URL_PATTERN.pattern)
    urls = cells.where(single)
    urls[~single] = per_distinct_value(cells[~single], first_url)
    return urls


def read_numbers(cells: pd.Series) -> pd.DataFrame:
    """`read_number` of every cell (columns value, reading): plain decimals converted at
    once, any other cell by the rule itself."""
    text = cells.str.strip()
    plain = text.str.fullmatch(PLAIN_DECIMAL)
    values = pd.Series(float("nan"), index=cells.index)
    readings = pd.Series(None, index=cells.index, dtype=object)
    # Arrow's conversion rounds correctly, as float() does: the same number for a plain decimal.
    values[plain] = text[plain].astype("Float64").astype("float64")
    if (~plain).any():
        read = per_distinct(cells[~plain], read_number, ["value", "reading"])
        values[~plain], readings[~plain] = read["value"].astype("float64"), read["reading"]
    return pd.DataFrame({"value": values, "reading": readings})


def join_present(parts: list[pd.Series], separator: str) -> pd.Series:
    """Each row's present parts joined in order; missing when none is."""
    joined = parts[0].astype("str")
    for part in parts[1:]:
        part = part.astype("str")
        joined = (joined + separator + part).fillna(joined).fillna(part)
    return joined


def as_text(values: pd.Series) -> pd.Series:
    """A text column typed as `observations_frame` types the other sources' rows: str, or
    (object) None in every row when no row has text."""
    if values.notna().any():
        return values.astype("str")
    return none_column(values.index)


def none_column(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


# -- parse --------------------------------------------------------------------


NUMBER_CELLS = {"params_total": "params_total", "training_compute_flop": "training_compute_flop",
                "training_tokens": "datapoints"}  # our field → its cell key


def epoch_numbers(cells: dict[str, pd.Series], domain: pd.Series
                  ) -> tuple[pd.DataFrame, list[pd.Series], list[pd.Series], pd.Series]:
    """(the numbers Epoch states, flags and notes on their cells (not plain numbers, datapoints
    that are not tokens, tokens as size × epochs), which rows' tokens are size × epochs)."""
    readings = {field: read_numbers(cells[key]) for field, key in NUMBER_CELLS.items()}
    numbers = pd.DataFrame({field: reading["value"] for field, reading in readings.items()})
    flags, notes = [], []
    for field, reading in readings.items():
        kind = reading["reading"]
        flags.append(kind.map({"annotated": f"annotated_number({field})",
                               "unreadable": f"{UNREADABLE_NUMBER_FLAG}({field})"}))
        notes.append((f"Epoch {field} cell: " + cells[NUMBER_CELLS[field]].str.strip()).where(kind.notna()))
    # Datapoints of images, audio, games… are not tokens: kept in notes only.
    not_tokens = ~domain.isin(TOKEN_DOMAINS) & numbers["training_tokens"].notna()
    note = "Epoch training dataset size (datapoints, not tokens): " + cells["datapoints"].str.strip()
    notes.append(note.where(not_tokens))
    # Tokens seen are the dataset's size times the epochs, where Epoch states them.
    epochs = read_numbers(cells["epochs"])["value"]
    repeated = numbers["training_tokens"].notna() & ~not_tokens & (epochs > 0) & (epochs != 1)
    notes.append(("Epoch training dataset size " + cells["datapoints"].str.strip() + " × "
                  + cells["epochs"].str.strip() + " epochs").where(repeated))
    tokens = numbers["training_tokens"].mask(not_tokens).where(~repeated, numbers["training_tokens"] * epochs)
    return numbers.assign(training_tokens=tokens), flags, notes, repeated


def rows_to_reject(cells: dict[str, pd.Series]) -> pd.Series:
    """Rows that say nothing about a model: no number, and no name or nothing but a name."""
    stated = {field: cells[field].str.strip() != "" for field in ("name", "publication_date", "domain")}
    numbered = pd.concat([cells[key].str.strip() != "" for key in NUMBER_CELLS.values()], axis=1).any(axis=1)
    return ~numbered & (~stated["name"] | ~(stated["publication_date"] | stated["domain"]))


def evidence_column(cells: dict[str, pd.Series], columns: dict[str, str], numbers: pd.DataFrame,
                    times_epochs: pd.Series) -> pd.Series:
    """`evidence_json` of every row, from the notes cells of the numbers it has."""
    notes_of_numbers = pd.DataFrame({
        field: cells[notes_key].where(numbers[field].notna()) for field, (_, notes_key) in EVIDENCE_FIELDS.items()
    }).assign(times_epochs=times_epochs)
    return per_distinct_row(
        notes_of_numbers,
        lambda row: evidence_json({field: cell for field, cell in row.items() if field != "times_epochs" and pd.notna(cell)},
                                  columns, bool(row["times_epochs"])),
    )


def observations_from_csv(text: str, file_label: str, dataset_url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(observations, unknown-column values as model_id, column, value) of one Epoch CSV.

    Built a column at a time; the notes of a row list what fired in a fixed order.
    """
    table = read_table(text, file_label)
    columns, unknown = resolve_columns(list(table.columns), file_label)
    absent = pd.Series("", index=table.index, dtype="str")
    cells = {field: table[columns[field]] if field in columns else absent for field in COLUMN_ALIASES}
    rejected = rows_to_reject(cells)
    # Row numbers stay those of the file (1 = the first data row) after rejected rows are dropped.
    table = table[~rejected].set_axis(table.index[~rejected] + 1)
    rows = table.index
    cells = {field: cell[~rejected].set_axis(rows) for field, cell in cells.items()}
    ids, id_notes = unique_model_ids(cells["name"].tolist(), cells["publication_date"].tolist())
    id_note = pd.Series(id_notes, index=rows, dtype=object)

    domain = per_distinct(cells["domain"], read_domain, ["domain", "note"])
    date = per_distinct(cells["publication_date"], read_date, ["date", "precision", "note", "flag"])
    rating = per_distinct(cells["confidence"], read_confidence, ["confidence", "basis", "note", "wrong"])
    numbers, number_flags, number_notes, times_epochs = epoch_numbers(cells, domain["domain"])
    # Epoch says these records are wrong: their numbers are dropped, kept in notes.
    wrong = rating["wrong"].astype(bool)
    rating_note = rating["note"].astype("str")
    rating_note[wrong] = [wrong_record_note(stated) for stated in numbers[wrong].to_dict("records")]
    numbers[wrong] = float("nan")
    names = cells["name"].str.strip()
    params_notes = cells["params_notes"]
    notes_size = pd.Series([notes_disagree(value, notes) for value, notes in zip(numbers["params_total"], params_notes)],
                           index=rows) if params_notes.str.strip().ne("").any() else pd.Series(False, index=rows)
    architecture = per_distinct_row(pd.DataFrame({"name": names, "notes": params_notes}),
                                    lambda row: architecture_signal(row["name"], row["notes"]))
    open_weights = per_distinct_value(cells["accessibility"], map_open_weights)
    stated_open = per_distinct_value(cells["open_model_weights"], map_open_weights)
    flags = [pd.Series(WRONG_FLAG, index=rows, dtype="str").where(wrong), date["flag"].astype("str"),
             *number_flags, pd.Series(SIZE_MISMATCH_FLAG, index=rows, dtype="str").where(notes_size)]
    row_numbers = pd.Series(rows, index=rows).astype("str")
    no_number = pd.Series(float("nan"), index=rows)

    observations = typed_observations(pd.DataFrame({
        "model_id": as_text(pd.Series(ids, index=rows, dtype=object)),
        "name": as_text(names.where(names != "")),
        "aliases": none_column(rows),
        "family": none_column(rows),
        "organization": as_text(per_distinct_value(cells["organization"], comma_list)),
        "publication_date": date["date"],
        "date_precision": as_text(date["precision"]),
        "domain": as_text(domain["domain"]),
        "task": as_text(cells["task"].str.strip().replace("", None)),
        "architecture": as_text(architecture),
        "params_total": numbers["params_total"],
        "params_active": no_number,
        "training_compute_flop": numbers["training_compute_flop"],
        "training_tokens": numbers["training_tokens"],
        "mmlu": no_number,
        "mmlu_shots": no_number,
        "mmlu_pro": no_number,
        "mmlu_pro_shots": no_number,
        "mmlu_redux": no_number,
        "mmlu_redux_shots": no_number,
        "open_weights": stated_open.where(stated_open.notna(), open_weights),
        "notability": as_text(per_distinct_value(cells["notability"], comma_list)),
        "confidence": as_text(rating["confidence"]),
        "flags": as_text(join_present(flags, "; ")),
        "source": as_text(pd.Series(SOURCE, index=rows, dtype="str")),
        "source_record": as_text(f"{file_label} row " + row_numbers),
        "source_url": as_text(first_urls(cells["link"]).fillna(dataset_url)),
        "evidence": as_text(evidence_column(cells, columns, numbers, times_epochs)),
        "evidence_kinds": none_column(rows),  # every number is a record of Epoch's database
        "field_urls": none_column(rows),
        "confidence_basis": as_text(rating["basis"]),
        "notes": as_text(join_present([domain["note"], date["note"], *number_notes, rating_note, id_note], "; ")),
    }))
    observations.attrs[REJECTED_ROWS] = int(rejected.sum())
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
    if observations.attrs[REJECTED_ROWS]:
        print(f"parse: epoch: {observations.attrs[REJECTED_ROWS]} row(s) of {csv_path} without any number and "
              "with no name, or nothing but a name, rejected before validation", file=sys.stderr)
    return observations
