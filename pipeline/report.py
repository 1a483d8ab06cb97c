"""Report stage: figures (SVG and PNG), a self-contained HTML page and a Markdown summary.

    python -m pipeline.report --models FILE --metrics FILE --frontier FILE --validation FILE
                              --matches FILE --conflicts FILE --out-dir DIR
                              [--changes FILE] [--status raw/SOURCE/status.json ...]

Every value shown in the HTML page is escaped: model names come from scraped,
untrusted pages.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.diff import render_html as changes_section_html  # noqa: E402
from pipeline.io import load_params, write_atomic, write_csv, write_text  # noqa: E402
from pipeline.markup import markdown_code, markdown_text  # noqa: E402
from pipeline.schema import DOMAINS, MATCH_RULES, NUMERIC_FIELDS  # noqa: E402
from pipeline.trends import decimal_year  # noqa: E402

FIGURES = {
    "params_over_time": "Parameter count of ML systems through time",
    "compute_over_time": "Training compute of ML systems through time",
    "mmlu_vs_training": "Benchmark score against active parameters × training tokens (open language models)",
    "frontier_extrapolation": "Frontier parameter count and its extrapolation",
    "best_mmlu_by_memory": "Best benchmark score of open-weight models that fit in a memory budget",
}
DOMAIN_COLOURS = dict(zip(DOMAINS, plt.get_cmap("tab10").colors))
BENCHMARK_LABELS = {"mmlu": "MMLU", "mmlu_pro": "MMLU-Pro", "mmlu_redux": "MMLU-Redux"}  # report.benchmark
plt.rcParams.update({"svg.hashsalt": "modelscale", "font.size": 9, "figure.dpi": 100})


def save_figure(figure: plt.Figure, out_dir: Path, name: str) -> None:
    """SVG and PNG, without timestamps, written atomically."""
    figure.tight_layout()
    for suffix, metadata in ((".svg", {"Date": None}), (".png", {"Software": None})):
        write_atomic(out_dir / f"{name}{suffix}",
                     lambda tmp, suffix=suffix, metadata=metadata: figure.savefig(
                         tmp, format=suffix[1:], metadata=metadata))
    plt.close(figure)


def _fit_line(axes: plt.Axes, fit: dict[str, Any] | None, label: str, colour: str = "black") -> None:
    if not fit:
        return
    years = np.array([fit["start_year"], fit["end_year"]])
    growth = f"×2 every {fit['doubling_months']:.1f} months" if fit["doubling_months"] else "not growing"
    axes.plot(years, 10 ** (fit["intercept_log10"] + fit["slope_oom_per_year"] * years),
              color=colour, linewidth=1.5, label=f"{label}: {growth}")


def figure_over_time(models: pd.DataFrame, field: str, fits: dict[str, Any], name: str, axis_label: str,
                     out_dir: Path) -> pd.DataFrame:
    """One quantity through time by domain, log scale, with the all-models era fits; a value
    derived as 6·N·D is drawn hollow. Returns the plotted points (the figure's data file)."""
    shown = models[models[field].notna() & models["publication_date"].notna()].copy()
    shown["year"] = decimal_year(shown["publication_date"], shown["date_precision"])
    derived = shown.get("training_compute_method", pd.Series(index=shown.index, dtype=object)).eq("6ND").to_numpy() \
        if field == "training_compute_flop" else np.zeros(len(shown), dtype=bool)
    figure, axes = plt.subplots(figsize=(9, 5.5))
    for domain in DOMAINS:
        in_domain = (shown["domain"] == domain).to_numpy()
        if in_domain.any():
            colour = DOMAIN_COLOURS[domain]
            for hollow in (False, True):
                subset = shown[in_domain & (derived == hollow)]
                axes.scatter(subset["year"], subset[field], s=14, alpha=0.8, color=colour if not hollow else "none",
                             edgecolors=colour, linewidths=0.8,
                             label=f"{domain} ({int(in_domain.sum())})" if not hollow else None)
    fitted = sorted((fit["start_year"], era, fit) for era, fit in fits["eras"].items() if fit)
    for _, era, fit in fitted:
        _fit_line(axes, fit, era)
    axes.set_yscale("log")
    axes.set_xlabel("Publication date")
    axes.set_ylabel(f"{axis_label} (log scale)")
    hollow_note = f"; hollow: {int(derived.sum())} derived as 6·N·D" if derived.any() else ""
    axes.set_title(f"{FIGURES[name]}\n{len(shown)} models with a value and a date{hollow_note}; "
                   "lines: least-squares fit of every model per era")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="upper left")
    save_figure(figure, out_dir, name)
    columns = ["model_id", "domain", "year", field, *(["training_compute_method"] if field == "training_compute_flop" else [])]
    return shown.loc[:, columns]


