"""The report's figures: one Vega-Lite spec per figure (built with Altair) and the data it draws.

A figure is a data table (one row per mark, a `kind` column telling the layers apart) and a
spec that reads it under the name `figure`. The same spec is embedded in the HTML page, rendered
to SVG and PNG by vl-convert, and written as a DVC plots template (reports/plots/templates/) whose
data DVC fills in from reports/plots/data/<name>.json: one source for every way a figure is drawn.
Adding a figure is one function returning a Figure, listed in report.build_figures (and in dvc.yaml's
plots, for `dvc plots show`).
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import altair as alt
import font_source_sans_pro
import numpy as np
import pandas as pd
import vl_convert

from pipeline.dates import decimal_year
from pipeline.io import round_derived
from pipeline.schema import DOMAINS

DATA_NAME = "figure"
VEGA_LITE_VERSION = "6.4"  # the Vega-Lite of altair's schema, bundled by vl-convert
DVC_DATA_ANCHOR = "<DVC_METRIC_DATA>"
CLIP_ID = re.compile(r"\bclip(\d+)\b")
BENCHMARK_LABELS = {"mmlu": "MMLU", "mmlu_pro": "MMLU-Pro", "mmlu_redux": "MMLU-Redux"}  # report.benchmark
WIDTH, HEIGHT = 760, 420
PNG_SCALE = 2
TOOLTIP_FIELDS = [("name:N", "model"), ("organization:N", "organisation"), ("publication_date:N", "date")]
PROVENANCE_FIELDS = [("source:N", "source"), ("confidence:N", "confidence")]
# Every figure's text is set in this pinned typeface: with vl-convert's default, "sans-serif", text is
# measured and drawn with whatever font the machine has, and the SVG and PNG bytes differ between machines.
FONT_FAMILY = "Source Sans Pro"
FONT_FACES = ("SourceSansPro-Regular.ttf", "SourceSansPro-Bold.ttf")
# A browser without the typeface (the page, `dvc plots show`) falls back to its own sans-serif, not to serif.
SPEC_FONT = f"{FONT_FAMILY}, sans-serif"


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    data: pd.DataFrame   # every row a mark of one layer (column `kind`)
    chart: alt.TopLevelMixin  # reads its data as alt.NamedData(DATA_NAME)

    def spec(self) -> dict[str, Any]:
        spec = self.chart.to_dict()
        return {**spec, "config": {**spec.get("config", {}), "font": SPEC_FONT}}

    def records(self) -> list[dict[str, Any]]:
        """The data as JSON-ready records: NaN as null, numbers as floats of DERIVED_DIGITS significant
        digits (fit lines differ in their last bits between machines), the row order kept."""
        frame = self.data.astype(object).where(self.data.notna(), None)
        return round_derived(frame.to_dict(orient="records"))


def figure_data() -> alt.NamedData:
    return alt.NamedData(name=DATA_NAME)


def with_data(spec: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """A spec that carries its data, for vl-convert (and for anyone reading the spec alone)."""
    return {**spec, "datasets": {DATA_NAME: records}}


def dvc_template(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as a DVC plots template: DVC puts every revision's rows in place of the anchor, each
    with its `rev`, so one panel per revision lets `dvc plots diff` set two releases side by side."""
    inner = {key: value for key, value in spec.items() if key not in ("$schema", "data", "datasets", "config", "title")}
    return {"$schema": spec["$schema"], "data": {"values": DVC_DATA_ANCHOR}, "title": spec.get("title"),
            "config": spec.get("config", {}),
            "facet": {"row": {"field": "rev", "type": "nominal", "title": "revision"}}, "spec": inner}


@functools.cache
def registered_font() -> tempfile.TemporaryDirectory:
    """FONT_FAMILY's faces registered with vl-convert, once per process.

    Only the TrueType faces, copied to a folder of their own: the package ships every face as .otf too,
    and which of two faces of one name a font database takes depends on the order a file system lists
    them. The folder is kept (cached) for the life of the process, as the fonts are read when drawn."""
    folder = tempfile.TemporaryDirectory(prefix="modelscale-fonts-")
    for face in FONT_FACES:
        shutil.copyfile(Path(font_source_sans_pro.font_directory) / face, Path(folder.name) / face)
    vl_convert.register_font_directory(folder.name)
    return folder


