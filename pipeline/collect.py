"""Collect stage: fetch one live source into a new dated snapshot, never losing an old one.

    python -m pipeline.collect [SOURCE ...]               # no SOURCE: every live source in params.yaml
    python -m pipeline.collect --bump-as-of YYYY-MM-DD   # `make update`: new as_of for enabled sources
    python -m pipeline.collect SOURCE --from-file PATH --as-of YYYY-MM-DD [--obtained-from TEXT]

The source is the plug-in `pipeline.sources.SOURCE`; its section `sources.SOURCE` of
params.yaml says where snapshots live (`path`), which date the snapshot carries
(`as_of`, never today's date: the same params always name the same bytes) and how
politely to fetch. The plug-in's `collect(config, snapshot_dir, fetcher)` saves its
files into a staging folder and returns one record per file; this module adds
`metadata.json` and renames the folder to `<path>/<as_of>/` in one step.

- A dated folder that exists is never touched, and no request is made.
- Every request goes through one `pipeline.http.Fetcher` per source, made by
  `fetcher_for(sources.SOURCE, fetch)`: the `fetch` section of params.yaml gives the
  contact its User-Agent carries (metadata.json records the User-Agent sent).
- Update: the files of the latest earlier snapshot are asked for conditionally
  (If-None-Match / If-Modified-Since from their recorded ETag / Last-Modified); a 304
  reuses the stored body (its record says `revalidated_from`). When every file answers
  304, no snapshot is added: the staging folder is removed and status.json says
  `unchanged` since that snapshot's date, which parse keeps using (the latest snapshot
  dated on or before `as_of`).
- On any `FetchError` (deadlines included: `total_timeout_s` per request,
  `collect_timeout_s` per source, see `pipeline.http`) the staging folder is removed,
  every existing snapshot stays byte-identical, the reason is printed and written to
  `<path>/status.json`, and the exit status is still 0: parse then reads the last good
  snapshot (or none). The line printed says what to run to try again: `make update`
  forces DVC's collect stage, which would otherwise skip a date whose params it has seen.
- Any other way out (a bug, Ctrl-C, SIGTERM) also removes the staging folder and
  rewrites status.json (state `failed`, the exception's type), then stops the run.
- `--from-file` makes the snapshot `<path>/<as_of>/` of a file downloaded by hand, the
  same way: the plug-in's `from_file(config, path, snapshot_dir)` saves what it keeps of
  the file and returns its records (`imported_file_record`); metadata.json adds where the
  copy was obtained and the sha256 and size of the original. It refuses (exit status 1,
  one line) an existing dated folder, a file the plug-in cannot use; a date that is not
  real (here and in `--bump-as-of`) with exit status 2, writing nothing.
- Degraded: when the snapshot parse uses has an earlier one, the plug-in's
  `snapshot_profile` of the two is compared (`degradation`). A column of a known field
  gone, or a number stated in a share of rows that fell by more than
  `degraded_share_drop` (relative), makes the state `degraded`: the snapshot is still
  used, and status.json carries the numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pandas as pd

from pipeline import cli
from pipeline.http import COLLECTOR_VERSION, Fetcher, FetchError, StoredCopy, fetcher_for
from pipeline.io import PARAMS_FILE, load_params, write_json, write_text
from pipeline.schema import BENCHMARK_SHOTS, NUMERIC_FIELDS, observation_columns

METADATA_FILE = "metadata.json"
STATUS_FILE = "status.json"
SNAPSHOT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
METADATA_SCHEMA = Path(__file__).parent / "schemas" / "snapshot_metadata.schema.json"
# A path on someone's machine (/home/…, ~/…, C:\…): never recorded as where a copy came from.
MACHINE_PATH = re.compile(r"(^|\s)(/|~/|[A-Za-z]:[\\/])")
DEFAULT_SHARE_DROP = 0.5  # a number stated in less than half the share of rows it was: degraded
PRIMARY_FILE_FACTS = ("url", "final_url", "http_status", "etag", "last_modified", "retrieved_at", "sha256",
                      "size_bytes", "file_import", "revalidated_from", "revision")
NOT_MODIFIED = 304


class ImportRefused(Exception):
    """A file cannot become a snapshot (the dated folder exists, the plug-in cannot import files…)."""


class Terminated(BaseException):
    """SIGTERM arrived. Raised, not left to kill the process, so that every `finally` runs on the way out."""


def raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated("SIGTERM")


def checked_date(text: str, what: str) -> str:
    """text, when it is a real date written YYYY-MM-DD; a ValueError naming `what` otherwise."""
    try:
        if SNAPSHOT_DATE.match(text):
            date.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise ValueError(f"{what} must be a real date written YYYY-MM-DD, got {text!r}")


def snapshot_dates(root: Path) -> list[str]:
    """Dates of the complete snapshots under root (folders with metadata.json), oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        entry.name for entry in root.iterdir()
        if SNAPSHOT_DATE.match(entry.name) and (entry / METADATA_FILE).is_file()
    )


