"""Text from sources in the Markdown we write (summary.md, CHANGELOG.md): data, never markup.

Model names come from scraped, untrusted pages; in Markdown a name such as
`<script>…`, `a|b` (a table cell boundary), `[x](javascript:…)` or "- x" (a list, when
it opens a list item) would be read as markup. `markdown_text` makes any value literal
text on one line; `markdown_code` makes it a code span whatever backticks it holds.
HTML output is escaped with `html.escape`, CSV cells with `pipeline.io.neutralise_formula`.
"""

from __future__ import annotations

import re
from typing import Any

# Characters that open Markdown or HTML markup inline, or end a table cell; an underscore
# between letters or digits opens nothing (CommonMark), so "new_model" stays readable.
INLINE_MARKUP = re.compile(r"([\\`*\[\]<>&|~#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# What opens a list when it starts a line or a list item: "- x", "+ x", "---", "1. x", "2) x".
BLOCK_START = re.compile(r"^([-+](?=[\s+-]|$)|\d{1,9}(?=[.)](\s|$)))")


def _single_line(value: Any) -> str:
    return " ".join(str(value).splitlines())


def markdown_text(value: Any) -> str:
    """value as literal Markdown text on one line."""
    text = INLINE_MARKUP.sub(r"\\\1", _single_line(value))
    return BLOCK_START.sub(lambda match: match[0] + "\\" if match[0][0].isdigit() else "\\" + match[0], text)


def markdown_code(value: Any) -> str:
    """value as a Markdown code span: its fence is longer than any run of backticks inside."""
    text = _single_line(value)
    fence = "`" * (max(map(len, re.findall(r"`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"
