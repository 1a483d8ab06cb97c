"""Backtesting the extrapolations: how far off, and how often inside their 95% interval.

For each cutoff year T, every method is fitted on what was known on 31 December T (models
published up to then, over the `window_years` before) and predicts each horizon T + h; the
prediction is scored against the same statistic measured on the data of year T + h:

- envelope: the yearly envelope of the largest model (trends.yearly_envelope), the
  headline extrapolation's method; the outcome is the envelope at the end of T + h and the
  interval is the fit's 95% prediction band for one new point.
- trend: least squares of log10(value) on date over the population's models (the trends
  stage's fit); the outcome is the mean log10(value) of the population's models of year
  T + h (their geometric mean) and the interval the 95% prediction band for the mean of that
  many new models at mid-year.

Errors are in orders of magnitude (log10 predicted − log10 actual). Where a method's
empirical coverage falls short of the nominal level, the calibrated interval widens the
band by the factor that would have held that share of the outcomes (`width_scale`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipeline import trends
from pipeline.dates import decimal_year

SCORED_COLUMNS = ["method", "kind", "quantity", "population", "cutoff_year", "horizon_years", "target_year",
                  "n_fit", "n_target", "predicted_log10", "low_log10", "high_log10", "actual_log10",
                  "error_oom", "covered"]


def last_complete_year(as_of_date: str) -> int:
    """The last calendar year wholly before the snapshot date."""
    as_of = pd.Timestamp(as_of_date)
    return as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1


def year_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(year=year, month=12, day=31)


def population_rows(models: pd.DataFrame, population: str) -> pd.Series:
    """dense and sparse are architecture groups (as the headline extrapolation splits them);
    any other name is a population of trends.populations."""
    if population in ("dense", "sparse"):
        return pd.Series(trends.architecture_groups(models).to_numpy() == population, index=models.index)
    return trends.in_population(models, population)


def method_data(models: pd.DataFrame, method: dict[str, Any]) -> pd.DataFrame:
    """The method's population with a value: publication date, decimal year and log10 value."""
    field = trends.QUANTITIES[method["quantity"]]
    known = models[models[field].notna() & (models[field] > 0) & models["publication_date"].notna()]
    known = known[population_rows(known, method["population"])]
    return pd.DataFrame({"date": known["publication_date"],
                         "year": decimal_year(known["publication_date"], known["date_precision"]),
                         "value": known[field], "log10": np.log10(known[field].to_numpy())}).sort_values(
        ["date", "value"], kind="stable")


def _forecast(band: trends.PredictionBand, at: float, new_points: float) -> tuple[float, float]:
    return float(band.centre(at)), float(band.half_width(at, new_points))


def envelope_forecasts(data: pd.DataFrame, cutoff: int, horizons: list[int], options: dict[str, Any],
                       last_year: int) -> list[dict[str, Any]]:
    """The envelope of the window up to the cutoff, extended to each horizon's year end."""
    fitted = data[data["date"] <= year_end(cutoff)]
    envelope = trends.yearly_envelope(fitted["date"], fitted["value"],
                                      pd.Timestamp(year=cutoff - options["window_years"] + 1, month=1, day=1),
                                      year_end(cutoff))
    if len(envelope) < max(options["min_points"], 3) or envelope["largest"].nunique() < 2:
        return []
    band = trends.PredictionBand(decimal_year(envelope["date"]).to_numpy(),
                                 np.log10(envelope["largest"].to_numpy()), options["confidence_level"])
    rows = []
    for horizon in horizons:
        target = cutoff + horizon
        centre, half = _forecast(band, float(decimal_year(pd.Series([year_end(target)])).iloc[0]), 1.0)
        actual = None
        if target <= last_year:
            actual = float(np.log10(data.loc[data["date"] <= year_end(target), "value"].max()))
        rows.append({"cutoff_year": cutoff, "horizon_years": horizon, "target_year": target,
                     "n_fit": int(len(envelope)), "n_target": 1 if actual is not None else 0,
                     "predicted_log10": centre, "half_width_log10": half, "actual_log10": actual})
    return rows


def trend_forecasts(data: pd.DataFrame, cutoff: int, horizons: list[int], options: dict[str, Any],
                    last_year: int) -> list[dict[str, Any]]:
    """The window's log-linear trend at each horizon's mid-year, against that year's mean log10 value."""
    start = pd.Timestamp(year=cutoff - options["window_years"] + 1, month=1, day=1)
    fitted = data[(data["date"] >= start) & (data["date"] <= year_end(cutoff))]
    if len(fitted) < max(options["min_points"], 3) or np.ptp(fitted["year"].to_numpy()) == 0:
        return []
    band = trends.PredictionBand(fitted["year"].to_numpy(), fitted["log10"].to_numpy(), options["confidence_level"])
    years = data["date"].dt.year
    rows = []
    for horizon in horizons:
        target = cutoff + horizon
        outcome = data.loc[years == target, "log10"] if target <= last_year else data.iloc[:0]["log10"]
        scored = len(outcome) >= options["min_models_per_year"]
        # An open forecast (no outcome yet) is for the mean of as many models as the cutoff year had.
        count = len(outcome) if scored else max(int((years == cutoff).sum()), 1)
        centre, half = _forecast(band, target + 0.5, float(count))
        rows.append({"cutoff_year": cutoff, "horizon_years": horizon, "target_year": target,
                     "n_fit": int(len(fitted)), "n_target": int(len(outcome)) if scored else 0,
                     "predicted_log10": centre, "half_width_log10": half,
                     "actual_log10": float(outcome.mean()) if scored else None})
    return rows


