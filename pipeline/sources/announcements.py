"""Model announcements (developers' blog posts, release notes) as observations.

Collect saves each page listed in `urls`, in list order, as `NN-<slug>.<ext>`;
any page failing fails the whole snapshot (partial snapshots would silently lose
models). Parse hands each page to `pipeline.extract`, which returns one record per
announced model with the phrase stating each number and why the page announces that
model (its subject evidence, kept in notes). What the extractor read but does not
believe is the page's subject (models compared with, names of files or settings,
numbers from sentences about another model) never becomes an observation: it goes to
the review file `review_out` (beside the observations, an output of the parse stage,
never into raw/), one row per model or fact with the reason. Observations have no
context length: a stated one is kept in notes. The facts are the developer's own
statements but read by a program, so confidence is left empty.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline.collect import empty_observations, latest_snapshot, observations_frame
from pipeline.extract import REVIEW_COLUMNS, extract_with_review
from pipeline.http import ContentError, Fetcher
from pipeline.io import write_csv
from pipeline.schema import NUMERIC_FIELDS
from pipeline.sources.epoch import truncate, unique_model_ids
from pipeline.sources.registry import parse_date, slugify

SOURCE = "announcements"
PRODUCER = "Each model's developer (see each file's url)"
CITATION = "Model announcements by their developers, as listed in metadata.json files"
LICENCE = "Copyright of each publisher; facts extracted for research (quoted phrases only)"
EXTENSIONS = {"text/html": "html", "application/xhtml+xml": "html", "text/markdown": "md", "text/plain": "txt"}


def page_file_name(position: int, url: str, content_type: str) -> str:
    slug = slugify(re.sub(r"^https?://", "", url))[:60] or "page"
    return f"{position:02d}-{slug}.{EXTENSIONS[content_type]}"


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    records = []
    for position, url in enumerate(tqdm(config["urls"], desc="announcements", unit="page", disable=None), start=1):
        response = fetcher.get(url, accept="text/html, text/markdown;q=0.9, text/plain;q=0.8")
        if not response.body.strip():
            raise ContentError(url, "empty body where an announcement page was expected")
        if response.content_type not in EXTENSIONS:
            raise ContentError(url, f"content type '{response.content_type}' is not a page (HTML, Markdown or text)")
        name = page_file_name(position, url, response.content_type)
        (snapshot_dir / name).write_bytes(response.body)
        records.append(response.file_record(name))
    return records


def record_to_observation(found: dict[str, Any], page_url: str, record: str, domain: str) -> dict[str, Any]:
    """One extract() record to one observation (model_id set by the caller)."""
    evidence = {field: truncate(str(span)) for field, span in (found.get("evidence") or {}).items()
                if field in NUMERIC_FIELDS and found.get(field) is not None}
    numbers = {field: float(found[field]) if field in evidence else float("nan") for field in NUMERIC_FIELDS}
    notes = [f"subject: {found['subject_evidence']}"] if found.get("subject_evidence") else []
    if found.get("context_length") is not None:
        notes.append(f"context length {found['context_length']}")
    stated_date = found.get("publication_date")
    date, precision = parse_date(stated_date, record) if stated_date else (pd.NaT, None)
    return {
        "name": found["name"],
        "aliases": None,
        "family": None,
        "organization": found.get("organization"),
        "publication_date": date,
        "date_precision": precision,
        "domain": domain,
        "task": None,
        "architecture": "moe" if found.get("params_active") is not None else None,
        **numbers,
        "open_weights": None,
        "confidence": None,
        "flags": None,
        "source": SOURCE,
        "source_record": record,
        "source_url": page_url,
        "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False) if evidence else None,
        "field_urls": None,
        "confidence_basis": None,
        "notes": "; ".join(notes + ["extracted automatically by pipeline.extract"]),
    }


def write_review(path: Path | None, review: pd.DataFrame) -> None:
    """The review file: written when there is something to review, removed when there is not."""
    if path is None:
        return
    if review.empty:
        path.unlink(missing_ok=True)
        return
    write_csv(path, review)
    print(f"parse: {SOURCE}: {len(review)} model(s) or fact(s) read but not taken as announced; "
          f"reasons in {path}", file=sys.stderr)


def parse(config: dict[str, Any]) -> pd.DataFrame:
    snapshot = latest_snapshot(Path(config["path"]), str(config["as_of"]))
    review_path = Path(config["review_out"]) if config.get("review_out") else None
    if snapshot is None:
        write_review(review_path, pd.DataFrame())
        return empty_observations()
    folder, metadata = snapshot
    rows, review = [], []
    for file in metadata["files"]:  # sorted by path, i.e. in the order of `urls`
        page = (folder / file["path"]).as_posix()
        text = (folder / file["path"]).read_text(encoding="utf-8", errors="replace")
        found = extract_with_review(text, content_type=file.get("content_type"), url=file["url"])
        for position, model in enumerate(found.records, start=1):
            rows.append(record_to_observation(model, file["url"], f"{page}#{position}", config.get("domain", "Language")))
        review += [{"page": page, "url": file["url"], **entry} for entry in found.review]
    write_review(review_path, pd.DataFrame(review, columns=["page", "url", *REVIEW_COLUMNS]))
    observations = observations_frame(rows)
    ids, id_notes = unique_model_ids(
        observations["name"].fillna("").tolist(),
        [date.strftime("%Y-%m-%d") if pd.notna(date) else "" for date in observations["publication_date"]],
        unnamed_prefix=SOURCE,
    )
    observations["model_id"] = ids
    observations["notes"] = [
        "; ".join(filter(None, [old, extra])) for old, extra in zip(observations["notes"], id_notes)
    ]
    return observations