def figure_mmlu_vs_training(models: pd.DataFrame, label_top_n: int, benchmark: str, out_dir: Path) -> None:
    """Open language models: the benchmark's score against N_active × D, families joined by lines."""
    chosen = models[
        (models["open_weights"] == True)  # noqa: E712 - nullable boolean column
        & (models["domain"] == "Language")
        & models[benchmark].notna()
        & models["training_tokens"].notna()
        & models["params_total"].notna()
    ].copy()
    chosen["scale"] = chosen["params_active"].fillna(chosen["params_total"]) * chosen["training_tokens"]
    figure, axes = plt.subplots(figsize=(9, 5.5))
    families = chosen["family"].fillna(chosen["name"])
    for family in sorted(families.unique()):
        members = chosen[families == family].sort_values("scale")
        axes.plot(members["scale"], members[benchmark], marker="o", markersize=4, linewidth=1, alpha=0.8)
    for row in chosen.nlargest(label_top_n, benchmark).itertuples():
        # Names are data, not markup: no mathtext ("$…$"), and a bounded length.
        axes.annotate(_label(row.name), (row.scale, getattr(row, benchmark)), fontsize=6, xytext=(3, 3),
                      textcoords="offset points", parse_math=False)
    axes.set_xscale("log")
    axes.set_xlabel("Active parameters × training tokens (log scale)")
    axes.set_ylabel(f"{BENCHMARK_LABELS[benchmark]} (%)")
    axes.set_title(f"{FIGURES['mmlu_vs_training']}: {BENCHMARK_LABELS[benchmark]}, {len(chosen)} models")
    axes.grid(True, alpha=0.3)
    save_figure(figure, out_dir, "mmlu_vs_training")


