"""The parameter gap: how many models per order of magnitude of size, per bin and year.

Density is the number of models of a population published in a year whose parameter count
lies in a bin [low, high), divided by the bin's width in orders of magnitude, so that bins
of different widths compare. The rule: the gap bin persists as a gap over a span of years
when its density is below `max_ratio` × the mean density of its two neighbouring bins.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipeline import trends


def population_rows(models: pd.DataFrame, population: dict[str, Any]) -> pd.Series:
    """A population of forecast.parameter_gap.populations: optionally one domain, optionally notable only."""
    chosen = trends.in_population(models, population.get("base", "all"))
    if population.get("domain"):
        chosen &= models["domain"].eq(population["domain"]).fillna(False).astype(bool)
    return chosen


def density_table(models: pd.DataFrame, edges: list[float], first_year: int, last_year: int) -> pd.DataFrame:
    """Models and models per order of magnitude, per year and size bin (every bin, empty ones too)."""
    sized = models[models["params_total"].notna() & models["publication_date"].notna()]
    years = sized["publication_date"].dt.year
    sized = sized[(years >= first_year) & (years <= last_year)]
    bins = np.searchsorted(np.asarray(edges, float), sized["params_total"].to_numpy(), side="right") - 1
    inside = (bins >= 0) & (bins < len(edges) - 1)
    counts = pd.crosstab(sized["publication_date"].dt.year.to_numpy()[inside], bins[inside])
    counts = counts.reindex(index=range(first_year, last_year + 1), columns=range(len(edges) - 1), fill_value=0)
    rows = []
    for year in counts.index:
        for index in counts.columns:
            low, high = edges[index], edges[index + 1]
            count = int(counts.loc[year, index])
            rows.append({"year": int(year), "bin_low_params": low, "bin_high_params": high, "n_models": count,
                         "models_per_oom": count / math.log10(high / low)})
    return pd.DataFrame(rows)


def gap_ratio(table: pd.DataFrame, edges: list[float], gap_bin: list[float], years: range) -> dict[str, Any]:
    """The gap bin's density over the years against the mean of its two neighbours'."""
    index = edges.index(gap_bin[0])
    if index == 0 or index + 2 >= len(edges) or edges[index + 1] != gap_bin[1]:
        raise ValueError(f"forecast.parameter_gap: gap_bin_params {gap_bin} must be one bin of bin_edges_params "
                         "with a neighbouring bin on each side")
    chosen = table[table["year"].isin(list(years))]

    def density(low: float) -> float:
        rows = chosen[chosen["bin_low_params"] == low]
        return float(rows["n_models"].sum() / math.log10(rows["bin_high_params"].iloc[0] / low) / len(years))

    gap, below, above = density(edges[index]), density(edges[index - 1]), density(edges[index + 1])
    neighbours = (below + above) / 2.0
    return {"years": [years.start, years.stop - 1],
            "n_gap_bin": int(chosen.loc[chosen["bin_low_params"] == edges[index], "n_models"].sum()),
            "gap_models_per_oom_per_year": _round(gap), "below_models_per_oom_per_year": _round(below),
            "above_models_per_oom_per_year": _round(above),
            "ratio_to_neighbours": _round(gap / neighbours) if neighbours > 0 else None}


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or not math.isfinite(value) else float(f"{value:.{digits}g}")


def parameter_gap(models: pd.DataFrame, options: dict[str, Any], last_year: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """Per population: the density table, the gap's ratio to its neighbours per year and over the
    published window and the years after it, and whether the gap persists by the stated rule."""
    edges = [float(edge) for edge in options["bin_edges_params"]]
    gap_bin = [float(edge) for edge in options["gap_bin_params"]]
    first_published, last_published = options["published"]["years"]
    results, tables = {}, []
    for population in options["populations"]:
        members = models[population_rows(models, population)]
        table = density_table(members, edges, options["density_from_year"], last_year)
        tables.append(table.assign(population=population["name"]))
        spans = {"published_window": range(first_published, last_published + 1),
                 "after_published_window": range(last_published + 1, last_year + 1),
                 "since": range(options["since_year"], last_year + 1)}
        result: dict[str, Any] = {"description": population["description"]}
        for name, years in spans.items():
            entry = gap_ratio(table, edges, gap_bin, years) if len(years) else None
            if entry is not None:
                ratio = entry["ratio_to_neighbours"]
                entry["gap_persists"] = ratio is not None and ratio < options["max_ratio"]
            result[name] = entry
        result["by_year"] = {str(year): gap_ratio(table, edges, gap_bin, range(year, year + 1))
                             for year in range(options["since_year"], last_year + 1)}
        results[population["name"]] = result
    density = pd.concat(tables, ignore_index=True)
    return results, density.loc[:, ["population", "year", "bin_low_params", "bin_high_params", "n_models",
                                    "models_per_oom"]]