def render_svg(spec: dict[str, Any], records: list[dict[str, Any]]) -> str:
    registered_font()
    svg = vl_convert.vegalite_to_svg(with_data(spec, records), vl_version=VEGA_LITE_VERSION)
    # Vega numbers clip paths with a counter that runs on across renderings: number them per file.
    numbers: dict[str, str] = {}
    return CLIP_ID.sub(lambda match: "clip" + numbers.setdefault(match[1], str(len(numbers) + 1)), svg)


def render_png(svg: str) -> bytes:
    """The figure's SVG rasterised: the same pixels as rendering the spec again, in a fifth of the time."""
    registered_font()
    return vl_convert.svg_to_png(svg, scale=PNG_SCALE)


@functools.cache
def vega_runtime() -> str:
    """Vega, Vega-Lite and vega-embed as one classic script defining window.vegaEmbed (no network).

    Wrapped in a function so that its top-level names stay out of the page's global scope."""
    return "(function () {\n" + vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION) + "\n})();"


# -- helpers shared by the figures ---------------------------------------------------------------


def _base(title: str, subtitle: str) -> alt.Chart:
    return alt.Chart(figure_data(), title=alt.Title(title, subtitle=subtitle, anchor="start"))


def _of_kind(chart: alt.Chart, *kinds: str) -> alt.Chart:
    return chart.transform_filter(alt.FieldOneOfPredicate(field="kind", oneOf=list(kinds)))


def _tooltip(value_field: str, value_title: str, value_format: str = ".3~g") -> list[alt.Tooltip]:
    return ([alt.Tooltip(field, title=title) for field, title in TOOLTIP_FIELDS]
            + [alt.Tooltip(f"{value_field}:Q", title=value_title, format=value_format)]
            + [alt.Tooltip(field, title=title) for field, title in PROVENANCE_FIELDS])


