"""Evidence check: each registry number's quote or table cell, looked for in the text of its source.

    python -m pipeline.verify --sources DIR             # offline: saved copies of the sources
    python -m pipeline.verify --online [--sources DIR]  # fetch the sources that have no saved copy

A number's source is its entry's `url`, or `field_urls[field]` when the entry gives one. A saved
copy is named by its URL's hash: sha256(url.encode("utf-8")).hexdigest() then .txt, .md, .html or
.pdf (the same URL may have several). DIR/MANIFEST.tsv, when present, says where each copy came
from: tab-separated rows, each naming a copy by its hash (or file name) or its URL, or both; a cell
that reads "partial" (or "excerpt") or "complete" (or "full") says whether the copy holds the whole
document, else a cell mentioning "partial" or "excerpts" marks it partial. A copy the manifest does
not list is taken as whole. `--online` fetches, through the
project's polite fetcher (hosts: those of the registry's URLs; an arXiv abstract page as its paper's
PDF), only what no saved copy holds, and saves what it fetched into DIR when given; without it,
nothing touches the network.

Each copy becomes plain text (HTML and Markdown without their markup, PDF by pypdf) and is
compared after `normalise`: HTML entities decoded, Unicode compatibility forms folded (ligatures,
non-breaking spaces), curly quotes and dashes made straight, Markdown marks (* _ ` # |) and link
syntax removed, case folded. A quote is found when it occurs in the text with whitespace ignored
(text taken from HTML and PDF gains and loses spaces); the parts of an elided quote ("a ... b") in
order, each within ELISION_GAP of the one before. A table cell is found when the cell as
printed occurs, not inside a longer number or word, within NEAR_CHARACTERS of its row label.
Derived and name evidence states no text of the source: counted, not checked.

A number whose source is unreachable in this run keeps its earlier conclusive result (and date)
from --csv when its kind, URL and evidence are unchanged. Writes --csv (one row per number, see
`EvidenceCheck` in pipeline/schema.py) and --summary (counts, the share found, what was not found).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import math
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from pipeline import cli
from pipeline.http import Fetcher, FetchError, fetcher_for, host_of
from pipeline.io import load_params, restore_formula, write_csv, write_json
from pipeline.schema import NUMERIC_FIELDS, EvidenceCheck
from pipeline.sources import registry

# The kinds whose evidence is text of the source, looked for; the others are counted only.
CHECKED_KINDS = ("quote", "table")
FOUND, NOT_FOUND, NOT_IN_PARTIAL_COPY = "found", "not_found", "not_in_partial_copy"
UNREACHABLE, NOT_CHECKED, NO_EVIDENCE = "source_unreachable", "not_checked", "no_evidence"
CONCLUSIVE = (FOUND, NOT_FOUND, NOT_IN_PARTIAL_COPY)
# A table's cell counts as in its row when it starts or ends this close to the row label
# (characters of normalised text): a row of a dozen numeric columns fits, the next rows do not.
NEAR_CHARACTERS = 300
# The parts of an elided quote ("a ... b") are found within this many characters of each other
# (whitespace not counted): the same passage, not two places of a paper.
ELISION_GAP = 1000
ELISION = re.compile(r"\.{3,}")  # NFKC writes the ellipsis character as three dots
COPY_SUFFIXES = {".txt": "text", ".md": "markdown", ".html": "html", ".pdf": "pdf"}
MANIFEST = "MANIFEST.tsv"
# A manifest cell that is one of these words says whether the copy is partial; else any cell
# mentioning a part ("excerpts of section 3") marks it partial.
EXTENT_WORDS = {"partial": True, "excerpt": True, "excerpts": True, "complete": False, "full": False, "whole": False}
PARTIAL_WORDS = re.compile(r"\b(partial|excerpts?)\b", re.IGNORECASE)
SHA256 = re.compile(r"[0-9a-f]{64}")

STRAIGHTENED = str.maketrans({
    **dict.fromkeys("‘’‚‛′‹›", "'"), **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff"),  # soft hyphen, zero-width characters
    **dict.fromkeys("*_`#"), "|": " ",  # Markdown emphasis, code and heading marks; table cell borders
})
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
BROKEN_WORD = re.compile(r"(\w)-\s+(\w)")  # "trai-\nned", or "under- trained" where the line break was lost
# An arXiv abstract page holds the abstract only: the paper is its PDF.
ARXIV_ABSTRACT = re.compile(r"^https?://arxiv\.org/abs/([^?#]+)")
WHITESPACE = re.compile(r"\s+")


class SourceCopyError(ValueError):
    """A saved or fetched copy that cannot be read as its kind of document; names the file or URL."""


def normalise(text: str) -> str:
    """text as it is compared: entities decoded, compatibility forms folded, quotes and dashes
    straight, Markdown and HTML markup removed, case folded, whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = HTML_TAG.sub(" ", MARKDOWN_LINK.sub(r"\1", text)).translate(STRAIGHTENED)
    return WHITESPACE.sub(" ", text.casefold()).strip()