FORECASTERS = {"envelope": envelope_forecasts, "trend": trend_forecasts}


def forecast_rows(models: pd.DataFrame, options: dict[str, Any], last_year: int) -> pd.DataFrame:
    """Every method's forecast from every cutoff, scored where the target year is complete."""
    rows = []
    for method in options["methods"]:
        if method["kind"] not in FORECASTERS:
            raise ValueError(f"forecast.backtest.methods: {method['name']!r} has unknown kind {method['kind']!r} "
                             f"(known: {', '.join(sorted(FORECASTERS))})")
        data = method_data(models, method)
        for cutoff in range(options["first_cutoff_year"], last_year + 1):
            for row in FORECASTERS[method["kind"]](data, cutoff, options["horizons_years"], options, last_year):
                rows.append({"method": method["name"], "kind": method["kind"], "quantity": method["quantity"],
                             "population": method["population"], **row})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=SCORED_COLUMNS + ["half_width_log10"])
    frame["low_log10"] = frame["predicted_log10"] - frame["half_width_log10"]
    frame["high_log10"] = frame["predicted_log10"] + frame["half_width_log10"]
    frame["actual_log10"] = frame["actual_log10"].astype(float)
    frame["error_oom"] = frame["predicted_log10"] - frame["actual_log10"]
    frame["covered"] = ((frame["actual_log10"] >= frame["low_log10"]) &
                        (frame["actual_log10"] <= frame["high_log10"])).where(frame["actual_log10"].notna())
    return frame


def _rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or not math.isfinite(value) else float(f"{value:.{digits}g}")


def score(rows: pd.DataFrame, confidence_level: float) -> dict[str, Any]:
    """Mean absolute error, bias and coverage of scored rows, and the widening that would have held
    `confidence_level` of them (1 when the stated interval already did)."""
    if rows.empty:
        return {"n": 0, "mae_oom": None, "median_abs_error_oom": None, "bias_oom": None, "coverage": None,
                "abs_error_q95_oom": None, "width_scale": None, "calibrated": False}
    errors = rows["error_oom"].to_numpy()
    coverage = float(rows["covered"].astype(bool).mean())
    calibrated = coverage < confidence_level
    # 'higher': the widening reaches an observed ratio, so the calibrated band holds at least that share.
    ratio = np.abs(errors) / rows["half_width_log10"].to_numpy()
    scale = max(1.0, float(np.quantile(ratio, confidence_level, method="higher"))) if calibrated else 1.0
    return {"n": int(len(rows)), "mae_oom": _rounded(float(np.mean(np.abs(errors)))),
            "median_abs_error_oom": _rounded(float(np.median(np.abs(errors)))),
            "bias_oom": _rounded(float(np.mean(errors))), "coverage": _rounded(coverage),
            "abs_error_q95_oom": _rounded(float(np.quantile(np.abs(errors), confidence_level, method="higher"))),
            "width_scale": _rounded(scale), "calibrated": calibrated,
            "calibrated_coverage_in_sample": _rounded(float(np.mean(ratio <= scale)))}


def summarise(rows: pd.DataFrame, options: dict[str, Any]) -> dict[str, Any]:
    """Per method: its population, and its scores per horizon and over all horizons."""
    level = options["confidence_level"]
    scored = rows[rows["actual_log10"].notna()]
    summary = {}
    for method in options["methods"]:
        mine = scored[scored["method"] == method["name"]]
        summary[method["name"]] = {
            "kind": method["kind"], "quantity": method["quantity"], "population": method["population"],
            "cutoff_years": sorted({int(year) for year in mine["cutoff_year"]}),
            "by_horizon": {str(h): score(mine[mine["horizon_years"] == h], level) for h in options["horizons_years"]},
            "all_horizons": score(mine, level),
        }
    return summary


def calibrated_headline(headline: dict[str, Any], method_summary: dict[str, Any], threshold: float,
                        confidence_level: float) -> dict[str, Any]:
    """The headline crossing with its band widened by the backtest's factor at the longest horizon.

    The headline extrapolates further ahead than any backtested horizon; a factor on the band,
    unlike an added error quantile, keeps widening with the distance.
    """
    horizons = sorted(method_summary["by_horizon"], key=int)
    longest = method_summary["by_horizon"][horizons[-1]]
    result = {"stated_interval": headline.get("interval"), "width_scale": longest["width_scale"],
              "width_scale_from_horizon_years": int(horizons[-1]), "calibrated": bool(longest["calibrated"])}
    envelope = headline.get("envelope") or []
    if not longest["calibrated"] or headline.get("year") is None or len(envelope) < 3:
        result["interval"] = headline.get("interval")
        return result
    x = decimal_year(pd.Series(pd.to_datetime([date for date, _ in envelope]))).to_numpy()
    y = np.log10(np.array([value for _, value in envelope], dtype=float))
    widened = trends.prediction_band_crossing(x, y, math.log10(threshold), confidence_level,
                                              width_scale=longest["width_scale"])
    result["interval"] = widened["interval"]
    # The envelope ends at the snapshot: an earliest date before it has passed without the threshold.
    result["earliest_before_snapshot"] = bool(widened["interval"][0] is not None and widened["interval"][0] < x.max())
    return result
