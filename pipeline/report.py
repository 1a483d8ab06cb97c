"""Report stage: figures (SVG and PNG), a self-contained HTML page and a Markdown summary.

    python -m pipeline.report --models FILE --metrics FILE --frontier FILE
                              --validation FILE --out-dir DIR

Every value shown in the HTML page is escaped: model names come from scraped,
untrusted pages.
"""

from __future__ import annotations

import argparse
import html
import json
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.diff import render_html as changes_section_html  # noqa: E402
from pipeline.io import load_params, write_atomic, write_csv, write_text  # noqa: E402
from pipeline.schema import DOMAINS  # noqa: E402
from pipeline.trends import decimal_year  # noqa: E402

FIGURES = {
    "params_over_time": "Parameter count of ML systems through time",
    "mmlu_vs_training": "MMLU against active parameters × training tokens (open language models)",
    "frontier_extrapolation": "Frontier parameter count and its extrapolation",
    "best_mmlu_by_memory": "Best MMLU of open-weight models that fit in a memory budget",
}
DOMAIN_COLOURS = dict(zip(DOMAINS, plt.get_cmap("tab10").colors))
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


def figure_params_over_time(models: pd.DataFrame, metrics: dict[str, Any], out_dir: Path) -> pd.DataFrame:
    sized = models[models["params_total"].notna() & models["publication_date"].notna()].copy()
    sized["year"] = decimal_year(sized["publication_date"], sized["date_precision"])
    figure, axes = plt.subplots(figsize=(9, 5.5))
    for domain in DOMAINS:
        subset = sized[sized["domain"] == domain]
        if len(subset):
            axes.scatter(subset["year"], subset["params_total"], s=14, alpha=0.8,
                         color=DOMAIN_COLOURS[domain], label=f"{domain} ({len(subset)})")
    for era, fit in metrics["params"]["eras"].items():
        _fit_line(axes, fit, era)
    axes.set_yscale("log")
    axes.set_xlabel("Publication date")
    axes.set_ylabel("Parameters (log scale)")
    axes.set_title(FIGURES["params_over_time"])
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="upper left")
    save_figure(figure, out_dir, "params_over_time")
    return sized.loc[:, ["model_id", "domain", "year", "params_total"]]


def figure_mmlu_vs_training(models: pd.DataFrame, label_top_n: int, out_dir: Path) -> None:
    """Open language models: MMLU against N_active × D, families joined by lines."""
    chosen = models[
        (models["open_weights"] == True)  # noqa: E712 - nullable boolean column
        & (models["domain"] == "Language")
        & models["mmlu"].notna()
        & models["training_tokens"].notna()
        & models["params_total"].notna()
    ].copy()
    chosen["scale"] = chosen["params_active"].fillna(chosen["params_total"]) * chosen["training_tokens"]
    figure, axes = plt.subplots(figsize=(9, 5.5))
    families = chosen["family"].fillna(chosen["name"])
    for family in sorted(families.unique()):
        members = chosen[families == family].sort_values("scale")
        axes.plot(members["scale"], members["mmlu"], marker="o", markersize=4, linewidth=1, alpha=0.8)
    for row in chosen.nlargest(label_top_n, "mmlu").itertuples():
        # Names are data, not markup: no mathtext ("$…$"), and a bounded length.
        axes.annotate(_label(row.name), (row.scale, row.mmlu), fontsize=6, xytext=(3, 3),
                      textcoords="offset points", parse_math=False)
    axes.set_xscale("log")
    axes.set_xlabel("Active parameters × training tokens (log scale)")
    axes.set_ylabel("MMLU, 5-shot (%)")
    axes.set_title(f"{FIGURES['mmlu_vs_training']} — {len(chosen)} models")
    axes.grid(True, alpha=0.3)
    save_figure(figure, out_dir, "mmlu_vs_training")


