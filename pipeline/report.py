"""Report stage: the figures (pipeline/figures.py), a self-contained HTML page and a Markdown summary.

    python -m pipeline.report --models FILE --metrics FILE --frontier FILE --validation FILE
                              --matches FILE --conflicts FILE --out-dir DIR
                              [--provenance FILE] [--citation CITATION.cff] [--changes FILE]
                              [--status raw/SOURCE/status.json ...]

The page embeds each figure's Vega-Lite spec and data with the Vega runtime inlined, and a table of
every model with its provenance, so it works from file:// with no network. Every value it shows is
escaped or set as text by its script: model names come from scraped, untrusted pages.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline import figures
from pipeline.dates import decimal_year
from pipeline.diff import render_html as changes_section_html
from pipeline.io import load_params, write_atomic, write_json, write_text
from pipeline.markup import markdown_code, markdown_text
from pipeline.schema import DOMAINS, MATCH_RULES, NUMERIC_FIELDS
from pipeline.verify import evidence_sentence

FIGURE_NAMES = ("params_over_time", "compute_over_time", "mmlu_vs_training", "frontier_extrapolation",
                "best_mmlu_by_memory", "backtest")
BENCHMARK_LABELS = figures.BENCHMARK_LABELS
PAGE_SCRIPT = Path(__file__).with_name("report_page.js")
PAGE_STYLE = Path(__file__).with_name("report_page.css")


def best_mmlu_by_memory(models: pd.DataFrame, budgets_gb: list[float], bytes_per_param: dict[str, float],
                        benchmark: str = "mmlu") -> pd.DataFrame:
    """Running best score on the benchmark of open-weight models whose weights fit each budget (1 GB = 1e9 bytes)."""
    open_models = models[(models["open_weights"] == True) & models[benchmark].notna()  # noqa: E712
                         & models["params_total"].notna() & models["publication_date"].notna()]
    open_models = open_models.sort_values(["publication_date", "model_id"], kind="stable")
    rows = []
    for precision, size in bytes_per_param.items():
        for budget in budgets_gb:
            fits = open_models[open_models["params_total"] * size <= budget * 1e9]
            best = -np.inf
            for row in fits.itertuples():
                score = getattr(row, benchmark)
                if score > best:
                    best = score
                    rows.append({"precision": precision, "budget_gb": budget, "model_id": row.model_id,
                                 "name": row.name, "publication_date": row.publication_date,
                                 "params_total": row.params_total, "benchmark": benchmark, "score": score})
    return pd.DataFrame(rows, columns=["precision", "budget_gb", "model_id", "name", "publication_date",
                                       "params_total", "benchmark", "score"])


def decimal_year_of(date: str) -> float:
    return float(decimal_year(pd.Series([pd.Timestamp(date)])).iloc[0])


def threshold_passed(entry: dict[str, Any], as_of: str) -> bool:
    """A model already claims the threshold, or the trend crossed it before the as-of date."""
    return bool(entry.get("already_claimed_by")) or (entry.get("year") is not None
                                                      and entry["year"] < decimal_year_of(as_of))


def extrapolation_sentence(group: str, entry: dict[str, Any], threshold: float, as_of: str,
                           names: dict[str, str], listed: int = 3) -> str:
    """When the group's frontier reaches the threshold; never a past year as a forecast."""
    target = f"{threshold:.0e} parameters"
    claims = entry.get("already_claimed_by") or []
    if claims:
        shown = ", ".join(f"{names.get(claim['model_id'], claim['model_id'])} ({claim['publication_date']}, "
                          f"{claim['params_total']:.3g} parameters)" for claim in claims[:listed])
        more = f" and {len(claims) - listed} more" if len(claims) > listed else ""
        return f"The {group} frontier has already passed {target}: {shown}{more}."
    if entry.get("year") is None:
        return f"The {group} frontier trend gives no date for {target} ({entry.get('note') or 'no fit'})."
    if threshold_passed(entry, as_of):
        return (f"The {group} frontier trend crossed {target} before {as_of}, yet no {group} model claims that many: "
                "the trend runs ahead of the data and gives no forecast.")
    low, high = entry["interval"]
    # No model claims the threshold yet, so an interval reaching into the past starts at the as-of date.
    start = as_of if low is None or low < decimal_year_of(as_of) else f"{low:.1f}"
    excluded = entry.get("excluded_unknown_architecture", 0)
    left_out = f"; {excluded} models of unknown architecture are left out" if excluded else ""
    return (f"The {group} frontier trend reaches {target} around {entry['year']:.1f} "
            f"(95% prediction interval {start} to {_fmt_year(high)}){left_out}.")


def _fmt_year(value: float | None) -> str:
    return "beyond the horizon" if value is None else f"{value:.1f}"


def _fmt_interval(pair: list[float | None]) -> str:
    return "[" + ", ".join("∞" if value is None else f"{value:.1f}" for value in pair) + "]"


