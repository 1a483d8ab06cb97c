"""Turn a model announcement (Markdown, plain text or HTML) into candidate facts.

One object per model the document *announces*: rival models that appear only in
comparison tables are left out by structure, not by name lists. A model's identity is
its *stem* (name without size, variant words, punctuation) plus its size; the
document's primary stem is the one its title and prose mention most.

Sources, strongest first: table cells (spec, download and benchmark tables, in either
orientation), sentences that name the model, then statements about "the model" that
apply to every model of the primary family.

Hostile input is refused or bounded, never a hang: `extract` raises `DocumentTooComplex`
(a ValueError) for a document over `MAX_DOCUMENT_CHARS` or HTML nested deeper than
`MAX_HTML_DEPTH`; sentences over `MAX_SENTENCE_CHARS` are not read as statements (no
fact is stated in a sentence that long, and reading one costs quadratic time).

CLI: python -m pipeline.extract PATH_OR_URL  -> JSON array on stdout.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from pipeline import cli
from pipeline.units import UnitParseError, parse_quantity

FIELDS = (
    "organization",
    "publication_date",
    "params_total",
    "params_active",
    "training_tokens",
    "context_length",
    "mmlu",
)
FETCH_TIMEOUT_S = 20
FETCH_MAX_BYTES = 5_000_000
USER_AGENT = "modelscale-announcement-extractor/0.1 (+https://github.com/modelscale; open dataset of ML model scale)"
MAX_DOCUMENT_CHARS = 5_000_000
MAX_HTML_DEPTH = 256  # lxml's own limit; real pages stay far below it
MAX_SENTENCE_CHARS = 1_000


class DocumentTooComplex(ValueError):
    """The document is too large or too deeply nested to read in bounded time."""

# Priorities of evidence: a table cell beats a sentence naming the model, which beats
# a statement about "the model" in general.
TABLE, NAMED, GENERAL = 3, 2, 1

# ---------------------------------------------------------------------------
# Document loading: paragraphs (sentences) and tables (rows of cells)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]  # one label per column (last non-empty header row cell)
    rows: tuple[tuple[str, ...], ...]
    section: str  # nearest heading before the table, lowercased
    has_links: tuple[bool, ...]  # per column: does any cell hold a link?


@dataclass(frozen=True)
class Document:
    title: str
    lines: tuple[str, ...]  # prose, one block per line, markup removed
    tables: tuple[Table, ...]
    is_html: bool


def _clean_cell(text: str) -> str:
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
    # Inner classes exclude the opening bracket, so runs of "[" or "<" cost linear time.
    text = re.sub(r"!\[[^\[\]]*\]\([^()]*\)", " ", text)
    text = re.sub(r"\[([^\[\]]*)\]\([^()]*\)", r"\1", text)
    text = re.sub(r"<[^<>]+>", " ", text)
    text = html.unescape(text).replace("\\", "").strip()
    if re.search(r"\S\*+$", text) and not text.startswith("*"):
        text = re.sub(r"\*+$", "†", text)  # a footnote marker, kept so callers can see it
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", text)
    return " ".join(text.split())


def _html_table(table, section: str) -> Table:
    """Expand rowspan/colspan so every row has one cell per column."""
    grid: list[list[str]] = []
    links: dict[int, bool] = {}
    pending: dict[int, tuple[int, str]] = {}
    header_rows = len(table.find("thead").find_all("tr")) if table.find("thead") else 1
    for tr in table.find_all("tr"):
        row: list[str] = []
        cells = tr.find_all(["td", "th"])
        col = 0
        for cell in cells:
            while col in pending:
                left, text = pending[col]
                row.append(text)
                pending[col] = (left - 1, text)
                if left - 1 == 0:
                    del pending[col]
                col += 1
            text = _clean_cell(cell.get_text(" "))
            span = _int_attr(cell, "colspan")
            down = _int_attr(cell, "rowspan")
            for offset in range(span):
                row.append(text)
                links[col + offset] = links.get(col + offset, False) or bool(cell.find("a"))
                if down > 1:
                    pending[col + offset] = (down - 1, text)
            col += span
        while col in pending:
            left, text = pending[col]
            row.append(text)
            pending[col] = (left - 1, text)
            if left - 1 == 0:
                del pending[col]
            col += 1
        grid.append(row)
    return _make_table(grid, header_rows, section, links)


def _int_attr(cell, name: str) -> int:
    try:
        return max(1, min(50, int(str(cell.get(name, "1")).strip() or 1)))
    except ValueError:
        return 1


def _make_table(grid: list[list[str]], header_rows: int, section: str, links: dict[int, bool]) -> Table:
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    header_rows = max(1, min(header_rows, len(grid)))
    header = []
    for col in range(width):
        labels = [grid[r][col] for r in range(header_rows) if grid[r][col]]
        header.append(labels[-1] if labels else "")
    return Table(
        header=tuple(header),
        rows=tuple(tuple(r) for r in grid[header_rows:]),
        section=section,
        has_links=tuple(links.get(c, False) for c in range(width)),
    )


def _pipe_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return body.split("|")


def _is_separator(line: str) -> bool:
    return bool(re.fullmatch(r"\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*", line))


def _load_markdown(text: str) -> Document:
    # Code holds names and limits, not facts; only a citation's author is kept.
    citations = re.findall(r"(?im)^\s*author\s*=\s*\{[^{}\n]*\}", "\n".join(re.findall(r"```.*?(?:```|$)", text, flags=re.DOTALL)))
    text = re.sub(r"```.*?(```|$)", "\n", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?(?:-->|\Z)", " ", text, flags=re.DOTALL)  # unclosed: to the end, as browsers do
    tables: list[Table] = []
    lines: list[str] = []
    section = ""
    headings: list[tuple[int, str]] = []
    for is_table, piece in _split_html_tables(text):
        table = BeautifulSoup(piece, "html.parser") if is_table else None
        if table is not None:
            require_shallow(table)
            table = table.find("table")
        if table is not None:
            tables.append(_html_table(table, section))
            continue
        raw_lines = piece.split("\n")
        i = 0
        while i < len(raw_lines):
            line = raw_lines[i]
            if line.count("|") >= 2 and not line.lstrip().startswith(">"):
                block = []
                while i < len(raw_lines) and raw_lines[i].count("|") >= 2:
                    block.append(raw_lines[i])
                    i += 1
                tables.append(_pipe_table(block, section))
                continue
            heading = re.match(r"\s*(#{1,6})\s+(.*)", line)
            if heading:
                level = len(heading.group(1))
                headings = [h for h in headings if h[0] < level] + [(level, _clean_cell(heading.group(2)).lower())]
                section = " / ".join(h for _, h in headings)
            cleaned = _clean_cell(line)
            if cleaned:
                indent = len(line) - len(line.lstrip())
                bullet = re.match(r"\s*[-*+]\s+", line)
                lines.append(("  " * (indent // 2) + "- " if bullet else "") + re.sub(r"^[-*+]\s+", "", cleaned))
            i += 1
    lines += [c.strip() for c in citations]
    title = next((_clean_cell(m.group(1)) for m in re.finditer(r"(?m)^[ \t]*#{1,6}[ \t]+(.+)$", text)), "")
    return Document(title=title, lines=tuple(lines), tables=tuple(tables), is_html=False)


def _split_html_tables(text: str) -> list[tuple[bool, str]]:
    """(is_table, piece) in order: text and "<table…</table>" pieces; an unclosed <table> stays text."""
    lowered = text.lower()
    pieces, position = [], 0
    while (start := lowered.find("<table", position)) >= 0:
        end = lowered.find("</table>", start)
        if end < 0:
            break
        pieces += [(False, text[position:start]), (True, text[start:end + len("</table>")])]
        position = end + len("</table>")
    return pieces + [(False, text[position:])]


def _pipe_table(block: list[str], section: str) -> Table:
    separator = next((k for k, line in enumerate(block) if _is_separator(line)), None)
    header_rows = separator if separator else 1
    rows = [line for line in block if not _is_separator(line)]
    links: dict[int, bool] = {}
    grid = []
    for line in rows:
        cells = _pipe_cells(line)
        for col, cell in enumerate(cells):
            links[col] = links.get(col, False) or bool(re.search(r"\]\(|<a\s|https?://", cell))
        grid.append([_clean_cell(c) for c in cells])
    return _make_table(grid, header_rows, section, links)


_BLOCK_TAG = re.compile(r"^(p|div|li|h[1-6]|br|tr|section|article|blockquote|dd|dt|figcaption|time|header|footer)$")


def require_shallow(soup: BeautifulSoup) -> None:
    """Refuse HTML nested deeper than MAX_HTML_DEPTH: tree operations cost time per level."""
    stack = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_HTML_DEPTH:
            raise DocumentTooComplex(f"HTML nested more than {MAX_HTML_DEPTH} elements deep")
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))


def _text_lines(soup: BeautifulSoup) -> list[str]:
    """The visible text, a line break around every block element (one pass, no tree edits)."""
    text_types = soup.interesting_string_types
    parts: list[str] = []
    stack: list = [soup]
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block element
            parts.append("\n")
        elif isinstance(node, Tag):
            if _BLOCK_TAG.match(node.name):
                parts.append("\n")
                stack.append(None)
            stack.extend(reversed(node.contents))
        elif type(node) in text_types:
            parts.append(str(node))
    return "".join(parts).split("\n")


def _load_html(text: str) -> Document:
    soup = BeautifulSoup(text, "html.parser")
    require_shallow(soup)
    title_tag = soup.find("h1") or soup.find("title")
    title = _clean_cell(title_tag.get_text(" ")) if title_tag else ""
    for tag in soup(["script", "style", "noscript", "svg", "pre", "code", "nav", "template"]):
        tag.decompose()
    tables = []
    for table in soup.find_all("table"):
        headings = table.find_all_previous(re.compile(r"^h[1-6]$"), limit=2)
        section = " / ".join(_clean_cell(h.get_text(" ")).lower() for h in reversed(headings))
        tables.append(_html_table(table, section))
        table.decompose()
    lines = [" ".join(line.split()) for line in _text_lines(soup)]
    return Document(title=title, lines=tuple(line for line in lines if line), tables=tuple(tables), is_html=True)


def load_document(text: str, content_type: str | None = None, url: str | None = None) -> Document:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentTooComplex(f"document of {len(text)} characters exceeds {MAX_DOCUMENT_CHARS}")
    looks_html = bool(re.match(r"\s*(<!doctype html|<html)", text[:500], re.IGNORECASE))
    is_html = looks_html or bool(content_type and "html" in content_type.lower()) or bool(
        url and re.search(r"\.html?($|[?#])", url) and "<" in text[:2000]
    )
    return _load_html(text) if is_html else _load_markdown(text)


# ---------------------------------------------------------------------------
# Model names: sizes inside names, stems, variants
# ---------------------------------------------------------------------------

_NUM = r"(?<!\d)\d+(?:\.\d+)?"  # never starting inside a digit run: long runs cost linear time
# "7B", "1.5b", "125M", "235B-A22B", "A2.7B", "17Bx16E" (active x experts), "8x7B" (no total).
_SIZE_IN_NAME = re.compile(
    rf"(?<![\w.])(?:(?P<moe>\d+)x{_NUM}[bB]|(?P<tot>{_NUM})\s?(?P<unit>[bBmM])(?:-A(?P<act>{_NUM})[bB])?"
    rf"(?:x(?P<experts>\d+)E)?|A(?P<act_only>{_NUM})[bB])(?![a-zA-Z0-9])"
)
_VARIANT_WORDS = {
    "base", "chat", "instruct", "inst", "it", "sft", "rl", "bf16", "fp16", "fp8", "int4", "int8", "quantized",
    "spinquant", "spin", "quant", "qlora", "ptq", "vanilla", "preview", "hf", "pretrained", "tuned",
}
_VARIANT_CANONICAL = {"inst": "instruct", "it": "instruct"}
# Words that open a sentence or heading but never a model name.
_LEADING_WORDS = {
    "about", "the", "a", "an", "introducing", "today", "our", "we", "this", "these", "in", "on", "for", "with",
    "and", "of", "model", "models", "table", "contents", "meet", "new", "while", "when", "compared", "since",
    "unlike", "both", "all", "each", "after", "before", "although", "however", "moreover", "furthermore",
    "additionally", "notably", "as", "if", "unlike", "besides", "like",
}
# Words that close a title or phrase but never a model name ("GPT-3 Model Card", "the Qwen1.5 series").
_TRAILING_WORDS = {"model", "models", "card", "series", "family", "collection", "readme", "report", "technical", "blog"}
_NOT_MODEL_ROWS = re.compile(r"^(total|average|avg\.?|mean|sum|overall)\b", re.IGNORECASE)


@dataclass(frozen=True)
class NameInfo:
    stem: tuple[str, ...]
    variant: str
    nominal: float | None  # size written in the name ("1B" -> 1e9)
    total: float | None
    active: float | None


def parse_name(name: str, org_tokens: tuple[str, ...] = ()) -> NameInfo:
    """Split a model name into stem, variant words and the sizes it spells out."""
    nominal = total = active = None
    for match in _SIZE_IN_NAME.finditer(name):
        if match.group("act_only"):
            active = active or float(match.group("act_only")) * 1e9
        elif match.group("tot") and nominal is None:
            scale = 1e9 if match.group("unit").lower() == "b" else 1e6
            value = float(match.group("tot")) * scale
            if match.group("experts"):
                active = value
            else:
                nominal = total = value
                if match.group("act"):
                    active = float(match.group("act")) * 1e9
    lowered = _SIZE_IN_NAME.sub(" ", re.sub(r"\([^)]*\)", " ", name)).lower()
    tokens = []
    for token in re.split(r"[^a-z0-9.]+", lowered):
        token = token.strip(".")
        # "llama2" and "llama 2" are the same family; "bf16" stays one word.
        split = token if token in _VARIANT_WORDS else re.sub(r"(?<=[a-z]{2})(?=\d)", " ", token)
        tokens += [t for t in split.split() if t]
    while tokens and tokens[0] in _LEADING_WORDS or (
        org_tokens and tokens and tokens[0] in org_tokens and len(tokens) > 1 and re.fullmatch(r"[a-z]{2,}", tokens[1])
    ):
        tokens = tokens[1:]
    variant_words = [_VARIANT_CANONICAL.get(t, t) for t in tokens if t in _VARIANT_WORDS]
    # Words in parentheses ("Chat (RL)") still tell variants apart.
    for inner in re.findall(r"\(([^)]*)\)", name.lower()):
        variant_words += [t for t in re.split(r"[^a-z0-9]+", inner) if t in _VARIANT_WORDS]
    while len(tokens) > 1 and tokens[-1] in _TRAILING_WORDS:
        tokens = tokens[:-1]
    # Four-digit suffixes are dates ("2407", "0905"), not part of the family name.
    stem = tuple(t for t in tokens if t not in _VARIANT_WORDS and not re.fullmatch(r"\d{4}", t))
    return NameInfo(stem, "".join(variant_words), nominal, total, active)


def _starts_with(stem: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return bool(prefix) and stem[: len(prefix)] == prefix


def _size_label(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:g}B"
    return f"{value / 1e6:g}M"


# Chains of capitalised or numbered tokens ("DeepSeek LLM 7B Base", "Qwen1.5-MoE-A2.7B").
_MENTION = re.compile(
    r"(?<![\w.-])[A-Z][A-Za-z0-9.]*[A-Za-z0-9](?:(?:-| |_)(?:[A-Z0-9][A-Za-z0-9.]*[A-Za-z0-9]|[A-Z0-9]|v\d[\w.]*))*"
)


def _mentions(text: str) -> list[tuple[int, str]]:
    found = []
    for match in _MENTION.finditer(text):
        chain = match.group(0).rstrip(".")
        tokens = re.split(r"[- _]", chain)
        if any(re.search(r"\d", t) for t in tokens) or any(len(re.findall(r"[A-Z]", t)) >= 2 for t in tokens):
            found.append((match.start(), chain))
    return found


# ---------------------------------------------------------------------------
# Candidates and how facts attach to them
# ---------------------------------------------------------------------------


@dataclass
class Candidate:
    name: str
    info: NameInfo
    source: str  # "listing" | "table" | "bench" | "prose"
    facts: dict[str, tuple[int, object, str]] = field(default_factory=dict)
    claimed: bool = False  # a benchmark column already merged into this spec row

    def put(self, key: str, value: object, evidence: str, priority: int) -> None:
        if value is None:
            return
        current = self.facts.get(key)
        if current is None or priority > current[0] or _more_precise(key, current[1], value):
            self.facts[key] = (priority, value, evidence[:300])


def _more_precise(key: str, old: object, new: object) -> bool:
    """'8,192' refines '8k' and '16.4B' refines '16B': close values with more digits."""
    if key not in {"params_total", "params_active", "context_length"}:
        return False
    if not isinstance(old, float) or not isinstance(new, float) or old <= 0:
        return False
    close = abs(new - old) / old < 0.1
    return close and _significant_digits(new) > _significant_digits(old)


def _significant_digits(value: float) -> int:
    return len(f"{value:.6g}".replace(".", "").rstrip("0").lstrip("0"))


# Column headers and row labels, by meaning.
_H_ACTIVE = re.compile(r"activ", re.IGNORECASE)
_H_PARAMS = re.compile(r"param|^\s*#?\s*size\s*$|model size$", re.IGNORECASE)
_H_NON_EMBED = re.compile(r"non-?embedding", re.IGNORECASE)
_H_CONTEXT = re.compile(r"context|max(imum)?\s*length|sequence\s*length|seq\.?\s*len", re.IGNORECASE)
_H_TOKENS = re.compile(r"tokens?\b(?!\s*/)|token count", re.IGNORECASE)
_H_MMLU = re.compile(r"^\s*mmlu\b(?![-\s]*(pro|redux))", re.IGNORECASE)
_H_DATE = re.compile(r"release\s*date|^\s*date\s*$", re.IGNORECASE)
_H_NAME = re.compile(r"^\s*(models?|model name|names?|variant|checkpoint)?\s*$", re.IGNORECASE)
_H_LISTING = re.compile(r"download|weights|url|link|^\s*id\s*$|md5|hugging|modelscope", re.IGNORECASE)
_H_LABEL = re.compile(r"categor|benchmark|metric|shots|domain|language|capabilit|task|dataset|^\s*$", re.IGNORECASE)
_SKIP_NAME = re.compile(r"\s\+\s|[*†]\s*$")  # "X + MC" is a recipe variant; "X**" points to a footnote


def _column_kind(label: str) -> str | None:
    if _H_NON_EMBED.search(label):
        return None
    if _H_PARAMS.search(label):
        return "params_active" if _H_ACTIVE.search(label) else "params_total"
    if _H_CONTEXT.search(label):
        return "context_length"
    if _H_TOKENS.search(label) and not re.search(r"gpu|memory|generat|decode|prefill|speed|/s", label, re.IGNORECASE):
        return "training_tokens"
    if _H_MMLU.search(label):
        return "mmlu"
    if _H_DATE.search(label):
        return "publication_date"
    return None


def _parse_params_cell(text: str, unitless_scale: float) -> tuple[float | None, float | None]:
    """(total, active) from cells like "70B", "1B (1.23B)", "17B (Activated) 109B (Total)", "14.3"."""
    total = active = None
    for match in re.finditer(rf"({_NUM}\s*[BMT]?)\s*\((activ\w*|total)\)", text, re.IGNORECASE):
        value = _quantity(match.group(1), unitless_scale)
        if match.group(2).lower().startswith("activ"):
            active = value
        else:
            total = value
    if total is not None or active is not None:
        return total, active
    return _composite_total(text) or _quantity(text, unitless_scale), None


def _composite_total(text: str) -> float | None:
    """Totals written as arithmetic: "10B dense + 128x3.66B MoE", "685B incl. 14B MTP"."""
    match = _DENSE_PLUS_EXPERTS.search(text)
    if match:
        dense, expert = _quantity(match.group("dense")), _quantity(match.group("expert"))
        return dense + int(match.group("n")) * expert if dense and expert else None
    match = _INCLUDING.search(text)
    if match:
        whole, part = _quantity(match.group("whole")), _quantity(match.group("part"))
        return whole - part if whole and part and part < whole else None
    return None


def _quantity(text: str, unitless_scale: float = 1.0) -> float | None:
    try:
        value = parse_quantity(text)
    except UnitParseError:
        return None
    if value is not None and re.fullmatch(rf"\s*[~≈]?\s*{_NUM}\s*\+?\s*", text):
        value *= unitless_scale
    return value


def _unitless_scale(label: str, kind: str) -> float:
    """Bare numbers in a parameter column are billions unless the header says otherwise."""
    if kind in {"params_total", "params_active"}:
        if re.search(r"\(\s*m\s*\)|million", label, re.IGNORECASE):
            return 1e6
        return 1e9
    if kind == "training_tokens" and re.search(r"\(\s*t\s*\)|trillion", label, re.IGNORECASE):
        return 1e12
    return 1.0


def _mmlu_value(text: str) -> float | None:
    match = re.fullmatch(rf"\s*({_NUM})\s*%?\s*", text)
    if not match:
        return None
    value = float(match.group(1))
    return value if 0 < value <= 100 else None


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTH_RE = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"


def parse_date(text: str) -> str | None:
    """ISO date ("2024-04-18") or month ("2020-09") from the first date-like span in text."""
    patterns = [
        (rf"\b{_MONTH_RE}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", lambda m: (m[3], _MONTHS[m[1][:3]], m[2])),
        (rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_RE},?\s+(\d{{4}})", lambda m: (m[3], _MONTHS[m[2][:3]], m[1])),
        (r"\b(\d{4})[./-](\d{1,2})[./-](\d{1,2})\b", lambda m: (m[1], m[2], m[3])),
        (r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", lambda m: (m[3], m[1], m[2])),
        (r"(?<![\d.])(\d{2})\.(\d{2})\.(\d{2})(?![\d.])", lambda m: ("20" + m[1], m[2], m[3])),
        (rf"\b{_MONTH_RE},?\s+(\d{{4}})\b", lambda m: (m[2], _MONTHS[m[1][:3]], None)),
    ]
    for pattern, parts in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        if not match:
            continue
        groups = [match.group(0)] + [g.lower() if g else g for g in match.groups()]
        year, month, day = parts(groups)
        year, month = int(year), int(month)
        if not (1950 <= year <= 2100 and 1 <= month <= 12):
            continue
        if day is None:
            return f"{year:04d}-{month:02d}"
        if 1 <= int(day) <= 31:
            return f"{year:04d}-{month:02d}-{int(day):02d}"
    return None


# ---------------------------------------------------------------------------
# The extractor
# ---------------------------------------------------------------------------


def _sentences(line: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*\[(])", line) if s and len(s) <= MAX_SENTENCE_CHARS]


@dataclass
class _Context:
    doc: Document
    org_tokens: tuple[str, ...]
    primary: tuple[str, ...]
    primary_display: str
    title_sizes: frozenset[float]
    candidates: list[Candidate] = field(default_factory=list)

    def info(self, name: str) -> NameInfo:
        return parse_name(name, self.org_tokens)

    def announced(self, info: NameInfo) -> bool:
        if not self.primary:
            return True
        if not _starts_with(info.stem, self.primary):
            return False
        size = info.nominal
        return not (self.title_sizes and info.stem == self.primary and size and size not in self.title_sizes)

    def find(self, info: NameInfo, *, exact_variant: bool = True) -> Candidate | None:
        for cand in self.candidates:
            if cand.info.stem != info.stem or (exact_variant and cand.info.variant != info.variant):
                continue
            if _same_size(cand, info):
                return cand
        return None


def _same_size(cand: Candidate, info: NameInfo) -> bool:
    mine = cand.info.nominal
    theirs = info.nominal
    if mine is None or theirs is None:
        total = _fact(cand, "params_total")
        if theirs is not None and isinstance(total, float):
            return abs(total - theirs) / theirs < 0.35
        return True
    return abs(mine - theirs) / theirs < 0.02


def _fact(cand: Candidate, key: str) -> object:
    entry = cand.facts.get(key)
    return entry[1] if entry else None


_ORG_PATTERNS = [
    re.compile(r"organization developing the model\s*:?\s*(?:the\s+)?(.*?)\.?$", re.I),
    re.compile(r"model developers?\s*:?\s*(.+?)\.?$", re.I),
    re.compile(r"^\s*(?:-\s*)?owner\s*:\s*(.+?)\.?$", re.I),
    re.compile(r"(?i:developed|trained from scratch|created|built) by (?:researchers at |the )?([A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3})"),
    re.compile(r"(?:(?i:researchers|engineers) at )?\b((?!We\b|This\b|It\b|They\b|Our\b)[A-Z][\w.&-]+(?: [A-Z][\w.&-]+){0,2}) developed (?:and released )?(?:the|this)\b"),
    re.compile(r"·\s*\d+\s*words\s*·\s*([^|·]+?)\s*(?:\||$)", re.I),
    re.compile(r"author\s*=\s*\{([^{}]+)\}"),
]


def _find_org(doc: Document) -> tuple[str | None, str]:
    """The developer as the document names it: model-card fields, "developed by", a byline, a sole bibtex author."""
    for pattern in _ORG_PATTERNS:
        for index, line in enumerate(doc.lines):
            match = pattern.search(line)
            if not match:
                continue
            org = match.group(1).strip(" *:.,")
            if not org and index + 1 < len(doc.lines):  # a model-card label with its value on the next line
                line = doc.lines[index + 1]
                org = re.sub(r"^(?:the\s+)", "", line, flags=re.I).strip(" *:.,")
            if pattern.pattern.startswith("author") and (" and " in org or "," in org):
                continue  # a list of people, not an organisation
            if 1 < len(org) < 60:
                return org, line
    return None, ""


def _is_word_stem(stem: tuple[str, ...]) -> bool:
    return any(re.search(r"[a-z]{2}", t) for t in stem)


def _pick_primary(doc: Document, org_tokens: tuple[str, ...]) -> tuple[tuple[str, ...], str, frozenset[float]]:
    """The family the document is about: title names weigh 5, each prose mention 1.

    Also returns how to write the family name and the sizes the title gives it
    ("Qwen1.5-110B: ..." announces the 110B only, so a 72B of the same family is a rival).
    """
    weights: dict[tuple[str, ...], float] = {}
    surface: dict[tuple[str, ...], dict[str, int]] = {}
    title_sizes: dict[tuple[str, ...], set[float]] = {}
    title_stems = set()
    for match in _MENTION.finditer(doc.title):
        info = parse_name(match.group(0), org_tokens)
        if _is_word_stem(info.stem):
            title_stems.add(info.stem)
            weights[info.stem] = weights.get(info.stem, 0.0) + 5
            if info.nominal:
                title_sizes.setdefault(info.stem, set()).add(info.nominal)
    for line in doc.lines:
        for match in _MENTION.finditer(line):
            chain = match.group(0).rstrip(".")
            info = parse_name(chain, org_tokens)
            strict = bool(_mentions(chain))
            if not _is_word_stem(info.stem) or not (strict or info.stem in title_stems):
                continue
            weights[info.stem] = weights.get(info.stem, 0.0) + 1
            if info.nominal is None and not info.variant:
                forms = surface.setdefault(info.stem, {})
                written = " ".join(w for w in chain.split() if w.lower() not in _LEADING_WORDS)
                forms[written] = forms.get(written, 0) + 1
    if not weights:
        return (), "", frozenset()
    best = max(weights, key=lambda s: (weights[s], -len(s)))
    forms = surface.get(best)
    name = max(forms, key=lambda f: (forms[f], -len(f))) if forms else " ".join(best).title()
    return best, name, frozenset(title_sizes.get(best, ()))


_ROW_FACTS = {"mmlu", "params_total", "params_active", "context_length", "training_tokens"}


def _table_kind(table: Table) -> str | None:
    """"rows" when each row is a model, "columns" when the header lists models, else None."""
    if not table.header or not table.rows:
        return None
    first = table.header[0]
    names_in_first = bool(_H_NAME.match(first)) or _column_kind(first) == "params_total"
    metric_labels = any(
        _H_MMLU.search(c) or re.search(r"#?\s*(total|activated) params", c, re.I) for row in table.rows for c in row[:4]
    )
    fact_columns = any(_column_kind(h) in _ROW_FACTS for h in table.header[1:])
    if names_in_first and (fact_columns or not metric_labels):
        return "rows"
    if metric_labels and _H_LABEL.search(first):
        return "columns"
    return None


def _read_row_table(ctx: _Context, table: Table) -> None:
    kinds = [_column_kind(h) for h in table.header]
    # A quantity spread over several columns is a sweep ("Sequence Length" 1024, 2048, ...), not a fact.
    kinds = [k if k is None or kinds.count(k) == 1 or k == "params_total" and c == 0 else None for c, k in enumerate(kinds)]
    listing = any(_H_LISTING.search(h) or link for h, link in zip(table.header[1:], table.has_links[1:]))
    specs = any(k in {"params_total", "params_active", "context_length", "training_tokens", "publication_date"} for k in kinds)
    previous: tuple[str, ...] = ()
    for row in table.rows:
        name = row[0]
        if name and name == table.header[0]:
            continue
        sizes = [row[c] for c, k in enumerate(kinds) if k == "params_total"]
        if not name:
            if not previous or not any(sizes):
                continue
            # Markdown cannot span rows: a continuation row shares the blank cells of the row above.
            row = tuple(cell or above for cell, above in zip(row, previous))
            name = row[0]
        previous = row
        if _NOT_MODEL_ROWS.match(name) or _SKIP_NAME.search(name) or not re.search(r"[A-Za-z0-9]", name):
            continue
        if kinds[0] == "params_total" or not re.search(r"[A-Za-z]{2}", _SIZE_IN_NAME.sub("", name)):
            name = f"{ctx.primary_display} {name}".strip()  # size-only names belong to the document's family
        evidence = " | ".join(c for c in row if c)
        total = active = None
        for col, kind in enumerate(kinds):
            if kind in {"params_total", "params_active"} and col < len(row) and row[col]:
                t, a = _parse_params_cell(row[col], _unitless_scale(table.header[col], kind))
                if kind == "params_active":
                    t, a = None, t
                total, active = total or t, active or a
        info = ctx.info(name)
        if info.nominal is None and total and not re.search(r"\bx\d|\d+x\d", name):
            qualifier = " ".join(re.findall(r"\([^)]*\)", name))
            name = f"{re.sub(r'[(].*?[)]', '', name).strip()} {_size_label(_round_nominal(total, row))} {qualifier}".strip()
            info = ctx.info(name)
        if not (listing or ctx.announced(info)):
            continue
        cand = ctx.find(info)
        if cand is None:
            mmlu = [_mmlu_value(row[c]) for c, k in enumerate(kinds) if k == "mmlu" and c < len(row)]
            if not (listing or specs or any(mmlu) and info.nominal):
                continue  # a benchmark row of an unlisted variant without its own numbers
            cand = Candidate(name=name, info=info, source="listing" if listing else "table")
            ctx.candidates.append(cand)
        cand.put("params_total", total if total is not None else info.total, evidence, TABLE)
        cand.put("params_active", active if active is not None else info.active, evidence, TABLE)
        for col, kind in enumerate(kinds):
            if col == 0 or not kind or kind in {"params_total", "params_active"} or not row[col]:
                continue
            cand.put(kind, _cell_value(kind, row[col], table.header[col]), evidence, TABLE)


def _round_nominal(total: float, row: tuple[str, ...]) -> float:
    """The size label written in the row ("1B" in "1B (1.23B)"), else the value itself."""
    for cell in row:
        match = re.match(rf"\s*({_NUM})\s*([BM])\s*\(\s*\d", cell)
        if match:
            return float(match.group(1)) * (1e9 if match.group(2) == "B" else 1e6)
    return total


def _cell_value(kind: str, text: str, label: str) -> object:
    if kind == "mmlu":
        return _mmlu_value(text)
    if kind == "publication_date":
        return parse_date(text)
    if re.search(r"less than|fewer than|under|below|<", text, re.IGNORECASE):
        return None  # an upper bound alone is not a value
    match = re.search(rf"[~≈]?\s*{_NUM}(?:,\d{{3}})*\s*[KMBTkmbt]?\+?(?:\s*\+\s*{_NUM}\s*[KMBTkmbt])?", text)
    return _quantity(match.group(0).strip(), _unitless_scale(label, kind)) if match else None


def _read_column_table(ctx: _Context, table: Table) -> None:
    label_cols = [c for c, h in enumerate(table.header) if _H_LABEL.search(h) or c == 0]
    model_cols = [c for c in range(len(table.header)) if c not in label_cols]
    footnote_not_released = any(re.search(r"not released|comparison purposes only", l, re.I) for l in ctx.doc.lines)
    for col in model_cols:
        name = table.header[col]
        if not re.search(r"[A-Za-z]", name) or (_SKIP_NAME.search(name) and footnote_not_released):
            continue
        info = ctx.info(name)
        if not ctx.announced(info):
            continue
        values: dict[str, tuple[object, str]] = {}
        for row in table.rows:
            labels = " ".join(row[c] for c in label_cols if c < len(row))
            cell = row[col] if col < len(row) else ""
            evidence = f"{labels} | {name}: {cell}"
            if _H_MMLU.search(labels.strip()) or any(_H_MMLU.search(row[c]) for c in label_cols if c < len(row)):
                values.setdefault("mmlu", (_mmlu_value(cell), evidence))
            elif re.search(r"param", labels, re.I):
                kind = "params_active" if _H_ACTIVE.search(labels) else "params_total"
                values.setdefault(kind, (_quantity(cell), evidence))
        cand, new_name = _bench_candidate(ctx, info, name, table.section)
        if cand is None:
            if values.get("mmlu", (None,))[0] is None or info.nominal is None:
                continue  # an unlisted variant is a model of its own only when it brings its own numbers
            cand = Candidate(name=new_name, info=ctx.info(new_name), source="bench")
            sibling = ctx.find(NameInfo(info.stem, "", info.nominal, None, None))
            if sibling:
                for key in ("params_total", "params_active"):
                    if key in sibling.facts:
                        cand.facts[key] = sibling.facts[key]
            cand.put("params_total", info.total, name, TABLE)
            ctx.candidates.append(cand)
        for key, (value, evidence) in values.items():
            cand.put(key, value, evidence, TABLE)


def _implied_variant(section: str) -> str:
    """Benchmark tables under "Instruction tuned models" describe the instruct variants."""
    last = section.split(" / ")[-1] if section else ""
    if re.search(r"instruct|chat|tuned|post-?train", last):
        return "instruct"
    if re.search(r"\bbase\b|pre-?train", section):
        return "base"
    return ""


def _bench_candidate(ctx: _Context, info: NameInfo, name: str, section: str) -> tuple[Candidate | None, str]:
    """Merge a benchmark column into a known model: the variant the section implies, the
    same variant, then an unclaimed plain sibling. Returns the candidate (or None) and
    the name a new candidate should get."""
    implied = "" if info.variant else _implied_variant(section)
    if implied:
        cand = ctx.find(NameInfo(info.stem, implied, info.nominal, info.total, info.active))
        if cand:
            cand.claimed = True
            return cand, name
        if implied == "instruct":
            return None, f"{name} Instruct"
    cand = ctx.find(info)
    if cand is None and info.variant:
        plain = ctx.find(NameInfo(info.stem, "", info.nominal, info.total, info.active))
        if plain is not None and not plain.claimed and plain.source != "bench":
            plain.name = name
            cand = plain
    if cand is not None:
        cand.claimed = True
        if cand.info.nominal is None and info.nominal is not None and "params_total" not in cand.facts:
            cand.name, cand.info = name, info  # the family name in prose, the sized name in the table
    return cand, name


# Prose patterns --------------------------------------------------------------

_QTY = rf"(?:~|≈|about |around |approximately |nearly |roughly )?{_NUM}(?:,\d{{3}})*\s?(?:(?:thousand|million|billion|trillion)\b|[KMBTkmbt](?![a-zA-Z]))?"
_PARAM_STATEMENT = re.compile(
    rf"(?P<q>{_QTY})(?:[-\s]parameters?|\s+(?P<which>total|activated|active)\s+parameters?|\s+parameters?)"
    rf"|parameters?\s*:\s*(?P<q2>{_QTY})",
    re.IGNORECASE,
)
_ACTIVE_AFTER = re.compile(rf"(?P<q>{_QTY})\s+(?:parameters\s+)?(?:are\s+)?(?:activated|active)\b", re.I)
# "10B dense + 128x3.66B MoE": a dense trunk plus N experts of a given size.
_DENSE_PLUS_EXPERTS = re.compile(rf"(?P<dense>{_QTY})\s*dense\s*\+\s*(?P<n>\d+)\s*[x×]\s*(?P<expert>{_QTY})\s*(?:MoE|experts?)", re.I)
# "685B incl. 14B MTP": the stated size includes a module that is not part of the model proper.
_INCLUDING = re.compile(rf"(?P<whole>{_QTY})\s*\(?(?:incl\.?|including)\s+(?P<part>{_QTY})", re.I)
_SIZE_LIST = re.compile(
    rf"(?<![\w.])(?P<list>{_NUM}\s?(?:[BbMm](?:[_-]v\d+)?|billion|million)?(?:\s*(?:,|/|,?\s*and|,?\s*or)\s*{_NUM}\s?(?:[BbMm](?:[_-]v\d+)?|billion|million)?)+)"
    rf"(?!\w|\.\d)(?P<after>\s*(?:parameters?|parameter models|sizes?|models?|checkpoints?|variants?)?)",
)
_TOKENS_STATEMENT = re.compile(rf"(?P<q>{_QTY}(?:\s*\+\s*{_QTY})?)\+?\s+(?:\w+\s+){{0,3}}?tokens\b", re.I)
_CONTEXT_STATEMENT = re.compile(
    rf"(?:context(?:\s+(?:length|window|size))?|sequence length|sequences)\s*(?:\([^)]*\))?\s*(?:of|to|is|:|up to|extended to)?\s*(?:up to\s+)?(?P<q>{_QTY})"
    rf"|(?P<q2>{_QTY})(?:\s+tokens?)?\s+context|support(?:s)?\s+(?:up to\s+)?(?P<q3>{_QTY})\s+tokens",
    re.I,
)
_BOUND_BEFORE = re.compile(r"(less than|fewer than|under|below|<|at most|over|more than|from)\s*$", re.I)
_UPPER_BOUND_BEFORE = re.compile(r"(less than|fewer than|under|below|<|at most)\s*$", re.I)
_NOT_CONTEXT = re.compile(r"vocab|generat|output|max_new|new tokens|tokens?/s|per second|batch", re.I)
_NOT_TRAINING = re.compile(r"batch|vocab|generat|per second|tokens?/s|context|window|sequence|prompt|output|cost|price|free tokens", re.I)
_TRAINING_WORDS = re.compile(r"train|pretrain|pre-train|corpus|dataset|data\b", re.I)
_RELEASE_VERBS = re.compile(r"\b(releas\w*|introduc\w*|open-?sourc\w*|open-?weight\w*|launch\w*|announc\w*|present)\b", re.I)


def _subject(ctx: _Context, sentence: str, position: int) -> NameInfo | None:
    """The model a sentence talks about at `position`: the nearest name mentioned before it."""
    best = None
    known = {c.info.stem for c in ctx.candidates} | {ctx.primary}
    for start, mention in _mentions(sentence):
        if start >= position:
            break
        info = ctx.info(mention)
        # Acronyms such as "MoE" or "GQA" are mentions too, but not models.
        if info.stem and (info.stem in known or _starts_with(info.stem, ctx.primary) or re.search(r"\d", mention)):
            best = info
    return best


def _targets(ctx: _Context, subject: NameInfo | None) -> tuple[list[Candidate], int]:
    """Candidates a prose fact applies to, and the priority it carries."""
    if subject is None:
        return [c for c in ctx.candidates if c.info.stem == ctx.primary], GENERAL
    matches = [c for c in ctx.candidates if c.info.stem == subject.stem]
    if subject.nominal:
        matches = [c for c in matches if c.info.nominal and abs(c.info.nominal - subject.nominal) / subject.nominal < 0.02]
    return matches, NAMED


def _read_size_lists(ctx: _Context) -> None:
    """"comes in 7B, 13B and 70B", "Qwen2.5: 0.5B, 1.5B, ...", nested "Gemma 3: / Text only: 1b"."""
    subject_by_indent: dict[int, str] = {}
    for line in ctx.doc.lines:
        indent = (len(line) - len(line.lstrip())) // 2
        item = line.strip().lstrip("- ").strip()
        is_item = line.lstrip().startswith("-")
        heading = re.fullmatch(r"(.+?):\s*(.*)", item) if is_item else None
        if not is_item:
            subject_by_indent = {}
        if heading and len(heading.group(1)) <= 40 and _names_model(ctx, heading.group(1)) and not re.search(r"\d\s*[bBmM]\b", heading.group(1)[-4:]):
            subject_by_indent = {k: v for k, v in subject_by_indent.items() if k < indent}
            subject_by_indent[indent] = heading.group(1)
        elif is_item:
            subject_by_indent = {k: v for k, v in subject_by_indent.items() if k < indent}
        for sentence in _sentences(line):
            for match in _SIZE_LIST.finditer(sentence):
                parts = [p for p in re.split(r"\s*(?:,|/|\band\b|\bor\b)\s*", match.group("list")) if p]
                has_units = [bool(re.search(r"[A-Za-z]", p)) for p in parts]
                last_unit = re.sub(rf"^{_NUM}\s?", "", parts[-1])
                if not has_units[-1] or not (match.group("after").strip() or all(has_units)):
                    continue
                if re.match(r"\s*(on the way|coming soon|to come|upcoming)", sentence[match.end():], re.I):
                    parts = parts[:-1]  # the last size is announced for later, not released
                subject = _subject(ctx, sentence, match.start())
                if subject is not None and not ctx.announced(subject):
                    continue  # sizes of a rival family
                enclosing = [subject_by_indent[k] for k in sorted(subject_by_indent) if k <= indent]
                label = subject and _display_for(ctx, subject, sentence, match.start())
                if label is None:
                    label = next((s for s in reversed(enclosing) if _names_model(ctx, s)), None)
                explicit = label is not None
                label = label or ctx.primary_display
                for part in parts:
                    size_text = part if re.search(r"[A-Za-z]", part) else part + last_unit
                    size_text = re.sub(r"[_-]v\d+$", "", size_text.strip())
                    value = _quantity(size_text.replace("b", "B").replace("m", "M"))
                    if not value or value < 1e7:
                        continue
                    _add_prose_model(ctx, f"{label} {_size_label(value)}", value, sentence, explicit)


def _names_model(ctx: _Context, text: str) -> bool:
    return bool(_mentions(text)) or _starts_with(ctx.info(text).stem, ctx.primary)


def _display_for(ctx: _Context, subject: NameInfo, sentence: str, position: int) -> str | None:
    for start, mention in reversed(_mentions(sentence[:position])):
        if ctx.info(mention).stem == subject.stem:
            return _SIZE_IN_NAME.sub("", mention).strip(" -_/")
    return None


def _add_prose_model(ctx: _Context, name: str, value: float, evidence: str, explicit: bool) -> None:
    """A size from a list, unless a model of that family (any sub-family when the list
    names no family) and size is already known."""
    info = ctx.info(name)
    if not ctx.announced(info):
        return
    covered = any(
        (c.info.stem == info.stem if explicit else _starts_with(c.info.stem, info.stem))
        and isinstance(_fact(c, "params_total") or c.info.nominal, float)
        and abs((c.info.nominal or _fact(c, "params_total")) - value) / value < 0.02
        for c in ctx.candidates
    )
    if covered or ctx.find(info):
        return
    cand = Candidate(name=name, info=info, source="prose")
    cand.put("params_total", value, evidence, NAMED)
    ctx.candidates.append(cand)


def _read_param_statements(ctx: _Context) -> None:
    """"175 billion parameters", "a 72B-parameter model", "236B total ... 21B activated"."""
    for line in ctx.doc.lines:
        for sentence in _sentences(line):
            composite = _composite_total(sentence)
            if composite and re.search(r"param", sentence, re.I):
                subject = _subject(ctx, sentence, len(sentence))
                _apply_param(ctx, subject, "params_total", composite, sentence)
                continue
            for match in _PARAM_STATEMENT.finditer(sentence):
                qty_text = match.group("q") or match.group("q2")
                before = sentence[: match.start()]
                if _BOUND_BEFORE.search(before) or re.search(r"non-?embedding", sentence[match.start(): match.end() + 20], re.I):
                    continue
                if re.search(r"\bto\s*$", before) or re.match(r"\s*to\s", sentence[match.end():]):
                    continue  # a range "from 7 billion to 70 billion"
                value = _quantity(qty_text)
                if not value or value < 1e7:
                    continue
                which = (match.group("which") or "").lower()
                following = sentence[match.end(): match.end() + 30]
                kind = "params_active" if which.startswith("activ") or re.match(r"\s*(are\s+)?(activated|active)", following) else "params_total"
                subject = _subject(ctx, sentence, match.start())
                _apply_param(ctx, subject, kind, value, sentence)
                if kind == "params_total":
                    active = _ACTIVE_AFTER.search(sentence, match.end())
                    active_value = _quantity(active.group("q")) if active else None
                    if active_value:
                        _apply_param(ctx, subject, "params_active", active_value, sentence)


def _apply_param(ctx: _Context, subject: NameInfo | None, kind: str, value: float, sentence: str) -> None:
    stem = subject.stem if subject else ctx.primary
    family = [c for c in ctx.candidates if c.info.stem == stem]
    if subject and subject.nominal:
        family = [c for c in family if c.info.nominal and abs(c.info.nominal - subject.nominal) / subject.nominal < 0.02]
    if kind == "params_total":
        close = [c for c in family if isinstance(_fact(c, "params_total") or c.info.nominal, float)
                 and abs((_fact(c, "params_total") or c.info.nominal) - value) / value < 0.1]
        for cand in close:
            cand.put(kind, value, sentence, NAMED if subject else GENERAL)
        if close or any(c.source in {"table", "listing"} and "params_total" in c.facts for c in family):
            return
        unsized = [c for c in family if "params_total" not in c.facts]
        if len(unsized) >= 1 and not any("params_total" in c.facts for c in family):
            for cand in unsized:
                cand.put(kind, value, sentence, NAMED if subject else GENERAL)
            return
        if not stem or not ctx.announced(NameInfo(stem, "", value, value, None)):
            return
        base = _SIZE_IN_NAME.sub("", ctx.primary_display if subject is None else " ".join(stem).title()).strip()
        name = base if not family else f"{base} {_size_label(value)}"
        if subject is not None:
            name = _display_for(ctx, subject, sentence, len(sentence)) or name
            if family or subject.nominal:
                name = f"{name} {_size_label(subject.nominal or value)}"
        nominal = subject.nominal if subject and subject.nominal else (value if family else None)
        cand = Candidate(name=name, info=NameInfo(stem, "", nominal, value, None), source="prose")
        cand.put(kind, value, sentence, NAMED)
        ctx.candidates.append(cand)
        return
    for cand in family:
        total = _fact(cand, "params_total")
        if total is None or value < total:
            cand.put(kind, value, sentence, NAMED if subject else GENERAL)


def _read_quantity_statements(ctx: _Context) -> None:
    """Training tokens and context length stated in sentences."""
    for line in ctx.doc.lines:
        for sentence in _sentences(line):
            for match in _TOKENS_STATEMENT.finditer(sentence):
                window = sentence[max(0, match.start() - 80): match.end() + 10]
                if _NOT_TRAINING.search(window) or not _TRAINING_WORDS.search(window):
                    continue
                if _UPPER_BOUND_BEFORE.search(sentence[: match.start()]) or re.search(r"additional|further", sentence[max(0, match.start() - 30): match.start()], re.I):
                    continue
                value = _quantity(match.group("q").strip())
                if value and value >= 1e9:
                    _apply(ctx, _subject(ctx, sentence, match.start()), "training_tokens", value, sentence)
            for match in _CONTEXT_STATEMENT.finditer(sentence):
                window = sentence[max(0, match.start() - 25): match.end() + 15]
                if _NOT_CONTEXT.search(window):
                    continue
                value = _quantity((match.group("q") or match.group("q2") or match.group("q3")).strip())
                if value and 512 <= value <= 1e8:
                    _apply(ctx, _subject(ctx, sentence, match.start()), "context_length", value, sentence)


def _apply(ctx: _Context, subject: NameInfo | None, key: str, value: object, evidence: str) -> None:
    targets, priority = _targets(ctx, subject)
    for cand in targets:
        cand.put(key, value, evidence, priority)


def _read_dates(ctx: _Context) -> None:
    doc = ctx.doc
    for line in doc.lines:
        if re.search(r"release date|model date", line, re.I):
            rest = re.split(r"release date|model date", line, maxsplit=1, flags=re.I)[1]
            following = _next_line(doc, line)
            if re.search(r"trained between", rest, re.I) or not rest.strip(" :*") and re.search(r"trained between", following, re.I):
                continue  # a training period, not a release
            date = parse_date(rest) or parse_date(following)
            if date:
                _apply(ctx, None, "publication_date", date, line)
                for cand in ctx.candidates:
                    cand.put("publication_date", date, line, GENERAL)
        news = re.match(r"\s*-?\s*\[?(\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})\]?\s*:?\s*(.*)", line)
        if news and _RELEASE_VERBS.search(news.group(2)):
            date = parse_date(news.group(1))
            for _, mention in _mentions(news.group(2)):
                info = ctx.info(mention)
                for cand in ctx.candidates:
                    if cand.info.stem == info.stem and (not info.nominal or cand.info.nominal == info.nominal):
                        cand.put("publication_date", date, line, NAMED)
    if doc.is_html:
        # A blog byline: the first date right under the title.
        for line in doc.lines[:40]:
            date = parse_date(line)
            if date and len(line) < 120:
                for cand in ctx.candidates:
                    cand.put("publication_date", date, line, GENERAL)
                break


def _next_line(doc: Document, line: str) -> str:
    index = doc.lines.index(line)
    return doc.lines[index + 1] if index + 1 < len(doc.lines) else ""


def _read_release_names(ctx: _Context) -> None:
    """Models named in the title or a release sentence that no table or size list produced."""
    texts = [ctx.doc.title] + [s for line in ctx.doc.lines for s in _sentences(line) if _RELEASE_VERBS.search(s)]
    sized = {ctx.info(m).stem for text in texts for _, m in _mentions(text) if ctx.info(m).nominal}
    for text in texts:
        cut = re.split(r"\b(like|than|compared|against|such as|outperform\w*|vs\.?|surpass\w*)\b", text)[0]
        for _, mention in _mentions(cut):
            info = ctx.info(mention)
            if info.stem != ctx.primary or info.stem in sized or info.nominal is not None or ctx.find(info):
                continue
            if any(_starts_with(c.info.stem, info.stem) and not c.info.variant for c in ctx.candidates) and not info.variant:
                continue  # "the Llama 4 series" names the family of models already found
            if info.variant or not any(c.info.stem == info.stem for c in ctx.candidates):
                ctx.candidates.append(Candidate(name=mention, info=info, source="prose"))


def extract(text: str, *, content_type: str | None = None, url: str | None = None) -> list[dict]:
    """Candidate facts for every model the document announces, sorted by name."""
    doc = load_document(text, content_type, url)
    org, org_line = _find_org(doc)
    org_tokens = tuple(t for t in re.split(r"[^a-z0-9]+", (org or "").lower()) if t and t not in {"the", "ai", "team", "inc"})
    primary, display, title_sizes = _pick_primary(doc, org_tokens)
    ctx = _Context(doc, org_tokens, primary, display, title_sizes)
    ordered = sorted(doc.tables, key=lambda t: _table_kind(t) != "rows")
    for table in ordered:
        if _table_kind(table) == "rows":
            _read_row_table(ctx, table)
    _read_size_lists(ctx)
    _read_release_names(ctx)
    _read_param_statements(ctx)
    for table in ordered:
        if _table_kind(table) == "columns":
            _read_column_table(ctx, table)
    _read_quantity_statements(ctx)
    _read_dates(ctx)
    _inherit_from_siblings(ctx)
    if org:
        for cand in ctx.candidates:
            cand.put("organization", org, org_line, GENERAL)
    return sorted((_as_record(c) for c in ctx.candidates if _worth_reporting(c)), key=_sort_key)


_QUANT_VARIANTS = re.compile(r"spinquant|qlora|ptq|int4|int8|awq|gptq|fp8")
_SHARED_FIELDS = ("params_total", "params_active", "training_tokens", "context_length", "publication_date")


def _inherit_from_siblings(ctx: _Context) -> None:
    """Variants share what the document states for their base row.

    "Llama 3.2 1B QLoRA" is as big as the "1B (1.23B)" row and has the context of the
    "Quantized" row; a generic "Quantized" row then folds into the named methods.
    """
    def siblings(cand: Candidate) -> list[Candidate]:
        same = [o for o in ctx.candidates if o is not cand and o.info.stem == cand.info.stem
                and o.info.nominal == cand.info.nominal and cand.info.nominal is not None]
        quantized = [o for o in same if o.info.variant == "quantized"] if _QUANT_VARIANTS.search(cand.info.variant) else []
        plain = [o for o in same if o.info.variant in {"", "base"}]
        return quantized + plain

    for cand in ctx.candidates:
        for other in siblings(cand):
            total = _fact(other, "params_total")
            if _fact(cand, "params_total") == cand.info.nominal and isinstance(total, float) and total != cand.info.nominal:
                cand.facts["params_total"] = other.facts["params_total"]
            for key in _SHARED_FIELDS:
                if key not in cand.facts and key in other.facts:
                    cand.facts[key] = other.facts[key]
    named_methods = {(c.info.stem, c.info.nominal) for c in ctx.candidates if _QUANT_VARIANTS.search(c.info.variant)}
    ctx.candidates[:] = [c for c in ctx.candidates
                         if not (c.info.variant == "quantized" and (c.info.stem, c.info.nominal) in named_methods)]


def _worth_reporting(cand: Candidate) -> bool:
    return cand.source != "bench" or any(k in cand.facts for k in ("params_total", "mmlu"))


def _as_record(cand: Candidate) -> dict:
    record: dict = {"name": cand.name}
    for key in FIELDS:
        value = _fact(cand, key)
        if isinstance(value, float) and value.is_integer() and key != "mmlu":
            value = int(value)
        record[key] = value
    record["evidence"] = {k: cand.facts[k][2] for k in FIELDS if k in cand.facts}
    return record


def _sort_key(record: dict) -> tuple:
    return (record["name"].lower(), record["params_total"] or 0, json.dumps(record, sort_keys=True))


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def _read_source(source: str) -> tuple[str, str | None]:
    if re.match(r"https?://", source):
        import requests

        response = requests.get(source, timeout=FETCH_TIMEOUT_S, headers={"User-Agent": USER_AGENT}, stream=True)
        response.raise_for_status()
        body = b""
        for chunk in response.iter_content(65536):
            body += chunk
            if len(body) > FETCH_MAX_BYTES:
                raise OSError(f"response larger than {FETCH_MAX_BYTES} bytes")
        encoding = response.encoding or "utf-8"
        return body.decode(encoding, errors="replace"), response.headers.get("Content-Type")
    return Path(source).read_text(encoding="utf-8", errors="replace"), None


def main(argv: list[str] | None = None) -> int:
    parser = cli.ArgumentParser("extract", description=__doc__.splitlines()[0])
    parser.add_argument("source", metavar="PATH_OR_URL", help="a Markdown, text or HTML file, or an http(s) URL")
    source = parser.parse_args(argv).source
    try:
        text, content_type = _read_source(source)
    except Exception as error:  # any failure to read is reported in one line
        cli.fail("extract", f"cannot read {source}: {type(error).__name__}: {error}")
    try:
        records = extract(text, content_type=content_type, url=source)
    except DocumentTooComplex as error:
        cli.fail("extract", f"{source}: the document is too large or too complex to read ({error})")
    print(json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    cli.run(main)
