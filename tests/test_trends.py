"""Trend statistics: known growth is recovered, results are reproducible, the frontier is right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline import trends
from pipeline.dates import decimal_year

FIT = {"bootstrap_samples": 500, "confidence_level": 0.95, "seed": 7, "min_points": 5}


def _synthetic(doubling_months: float, n: int = 200, noise: float = 0.3, seed: int = 1):
    rng = np.random.default_rng(seed)
    years = np.sort(rng.uniform(2000, 2020, n))
    slope = math.log10(2) * 12 / doubling_months
    return years, 10 ** (5 + slope * (years - 2000) + rng.normal(0, noise, n))


def test_known_doubling_time_is_recovered_within_its_interval():
    years, values = _synthetic(doubling_months=6.0)
    fit = trends.fit_loglinear(years, values, **FIT)
    assert fit["doubling_months"] == pytest.approx(6.0, rel=0.05)
    low, high = fit["doubling_months_ci"]
    assert low < 6.0 < high
    assert fit["n"] == 200 and 0.9 < fit["r2"] <= 1.0


def test_bootstrap_is_reproducible_with_the_seed_and_changes_without():
    years, values = _synthetic(doubling_months=12.0, n=30, noise=1.0)
    first, again = (trends.fit_loglinear(years, values, **FIT) for _ in range(2))
    assert first == again
    other = trends.fit_loglinear(years, values, **{**FIT, "seed": 8})
    assert other["slope_ci"] != first["slope_ci"]


def test_too_few_points_or_no_time_spread_gives_no_fit():
    assert trends.fit_loglinear(np.array([2000.0, 2001.0]), np.array([1.0, 10.0]), **FIT) is None
    assert trends.fit_loglinear(np.full(10, 2000.0), np.arange(1.0, 11.0), **FIT) is None


def test_shrinking_trend_has_no_doubling_time():
    years, values = _synthetic(doubling_months=12.0)
    fit = trends.fit_loglinear(years, values[::-1], **FIT)
    assert fit["slope_oom_per_year"] < 0 and fit["doubling_months"] is None


def test_decimal_year_places_imprecise_dates_mid_period():
    dates = pd.Series(pd.to_datetime(["2020-01-01", "2020-07-01", "2021-01-01"]))
    precision = pd.Series(["day", "month", "year"])
    years = decimal_year(dates, precision)
    assert years[0] == 2020.0
    assert years[1] == pytest.approx(2020 + (182 + 14.5) / 366)  # 1 July 2020 is day 183
    assert years[2] == pytest.approx(2021.5, abs=0.01)


def test_frontier_flags_match_brute_force():
    rng = np.random.default_rng(3)
    dates = pd.Series(pd.to_datetime("2000-01-01") + pd.to_timedelta(rng.integers(0, 5000, 300), unit="D"))
    values = pd.Series(10 ** rng.uniform(3, 12, 300))
    flags = trends.frontier_flags(dates, values, top_n=3)
    for i in range(300):
        released_before = values[(dates < dates[i]) | ((dates == dates[i]) & (values > values[i]))]
        assert flags[i] == ((released_before > values[i]).sum() < 3), i


def test_extrapolation_finds_the_crossing_with_an_interval():
    rng = np.random.default_rng(5)
    years = np.linspace(2018, 2025, 40)
    log_values = 9 + 0.5 * (years - 2018) + rng.normal(0, 0.2, 40)  # reaches 1e14 in 2028
    crossing = trends.prediction_band_crossing(years, log_values, 14.0, 0.95)
    assert crossing["year"] == pytest.approx(2028, abs=0.5)
    low, high = crossing["interval"]
    assert low < crossing["year"] < high


def test_extrapolation_notes_existing_sparse_claims():
    models = pd.DataFrame({
        "model_id": [f"m{i}" for i in range(8)],
        "publication_date": pd.to_datetime([f"20{18 + i}-06-01" for i in range(8)]),
        "date_precision": "day",
        "params_total": [1e9, 1e10, 1e11, 1e12, 2e14, 1e10, 1e11, 1e12],
        "params_active": [np.nan] * 8,
        "architecture": ["dense"] * 4 + ["sparse"] + ["dense"] * 3,
    })
    params = {"extrapolation": {"threshold_params": 1e14, "fit_start": "2018-01-01"},
              "eras": [{"name": "all", "start": "1950-01-01", "end": "2026-11-22"}],
              "frontier_top_n": 3, "min_points": 3, "confidence_level": 0.95}
    result = trends.extrapolation(models, params)
    assert [claim["model_id"] for claim in result["sparse"]["already_claimed_by"]] == ["m4"]
    assert "already claim" in result["sparse"]["note"]
    assert result["dense"]["already_claimed_by"] == []


def test_a_model_of_unknown_architecture_enters_neither_extrapolation():
    """A source that states no architecture says nothing about it: BaGuaLu is no dense model."""
    models = pd.DataFrame({
        "model_id": [f"m{i}" for i in range(8)] + ["unknown-giant"],
        "publication_date": pd.to_datetime([f"20{18 + i}-06-01" for i in range(8)] + ["2022-03-28"]),
        "date_precision": "day",
        "params_total": [1e9, 1e10, 1e11, 1e12, 2e12, 3e12, 4e12, 5e12, 1.74e14],
        "params_active": [np.nan] * 9,
        "architecture": ["dense"] * 8 + [None],
    })
    params = {"extrapolation": {"threshold_params": 1e14, "fit_start": "2018-01-01"},
              "eras": [{"name": "all", "start": "1950-01-01", "end": "2026-11-22"}],
              "frontier_top_n": 3, "min_points": 3, "confidence_level": 0.95}
    result = trends.extrapolation(models, params)
    for group in ("dense", "sparse"):
        assert result[group]["already_claimed_by"] == [] and result[group]["excluded_unknown_architecture"] == 1
    assert result["dense"]["n_models"] == 8 and max(value for _, value in result["dense"]["envelope"]) == 5e12


def test_epoch_1952_2018_doubling_matches_plain_least_squares(epoch_dir):
    """Acceptance: our trend code agrees with a plain fit on Epoch's notable models."""
    table = pd.read_csv(epoch_dir / "notable_ai_models_2025-02-24.csv", usecols=["Publication date", "Parameters"])
    table["date"] = pd.to_datetime(table["Publication date"], errors="coerce")
    table = table[table["date"].notna() & (table["Parameters"] > 0)]
    table = table[(table["date"] >= "1952-01-01") & (table["date"] < "2018-01-01")]
    years = decimal_year(table["date"]).to_numpy()

    plain_slope = np.polyfit(years, np.log10(table["Parameters"].to_numpy()), 1)[0]
    plain_months = 12 * math.log10(2) / plain_slope
    fit = trends.fit_loglinear(years, table["Parameters"].to_numpy(), **FIT)
    assert len(table) > 100
    assert abs(fit["doubling_months"] - plain_months) < 1.0