def doubling_rows(metrics: dict[str, Any], eras: list[dict[str, Any]]) -> list[list[str]]:
    """Per quantity, population and era: n, the doubling time and its interval, or in words why
    the fit shows no reliable growth."""
    rows = []
    for quantity in ("params", "compute"):
        for population, fits in metrics[quantity].items():
            for era in (era["name"] for era in eras):
                fit = fits["eras"].get(era)
                if not fit:
                    rows.append([quantity, population, era, "too few", "", "", "", ""])
                    continue
                doubling = f"{fit['doubling_months']:.1f}" if fit["doubling_months"] else "not growing"
                interval = fit["verdict"] or _fmt_interval(fit["doubling_months_ci"])
                # r2 is empty when every point shares one value (no variance to explain).
                rows.append([quantity, population, era, str(fit["n"]), doubling, interval,
                             f"{fit['slope_oom_per_year']:.3f}", "" if fit["r2"] is None else f"{fit['r2']:.2f}"])
    return rows


def population_lines(metrics: dict[str, Any]) -> list[str]:
    """What each population of the doubling table is."""
    return [f"{name}: {fits['population']}" for name, fits in metrics["params"].items()]


def published_rows(metrics: dict[str, Any]) -> list[list[str]]:
    """Each published doubling time beside ours over the same window (notable models)."""
    rows = []
    for comparison in metrics.get("published", []):
        ours = comparison["ours"]
        rows.append([comparison["authors"], comparison["quantity"],
                     f"{comparison['start'][:4]}–{comparison['end'][:4]}",
                     f"{comparison['doubling_months']:g} (n = {comparison['n']})",
                     f"{ours['doubling_months']:.1f} {_fmt_interval(ours['doubling_months_ci'])} (n = {ours['n']})"
                     if ours and ours["doubling_months"] else "no reliable growth" if ours else "too few"])
    return rows