def _label(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def figure_frontier(frontier: pd.DataFrame, metrics: dict[str, Any], as_of: str, out_dir: Path) -> None:
    figure, axes = plt.subplots(figsize=(9, 5.5))
    shown = frontier[frontier["frontier"]]
    extrapolation = metrics["extrapolation"]
    threshold = extrapolation["threshold_params"]
    for group, marker, colour in (("dense", "o", "tab:blue"), ("sparse", "^", "tab:red")):
        members = shown[shown["sparse"] == (group == "sparse")]
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


def best_mmlu_by_memory(models: pd.DataFrame, budgets_gb: list[float], bytes_per_param: dict[str, float]) -> pd.DataFrame:
    """Running best MMLU of open-weight models whose weights fit each budget (1 GB = 1e9 bytes)."""
    open_models = models[(models["open_weights"] == True) & models["mmlu"].notna()  # noqa: E712
                         & models["params_total"].notna() & models["publication_date"].notna()]
    open_models = open_models.sort_values(["publication_date", "model_id"], kind="stable")
    rows = []
    for precision, size in bytes_per_param.items():
        for budget in budgets_gb:
            fits = open_models[open_models["params_total"] * size <= budget * 1e9]
            best = -np.inf
            for row in fits.itertuples():
                if row.mmlu > best:
                    best = row.mmlu
                    rows.append({"precision": precision, "budget_gb": budget, "model_id": row.model_id,
                                 "name": row.name, "publication_date": row.publication_date,
                                 "params_total": row.params_total, "mmlu": row.mmlu})
    return pd.DataFrame(rows, columns=["precision", "budget_gb", "model_id", "name", "publication_date",
                                       "params_total", "mmlu"])


def figure_best_mmlu(records: pd.DataFrame, as_of: pd.Timestamp, out_dir: Path) -> None:
    figure, axes = plt.subplots(figsize=(9, 5.5))
    budgets = sorted(records["budget_gb"].unique())
    colours = dict(zip(budgets, plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(budgets), 1)))))
    for (precision, budget), steps in records.groupby(["precision", "budget_gb"], sort=True):
        years = decimal_year(steps["publication_date"]).tolist() + [float(decimal_year(pd.Series([as_of])).iloc[0])]
        scores = steps["mmlu"].tolist() + [steps["mmlu"].iloc[-1]]
        axes.step(years, scores, where="post", color=colours[budget],
                  linestyle="-" if precision == "16-bit" else ":", label=f"{budget:g} GB at {precision}")
    axes.set_xlabel("Publication date")
    axes.set_ylabel("Best MMLU, 5-shot (%)")
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
    rows = []
    for quantity in ("params", "compute"):
        for era in (era["name"] for era in eras):
            fit = metrics[quantity]["eras"].get(era)
            if fit:
                # r2 is empty when every point shares one value (no variance to explain).
                rows.append([quantity, era, str(fit["n"]), f"{fit['doubling_months']:.1f}" if fit["doubling_months"] else "not growing",
                             _fmt_interval(fit["doubling_months_ci"]), f"{fit['slope_oom_per_year']:.3f}",
                             "" if fit["r2"] is None else f"{fit['r2']:.2f}"])
            else:
                rows.append([quantity, era, "too few", "", "", "", ""])
    return rows