def test_robust_interval_agrees_with_the_bootstrap():
    years, values = _synthetic(doubling_months=9.0, n=3000, noise=0.6, seed=4)
    bootstrap = trends.fit_loglinear(years, values, **{**FIT, "bootstrap_samples": 2000})
    robust = trends.fit_loglinear(years, values, **{**FIT, "bootstrap_max_n": 100})
    assert (bootstrap["ci_method"], robust["ci_method"]) == ("bootstrap", "hc1")
    assert robust["slope_ci"] == pytest.approx(bootstrap["slope_ci"], rel=0.02)


def test_a_plateau_slows_the_extrapolation():
    """Years without a larger model count: the fit must not extrapolate the last surge."""
    surge = pd.DataFrame({
        "model_id": [f"m{i}" for i in range(4)],
        "publication_date": pd.to_datetime(["2018-06-01", "2019-06-01", "2020-06-01", "2021-06-01"]),
        "date_precision": "day", "params_total": [1e9, 1e10, 1e11, 1e12],
        "params_active": np.nan, "architecture": "dense",
    })
    params = {"extrapolation": {"threshold_params": 1e14, "fit_start": "2018-01-01"},
              "eras": [{"name": "all", "start": "1950-01-01", "end": "2021-12-31"}],
              "min_points": 3, "confidence_level": 0.95}
    growing = trends.extrapolation(surge, params)["dense"]
    plateau = trends.extrapolation(surge, {**params, "eras": [{"name": "all", "start": "1950-01-01",
                                                                   "end": "2026-11-22"}]})["dense"]
    assert [value for _, value in plateau["envelope"]][-5:] == [1e12] * 5
    assert growing["year"] == pytest.approx(2023.5, abs=0.6)
    assert plateau["year"] > growing["year"] + 3


TREND_OPTIONS = {"bootstrap_samples": 300, "confidence_level": 0.95, "seed": 3, "min_points": 5,
                 "eras": [{"name": "all", "start": "1950-01-01", "end": "2026-11-22"}],
                 "populations": {"all": "every model", "notable": "notable models"}}