def _label(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def figure_frontier(frontier: pd.DataFrame, metrics: dict[str, Any], as_of: str, out_dir: Path) -> None:
    figure, axes = plt.subplots(figsize=(9, 5.5))
    shown = frontier[frontier["frontier"]]
    extrapolation = metrics["extrapolation"]
    threshold = extrapolation["threshold_params"]
    unknown = shown[shown["architecture_group"] == "unknown"]
    axes.scatter(unknown["decimal_year"], unknown["params_total"], marker="x", s=14, color="grey", alpha=0.6,
                 label="frontier models of unknown architecture (not fitted)")
    for group, marker, colour in (("dense", "o", "tab:blue"), ("sparse", "^", "tab:red")):
        members = shown[shown["architecture_group"] == group]
        axes.scatter(members["decimal_year"], members["params_total"], marker=marker, s=16, color=colour,
                     alpha=0.7, label=f"{group} frontier models")
        entry = extrapolation[group]
        if entry.get("envelope"):
            dates = pd.to_datetime(pd.Series([date for date, _ in entry["envelope"]]))
            axes.step(decimal_year(dates), [value for _, value in entry["envelope"]], where="post",
                      color=colour, linewidth=1, alpha=0.6, label=f"largest {group} model so far (fitted)")
        if entry.get("year"):
            start = float(pd.Timestamp(extrapolation["fit_start"]).year)
            end = entry["year"] + 1  # the line stops past its crossing; the band shows the interval
            years = np.linspace(start, end, 200)
            axes.plot(years, 10 ** (entry["intercept_log10"] + entry["slope_oom_per_year"] * years),
                      color=colour, linestyle="--", linewidth=1)
            if threshold_passed(entry, as_of):
                label = f"{group}: already passed"  # a past year is no forecast
            else:
                low, high = entry["interval"]
                axes.axvspan(low or entry["year"], high or end, color=colour, alpha=0.08)
                label = f"{group}: {entry['year']:.1f} [{_fmt_year(low)}–{_fmt_year(high)}]"
            axes.annotate(label, (entry["year"], threshold), fontsize=7, color=colour,
                          xytext=(0, 6 if group == "dense" else -12), textcoords="offset points", ha="center")
    axes.axhline(threshold, color="grey", linewidth=1)
    axes.set_yscale("log")
    axes.set_ylim(top=threshold * 30)
    axes.set_xlabel("Publication date")
    axes.set_ylabel("Parameters (log scale)")
    axes.set_title(f"{FIGURES['frontier_extrapolation']} to {threshold:.0e} (95% prediction interval)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, loc="upper left")
    save_figure(figure, out_dir, "frontier_extrapolation")


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


def figure_best_mmlu(records: pd.DataFrame, as_of: pd.Timestamp, out_dir: Path) -> None:
    figure, axes = plt.subplots(figsize=(9, 5.5))
    budgets = sorted(records["budget_gb"].unique())
    colours = dict(zip(budgets, plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(budgets), 1)))))
    for (precision, budget), steps in records.groupby(["precision", "budget_gb"], sort=True):
        years = decimal_year(steps["publication_date"]).tolist() + [float(decimal_year(pd.Series([as_of])).iloc[0])]
        scores = steps["score"].tolist() + [steps["score"].iloc[-1]]
        axes.step(years, scores, where="post", color=colours[budget],
                  linestyle="-" if precision == "16-bit" else ":", label=f"{budget:g} GB at {precision}")
    axes.set_xlabel("Publication date")
    benchmark = records["benchmark"].iloc[0] if len(records) else "mmlu"
    axes.set_ylabel(f"Best {BENCHMARK_LABELS[benchmark]} (%)")
    axes.set_title(FIGURES["best_mmlu_by_memory"])
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="lower right")
    save_figure(figure, out_dir, "best_mmlu_by_memory")


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


def inline_svg(path: Path) -> str:
    """The SVG element of a figure file, without its XML prolog."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


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


def build_sections(models, metrics, validation, best, params, statuses, metadata, matches, conflicts) -> dict[str, Any]:
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


def render_html(sections: dict[str, Any], out_dir: Path, as_of: str) -> str:
    figures = "".join(
        f'<figure id="{name}">{inline_svg(out_dir / "figures" / f"{name}.svg")}'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
        for name, title in FIGURES.items()
    )
    validation = sections["validation"]
    checks = [[check, count] for check, count in validation["failed_checks"].items()]
    flags = [[flag, count] for flag, count in validation["flags"].items()]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>modelscale report</title>
<style>
body {{ font-family: sans-serif; max-width: 980px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }} td, th {{ border: 1px solid #ccc; padding: 3px 8px; }}
figure {{ margin: 1.5em 0; }} figure svg {{ width: 100%; height: auto; }}
.alert {{ color: #b00020; }}
</style></head><body>
<h1>modelscale: ML models and their scale</h1>
<p>Data as of {html.escape(as_of)}.</p>
<h2>Headline</h2><ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["headline"])}</ul>
{sections.get("changes", "")}
<h2>Doubling times</h2>{html_table(*sections["doubling"])}
<ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["populations"])}</ul>
<h2>Beside the published figures</h2>{html_table(*sections["published"])}
<ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["published_sentences"])}</ul>
<h2>Best open-weight model by memory</h2>{html_table(*sections["best"])}
<h2>Figures</h2>{figures}
<h2>Sources and merging</h2>
{blocks_html(sections["sources_and_merging"])}
<h2>Coverage</h2>{html_table(*sections["coverage"])}
<h2>Validation</h2>
<p>{validation["input_rows"]} observations: {validation["valid_rows"]} valid,
{validation["quarantined_rows"]} quarantined (see <code>processed/quarantine.csv</code>).</p>
{html_table(["failed check", "rows"], checks) if checks else "<p>No check failed.</p>"}
{html_table(["flag (kept, with a warning)", "rows"], flags) if flags else ""}
</body></html>
"""


