"""The report: figures exist, untrusted text is escaped, and the page renders in a browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import figures, report, trends

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
                 "benchmark": "mmlu", "eras": TREND_PARAMS["eras"], "as_of_date": "2026-11-22",
                 "merge": MERGE_PRECEDENCE, "backtest_headline_method": "dense frontier envelope"}
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
        "training_compute_flop": np.where(np.arange(n) % 2, 120 * params ** 2, np.nan), "training_tokens": params * 20,
        "mmlu": np.linspace(25, 80, n), "open_weights": pd.array([True] * n, dtype="boolean"),
        "sources": ["epoch | registry" if i % 5 == 0 else "registry" for i in range(n)],
        "notability": ["Highly cited" if i % 2 else None for i in range(n)],
        "training_compute_method": ["6ND" if i % 4 == 1 else "stated" if i % 2 else None for i in range(n)],
        "organization": [f"Lab {i % 3}" for i in range(n)],
        "confidence": ["confident" if i % 2 else None for i in range(n)],
        **{f"{field}_source": "registry" for field in ("publication_date", "params_total", "params_active",
                                                       "training_compute_flop", "training_tokens", "mmlu")},
    })


PROVENANCE_URL = "https://example.org/model-17"
CFF = {"title": "modelscale: a test dataset", "authors": [{"name": "The test contributors"}], "license": "CC-BY-4.0"}


def _provenance(models: pd.DataFrame) -> pd.DataFrame:
    rows = [{"model_id": row.model_id, "field": "params_total", "value": str(row.params_total), "source": "registry",
             "source_record": f"raw/registry/test.yaml:{index}",
             "source_url": PROVENANCE_URL if row.model_id == "model-17" else "javascript:alert(1)",
             "evidence": f"{row.name} has {row.params_total:.3g} parameters", "evidence_kind": "quote"}
            for index, row in enumerate(models.itertuples())]
    rows.append({"model_id": "model-17", "field": "params_total", "value": "1e9", "source": "epoch",
                 "source_record": "raw/epoch/x.csv row 3", "source_url": None, "evidence": None, "evidence_kind": None})
    return pd.DataFrame(rows)


TRACK_RECORD = "Track record: the dense frontier envelope missed by 0.9 orders of magnitude on average."
BREAK_SENTENCE = "Parameters, all models: one break, at 2017.8 (2016.8 to 2019.0)."


def _forecasts() -> tuple[dict, dict, pd.DataFrame]:
    """What the forecast stage writes (backtest.json, forecast.json, plots/backtest.csv), in small."""
    rows = pd.DataFrame([
        {"method": method, "kind": "envelope", "quantity": "params", "population": "dense", "cutoff_year": cutoff,
         "horizon_years": horizon, "target_year": cutoff + horizon, "n_fit": 8, "n_target": 1,
         "predicted_log10": 10 + 0.3 * horizon, "low_log10": 9.0, "high_log10": 11.0 + horizon,
         "actual_log10": 10.0 + 0.2 * cutoff - 402.4, "error_oom": 0.1 * horizon, "covered": horizon < 3}
        for method in ("dense frontier envelope", "all-models parameter trend")
        for cutoff in (2012, 2013) for horizon in (1, 2, 3)])
    scored = {"n": 2, "mae_oom": 0.2, "coverage": 0.5, "calibrated": True, "width_scale": 1.5}
    backtest = {"methods": {method: {"by_horizon": {str(h): scored for h in (1, 2, 3)}} for method in rows["method"]},
                "headline": {"sentence": TRACK_RECORD}, "cutoff_rule": "a fit at cutoff T sees models up to T",
                "error_rule": "log10(predicted) - log10(actual)", "calibration_rule": "widened where short of 95%"}
    forecast = {"breaks": {"results": {"params/all": {"sentence": BREAK_SENTENCE}}},
                "parameter_gap": {"populations": {"all": {"sentence": "The 20-70B gap persists in 2020-2022."}}}}
    return backtest, forecast, rows


def _build(out_dir: Path) -> Path:
    models = _models()
    metrics, frontier = trends.compute_metrics(models, TREND_PARAMS)
    validation = {"input_rows": 41, "valid_rows": 40, "quarantined_rows": 1,
                  "by_source": {"registry": {"input": 41, "valid": 40, "quarantined": 1}},
                  "failed_checks": {"isin": 1}, "flags": {}}
    matches = pd.DataFrame({"rule": ["exact_name", "alias", "new_model", "new_model"],
                            "source": ["epoch", "epoch", "registry", "registry"]})
    conflicts = pd.DataFrame([
        {"model_id": "model-39", "name": HOSTILE_NAME, "field": "params_total", "difference": 0.6,
         "chosen_source": "registry", "chosen_value": "7e9", "values": "epoch=1.1e10 | registry=7e9"},
        {"model_id": "model-17", "name": "Model 17", "field": "publication_date", "difference": 40.0,
         "chosen_source": "registry", "chosen_value": "2020-01-01", "values": "epoch=2020-02-10 | registry=2020-01-01"},
    ])
    report.build_report(models, json.loads(json.dumps(metrics)), frontier, validation, REPORT_PARAMS, out_dir,
                        changes={"release": "v2026.11.0", "previous_release": None, "changes": None},
                        matches=matches, conflicts=conflicts, provenance=_provenance(models), cff=CFF,
                        forecasts=_forecasts())
    return out_dir


@pytest.fixture(scope="module")
def built_report(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("reports"))


def test_every_figure_in_svg_png_data_and_dvc_template(built_report):
    for name in report.FIGURE_NAMES:
        assert (built_report / "figures" / f"{name}.svg").read_text(encoding="utf-8").startswith("<svg")
        assert (built_report / "figures" / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        data = json.loads((built_report / "plots" / "data" / f"{name}.json").read_text(encoding="utf-8"))
        template = json.loads((built_report / "plots" / "templates" / f"{name}.json").read_text(encoding="utf-8"))
        assert data and all("kind" in row for row in data)
        # DVC fills the data in; each revision is a panel, so `dvc plots diff` sets releases side by side
        assert template["data"] == {"values": "<DVC_METRIC_DATA>"} and template["facet"]["row"]["field"] == "rev"
    assert "<script>(function ()" in (built_report / "plots" / "templates" / "page.html").read_text(encoding="utf-8")


def test_every_figure_text_is_set_in_the_pinned_typeface(built_report):
    """Text left in vl-convert's default "sans-serif" is measured and drawn with whichever font the machine
    has, so the same spec gave other SVG and PNG bytes on a machine without the fonts the committed ones saw."""
    for name in report.FIGURE_NAMES:
        svg = (built_report / "figures" / f"{name}.svg").read_text(encoding="utf-8")
        assert set(re.findall(r'font-family="([^"]*)"', svg)) == {figures.SPEC_FONT}, name
    registered = Path(figures.registered_font().name)
    assert sorted(face.name for face in registered.iterdir()) == sorted(figures.FONT_FACES)


def test_the_extrapolation_carries_its_track_record_and_the_forecasts_have_a_section(built_report):
    """Issue 18: the headline's extrapolation sentence is followed by the method's historical error and
    coverage; the backtest table, the break and gap sentences are in the page and the summary."""
    summary = (built_report / "summary.md").read_text(encoding="utf-8")
    headline = summary.split("## Headline")[1].split("##")[0].splitlines()
    dense = next(index for index, line in enumerate(headline) if "The dense frontier" in line)
    assert headline[dense + 1] == f"- {TRACK_RECORD}"
    forecasts = summary.split("## Forecasts with a track record")[1].split("\n## ")[0]
    assert "| dense frontier envelope | 3 y | 2 | 0.20 | 50% | ×1.50 |" in forecasts and BREAK_SENTENCE in forecasts
    page = (built_report / "index.html").read_text(encoding="utf-8")
    assert "Forecasts with a track record" in page and TRACK_RECORD in page


def test_same_inputs_give_the_same_bytes(built_report, tmp_path):
    again = _build(tmp_path)
    files = sorted(path.relative_to(built_report) for path in built_report.rglob("*") if path.is_file())
    assert len(files) >= 4 * len(report.FIGURE_NAMES) + 3
    assert [path for path in files if (built_report / path).read_bytes() != (again / path).read_bytes()] == []


def page_markup(page: str) -> str:
    """The page without its scripts, once they are found to be ours only: the Vega runtime and the page's
    script as shipped, and three JSON blocks that hold no '<' or '>'."""
    assert re.findall(r"<script[^>]*>", page, re.IGNORECASE) == [
        "<script>", '<script type="application/json" id="figure-data">', '<script type="application/json" id="model-data">',
        '<script type="application/json" id="strings">', "<script>"]
    assert re.findall(r"<script>(.*?)</script>", page, re.DOTALL) == [
        figures.vega_runtime(), report.PAGE_SCRIPT.read_text(encoding="utf-8")]
    for block in re.findall(r'<script type="application/json" id="[\w-]+">(.*?)</script>', page, re.DOTALL):
        assert "<" not in block and ">" not in block
    return re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL)


def test_html_escapes_untrusted_names(built_report):
    page = (built_report / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE_NAME not in page_markup(page) and "<img" not in page_markup(page)
    strings = json.loads(re.search(r'id="strings">(.*?)</script>', page, re.DOTALL)[1])
    assert HOSTILE_NAME in strings  # the name reaches the figures and the table as data, set as text


def test_page_links_downloads_and_cites_the_release(built_report):
    page = (built_report / "index.html").read_text(encoding="utf-8")
    for file in ("models.csv", "models.parquet", "datapackage.json", "provenance.csv"):
        assert f'href="../processed/{file}"' in page
    assert "Release: <strong>v2026.11.0</strong>" in page
    assert "The test contributors (2026). modelscale: a test dataset. Dataset, release v2026.11.0" in page
    assert "@misc{modelscale-2026-11-0," in page and "author = {{The test contributors}}" in page
    assert "Release v2026.11.0. The test contributors (2026)." in (built_report / "summary.md").read_text(encoding="utf-8")


def test_citation_of_a_working_tree_says_unreleased():
    cite = report.citation(CFF, None, "2026-11-22")
    assert cite["release"] == "unreleased (working tree)" and "@misc{modelscale-unreleased," in cite["bibtex"]


def test_model_table_holds_every_model_with_its_provenance_and_conflicts():
    models = _models()
    conflicts = pd.DataFrame([{"model_id": "model-17", "name": "Model 17", "field": "publication_date",
                               "difference": 40.0, "chosen_source": "registry", "chosen_value": "2020-01-01",
                               "values": "epoch=2020-02-10 | registry=2020-01-01"}])
    strings = report.StringTable()
    table = report.model_table(models, _provenance(models), conflicts, "mmlu", strings)
    text = strings.strings()
    columns = table["models"]["columns"]
    rows = [{column: text[value] if column in table["models"]["text"] and value is not None else value
             for column, value in zip(columns, row)} for row in table["models"]["rows"]]
    assert sorted(row["model_id"] for row in rows) == sorted(models["model_id"])
    position = next(index for index, row in enumerate(rows) if row["model_id"] == "model-17")
    assert rows[position]["conflicts"] == 1 and rows[position]["benchmark"] == models.loc[17, "mmlu"]
    provenance = [[None if value is None else text[value] for value in row] for row in table["provenance"][str(position)]]
    assert [row[2] for row in provenance] == ["epoch", "registry"] and provenance[1][4] == PROVENANCE_URL
    assert table["conflicts"][str(position)] == [["publication_date", "40 days", "registry: 2020-01-01",
                                                  "epoch: 2020-02-10, registry: 2020-01-01"]]


def test_script_json_cannot_close_its_script_element():
    text = report.script_json({"name": "</script><script>alert(1)</script> & more"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & more"}


def test_committed_page_is_at_most_3_mb():
    page = Path(__file__).parents[1] / "reports" / "index.html"
    assert page.stat().st_size <= 3_000_000, f"{page}: {page.stat().st_size} bytes"


def test_best_model_within_memory_budget():
    models = _models()
    best = report.best_mmlu_by_memory(models, [24], {"16-bit": 2.0})
    fits = models[models["params_total"] * 2 <= 24e9]
    assert best.iloc[-1]["score"] == fits["mmlu"].max() and set(best["benchmark"]) == {"mmlu"}
    assert best["score"].is_monotonic_increasing


def _chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("Chromium not installed (Debian package 'chromium'); CI installs it")
    return chromium


@contextmanager
def offline_page():
    """A headless Chromium page that may load file:// only; yields (page, problems): console errors,
    page errors and every request it tried beyond file://."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            problems.append(f"network request: {route.request.url}")
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.route("**/*", only_files)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        try:
            yield page, problems
        finally:
            browser.close()


