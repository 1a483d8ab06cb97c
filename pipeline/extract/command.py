"""python -m pipeline.extract PATH_OR_URL: the records of one document as a JSON array.

A URL is fetched politely, as a collect would (robots.txt, host allow-list, rate limit, size
cap), under the fetch policy of params.yaml `sources.announcements`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeline import cli
from pipeline.extract.records import extract
from pipeline.extract.text import DocumentTooComplex
from pipeline.http import Fetcher, fetcher_for
from pipeline.io import load_params

ACCEPT = "text/html, text/markdown;q=0.9, text/plain;q=0.8"


def announcement_fetcher(config: dict[str, Any] | None = None) -> Fetcher:
    """The fetcher of the announcements source, built as pipeline.collect builds it: its politeness
    settings, and the User-Agent contact of the params.yaml `fetch` section."""
    config = load_params("sources")["announcements"] if config is None else config
    return fetcher_for(config, load_params("fetch"))


def read_source(source: str, fetcher_config: dict[str, Any] | None = None) -> tuple[str, str | None]:
    """(text, content type) of a file, or of a URL fetched with `announcement_fetcher`."""
    if re.match(r"https?://", source):
        response = announcement_fetcher(fetcher_config).get(source, accept=ACCEPT)
        return response.text(), response.content_type or None
    return Path(source).read_text(encoding="utf-8", errors="replace"), None


def main(argv: list[str] | None = None, *, fetcher_config: dict[str, Any] | None = None) -> int:
    """`fetcher_config` replaces params.yaml `sources.announcements` (tests fetch from loopback)."""
    parser = cli.ArgumentParser("extract", description=__doc__.splitlines()[0])
    parser.add_argument("source", metavar="PATH_OR_URL", help="a Markdown, text or HTML file, or an http(s) URL")
    source = parser.parse_args(argv).source
    try:
        text, content_type = read_source(source, fetcher_config)
    except Exception as error:  # any failure to read is reported in one line
        cli.fail("extract", f"cannot read {source}: {type(error).__name__}: {error}")
    try:
        records = extract(text, content_type=content_type, url=source)
    except DocumentTooComplex as error:
        cli.fail("extract", f"{source}: the document is too large or too complex to read ({error})")
    print(json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False))
    return 0
