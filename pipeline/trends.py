"""Trends stage: growth fits, doubling times, the frontier and its extrapolation.

    python -m pipeline.trends --models FILE --metrics FILE --frontier FILE --published FILE

Fits are ordinary least squares of log10(value) on decimal year, per era and per
domain, with a seeded bootstrap confidence interval on the slope, for parameters
and training compute, each for every population of `trends.populations` (every
model; notable models). A fit whose slope interval reaches zero says so in words
(`verdict`). The published doubling times (`doubling_times` of the --published file,
references/published.yaml) are compared with our fit over the same window, each with a sentence on why the two differ. The frontier
is the set of models that were among the `frontier_top_n` largest when
released. The extrapolation fits the yearly envelope of the largest model
since `extrapolation.fit_start` (so that plateaus count), separately for dense
and sparse (mixture-of-experts, sparse-embedding) models, and solves for the
date the trend reaches `threshold_params`, with the interval from the fit's 95%
prediction band.
"""

from __future__ import annotations

import argparse
import heapq
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.dates import decimal_year
from pipeline.io import load_params, read_yaml, round_derived, write_csv, write_json
from pipeline.schema import SPARSE_ARCHITECTURES

LOG10_2 = math.log10(2.0)
QUANTITIES = {"params": "params_total", "compute": "training_compute_flop"}
OUR_METHOD = "least squares of log10(value) on decimal year, seeded bootstrap 95% interval"