def quote_found(quote: str, texts: list[str], gap: int = ELISION_GAP) -> bool:
    """Whether the quote occurs in one of the normalised texts, whitespace ignored. An elided quote
    ("trained from scratch ... 5.7T tokens") is found when its parts occur in that order, each
    starting at most `gap` characters (whitespace not counted) after the end of the one before."""
    parts = [part for part in ELISION.split(normalise(quote).replace(" ", "")) if part]
    for text in (text.replace(" ", "") for text in texts):
        start = text.find(parts[0]) if parts else -1
        while start >= 0:
            end = start + len(parts[0])
            for part in parts[1:]:
                following = text.find(part, end)
                if following < 0 or following - end > gap:
                    break
                end = following + len(part)
            else:
                return True
            start = text.find(parts[0], start + 1)
    return False


def _spacing_free(text: str) -> str:
    """A regex matching normalised text whatever spaces extraction added or dropped."""
    return r"\s?".join(map(re.escape, normalise(text).replace(" ", "")))


def table_cell_found(row: str, cell: str, texts: list[str], near: int = NEAR_CHARACTERS) -> bool:
    """Whether the cell as printed stands at most `near` characters from its row label (either side,
    not inside it), in one of the normalised texts; a cell inside a longer number or word ("56.73" in
    "156.731") is not it."""
    label, printed = _spacing_free(row), _spacing_free(cell)
    if not label or not printed:
        return False
    label, printed = re.compile(label), re.compile(rf"(?<![\w.]){printed}(?![\w]|\.\d)")
    for text in texts:
        labels = [(match.start(), match.end()) for match in label.finditer(text)]
        for match in printed.finditer(text) if labels else ():
            # the characters between the two, whichever comes first; a cell inside its label is not beside it
            if any(0 <= max(match.start() - end, start - match.end()) <= near for start, end in labels):
                return True
    return False


# -- documents to text -------------------------------------------------------------------


def html_text(markup: str | bytes) -> str:
    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    return soup.get_text(" ")


def markdown_text(text: str) -> str:
    """A Markdown document's text: rendered (tables and embedded HTML included), then without tags."""
    return html_text(MarkdownIt("commonmark", {"html": True}).enable("table").render(text))


def pdf_text(data: bytes, where: str) -> str:
    import pypdf  # only the runs that read a PDF need it

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError) as error:
        raise SourceCopyError(f"{where}: not a readable PDF ({type(error).__name__}: {error})") from error


def document_text(data: bytes, kind: str, where: str) -> list[str]:
    """The normalised texts a document is searched in: as extracted, and (for words a PDF breaks
    over two lines) with a hyphen followed by whitespace joined."""
    if kind == "pdf":
        text = pdf_text(data, where)
    elif kind == "html":
        text = html_text(data)
    else:
        decoded = data.decode("utf-8", errors="replace")
        text = markdown_text(decoded) if kind == "markdown" else decoded
    if not text.strip():
        raise SourceCopyError(f"{where}: no text could be read from this {kind} document")
    return list(dict.fromkeys([normalise(text), normalise(BROKEN_WORD.sub(r"\1\2", text))]))


def kind_of_response(content_type: str, url: str) -> str:
    path = url.split("?")[0].split("#")[0].lower()
    if content_type == "application/pdf" or path.endswith(".pdf"):
        return "pdf"
    if content_type == "text/markdown" or path.endswith((".md", ".markdown")):
        return "markdown"
    if content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    return "text"


# -- saved copies ------------------------------------------------------------------------


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass
class Source:
    """What one URL's copies hold: their normalised texts, whether each copy is whole, and which."""

    texts: list[str]
    partial: bool
    copies: str  # file names (or the URL fetched), for the record
    error: str | None = None


