"""Announcement documents (Markdown, plain text or HTML) as prose lines and tables.

Hostile input is refused or bounded, never a hang: `load_document` raises `DocumentTooComplex`
(a ValueError) for a document over `MAX_DOCUMENT_CHARS` or HTML nested deeper than
`MAX_HTML_DEPTH`; `sentences` skips sentences over `MAX_SENTENCE_CHARS` (no fact is stated in a
sentence that long, and reading one costs quadratic time).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag


MAX_DOCUMENT_CHARS = 5_000_000
MAX_HTML_DEPTH = 256  # lxml's own limit; real pages stay far below it
MAX_SENTENCE_CHARS = 1_000


class DocumentTooComplex(ValueError):
    """The document is too large or too deeply nested to read in bounded time."""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]  # one label per column (last non-empty header row cell)
    rows: tuple[tuple[str, ...], ...]
    section: str  # nearest heading before the table, lowercased
    has_links: tuple[bool, ...]  # per column: does any cell hold a link?


@dataclass(frozen=True)
class HubLink:
    text: str  # the link's text ("Instruct", "Snowflake/snowflake-arctic-base")
    owner: str  # the repository's owner on the hub ("nvidia")
    repository: str  # the repository's name ("Nemotron-Mini-4B-Instruct")
    line: str  # the list item, markup removed
    released: bool = False  # from a sentence that releases it, among other words, not from a list of links


@dataclass(frozen=True)
class Document:
    title: str
    lines: tuple[str, ...]  # prose, one block per line, markup removed
    tables: tuple[Table, ...]
    is_html: bool
    download_links: tuple[HubLink, ...] = ()  # list items that are nothing but links to model repositories
    hub_owner: str = ""  # the owner most of the document's model-repository links point to
    # lines of a table of contents ("- [ESM C Example Usage](#esm-c-example-)"): they repeat headings, list no models
    navigation: frozenset[str] = frozenset()


# Chinese and Japanese text runs words together ("模型TeleChat-1B"); a space where a CJK run meets a Latin letter
# or digit lets names and numbers be read as in English text.
CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef"  # a character class's ranges
_CJK_BOUNDARY = re.compile(rf"(?<=[{CJK}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])(?=[{CJK}])")


def _spaced(text: str) -> str:
    return _CJK_BOUNDARY.sub(" ", text)


def _clean_cell(text: str) -> str:
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
    # Inner classes exclude the opening bracket, so runs of "[" or "<" cost linear time.
    text = re.sub(r"!\[[^\[\]]*\]\([^()]*\)", " ", text)
    text = re.sub(r"\[([^\[\]]*)\]\([^()]*\)", r"\1", text)
    text = re.sub(r"<[^<>]+>", " ", text)
    text = html.unescape(text).replace("\\", "").replace("`", "").strip()  # code spans: their text is the name
    if re.search(r"\S\*+$", text) and not text.startswith("*"):
        text = re.sub(r"\*+$", "†", text)  # a footnote marker, kept so callers can see it
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", text)
    return " ".join(_spaced(text).split())


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
            col = _carry_down(row, col, pending)
            text = _clean_cell(cell.get_text(" "))
            span = _int_attr(cell, "colspan")
            down = _int_attr(cell, "rowspan")
            for offset in range(span):
                row.append(text)
                links[col + offset] = links.get(col + offset, False) or any(
                    not _PROFILE_URL.fullmatch(a.get("href", "")) for a in cell.find_all("a"))
                if down > 1:
                    pending[col + offset] = (down - 1, text)
            col += span
        _carry_down(row, col, pending)
        grid.append(row)
    if not table.find("thead") and len(grid) > 2 and len(grid[0]) > 1 and len(set(grid[0])) == 1:
        header_rows = 2  # "<tr><td colspan=3>Download Models</td></tr>" over the labels: a title, not the header
    return _make_table(grid, header_rows, section, links)


def _carry_down(row: list[str], col: int, pending: dict[int, tuple[int, str]]) -> int:
    """Append the cells that rowspans above carry into this row from `col` on; the next free column."""
    while col in pending:
        left, text = pending[col]
        row.append(text)
        pending[col] = (left - 1, text)
        if left - 1 == 0:
            del pending[col]
        col += 1
    return col


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
    return bool(re.fullmatch(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*", line)) and "|" in line


# A model repository on the Hugging Face Hub or ModelScope; datasets, spaces, collections and docs are not models.
_NOT_A_MODEL_PATH = r"(?!(?:datasets|spaces|collections|docs|papers|blog|models|organizations|posts)/)"
_HUB_LINK = re.compile(
    r"\[(?P<text>[^\[\]]*)\]\(https?://(?:huggingface\.co|hf\.co|(?:www\.)?modelscope\.cn/models)/"
    rf"{_NOT_A_MODEL_PATH}(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/?\)"
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_RELEASING = re.compile(r"\b(?:releas\w*|made available|now available|open-?sourc\w*)\b", re.I)
_LINK_LINE_LABEL = re.compile(r"^\s*\**(?=[^:\[\]]{0,60}\b(?:models?|checkpoints?|weights|downloads?)\b)[^:\[\]]{2,60}:\**\s*(?=\[)", re.I)
# ("Base models: […](…)" lists the developer's base models; "fine-tuned from model:" names what it started from)
_BASE_LABEL = re.compile(r"\bfrom\b|\bparent|\bupstream|基于", re.I)
_BARE_HUB_ITEM = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>[^:<>\[\]()]{2,60}):\s*<?https?://(?:huggingface\.co|hf\.co)/"
    rf"{_NOT_A_MODEL_PATH}(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/?>?\s*$"
)


def _link(match: re.Match, line: str, released: bool = False) -> HubLink:
    # "🤗 HuggingFace-MiniMA-3B": the hub's name before the model's is no part of it
    text = re.sub(r"^\W*(?:hugging\s?face|modelscope|hf)\s*[-:]\s*", "", match.group("text").strip(" `*"), flags=re.I)
    return HubLink(text, match.group("owner"), match.group("repo"), _clean_cell(line), released)


def _download_links(text: str) -> tuple[tuple[HubLink, ...], str]:
    """Links to model repositories from list items or labelled lines that hold nothing but such links ("1. [X-8B-Base](…)
    / [Instruct](…)", "Base models: [A](…) | [B](…)", "- T-Zero 3B: https://…"), or from sentences that release
    them; and the owner most model links of the document point to (the developer's account)."""
    owners: dict[str, int] = {}
    for match in list(_HUB_LINK.finditer(text)) + [m for line in text.split("\n") if (m := _BARE_HUB_ITEM.match(line))]:
        owners[match.group("owner")] = owners.get(match.group("owner"), 0) + 1
    links = []
    for line in text.split("\n"):
        # "🤗 [HuggingFace-MiniMA-3B](…) | 🤖 [ModelScope-MiniMA-3B](…) | …": a bar of nothing but links
        if not _LIST_ITEM.match(line) and not line.lstrip().startswith("|") and len(_HUB_LINK.findall(line)) >= 2 and \
                not re.search(r"[A-Za-z]{2}", re.sub(r"\[[^\[\]]*\]\([^)]*\)", " ", line)):
            links += [_link(m, line) for m in _HUB_LINK.finditer(line)]
            continue
        labelled = _LINK_LINE_LABEL.match(line)  # "Base models: [A-1.3B](…) | [A-2.7B](…)"
        if labelled and _BASE_LABEL.search(labelled.group(0)):
            continue  # "Continue-pretrained from model: [Llama-2-70B](…)": the model it starts from, not a release
        if not _LIST_ITEM.match(line) and not labelled and not _RELEASING.search(line):
            continue
        item = line[labelled.end():] if labelled else line
        found = list(_HUB_LINK.finditer(item))
        bare = _BARE_HUB_ITEM.match(line)
        if not found and bare:  # "- T-Zero 3B: https://huggingface.co/bigscience/T0_3B"
            links.append(_link(bare, line))
            continue
        rest = re.sub(r"[^A-Za-z\s]", " ", _HUB_LINK.sub(" ", _LIST_ITEM.sub(" ", item)))
        if found and not set(rest.lower().split()) - {"and", "or"}:
            links += [_link(m, line) for m in found]
        elif found and _RELEASING.search(rest):  # "[Time-MoE (base)](…/TimeMoE-50M) … are made available"
            links += [_link(m, line, released=True) for m in found]
    owner = max(owners, key=lambda o: (owners[o], o)) if owners else ""
    return tuple(links), owner


# "[Nature Medicine'24] BiomedGPT", "Würstchen (ICLR 2024, oral)": where the paper appeared, not a model's name
_VENUE = re.compile(r"^\s*\[[^\[\]]*(?:'\d{2}|\b(?:19|20)\d{2})[^\[\]]*\]\s*(?=\S)|\s*\([^()]*(?:'\d{2}|\b(?:19|20)\d{2})[^()]*\)")


def _without_venue(title: str) -> str:
    return _VENUE.sub("", title).strip() or title


_NEWS_HEADING = re.compile(r"\W*(?:latest\s+)?(?:updates?|news|announcements?)\b", re.I)


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")


def _without_code(text: str) -> tuple[str, list[str]]:
    """The text outside fenced code blocks, each block left as a blank line, and the blocks. A block closes at a
    fence of its own character at least as long as the one that opened it ("``````" closes "```bash"); an unclosed
    block runs to the end."""
    outside: list[str] = []
    blocks: list[str] = []
    fence, block = "", []
    for line in text.split("\n"):
        found = _FENCE.match(line)
        if not fence:
            if found and not (found.group(1)[0] == "`" and "`" in found.group(2)):
                fence, block = found.group(1), []
                outside.append("")
            else:
                outside.append(line)
        elif found and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence) and not found.group(2).strip():
            blocks.append("\n".join(block))
            fence = ""
        else:
            block.append(line)
    if fence:
        blocks.append("\n".join(block))
    return "\n".join(outside), blocks


def _load_markdown(text: str) -> Document:
    # Code holds names and limits, not facts; only a citation's author is kept.
    text, code = _without_code(text)
    citations = re.findall(r"(?im)^\s*author\s*=\s*\{[^{}\n]*\}", "\n".join(code))
    text = re.sub(r"<!--.*?(?:-->|\Z)", " ", text, flags=re.DOTALL)  # unclosed: to the end, as browsers do
    tables: list[Table] = []
    lines: list[str] = []
    navigation: set[str] = set()
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
            # "- [ ] Release models in sizes 1b, 400m": an open task states a plan, not a fact
            cleaned = "" if re.match(r"\s*[-*+]\s+\[ \]", line) else _clean_cell(line)
            if cleaned and _continues(raw_lines[i - 1] if i else "", line) and lines:
                lines[-1] += " " + cleaned  # a paragraph wrapped over several source lines is one line
            elif cleaned:
                indent = len(line) - len(line.lstrip())
                bullet = re.match(r"\s*[-*+]\s+", line)
                lines.append(("  " * (indent // 2) + "- " if bullet else "") + re.sub(r"^[-*+]\s+", "", cleaned))
                if re.fullmatch(r"\s*(?:[-*+]|\d+[.)])\s+\[[^\]]*\]\(#[^)]*\)\s*", line):
                    navigation.add(lines[-1])
            i += 1
    lines += [c.strip() for c in citations]
    # The first heading, Markdown or HTML ("<h1 align="center">Amber: the first model of LLM360</h1>"), past a news
    # item heading the page ("## Latest Updates -- YOLOE: …").
    headings_found = (_clean_cell(m.group(1) or m.group(2))
                      for m in re.finditer(r"(?m)^[ \t]*#{1,6}[ \t]+(.+)$|<h[12][^<>]*>([^<]{3,200})</h[12]>", text))
    titles = [h for h in headings_found if h]
    title = _without_venue(next((h for h in titles if not _NEWS_HEADING.match(h)), titles[0] if titles else ""))
    download_links, hub_owner = _download_links(text)
    return Document(title=title, lines=tuple(lines), tables=tuple(tables), is_html=False,
                    download_links=download_links, hub_owner=hub_owner, navigation=frozenset(navigation))


_BLOCK_START = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|#|>|<|\||!\[|$)")


def _continues(previous: str, line: str) -> bool:
    """Is `line` the soft-wrapped rest of the paragraph on `previous` (Markdown joins them)?"""
    return bool(previous.strip()) and not _BLOCK_START.match(line) and not re.match(r"\s*(?:#|<|\||!\[|```)", previous) \
        and not previous.rstrip("\n").endswith(("  ", "\\"))


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


# "[Biyang Guo](https://github.com/beyondguo)": a link to a person's profile is no download; a table of them lists people.
_PROFILE_URL = re.compile(r"https?://github\.com/[\w.-]+/?")
_PROFILE_LINK = re.compile(rf"\]\({_PROFILE_URL.pattern}\)")
_IMAGE = re.compile(r"<img\b[^>]*>|!\[[^\]]*\]\([^)]*\)", re.I)  # an avatar or a badge's picture links nowhere


def _pipe_table(block: list[str], section: str) -> Table:
    separator = next((k for k, line in enumerate(block) if _is_separator(line)), None)
    header_rows = separator if separator else 1
    rows = [line for line in block if not _is_separator(line)]
    links: dict[int, bool] = {}
    grid = []
    for line in rows:
        cells = _pipe_cells(line)
        for col, cell in enumerate(cells):
            links[col] = links.get(col, False) or bool(re.search(r"\]\(|<a\s|https?://", _PROFILE_LINK.sub("", _IMAGE.sub("", cell))))
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
    lines = [" ".join(_spaced(line).split()) for line in _text_lines(soup)]
    return Document(title=title, lines=tuple(line for line in lines if line), tables=tuple(tables), is_html=True)


def load_document(text: str, content_type: str | None = None, url: str | None = None) -> Document:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentTooComplex(f"document of {len(text)} characters exceeds {MAX_DOCUMENT_CHARS}")
    looks_html = bool(re.match(r"\s*(<!doctype html|<html)", text[:500], re.IGNORECASE))
    is_html = looks_html or bool(content_type and "html" in content_type.lower()) or bool(
        url and re.search(r"\.html?($|[?#])", url) and "<" in text[:2000]
    )
    return _load_html(text) if is_html else _load_markdown(text)


def sentences(line: str) -> list[str]:
    # "(trained on 600B tokens …)" after a full stop still speaks of the sentence before it.
    # Chinese full stops end a sentence whatever follows them.
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*\[])|(?<=[。！？；])\s*", line) if s and len(s) <= MAX_SENTENCE_CHARS]
