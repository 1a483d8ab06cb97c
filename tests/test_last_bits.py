"""Fitted numbers differ in their last bits between CPUs (BLAS and libm take different vector paths);
the derived outputs must not: the same inputs give the same bytes on every machine."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import pytest

from pipeline import figures, forecast, trends
from tests.conftest import REPO


def _bits_off(value, ulps: int):
    """value as another machine may compute it: `ulps` units in the last place higher."""
    if isinstance(value, float) and math.isfinite(value):
        for _ in range(ulps):
            value = float(np.nextafter(value, math.inf))
        return value
    if isinstance(value, dict):
        return {key: _bits_off(item, ulps) for key, item in value.items()}
    if isinstance(value, list):
        return [_bits_off(item, ulps) for item in value]
    if isinstance(value, pd.DataFrame):
        return value.apply(lambda column: column.map(lambda v: _bits_off(v, ulps)) if column.dtype.kind == "f" else column)
    return value


FITTED = {"slope": 0.1 + 0.2, "intercept_log10": -3255.6567763201, "ci": [9.6000000000001, 11.0], "n": 145}
ROWS = pd.DataFrame({"cutoff_year": [2015, 2016], "low_log10": [17.014488726270297, 19.477679029427822]})


@pytest.mark.parametrize("ulps", [1, 3])
def test_trend_outputs_are_the_same_bytes_when_the_fit_differs_in_its_last_bits(tmp_path, monkeypatch, ulps):
    monkeypatch.chdir(REPO)  # the stage reads its slice of params.yaml
    latest_era = trends.load_params("trends")["eras"][-1]["name"]
    metrics = {**FITTED, "params": {"all": {"eras": {latest_era: None}}}}
    written = []
    for result in (metrics, _bits_off(metrics, ulps)):
        monkeypatch.setattr(trends, "compute_metrics", lambda models, params, result=result: (result, _bits_off(ROWS, 0)))
        out = tmp_path / str(len(written))
        out.mkdir()
        pd.DataFrame({"x": [1.0]}).to_parquet(out / "models.parquet")
        trends.main(["--models", str(out / "models.parquet"), "--metrics", str(out / "metrics.json"),
                     "--frontier", str(out / "frontier.csv"), "--published", str(REPO / "references" / "published.yaml")])
        written.append((out / "metrics.json").read_bytes())
    assert written[0] == written[1]


@pytest.mark.parametrize("ulps", [1, 3])
def test_forecast_outputs_are_the_same_bytes_when_the_fit_differs_in_its_last_bits(tmp_path, monkeypatch, ulps):
    monkeypatch.chdir(REPO)
    backtest_result = {**FITTED, "headline": {"sentence": "a forecast"}}
    written = []
    for shift in (0, ulps):
        result = (_bits_off(backtest_result, shift), _bits_off(ROWS, shift), _bits_off(FITTED, shift), _bits_off(ROWS, shift))
        monkeypatch.setattr(forecast, "compute_forecasts", lambda *args, result=result: result)
        out = tmp_path / str(shift)
        out.mkdir()
        pd.DataFrame({"x": [1.0]}).to_parquet(out / "models.parquet")
        names = ("backtest.json", "forecast.json", "backtest.csv", "density.csv")
        forecast.main(["--models", str(out / "models.parquet"), "--published", str(REPO / "references" / "published.yaml"),
                       *[arg for option, name in zip(("--backtest", "--forecast", "--backtest-plot", "--density-plot"), names)
                         for arg in (option, str(out / name))]])
        written.append([(out / name).read_bytes() for name in names])
    assert written[0] == written[1]


def test_a_figure_draws_the_same_when_its_fit_line_differs_in_its_last_bits():
    def figure(shift: int) -> figures.Figure:
        data = pd.DataFrame({"year": [2020.0, 2026.0], "value": _bits_off([68081033261.254585, 915682455676.3785], shift)})
        chart = alt.Chart(figures.figure_data()).mark_line().encode(x="year:Q", y="value:Q")
        return figures.Figure("fit", "a fit line", data, chart)

    assert figure(0).records() == figure(2).records()
    assert figures.render_svg(figure(0).spec(), figure(0).records()) == figures.render_svg(figure(2).spec(), figure(2).records())