def latest_snapshot_dir(root: Path, as_of: str) -> Path | None:
    """The newest complete snapshot folder dated on or before as_of, if any."""
    eligible = [date for date in snapshot_dates(root) if date <= str(as_of)]
    return Path(root) / eligible[-1] if eligible else None


def latest_snapshot(root: Path, as_of: str) -> tuple[Path, dict[str, Any]] | None:
    """(folder, its metadata.json) of the snapshot parse should read, if any."""
    folder = latest_snapshot_dir(root, as_of)
    if folder is None:
        return None
    return folder, read_metadata(folder)


def read_metadata(folder: Path) -> dict[str, Any]:
    return json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))


# C0/C1 control characters other than tab and newline (NUL…), and bidirectional
# embeddings, overrides and isolates, which make a name display as something else.
HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def without_hidden_characters(column: pd.Series) -> pd.Series:
    """column with `HIDDEN_CHARACTERS` removed from its text; other values and the dtype kept."""
    if isinstance(column.dtype, pd.StringDtype):
        # Searching is cheaper than replacing, and most columns hold no hidden character.
        if column.str.contains(HIDDEN_CHARACTERS.pattern, regex=True).any():
            return column.str.replace(HIDDEN_CHARACTERS.pattern, "", regex=True)
        return column
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) != "empty":
        # Mixed values (text next to None, dates…): only the text is cleaned, nothing re-typed.
        cleaned = [HIDDEN_CHARACTERS.sub("", value) if isinstance(value, str) else value for value in column]
        return pd.Series(cleaned, index=column.index, dtype=object)
    return column