def _significant(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def doubling_months(slope_oom_per_year: float) -> float | None:
    """Months to double at a growth of `slope` orders of magnitude per year."""
    if slope_oom_per_year <= 0:
        return None
    return 12.0 * LOG10_2 / slope_oom_per_year


BOOTSTRAP_CHUNK = 250  # resamples computed at once: bounds memory to chunk × n values


def bootstrap_slopes(x: np.ndarray, y: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """OLS slopes of `samples` resamples of the (x, y) pairs, vectorised by chunks."""
    slopes = []
    for start in range(0, samples, BOOTSTRAP_CHUNK):
        picks = rng.integers(0, len(x), size=(min(BOOTSTRAP_CHUNK, samples - start), len(x)))
        xs, ys = x[picks], y[picks]
        x_centred = xs - xs.mean(axis=1, keepdims=True)
        y_centred = ys - ys.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes.append((x_centred * y_centred).sum(axis=1) / (x_centred**2).sum(axis=1))
    slopes = np.concatenate(slopes)
    return slopes[np.isfinite(slopes)]


def robust_slope_interval(x: np.ndarray, y: np.ndarray, slope: float, intercept: float,
                          confidence_level: float) -> tuple[float, float]:
    """Normal interval from the heteroskedasticity-robust (HC1) standard error of the slope.

    The pairs bootstrap estimates this same sampling variance; for large n the two agree.
    """
    n = len(x)
    x_centred = x - x.mean()
    residuals = y - (intercept + slope * x)
    variance = n / (n - 2) * np.sum(x_centred**2 * residuals**2) / np.sum(x_centred**2) ** 2
    half_width = stats.norm.ppf(0.5 + confidence_level / 2.0) * math.sqrt(variance)
    return slope - half_width, slope + half_width


def fit_loglinear(
    years: np.ndarray,
    values: np.ndarray,
    *,
    bootstrap_samples: int,
    confidence_level: float,
    seed: int,
    min_points: int,
    bootstrap_max_n: int = 5000,
) -> dict[str, Any] | None:
    """log10(values) = intercept + slope × year, with a confidence interval on the slope.

    The interval is a seeded pairs bootstrap up to bootstrap_max_n points and the
    robust (HC1) normal interval beyond, where a bootstrap would cost n × samples.
    Returns None when there are fewer than min_points points or no spread in time.
    """
    keep = np.isfinite(years) & np.isfinite(values) & (values > 0)
    x, y = np.asarray(years, float)[keep], np.log10(np.asarray(values, float)[keep])
    if len(x) < max(min_points, 2) or np.ptp(x) == 0:
        return None
    fit = stats.linregress(x, y)
    if len(x) <= bootstrap_max_n:
        slopes = bootstrap_slopes(x, y, bootstrap_samples, np.random.default_rng(seed))
        tail = (1.0 - confidence_level) / 2.0
        low, high = np.quantile(slopes, [tail, 1.0 - tail])
        method = "bootstrap"
    else:
        low, high = robust_slope_interval(x, y, fit.slope, fit.intercept, confidence_level)
        method = "hc1"
    result = {
        "ci_method": method,
        "n": int(len(x)),
        "start_year": _significant(float(x.min())),
        "end_year": _significant(float(x.max())),
        "slope_oom_per_year": _significant(fit.slope),
        "slope_ci": [_significant(low), _significant(high)],
        "intercept_log10": _significant(fit.intercept, 12),
        "r2": _significant(fit.rvalue**2),
        "doubling_months": _significant(doubling_months(fit.slope)),
        # A faster slope means a shorter doubling time, so the bounds swap.
        "doubling_months_ci": [_significant(doubling_months(high)), _significant(doubling_months(low))],
        "spread_oom": _significant(float(np.ptp(y))),
    }
    result["verdict"] = fit_verdict(result)
    return result


WEAK_FIT_R2 = 0.1  # below this, the date explains too little of the spread to call the line a trend


def fit_verdict(fit: dict[str, Any]) -> str | None:
    """Words for a fit that shows no reliable growth (its slope interval reaches zero) or explains
    little (R² below WEAK_FIT_R2): why, with n, R² and the spread of the values."""
    low, high = fit["slope_ci"]
    r2 = fit["r2"]
    facts = (f"n = {fit['n']}, R² = {'n/a' if r2 is None else f'{r2:.2f}'}, "
             f"values spread over {fit['spread_oom']:.1f} orders of magnitude")
    if fit["doubling_months"] is None or low is None or low <= 0:
        return f"no reliable growth: the slope's 95% interval [{low:.3g}, {high:.3g}] OOM/year reaches zero ({facts})"
    if r2 is None or r2 < WEAK_FIT_R2:
        return f"a weak trend: the date explains little of the spread ({facts})"
    return None


def _fit_options(params: dict[str, Any]) -> dict[str, Any]:
    keys = ("bootstrap_samples", "confidence_level", "seed", "min_points", "bootstrap_max_n")
    return {key: params[key] for key in keys if key in params}


def in_era(dates: pd.Series, era: dict[str, Any]) -> pd.Series:
    start = pd.Timestamp(era["start"])
    end = pd.Timestamp(era["end"]) if era.get("end") else pd.Timestamp.max
    return (dates >= start) & (dates < end)


def in_population(models: pd.DataFrame, population: str) -> pd.Series:
    """The models of a population of `trends.populations`."""
    if population == "all":
        return pd.Series(True, index=models.index)
    if population == "notable":
        return models["notability"].notna()
    raise ValueError(f"trends.populations: unknown population {population!r} (known: all, notable)")


def era_fits(models: pd.DataFrame, field: str, params: dict[str, Any]) -> dict[str, Any]:
    """Fits of one field per era, overall and per domain."""
    fit_options = _fit_options(params)
    known = models[models[field].notna() & models["publication_date"].notna()]
    years = decimal_year(known["publication_date"], known["date_precision"])
    result: dict[str, Any] = {"n": int(len(known)), "eras": {}, "by_domain": {}}
    for era in params["eras"]:
        chosen = in_era(known["publication_date"], era)
        result["eras"][era["name"]] = fit_loglinear(
            years[chosen].to_numpy(), known.loc[chosen, field].to_numpy(), **fit_options
        )
        for domain in sorted(known["domain"].unique()):
            subset = chosen & (known["domain"] == domain)
            fit = fit_loglinear(years[subset].to_numpy(), known.loc[subset, field].to_numpy(), **fit_options)
            if fit is not None:
                result["by_domain"].setdefault(domain, {})[era["name"]] = fit
    return result


def frontier_flags(dates: pd.Series, values: pd.Series, top_n: int) -> pd.Series:
    """True for models among the top_n largest of all models released up to then.

    One pass in date order with a min-heap of the N largest so far: O(n log N).
    """
    order = pd.DataFrame({"date": dates, "value": values}).sort_values(
        ["date", "value"], ascending=[True, False], kind="stable"
    )
    largest: list[float] = []
    flags = np.zeros(len(order), dtype=bool)
    for position, value in enumerate(order["value"].to_numpy()):
        if len(largest) < top_n:
            heapq.heappush(largest, value)
            flags[position] = True
        elif value >= largest[0]:
            heapq.heapreplace(largest, value)
            flags[position] = True
    return pd.Series(flags, index=order.index).reindex(values.index)


def is_sparse(models: pd.DataFrame) -> pd.Series:
    fewer_active = models["params_active"].notna() & (models["params_active"] < models["params_total"])
    return models["architecture"].isin(SPARSE_ARCHITECTURES) | fewer_active


def architecture_groups(models: pd.DataFrame) -> pd.Series:
    """dense, sparse (mixture-of-experts, sparse embeddings, fewer active than total
    parameters) or unknown: a source that states no architecture says nothing about it."""
    groups = pd.Series("unknown", index=models.index, dtype=object)
    groups[models["architecture"].eq("dense").fillna(False).to_numpy(dtype=bool)] = "dense"
    groups[is_sparse(models).to_numpy(dtype=bool)] = "sparse"
    return groups


class PredictionBand:
    """The least-squares line of y on x and its t prediction band.

    half_width(at, new_points) is the band for the mean of new_points new observations
    at `at` (1: a single one), at the given confidence level.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, confidence_level: float) -> None:
        self.fit = stats.linregress(x, y)
        self.n = len(x)
        self.x_mean = x.mean()
        self.residual_sd = math.sqrt(np.sum((y - (self.fit.intercept + self.fit.slope * x)) ** 2) / (self.n - 2))
        self.t_value = stats.t.ppf(0.5 + confidence_level / 2.0, self.n - 2)
        self.spread = np.sum((x - self.x_mean) ** 2)

    def centre(self, at: np.ndarray | float) -> np.ndarray | float:
        return self.fit.intercept + self.fit.slope * at

    def half_width(self, at: np.ndarray | float, new_points: np.ndarray | float = 1.0) -> np.ndarray | float:
        return self.t_value * self.residual_sd * np.sqrt(
            1.0 / new_points + 1.0 / self.n + (at - self.x_mean) ** 2 / self.spread)


def prediction_band_crossing(x: np.ndarray, y: np.ndarray, target: float, confidence_level: float,
                             width_scale: float = 1.0) -> dict[str, Any]:
    """When the line, and its prediction band (widened by width_scale), reach `target` (in log10 units).

    Inverse prediction: the earliest date is where the band's upper edge reaches
    the target, the latest where its lower edge does.
    """
    band = PredictionBand(x, y, confidence_level)
    fit, residual_sd = band.fit, band.residual_sd
    if fit.slope <= 0:
        return {"year": None, "interval": [None, None], "note": "frontier not growing over the fit window"}
    grid = np.arange(x.min(), x.max() + 500.0, 0.01)
    half_width = width_scale * band.half_width(grid)
    centre = band.centre(grid)
    upper_reached = grid[centre + half_width >= target]
    lower_reached = grid[centre - half_width >= target]
    return {
        "year": _significant((target - fit.intercept) / fit.slope),
        "interval": [
            _significant(float(upper_reached[0])) if len(upper_reached) else None,
            _significant(float(lower_reached[0])) if len(lower_reached) else None,
        ],
        "slope_oom_per_year": _significant(fit.slope),
        "intercept_log10": _significant(fit.intercept, 12),
        "residual_sd_log10": _significant(residual_sd),
        "note": None,
    }


def yearly_envelope(dates: pd.Series, values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The largest value released so far, at the end of each year from start to end (and at end).

    Years in which nothing larger appeared count too: fitting only the models that
    set records would hide a plateau and extrapolate the last surge.
    """
    ends = [pd.Timestamp(year=year, month=12, day=31) for year in range(start.year, end.year)] + [end]
    order = np.argsort(dates.to_numpy(), kind="stable")
    sorted_dates, running_max = dates.to_numpy()[order], np.maximum.accumulate(values.to_numpy()[order])
    rows = []
    for moment in ends:
        released = np.searchsorted(sorted_dates, np.datetime64(moment), side="right")
        if released:
            rows.append({"date": moment, "largest": float(running_max[released - 1])})
    return pd.DataFrame(rows, columns=["date", "largest"])


def extrapolation(models: pd.DataFrame, params: dict[str, Any]) -> dict[str, Any]:
    """Date the largest dense and the largest sparse model reach the threshold.

    Fitted on the yearly frontier envelope since fit_start. Envelope points are
    not independent, so the prediction interval is, if anything, too narrow.
    Models of unknown architecture enter neither fit; each group says how many.
    """
    options = params["extrapolation"]
    threshold = float(options["threshold_params"])
    start, end = pd.Timestamp(options["fit_start"]), pd.Timestamp(params["eras"][-1]["end"])
    result: dict[str, Any] = {"threshold_params": threshold, "fit_start": options["fit_start"],
                              "fit_end": end.strftime("%Y-%m-%d"), "method": "yearly envelope of the largest model"}
    sized = models[models["params_total"].notna() & models["publication_date"].notna()]
    groups = architecture_groups(sized)
    unknown = int((groups == "unknown").sum())
    for group in ("dense", "sparse"):
        members = sized[groups == group]
        envelope = yearly_envelope(members["publication_date"], members["params_total"], start, end)
        claims = members[members["params_total"] >= threshold].sort_values("publication_date")
        entry: dict[str, Any] = {"n": int(len(envelope)), "n_models": int(len(members)),
                                 "excluded_unknown_architecture": unknown,
                                 "envelope": [[row.date.strftime("%Y-%m-%d"), row.largest] for row in envelope.itertuples()]}
        if len(envelope) < max(params["min_points"], 3) or envelope["largest"].nunique() < 2:
            entry.update(year=None, interval=[None, None], note="too few points to fit")
        else:
            x = decimal_year(envelope["date"]).to_numpy()
            entry.update(prediction_band_crossing(x, np.log10(envelope["largest"].to_numpy()),
                                                  math.log10(threshold), params["confidence_level"]))
        entry["already_claimed_by"] = [
            {"model_id": row.model_id, "params_total": row.params_total,
             "publication_date": row.publication_date.strftime("%Y-%m-%d")}
            for row in claims.itertuples()
        ]
        if len(claims):
            entry["note"] = "; ".join(filter(None, [entry.get("note"),
                                                    f"{len(claims)} existing {group} model(s) already claim at least the threshold"]))
        result[group] = entry
    return result


def frontier_summary(models: pd.DataFrame, params: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """Running maximum of parameters, top-N frontier models and their growth."""
    sized = models[models["params_total"].notna() & models["publication_date"].notna()].copy()
    sized = sized.sort_values(["publication_date", "params_total"], ascending=[True, False], kind="stable")
    sized["decimal_year"] = decimal_year(sized["publication_date"], sized["date_precision"])
    sized["running_max"] = sized["params_total"].cummax()
    sized["record"] = sized["params_total"] >= sized["running_max"]
    sized["frontier"] = frontier_flags(sized["publication_date"], sized["params_total"], params["frontier_top_n"])
    fit_options = _fit_options(params)
    frontier = sized[sized["frontier"]]
    since = frontier["publication_date"] >= pd.Timestamp(params["extrapolation"]["fit_start"])
    largest = sized.loc[sized["params_total"].idxmax()]
    summary = {
        "top_n": params["frontier_top_n"],
        "n_frontier_models": int(len(frontier)),
        "largest_model": {"model_id": largest["model_id"], "params_total": float(largest["params_total"])},
        "growth_all_time": fit_loglinear(
            frontier["decimal_year"].to_numpy(), frontier["params_total"].to_numpy(), **fit_options
        ),
        "growth_since_fit_start": fit_loglinear(
            frontier.loc[since, "decimal_year"].to_numpy(), frontier.loc[since, "params_total"].to_numpy(), **fit_options
        ),
    }
    table = sized.loc[:, ["model_id", "name", "domain", "publication_date", "decimal_year",
                          "params_total", "running_max", "record", "frontier"]]
    table["architecture_group"] = architecture_groups(sized).to_numpy()
    return summary, table


def population_fits(models: pd.DataFrame, field: str, params: dict[str, Any]) -> dict[str, Any]:
    """era_fits of one field for every population, each naming its population."""
    return {name: {"population": description, **era_fits(models[in_population(models, name)], field, params)}
            for name, description in params["populations"].items()}


def compare_with_published(models: pd.DataFrame, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Each published doubling time beside ours over the same window, for the notable population."""
    notable = models[in_population(models, "notable")]
    data_end = params["eras"][-1]["end"]
    comparisons = []
    for reference in params.get("published") or []:
        window = {"name": f"{reference['start'][:4]}-{reference['end'][:4]}", "start": reference["start"],
                  "end": reference["end"]}
        field = QUANTITIES[reference["quantity"]]
        known = notable[notable[field].notna() & notable["publication_date"].notna()]
        chosen = known[in_era(known["publication_date"], window)]
        ours = fit_loglinear(decimal_year(chosen["publication_date"], chosen["date_precision"]).to_numpy(),
                             chosen[field].to_numpy(), **_fit_options(params))
        comparisons.append({**reference, "ours": ours, "our_population": params["populations"]["notable"],
                            "sentence": comparison_sentence(reference, ours, data_end)})
    return comparisons


def comparison_sentence(reference: dict[str, Any], ours: dict[str, Any] | None, data_end: str) -> str:
    """Why our doubling time and a published one differ: how far apart, and in data, population and method."""
    quantity = "parameter counts" if reference["quantity"] == "params" else "training compute"
    window = f"{reference['start'][:4]}–{reference['end'][:4]}"
    theirs = f"{reference['authors']} found {quantity} doubling every {reference['doubling_months']:g} months over {window}"
    if not ours or not ours["doubling_months"]:
        return (f"{theirs} (n = {reference['n']}); our notable models of that window give no growth to compare "
                f"({ours['verdict'] if ours else 'too few points'}).")
    low, high = ours["doubling_months_ci"]
    agree = low is not None and high is not None and low <= reference["doubling_months"] <= high
    closeness = ("within our 95% interval" if agree else
                 f"{'faster' if ours['doubling_months'] < reference['doubling_months'] else 'slower'} than theirs, "
                 "outside our 95% interval")
    return (f"{theirs} (n = {reference['n']}); we find {ours['doubling_months']:.1f} months "
            f"({closeness}; n = {ours['n']}). The data differ: ours is the merged table as of {data_end}, with "
            f"models catalogued after their paper; so do the populations (ours: notable models of that table, "
            f"theirs: {reference['population']}) and the methods (ours: {OUR_METHOD}; theirs: {reference['method']}).")


def compute_metrics(models: pd.DataFrame, params: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    frontier, frontier_table = frontier_summary(models, params)
    methods = models["training_compute_method"].value_counts().to_dict() if "training_compute_method" in models else {}
    metrics = {
        "n_models": int(len(models)),
        "n_with_params": int(models["params_total"].notna().sum()),
        "n_with_compute": int(models["training_compute_flop"].notna().sum()),
        "compute_methods": {method: int(count) for method, count in sorted(methods.items())},
        "params": population_fits(models, "params_total", params),
        "compute": population_fits(models, "training_compute_flop", params),
        "published": compare_with_published(models, params),
        "frontier": frontier,
        "extrapolation": extrapolation(models, params),
    }
    return metrics, frontier_table


def with_published(params: dict[str, Any], findings: dict[str, Any]) -> dict[str, Any]:
    """The trends params with the published doubling times of the findings file."""
    return {**params, "published": findings["doubling_times"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--frontier", type=Path, required=True)
    parser.add_argument("--published", type=Path, required=True, help="published findings (references/published.yaml)")
    args = parser.parse_args(argv)

    params = with_published(load_params("trends"), read_yaml(args.published))
    metrics, frontier_table = compute_metrics(pd.read_parquet(args.models), params)
    write_json(args.metrics, round_derived(metrics))
    write_csv(args.frontier, round_derived(frontier_table))
    latest_era = params["eras"][-1]["name"]
    latest = metrics["params"]["all"]["eras"][latest_era]
    if latest:
        low, high = latest["doubling_months_ci"]
        print(f"trends: in {latest_era} parameters double every {latest['doubling_months']:.1f} months "
              f"(95% CI {low or float('inf'):.1f}-{high or float('inf'):.1f}) -> {args.metrics}")
    else:
        print(f"trends: too few models for a fit in {latest_era} -> {args.metrics}")


if __name__ == "__main__":
    main()
