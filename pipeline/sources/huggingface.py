"""Hugging Face Hub: exact parameter counts and model-card facts of the base models of chosen organisations.

Collect lists the model repositories of each organisation in `organizations`
(`GET /api/models?author=ORG&limit=page_size&expand=…`, following the
`Link: <…>; rel="next"` header page by page, at most `max_pages` pages), adds
the repositories hand-listed in `repos` (`GET /api/models/{repo}`), and reads the
model card of every repository it keeps through `/{repo}/resolve/main/README.md`
(`/raw/` answers 401 for gated repositories, `/resolve/` serves their card).

- Base models only: a repository whose card metadata names a `base_model` is
  derived from it; its relation is the card's `base_model_relation`, else the
  Hub's `base_model:RELATION:…` tag, else `merge` for several base models and
  `finetune` for one. Relations in `skip_derived` are skipped, except for
  hand-listed repositories.
- One failure never loses the rest: a repository (401, 404, timeout, a body that
  is not model info) or an organisation listing that fails is recorded with its
  URL and reason, and the others are collected. Only a lost connection or the
  collect's own deadline stops the snapshot, and so does a snapshot with nothing
  in it. `collection.json` in the snapshot lists every organisation's pages,
  every skipped repository by relation, every card missing (404) and every
  failure.

Parse reads the listings and model info saved:
- params_total from `safetensors.total` (confident: counted from the weights);
- training_tokens, mmlu and params_active from the card, read by
  `pipeline.extract` (the record whose name matches the repository, or the only one);
- publication_date, first that applies: a date the card states; the month of the
  newest arXiv paper the repository links (`arxiv:YYMM.NNNNN` tags, precision
  month) that is not later than the upload; the upload day (`createdAt`, flagged
  `date_from_upload`). `createdAt` 2022-03-02 is the day the Hub migrated its
  older repositories, so such a date is also flagged `date_upper_bound`: the
  model was published on or before it. Merge lets a flagged date yield to any
  other source's.
- domain from the pipeline tag (text → Language, image → Vision, audio/speech →
  Speech), unless a hand-listed entry names one.
A repository that states no number at all (no safetensors, nothing in its card)
is not an observation; parse prints how many were left out and why.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from requests.utils import parse_header_links
from tqdm import tqdm

from pipeline.collect import empty_observations, latest_snapshot, observations_frame, sha256_hex
from pipeline.extract import extract
from pipeline.http import ContentError, DeadlineExceeded, Fetcher, FetchError, HTTPStatusError, OfflineError, Response
from pipeline.schema import DATE_FROM_UPLOAD_FLAG, DATE_UPPER_BOUND_FLAG
from pipeline.sources.registry import RegistryError, parse_date, slugify

SOURCE = "huggingface"
PRODUCER = "Hugging Face Hub (model repositories and their authors)"
CITATION = ("Hugging Face Hub API, https://huggingface.co/api/models?author={organization} and "
            "https://huggingface.co/api/models/{repo}, and each repository's model card")
LICENCE = "Per repository (see each model card's license field)"
COLLECTION_FILE = "collection.json"
LISTING_FILE = re.compile(r"^listing\.(?P<author>[A-Za-z0-9][A-Za-z0-9._-]*)\.(?P<page>\d{3})\.json$")
# What the listing is asked for (`expand`): everything parse and the base-model test read.
LISTING_FIELDS = ("author", "cardData", "createdAt", "gated", "lastModified", "pipeline_tag", "safetensors", "tags")
DEFAULT_PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 50
DERIVED_RELATIONS = ("adapter", "finetune", "merge", "quantized")
CARD_ABSENT_STATUS = 404  # the repository has no README: not a failure
HUB_MIGRATION_DAY = pd.Timestamp("2022-03-02")  # createdAt of every repository migrated to the Hub then
ARXIV_TAG = re.compile(r"^arxiv:(?P<year>\d{2})(?P<month>\d{2})\.\d{4,5}(v\d+)?$", re.IGNORECASE)
CARD_FIELDS = ("params_active", "training_tokens", "mmlu")
NUMBER_FIELDS = ("params_total", "params_active", "training_compute_flop", "training_tokens", "mmlu")
DOMAIN_BY_TAG_PREFIX = (("text", "Language"), ("image", "Vision"), ("audio", "Speech"),
                        ("automatic-speech", "Speech"))


# -- configuration ------------------------------------------------------------------


def repo_entries(config: dict[str, Any]) -> list[dict[str, str]]:
    """Each hand-listed repository as a mapping with at least `repo`."""
    return [{"repo": entry} if isinstance(entry, str) else dict(entry) for entry in config.get("repos") or []]


def organization_entries(config: dict[str, Any]) -> list[dict[str, str]]:
    """Each organisation to list as a mapping with at least `author` (its name on the Hub)."""
    return [{"author": entry} if isinstance(entry, str) else dict(entry) for entry in config.get("organizations") or []]


def skipped_relations(config: dict[str, Any]) -> frozenset[str]:
    chosen = config.get("skip_derived", DERIVED_RELATIONS)
    unknown = sorted(set(chosen) - set(DERIVED_RELATIONS))
    if unknown:
        raise ValueError(f"sources.huggingface.skip_derived: unknown relation(s) {', '.join(unknown)} "
                         f"(known: {', '.join(DERIVED_RELATIONS)})")
    return frozenset(chosen)


def file_stem(repo: str) -> str:
    return repo.replace("/", "__")


def listing_url(base: str, author: str, page_size: int) -> str:
    query = [("author", author), ("limit", page_size), *(("expand", field) for field in LISTING_FIELDS)]
    return f"{base}/api/models?{urlencode(query)}"


def card_url(base: str, repo: str) -> str:
    return f"{base}/{repo}/resolve/main/README.md"


# -- what a repository is -------------------------------------------------------------


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _texts(value: Any) -> list[str]:
    """A text or a list of texts as a list (anything else: none)."""
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def derived_relation(info: dict[str, Any]) -> str | None:
    """How the repository derives from another model (finetune, quantized, adapter, merge), None for a base model.

    From the card metadata's `base_model` (a repository naming only itself is a base model),
    its `base_model_relation`, else the Hub's `base_model:RELATION:BASE` tag, else the
    Hub's own default: merge for several base models, finetune for one.
    """
    card = _mapping(info.get("cardData"))
    bases = [base for base in _texts(card.get("base_model")) if base.strip() and base != info.get("id")]
    if not bases:
        return None
    stated = card.get("base_model_relation")
    if stated in DERIVED_RELATIONS:
        return stated
    for tag in _texts(info.get("tags")):
        parts = tag.split(":")
        if len(parts) >= 3 and parts[0] == "base_model" and parts[1] in DERIVED_RELATIONS:
            return parts[1]
    return "merge" if len(bases) > 1 else "finetune"


def _is_model_info(document: Any, repo: str | None = None) -> bool:
    return isinstance(document, dict) and isinstance(document.get("id"), str) and (
        repo is None or document["id"] == repo)


# -- collect --------------------------------------------------------------------------


def stops_the_collect(error: FetchError) -> bool:
    """Whether error ends the whole collect rather than one repository's: no connection at all, or the
    source's own deadline."""
    return isinstance(error, OfflineError) or (isinstance(error, DeadlineExceeded) and error.whole_collect)