def _trend_models(n: int = 60, slope: float = 0.3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.sort(rng.uniform(2000, 2020, n))
    dates = pd.to_datetime([f"{int(y)}-01-01" for y in years]) + pd.to_timedelta((years % 1) * 365, unit="D")
    return pd.DataFrame({"publication_date": dates, "date_precision": "day", "domain": "Language",
                         "params_total": 10 ** (3 + slope * (years - 2000) + rng.normal(0, 0.2, n)),
                         "notability": ["Highly cited" if i % 3 == 0 else None for i in range(n)]})


def test_each_population_is_fitted_and_named_with_its_n():
    models = _trend_models()
    fits = trends.population_fits(models, "params_total", TREND_OPTIONS)
    assert {name: (entry["population"], entry["n"]) for name, entry in fits.items()} == {
        "all": ("every model", 60), "notable": ("notable models", 20)}
    assert fits["notable"]["eras"]["all"]["doubling_months"] == pytest.approx(12 * math.log10(2) / 0.3, rel=0.15)


def test_a_flat_fit_says_why_in_words():
    flat = _trend_models(slope=0.0)
    fit = trends.population_fits(flat, "params_total", TREND_OPTIONS)["all"]["eras"]["all"]
    assert fit["verdict"].startswith("no reliable growth") or fit["verdict"].startswith("a weak trend")
    assert "n = 60" in fit["verdict"] and "R² = " in fit["verdict"] and "orders of magnitude" in fit["verdict"]
    growing = trends.population_fits(_trend_models(), "params_total", TREND_OPTIONS)["all"]["eras"]["all"]
    assert growing["verdict"] is None


def test_a_published_figure_is_compared_over_its_own_window():
    models = _trend_models(n=300)
    reference = {"authors": "Someone 2021", "quantity": "params", "start": "2000-01-01", "end": "2010-01-01",
                 "n": 50, "population": "their systems", "method": "their fit", "url": "u"}
    [ours] = trends.compare_with_published(models, {**TREND_OPTIONS, "published": [{**reference, "doubling_months": 1}]})
    notable_in_window = models[models["notability"].notna() & (models["publication_date"] < "2010-01-01")]
    assert ours["ours"]["n"] == len(notable_in_window)
    assert ours["sentence"].startswith("Someone 2021 found parameter counts doubling every 1 months over 2000–2010")
    assert "slower than theirs, outside our 95% interval" in ours["sentence"]
    assert "their systems" in ours["sentence"] and "their fit" in ours["sentence"]
    same = {**reference, "doubling_months": ours["ours"]["doubling_months"]}
    [agreeing] = trends.compare_with_published(models, {**TREND_OPTIONS, "published": [same]})
    assert "within our 95% interval" in agreeing["sentence"]


def test_notable_compute_since_2010_matches_a_plain_fit_on_the_pinned_epoch_snapshot():
    """Acceptance: on the committed Epoch snapshot, our notable-population compute doubling time
    since 2010 equals numpy's least squares over the same rows to within 0.5 months."""
    from pipeline.io import load_params
    from pipeline.sources import epoch
    from tests.conftest import REPO

    from pipeline import validate

    config = load_params("sources", REPO / "params.yaml")["epoch"]
    raw = epoch.parse({**config, "path": str(REPO / config["path"])})
    observations = validate.validate_observations(raw, load_params("validate", REPO / "params.yaml")).valid
    params = {**load_params("trends", REPO / "params.yaml"),
              "eras": [{"name": "since-2010", "start": "2010-01-01", "end": "2026-11-22"}]}
    fit = trends.population_fits(observations, "training_compute_flop", params)["notable"]["eras"]["since-2010"]
    rows = observations[observations["notability"].notna() & observations["training_compute_flop"].notna()
                        & (observations["publication_date"] >= "2010-01-01")]
    dates = rows["publication_date"]
    years = dates.dt.year + (dates.dt.day_of_year - 1) / np.where(dates.dt.is_leap_year, 366, 365)
    slope = np.polyfit(years, np.log10(rows["training_compute_flop"]), 1)[0]
    assert fit["n"] == len(rows) > 200
    assert fit["doubling_months"] == pytest.approx(12 * math.log10(2) / slope, abs=0.5)


def test_the_last_era_ends_at_the_snapshot_date_set_in_one_place():
    from tests.conftest import REPO

    text = (REPO / "params.yaml").read_text(encoding="utf-8")
    params = yaml.safe_load(text)
    assert params["trends"]["eras"][-1]["end"] == params["validate"]["as_of_date"]
    assert text.count('"' + params["validate"]["as_of_date"] + '"  #') == 1 and "end: *snapshot_date" in text