def render_markdown(sections: dict[str, Any], as_of: str) -> str:
    validation = sections["validation"]
    figures = "\n".join(f"![{title}](figures/{name}.svg)" for name, title in FIGURES.items())
    return "\n\n".join([
        f"# modelscale report\n\nData as of {as_of}.",
        "## Headline\n\n" + "\n".join(f"- {markdown_text(line)}" for line in sections["headline"]),
        "## Doubling times\n\n" + markdown_table(*sections["doubling"]) + "\n\n"
        + "\n".join(f"- {markdown_text(line)}" for line in sections["populations"]),
        "## Beside the published figures\n\n" + markdown_table(*sections["published"]) + "\n\n"
        + "\n".join(f"- {markdown_text(line)}" for line in sections["published_sentences"]),
        "## Best open-weight model by memory\n\n" + markdown_table(*sections["best"]),
        "## Figures\n\n" + figures,
        "## Sources and merging\n\n" + blocks_markdown(sections["sources_and_merging"]),
        "## Coverage\n\n" + markdown_table(*sections["coverage"]),
        f"## Validation\n\n{validation['input_rows']} observations: {validation['valid_rows']} valid, "
        f"{validation['quarantined_rows']} quarantined (`processed/quarantine.csv`).",
    ]) + "\n"


def build_report(models, metrics, frontier, validation, params, out_dir: Path, changes=None,
                 statuses=None, matches=None, conflicts=None, metadata=None) -> None:
    """params: the report section with the trends eras, validate.as_of_date and merge's precedence ("merge").

    statuses and metadata: per live source, its status.json and its snapshot's metadata.json.
    """
    figures_dir = out_dir / "figures"
    as_of = params["as_of_date"]
    sized = figure_over_time(models, "params_total", metrics["params"]["all"], "params_over_time", "Parameters",
                             figures_dir)
    computed = figure_over_time(models, "training_compute_flop", metrics["compute"]["all"], "compute_over_time",
                                "Training compute (FLOP)", figures_dir)
    figure_mmlu_vs_training(models, params["label_top_n"], params["benchmark"], figures_dir)
    figure_frontier(frontier, metrics, as_of, figures_dir)
    best = best_mmlu_by_memory(models, params["memory_budgets_gb"], params["bytes_per_param"], params["benchmark"])
    figure_best_mmlu(best, pd.Timestamp(as_of), figures_dir)
    write_csv(out_dir / "plots" / "params_over_time.csv", sized)
    write_csv(out_dir / "plots" / "compute_over_time.csv", computed)
    write_csv(out_dir / "plots" / "best_mmlu_by_memory.csv", best)
    sections = build_sections(
        models, metrics, validation, best, params, statuses or {}, metadata or {},
        matches if matches is not None else pd.DataFrame(columns=["source", "rule"]),
        conflicts if conflicts is not None else pd.DataFrame(
            columns=["model_id", "name", "field", "difference", "chosen_source", "chosen_value", "values"]),
    )
    # changes: reports/changes.json, written by `make release` (pipeline/release.py)
    sections["changes"] = changes_section_html(changes) if changes is not None else ""
    write_text(out_dir / "index.html", render_html(sections, out_dir, as_of))
    write_text(out_dir / "summary.md", render_markdown(sections, as_of))


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
    parser.add_argument("--changes", type=Path, help="changes since the previous release (JSON)")
    parser.add_argument("--status", type=Path, nargs="*", default=[],
                        help="status.json of each live source (what was collected, as of when)")
    args = parser.parse_args(argv)
    # The report shows the eras, the snapshot date and the precedence that trends, validate and merge used.
    merge_params = load_params("merge")
    params = {**load_params("report"), "eras": load_params("trends")["eras"],
              "as_of_date": load_params("validate")["as_of_date"],
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
    )
    print(f"report: {args.out_dir / 'index.html'}")


if __name__ == "__main__":
    main()
