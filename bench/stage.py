"""One benchmark stage on the files of the previous one (called by bench.run in a child process).

    python -m bench.stage STAGE FOLDER
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from pipeline.io import load_params, read_yaml, write_json, write_parquet

# Each stage imports only its own modules, as its DVC stage does (scipy alone takes a second).
PUBLISHED_FINDINGS = Path("references/published.yaml")  # what dvc.yaml passes to the trends stage


def parse(folder: Path) -> None:
    from pipeline.schema import observation_columns
    from pipeline.sources import epoch

    frames = []
    for path in sorted(folder.glob("*.csv")):
        observations, _ = epoch.observations_from_csv(path.read_text(encoding="utf-8"), path.name, "https://example.org")
        frames.append(observations.assign(source=path.stem))
    write_parquet(folder / "observations.parquet", pd.concat(frames, ignore_index=True).reindex(columns=observation_columns()))


def validate_stage(folder: Path) -> None:
    from pipeline import validate

    result = validate.validate_observations(pd.read_parquet(folder / "observations.parquet"), load_params("validate"))
    write_parquet(folder / "valid.parquet", result.valid)


def merge_stage(folder: Path) -> None:
    from pipeline import merge

    merged = merge.merge_observations(pd.read_parquet(folder / "valid.parquet"), load_params("merge"))
    write_parquet(folder / "models.parquet", merged["models"])


def trends_stage(folder: Path) -> None:
    from pipeline import trends

    params = trends.with_published(load_params("trends"), read_yaml(PUBLISHED_FINDINGS))
    metrics, _ = trends.compute_metrics(pd.read_parquet(folder / "models.parquet"), params)
    write_json(folder / "metrics.json", json.loads(json.dumps(metrics, default=str)))


STAGES = {"parse": parse, "validate": validate_stage, "merge": merge_stage, "trends": trends_stage}

if __name__ == "__main__":
    STAGES[sys.argv[1]](Path(sys.argv[2]))