class ManifestRow(NamedTuple):
    url: str | None
    partial: bool


def _manifest_row(cells: list[str]) -> tuple[str | None, ManifestRow, str | None]:
    """(the copy's hash, its URL and whether it is partial, a problem) of one row of MANIFEST.tsv."""
    named = next((cell.strip() for cell in cells if SHA256.fullmatch(cell.strip().split(".")[0])), None)
    url = next((cell.strip() for cell in cells if cell.strip().startswith(("http://", "https://"))), None)
    digest = named.split(".")[0] if named else url_hash(url) if url else None
    problem = f"the hash is not sha256 of {url}" if named and url and url_hash(url) != digest else None
    others = [cell.strip() for cell in cells if cell.strip() not in (named, url)]
    stated = [EXTENT_WORDS[cell.lower()] for cell in others if cell.lower() in EXTENT_WORDS]
    partial = stated[-1] if stated else any(PARTIAL_WORDS.search(cell) for cell in others)
    return digest, ManifestRow(url, partial), problem


def read_manifest(directory: Path) -> dict[str, ManifestRow]:
    """What DIR/MANIFEST.tsv says of each copy, by its hash (see the module docstring)."""
    path = directory / MANIFEST
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    listed = {}
    for number, cells in enumerate(rows, start=1):
        digest, row, problem = _manifest_row(cells)
        if digest is None and number > 1 and any(cell.strip() for cell in cells):  # line 1 may be a header
            problem = "no copy's hash and no URL in this row; ignored"
        if problem:
            print(f"verify: {path}:{number}: {problem}", file=sys.stderr)
        if digest is not None:
            listed[digest] = row
    return listed


def saved_copies(directory: Path) -> dict[str, list[Path]]:
    """The copies in directory by URL hash; a file named otherwise is reported, not read."""
    copies: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        if path.name == MANIFEST or not path.is_file():
            continue
        if SHA256.fullmatch(path.stem) and path.suffix in COPY_SUFFIXES:
            copies.setdefault(path.stem, []).append(path)
        else:
            print(f"verify: {path}: not a copy's name (sha256 of the URL, then one of "
                  f"{' '.join(COPY_SUFFIXES)}); ignored", file=sys.stderr)
    return copies


def read_saved(paths: list[Path], partial: bool) -> Source:
    texts, errors = [], []
    for path in paths:
        try:
            texts += document_text(path.read_bytes(), COPY_SUFFIXES[path.suffix], str(path))
        except (SourceCopyError, OSError) as error:
            errors.append(str(error))
            print(f"verify: {error}", file=sys.stderr)
    names = " ".join(path.name for path in paths)
    return Source(texts, partial, names, "; ".join(errors) if not texts else None)


# -- online ------------------------------------------------------------------------------


def make_fetcher(urls: list[str], politeness: dict[str, Any], fetch_params: dict[str, Any] | None) -> Fetcher:
    """The polite fetcher of an online run: only the hosts of the registry's own URLs, and the User-Agent
    contact of the params.yaml `fetch` section, as every collect sends it."""
    hosts = sorted({host_of(url) for url in urls})
    return fetcher_for({**politeness, "allowed_hosts": hosts}, fetch_params)


def document_url(url: str) -> str:
    """Where the document a source URL names is fetched from (an arXiv abstract: its paper's PDF)."""
    return ARXIV_ABSTRACT.sub(r"https://arxiv.org/pdf/\1", url)


def fetch_sources(urls: list[str], fetcher: Fetcher, save_to: Path | None) -> dict[str, Source]:
    """Each URL's document fetched once, in order, with a progress bar; a failure is that URL's result."""
    from tqdm import tqdm

    fetched = {}
    for url in tqdm(urls, desc="verify: fetching sources", unit="url", disable=None, file=sys.stderr):
        try:
            response = fetcher.get(document_url(url))
            kind = kind_of_response(response.content_type, response.final_url)
            fetched[url] = Source(document_text(response.body, kind, response.url), False, response.url)
        except (FetchError, SourceCopyError) as error:
            fetched[url] = Source([], False, url, str(error))
            continue
        if save_to is not None:
            suffix = next(suffix for suffix, name in COPY_SUFFIXES.items() if name == kind)
            (save_to / f"{url_hash(url)}{suffix}").write_bytes(response.body)
    return fetched


# -- the check ---------------------------------------------------------------------------