def coverage_rows(models: pd.DataFrame, eras: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for domain in DOMAINS:
        subset = models[models["domain"] == domain]
        counts = [int(((subset["publication_date"] >= pd.Timestamp(era["start"]))
                       & (subset["publication_date"] < pd.Timestamp(era["end"]))).sum()) for era in eras]
        rows.append([domain, str(len(subset)), *map(str, counts)])
    return rows


def html_table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# Characters that open Markdown or HTML markup inline, or end a table cell.
MARKDOWN_MARKUP = re.compile(r"([\\`*_\[\]<>&|~#])")


def markdown_escape(value: Any) -> str:
    """value as literal Markdown text on one line: names are data, not markup."""
    return MARKDOWN_MARKUP.sub(r"\\\1", " ".join(str(value).splitlines()))


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(map(markdown_escape, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(markdown_escape, row)) + " |" for row in rows]
    return "\n".join(lines)


def inline_svg(path: Path) -> str:
    """The SVG element of a figure file, without its XML prolog."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def source_rows(validation: dict[str, Any], statuses: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """Each source: rows it contributed and the snapshot they come from (or why none)."""
    rows = []
    for source in sorted(set(validation["by_source"]) | set(statuses)):
        counts = validation["by_source"].get(source, {"input": 0, "valid": 0, "quarantined": 0})
        status = statuses.get(source)
        if status is None:
            state = "curated in git"
        elif status.get("snapshot_used"):
            state = f"snapshot {status['snapshot_used']} ({status['state']}: {status['reason']})"
        else:
            state = f"not included ({status['state']}: {status['reason']})"
        rows.append([source, counts["input"], counts["valid"], counts["quarantined"], state])
    return rows


def merge_sections(matches: pd.DataFrame, conflicts: pd.DataFrame, largest_per_field: int = 5) -> dict[str, Any]:
    """How observations were matched to models, and where sources disagree most.

    Differences are in each field's own unit (ratio, days, points), so the largest
    are ranked within a field, never across fields.
    """
    rules = matches["rule"].value_counts().sort_index()
    by_field = conflicts["field"].value_counts().sort_index()
    largest = (conflicts.sort_values(["field", "difference", "model_id"], ascending=[True, False, True], kind="stable")
               .groupby("field", sort=True).head(largest_per_field))
    return {
        "matches": (["rule", "observations"], [[rule, count] for rule, count in rules.items()]),
        "conflicts_by_field": (["field", "models in conflict"], [[field, count] for field, count in by_field.items()]),
        "largest_conflicts": (["model", "field", "difference", "chosen", "values"],
                              [[row.name, row.field, f"{row.difference:g}", f"{row.chosen_source}: {row.chosen_value}",
                                row.values] for row in largest.itertuples()]),
        "n_conflicts": len(conflicts),
    }


def build_sections(models, metrics, validation, best, params, statuses=None) -> dict[str, Any]:
    """The facts the HTML page and the Markdown summary both show."""
    latest_era = params["eras"][-1]["name"]
    latest = metrics["params"]["eras"][latest_era]
    headline = [f"{metrics['n_models']} models ({metrics['n_with_params']} with a parameter count, "
                f"{metrics['n_with_compute']} with training compute)."]
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
    best_rows = [[row.precision, f"{row.budget_gb:g} GB", row.name, f"{row.mmlu:.1f}",
                  row.publication_date.strftime("%Y-%m-%d")] for row in latest_best.itertuples()]
    return {
        "headline": headline,
        "doubling": (["quantity", "era", "n", "doubling (months)", "95% CI", "OOM / year", "R²"], doubling_rows(metrics, params["eras"])),
        "coverage": (["domain", "models", *[era["name"] for era in params["eras"]]], coverage_rows(models, params["eras"])),
        "best": (["weights at", "memory", "best open model", "MMLU", "released"], best_rows),
        "sources": (["source", "observations", "valid", "quarantined", "as of"], source_rows(validation, statuses or {})),
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
</style></head><body>
<h1>modelscale: ML models and their scale</h1>
<p>Data as of {html.escape(as_of)}.</p>
<h2>Headline</h2><ul>{"".join(f"<li>{html.escape(line)}</li>" for line in sections["headline"])}</ul>
{sections.get("changes", "")}
<h2>Doubling times</h2>{html_table(*sections["doubling"])}
<h2>Best open-weight model by memory</h2>{html_table(*sections["best"])}
<h2>Figures</h2>{figures}
<h2>Sources included</h2>{html_table(*sections["sources"])}
<h2>Merging sources</h2>
<p>How each observation was matched to a model (<code>processed/matches.csv</code>):</p>
{html_table(*sections["merge"]["matches"])}
<p>{sections["merge"]["n_conflicts"]} disagreements between sources beyond the tolerances
(<code>processed/conflicts.csv</code>); the chosen value follows <code>merge.precedence</code>.</p>
{html_table(*sections["merge"]["conflicts_by_field"]) if sections["merge"]["n_conflicts"] else ""}
{html_table(*sections["merge"]["largest_conflicts"]) if sections["merge"]["n_conflicts"] else ""}
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
        "## Headline\n\n" + "\n".join(f"- {markdown_escape(line)}" for line in sections["headline"]),
        "## Doubling times\n\n" + markdown_table(*sections["doubling"]),
        "## Best open-weight model by memory\n\n" + markdown_table(*sections["best"]),
        "## Figures\n\n" + figures,
        "## Sources included\n\n" + markdown_table(*sections["sources"]),
        "## Merging sources\n\n" + markdown_table(*sections["merge"]["matches"])
        + f"\n\n{sections['merge']['n_conflicts']} disagreements between sources (`processed/conflicts.csv`)."
        + ("\n\n" + markdown_table(*sections["merge"]["largest_conflicts"]) if sections["merge"]["n_conflicts"] else ""),
        "## Coverage\n\n" + markdown_table(*sections["coverage"]),
        f"## Validation\n\n{validation['input_rows']} observations: {validation['valid_rows']} valid, "
        f"{validation['quarantined_rows']} quarantined (`processed/quarantine.csv`).",
    ]) + "\n"


def build_report(models, metrics, frontier, validation, params, out_dir: Path, changes=None,
                 statuses=None, matches=None, conflicts=None) -> None:
    figures_dir = out_dir / "figures"
    as_of = params["as_of_date"]
    sized = figure_params_over_time(models, metrics, figures_dir)
    figure_mmlu_vs_training(models, params["label_top_n"], figures_dir)
    figure_frontier(frontier, metrics, as_of, figures_dir)
    best = best_mmlu_by_memory(models, params["memory_budgets_gb"], params["bytes_per_param"])
    figure_best_mmlu(best, pd.Timestamp(as_of), figures_dir)
    write_csv(out_dir / "plots" / "params_over_time.csv", sized)
    write_csv(out_dir / "plots" / "best_mmlu_by_memory.csv", best)
    sections = build_sections(models, metrics, validation, best, params, statuses)
    sections["merge"] = merge_sections(
        matches if matches is not None else pd.DataFrame(columns=["rule"]),
        conflicts if conflicts is not None else pd.DataFrame(
            columns=["model_id", "name", "field", "difference", "chosen_source", "chosen_value", "values"]),
    )
    # changes: reports/changes.json, written by `make release` (pipeline/release.py)
    sections["changes"] = changes_section_html(changes) if changes is not None else ""
    write_text(out_dir / "index.html", render_html(sections, out_dir, as_of))
    write_text(out_dir / "summary.md", render_markdown(sections, as_of))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--models", "--metrics", "--frontier", "--validation", "--matches", "--conflicts", "--out-dir"):
        parser.add_argument(option, type=Path, required=True)
    parser.add_argument("--changes", type=Path, help="changes since the previous release (JSON)")
    parser.add_argument("--status", type=Path, nargs="*", default=[],
                        help="status.json of each live source (what was collected, as of when)")
    args = parser.parse_args(argv)
    # The report shows the eras and the snapshot date that the trends and validate stages used.
    params = {**load_params("report"), "eras": load_params("trends")["eras"],
              "as_of_date": load_params("validate")["as_of_date"]}
    build_report(
        pd.read_parquet(args.models),
        json.loads(args.metrics.read_text(encoding="utf-8")),
        pd.read_csv(args.frontier, parse_dates=["publication_date"]),
        json.loads(args.validation.read_text(encoding="utf-8")),
        params,
        args.out_dir,
        json.loads(args.changes.read_text(encoding="utf-8")) if args.changes else None,
        {status["source"]: status for status in
         (json.loads(path.read_text(encoding="utf-8")) for path in args.status if path.exists())},
        pd.read_csv(args.matches),
        pd.read_csv(args.conflicts),
    )
    print(f"report: {args.out_dir / 'index.html'}")


if __name__ == "__main__":
    main()
