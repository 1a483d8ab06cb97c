"""Parse stage: one source's snapshot to observations in the common shape.

    python -m pipeline.parse SOURCE --out processed/observations/SOURCE.parquet

The source is the plug-in module `pipeline.sources.SOURCE`; its `parse(config)`
receives the source's own section of params.yaml (`sources.SOURCE`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import pandas as pd

from pipeline.io import load_params, write_parquet
from pipeline.schema import observation_columns


def parse_source(name: str, config: dict) -> pd.DataFrame:
    """Observations of one source, with exactly the observation columns, in source order."""
    module = importlib.import_module(f"pipeline.sources.{name}")
    observations = module.parse(config)
    extra = sorted(set(observations.columns) - set(observation_columns()))
    if extra:
        raise ValueError(f"source {name} produced columns outside the schema: {', '.join(extra)}")
    return observations.reindex(columns=observation_columns())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    sources = load_params("sources")
    if args.source not in sources:
        sys.exit(f"parse: no source '{args.source}' in params.yaml (known: {', '.join(sorted(sources))})")
    try:
        observations = parse_source(args.source, sources[args.source])
    except ValueError as error:  # RegistryError and other input errors name their file and line
        sys.exit(f"parse: {args.source}: {error}")
    write_parquet(args.out, observations)
    print(f"parse: {args.source}: {len(observations)} observations -> {args.out}")


if __name__ == "__main__":
    main()