def collection_problems(snapshot_dir: Path) -> list[dict[str, Any]]:
    """What failed while collecting the snapshot (a repository, a card, an organisation's listing), from
    its collection.json: collect names them in status.json."""
    log = json.loads((snapshot_dir / COLLECTION_FILE).read_text(encoding="utf-8"))
    return [{"what": failure["what"], "name": failure["name"], "reason": failure["reason"]}
            for failure in log["failed"]]


class Collection:
    """The files of one snapshot being collected, and what collection.json says of it."""

    def __init__(self, snapshot_dir: Path, fetcher: Fetcher):
        self.dir, self.fetcher = snapshot_dir, fetcher
        self.records: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.log: dict[str, Any] = {"organizations": [], "repositories_kept": [], "skipped": {},
                                    "cards_missing": [], "failed": self.failures}
        self.first_error: FetchError | None = None

    def get(self, url: str, accept: str, what: str, name: str) -> Response | None:
        """url's response; None when it failed for this repository or organisation alone (recorded), or
        when `what` is a card that the repository does not have (404, listed in cards_missing)."""
        try:
            return self.fetcher.get(url, accept=accept)
        except FetchError as error:
            if stops_the_collect(error):
                raise
            if what == "card" and isinstance(error, HTTPStatusError) and error.status == CARD_ABSENT_STATUS:
                self.log["cards_missing"].append(name)
            else:
                self.fail(what, name, error)
            return None

    def fail(self, what: str, name: str, error: FetchError) -> None:
        self.first_error = self.first_error or error
        self.failures.append({"what": what, "name": name, "url": error.url,
                              "http_status": getattr(error, "status", None), "reason": str(error)})

    def save(self, path: str, response: Response) -> None:
        (self.dir / path).write_bytes(response.body)
        self.records.append(response.file_record(path))

    def save_log(self, base: str) -> None:
        """collection.json, recorded as a file the collector generated (no HTTP facts of its own)."""
        body = (json.dumps(self.log, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        (self.dir / COLLECTION_FILE).write_bytes(body)
        self.records.append({
            "path": COLLECTION_FILE, "url": f"{base}/api/models", "final_url": None, "http_status": None,
            "content_type": "application/json", "etag": None, "last_modified": None, "retrieved_at": None,
            "sha256": sha256_hex(body), "size_bytes": len(body),
            "generated": {"by": f"pipeline.sources.{SOURCE}.collect",
                          "from": "the listings, model info and cards of this snapshot, and what failed"},
        })


def parsed_json(response: Response, what: str) -> Any:
    try:
        return json.loads(response.body)
    except ValueError as error:
        raise ContentError(response.url, f"not JSON where the Hub API {what} was expected ({error})") from error


def list_organization(collection: Collection, base: str, entry: dict[str, str], page_size: int,
                      max_pages: int) -> list[dict[str, Any]]:
    """Model info of every repository of one organisation, page after page (saved as listing.AUTHOR.NNN.json)."""
    author = entry["author"]
    url: str | None = listing_url(base, author, page_size)
    models: list[dict[str, Any]] = []
    pages = 0
    while url is not None and pages < max_pages:
        response = collection.get(url, "application/json", "organization", author)
        if response is None:
            break
        try:
            page = parsed_json(response, "model listing")
            if not isinstance(page, list) or not all(_is_model_info(item) and item["id"].startswith(f"{author}/")
                                                     for item in page):
                raise ContentError(response.url, f"not a list of model info of '{author}' (layout changed?)")
        except ContentError as error:
            collection.fail("organization", author, error)
            break
        pages += 1
        collection.save(f"listing.{author}.{pages:03d}.json", response)
        models += page
        url = next(iter(link["url"] for link in parse_header_links(response.headers.get("link", ""))
                        if link.get("rel") == "next" and link.get("url")), None)
    collection.log["organizations"].append({"author": author, "pages": pages, "repositories": len(models),
                                            "complete": url is None and pages > 0})
    return models


def repo_info(collection: Collection, base: str, repo: str) -> dict[str, Any] | None:
    """A hand-listed repository's model info (saved as OWNER__NAME.json); None when it failed (recorded)."""
    response = collection.get(f"{base}/api/models/{repo}", "application/json", "repository", repo)
    if response is None:
        return None
    try:
        document = parsed_json(response, "model info")
        if not _is_model_info(document, repo):
            raise ContentError(response.url, f"model info does not describe '{repo}' (layout changed?)")
    except ContentError as error:
        collection.fail("repository", repo, error)
        return None
    collection.save(f"{file_stem(repo)}.json", response)
    return document


def save_card(collection: Collection, base: str, repo: str) -> None:
    response = collection.get(card_url(base, repo), "text/markdown, text/plain", "card", repo)
    if response is not None:
        collection.save(f"{file_stem(repo)}.README.md", response)


def collect(config: dict[str, Any], snapshot_dir: Path, fetcher: Fetcher) -> list[dict[str, Any]]:
    base = config["url"].rstrip("/")
    skip = skipped_relations(config)
    collection = Collection(snapshot_dir, fetcher)
    models: dict[str, dict[str, Any]] = {}
    for entry in organization_entries(config):
        for info in list_organization(collection, base, entry, int(config.get("page_size", DEFAULT_PAGE_SIZE)),
                                      int(config.get("max_pages", DEFAULT_MAX_PAGES))):
            models.setdefault(info["id"], info)
    hand_listed = {entry["repo"]: None for entry in repo_entries(config)}  # in the order listed
    for repo in hand_listed:
        info = repo_info(collection, base, repo)
        if info is not None:
            models[repo] = info
    for repo in tqdm(sorted(models), desc="huggingface cards", unit="repo", disable=None):
        relation = derived_relation(models[repo])
        if repo not in hand_listed and relation in skip:
            collection.log["skipped"].setdefault(relation, []).append(repo)
            continue
        collection.log["repositories_kept"].append(repo)
        save_card(collection, base, repo)
    if not collection.records:
        if collection.first_error is not None:
            raise collection.first_error
        raise ContentError(f"{base}/api/models", "no organisation or repository to collect "
                           "(sources.huggingface.organizations and repos are empty)")
    collection.save_log(base)
    return collection.records


# -- parse ----------------------------------------------------------------------------


def domain_from_tag(tag: str | None) -> str:
    return next((domain for prefix, domain in DOMAIN_BY_TAG_PREFIX if (tag or "").startswith(prefix)), "Other")


def card_facts(card: str, names: tuple[str, ...], url: str) -> dict[str, Any]:
    """The extract record about this repository's model: the one whose name matches, or the only one."""
    records = extract(card, content_type="text/markdown", url=url)
    wanted = {slugify(name) for name in names}
    matching = [record for record in records if slugify(record["name"]) in wanted]
    if matching:
        return matching[0]
    return records[0] if len(records) == 1 else {}


def created_day(value: Any) -> pd.Timestamp | None:
    """The day of the Hub's createdAt ("2023-09-20T…"), None when it is not such a date."""
    if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return pd.Timestamp(value[:10])
    except ValueError:
        return None


def arxiv_months(tags: Any) -> list[tuple[pd.Timestamp, str]]:
    """(first day of the month, arXiv id) of every new-style arXiv id (April 2007 on) among the tags."""
    found = []
    for tag in _texts(tags):
        match = ARXIV_TAG.match(tag.strip())
        if match and 1 <= int(match["month"]) <= 12 and (match["year"], match["month"]) >= ("07", "04"):
            found.append((pd.Timestamp(int(f"20{match['year']}"), int(match["month"]), 1), tag.split(":", 1)[1]))
    return sorted(found)


def release_date(facts: dict[str, Any], info: dict[str, Any], card_link: str) -> dict[str, Any]:
    """publication_date, date_precision, flags, the URL stating it and a note (see the module's docstring)."""
    if facts.get("publication_date"):
        try:
            date, precision = parse_date(facts["publication_date"], card_link)
            return {"date": date, "precision": precision, "flags": [], "url": card_link, "note": None}
        except RegistryError:
            pass
    uploaded = created_day(info.get("createdAt"))
    migrated = uploaded is not None and uploaded.normalize() == HUB_MIGRATION_DAY
    latest_allowed = uploaded.replace(day=1) if uploaded is not None else None  # a paper after it is not the first
    papers = [(month, arxiv_id) for month, arxiv_id in arxiv_months(info.get("tags"))
              if latest_allowed is None or month <= latest_allowed]
    if papers:
        month, arxiv_id = papers[-1]
        return {"date": month, "precision": "month", "flags": [], "url": f"https://arxiv.org/abs/{arxiv_id}",
                "note": f"publication_date: month of arXiv:{arxiv_id}, the newest paper the repository links "
                        "that is not later than its upload"}
    if uploaded is None:
        return {"date": pd.NaT, "precision": None, "flags": [], "url": None, "note": None}
    if migrated:
        return {"date": uploaded, "precision": "day", "flags": [DATE_FROM_UPLOAD_FLAG, DATE_UPPER_BOUND_FLAG],
                "url": None, "note": "publication_date: createdAt 2022-03-02, the day the Hub migrated older "
                                     "repositories: the model was published on or before it"}
    return {"date": uploaded, "precision": "day", "flags": [DATE_FROM_UPLOAD_FLAG], "url": None,
            "note": "publication_date: day the Hub repository was created (createdAt), the upload of the weights"}


def repo_observation(
    info: dict[str, Any], card: str | None, entry: dict[str, str], base_url: str, record: str
) -> dict[str, Any]:
    """One repository's observation. The Hub's JSON is third-party: a field of the wrong type counts as absent."""
    info = {key: value for key, value in info.items()
            if key not in ("safetensors", "author", "pipeline_tag") or isinstance(value, dict if key == "safetensors" else str)}
    repo = entry["repo"]
    name = entry.get("name") or repo.split("/")[-1]
    repo_url = f"{base_url}/{repo}"
    card_link = card_url(base_url, repo)
    numbers = dict.fromkeys(NUMBER_FIELDS, float("nan"))
    evidence: dict[str, str] = {}
    field_urls: dict[str, str] = {}
    notes: list[str] = []

    total = (info.get("safetensors") or {}).get("total")
    if isinstance(total, (int, float)) and not isinstance(total, bool) and 0 < total < float("inf"):
        numbers["params_total"] = float(total)
        evidence["params_total"] = f"Hugging Face Hub API safetensors.total = {int(total)} (counted from the weights)"
        field_urls["params_total"] = f"{base_url}/api/models/{repo}"

    facts = card_facts(card, (name, repo.split("/")[-1]), card_link) if card else {}
    for field in CARD_FIELDS:
        if facts.get(field) is not None and field in facts.get("evidence", {}):
            numbers[field] = float(facts[field])
            evidence[field] = f"model card: {facts['evidence'][field]}"
            field_urls[field] = card_link

    released = release_date(facts, info, card_link)
    if released["url"]:
        field_urls["publication_date"] = released["url"]
    if released["note"]:
        notes.append(released["note"])
    if card is None:
        notes.append("no model card (missing, or it could not be read)")

    return {
        "model_id": slugify(name),
        "name": name,
        "aliases": repo if repo.split("/")[-1] != name else None,
        "family": None,
        "organization": entry.get("organization") or info.get("author"),
        "publication_date": released["date"],
        "date_precision": released["precision"],
        "domain": entry.get("domain") or domain_from_tag(info.get("pipeline_tag")),
        "task": info.get("pipeline_tag"),
        "architecture": None,
        **numbers,
        "open_weights": True if "safetensors" in info else None,
        "confidence": "confident" if pd.notna(numbers["params_total"]) else None,
        "flags": "; ".join(released["flags"]) or None,
        "source": SOURCE,
        "source_record": record,
        "source_url": repo_url,
        "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False) if evidence else None,
        "field_urls": json.dumps(field_urls, sort_keys=True) if field_urls else None,
        "confidence_basis": None,
        "notes": "; ".join(notes) or None,
    }


def snapshot_models(folder: Path, saved: set[str], config: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """(model info, source_record) of every repository of the snapshot, by repository id: the listings' rows
    (`FILE row N`), then the model info of the repositories hand-listed in config (`FILE`), which win."""
    models: dict[str, tuple[dict[str, Any], str]] = {}
    for path in sorted(path for path in saved if LISTING_FILE.match(path)):
        page = json.loads((folder / path).read_text(encoding="utf-8"))
        for row, info in enumerate(page if isinstance(page, list) else [], start=1):
            if _is_model_info(info):
                models.setdefault(info["id"], (info, f"{(folder / path).as_posix()} row {row}"))
    for entry in repo_entries(config):
        info_file = f"{file_stem(entry['repo'])}.json"
        if info_file in saved:  # else listed after this snapshot was taken, or it failed
            models[entry["repo"]] = (json.loads((folder / info_file).read_text(encoding="utf-8")),
                                     (folder / info_file).as_posix())
    return models


def parse(config: dict[str, Any]) -> pd.DataFrame:
    snapshot = latest_snapshot(Path(config["path"]), str(config["as_of"]))
    if snapshot is None:
        return empty_observations()
    folder, metadata = snapshot
    saved = {record["path"] for record in metadata["files"]}
    base = config["url"].rstrip("/")
    skip = skipped_relations(config)
    entries = {entry["repo"]: entry for entry in repo_entries(config)}
    organizations = {entry["author"]: entry.get("organization") for entry in organization_entries(config)}
    left_out: Counter[str] = Counter()
    rows = []
    for repo, (info, record) in sorted(snapshot_models(folder, saved, config).items()):
        relation = derived_relation(info)
        if repo not in entries and relation in skip:
            left_out[f"{relation} of another model"] += 1
            continue
        card_file = f"{file_stem(repo)}.README.md"
        card = (folder / card_file).read_text(encoding="utf-8", errors="replace") if card_file in saved else None
        entry = entries.get(repo) or {"repo": repo, "organization": organizations.get(repo.split("/")[0])}
        row = repo_observation(info, card, entry, base, record)
        if all(pd.isna(row[field]) for field in NUMBER_FIELDS):
            left_out["no number stated (no safetensors total, none in the card)"] += 1
            continue
        rows.append(row)
    if left_out:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(left_out.items()))
        print(f"parse: huggingface: {len(rows)} repositories of {folder.as_posix()} kept; left out: {reasons} "
              f"(see {COLLECTION_FILE} there)")
    return observations_frame(rows)
