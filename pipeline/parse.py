"""Parse stage: every source's snapshot to observations in the common shape.

    python -m pipeline.parse --out-dir processed/observations --counts processed/observation_counts.json
                             [--accept-shrink SOURCE ...] [SOURCE ...]

Each source in params.yaml `sources` (or those named) is the plug-in module
`pipeline.sources.SOURCE`; its `parse(config)` receives the source's own section
(`sources.SOURCE`), and its observations go to `<out-dir>/SOURCE.parquet`. One DVC
stage parses them all: a no-op `dvc repro` costs per stage, and parsing every
source again takes seconds.

Shrinkage guard: `--counts` keeps each source's observation count of the last build,
in total and per file (git-tracked, so a fresh clone compares with the published
build). A source that lost more observations than `parse.shrink_tolerance` allows,
the more lenient of `models` and `relative` × the last count, stops the run naming
the source, both counts and the files that lost them: an emptied or deleted
registry file, or a truncated snapshot, would otherwise remove its models with exit
0. Smaller drops are printed. To accept a drop that is intended, name the source in
`--accept-shrink` or in the environment variable MODELSCALE_ACCEPT_SHRINK
(comma-separated: `MODELSCALE_ACCEPT_SHRINK=registry dvc repro`); the new counts are
then recorded, so an acknowledgement covers the drop it was given for.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import load_params, write_json, write_parquet
from pipeline.schema import observation_columns

ACCEPT_SHRINK_ENV = "MODELSCALE_ACCEPT_SHRINK"
# A source_record is "file:line" (registry), "file row N" (CSV snapshots) or a URL.
RECORD_POSITION = re.compile(r"(?::\d+| row \d+)$")
FILES_NAMED = 3  # files that lost the most, named in the message


def parse_source(name: str, config: dict) -> pd.DataFrame:
    """Observations of one source, with exactly the observation columns, in source order."""
    module = importlib.import_module(f"pipeline.sources.{name}")
    observations = module.parse(config)
    extra = sorted(set(observations.columns) - set(observation_columns()))
    if extra:
        raise ValueError(f"source {name} produced columns outside the schema: {', '.join(extra)}")
    return observations.reindex(columns=observation_columns())


def observation_counts(observations: pd.DataFrame) -> dict[str, Any]:
    """How many observations a source has, in total and per file it read them from."""
    files = observations["source_record"].astype("str").str.replace(RECORD_POSITION, "", regex=True)
    return {"observations": len(observations),
            "by_file": {file: int(count) for file, count in sorted(files.value_counts().items())}}


def tolerated_drop(previous: int, tolerance: dict[str, Any]) -> int:
    """Observations a source may lose without acknowledgement: the more lenient of the two bounds."""
    return max(int(tolerance["models"]), math.floor(float(tolerance["relative"]) * previous))


def files_that_lost(previous: dict[str, int], current: dict[str, int]) -> str:
    """'raw/registry/2025.yaml 45 -> 0, …' for the files that lost the most observations."""
    losses = sorted(((count - current.get(file, 0), file) for file, count in previous.items()
                     if current.get(file, 0) < count), key=lambda loss: (-loss[0], loss[1]))
    named = [f"{file} {previous[file]} -> {current.get(file, 0)}" for _, file in losses[:FILES_NAMED]]
    if len(losses) > FILES_NAMED:
        named.append(f"{len(losses) - FILES_NAMED} more")
    return ", ".join(named) or "no single file"


def shrinkage(name: str, previous: dict[str, Any] | None, current: dict[str, Any],
              tolerance: dict[str, Any], counts_path: Path) -> tuple[str, bool] | None:
    """(message, beyond tolerance) when the source has fewer observations than in the last build."""
    if previous is None or current["observations"] >= previous["observations"]:
        return None
    before, now = previous["observations"], current["observations"]
    allowed = tolerated_drop(before, tolerance)
    lost = files_that_lost(previous.get("by_file", {}), current["by_file"])
    message = (f"parse: {name}: {now} observations, {before} in the last build ({counts_path}): {before - now} fewer "
               f"({lost}), parse.shrink_tolerance allows {allowed}")
    return message, before - now > allowed


def read_counts(path: Path) -> dict[str, Any]:
    """The last build's counts; none before the first build."""
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}); "
                         f"restore it from git, or delete it to compare with nothing") from error


def accepted_from_environment(environment: dict[str, str]) -> set[str]:
    return {name.strip() for name in environment.get(ACCEPT_SHRINK_ENV, "").split(",") if name.strip()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="sources to parse (default: all)")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--counts", type=Path, required=True,
                        help="JSON of each source's observation count in the last build (read, then rewritten)")
    parser.add_argument("--accept-shrink", action="append", default=[], metavar="SOURCE",
                        help=f"accept that SOURCE lost observations (also: {ACCEPT_SHRINK_ENV}=SOURCE[,SOURCE])")
    args = parser.parse_args(argv)

    sources = load_params("sources")
    tolerance = load_params("parse")["shrink_tolerance"]
    accepted = set(args.accept_shrink) | accepted_from_environment(dict(os.environ))
    unknown = sorted(name for name in {*args.sources, *accepted} if name not in sources)
    if unknown:
        sys.exit(f"parse: no source '{unknown[0]}' in params.yaml (known: {', '.join(sorted(sources))})")
    try:
        previous = read_counts(args.counts)
    except ValueError as error:
        sys.exit(f"parse: {error}")
    counts = {name: previous[name] for name in sources if name in previous}
    refused = []
    for name in args.sources or sorted(sources):
        try:
            observations = parse_source(name, sources[name])
        except ValueError as error:  # RegistryError and other input errors name their file and line
            sys.exit(f"parse: {name}: {error}")
        current = observation_counts(observations)
        shrank = shrinkage(name, previous.get(name), current, tolerance, args.counts)
        if shrank and shrank[1] and name not in accepted:
            refused.append(f"{shrank[0]}. If that is intended, run again with {ACCEPT_SHRINK_ENV}={name} "
                           f"(e.g. {ACCEPT_SHRINK_ENV}={name} dvc repro)")
            continue
        if shrank:
            print(f"{shrank[0]}{'; accepted' if shrank[1] else ''}")
        out = args.out_dir / f"{name}.parquet"
        write_parquet(out, observations)
        counts[name] = current
        print(f"parse: {name}: {len(observations)} observations -> {out}")
    if refused:
        sys.exit("\n".join(refused))
    write_json(args.counts, counts)


if __name__ == "__main__":
    main()
