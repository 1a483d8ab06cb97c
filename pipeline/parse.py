"""Parse stage: every source's snapshot to observations in the common shape.

    python -m pipeline.parse --out-dir processed/observations [SOURCE ...]

Each source in params.yaml `sources` (or those named) is the plug-in module
`pipeline.sources.SOURCE`; its `parse(config)` receives the source's own section
(`sources.SOURCE`), and its observations go to `<out-dir>/SOURCE.parquet`. One DVC
stage parses them all: a no-op `dvc repro` costs per stage, and parsing every
source again takes seconds.
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
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="sources to parse (default: all)")
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    sources = load_params("sources")
    unknown = [name for name in args.sources if name not in sources]
    if unknown:
        sys.exit(f"parse: no source '{unknown[0]}' in params.yaml (known: {', '.join(sorted(sources))})")
    for name in args.sources or sorted(sources):
        try:
            observations = parse_source(name, sources[name])
        except ValueError as error:  # RegistryError and other input errors name their file and line
            sys.exit(f"parse: {name}: {error}")
        out = args.out_dir / f"{name}.parquet"
        write_parquet(out, observations)
        print(f"parse: {name}: {len(observations)} observations -> {out}")


if __name__ == "__main__":
    main()