class Number(NamedTuple):
    """One number of the registry and its evidence, as the entry writes it."""

    model_id: str
    field: str
    kind: str
    url: str
    source_record: str
    evidence: str  # as rendered in the observations (registry.render_evidence)
    parts: dict[str, Any]  # a quote's text, a table's row and cell


def registry_numbers(root: Path) -> list[Number]:
    """Every number of every registry entry with its source URL and evidence."""
    numbers = []
    for path in registry.registry_files(root):
        for where, entry in registry.load_entries(path, path.as_posix()):
            row = registry.entry_to_observation(entry, where)
            evidence = {field: item for field, item in (entry.get("evidence") or {}).items()
                        if field != registry.LINE_KEY}
            field_urls = {field: url for field, url in (entry.get("field_urls") or {}).items()
                          if field != registry.LINE_KEY}
            for field in NUMERIC_FIELDS:
                if pd.isna(row[field]):
                    continue
                item = evidence.get(field)
                if isinstance(item, dict):
                    parts = {key: str(value) for key, value in item.items() if key != registry.LINE_KEY}
                    kind = parts.pop("kind")
                else:
                    kind, parts = ("quote", {"text": str(item)}) if item is not None else ("", {})
                text = registry.render_evidence(kind, parts).strip() if kind else ""
                numbers.append(Number(row["model_id"], field, kind, str(field_urls.get(field) or row["source_url"]),
                                      where, text, parts))
    return numbers


def check_number(number: Number, source: Source | None) -> tuple[str, str]:
    """(status, detail) of one number against what its source's copies hold."""
    if not number.kind:
        return NO_EVIDENCE, "the number has no evidence"
    if number.kind not in CHECKED_KINDS:
        return NOT_CHECKED, f"{number.kind} evidence states no text of the source"
    if source is None:
        return UNREACHABLE, f"no saved copy ({url_hash(number.url)}.*) and not --online"
    if not source.texts:
        return UNREACHABLE, source.error or "no text"
    if number.kind == "quote":
        found = quote_found(number.parts["text"], source.texts)
    else:
        found = table_cell_found(number.parts["row"], number.parts["cell"], source.texts)
    if found:
        return FOUND, ""
    return (NOT_IN_PARTIAL_COPY, "the copy is partial (MANIFEST.tsv)") if source.partial else (NOT_FOUND, "")


def read_earlier(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=list(EvidenceCheck.to_schema().columns))
    return read_checks(path)


def read_checks(path: Path) -> pd.DataFrame:
    """An evidence_check.csv as it was written (text cells as the check had them)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False).map(restore_formula)


def check(numbers: list[Number], sources: dict[str, Source], checked_on: str,
          earlier: pd.DataFrame) -> pd.DataFrame:
    """One row per number (EvidenceCheck); an unreachable source keeps the earlier conclusive result."""
    keep = ["model_id", "field", "kind", "url", "evidence"]
    conclusive = earlier[earlier["status"].isin(CONCLUSIVE)].set_index(keep) if len(earlier) else None
    rows = []
    for number in numbers:
        status, detail = check_number(number, sources.get(number.url))
        row = {**number._asdict(), "status": status, "detail": detail, "checked_on": checked_on,
               "copy": sources[number.url].copies if number.url in sources else ""}
        key = tuple(row[column] for column in keep)
        if status == UNREACHABLE and conclusive is not None and key in conclusive.index:
            row.update(conclusive.loc[[key]].iloc[0][["status", "detail", "checked_on", "copy"]].to_dict())
        rows.append(row)
    columns = list(EvidenceCheck.to_schema().columns)
    table = pd.DataFrame(rows, columns=columns).sort_values(["model_id", "field", "source_record"], kind="stable")
    return EvidenceCheck.validate(table.reset_index(drop=True))


def summarise(checks: pd.DataFrame) -> dict[str, Any]:
    """Counts per kind and status, the share of all numbers whose quote or table was found, and the
    quotes and tables looked for in a whole copy and not found there."""
    found = int(((checks["status"] == FOUND) & checks["kind"].isin(CHECKED_KINDS)).sum())
    missing = checks[checks["status"] == NOT_FOUND]
    dates = sorted(checks["checked_on"].unique())
    return {
        "numbers": len(checks),
        "by_kind": {kind: int(count) for kind, count in sorted(Counter(checks["kind"].replace("", NO_EVIDENCE)).items())},
        "by_status": {kind: dict(sorted(Counter(checks.loc[checks["kind"] == kind, "status"]).items()))
                      for kind in CHECKED_KINDS},
        "found": found,
        "found_share": round(found / len(checks), 4) if len(checks) else None,
        "checked_on": {"first": dates[0], "last": dates[-1]} if dates else None,
        "sources": {"urls": int(checks["url"].nunique()),
                    "unreachable": int(checks.loc[checks["status"] == UNREACHABLE, "url"].nunique())},
        "not_found": missing[["model_id", "field", "kind", "url", "source_record", "evidence"]].to_dict("records"),
    }


def evidence_sentence(summary: dict[str, Any]) -> str:
    """The report's sentence on evidence, from reports/evidence.json (the share rounded down)."""
    if not summary.get("numbers"):
        return "No number's evidence has been checked against its source yet."
    percent = math.floor(100 * summary["found"] / summary["numbers"])
    first, last = summary["checked_on"]["first"], summary["checked_on"]["last"]
    when = f"checked on {last}" if first == last else f"checked between {first} and {last}"
    return f"{percent}% of numbers have a quote or table found in their source ({when})"


