"""Wikipedia's "List of large language models" table as observations.

Collect saves the article's plain HTML (robots.txt allows /wiki/, not the API) and
refuses a page without the table. Parse finds the table by its caption (or the
heading above it), expands row and column spans, and reads each row; the page
revision (`wgRevisionId`) goes into every row's source_url, so a number can be
traced to the exact wording that stated it.

Cell rules (`parse_quantity_cell`): footnote markers ("[12]", "[a]", "[citation
needed]") are removed; "Unknown", "—", empty → no value; a bare number takes the
column's unit ("Number of parameters (billion)": 175 → 1.75e11) while a stated
unit wins ("1.6T", "540 billion"); a range ("7–70") gives its upper end, with a
note and the flag `range_upper_end` (a family's largest member is the one the row
names). Corpus sizes count only when stated in tokens (GB or words are not tokens);
training cost in petaFLOP-day becomes FLOP. Wikipedia is a third party: confidence
is left empty.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
from bs4 import BeautifulSoup, Tag

from pipeline.collect import empty_observations, latest_snapshot, observations_frame
from pipeline.extract import DocumentTooComplex, require_shallow
from pipeline.extract import parse_date as parse_text_date
from pipeline.http import ContentError, Fetcher
from pipeline.sources.epoch import truncate, unique_model_ids
from pipeline.units import UnitParseError, parse_quantity, parse_range

SOURCE = "wikipedia"
PRODUCER = "Wikipedia contributors"
CITATION = "Wikipedia contributors, 'Large language model', English Wikipedia (revision in each row's source_url)"
LICENCE = "CC BY-SA 4.0"
PAGE_FILE = "page.html"
RANGE_FLAG = "range_upper_end"
PETAFLOP_DAY = 1e15 * 86_400

FOOTNOTE = re.compile(r"\[(?:\d+|[a-z]|note \d+|[a-z ]*needed|nb \d+)\]", re.IGNORECASE)
STATED_UNIT = re.compile(r"\d\s*(?:[kmbgt]\b|thousand|million|billion|trillion|bn\b|mn\b)", re.IGNORECASE)
HEADER_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
MAX_COLSPAN, MAX_ROWSPAN = 50, 500
REVISION = re.compile(r'"wgRevisionId"\s*:\s*(\d+)')

# Our column key → words its header starts with (lower case), checked in this order.
COLUMN_HEADERS = {
    "name": ("name", "model"),
    "date": ("release date", "release", "date"),
    "developer": ("developer", "organization"),
    "params": ("number of parameters", "parameters"),
    "corpus": ("corpus size", "corpus"),
    "cost": ("training cost",),
    "license": ("license", "licence"),
    "notes": ("notes",),
}


# -- cells (pure) ---------------------------------------------------------------


def clean_text(text: str) -> str:
    """Cell text without footnote markers, non-breaking spaces or repeated whitespace."""
    return " ".join(FOOTNOTE.sub("", text.replace("\xa0", " ")).split())


def parse_quantity_cell(text: str, unitless_scale: float = 1.0) -> tuple[float | None, str | None]:
    """(value, note) of a numeric cell; note says when a rule fired. Never raises."""
    cleaned = clean_text(text)
    scale = 1.0 if STATED_UNIT.search(cleaned) else unitless_scale
    try:
        value = parse_quantity(cleaned)
    except UnitParseError:  # not one quantity: a range, or unreadable
        try:
            bounds = parse_range(cleaned)
        except UnitParseError:
            bounds = None
        if bounds is None:
            return None, f"unreadable: '{truncate(cleaned, 60)}'"
        high = bounds[1] * scale
        return (high, f"range '{cleaned}': upper end taken") if high > 0 else (None, None)
    if value is None or value * scale <= 0:
        return None, None
    return value * scale, None


def parse_release_date(text: str) -> tuple[pd.Timestamp, str | None]:
    """'May 28, 2020' → day, 'June 2020' → month, '2020' → year precision."""
    cleaned = clean_text(text)
    stated = parse_text_date(cleaned)
    if stated is not None:
        precision = "day" if len(stated) == 10 else "month"
        return pd.Timestamp(stated if precision == "day" else f"{stated}-01"), precision
    year = re.fullmatch(r"(\d{4})", cleaned)
    if year and 1950 <= int(year.group(1)) <= 2100:
        return pd.Timestamp(f"{year.group(1)}-01-01"), "year"
    return pd.NaT, None


def header_scale(header: str) -> float:
    lowered = header.lower()
    return next((scale for word, scale in HEADER_SCALES.items() if word in lowered), 1.0)


def open_weights_from_license(text: str) -> bool | None:
    lowered = clean_text(text).lower()
    if not lowered or lowered in ("unknown", "?", "—", "-"):
        return None
    return "proprietary" not in lowered and "restricted web api" not in lowered


# -- table ----------------------------------------------------------------------


def find_table(soup: BeautifulSoup, caption: str) -> Tag | None:
    """The wikitable captioned caption, or the first one after a heading naming it."""
    wanted = caption.lower()
    for table in soup.find_all("table"):
        found = table.find("caption")
        if found and wanted in found.get_text(" ").lower():
            return table
    for heading in soup.find_all(["h2", "h3", "h4"]):
        if wanted in heading.get_text(" ").lower():
            table = heading.find_next("table")
            if table is not None:
                return table
    return None


def table_grid(table: Tag) -> list[list[str]]:
    """Rows of cell texts with rowspan/colspan expanded; footnote <sup> removed."""
    for note in table.select("sup.reference, sup.noprint, style, .mw-ref"):
        note.decompose()
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column → (text of a cell spanning down, rows left)
    for tr in table.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        row: list[str] = []
        for cell in cells:
            while len(row) in carried:
                row.append(_take_carried(carried, len(row)))
            text = clean_text(cell.get_text(" "))
            for _ in range(_span(cell, "colspan")):
                if _span(cell, "rowspan") > 1:
                    carried[len(row)] = (text, _span(cell, "rowspan") - 1)
                row.append(text)
        for column in sorted(carried):  # spans reaching past this row's own cells
            if column >= len(row):
                row.extend([""] * (column - len(row)))
                row.append(_take_carried(carried, column))
        if row:
            grid.append(row)
    return grid


def _take_carried(carried: dict[int, tuple[str, int]], column: int) -> str:
    text, rows_left = carried.pop(column)
    if rows_left > 1:
        carried[column] = (text, rows_left - 1)
    return text


def _span(cell: Tag, attribute: str) -> int:
    try:
        # Capped: a span of thousands would make a small page expand to millions of cells.
        limit = MAX_COLSPAN if attribute == "colspan" else MAX_ROWSPAN
        return max(1, min(int(str(cell.get(attribute, "1")).strip() or 1), limit))
    except ValueError:
        return 1


def locate_columns(header: list[str]) -> dict[str, int]:
    lowered = [text.lower() for text in header]
    located: dict[str, int] = {}
    for key, prefixes in COLUMN_HEADERS.items():
        for prefix in prefixes:
            index = next((i for i, text in enumerate(lowered) if text.startswith(prefix) and i not in located.values()), None)
            if index is not None:
                located[key] = index
                break
    return located


def page_table(html: str, caption: str, where: str) -> tuple[list[str], list[list[str]]]:
    """(header, data rows) of the table; ContentError when the layout is not recognised."""
    soup = BeautifulSoup(html, "html.parser")
    try:
        require_shallow(soup)  # searching a deeply nested page costs time per level
    except DocumentTooComplex as error:
        raise ContentError(where, str(error)) from error
    table = find_table(soup, caption)
    if table is None:
        raise ContentError(where, f"layout changed: no table '{caption}' on the page")
    grid = table_grid(table)
    if not grid:
        raise ContentError(where, f"layout changed: table '{caption}' has no rows")
    header, rows = grid[0], grid[1:]
    columns = locate_columns(header)
    missing = [key for key in ("name", "params") if key not in columns]
    if missing:
        raise ContentError(where, f"layout changed: table '{caption}' has no column for {', '.join(missing)}")
    return header, rows


# -- collect / parse --------------------------------------------------------------


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    url = config["url"]
    response = fetcher.get(url, accept="text/html")
    if not response.body.strip():
        raise ContentError(url, "empty body where the article HTML was expected")
    if response.content_type not in ("text/html", "application/xhtml+xml"):
        raise ContentError(url, f"content type '{response.content_type}' where HTML was expected")
    page_table(response.text(), config["table_caption"], url)
    (snapshot_dir / PAGE_FILE).write_bytes(response.body)
    return [response.file_record(PAGE_FILE)]


def row_to_observation(
    cells: dict[str, str], headers: dict[str, str], caption: str, record: str, source_url: str
) -> dict[str, Any]:
    notes: list[str] = []
    flags: list[str] = []
    evidence: dict[str, str] = {}
    numbers = dict.fromkeys(("params_total", "params_active", "training_compute_flop", "training_tokens", "mmlu"),
                            float("nan"))

    def take(field: str, key: str, scale: float) -> None:
        value, note = parse_quantity_cell(cells.get(key, ""), scale)
        if note:
            notes.append(f"{headers[key]}: {note}")
            if note.startswith("range"):
                flags.append(RANGE_FLAG)
        if value is not None:
            numbers[field] = value
            evidence[field] = truncate(f"Wikipedia table '{caption}', column '{headers[key]}': {cells[key]}")

    take("params_total", "params", header_scale(headers["params"]))
    corpus = cells.get("corpus", "")
    if "token" in corpus.lower():
        take("training_tokens", "corpus", 1.0)
    elif clean_text(corpus) and clean_text(corpus).lower() != "unknown":
        notes.append(f"corpus size (not in tokens): {truncate(corpus, 80)}")
    if "cost" in cells and "petaflop" in headers["cost"].lower():
        take("training_compute_flop", "cost", PETAFLOP_DAY)
    date, precision = parse_release_date(cells.get("date", ""))
    if cells.get("license"):
        notes.append(f"license: {truncate(cells['license'], 80)}")
    if cells.get("notes"):
        notes.append(truncate(cells["notes"]))
    return {
        "name": cells["name"] or None,
        "aliases": None,
        "family": None,
        "organization": cells.get("developer") or None,
        "publication_date": date,
        "date_precision": precision,
        "domain": "Language",
        "task": None,
        "architecture": None,
        **numbers,
        "open_weights": open_weights_from_license(cells.get("license", "")),
        "confidence": None,
        "flags": "; ".join(dict.fromkeys(flags)) or None,
        "source": SOURCE,
        "source_record": record,
        "source_url": source_url,
        "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False) if evidence else None,
        "field_urls": None,
        "confidence_basis": None,
        "notes": "; ".join(notes) or None,
    }


def observations_from_page(html: str, caption: str, page_url: str, file_label: str) -> pd.DataFrame:
    header, rows = page_table(html, caption, file_label)
    columns = locate_columns(header)
    headers = {key: header[index] for key, index in columns.items()}
    revision = REVISION.search(html)
    source_url = f"{page_url}?oldid={revision.group(1)}" if revision else page_url
    label = f"{file_label} rev {revision.group(1)}" if revision else file_label
    records = []
    for position, row in enumerate(rows):
        cells = {key: row[index] if index < len(row) else "" for key, index in columns.items()}
        records.append(row_to_observation(cells, headers, caption, f"{label} row {position + 1}", source_url))
    observations = observations_frame(records)
    ids, id_notes = unique_model_ids(
        [record["name"] or "" for record in records],
        [date.strftime("%Y-%m-%d") if pd.notna(date) else "" for date in observations["publication_date"]],
        unnamed_prefix=SOURCE,
    )
    observations["model_id"] = ids
    observations["notes"] = [
        "; ".join(filter(None, [old if isinstance(old, str) else None, extra])) or None
        for old, extra in zip(observations["notes"], id_notes)
    ]
    return observations


def parse(config: dict[str, Any]) -> pd.DataFrame:
    snapshot = latest_snapshot(Path(config["path"]), str(config["as_of"]))
    if snapshot is None:
        return empty_observations()
    folder, metadata = snapshot
    page = folder / PAGE_FILE
    return observations_from_page(
        page.read_text(encoding="utf-8", errors="replace"), config["table_caption"], metadata["url"], page.as_posix()
    )