def coverage_rows(models: pd.DataFrame, eras: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for domain in DOMAINS:
        subset = models[models["domain"] == domain]
        counts = [int(((subset["publication_date"] >= pd.Timestamp(era["start"]))
                       & (subset["publication_date"] < pd.Timestamp(era["end"]))).sum()) for era in eras]
        rows.append([domain, str(len(subset)), *map(str, counts)])
    return rows


class Code(str):
    """A file or parameter name of ours: shown as code."""


class Alert(str):
    """Text that must stand out, such as a live source that is degraded or failed."""


def inline_html(part: Any) -> str:
    text = html.escape(str(part))
    if isinstance(part, Code):
        return f"<code>{text}</code>"
    return f'<strong class="alert">{text}</strong>' if isinstance(part, Alert) else text


def html_table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{inline_html(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{inline_html(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def inline_markdown(part: Any) -> str:
    if isinstance(part, Code):
        return markdown_code(part)
    return f"**{markdown_text(part)}**" if isinstance(part, Alert) else markdown_text(part)


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(map(inline_markdown, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(inline_markdown, row)) + " |" for row in rows]
    return "\n".join(lines)


# A section is a list of blocks, rendered alike to HTML and Markdown: ("h3", parts),
# ("p", parts), ("ul", [parts, ...]) or ("table", header, rows); parts are text, Code or Alert.
def blocks_html(blocks: list[tuple]) -> str:
    def line(parts: list[Any]) -> str:
        return "".join(map(inline_html, parts))
    rendered = []
    for kind, *content in blocks:
        if kind == "table":
            rendered.append(html_table(*content))
        elif kind == "ul":
            rendered.append("<ul>" + "".join(f"<li>{line(item)}</li>" for item in content[0]) + "</ul>")
        else:
            rendered.append(f"<{kind}>{line(content[0])}</{kind}>")
    return "\n".join(rendered)


def blocks_markdown(blocks: list[tuple]) -> str:
    def line(parts: list[Any]) -> str:
        return "".join(map(inline_markdown, parts))
    rendered = []
    for kind, *content in blocks:
        if kind == "table":
            rendered.append(markdown_table(*content))
        elif kind == "ul":
            rendered.append("\n".join(f"- {line(item)}" for item in content[0]))
        else:
            rendered.append(("### " if kind == "h3" else "") + line(content[0]))
    return "\n\n".join(rendered)


TROUBLED_STATES = ("degraded", "failed")


def ordered_sources(precedence: list[str], seen: set[str]) -> list[str]:
    """Sources in precedence order, any unranked ones after, by name."""
    return [source for source in precedence if source in seen] + sorted(seen - set(precedence))


def sources_per_model(models: pd.DataFrame) -> pd.Series:
    """Each model's sources as a list (models.sources is ' | '-joined)."""
    return models["sources"].str.split(" | ", regex=False)


def contribution_rows(models: pd.DataFrame, validation: dict[str, Any], sources: list[str]) -> list[list[Any]]:
    """Per source: rows its parser rejected, observations (valid, quarantined), models it observes, and
    models no other source observes."""
    lists = sources_per_model(models)
    n_sources = lists.str.len()
    observed = pd.DataFrame({"source": lists.explode().to_numpy(), "alone": (n_sources == 1).repeat(n_sources).to_numpy()})
    per_source = observed.groupby("source")["alone"].agg(["size", "sum"])
    rows = []
    for source in sources:
        counts = validation["by_source"].get(source, {"input": 0, "valid": 0, "quarantined": 0})
        n_models, alone = per_source.loc[source] if source in per_source.index else (0, 0)
        rows.append([source, counts.get("rejected_by_parser", 0), counts["input"], counts["valid"], counts["quarantined"],
                     int(n_models), int(alone)])
    return rows


def overlap_sentence(models: pd.DataFrame) -> list[Any]:
    lists = sources_per_model(models)
    n_sources = lists.explode().nunique()
    shared = int((lists.str.len() >= 2).sum())
    return [f"{len(models)} models from {n_sources} source{'s' * (n_sources != 1)}; "
            f"{shared} of them are observed by two or more sources."]


def live_source_blocks(statuses: dict[str, dict[str, Any]], sources: list[str]) -> list[tuple]:
    """Sources curated in git; each live source's state, reason and snapshot used, degraded and failed standing out."""
    curated = [source for source in sources if source not in statuses]
    blocks: list[tuple] = [("p", [f"Curated in git: {', '.join(curated)}."])] if curated else []
    rows = []
    for source in (source for source in sources if source in statuses):
        status = statuses[source]
        used = status.get("snapshot_used")
        troubled = status["state"] in TROUBLED_STATES
        if troubled:
            fallback = f"this build uses its snapshot {used}" if used else "it contributes no observations"
            blocks.append(("p", [Alert(f"⚠ {source} {status['state']}:"), f" {status['reason']}; {fallback}."]))
        mark = Alert if troubled else str
        rows.append([source, mark(status["state"]), mark(status["reason"]), used or "none"])
    if rows:
        blocks += [("p", ["Live sources, each collected into dated snapshots (", Code("raw/<source>/status.json"), "):"]),
                   ("table", ["live source", "state", "reason", "snapshot used"], rows)]
    return blocks


def credit_items(validation: dict[str, Any], metadata: dict[str, dict[str, Any]], sources: list[str]) -> list[list[Any]]:
    """Citation and licence of every source whose snapshot names one and that has observations in this build.

    Quarantined rows count: processed/quarantine.csv republishes them too.
    """
    return [[f"{metadata[source]['producer']} ({source}, snapshot {metadata[source]['as_of']}): "
             f"{metadata[source]['citation'].rstrip('.')}. Licence: {metadata[source]['licence']}."]
            for source in sources
            if metadata.get(source, {}).get("citation") and validation["by_source"].get(source, {}).get("input", 0)]


def precedence_sentences(merge_params: dict[str, Any]) -> list[list[Any]]:
    """merge.precedence and merge.field_precedence in words."""
    def order(sources: list[str]) -> str:
        return ", then ".join(sources)
    sentences = [["For each field a model shows the value of the first source in this order that states it (",
                  Code("merge.precedence"), f"): {order(merge_params['precedence'])}."]]
    for field, sources in sorted((merge_params.get("field_precedence") or {}).items()):
        sentences.append(["Except for ", Code(field), " (", Code("merge.field_precedence"), f"): {order(sources)}."])
    return sentences


def matching_table(matches: pd.DataFrame, sources: list[str]) -> tuple[list[str], list[list[Any]]]:
    """Observations per matching rule and source, rules in the order resolution tries them."""
    counts = pd.crosstab(matches["rule"], matches["source"])
    rules = [rule for rule in MATCH_RULES if rule in counts.index] + sorted(set(counts.index) - set(MATCH_RULES))
    columns = [source for source in sources if source in counts.columns]
    rows = [[rule, *(int(counts.at[rule, source]) for source in columns), int(counts.loc[rule].sum())] for rule in rules]
    return ["rule", *columns, "all sources"], rows


def describe_difference(field: str, difference: float) -> str:
    """A conflict's difference in its field's unit (see conflicts.csv): days, points, a ratio."""
    if field == "publication_date":
        return f"{difference:g} days"
    if field == "mmlu":
        return f"{difference:g} points"
    if field in NUMERIC_FIELDS:
        return f"×{1 + difference:.3g}"  # difference is max/min - 1
    return "differs"


def format_value(field: str, value: Any) -> str:
    return f"{float(value):.4g}" if field in NUMERIC_FIELDS else str(value)


def format_values(field: str, values: str) -> str:
    """'epoch=1.1e10 | registry=7e9' as 'epoch: 1.1e+10, registry: 7e+09'."""
    pairs = (pair.partition("=") for pair in values.split(" | "))
    return ", ".join(f"{source}: {format_value(field, value)}" for source, _, value in pairs)


def conflict_blocks(conflicts: pd.DataFrame, names: dict[str, str], largest_per_field: int) -> list[tuple]:
    """Conflicts per field, and the largest of each field.

    Differences are in each field's own unit (ratio, days, points), so the largest
    are ranked within a field, never across fields.
    """
    intro = [f"{len(conflicts)} disagreements between sources beyond the tolerances (", Code("merge.tolerances"),
             "; ", Code("processed/conflicts.csv"), "); the model shows the value of the source that comes first."]
    if conflicts.empty:
        return [("p", intro)]
    by_field = conflicts["field"].value_counts().sort_index()
    largest = (conflicts.sort_values(["field", "difference", "model_id"], ascending=[True, False, True], kind="stable")
               .groupby("field", sort=True).head(largest_per_field))
    return [
        ("p", intro),
        ("table", ["field", "models in conflict"], [[field, count] for field, count in by_field.items()]),
        ("p", [f"The largest {largest_per_field} of each field:"]),
        ("table", ["model", "field", "difference", "chosen", "all values"],
         # Names from models.parquet: conflicts.csv quotes names that look like formulas.
         [[names.get(row.model_id, row.name), row.field, describe_difference(row.field, row.difference),
           f"{row.chosen_source}: {format_value(row.field, row.chosen_value)}", format_values(row.field, row.values)]
          for row in largest.itertuples()]),
    ]


def sources_and_merging(models: pd.DataFrame, validation: dict[str, Any], statuses: dict[str, dict[str, Any]],
                        metadata: dict[str, dict[str, Any]], matches: pd.DataFrame, conflicts: pd.DataFrame,
                        merge_params: dict[str, Any], largest_per_field: int = 5) -> list[tuple]:
    """The "Sources and merging" section: who contributes what, in which state, and how it was merged."""
    seen = set(validation["by_source"]) | set(statuses) | set(sources_per_model(models).explode())
    sources = ordered_sources(merge_params["precedence"], seen)
    names = dict(zip(models["model_id"], models["name"]))
    credits = credit_items(validation, metadata, sources)
    return [
        ("p", overlap_sentence(models)),
        ("table", ["source", "rows rejected by the parser", "observations", "valid", "quarantined", "models",
                   "only from this source"],
         contribution_rows(models, validation, sources)),
        *live_source_blocks(statuses, sources),
        *([("p", ["Data from other producers (cite them too):"]), ("ul", credits)] if credits else []),
        ("h3", ["Precedence"]),
        *(("p", sentence) for sentence in precedence_sentences(merge_params)),
        ("h3", ["Matching"]),
        ("p", ["How each valid observation was matched to a model (", Code("processed/matches.csv"),
               "), rules in the order they are tried:"]),
        ("table", *matching_table(matches, sources)),
        ("h3", ["Conflicts"]),
        *conflict_blocks(conflicts, names, largest_per_field),
    ]


def track_record_rows(backtest: dict[str, Any]) -> list[list[str]]:
    """Per forecasting method and horizon: forecasts scored, mean error and the 95% interval's coverage."""
    rows = []
    for method, summary in sorted(backtest["methods"].items()):
        for horizon, scored in sorted(summary["by_horizon"].items(), key=lambda item: int(item[0])):
            rows.append([method, f"{horizon} y", str(scored["n"]), f"{scored['mae_oom']:.2f}",
                         f"{scored['coverage']:.0%}", f"×{scored['width_scale']:.2f}" if scored["calibrated"] else "—"])
    return rows


def forecast_section(backtest: dict[str, Any] | None, forecast: dict[str, Any] | None) -> dict[str, Any]:
    """The backtest's table and the sentences on trend breaks and the parameter gap (pipeline/forecast.py)."""
    if backtest is None or forecast is None:
        return {"track_record": None, "sentences": []}
    sentences = [result["sentence"] for _, result in sorted(forecast["breaks"]["results"].items())]
    sentences += [entry["sentence"] for _, entry in sorted(forecast["parameter_gap"]["populations"].items())]
    return {"track_record": (["method", "horizon", "forecasts", "mean error (OOM)", "95% interval held",
                              "widened by"], track_record_rows(backtest)),
            "rules": [backtest["cutoff_rule"], backtest["error_rule"], backtest["calibration_rule"]],
            "sentences": sentences}


def build_sections(models, metrics, validation, best, params, statuses, metadata, matches, conflicts,
                   backtest=None, evidence=None) -> dict[str, Any]:
    """The facts the HTML page and the Markdown summary both show."""
    latest_era = params["eras"][-1]["name"]
    latest = metrics["params"]["all"]["eras"][latest_era]
    methods = metrics.get("compute_methods", {})
    derived = f": {methods.get('stated', 0)} stated, {methods.get('6ND', 0)} derived as 6·N·D" if methods.get("6ND") else ""
    headline = [f"{metrics['n_models']} models ({metrics['n_with_params']} with a parameter count, "
                f"{metrics['n_with_compute']} with training compute{derived})."]
    if latest and latest["doubling_months"]:
        headline.append(f"In the {latest_era} era, parameter counts double every "
                        f"{latest['doubling_months']:.1f} months (95% CI {_fmt_interval(latest['doubling_months_ci'])}, "
                        f"n = {latest['n']}).")
    elif latest:
        headline.append(f"In the {latest_era} era, parameter counts are not growing (n = {latest['n']}).")
    names = dict(zip(models["model_id"], models["name"]))
    extrapolation = metrics["extrapolation"]
    headline += [extrapolation_sentence(group, extrapolation[group], extrapolation["threshold_params"],
                                        params["as_of_date"], names) for group in ("dense", "sparse")]
    if backtest is not None:  # the dense extrapolation's historical error and coverage, beside its interval
        headline.insert(len(headline) - 1, backtest["headline"]["sentence"])
    if evidence is not None:
        headline.append(f"Evidence: {evidence_sentence(evidence)}; see reports/evidence.json.")
    latest_best = (best.sort_values("publication_date", kind="stable").groupby(["precision", "budget_gb"]).tail(1)
                   .sort_values(["precision", "budget_gb"], ascending=[True, True], kind="stable"))
    best_rows = [[row.precision, f"{row.budget_gb:g} GB", row.name, f"{row.score:.1f}",
                  row.publication_date.strftime("%Y-%m-%d")] for row in latest_best.itertuples()]
    return {
        "headline": headline,
        "doubling": (["quantity", "population", "era", "n", "doubling (months)", "95% CI", "OOM / year", "R²"],
                     doubling_rows(metrics, params["eras"])),
        "populations": population_lines(metrics),
        "published": (["published", "quantity", "window", "their doubling (months)", "ours, notable models"],
                      published_rows(metrics)),
        "published_sentences": [comparison["sentence"] for comparison in metrics.get("published", [])],
        "coverage": (["domain", "models (all)", *[f"dated in {era['name']}" for era in params["eras"]]],
                     coverage_rows(models, params["eras"])),
        "best": (["weights at", "memory", "best open model", BENCHMARK_LABELS[params["benchmark"]], "released"], best_rows),
        "sources_and_merging": sources_and_merging(models, validation, statuses, metadata, matches, conflicts,
                                                   params["merge"]),
        "validation": validation,
    }


def build_figures(models: pd.DataFrame, metrics: dict[str, Any], frontier: pd.DataFrame, best: pd.DataFrame,
                  params: dict[str, Any], backtest_rows: pd.DataFrame | None = None) -> list[figures.Figure]:
    """Every figure of the report, in the order the page shows them (names: FIGURE_NAMES)."""
    as_of = params["as_of_date"]
    return [
        figures.over_time(models, "params_total", metrics["params"]["all"], "params_over_time",
                          "Parameter count of ML systems through time", "Parameters"),
        figures.over_time(models, "training_compute_flop", metrics["compute"]["all"], "compute_over_time",
                          "Training compute of ML systems through time", "Training compute (FLOP)"),
        figures.benchmark_vs_training(models, params["benchmark"]),
        figures.frontier_extrapolation(frontier, models, metrics, as_of, threshold_passed),
        figures.best_by_memory(best, models, as_of, params["benchmark"]),
        *([figures.backtest(backtest_rows, params["backtest_headline_method"])] if backtest_rows is not None else []),
    ]


def write_figures(built: list[figures.Figure], out_dir: Path) -> None:
    """Per figure: SVG and PNG (figures/), its data (plots/data/, what DVC plots read) and its spec as a
    DVC plots template (plots/templates/), all from the one spec; and the page DVC plots draw into."""
    for figure in built:
        spec, records = figure.spec(), figure.records()
        svg = figures.render_svg(spec, records)
        write_text(out_dir / "figures" / f"{figure.name}.svg", svg)
        png = figures.render_png(svg)
        write_atomic(out_dir / "figures" / f"{figure.name}.png", lambda tmp, png=png: tmp.write_bytes(png))
        write_json(out_dir / "plots" / "data" / f"{figure.name}.json", records)
        write_json(out_dir / "plots" / "templates" / f"{figure.name}.json", figures.dvc_template(spec))
    write_text(out_dir / "plots" / "templates" / "page.html", dvc_plots_page())


def dvc_plots_page() -> str:
    """The HTML template of `dvc plots show` (.dvc/config plots.html_template): the Vega runtime inlined
    in place of DVC's scripts from a CDN, so that the page draws offline with the Vega-Lite of our specs."""
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>modelscale: DVC plots</title>\n"
            f"<script>{figures.vega_runtime()}</script>\n</head><body>\n{{plot_divs}}\n</body></html>\n")


def script_json(data: Any) -> str:
    """JSON to sit inside a <script> element: no '<', '>' or '&' that could close or open markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class StringTable:
    """Each distinct string of the page once: tables hold its index (model names, sources, URLs
    and evidence recur across the figures, the table and the provenance)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, value: str | None) -> int | None:
        return None if value is None else self.index.setdefault(value, len(self.index))

    def strings(self) -> list[str]:
        return list(self.index)


def columnar(records: list[dict[str, Any]], strings: StringTable) -> dict[str, Any]:
    """Records as columns and rows; a column of text holds indices into the page's string table.
    The page's script rebuilds the records."""
    columns = sorted({key for record in records for key in record})
    text = [column for column in columns
            if all(record.get(column) is None or isinstance(record.get(column), str) for record in records)]
    rows = [[strings(record.get(column)) if column in text else record.get(column) for column in columns]
            for record in records]
    return {"columns": columns, "text": text, "rows": rows}


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value.item() if isinstance(value, np.generic) else value


MODEL_COLUMNS = {"model_id": "model_id", "name": "name", "organization": "organization",
                 "publication_date": "publication_date", "domain": "domain", "params_total": "params_total",
                 "training_compute_flop": "training_compute_flop", "training_compute_method": "training_compute_method",
                 "training_tokens": "training_tokens", "sources": "sources", "confidence": "confidence"}
PROVENANCE_COLUMNS = ["field", "value", "source", "source_record", "source_url", "evidence", "evidence_kind"]


def model_table(models: pd.DataFrame, provenance: pd.DataFrame, conflicts: pd.DataFrame, benchmark: str,
                strings: StringTable) -> dict[str, Any]:
    """The page's table of every model, with each model's provenance (every source's value of every
    field, its evidence and URL) and its conflicts, keyed by the model's row."""
    table = models.sort_values("model_id", kind="stable").reset_index(drop=True)
    position = {model_id: index for index, model_id in enumerate(table["model_id"])}
    n_conflicts = conflicts["model_id"].value_counts()
    records = [{**{key: _json_value(row[column]) for key, column in MODEL_COLUMNS.items()},
                "benchmark": _json_value(row[benchmark]), "conflicts": int(n_conflicts.get(row["model_id"], 0))}
               for _, row in table.iterrows()]
    known = provenance[provenance["model_id"].isin(position)].sort_values(["model_id", "field", "source"], kind="stable")
    # one pass over the sorted rows: selecting columns group by group costs seconds per thousand models
    sources: dict[str, list[list[int | None]]] = {}
    for model_id, *values in known[["model_id", *PROVENANCE_COLUMNS]].itertuples(index=False, name=None):
        sources.setdefault(str(position[model_id]), []).append([strings(_json_value(value)) for value in values])
    disagreements = {
        str(position[model_id]): [[row.field, describe_difference(row.field, row.difference),
                                   f"{row.chosen_source}: {format_value(row.field, row.chosen_value)}",
                                   format_values(row.field, row.values)]
                                  for row in group.sort_values("field", kind="stable").itertuples()]
        for model_id, group in conflicts[conflicts["model_id"].isin(position)].groupby("model_id", sort=True)}
    return {"models": columnar(records, strings), "benchmark": BENCHMARK_LABELS[benchmark],
            "provenance_columns": ["field", "value", "source", "record", "url", "evidence", "evidence kind"],
            "provenance": sources,
            "conflict_columns": ["field", "difference", "chosen", "all values"], "conflicts": disagreements}


def citation(cff: dict[str, Any], release: str | None, as_of: str) -> dict[str, str]:
    """The dataset's citation in plain text and BibTeX, from CITATION.cff's title, authors and licence;
    the release is reports/changes.json's (written before the release rebuilds the report)."""
    authors = " and ".join(author.get("name") or f"{author.get('given-names', '')} {author.get('family-names', '')}".strip()
                           for author in cff["authors"])
    version = release or "unreleased (working tree)"
    year = as_of[:4]
    key = "modelscale-" + (release or "unreleased").lstrip("v").replace(".", "-")
    plain = f"{authors} ({year}). {cff['title']}. Dataset, release {version}, data as of {as_of}. Licence {cff['license']}."
    bibtex = "\n".join([
        f"@misc{{{key},", f"  title = {{{cff['title']}}},", f"  author = {{{{{authors}}}}},", f"  year = {{{year}}},",
        f"  version = {{{version}}},", f"  note = {{Dataset, data as of {as_of}, licence {cff['license']}}}", "}"])
    return {"release": version, "plain": plain, "bibtex": bibtex}


DOWNLOADS = [("models.csv", "the canonical table (CSV)"), ("models.parquet", "the canonical table (Parquet)"),
             ("provenance.csv", "every source's value of every field, with its evidence"),
             ("conflicts.csv", "where sources disagree"),
             ("datapackage.json", "the Data Package of a release: every table's schema, size and sha256")]


def download_and_cite_html(cite: dict[str, str]) -> str:
    links = "".join(f'<li><a href="../processed/{html.escape(file)}">{html.escape(file)}</a>: {html.escape(what)}</li>'
                    for file, what in DOWNLOADS)
    return (f'<h2 id="download">Download and cite</h2><p>Release: <strong>{html.escape(cite["release"])}</strong>. '
            f"Files (in <code>processed/</code>; <code>datapackage.json</code> is written by each release):</p>"
            f'<ul>{links}</ul><p>Cite as:</p><p class="citation">{html.escape(cite["plain"])}</p>'
            f'<pre class="bibtex">{html.escape(cite["bibtex"])}</pre>')


def figures_html(built: list[figures.Figure]) -> str:
    return "".join(
        f'<figure id="{figure.name}"><div class="chart" data-figure="{figure.name}" role="img" '
        f'aria-label="{html.escape(figure.title)}"></div><figcaption>{html.escape(figure.title)} '
        f'(<a href="figures/{figure.name}.svg">SVG</a>, <a href="figures/{figure.name}.png">PNG</a>, '
        f'<a href="plots/data/{figure.name}.json">data</a>)</figcaption></figure>'
        for figure in built)


MODEL_TABLE_HEADER = [("name", "name"), ("organization", "organisation"), ("publication_date", "date"),
                      ("params_total", "parameters"), ("training_compute_flop", "compute (FLOP)"),
                      ("training_tokens", "tokens"), ("benchmark", "benchmark"), ("sources", "sources"),
                      ("conflicts", "conflicts")]


def model_table_html(n_models: int, benchmark: str) -> str:
    header = "".join(f'<th><button type="button" data-sort="{key}">{html.escape(benchmark if key == "benchmark" else title)}'
                     "</button></th>" for key, title in MODEL_TABLE_HEADER)
    return (f'<h2 id="models">Every model</h2><p>{n_models} models. Search by name, organisation or id; click a '
            "column to sort; click a model to see every source's value, its evidence and URL, and where sources "
            'disagree.</p><p><input type="search" id="model-search" placeholder="Search models" '
            'aria-label="Search models" size="40"> <span id="model-count"></span></p>'
            f'<table id="model-table"><thead><tr>{header}</tr></thead><tbody></tbody></table>')


def render_html(sections: dict[str, Any], built: list[figures.Figure], table_inputs: tuple, cite: dict[str, str],
                as_of: str) -> str:
    """table_inputs: model_table's models, provenance, conflicts and benchmark."""
    validation = sections["validation"]
    checks = [[check, count] for check, count in validation["failed_checks"].items()]
    flags = [[flag, count] for flag, count in validation["flags"].items()]
    strings = StringTable()
    figure_data = {figure.name: {"spec": figure.spec(), "data": columnar(figure.records(), strings)} for figure in built}
    table = model_table(*table_inputs, strings)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>modelscale report</title>
<style>{PAGE_STYLE.read_text(encoding="utf-8")}</style>
<script>{figures.vega_runtime()}</script>
</head><body>
<h1>modelscale: ML models and their scale</h1>
<p>Data as of {html.escape(as_of)}. <a href="#figures">Figures</a> · <a href="#models">Every model</a> ·
<a href="#download">Download and cite</a></p>
<h2>Headline</h2><ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["headline"])}</ul>
{sections.get("changes", "")}
<h2 id="figures">Figures</h2>
<p>Hover a point for the model, its organisation, date, value, source and confidence.</p>{figures_html(built)}
{model_table_html(len(table["models"]["rows"]), table["benchmark"])}
{download_and_cite_html(cite)}
<h2>Doubling times</h2>{html_table(*sections["doubling"])}
<ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["populations"])}</ul>
<h2>Beside the published figures</h2>{html_table(*sections["published"])}
<ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["published_sentences"])}</ul>
{forecasts_html(sections["forecasts"])}
<h2>Best open-weight model by memory</h2>{html_table(*sections["best"])}
<h2>Sources and merging</h2>
{blocks_html(sections["sources_and_merging"])}
<h2>Coverage</h2>{html_table(*sections["coverage"])}
<h2>Validation</h2>
<p>{validation["input_rows"]} observations: {validation["valid_rows"]} valid,
{validation["quarantined_rows"]} quarantined (see <code>processed/quarantine.csv</code>).</p>
{html_table(["failed check", "rows"], checks) if checks else "<p>No check failed.</p>"}
{html_table(["flag (kept, with a warning)", "rows"], flags) if flags else ""}
<script type="application/json" id="figure-data">{script_json(figure_data)}</script>
<script type="application/json" id="model-data">{script_json(table)}</script>
<script type="application/json" id="strings">{script_json(strings.strings())}</script>
<script>{PAGE_SCRIPT.read_text(encoding="utf-8")}</script>
</body></html>
"""


def forecasts_markdown(section: dict[str, Any]) -> list[str]:
    if section["track_record"] is None:
        return []
    return ["## Forecasts with a track record\n\n" + markdown_table(*section["track_record"]) + "\n\n"
            + "\n".join(f"- {markdown_text(line)}" for line in section["rules"] + section["sentences"])]


def forecasts_html(section: dict[str, Any]) -> str:
    if section["track_record"] is None:
        return ""
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in section["rules"] + section["sentences"])
    return f"<h2>Forecasts with a track record</h2>{html_table(*section['track_record'])}<ul>{lines}</ul>"


def render_markdown(sections: dict[str, Any], built: list[figures.Figure], cite: dict[str, str], as_of: str) -> str:
    validation = sections["validation"]
    figure_lines = "\n".join(f"![{figure.title}](figures/{figure.name}.svg)" for figure in built)
    return "\n\n".join([
        f"# modelscale report\n\nData as of {as_of}.",
        "## Headline\n\n" + "\n".join(f"- {markdown_text(line)}" for line in sections["headline"]),
        "## Doubling times\n\n" + markdown_table(*sections["doubling"]) + "\n\n"
        + "\n".join(f"- {markdown_text(line)}" for line in sections["populations"]),
        "## Beside the published figures\n\n" + markdown_table(*sections["published"]) + "\n\n"
        + "\n".join(f"- {markdown_text(line)}" for line in sections["published_sentences"]),
        *forecasts_markdown(sections["forecasts"]),
        "## Best open-weight model by memory\n\n" + markdown_table(*sections["best"]),
        "## Figures\n\n" + figure_lines,
        "## Sources and merging\n\n" + blocks_markdown(sections["sources_and_merging"]),
        "## Coverage\n\n" + markdown_table(*sections["coverage"]),
        f"## Validation\n\n{validation['input_rows']} observations: {validation['valid_rows']} valid, "
        f"{validation['quarantined_rows']} quarantined (`processed/quarantine.csv`).",
        f"## Cite\n\nRelease {markdown_text(cite['release'])}. {markdown_text(cite['plain'])} "
        "(BibTeX: in `index.html`, under Download and cite.)",
    ]) + "\n"


EMPTY_CONFLICTS = ["model_id", "name", "field", "difference", "chosen_source", "chosen_value", "values"]
EMPTY_PROVENANCE = ["model_id", "field", "value", "source", "source_record", "source_url", "evidence", "evidence_kind"]
DEFAULT_CITATION = {"title": "modelscale", "authors": [{"name": "The modelscale contributors"}], "license": "CC-BY-4.0"}


def build_report(models, metrics, frontier, validation, params, out_dir: Path, changes=None,
                 statuses=None, matches=None, conflicts=None, metadata=None, provenance=None, cff=None,
                 forecasts=None, evidence=None) -> None:
    """params: the report section with the trends eras, validate.as_of_date and merge's precedence ("merge").

    statuses and metadata: per live source, its status.json and its snapshot's metadata.json;
    cff: CITATION.cff's title, authors and license; forecasts: (backtest.json, forecast.json, the rows of
    plots/backtest.csv) of the forecast stage; evidence: reports/evidence.json of pipeline.verify.
    """
    backtest, forecast, backtest_rows = forecasts if forecasts is not None else (None, None, None)
    as_of = params["as_of_date"]
    conflicts = conflicts if conflicts is not None else pd.DataFrame(columns=EMPTY_CONFLICTS)
    provenance = provenance if provenance is not None else pd.DataFrame(columns=EMPTY_PROVENANCE)
    best = best_mmlu_by_memory(models, params["memory_budgets_gb"], params["bytes_per_param"], params["benchmark"])
    built = build_figures(models, metrics, frontier, best, params, backtest_rows)
    write_figures(built, out_dir)
    sections = build_sections(
        models, metrics, validation, best, params, statuses or {}, metadata or {},
        matches if matches is not None else pd.DataFrame(columns=["source", "rule"]), conflicts, backtest, evidence)
    sections["forecasts"] = forecast_section(backtest, forecast)
    # changes: reports/changes.json, written by `make release` (pipeline/release.py)
    sections["changes"] = changes_section_html(changes) if changes is not None else ""
    cite = citation(cff or DEFAULT_CITATION, (changes or {}).get("release"), as_of)
    write_text(out_dir / "index.html",
               render_html(sections, built, (models, provenance, conflicts, params["benchmark"]), cite, as_of))
    write_text(out_dir / "summary.md", render_markdown(sections, built, cite, as_of))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def snapshot_metadata(statuses: dict[Path, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per source, the metadata.json of the snapshot its status.json says was used (beside status.json)."""
    metadata = {}
    for path, status in statuses.items():
        if status.get("snapshot_used"):
            # collect only uses snapshots that have metadata.json: a missing one is an error, not "no credit".
            file = path.parent / status["snapshot_used"] / "metadata.json"
            metadata[status["source"]] = json.loads(file.read_text(encoding="utf-8"))
    return metadata


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--models", "--metrics", "--frontier", "--validation", "--matches", "--conflicts", "--out-dir"):
        parser.add_argument(option, type=Path, required=True)
    parser.add_argument("--provenance", type=Path, help="processed/provenance.csv: every source's value of every field")
    parser.add_argument("--citation", type=Path, help="CITATION.cff: the title, authors and licence to cite")
    parser.add_argument("--changes", type=Path, help="changes since the previous release (JSON)")
    parser.add_argument("--backtest", type=Path, help="reports/backtest.json: the extrapolations' track record")
    parser.add_argument("--forecast", type=Path, help="reports/forecast.json: trend breaks and the parameter gap")
    parser.add_argument("--backtest-rows", type=Path, help="reports/plots/backtest.csv: the figure's forecasts")
    parser.add_argument("--evidence", type=Path, help="reports/evidence.json: the evidence check (pipeline.verify)")
    parser.add_argument("--status", type=Path, nargs="*", default=[],
                        help="status.json of each live source (what was collected, as of when)")
    args = parser.parse_args(argv)
    # The report shows the eras, the snapshot date and the precedence that trends, validate and merge used.
    merge_params = load_params("merge")
    params = {**load_params("report"), "eras": load_params("trends")["eras"],
              "as_of_date": load_params("validate")["as_of_date"],
              "backtest_headline_method": load_params("forecast")["backtest"]["headline_method"],
              "merge": {"precedence": merge_params["precedence"],
                        "field_precedence": merge_params.get("field_precedence") or {}}}
    statuses = {path: json.loads(path.read_text(encoding="utf-8")) for path in args.status if path.exists()}
    build_report(
        pd.read_parquet(args.models),
        json.loads(args.metrics.read_text(encoding="utf-8")),
        pd.read_csv(args.frontier, parse_dates=["publication_date"]),
        json.loads(args.validation.read_text(encoding="utf-8")),
        params,
        args.out_dir,
        json.loads(args.changes.read_text(encoding="utf-8")) if args.changes else None,
        {status["source"]: status for status in statuses.values()},
        pd.read_csv(args.matches),
        pd.read_csv(args.conflicts),
        snapshot_metadata(statuses),
        pd.read_csv(args.provenance, dtype=str, keep_default_na=False).replace("", None) if args.provenance else None,
        yaml.safe_load(args.citation.read_text(encoding="utf-8")) if args.citation else None,
        (read_json(args.backtest), read_json(args.forecast), pd.read_csv(args.backtest_rows))
        if args.backtest and args.forecast and args.backtest_rows else None,
        read_json(args.evidence) if args.evidence else None,
    )
    print(f"report: {args.out_dir / 'index.html'}")


if __name__ == "__main__":
    main()
