"""Wikipedia's "List of large language models" article as observations.

The article lists models in several wikitables, one under each year heading ("2024",
an h2 or h3; modern MediaWiki wraps it in <div class="mw-heading">). Collect saves the
article's plain HTML (robots.txt allows /wiki/, not the API), refuses a page whose
layout it does not recognise, and records the page's revision (`wgRevisionId`) and a
permanent link (`index.php?title=…&oldid=…`) in metadata.json (`revision`). Parse reads
every model table (a wikitable whose header has a Name/Model and a Release date column;
navboxes and other tables are ignored), expands row and column spans, and reads each
row; each row's source_url is the permanent link, so a number can be traced to the
exact wording that stated it.

Cell rules: footnote markers ("[12]", "[a]", "[citation needed]") are removed;
"Unknown", "—", empty → no value. Release dates keep their precision: "June 11, 2024"
→ day, "June 2024" → month, "2024" → year; a date without a year ("Jun 11", "June")
takes the year of the heading the table is under. A bare number takes the column's
unit ("Number of parameters (billion)": 175 → 1.75e11) while a stated unit wins
("1.6T", "540 billion"); a range ("7–70") gives its upper end, with a note and the
flag `range_upper_end` (a family's largest member is the one the row names). Corpus
sizes count as training tokens when stated in tokens or as a scaled count ("32T",
"1.2 trillion", "15 trillion tokens"), never in bytes or words ("825 GiB", "300 billion
words"). Training cost in petaFLOP-day becomes FLOP. Wikipedia is a third party:
confidence is left empty.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pandas as pd
from bs4 import BeautifulSoup, Tag

from pipeline.collect import empty_observations, latest_snapshot, observations_frame
from pipeline.extract import DocumentTooComplex, require_shallow
from pipeline.http import ContentError, Fetcher
from pipeline.sources.epoch import truncate, unique_model_ids
from pipeline.units import UnitParseError, parse_quantity, parse_range

SOURCE = "wikipedia"
PRODUCER = "Wikipedia contributors"
CITATION = ("Wikipedia contributors, 'List of large language models', English Wikipedia "
            "(revision and permanent link in metadata.json and each row's source_url)")
LICENCE = "CC BY-SA 4.0"
PAGE_FILE = "page.html"
RANGE_FLAG = "range_upper_end"
PETAFLOP_DAY = 1e15 * 86_400

FOOTNOTE = re.compile(r"\[(?:\d+|[a-z]|note \d+|[a-z ]*needed|nb \d+)\]", re.IGNORECASE)
STATED_UNIT = re.compile(r"\d\s*(?:[kmbgt]\b|thousand|million|billion|trillion|bn\b|mn\b)", re.IGNORECASE)
# Corpus sizes in these units are not token counts.
NOT_TOKENS = re.compile(r"\b(?:words?|bytes?|[kmgtpe]i?b|characters?|pages?|documents?|images?|hours?)\b",
                        re.IGNORECASE)
HEADER_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
MAX_COLSPAN, MAX_ROWSPAN = 50, 500
REVISION = re.compile(r'"wgRevisionId"\s*:\s*(\d+)')
PAGE_NAME = re.compile(r'"wgPageName"\s*:\s*"([^"\\]+)"')
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
YEAR = re.compile(r"(19[5-9]\d|20\d\d|2100)")
LAYOUT_WANTED = "wikitable with a Name/Model and a Release date column under a year heading (such as '2024')"

MONTH = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# (pattern, precision, which groups are year, month, day), most specific first; None: the heading's year.
DATE_FORMS = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "day", (1, 2, 3)),
    (re.compile(rf"\b{MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE), "day", (3, 1, 2)),
    (re.compile(rf"\b(\d{{1,2}})\s+{MONTH},?\s+(\d{{4}})\b", re.IGNORECASE), "day", (3, 2, 1)),
    (re.compile(rf"\b{MONTH},?\s+(\d{{4}})\b", re.IGNORECASE), "month", (2, 1, None)),
    (re.compile(r"^(\d{4})$"), "year", (1, None, None)),
    (re.compile(rf"^{MONTH}\s+(\d{{1,2}})\b", re.IGNORECASE), "day", (None, 1, 2)),
    (re.compile(rf"^(\d{{1,2}})\s+{MONTH}$", re.IGNORECASE), "day", (None, 2, 1)),
    (re.compile(rf"^{MONTH}$", re.IGNORECASE), "month", (None, 1, None)),
]

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


def parse_corpus_cell(text: str, header: str) -> tuple[float | None, str | None]:
    """(training tokens, note) of a corpus-size cell: a count stated in tokens ("15 trillion tokens"),
    or scaled ("32T", "1.2 trillion"), or bare under a header in tokens; never bytes or words."""
    cleaned = clean_text(text)
    if not cleaned or cleaned.lower() in ("unknown", "?", "—", "-", "n/a"):
        return None, None
    in_tokens = "token" in cleaned.lower()
    if NOT_TOKENS.search(cleaned) and not in_tokens:
        return None, f"not in tokens: {truncate(cleaned, 80)}"
    header_in_tokens = "token" in header.lower()
    if not (in_tokens or header_in_tokens or STATED_UNIT.search(cleaned)):
        return None, f"no unit: {truncate(cleaned, 80)}"
    return parse_quantity_cell(cleaned, header_scale(header) if header_in_tokens else 1.0)


def parse_release_date(text: str, heading_year: int | None = None) -> tuple[pd.Timestamp, str | None]:
    """(date, precision) of a release-date cell: 'May 28, 2020' → day, 'June 2020' → month, '2020' → year;
    'Jun 11' or 'June' take heading_year (the year heading the table is under). NaT, None when unreadable."""
    cleaned = clean_text(text)
    for pattern, precision, (year_group, month_group, day_group) in DATE_FORMS:
        match = pattern.search(cleaned)
        if not match:
            continue
        year = int(match[year_group]) if year_group else heading_year
        if year is None or not YEAR.fullmatch(str(year)):
            return pd.NaT, None
        month = _month_number(match[month_group]) if month_group else 1
        day = int(match[day_group]) if day_group else 1
        try:
            return pd.Timestamp(year=year, month=month, day=day), precision
        except ValueError:  # 31 June, month 13
            return pd.NaT, None
    return pd.NaT, None


def _month_number(text: str) -> int:
    return int(text) if text.isdigit() else MONTHS[text[:3].lower()]


def header_scale(header: str) -> float:
    lowered = header.lower()
    return next((scale for word, scale in HEADER_SCALES.items() if word in lowered), 1.0)


def open_weights_from_license(text: str) -> bool | None:
    lowered = clean_text(text).lower()
    if not lowered or lowered in ("unknown", "?", "—", "-"):
        return None
    return "proprietary" not in lowered and "restricted web api" not in lowered


# -- tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class ModelTable:
    """A wikitable of models: its header and data rows (spans expanded), and the year heading above it."""

    label: str  # how evidence names it: its caption, else the heading it is under, else its number
    year: int | None
    header: list[str]
    rows: list[list[str]]

    @property
    def columns(self) -> dict[str, int]:
        return locate_columns(self.header)


def table_grid(table: Tag) -> list[list[str]]:
    """Rows of cell texts with rowspan/colspan expanded; footnote <sup> and rows of nested tables left out."""
    for note in table.select("sup.reference, sup.noprint, style, .mw-ref"):
        note.decompose()
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column → (text of a cell spanning down, rows left)
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
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


def _is_candidate(table: Tag) -> bool:
    """A wikitable of the article itself: not a navbox, not a table inside another table."""
    classes = table.get("class") or []
    return ("wikitable" in classes and "navbox" not in classes
            and table.find_parent("table") is None and table.find_parent(class_="navbox") is None)


def model_tables(html: str, where: str) -> list[ModelTable]:
    """Every model table of the page, in page order, each with the year of the nearest year heading above it.

    A year heading holds for the headings below it until one at its level or higher; ContentError
    when no model table is under a year heading (the layout is not the list article's).
    """
    soup = BeautifulSoup(html, "html.parser")
    try:
        require_shallow(soup)  # searching a deeply nested page costs time per level
    except DocumentTooComplex as error:
        raise ContentError(where, str(error)) from error
    for edit_link in soup.select(".mw-editsection"):  # "[edit]" inside old-style headings
        edit_link.decompose()
    found: list[ModelTable] = []
    seen: list[str] = []  # what the other wikitables were, for the error message
    heading_text, year, year_level, candidates = None, None, 0, 0
    for element in soup.find_all([*HEADING_TAGS, "table"]):
        if element.name in HEADING_TAGS:
            level, heading_text = int(element.name[1]), clean_text(element.get_text(" "))
            if YEAR.fullmatch(heading_text):
                year, year_level = int(heading_text), level
            elif level <= year_level:
                year, year_level = None, 0
            continue
        if not _is_candidate(element):
            continue
        candidates += 1
        grid = table_grid(element)
        caption = element.find("caption")
        label = clean_text(caption.get_text(" ")) if caption else heading_text or f"wikitable {candidates}"
        columns = locate_columns(grid[0]) if grid else {}
        if "name" not in columns or "date" not in columns:
            seen.append(f"'{truncate(label, 60)}' (no Name/Model or no Release date column)")
            continue
        if year is None:
            seen.append(f"'{truncate(label, 60)}' (not under a year heading)")
        header = grid[0]
        rows = [row for row in grid[1:] if row != header and any(row)]
        found.append(ModelTable(label, year, header, rows))
    if not any(table.year is not None for table in found):
        what = "; ".join(seen[:5]) if seen else "no wikitable at all"
        raise ContentError(where, f"layout changed: looked for a {LAYOUT_WANTED}, found {what}")
    return found


def page_revision(html: str, url: str) -> dict[str, str] | None:
    """{"id", "permanent_url"} of the revision the page shows (from MediaWiki's wgRevisionId), if stated."""
    revision = REVISION.search(html)
    if revision is None:
        return None
    parts = urlsplit(url)
    named = PAGE_NAME.search(html)
    title = named.group(1) if named else unquote(parts.path.rsplit("/", 1)[-1])
    permanent = f"{parts.scheme}://{parts.netloc}/w/index.php?title={quote(title)}&oldid={revision.group(1)}"
    return {"id": revision.group(1), "permanent_url": permanent}


# -- collect / parse --------------------------------------------------------------


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    url = config["url"]
    response = fetcher.get(url, accept="text/html")
    if not response.body.strip():
        raise ContentError(url, "empty body where the article HTML was expected")
    if response.content_type not in ("text/html", "application/xhtml+xml"):
        raise ContentError(url, f"content type '{response.content_type}' where HTML was expected")
    html = response.text()
    model_tables(html, url)
    revision = page_revision(html, response.final_url)
    if revision is None:
        raise ContentError(url, "no wgRevisionId in the page: the revision fetched could not be recorded")
    (snapshot_dir / PAGE_FILE).write_bytes(response.body)
    return [{**response.file_record(PAGE_FILE), "revision": revision}]


def row_to_observation(
    cells: dict[str, str], headers: dict[str, str], table: ModelTable, record: str, source_url: str
) -> dict[str, Any]:
    notes: list[str] = []
    flags: list[str] = []
    evidence: dict[str, str] = {}
    numbers = dict.fromkeys(("params_total", "params_active", "training_compute_flop", "training_tokens", "mmlu"),
                            float("nan"))

    def keep(field: str, key: str, parsed: tuple[float | None, str | None]) -> None:
        value, note = parsed
        if note:
            notes.append(f"{headers[key]}: {note}")
            if note.startswith("range"):
                flags.append(RANGE_FLAG)
        if value is not None:
            numbers[field] = value
            evidence[field] = truncate(f"Wikipedia table '{table.label}', column '{headers[key]}': {cells[key]}")

    if "params" in cells:
        keep("params_total", "params", parse_quantity_cell(cells["params"], header_scale(headers["params"])))
    if "corpus" in cells:
        keep("training_tokens", "corpus", parse_corpus_cell(cells["corpus"], headers["corpus"]))
    if "cost" in cells and "petaflop" in headers["cost"].lower():
        keep("training_compute_flop", "cost", parse_quantity_cell(cells["cost"], PETAFLOP_DAY))
    date, precision = parse_release_date(cells.get("date", ""), table.year)
    if pd.isna(date) and clean_text(cells.get("date", "")):
        notes.append(f"{headers['date']}: unreadable: '{truncate(clean_text(cells['date']), 60)}'")
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


def observations_from_page(html: str, page_url: str, file_label: str,
                           revision: dict[str, str] | None = None) -> pd.DataFrame:
    """One observation per row of every model table; revision (metadata.json's) else the page's own."""
    tables = model_tables(html, file_label)
    revision = revision or page_revision(html, page_url)
    source_url = revision["permanent_url"] if revision else page_url
    label = f"{file_label} rev {revision['id']}" if revision else file_label
    records = []
    for number, table in enumerate(tables, start=1):
        columns = table.columns
        headers = {key: table.header[index] for key, index in columns.items()}
        for position, row in enumerate(table.rows, start=1):
            cells = {key: row[index] if index < len(row) else "" for key, index in columns.items()}
            where = f"{label} table {number} ({truncate(table.label, 40)}) row {position}"
            records.append(row_to_observation(cells, headers, table, where, source_url))
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
    return observations_from_page(page.read_text(encoding="utf-8", errors="replace"), metadata["url"],
                                  page.as_posix(), metadata.get("revision"))