def typed_observations(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with the observation columns, cleaned and typed: numbers, dates and booleans even when empty.

    Live sources are third parties: their text is cleaned here of control characters
    and bidirectional overrides (`HIDDEN_CHARACTERS`, removed) rather than refused, as
    the registry does. Invalid UTF-8 in their snapshots is decoded as U+FFFD.
    Typed columns matter downstream: an untyped (object) column of an empty source
    would turn every source's numbers into Python objects when concatenated.
    """
    frame = pd.DataFrame({column: without_hidden_characters(frame[column]) for column in observation_columns()})
    numbers = [*NUMERIC_FIELDS, *BENCHMARK_SHOTS.values()]
    frame[numbers] = frame[numbers].astype("float64")
    frame["publication_date"] = pd.to_datetime(frame["publication_date"])
    frame["open_weights"] = frame["open_weights"].astype("boolean")
    return frame


def observations_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts by observation column) as a typed observations frame (`typed_observations`)."""
    return typed_observations(pd.DataFrame(rows, columns=observation_columns()))


def empty_observations() -> pd.DataFrame:
    """What a source contributes when it has no snapshot yet."""
    return observations_frame([])


def snapshot_metadata(source: str, as_of: str, module: Any, files: list[dict[str, Any]],
                      user_agent: str | None = None) -> dict[str, Any]:
    """metadata.json: who published the data, and how each file was retrieved (or imported).

    The top level describes the primary (first) file, `files` lists every file; `user_agent`
    is the one the fetcher sent (None for an import, which makes no request).
    """
    primary = files[0]
    return {
        "source": source,
        "as_of": as_of,
        "producer": module.PRODUCER,
        "citation": module.CITATION,
        "licence": module.LICENCE,
        "collector_version": COLLECTOR_VERSION,
        "user_agent": user_agent,
        **{key: primary[key] for key in PRIMARY_FILE_FACTS if key in primary},
        "files": sorted(files, key=lambda record: record["path"]),
    }


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def imported_file_record(
    path: str, body: bytes, url: str, content_type: str | None, **file_import: Any
) -> dict[str, Any]:
    """What metadata.json records of a file a plug-in's `from_file` saved: no HTTP facts, as no request was
    made; `file_import` says what of the original it keeps (collect adds where the original came from)."""
    return {
        "path": path, "url": url, "final_url": None, "http_status": None, "content_type": content_type,
        "etag": None, "last_modified": None, "retrieved_at": None,
        "sha256": sha256_hex(body), "size_bytes": len(body), "file_import": file_import,
    }


def with_origin(files: list[dict[str, Any]], origin: dict[str, Any]) -> list[dict[str, Any]]:
    """Imported file records with where their original came from."""
    return [{**record, "file_import": {**origin, **record["file_import"]}} for record in files]


def robots_records(fetcher: Fetcher, staging: Path) -> list[dict[str, Any]]:
    """Each robots.txt the fetcher read, saved beside the snapshot's files (`robots` in metadata.json, not
    among the files a plug-in parses): the rules it was collected under, and what the next collect
    revalidates rather than fetches anew."""
    records = []
    for url, response in sorted(fetcher.robots_read.items()):
        path = f"robots.{urlsplit(url).netloc.replace(':', '_')}.txt"
        (staging / path).write_bytes(response.body)
        records.append(response.file_record(path))
    return records


def stored_copies(folder: Path) -> dict[str, StoredCopy]:
    """The fetched files of the snapshot in folder (robots.txt included) that carry a validator (ETag or
    Last-Modified), by URL: what the next collect asks for conditionally."""
    copies = {}
    metadata = read_metadata(folder)
    for record in metadata["files"] + metadata.get("robots", []):
        if "file_import" not in record and (record.get("etag") or record.get("last_modified")):
            copies[record["url"]] = StoredCopy(folder.name, record, (folder / record["path"]).read_bytes())
    return copies


def unchanged_since(files: list[dict[str, Any]], previous: Path | None,
                    robots: list[dict[str, Any]] | None = None) -> bool:
    """Whether the new files are exactly the previous snapshot's, every request having answered 304. A file
    the plug-in generated from the others (a collection log) made no request, and a robots.txt is the rules
    rather than the data (a server may send it without validators): those count by their bytes."""
    robots = robots or []
    fetched = [record for record in files if "generated" not in record]
    if previous is None or not fetched or any(record["http_status"] != NOT_MODIFIED for record in fetched):
        return False
    metadata = read_metadata(previous)
    before = {(record["path"], record["sha256"]) for record in metadata["files"] + metadata.get("robots", [])}
    return {(record["path"], record["sha256"]) for record in files + robots} == before


def store_snapshot(source: str, root: Path, as_of: str, module: Any,
                   save: Callable[[Path], list[dict[str, Any]]], user_agent: str | None = None,
                   previous: Path | None = None,
                   save_robots: Callable[[Path], list[dict[str, Any]]] | None = None) -> int | None:
    """Let save(staging folder) write the files and return their records; add metadata.json, then
    rename the folder to root/as_of. The number of files, or None (and no snapshot) when they are
    the `previous` snapshot's, unchanged; on any error nothing is left behind."""
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{as_of}-", dir=root))
    try:
        files = save(staging)
        robots = save_robots(staging) if save_robots else []
        if unchanged_since(files, previous, robots):
            return None
        metadata = snapshot_metadata(source, as_of, module, files, user_agent)
        if robots:
            metadata["robots"] = robots
        jsonschema.validate(metadata, json.loads(METADATA_SCHEMA.read_text(encoding="utf-8")))
        write_json(staging / METADATA_FILE, metadata)
        os.rename(staging, root / as_of)  # the dated folder appears complete, or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(files)


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- degraded: what a new snapshot lost against the one before it ---------------------


def filled_share(filled: int, rows: int) -> float:
    return filled / rows if rows else 0.0


def degradation(previous: dict[str, Any], new: dict[str, Any], share_drop: float) -> dict[str, Any] | None:
    """What new lost against previous, or None. Profiles come from the plug-in's `snapshot_profile`:
    {"rows": n, "columns": {field: column}, "filled": {number field: rows stating it}}.

    Lost: the column of a field previous had, or a number stated in a share of rows
    below (1 - share_drop) times its previous share (a column gone counts as 0 rows).
    """
    columns_gone = sorted(column for field, column in previous["columns"].items() if field not in new["columns"])
    fields = []
    for field, before in sorted(previous["filled"].items()):
        after = new["filled"].get(field, 0)
        share_before, share_after = filled_share(before, previous["rows"]), filled_share(after, new["rows"])
        if share_before > 0 and share_after < share_before * (1 - share_drop):
            fields.append({
                "field": field, "column": previous["columns"][field],
                "previous_filled": before, "previous_rows": previous["rows"], "previous_share": round(share_before, 4),
                "new_filled": after, "new_rows": new["rows"], "new_share": round(share_after, 4),
            })
    return {"columns_gone": columns_gone, "fields": fields} if columns_gone or fields else None


def degradation_reason(found: dict[str, Any]) -> str:
    """One line stating every loss, for status.json and the report."""
    gone = ", ".join(repr(column) for column in found["columns_gone"])
    parts = [f"column(s) {gone} gone"] if gone else []
    parts += [
        f"{drop['field']} stated in {drop['new_filled']} of {drop['new_rows']} rows ({drop['new_share']:.1%}), "
        f"was {drop['previous_filled']} of {drop['previous_rows']} ({drop['previous_share']:.1%})"
        for drop in found["fields"]
    ]
    return f"degraded against snapshot {found['previous_snapshot']}: " + "; ".join(parts)


def degradation_since_previous(source: str, root: Path, used: str, share_drop: float) -> dict[str, Any] | None:
    """`degradation` of snapshot `used` against the snapshot before it (None without one, or when the
    plug-in has no `snapshot_profile`), with the previous snapshot's date."""
    earlier = [snapshot for snapshot in snapshot_dates(root) if snapshot < used]
    if not earlier:
        return None
    profile = getattr(importlib.import_module(f"pipeline.sources.{source}"), "snapshot_profile", None)
    if profile is None:
        return None
    previous, new = (profile(root / snapshot, read_metadata(root / snapshot)) for snapshot in (earlier[-1], used))
    found = degradation(previous, new, share_drop)
    return {"previous_snapshot": earlier[-1], **found} if found else None


# -- status ---------------------------------------------------------------------------


def new_status(source: str, config: dict[str, Any]) -> dict[str, Any]:
    as_of = checked_date(str(config["as_of"]), f"sources.{source}.as_of")
    return {"source": source, "as_of": as_of, "reason": None, "attempted_at": None}


def finish_status(status: dict[str, Any], root: Path, config: dict[str, Any]) -> dict[str, Any]:
    """status with the snapshot parse uses, `degraded` when it lost data against the one before it;
    written to status.json. A pure function of the snapshots when nothing is fetched: the same bytes."""
    used = latest_snapshot_dir(root, status["as_of"])
    status["snapshot_used"] = used.name if used else None
    if used is not None and status["state"] in ("ok", "up_to_date", "unchanged"):
        share_drop = float(config.get("degraded_share_drop", DEFAULT_SHARE_DROP))
        found = degradation_since_previous(status["source"], root, used.name, share_drop)
        if found:
            reason = f"{status['reason']}; {degradation_reason(found)}"
            status.update(state="degraded", reason=reason, degradation=found)
    write_json(root / STATUS_FILE, status)
    return status


def name_problems(status: dict[str, Any], module: Any, snapshot_dir: Path) -> None:
    """A plug-in that collects what it can when part of a source fails (`collection_problems`) has those
    parts named in status.json, and counted in its reason."""
    problems = module.collection_problems(snapshot_dir) if hasattr(module, "collection_problems") else []
    if problems:
        names = "; ".join(f"{p['what']} {p['name']}" for p in problems)
        status.update(problems=problems, reason=f"{status['reason']}, {len(problems)} part(s) failed: {names}")


def collect_source(source: str, config: dict[str, Any], fetcher: Fetcher | None = None,
                   fetch_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Collect one source if needed; return (and write) its status. Raises only on bad config.

    Without a fetcher, one is made from config and fetch_params (the `fetch` section).
    When an earlier snapshot exists, its files are asked for conditionally; if every one
    answers 304 Not Modified, no snapshot is added and the state is `unchanged`."""
    status = new_status(source, config)
    as_of = status["as_of"]
    root = Path(config["path"])
    root.mkdir(parents=True, exist_ok=True)

    if not config.get("enabled", False):
        status.update(state="disabled", reason="enabled: false in params.yaml; no request made")
    elif (root / as_of).exists():
        status.update(state="up_to_date", reason=f"snapshot {as_of} already present; no request made")
    else:
        status["attempted_at"] = _utc_now()
        try:
            module = importlib.import_module(f"pipeline.sources.{source}")
            fetcher = fetcher or fetcher_for(config, fetch_params)
            previous = latest_snapshot_dir(root, as_of)
            fetcher.stored = stored_copies(previous) if previous else {}
            count = store_snapshot(source, root, as_of, module, lambda staging: module.collect(config, staging, fetcher),
                                   fetcher.user_agent, previous, lambda staging: robots_records(fetcher, staging))
            if count is None:
                status.update(state="unchanged", unchanged_since=previous.name,
                              reason=f"unchanged since {previous.name}: every request answered 304 Not Modified; "
                                     f"no new snapshot, parse uses {previous.name}")
                name_problems(status, module, previous)
            else:
                status.update(state="ok", reason=f"new snapshot {as_of} ({count} file(s))")
                name_problems(status, module, root / as_of)
        except FetchError as error:
            status.update(state="failed", reason=str(error), error_type=type(error).__name__)
        except BaseException as error:  # a bug, Ctrl-C or SIGTERM: status.json says so, then the run stops
            what = ": ".join(filter(None, (type(error).__name__, str(error))))
            status.update(state="failed", reason=f"collect stopped before the snapshot was complete ({what})",
                          error_type=type(error).__name__)
            finish_status(status, root, config)
            raise
    return finish_status(status, root, config)


def import_file(source: str, config: dict[str, Any], path: Path, as_of: str,
                obtained_from: str | None = None) -> dict[str, Any]:
    """Make the snapshot `<sources.SOURCE.path>/<as_of>/` of a file downloaded by hand; return (and write)
    the status.

    Raises ImportRefused, OSError (the file cannot be read) or the plug-in's FetchError
    (a file it cannot use); nothing changes then.
    """
    module = importlib.import_module(f"pipeline.sources.{source}")
    if not hasattr(module, "from_file"):
        raise ImportRefused(f"the plug-in of '{source}' cannot import a file (it has no from_file)")
    root, path = Path(config["path"]), Path(path)
    if (root / as_of).exists():
        raise ImportRefused(f"snapshot {(root / as_of).as_posix()} already exists and is never overwritten; "
                            "choose another --as-of")
    obtained_from = obtained_from or path.name
    if MACHINE_PATH.search(obtained_from):
        raise ImportRefused(f"--obtained-from names a path on this machine ({obtained_from!r}); say where the copy "
                            "comes from instead")
    original = path.read_bytes()
    origin = {"obtained_from": obtained_from, "original_sha256": sha256_hex(original),
              "original_size_bytes": len(original)}
    status = new_status(source, config)
    root.mkdir(parents=True, exist_ok=True)
    status["attempted_at"] = _utc_now()
    count = store_snapshot(source, root, as_of, module,
                           lambda staging: with_origin(module.from_file(config, path, staging), origin))
    status.update(state="ok", reason=f"new snapshot {as_of} ({count} file(s)) imported from {path.name}")
    return finish_status(status, root, config)


def describe(status: dict[str, Any]) -> str:
    """One line for the log; a failure says what parse falls back to."""
    source, state = status["source"], status["state"]
    if state == "degraded":
        return f"collect: {source}: DEGRADED: {status['reason']}"
    if state != "failed":
        return f"collect: {source}: {state}: {status['reason']}"
    fallback = (
        f"keeping existing snapshots; parse uses {status['snapshot_used']}"
        if status["snapshot_used"]
        else "no earlier snapshot: this source contributes no observations"
    )
    return (f"collect: {source}: FAILED ({status['error_type']}): {status['reason']}. {fallback}. "
            f"To try again: make update AS_OF={status['as_of']}")


def bump_as_of(params_text: str, sources: dict[str, Any], as_of: str) -> str:
    """params.yaml text with `as_of` of every enabled source set to as_of, comments kept."""
    for name, config in sources.items():
        if not config.get("enabled") or "as_of" not in config:
            continue
        block = re.compile(rf"(^  {re.escape(name)}:\n(?:(?:    .*)?\n)*?    as_of: )\S+", re.MULTILINE)
        params_text = block.sub(lambda match: f'{match.group(1)}"{as_of}"', params_text, count=1)
    return params_text


def print_status(status: dict[str, Any]) -> None:
    trouble = status["state"] in ("failed", "degraded")
    print(describe(status), file=sys.stderr if trouble else sys.stdout)


def date_argument(text: str, what: str, prefix: str = "collect") -> str:
    """text, when it is a real date written YYYY-MM-DD; otherwise one line and exit status 2 (as argparse's
    own refusals), nothing written."""
    try:
        return checked_date(text, what)
    except ValueError as error:
        print(f"{prefix}: {error}", file=sys.stderr)
        sys.exit(2)


def run_import(source: str, config: dict[str, Any], path: Path, as_of: str, obtained_from: str | None) -> None:
    """`--from-file`: one line on success, one line and exit status 1 on refusal."""
    try:
        status = import_file(source, config, path, as_of, obtained_from)
    except (ValueError, ImportRefused, FetchError, OSError) as error:
        sys.exit(f"collect: {source}: {error}")
    print_status(status)
    if as_of > status["as_of"]:
        print(f"collect: {source}: sources.{source}.as_of in params.yaml is {status['as_of']}; "
              f"set it to {as_of} for parse to read this snapshot")


def main(argv: list[str] | None = None) -> None:
    parser = cli.ArgumentParser("collect", description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="live sources to collect (default: all)")
    parser.add_argument("--bump-as-of", metavar="YYYY-MM-DD")
    parser.add_argument("--from-file", type=Path, metavar="PATH", help="make the snapshot of SOURCE from this file")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="with --from-file: the date the file was published")
    parser.add_argument("--obtained-from", metavar="TEXT",
                        help="with --from-file: where this copy was obtained (default: the file's name)")
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        run(args)
    except (KeyboardInterrupt, Terminated) as stop:
        number = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
        print(f"collect: stopped by {number.name}; no staging folder is left, and status.json of the source "
              "being collected says so", file=sys.stderr)
        sys.exit(128 + number)
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> None:
    sources = load_params("sources")
    if args.bump_as_of:
        as_of = date_argument(args.bump_as_of, "--bump-as-of")
        write_text(PARAMS_FILE, bump_as_of(PARAMS_FILE.read_text(encoding="utf-8"), sources, as_of))
        print(f"collect: as_of of enabled sources set to {as_of}")
        return
    live = sorted(name for name, config in sources.items() if "as_of" in config)
    unknown = [name for name in args.sources if name not in live]
    if unknown:
        sys.exit(f"collect: no live source '{unknown[0]}' in params.yaml (known: {', '.join(live)})")
    if args.from_file:
        if len(args.sources) != 1 or not args.as_of:
            sys.exit("collect: --from-file needs exactly one SOURCE and --as-of YYYY-MM-DD")
        as_of = date_argument(args.as_of, "--as-of", prefix=f"collect: {args.sources[0]}")
        run_import(args.sources[0], sources[args.sources[0]], args.from_file, as_of, args.obtained_from)
        return
    if args.as_of or args.obtained_from:
        sys.exit("collect: --as-of and --obtained-from go with --from-file (a fetch is dated by sources.SOURCE.as_of)")
    chosen = args.sources or live
    for source in chosen:  # before any request: a bad date in params.yaml stops the run, writing nothing
        date_argument(str(sources[source]["as_of"]), f"sources.{source}.as_of in {PARAMS_FILE}")
    try:
        fetch_params = load_params("fetch")
    except KeyError:  # no fetch section: no contact, so nothing is fetched from hosts that ask for one
        fetch_params = {}
    # One source failing never stops the others: each keeps its last good snapshot.
    for source in chosen:
        print_status(collect_source(source, sources[source], fetch_params=fetch_params))


if __name__ == "__main__":
    main()
