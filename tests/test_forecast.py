"""Forecasts with a track record: planted breaks and gaps are found, intervals hold their share,
the backtest never sees the future, and the sentences carry the numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import backtest, breaks, forecast, gap, trends
from pipeline.dates import decimal_year
from pipeline.io import load_params, read_yaml
from tests.conftest import REPO

BREAKS = {"continuous": True, "grid_step_years": 0.25, "min_segment_years": 3, "min_segment_points": 20, "bootstrap_samples": 100,
          "confidence_level": 0.95, "seed": 5}
TREND = {"name": "all-models parameter trend", "kind": "trend", "quantity": "params", "population": "all"}
ENVELOPE = {"name": "dense frontier envelope", "kind": "envelope", "quantity": "params", "population": "dense"}
BACKTEST = {"first_cutoff_year": 2012, "horizons_years": [1, 2, 3], "window_years": 8, "min_points": 5,
            "min_models_per_year": 3, "confidence_level": 0.95, "methods": [TREND, ENVELOPE],
            "headline_method": ENVELOPE["name"]}


def _piecewise(break_years: list[float], slopes: list[float], n: int = 400, noise: float = 0.3, seed: int = 0,
               span: tuple[float, float] = (1995.0, 2025.0)):
    """A continuous log-linear series with the given slope (OOM/year) between planted breaks."""
    rng = np.random.default_rng(seed)
    years = np.sort(rng.uniform(*span, n))
    knots = np.array([span[0], *break_years, span[1]])
    rises = np.concatenate([[0.0], np.cumsum(np.diff(knots) * np.array(slopes))])
    return years, 10 ** (6.0 + np.interp(years, knots, rises) + rng.normal(0.0, noise, n))


def test_a_planted_break_is_recovered_within_a_year():
    years, values = _piecewise([2014.6], [0.1, 0.5])
    result = breaks.find_breaks(years, values, BREAKS)
    assert result["chosen_breaks"] == 1
    (found,) = result["fits"]["1"]["breaks"]
    assert abs(found - 2014.6) <= 1.0
    low, high = result["fits"]["1"]["break_intervals"][0]
    assert low <= 2014.6 <= high
    assert [segment["slope_oom_per_year"] for segment in result["fits"]["1"]["segments"]] == pytest.approx(
        [0.1, 0.5], abs=0.05)


def test_a_planted_jump_is_recovered_by_the_discontinuous_fit():
    years, values = _piecewise([], [0.2], n=400, noise=0.25, seed=4)
    values = np.where(years >= 2016.3, values * 100.0, values)  # a regime two orders of magnitude larger
    result = breaks.find_breaks(years, values, {**BREAKS, "continuous": False})
    assert result["chosen_breaks"] == 1 and not result["continuous"]
    assert result["fits"]["1"]["breaks"][0] == pytest.approx(2016.3, abs=1.0)
    before, after = result["fits"]["1"]["segments"]
    assert before["slope_oom_per_year"] == pytest.approx(0.2, abs=0.05) == after["slope_oom_per_year"]


def test_two_planted_breaks_are_recovered_and_chosen_by_bic():
    years, values = _piecewise([2005.3, 2016.8], [0.05, 0.4, 0.05], n=600, noise=0.2)
    result = breaks.find_breaks(years, values, BREAKS)
    assert result["chosen_breaks"] == 2
    assert result["fits"]["2"]["breaks"] == pytest.approx([2005.3, 2016.8], abs=1.0)


def test_a_straight_line_has_no_break_by_bic():
    years, values = _piecewise([], [0.3])
    result = breaks.find_breaks(years, values, BREAKS)
    assert result["chosen_breaks"] == 0
    assert result["bootstrap_share_choosing"]["0"] > 0.5


def test_break_search_is_reproducible_with_its_seed():
    years, values = _piecewise([2014.6], [0.1, 0.5], n=200, noise=0.6)
    first, again = (breaks.find_breaks(years, values, BREAKS) for _ in range(2))
    assert first == again
    other = breaks.find_breaks(years, values, {**BREAKS, "seed": 6})
    assert other["fits"]["1"]["break_intervals"] != first["fits"]["1"]["break_intervals"]


def test_too_few_models_for_a_break_gives_none():
    years, values = _piecewise([], [0.3], n=30)
    assert breaks.find_breaks(years, values, BREAKS) is None


def test_segment_sums_match_a_direct_least_squares_fit():
    years, values = _piecewise([2010.0], [0.2, 0.6], n=120, seed=3)
    y = np.log10(values)
    prefix = breaks.prefix_moments(years - 2010.0, y, np.ones((1, len(years))))
    sse = breaks.segment_sse(prefix, np.array([10]), np.array([90]))[0, 0]
    slope, intercept = np.polyfit(years[10:90], y[10:90], 1)
    assert sse == pytest.approx(np.sum((y[10:90] - intercept - slope * years[10:90]) ** 2), rel=1e-9)


def _models(years: np.ndarray, log_values: np.ndarray, architecture: str | None = "dense") -> pd.DataFrame:
    dates = pd.to_datetime("2000-01-01") + pd.to_timedelta(np.round((years - 2000.0) * 365.2425), unit="D")
    return pd.DataFrame({"model_id": [f"m{i}" for i in range(len(years))], "publication_date": dates,
                         "date_precision": "day", "params_total": 10 ** log_values,
                         "training_compute_flop": np.nan, "params_active": np.nan, "architecture": architecture,
                         "notability": None, "domain": "Language"})


def test_trend_intervals_hold_95_percent_of_outcomes_over_200_seeds():
    """A log-linear trend of known slope with Gaussian scatter: the 95% interval of the year's mean
    log10 must hold the synthetic outcome in 91-99% of 200 independent draws."""
    options = {**BACKTEST, "methods": [TREND], "first_cutoff_year": 2017, "horizons_years": [2]}
    covered = []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        years = rng.uniform(2010.0, 2020.0, 150)
        rows = backtest.forecast_rows(_models(years, 6.0 + 0.35 * (years - 2010.0) + rng.normal(0, 0.5, 150)),
                                      options, last_year=2019)
        covered.append(bool(rows.loc[rows["cutoff_year"] == 2017, "covered"].iloc[0]))
    assert 0.91 <= np.mean(covered) <= 0.99


def test_the_backtest_never_sees_models_after_its_cutoff():
    rng = np.random.default_rng(1)
    years = rng.uniform(2004.0, 2025.0, 400)
    models = _models(years, 6.0 + 0.3 * (years - 2004.0) + rng.normal(0, 0.4, 400))
    later = models["publication_date"] > "2016-12-31"
    changed = models.copy()
    changed.loc[later, "params_total"] *= 1000.0
    before, after = (backtest.forecast_rows(frame, BACKTEST, last_year=2024) for frame in (models, changed))
    from_2016 = before["cutoff_year"] <= 2016
    assert before.loc[from_2016, "predicted_log10"].tolist() == after.loc[from_2016, "predicted_log10"].tolist()
    assert before.loc[from_2016, "high_log10"].tolist() == after.loc[from_2016, "high_log10"].tolist()
    # …while the outcomes they are scored against do change.
    assert not np.allclose(before.loc[from_2016, "actual_log10"], after.loc[from_2016, "actual_log10"])


def test_the_envelope_outcome_is_the_largest_model_released_by_the_target_year_end():
    years = np.array([2005.5, 2007.5, 2009.5, 2011.5, 2012.5, 2013.2, 2014.9, 2015.5])
    models = _models(years, np.array([6.0, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 8.0]))
    options = {**BACKTEST, "methods": [ENVELOPE], "first_cutoff_year": 2012, "horizons_years": [1, 2, 3]}
    rows = backtest.forecast_rows(models, options, last_year=2015).set_index(["cutoff_year", "horizon_years"])
    assert rows.loc[(2012, 1), "actual_log10"] == pytest.approx(9.0)
    assert rows.loc[(2012, 3), "actual_log10"] == pytest.approx(9.5)  # the 2015 model is smaller: the envelope holds
    assert math.isnan(rows.loc[(2014, 2), "actual_log10"])  # 2016 is not complete: an open forecast


def test_only_complete_years_are_scored():
    assert backtest.last_complete_year("2026-11-22") == 2025
    assert backtest.last_complete_year("2025-12-31") == 2025


def _scored(errors: list[float], half_width: float) -> pd.DataFrame:
    errors = np.array(errors)
    return pd.DataFrame({"error_oom": errors, "half_width_log10": half_width,
                         "covered": np.abs(errors) <= half_width})


def test_short_coverage_is_calibrated_to_hold_the_outcomes():
    errors = list(np.linspace(-2.0, 2.0, 20))
    result = backtest.score(_scored(errors, 1.0), 0.95)
    assert result["calibrated"] and result["coverage"] < 0.95
    assert result["width_scale"] > 1.0 and result["calibrated_coverage_in_sample"] >= 0.95
    assert result["mae_oom"] == pytest.approx(np.mean(np.abs(errors)), rel=1e-5)
    met = backtest.score(_scored([0.1, -0.2, 0.3], 1.0), 0.95)
    assert not met["calibrated"] and met["width_scale"] == 1.0 and met["coverage"] == 1.0


def _summary(coverage: float, calibrated: bool) -> dict:
    horizon = {"n": 12, "mae_oom": 0.5, "coverage": coverage, "bias_oom": 0.2, "width_scale": 1.8 if calibrated else 1.0,
               "calibrated": calibrated}
    return {"confidence_level": 0.95, "window_years": 8,
            "methods": {"dense frontier envelope": {"population": "dense", "cutoff_years": [2012, 2024],
                                                    "by_horizon": {"1": horizon, "3": horizon},
                                                    "all_horizons": {**horizon, "n": 24}}},
            "headline": {"method": "dense frontier envelope", "threshold_params": 1e14,
                         "calibration": {"calibrated": calibrated, "interval": [2029.0, 2075.5], "width_scale": 1.8,
                                         "width_scale_from_horizon_years": 3,
                                         "stated_interval": [2030.0, 2060.0]}}}


def test_the_track_record_sentence_carries_error_coverage_and_calibration():
    short = forecast.extrapolation_track_record(_summary(0.6, calibrated=True))
    assert "0.50 orders of magnitude" in short and "60% of 24 forecasts" in short
    assert "calibrated" in short and "1.80-fold" in short and "2029" in short and "2075.5" in short
    met = forecast.extrapolation_track_record(_summary(0.96, calibrated=False))
    assert "96%" in met and "1.80-fold" not in met and "stands as fitted" in met


def test_the_calibrated_headline_widens_the_stated_interval():
    envelope = [[f"{year}-12-31", 10 ** (9 + 0.3 * (year - 2018) + 0.2 * (-1) ** year)] for year in range(2018, 2026)]
    headline = {"year": 2035.0, "interval": [2031.0, 2040.0], "envelope": envelope}
    summary = {"by_horizon": {"1": {"width_scale": 1.0, "calibrated": False},
                              "3": {"width_scale": 1.5, "calibrated": True}}}
    widened = backtest.calibrated_headline(headline, summary, 1e14, 0.95)
    stated = backtest.calibrated_headline(headline, {"by_horizon": {"3": {"width_scale": 1.0, "calibrated": False}}},
                                          1e14, 0.95)
    assert stated["interval"] == [2031.0, 2040.0]
    x = decimal_year(pd.Series(pd.to_datetime([date for date, _ in envelope]))).to_numpy()
    y = np.log10([value for _, value in envelope])
    fitted = trends.prediction_band_crossing(x, y, 14.0, 0.95)["interval"]
    assert widened["interval"][0] < fitted[0] and (widened["interval"][1] is None or widened["interval"][1] > fitted[1])
    assert widened["width_scale_from_horizon_years"] == 3


GAP = {"bin_edges_params": [1e9, 5.7e9, 2e10, 7e10, 2.5e11, 1e12], "gap_bin_params": [2e10, 7e10], "max_ratio": 0.5,
       "density_from_year": 2019, "since_year": 2020,
       "populations": [{"name": "all", "description": "every model"},
                       {"name": "language", "domain": "Language", "description": "language models"}],
       "published": {"authors": "Villalobos et al. 2022", "years": [2020, 2022], "finding": "a gap",
                     "population": "notable systems"}}


def _sized(log_params: np.ndarray, year: int, domain: str = "Language") -> pd.DataFrame:
    frame = _models(np.full(len(log_params), year + 0.5), log_params)
    return frame.assign(domain=domain)


def test_a_planted_gap_is_found_and_a_filled_one_is_not():
    rng = np.random.default_rng(2)
    sizes = rng.uniform(9.0, 12.0, 3000)
    hollow = sizes[(sizes < math.log10(2e10)) | (sizes >= math.log10(7e10)) | (rng.uniform(size=3000) < 0.1)]
    models = pd.concat([_sized(hollow[:800], 2021), _sized(sizes[:800], 2024), _sized(sizes[800:1600], 2024, "Vision")],
                       ignore_index=True)
    result, density = gap.parameter_gap(models, GAP, last_year=2024)
    assert result["all"]["published_window"]["gap_persists"]
    assert result["all"]["published_window"]["ratio_to_neighbours"] < 0.3
    assert not result["all"]["after_published_window"]["gap_persists"]
    # Uniform in log10: every bin holds about the same models per order of magnitude, whatever its width.
    assert result["language"]["by_year"]["2024"]["ratio_to_neighbours"] == pytest.approx(1.0, abs=0.25)
    filled = density[(density["population"] == "language") & (density["year"] == 2024)]
    assert filled["models_per_oom"].max() / filled["models_per_oom"].min() < 1.5
    assert filled["n_models"].sum() == 800
    sentence = forecast.gap_sentence("all", result["all"], GAP)
    assert "20B–70B" in sentence and "a gap" in sentence and "Villalobos et al. 2022" in sentence


def test_a_gap_bin_without_two_neighbours_is_refused():
    models = _sized(np.array([9.5, 10.5]), 2021)
    with pytest.raises(ValueError, match="gap_bin_params"):
        gap.parameter_gap(models, {**GAP, "gap_bin_params": [1e9, 5.7e9]}, last_year=2022)


def test_default_build_forecasts_are_deterministic_and_name_their_populations():
    params = forecast.with_published(load_params("forecast", REPO / "params.yaml"),
                                     read_yaml(REPO / "references" / "published.yaml"))
    trends_params = load_params("trends", REPO / "params.yaml")
    as_of = load_params("validate", REPO / "params.yaml")["as_of_date"]
    models = pd.read_parquet(REPO / "processed" / "models.parquet")
    first = forecast.compute_forecasts(models, params, trends_params, as_of)
    again = forecast.compute_forecasts(models, params, trends_params, as_of)
    assert first[0] == again[0] and first[2] == again[2]
    result, _, forecasts, _ = first
    assert {method["population"] for method in result["methods"].values()} == {"dense", "all", "notable"}
    assert all(entry["population_description"] for entry in forecasts["breaks"]["results"].values())
    assert max(row["target_year"] for row in result["rows"] if row["actual_log10"] is not None) == 2025


def test_each_reference_date_is_placed_beside_the_nearest_chosen_break():
    fits = {"chosen_breaks": 2, "fits": {"2": {"breaks": [2009.0, 2017.75],
                                               "break_intervals": [[2003.5, 2010.5], [2016.75, 2019.0]]}}}
    near, far = forecast.reference_comparisons(fits, [("fixed era start", 2010.0), ("Sevilla et al. 2022", 2015.75)])
    assert near["nearest_break"] == 2009.0 and near["inside_interval"] and near["years_from_nearest_break"] == 1.0
    assert far["nearest_break"] == 2017.75 and not far["inside_interval"]
    (none,) = forecast.reference_comparisons({"chosen_breaks": 0, "fits": {"0": {"breaks": [], "break_intervals": []}}},
                                             [("fixed era start", 2010.0)])
    assert none["nearest_break"] is None
    sentence = forecast.break_sentence({"quantity": "compute", "population_description": "notable models",
                                        "fits": {**fits, "n": 500, "fits": {**fits["fits"], "0": {"breaks": []}}},
                                        "comparisons": [near, far], "published": []})
    assert "BIC prefers 2 breaks, at 2009" in sentence and "2003.5–2010.5" in sentence and "outside" in sentence
