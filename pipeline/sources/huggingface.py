"""Hugging Face Hub: exact parameter counts and model-card facts for listed repositories.

For each repository in `repos`, collect saves the Hub API's model info
(`/api/models/{repo}`, whose `safetensors.total` is the exact count of the
published weights) and the model card (`/{repo}/raw/main/README.md`; a gated or
missing card, HTTP 401/403/404, is skipped). Parse reads both:
- params_total from safetensors.total (confident: counted from the weights);
- training_tokens, mmlu, params_active and publication_date from the card, read
  by `pipeline.extract` (the record whose name matches the repository, or the only
  one); without a card date, the repository's creation date (`createdAt`, noted);
- domain from the pipeline tag (text → Language, image → Vision, audio/speech →
  Speech), unless the repo's entry in params names one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline.collect import empty_observations, latest_snapshot, observations_frame
from pipeline.extract import extract
from pipeline.http import ContentError, Fetcher, HTTPStatusError
from pipeline.sources.registry import parse_date, slugify

SOURCE = "huggingface"
PRODUCER = "Hugging Face Hub (model repositories and their authors)"
CITATION = "Hugging Face Hub API, https://huggingface.co/api/models/{repo}, and each repository's model card"
LICENCE = "Per repository (see each model card's license field)"
CARD_MISSING_STATUSES = (401, 403, 404)
CARD_FIELDS = ("params_active", "training_tokens", "mmlu")
DOMAIN_BY_TAG_PREFIX = (("text", "Language"), ("image", "Vision"), ("audio", "Speech"),
                        ("automatic-speech", "Speech"))


def repo_entries(config: dict[str, Any]) -> list[dict[str, str]]:
    """Each listed repository as a mapping with at least `repo`."""
    return [{"repo": entry} if isinstance(entry, str) else dict(entry) for entry in config["repos"]]


def file_stem(repo: str) -> str:
    return repo.replace("/", "__")


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    base = config["url"].rstrip("/")
    records = []
    for entry in tqdm(repo_entries(config), desc="huggingface", unit="repo", disable=None):
        repo = entry["repo"]
        info = fetcher.get(f"{base}/api/models/{repo}", accept="application/json")
        try:
            document = json.loads(info.body)
        except ValueError as error:
            raise ContentError(info.url, f"not JSON where the Hub API model info was expected ({error})") from error
        if not isinstance(document, dict) or document.get("id") != repo:
            raise ContentError(info.url, f"model info does not describe '{repo}' (layout changed?)")
        (snapshot_dir / f"{file_stem(repo)}.json").write_bytes(info.body)
        records.append(info.file_record(f"{file_stem(repo)}.json"))
        try:
            card = fetcher.get(f"{base}/{repo}/raw/main/README.md", accept="text/markdown, text/plain")
        except HTTPStatusError as error:
            if error.status not in CARD_MISSING_STATUSES:
                raise
            continue
        (snapshot_dir / f"{file_stem(repo)}.README.md").write_bytes(card.body)
        records.append(card.file_record(f"{file_stem(repo)}.README.md"))
    return records


def domain_from_tag(tag: str | None) -> str:
    return next((domain for prefix, domain in DOMAIN_BY_TAG_PREFIX if (tag or "").startswith(prefix)), "Other")


def card_facts(card: str, names: tuple[str, ...], card_url: str) -> dict[str, Any]:
    """The extract record about this repository's model: the one whose name matches, or the only one."""
    records = extract(card, content_type="text/markdown", url=card_url)
    wanted = {slugify(name) for name in names}
    matching = [record for record in records if slugify(record["name"]) in wanted]
    if matching:
        return matching[0]
    return records[0] if len(records) == 1 else {}


def _created_date(value: Any) -> pd.Timestamp | None:
    """The day of the Hub's createdAt ("2023-09-20T…"), None when it is not such a date."""
    if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return pd.Timestamp(value[:10])
    except ValueError:
        return None


def repo_observation(
    info: dict[str, Any], card: str | None, entry: dict[str, str], base_url: str, record: str
) -> dict[str, Any]:
    """One repository's observation. The Hub's JSON is third-party: a field of the wrong type counts as absent."""
    info = {key: value for key, value in info.items()
            if key not in ("safetensors", "author", "pipeline_tag") or isinstance(value, dict if key == "safetensors" else str)}
    repo = entry["repo"]
    name = entry.get("name") or repo.split("/")[-1]
    repo_url = f"{base_url}/{repo}"
    card_url = f"{repo_url}/raw/main/README.md"
    numbers = dict.fromkeys(("params_total", "params_active", "training_compute_flop", "training_tokens", "mmlu"),
                            float("nan"))
    evidence: dict[str, str] = {}
    field_urls: dict[str, str] = {}
    notes: list[str] = []

    total = (info.get("safetensors") or {}).get("total")
    if isinstance(total, (int, float)) and not isinstance(total, bool) and 0 < total < float("inf"):
        numbers["params_total"] = float(total)
        evidence["params_total"] = f"Hugging Face Hub API safetensors.total = {int(total)} (counted from the weights)"
        field_urls["params_total"] = f"{base_url}/api/models/{repo}"

    facts = card_facts(card, (name, repo.split("/")[-1]), card_url) if card else {}
    for field in CARD_FIELDS:
        if facts.get(field) is not None and field in facts.get("evidence", {}):
            numbers[field] = float(facts[field])
            evidence[field] = f"model card: {facts['evidence'][field]}"
            field_urls[field] = card_url

    if facts.get("publication_date"):
        date, precision = parse_date(facts["publication_date"], card_url)
        field_urls["publication_date"] = card_url
    elif _created_date(info.get("createdAt")) is not None:
        date, precision = _created_date(info["createdAt"]), "day"
        notes.append("publication_date: date the Hub repository was created (createdAt)")
    else:
        date, precision = pd.NaT, None
    if card is None:
        notes.append("no model card (gated or missing)")

    return {
        "model_id": slugify(name),
        "name": name,
        "aliases": repo if repo.split("/")[-1] != name else None,
        "family": None,
        "organization": entry.get("organization") or info.get("author"),
        "publication_date": date,
        "date_precision": precision,
        "domain": entry.get("domain") or domain_from_tag(info.get("pipeline_tag")),
        "task": info.get("pipeline_tag"),
        "architecture": None,
        **numbers,
        "open_weights": True if "safetensors" in info else None,
        "confidence": "confident" if pd.notna(numbers["params_total"]) else None,
        "flags": None,
        "source": SOURCE,
        "source_record": record,
        "source_url": repo_url,
        "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False) if evidence else None,
        "field_urls": json.dumps(field_urls, sort_keys=True) if field_urls else None,
        "confidence_basis": None,
        "notes": "; ".join(notes) or None,
    }


def parse(config: dict[str, Any]) -> pd.DataFrame:
    snapshot = latest_snapshot(Path(config["path"]), str(config["as_of"]))
    if snapshot is None:
        return empty_observations()
    folder, metadata = snapshot
    saved = {record["path"] for record in metadata["files"]}
    base = config["url"].rstrip("/")
    rows = []
    for entry in repo_entries(config):
        info_file = f"{file_stem(entry['repo'])}.json"
        if info_file not in saved:  # listed after this snapshot was taken
            continue
        card_file = f"{file_stem(entry['repo'])}.README.md"
        info = json.loads((folder / info_file).read_text(encoding="utf-8"))
        card = (folder / card_file).read_text(encoding="utf-8", errors="replace") if card_file in saved else None
        rows.append(repo_observation(info, card, entry, base, (folder / info_file).as_posix()))
    observations = observations_frame(rows)
    return observations
