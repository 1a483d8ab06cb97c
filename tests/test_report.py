"""The report: figures exist, untrusted text is escaped, and the page renders in a browser."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from pipeline import report, trends

TREND_PARAMS = {
    "eras": [{"name": "early", "start": "1950-01-01", "end": "2018-01-01"},
             {"name": "late", "start": "2018-01-01", "end": "2026-11-22"}],
    "bootstrap_samples": 200, "confidence_level": 0.95, "seed": 1, "min_points": 3, "frontier_top_n": 3,
    "extrapolation": {"threshold_params": 1e14, "fit_start": "2018-01-01"},
    "populations": {"all": "every model", "notable": "notable models"},
}
MERGE_PRECEDENCE = {"precedence": ["registry", "huggingface", "epoch", "wikipedia", "announcements"],
                    "field_precedence": {"params_total": ["registry", "huggingface", "epoch", "announcements", "wikipedia"]}}
REPORT_PARAMS = {"memory_budgets_gb": [8, 24], "bytes_per_param": {"16-bit": 2.0, "4-bit": 0.5},
                 "label_top_n": 5, "benchmark": "mmlu", "eras": TREND_PARAMS["eras"], "as_of_date": "2026-11-22",
                 "merge": MERGE_PRECEDENCE}
HOSTILE_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _models(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    dates = pd.to_datetime("1990-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 12500, n)), unit="D")
    params = np.asarray(10 ** (3 + 0.3 * (dates.year - 1990) + rng.normal(0, 0.3, n)))
    params[-1] = 1e9  # the hostile-named model is the best small one, so the page must show its name
    names = [HOSTILE_NAME if i == n - 1 else f"Model {i}" for i in range(n)]
    return pd.DataFrame({
        "model_id": [f"model-{i}" for i in range(n)], "name": names, "family": [f"F{i % 4}" for i in range(n)],
        "publication_date": dates, "date_precision": "day",
        "domain": ["Language" if i % 3 else "Vision" for i in range(n)],
        "architecture": "dense", "params_total": params, "params_active": np.nan,
        "training_compute_flop": np.nan, "training_tokens": params * 20,
        "mmlu": np.linspace(25, 80, n), "open_weights": pd.array([True] * n, dtype="boolean"),
        "sources": ["epoch | registry" if i % 5 == 0 else "registry" for i in range(n)],
        "notability": ["Highly cited" if i % 2 else None for i in range(n)],
        "training_compute_method": None,
    })


@pytest.fixture(scope="module")
def built_report(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("reports")
    models = _models()
    metrics, frontier = trends.compute_metrics(models, TREND_PARAMS)
    validation = {"input_rows": 41, "valid_rows": 40, "quarantined_rows": 1,
                  "by_source": {"registry": {"input": 41, "valid": 40, "quarantined": 1}},
                  "failed_checks": {"isin": 1}, "flags": {}}
    matches = pd.DataFrame({"rule": ["exact_name", "alias", "new_model", "new_model"],
                            "source": ["epoch", "epoch", "registry", "registry"]})
    conflicts = pd.DataFrame([
        {"model_id": "m1", "name": HOSTILE_NAME, "field": "params_total", "difference": 0.6,
         "chosen_source": "registry", "chosen_value": "7e9", "values": "epoch=1.1e10 | registry=7e9"},
        {"model_id": "m2", "name": "Model 2", "field": "publication_date", "difference": 40.0,
         "chosen_source": "registry", "chosen_value": "2020-01-01", "values": "epoch=2020-02-10 | registry=2020-01-01"},
    ])
    report.build_report(models, json.loads(json.dumps(metrics)), frontier, validation, REPORT_PARAMS, out_dir,
                        matches=matches, conflicts=conflicts)
    return out_dir


def test_every_figure_in_svg_and_png(built_report):
    for name in report.FIGURES:
        assert (built_report / "figures" / f"{name}.svg").stat().st_size > 1000
        assert (built_report / "figures" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_html_escapes_untrusted_names(built_report):
    page = (built_report / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>" not in page and "<img" not in page
    assert page.count("<svg") == len(report.FIGURES)


def test_best_model_within_memory_budget():
    models = _models()
    best = report.best_mmlu_by_memory(models, [24], {"16-bit": 2.0})
    fits = models[models["params_total"] * 2 <= 24e9]
    assert best.iloc[-1]["score"] == fits["mmlu"].max() and set(best["benchmark"]) == {"mmlu"}
    assert best["score"].is_monotonic_increasing


@pytest.mark.browser
def test_report_renders_in_headless_chromium(built_report, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("Chromium not installed (Debian package 'chromium'); CI installs it")
    from playwright.sync_api import sync_playwright

    console_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        page.goto((built_report / "index.html").as_uri())
        sizes = page.eval_on_selector_all(
            "figure svg", "nodes => nodes.map(n => [n.getBoundingClientRect().width, n.getBoundingClientRect().height])")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert len(sizes) == len(report.FIGURES)
    assert all(width > 300 and height > 150 for width, height in sizes)
    assert console_errors == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_report_summarises_matches_and_conflicts(built_report):
    page = (built_report / "index.html").read_text(encoding="utf-8")
    summary = (built_report / "summary.md").read_text(encoding="utf-8")
    assert "<td>new_model</td><td>2</td><td>0</td><td>2</td>" in page
    assert "2 disagreements between sources" in page and "2 disagreements between sources" in summary
    # listed by field (differences of different fields have different units)
    assert page.index("epoch: 1.1e+10") < page.index("epoch: 2020-02-10")


# -- the extrapolation sentence -----------------------------------------------------------------------

FORECAST = {"year": 2037.0, "interval": [2030.2, 2062.1], "already_claimed_by": [], "note": None}


def test_threshold_already_claimed_names_the_model_and_gives_no_year():
    entry = {**FORECAST, "year": 2024.89, "interval": [2021.49, 2029.08], "already_claimed_by": [
        {"model_id": "bagualu", "params_total": 1.739e14, "publication_date": "2022-03-28"}]}
    sentence = report.extrapolation_sentence("dense", entry, 1e14, "2026-11-22", {"bagualu": "BaGuaLu"})
    assert sentence == ("The dense frontier has already passed 1e+14 parameters: "
                        "BaGuaLu (2022-03-28, 1.74e+14 parameters).")


def test_trend_crossing_before_the_as_of_date_is_no_forecast():
    entry = {**FORECAST, "year": 2025.1, "interval": [2020.1, 2032.3]}
    sentence = report.extrapolation_sentence("sparse", entry, 1e14, "2026-11-22", {})
    assert "already" not in sentence and "no sparse model claims" in sentence and "before 2026-11-22" in sentence
    assert not any(year in sentence for year in ("2025", "2020", "2032"))


def test_future_crossing_gives_year_interval_and_models_left_out():
    sentence = report.extrapolation_sentence("dense", {**FORECAST, "excluded_unknown_architecture": 12},
                                             1e14, "2026-11-22", {})
    assert sentence == ("The dense frontier trend reaches 1e+14 parameters around 2037.0 (95% prediction interval "
                        "2030.2 to 2062.1); 12 models of unknown architecture are left out.")
    assert "unknown architecture" not in report.extrapolation_sentence("dense", FORECAST, 1e14, "2026-11-22", {})


def test_interval_reaching_into_the_past_starts_at_the_as_of_date():
    sentence = report.extrapolation_sentence("dense", {**FORECAST, "interval": [2024.0, None]}, 1e14, "2026-11-22", {})
    assert "(95% prediction interval 2026-11-22 to beyond the horizon)" in sentence and "2024" not in sentence


def test_markdown_table_keeps_names_literal():
    table = report.markdown_table(["model", "n"], [["<script>alert(1)</script>", 1], ["a|b\n# c", 2], ["[x](javascript:y)", 3]])
    rows = table.splitlines()[2:]
    assert rows == [r"| \<script\>alert(1)\</script\> | 1 |", r"| a\|b \# c | 2 |", r"| \[x\](javascript:y) | 3 |"]


def test_best_by_memory_ranks_by_the_benchmark_params_name():
    models = _models().assign(mmlu_pro=lambda frame: 100 - frame["mmlu"])  # the opposite order
    best = report.best_mmlu_by_memory(models, [24], {"16-bit": 2.0}, "mmlu_pro")
    assert set(best["benchmark"]) == {"mmlu_pro"} and best.iloc[-1]["score"] == models["mmlu_pro"].max()