def _year_axis(title: str = "Publication date") -> alt.X:
    return alt.X("year:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False, nice=False))


def _log_axis(field: str, title: str) -> alt.Y:
    return alt.Y(f"{field}:Q", title=f"{title} (log scale)", scale=alt.Scale(type="log"),
                 axis=alt.Axis(format="~e"))


def _zoom() -> alt.Parameter:
    """Drag to pan and scroll to zoom the time axis; double-click resets."""
    return alt.selection_interval(bind="scales", encodings=["x"], name="zoom")


def _legend_selection(field: str, name: str) -> alt.Parameter:
    """Clicking a legend entry adds its points to those shown, or takes them away; with none chosen,
    every point shows. The legend dims the entries not shown."""
    return alt.selection_point(fields=[field], bind="legend", toggle="true", name=name)


def _visible(param: alt.Parameter, opacity: float = 0.75) -> alt.OpacityValue:
    return alt.condition(param, alt.value(opacity), alt.value(0.04))


def _points_frame(models: pd.DataFrame, field: str) -> pd.DataFrame:
    """One row per model with a value of `field` and a date: what its tooltip and legend show."""
    shown = models[models[field].notna() & models["publication_date"].notna()]
    return pd.DataFrame({
        "kind": "point",
        "model_id": shown["model_id"],
        "name": shown["name"],
        "domain": shown["domain"],
        "publication_date": shown["publication_date"].dt.strftime("%Y-%m-%d"),
        "year": decimal_year(shown["publication_date"], shown["date_precision"]).round(4),
        "value": shown[field],
        **_provenance_columns(shown["model_id"], models, field),
    }).sort_values(["year", "model_id"], kind="stable")


def _provenance_columns(model_ids: pd.Series, models: pd.DataFrame, field: str) -> dict[str, pd.Series]:
    """Organisation, the source of `field` and the confidence of each model, for a tooltip."""
    by_id = models.set_index("model_id")
    return {"organization": model_ids.map(by_id["organization"]), "source": model_ids.map(by_id[f"{field}_source"]),
            "confidence": model_ids.map(by_id["confidence"]).fillna("unstated")}


def _growth(fit: dict[str, Any]) -> str:
    return f"×2 every {fit['doubling_months']:.1f} months" if fit["doubling_months"] else "not growing"


def _fit_rows(fits: dict[str, Any]) -> pd.DataFrame:
    """Each era's least-squares line as its two ends; the label sits at the end."""
    rows = []
    for era, fit in sorted(fits["eras"].items(), key=lambda item: item[1]["start_year"] if item[1] else 0):
        if not fit:
            continue
        for end, year in (("start", fit["start_year"]), ("end", fit["end_year"])):
            rows.append({"kind": "fit", "era": era, "year": year, "end": end,
                         "value": 10 ** (fit["intercept_log10"] + fit["slope_oom_per_year"] * year),
                         "label": f"{era}: {_growth(fit)} (n = {fit['n']})" if end == "end" else None})
    return pd.DataFrame(rows, columns=["kind", "era", "year", "end", "value", "label"])


def _fit_layers(base: alt.Chart) -> list[alt.Chart]:
    fits = _of_kind(base, "fit")
    line = fits.mark_line(color="black", strokeWidth=1.5).encode(
        x="year:Q", y="value:Q", detail="era:N", tooltip=[alt.Tooltip("era:N"), alt.Tooltip("label:N", title="fit")])
    label = fits.transform_filter("datum.end === 'end'").mark_text(
        align="right", baseline="bottom", dy=-4, fontSize=10, fontWeight="bold").encode(
        x="year:Q", y="value:Q", text="label:N")
    return [line, label]


# -- the figures ---------------------------------------------------------------------------------


def over_time(models: pd.DataFrame, field: str, fits: dict[str, Any], name: str, title: str,
              axis_title: str) -> Figure:
    """A quantity through time by domain, log scale, with the all-models fit of each era labelled on
    the chart; for training compute, a value derived as 6·N·D is drawn apart from a stated one."""
    points = _points_frame(models, field)
    compute = field == "training_compute_flop"
    if compute:
        methods = models.set_index("model_id")["training_compute_method"]
        points["method"] = points["model_id"].map(methods).map({"6ND": "derived as 6·N·D"}).fillna("stated")
    data = pd.concat([points, _fit_rows(fits)], ignore_index=True)
    shown = _legend_selection("domain", "shown_domains")
    derived = int((points.get("method", pd.Series(dtype=object)) == "derived as 6·N·D").sum())
    subtitle = [f"{len(points)} models with a value and a date"
                + (f" ({len(points) - derived} stated, {derived} derived as 6·N·D)" if compute else "")
                + "; lines: least-squares fit of every model per era.",
                "Click domains in the legend to show only them (again: take one away); drag or scroll to pan and zoom time."]
    base = _base(title, subtitle)
    encoding = dict(
        x=_year_axis(), y=_log_axis("value", axis_title),
        color=alt.Color("domain:N", scale=alt.Scale(domain=list(DOMAINS), scheme="tableau10"),
                        legend=alt.Legend(title="Domain (click to choose)", orient="right")),
        opacity=_visible(shown),
        tooltip=_tooltip("value", axis_title) + ([alt.Tooltip("method:N", title="compute")] if compute else []),
    )
    if compute:
        encoding["shape"] = alt.Shape("method:N", scale=alt.Scale(domain=["stated", "derived as 6·N·D"],
                                                                  range=["circle", "triangle-up"]),
                                      legend=alt.Legend(title="Training compute"))
    points_layer = _of_kind(base, "point").mark_point(size=22, filled=True).encode(**encoding).add_params(shown, _zoom())
    chart = alt.layer(points_layer, *_fit_layers(base)).properties(width=WIDTH, height=HEIGHT)
    return Figure(name, title, data, chart)


def _size_label(params: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if params >= scale:
            return f"{params / scale:.3g}{suffix}"
    return f"{params:.3g}"


def benchmark_vs_training(models: pd.DataFrame, benchmark: str) -> Figure:
    """Open language models: the benchmark score against active parameters × training tokens, every
    point labelled with its name and size, each family a line named in the legend."""
    label = BENCHMARK_LABELS[benchmark]
    chosen = models[(models["open_weights"] == True)  # noqa: E712 - nullable boolean column
                    & (models["domain"] == "Language") & models[benchmark].notna()
                    & models["training_tokens"].notna() & models["params_total"].notna()]
    active = chosen["params_active"].fillna(chosen["params_total"])
    data = pd.DataFrame({
        "kind": "point", "model_id": chosen["model_id"], "name": chosen["name"],
        "organization": chosen["organization"], "family": chosen["family"].fillna(chosen["name"]),
        "publication_date": chosen["publication_date"].dt.strftime("%Y-%m-%d"),
        "scale": active * chosen["training_tokens"], "params_active": active,
        "training_tokens": chosen["training_tokens"], "value": chosen[benchmark],
        "source": chosen[f"{benchmark}_source"], "confidence": chosen["confidence"].fillna("unstated"),
        "label": [f"{name} ({_size_label(size)})" for name, size in zip(chosen["name"], active)],
    }).sort_values(["family", "scale", "model_id"], kind="stable")
    families = sorted(data["family"].unique())
    shown = _legend_selection("family", "shown_families")
    # Colour and shape together tell up to 20 × 8 families apart: no two share both.
    family_scale = alt.Scale(domain=families, scheme="category20")
    family = dict(color=alt.Color("family:N", scale=family_scale, legend=alt.Legend(
        title="Family (click to choose)", columns=2, symbolLimit=0, labelLimit=110)))
    title = f"{label} against active parameters × training tokens (open language models)"
    base = _base(title,
                 [f"{len(data)} models of {len(families)} families; each family joined by a line, "
                  f"in order of training scale.", "Click families in the legend to show only them (again: take one away); drag or scroll to zoom."])
    x = alt.X("scale:Q", title="Active parameters × training tokens (log scale)", scale=alt.Scale(type="log"),
              axis=alt.Axis(format="~e", values=_powers_of_ten(data["scale"])))
    y = alt.Y("value:Q", title=f"{label} (%)", scale=alt.Scale(zero=False))
    lines = base.mark_line(strokeWidth=1.2).encode(x=x, y=y, detail="family:N", order="scale:Q",
                                                   opacity=_visible(shown, 0.7), **family)
    points = base.mark_point(size=40, filled=True).encode(
        x=x, y=y, opacity=_visible(shown, 0.9),
        shape=alt.Shape("family:N", scale=alt.Scale(domain=families), legend=None), **family,
        tooltip=_tooltip("value", label, ".1f") + [alt.Tooltip("family:N"),
                                                   alt.Tooltip("params_active:Q", title="active parameters", format=".3~s"),
                                                   alt.Tooltip("training_tokens:Q", title="training tokens", format=".3~s")],
    ).add_params(shown, _zoom_xy())
    labels = base.mark_text(align="left", dx=5, dy=-3, fontSize=8).encode(
        x=x, y=y, text="label:N", opacity=_visible(shown, 0.85), color=alt.value("#333"))
    chart = alt.layer(lines, points, labels).properties(width=WIDTH, height=HEIGHT + 120)
    return Figure("mmlu_vs_training", title, data, chart)


def _powers_of_ten(values: pd.Series) -> list[float]:
    """Ticks at each power of ten the values span: a log axis over a few decades is not crowded."""
    if values.empty:
        return []
    low, high = np.floor(np.log10(values.min())), np.ceil(np.log10(values.max()))
    return [float(10 ** exponent) for exponent in np.arange(low, high + 1)]


def _zoom_xy() -> alt.Parameter:
    return alt.selection_interval(bind="scales", name="zoom")


def frontier_extrapolation(frontier: pd.DataFrame, models: pd.DataFrame, metrics: dict[str, Any], as_of: str,
                           passed: Callable[[dict[str, Any], str], bool]) -> Figure:
    """Frontier models, each group's envelope and fitted trend to the threshold, and each group's
    prediction interval as its own bar on the threshold line, so that neither hides the other."""
    extrapolation = metrics["extrapolation"]
    threshold = extrapolation["threshold_params"]
    shown = frontier[frontier["frontier"]].sort_values(["decimal_year", "model_id"], kind="stable")
    groups = {"dense": "dense", "sparse": "sparse", "unknown": "unknown architecture (not fitted)"}
    rows = [pd.DataFrame({"kind": "point", "model_id": shown["model_id"], "name": shown["name"],
                          "domain": shown["domain"], "group": shown["architecture_group"].map(groups),
                          "publication_date": pd.to_datetime(shown["publication_date"]).dt.strftime("%Y-%m-%d"),
                          "year": shown["decimal_year"].round(4), "value": shown["params_total"],
                          **_provenance_columns(shown["model_id"], models, "params_total")})]
    start = float(pd.Timestamp(extrapolation["fit_start"]).year)
    offsets = {"dense": 2.2, "sparse": 0.45}  # each interval bar on its own line near the threshold
    for group in ("dense", "sparse"):
        entry = extrapolation[group]
        if entry.get("envelope"):
            dates = pd.to_datetime(pd.Series([date for date, _ in entry["envelope"]]))
            rows.append(pd.DataFrame({"kind": "envelope", "group": group, "year": decimal_year(dates).round(4),
                                      "value": [value for _, value in entry["envelope"]]}))
        if entry.get("year") is None:
            continue
        years = np.linspace(start, entry["year"] + 1, 40)
        rows.append(pd.DataFrame({"kind": "trend", "group": group, "year": years.round(4),
                                  "value": 10 ** (entry["intercept_log10"] + entry["slope_oom_per_year"] * years)}))
        low, high = entry["interval"]
        if passed(entry, as_of):
            text = f"{group}: already passed"
            rows.append(pd.DataFrame([{"kind": "label", "group": group, "year": entry["year"],
                                       "value": threshold * offsets[group], "label": text}]))
            continue
        text = (f"{group}: around {entry['year']:.1f}, 95% prediction interval "
                f"{'…' if low is None else f'{low:.1f}'} to {'beyond the horizon' if high is None else f'{high:.1f}'}")
        rows.append(pd.DataFrame([{"kind": "interval", "group": group, "year": low if low is not None else start,
                                   "year_end": high if high is not None else entry["year"] + 40,
                                   "value": threshold * offsets[group], "label": text},
                                  {"kind": "label", "group": group, "year": entry["year"],
                                   "value": threshold * offsets[group], "label": text}]))
    rows.append(pd.DataFrame([{"kind": "threshold", "value": threshold, "label": f"{threshold:.0e} parameters"}]))
    data = pd.concat(rows, ignore_index=True)
    colours = alt.Scale(domain=[*groups.values()], range=["#1f77b4", "#d62728", "#999999"])
    title = f"Frontier parameter count and its extrapolation to {threshold:.0e}"
    base = _base(title, [f"{len(shown)} frontier models (among the largest at their release); steps: the largest so "
                         "far, fitted; dashed: the fitted trend; bars: 95% prediction interval of the year the trend "
                         "reaches the threshold.",
                         "Drag or scroll to pan and zoom time."])
    x = alt.X("year:Q", title="Publication date", axis=alt.Axis(format="d"), scale=alt.Scale(zero=False, nice=False))
    y = _log_axis("value", "Parameters")
    points = _of_kind(base, "point").mark_point(size=26, filled=True, opacity=0.7).encode(
        x=x, y=y, color=alt.Color("group:N", scale=colours, legend=alt.Legend(title="Frontier models")),
        shape=alt.Shape("group:N", scale=alt.Scale(domain=[*groups.values()], range=["circle", "triangle-up", "cross"]),
                        legend=None),
        tooltip=_tooltip("value", "parameters") + [alt.Tooltip("group:N", title="architecture"),
                                                    alt.Tooltip("domain:N")]).add_params(_zoom())
    group_colour = alt.Color("group:N", scale=colours, legend=None)
    envelope = _of_kind(base, "envelope").mark_line(interpolate="step-after", strokeWidth=1.2, opacity=0.7).encode(
        x=x, y=y, color=group_colour, detail="group:N")
    trend = _of_kind(base, "trend").mark_line(strokeDash=[6, 3], strokeWidth=1.2).encode(
        x=x, y=y, color=group_colour, detail="group:N")
    threshold_rule = _of_kind(base, "threshold").mark_rule(color="grey").encode(y="value:Q")
    threshold_text = _of_kind(base, "threshold").mark_text(align="left", dx=4, dy=-6, color="grey", x=0).encode(
        y="value:Q", text="label:N")
    interval = _of_kind(base, "interval").mark_rule(strokeWidth=5, opacity=0.5).encode(
        x=x, x2="year_end:Q", y=y, color=group_colour, tooltip=[alt.Tooltip("label:N", title="extrapolation")])
    label = _of_kind(base, "label").mark_text(align="center", dy=-9, fontSize=10, fontWeight="bold").encode(
        x=x, y=y, text="label:N", color=group_colour)
    chart = alt.layer(points, envelope, trend, threshold_rule, threshold_text, interval, label).properties(
        width=WIDTH, height=HEIGHT)
    return Figure("frontier_extrapolation", title, data, chart)


def best_by_memory(best: pd.DataFrame, models: pd.DataFrame, as_of: str, benchmark: str) -> Figure:
    """The running best score of open-weight models within each memory budget, one step line per
    budget and precision, held to the as-of date."""
    label = BENCHMARK_LABELS[benchmark]
    steps = pd.DataFrame({
        "kind": "step", "series": [f"{budget:g} GB at {precision}" for budget, precision in
                                   zip(best["budget_gb"], best["precision"])],
        "budget_gb": best["budget_gb"], "precision": best["precision"], "model_id": best["model_id"],
        "name": best["name"],
        "publication_date": pd.to_datetime(best["publication_date"]).dt.strftime("%Y-%m-%d"),
        "year": decimal_year(pd.to_datetime(best["publication_date"])).round(4), "value": best["score"],
        "params_total": best["params_total"], **_provenance_columns(best["model_id"], models, benchmark),
    })
    held = steps.groupby("series", sort=True).tail(1).assign(
        kind="held", year=round(float(decimal_year(pd.Series([pd.Timestamp(as_of)])).iloc[0]), 4),
        publication_date=as_of)
    data = pd.concat([steps, held], ignore_index=True).sort_values(
        ["precision", "budget_gb", "year", "kind"], kind="stable").reset_index(drop=True)
    budgets = sorted(best["budget_gb"].unique())
    precisions = list(dict.fromkeys(best["precision"]))  # in the order of report.bytes_per_param
    title = "Best benchmark score of open-weight models that fit in a memory budget"
    shown = _legend_selection("series", "shown_budgets")
    base = _base(title, [f"{label}: {len(steps)} successive best models; weights at "
                         + " or ".join(f"{precision} ({style})" for precision, style in zip(precisions, ("solid", "dotted", "dashed")))
                         + "; 1 GB = 1e9 bytes.", "Click budgets in the legend to show only them (again: "
                         "take one away); drag or scroll to pan and zoom time."])
    # One colour per budget, one dash per precision.
    palette = ["#440154", "#31688e", "#35b779", "#e2a800", "#d62728", "#7f7f7f"]
    series = [f"{budget:g} GB at {precision}" for precision in precisions for budget in budgets]
    dashes = [[1, 0], [2, 2], [6, 3]]
    legend_title = "Memory (click to choose)"  # colour and dash share one legend, drawn as strokes
    colour = alt.Color("series:N", legend=alt.Legend(title=legend_title, symbolType="stroke", symbolStrokeWidth=2.5),
                       scale=alt.Scale(domain=series, range=[palette[index % len(palette)] for _ in precisions
                                                             for index in range(len(budgets))]))
    dash = alt.StrokeDash("series:N", legend=alt.Legend(title=legend_title), scale=alt.Scale(
        domain=series, range=[dashes[index % len(dashes)] for index in range(len(precisions)) for _ in budgets]))
    x = _year_axis()
    y = alt.Y("value:Q", title=f"Best {label} (%)", scale=alt.Scale(zero=False))
    line = base.mark_line(interpolate="step-after", strokeWidth=1.8).encode(
        x=x, y=y, color=colour, detail="series:N", opacity=_visible(shown, 0.9),
        strokeDash=dash)
    points = _of_kind(base, "step").mark_point(size=30, filled=True).encode(
        x=x, y=y, color=colour, opacity=_visible(shown, 0.9),
        tooltip=_tooltip("value", label, ".1f") + [alt.Tooltip("series:N", title="memory"),
                                                   alt.Tooltip("params_total:Q", title="parameters", format=".3~s")],
    ).add_params(shown, _zoom())
    chart = alt.layer(line, points).properties(width=WIDTH, height=HEIGHT)
    return Figure("best_mmlu_by_memory", title, data, chart)



def backtest(rows: pd.DataFrame, headline_method: str) -> Figure:
    """Each backtest forecast's prediction against what came (reports/plots/backtest.csv), one shape per
    horizon, its 95% interval as a rule; the diagonal is a perfect forecast."""
    title = "How past extrapolations fared: predicted against actual"
    data = rows.assign(kind="forecast", horizon=rows["horizon_years"].map(lambda h: f"{h:g} year(s) ahead"),
                       inside=rows["covered"].map({True: "inside", False: "outside"}))
    span = [float(min(rows["actual_log10"].min(), rows["predicted_log10"].min())),
            float(max(rows["actual_log10"].max(), rows["predicted_log10"].max()))]
    diagonal = pd.DataFrame({"kind": "diagonal", "actual_log10": span, "predicted_log10": span})
    data = pd.concat([data, diagonal], ignore_index=True)
    scored = len(rows)
    covered = int(rows.loc[rows["method"] == headline_method, "covered"].sum())
    headline_n = int((rows["method"] == headline_method).sum())
    shown = _legend_selection("method", "shown_methods")
    base = _base(title, [f"{scored} forecasts of {rows['method'].nunique()} methods made at cutoffs "
                         f"{rows['cutoff_year'].min()}–{rows['cutoff_year'].max()}, each from the models published by "
                         f"then; the {headline_method}'s 95% interval held {covered} of {headline_n} outcomes.",
                         "Log10 of parameters or FLOP; on the dashed diagonal a forecast was exact. "
                         "Click methods in the legend to show only them."])
    axis = alt.Scale(zero=False)
    x = alt.X("actual_log10:Q", title="actual (log10)", scale=axis)
    colour = alt.Color("method:N", legend=alt.Legend(title="Method (click to choose)", orient="bottom", columns=2))
    perfect = _of_kind(base, "diagonal").mark_line(color="black", strokeDash=[4, 4], opacity=0.5).encode(
        x=x, y=alt.Y("predicted_log10:Q"))
    forecasts = _of_kind(base, "forecast")
    intervals = forecasts.mark_rule(opacity=0.35).encode(
        x=x, y="low_log10:Q", y2="high_log10:Q", color=colour, opacity=_visible(shown, 0.35))
    points = forecasts.mark_point(filled=True, size=40).encode(
        x=x, y=alt.Y("predicted_log10:Q", title="predicted (log10)", scale=axis), color=colour,
        shape=alt.Shape("horizon:N", title="Horizon"), opacity=_visible(shown, 0.85),
        tooltip=[alt.Tooltip("method:N", title="method"), alt.Tooltip("population:N", title="population"),
                 alt.Tooltip("cutoff_year:O", title="cutoff"), alt.Tooltip("target_year:O", title="target year"),
                 alt.Tooltip("predicted_log10:Q", title="predicted (log10)", format=".2f"),
                 alt.Tooltip("actual_log10:Q", title="actual (log10)", format=".2f"),
                 alt.Tooltip("error_oom:Q", title="error (orders of magnitude)", format="+.2f"),
                 alt.Tooltip("inside:N", title="95% interval")],
    ).add_params(shown)
    chart = alt.layer(perfect, intervals, points).properties(width=WIDTH, height=HEIGHT)
    return Figure("backtest", title, data, chart)
