"""Seeded synthetic observations for benchmarks: realistic in shape, made up in content.

Models come in families with several sizes ("Zorbel 2 7B", "Zorbel 2 70B"); each
model is observed by several sources, which spell its name their own way (case,
hyphens, a bracketed alias, now and then a typo), disagree a little on numbers
and dates, and about 1% of rows are invalid (negative counts, future dates,
unknown domains, active > total).

    python -m bench.generate N OUT.parquet [--seed S]
"""

from __future__ import annotations

import argparse
import json
import string
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.schema import DOMAINS, observation_columns
from pipeline.sources.registry import slugify

SOURCES = ("registry", "huggingface", "epoch", "wikipedia", "announcements")
SIZES = np.array([0.125, 0.35, 1, 1.3, 3, 7, 8, 13, 14, 34, 70, 180, 405]) * 1e9
SYLLABLES = ("zor", "bel", "qua", "nix", "tor", "vel", "mar", "dun", "kai", "lo", "pra", "sen", "tu", "vo", "rim")
INVALID_SHARE = 0.01


def _family_names(count: int, rng: np.random.Generator) -> list[str]:
    """count distinct made-up family names; a taken name grows a syllable, so this always ends."""
    names: set[str] = set()
    while len(names) < count:
        stem = "".join(rng.choice(SYLLABLES, size=rng.integers(2, 4)))
        version = f" {rng.integers(1, 5)}" if rng.random() < 0.6 else ""
        while (stem.capitalize() + version) in names:
            stem += rng.choice(SYLLABLES)
        names.add(stem.capitalize() + version)
    return sorted(names)


def _spell(name: str, rng: np.random.Generator) -> str:
    """How another source writes the same name."""
    choice = rng.random()
    if choice < 0.25:
        return name.lower()
    if choice < 0.45:
        return name.replace(" ", "-")
    if choice < 0.55:
        return f"{name} (base)"
    if choice < 0.65 and len(name) > 6:  # a typo away from the first letters
        position = int(rng.integers(3, len(name) - 1))
        return name[:position] + rng.choice(list(string.ascii_lowercase)) + name[position + 1:]
    return name


def generate(n_observations: int, seed: int) -> pd.DataFrame:
    """About n_observations rows in the observation shape, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n_models = max(1, n_observations // 3)
    n_families = max(1, n_models // 4)
    families = _family_names(n_families, rng)
    family_of = rng.integers(0, n_families, n_models)
    sizes = SIZES[rng.integers(0, len(SIZES), n_models)]
    names = [f"{families[f]} {size / 1e9:g}B" for f, size in zip(family_of, sizes)]
    unique = pd.Series(names).drop_duplicates()
    names = unique.tolist()
    family_of, sizes = family_of[unique.index], sizes[unique.index]
    n_models = len(names)
    dates = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 365 * 14, n_models), unit="D")
    domains = np.array(DOMAINS)[rng.integers(0, len(DOMAINS), n_models)]
    organisations = [f"Lab {families[f][:3]}" for f in family_of]

    # Each observation: a model and a source, the registry observing every model first.
    model_of = np.concatenate([np.arange(n_models), rng.integers(0, n_models, max(0, n_observations - n_models))])
    source_of = np.where(np.arange(len(model_of)) < n_models, 0, rng.integers(1, len(SOURCES), len(model_of)))
    pairs = pd.DataFrame({"model": model_of, "source": source_of}).drop_duplicates()
    model_of, source_of = pairs["model"].to_numpy(), pairs["source"].to_numpy()
    n = len(model_of)

    noise = np.exp(rng.normal(0, 0.03, n))
    spelled = [names[m] if s == 0 else _spell(names[m], rng) for m, s in zip(model_of, source_of)]
    params = sizes[model_of] * noise
    tokens = (sizes * rng.uniform(10, 300, n_models))[model_of] * np.exp(rng.normal(0, 0.03, n))
    frame = pd.DataFrame({
        "source": np.array(SOURCES)[source_of],
        "source_record": [f"{SOURCES[s]}:{i}" for i, s in enumerate(source_of)],
        "model_id": [slugify(name) for name in spelled],
        "name": spelled,
        "organization": [organisations[m] if rng.random() < 0.8 else None for m in model_of],
        "publication_date": dates[model_of] + pd.to_timedelta(rng.integers(-20, 20, n) * (source_of > 0), unit="D"),
        "date_precision": "day",
        "domain": domains[model_of],
        "params_total": params,
        "training_tokens": tokens,
        "training_compute_flop": 6 * params * tokens * np.exp(rng.normal(0, 0.05, n)),
        "mmlu": np.where(domains[model_of] == "Language", rng.uniform(25, 90, n), np.nan),
        "open_weights": rng.random(n) < 0.5,
        "source_url": [f"https://example.org/{SOURCES[s]}/{i}" for i, s in enumerate(source_of)],
        "family": np.array(families)[family_of[model_of]],
    })
    frame["evidence"] = json.dumps({field: "synthetic" for field in
                                    ("params_total", "training_tokens", "training_compute_flop", "mmlu")})
    invalid = rng.random(n) < INVALID_SHARE
    kind = rng.integers(0, 4, n)
    frame.loc[invalid & (kind == 0), "params_total"] = -1.0
    frame.loc[invalid & (kind == 1), "publication_date"] = pd.Timestamp("2099-01-01")
    frame.loc[invalid & (kind == 2), "domain"] = "Astrology"
    frame.loc[invalid & (kind == 3), "params_active"] = frame.loc[invalid & (kind == 3), "params_total"] * 2
    frame["open_weights"] = frame["open_weights"].astype("boolean")
    return frame.reindex(columns=observation_columns())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    frame = generate(args.n, args.seed)
    frame.to_parquet(args.out, index=False)
    print(f"{len(frame)} observations -> {args.out}")


if __name__ == "__main__":
    main()
