"""The figures: each draws what its seed chart shows, from one spec that names its data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline import figures, report, trends
from tests.test_report import REPORT_PARAMS, TREND_PARAMS, _forecasts, _models


@pytest.fixture(scope="module")
def built():
    models = _models()
    metrics, frontier = trends.compute_metrics(models, TREND_PARAMS)
    metrics = json.loads(json.dumps(metrics))
    best = report.best_mmlu_by_memory(models, REPORT_PARAMS["memory_budgets_gb"], REPORT_PARAMS["bytes_per_param"])
    built = report.build_figures(models, metrics, frontier, best, REPORT_PARAMS, _forecasts()[2])
    return models, metrics, {figure.name: figure for figure in built}


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _tooltip_titles(layer: dict) -> set[str]:
    return {entry.get("title") for entry in layer.get("encoding", {}).get("tooltip", [])}


def test_figures_are_the_reports_in_order_and_read_named_data(built):
    _, _, by_name = built
    assert tuple(by_name) == report.FIGURE_NAMES
    for figure in by_name.values():
        assert figure.spec()["data"] == {"name": figures.DATA_NAME} and "datasets" not in figure.spec()


def test_every_model_point_tooltip_tells_model_organisation_date_value_source_confidence(built):
    _, _, by_name = built
    for name in (name for name in report.FIGURE_NAMES if name != "backtest"):  # its points are forecasts
        titles = set().union(*(_tooltip_titles(layer) for layer in _layers(by_name[name].spec())))
        assert {"model", "organisation", "date", "source", "confidence"} <= titles, name


def test_legends_hide_and_time_zooms(built):
    _, _, by_name = built
    for name in ("params_over_time", "compute_over_time", "mmlu_vs_training", "best_mmlu_by_memory"):
        spec = by_name[name].spec()
        params = spec.get("params", []) + [param for layer in _layers(spec) for param in layer.get("params", [])]
        assert any(param.get("bind") == "legend" and param["select"]["toggle"] == "true" for param in params), name
        assert any(param.get("bind") == "scales" for param in params), name


def test_over_time_has_one_point_per_model_and_a_labelled_fit_per_era(built):
    models, metrics, by_name = built
    data = by_name["params_over_time"].data
    assert sorted(data.loc[data["kind"] == "point", "model_id"]) == sorted(models.loc[models["params_total"].notna(), "model_id"])
    labels = data.loc[(data["kind"] == "fit") & data["label"].notna(), "label"].tolist()
    fitted = [era for era, fit in metrics["params"]["all"]["eras"].items() if fit]
    assert len(labels) == len(fitted) and all(label.startswith(f"{era}: ") for label, era in zip(labels, fitted))
    assert all("months" in label or "not growing" in label for label in labels)


def test_compute_tells_stated_from_derived(built):
    models, _, by_name = built
    points = by_name["compute_over_time"].data.query("kind == 'point'")
    derived = set(models.loc[models["training_compute_method"] == "6ND", "model_id"])
    assert set(points.loc[points["method"] == "derived as 6·N·D", "model_id"]) == derived
    assert set(points.loc[points["method"] == "stated", "model_id"]).isdisjoint(derived)
    shape = next(layer["encoding"]["shape"] for layer in _layers(by_name["compute_over_time"].spec())
                 if "shape" in layer.get("encoding", {}))
    assert shape["field"] == "method"


def test_benchmark_figure_labels_every_point_with_name_and_size_and_names_families(built):
    models, _, by_name = built
    figure = by_name["mmlu_vs_training"]
    open_language = models[(models["domain"] == "Language") & models["open_weights"] & models["mmlu"].notna()]
    assert sorted(figure.data["model_id"]) == sorted(open_language["model_id"])
    assert figure.data["label"].str.fullmatch(r".+ \(\d[\d.]*[kMBT]?\)").all()
    assert figure.data.loc[figure.data["model_id"] == "model-20", "label"].item().startswith("Model 20 (")
    layers = _layers(figure.spec())
    assert any(layer["mark"]["type"] == "text" and layer["encoding"]["text"]["field"] == "label" for layer in layers)
    colour = next(layer["encoding"]["color"] for layer in layers if layer["mark"]["type"] == "line")
    assert colour["field"] == "family" and colour["scale"]["domain"] == sorted(figure.data["family"].unique())


def test_frontier_intervals_each_on_their_own_line(built):
    _, metrics, by_name = built
    data = by_name["frontier_extrapolation"].data
    intervals = data[data["kind"] == "interval"]
    assert intervals["value"].nunique() == len(intervals)  # never drawn over each other
    for row in intervals.itertuples():
        low, high = metrics["extrapolation"][row.group]["interval"]
        assert row.year <= metrics["extrapolation"][row.group]["year"] <= row.year_end
        assert f"{high:.1f}" in row.label if high is not None else "beyond the horizon" in row.label


def test_frontier_already_passed_gets_no_interval():
    frontier = pd.DataFrame({"model_id": ["a"], "name": ["A"], "domain": ["Language"], "publication_date": ["2022-01-01"],
                             "decimal_year": [2022.0], "params_total": [2e14], "frontier": [True],
                             "architecture_group": ["sparse"]})
    entry = {"year": 2021.0, "interval": [2019.0, 2024.0], "intercept_log10": -800.0, "slope_oom_per_year": 0.4,
             "already_claimed_by": [{"model_id": "a"}], "envelope": [["2022-01-01", 2e14]]}
    metrics = {"extrapolation": {"threshold_params": 1e14, "fit_start": "2018-01-01", "sparse": entry,
                                 "dense": {"year": None, "interval": [None, None]}}}
    models = pd.DataFrame({"model_id": ["a"], "organization": ["Lab"], "params_total_source": ["epoch"], "confidence": [None]})
    data = figures.frontier_extrapolation(frontier, models, metrics, "2026-11-22", report.threshold_passed).data
    assert "interval" not in set(data["kind"]) and data.loc[data["kind"] == "label", "label"].tolist() == [
        "sparse: already passed"]


def test_best_by_memory_holds_each_best_to_the_as_of_date(built):
    _, _, by_name = built
    data = by_name["best_mmlu_by_memory"].data
    held = data[data["kind"] == "held"]
    assert len(held) == data["series"].nunique() and set(held["publication_date"]) == {"2026-11-22"}
    for series, steps in data[data["kind"] == "step"].groupby("series"):
        assert steps["value"].is_monotonic_increasing
        assert held.loc[held["series"] == series, "value"].item() == steps["value"].iloc[-1]


def test_dvc_yaml_plots_every_figure_from_its_data_with_its_spec():
    root = Path(__file__).parents[1]
    plots = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["plots"]
    by_name = {name: definition for plot in plots if isinstance(plot, dict) for name, definition in plot.items()}
    for name in report.FIGURE_NAMES:
        assert by_name[name]["template"] == f"reports/plots/templates/{name}.json"
        assert list(by_name[name]["y"]) == [f"reports/plots/data/{name}.json"]
    config = (root / ".dvc" / "config").read_text(encoding="utf-8")
    assert "html_template = ../reports/plots/templates/page.html" in config  # the Vega runtime inlined, no CDN


def test_backtest_draws_every_forecast_against_its_outcome_with_a_diagonal(built):
    _, _, by_name = built
    figure, rows = by_name["backtest"], _forecasts()[2]
    forecasts = figure.data.query("kind == 'forecast'")
    assert len(forecasts) == len(rows) and set(figure.data["kind"]) == {"forecast", "diagonal"}
    diagonal = figure.data.query("kind == 'diagonal'")
    assert (diagonal["actual_log10"] == diagonal["predicted_log10"]).all()
    titles = set().union(*(_tooltip_titles(layer) for layer in _layers(figure.spec())))
    assert {"method", "cutoff", "target year", "error (orders of magnitude)", "95% interval"} <= titles