def open_rendered(page, path: Path, ready: str = "body[data-rendered]") -> float:
    """Load the page and wait until it is drawn; the seconds that took."""
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_selector(ready, timeout=30_000)
    return time.perf_counter() - started


@pytest.mark.browser
def test_report_is_explorable_offline_in_headless_chromium(built_report, tmp_path):
    with offline_page() as (page, problems):
        seconds = open_rendered(page, built_report / "index.html")
        sizes = page.eval_on_selector_all(
            "figure .chart svg", "nodes => nodes.map(n => [n.getBoundingClientRect().width, n.getBoundingClientRect().height])")
        # hover a known point of the first figure: its tooltip names the model and where the value comes from
        page.hover('#params_over_time path[aria-label*="model: Model 17;"]', force=True)
        tooltip = page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000).inner_text()
        # the table, filtered by a name down to one row, which opens its provenance and conflicts
        page.fill("#model-search", "model 17")
        rows = page.locator("#model-table tr.model")
        n_rows, count = rows.count(), page.inner_text("#model-count")
        rows.first.click()
        provenance = page.inner_text("#model-table tr.provenance")
        links = page.eval_on_selector_all("#model-table tr.provenance a", "nodes => nodes.map(n => n.href)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    print(f"\nreport of {len(report.FIGURE_NAMES)} figures and 40 models: loaded and drawn in {seconds:.2f} s")
    assert len(sizes) == len(report.FIGURE_NAMES) and all(width > 300 and height > 150 for width, height in sizes)
    assert "Model 17" in tooltip and "Lab 2" in tooltip and "registry" in tooltip and "confident" in tooltip
    assert (n_rows, count) == (1, "1 of 40 models")
    assert "Model 17 (model-17" in provenance and "raw/registry/test.yaml:17" in provenance and "40 days" in provenance
    assert links == [PROVENANCE_URL]
    assert problems == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


@pytest.mark.browser
def test_a_javascript_url_in_provenance_stays_text(built_report):
    with offline_page() as (page, problems):
        open_rendered(page, built_report / "index.html")
        page.fill("#model-search", "onerror")  # the model of the hostile name, whose source URL is javascript:
        page.locator("#model-table tr.model").first.click()
        links = page.eval_on_selector_all("#model-table a", "nodes => nodes.map(n => n.href)")
        shown = page.inner_text("#model-table")
    assert links == [] and "javascript:alert(1)" in shown and HOSTILE_NAME in shown
    assert problems == []


@pytest.mark.browser
def test_legend_click_chooses_the_domains_shown(built_report):
    with offline_page() as (page, problems):
        open_rendered(page, built_report / "index.html")
        vision, language = (f'#params_over_time path[aria-label*="domain: {domain};"]' for domain in ("Vision", "Language"))
        before = page.get_attribute(vision, "opacity"), page.get_attribute(language, "opacity")
        entry = page.locator("#params_over_time .role-legend-symbol path").nth(1)  # Vision, the second domain
        entry.click(force=True)
        chosen = page.get_attribute(vision, "opacity"), page.get_attribute(language, "opacity")
        entry.click(force=True)  # again: none chosen, every domain shows
        after = page.get_attribute(vision, "opacity"), page.get_attribute(language, "opacity")
    assert before == after == chosen[:1] * 2 and float(chosen[1]) < 0.1 < float(chosen[0])
    assert problems == []


@pytest.mark.browser
def test_committed_report_draws_offline_and_how_fast():
    """The published page (every model) draws from file:// with no network. Load-to-rendered is printed,
    not asserted: it depends on the machine."""
    with offline_page() as (page, problems):
        seconds = open_rendered(page, Path(__file__).parents[1] / "reports" / "index.html")
        drawn_ms = page.evaluate("Number(document.body.dataset.rendered)")
        n_rows = page.locator("#model-table tr.model").count()
    print(f"\nreports/index.html: loaded and drawn in {seconds:.2f} s ({drawn_ms} ms after navigation start), "
          f"{n_rows} models in the table")
    assert problems == [] and n_rows > 1000


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


@pytest.mark.dvc
@pytest.mark.browser
def test_dvc_plots_show_draws_every_figure_from_its_data(tmp_path):
    """`dvc plots show` of the repository: every figure drawn offline from reports/plots/data with its spec."""
    root = Path(__file__).parents[1]
    subprocess.run([sys.executable, "-m", "dvc", "plots", "show", "-o", str(tmp_path)], cwd=root, check=True,
                   capture_output=True, env={**os.environ, "DVC_NO_ANALYTICS": "1"})
    with offline_page() as (page, problems):
        open_rendered(page, tmp_path / "index.html", ready="#best_mmlu_by_memory svg .role-mark")
        marks = {name: page.eval_on_selector_all(f"#{name} svg path[aria-label]", "nodes => nodes.length")
                 for name in report.FIGURE_NAMES}
    points = {name: sum(row["kind"] in ("point", "step", "forecast") for row in json.loads(
        (root / "reports" / "plots" / "data" / f"{name}.json").read_text(encoding="utf-8"))) for name in report.FIGURE_NAMES}
    assert all(marks[name] >= points[name] > 0 for name in report.FIGURE_NAMES), (marks, points)
    assert problems == []