def gather_sources(numbers: list[Number], directory: Path | None, online: bool,
                   politeness: dict[str, Any], fetch_params: dict[str, Any] | None = None) -> dict[str, Source]:
    """Each URL's copies from directory, then (online) a fetch of the URLs that have none."""
    urls = sorted({number.url for number in numbers if number.kind in CHECKED_KINDS})
    sources: dict[str, Source] = {}
    if directory is not None:
        copies, manifest = saved_copies(directory), read_manifest(directory)
        by_hash = {url_hash(url): url for url in urls}
        for unknown in sorted(set(copies) - set(by_hash)):
            listed = manifest.get(unknown, ManifestRow(None, False)).url
            print(f"verify: {', '.join(map(str, copies[unknown]))}: no quote or table of the registry cites "
                  f"{listed or 'the URL of this hash'} (a URL changed or mistyped?); not read", file=sys.stderr)
        for digest, url in by_hash.items():
            if digest in copies:
                sources[url] = read_saved(copies[digest], manifest.get(digest, ManifestRow(url, False)).partial)
    if online:
        missing = [url for url in urls if url not in sources]
        sources |= fetch_sources(missing, make_fetcher(missing, politeness, fetch_params), directory)
    return sources


def main(argv: list[str] | None = None) -> int:
    parser = cli.ArgumentParser("verify", description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, help="folder of saved source copies (named by URL hash)")
    parser.add_argument("--online", action="store_true", help="fetch the sources that have no saved copy")
    parser.add_argument("--registry", type=Path, help="registry folder (default: sources.registry.path)")
    parser.add_argument("--csv", type=Path, default=Path("processed/evidence_check.csv"))
    parser.add_argument("--summary", type=Path, default=Path("reports/evidence.json"))
    parser.add_argument("--checked-on", default=datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                        help="the date recorded for this run's checks (default: today, UTC)")
    args = parser.parse_args(argv)
    if args.sources is None and not args.online:
        parser.error("give --sources DIR (saved copies) or --online (fetch), or both")
    if args.sources is not None and not args.sources.is_dir():
        cli.fail("verify", f"{args.sources}: not a folder of saved sources")
    try:
        checked_on = datetime.strptime(args.checked_on, "%Y-%m-%d").strftime("%Y-%m-%d")
        numbers = registry_numbers(args.registry or Path(load_params("sources")["registry"]["path"]))
        sources = gather_sources(numbers, args.sources, args.online, load_params("verify") if args.online else {},
                                 load_params("fetch") if args.online else None)
    except (registry.RegistryError, SourceCopyError, OSError, ValueError) as error:
        cli.fail("verify", error)
    checks = check(numbers, sources, checked_on, read_earlier(args.csv))
    summary = summarise(checks)
    write_csv(args.csv, checks)
    write_json(args.summary, summary)
    looked_for = checks[checks["kind"].isin(CHECKED_KINDS)]["status"].value_counts()
    print(f"verify: {summary['numbers']} numbers; quotes and tables: "
          + ", ".join(f"{count} {status}" for status, count in sorted(looked_for.items()))
          + f"; {evidence_sentence(summary)} (see {args.summary}, {args.csv})")
    return 0


if __name__ == "__main__":
    cli.run(main)
