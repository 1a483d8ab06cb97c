"""Forecast stage: a track record for the extrapolations, breaks found in the data, the parameter gap.

    python -m pipeline.forecast --models FILE --backtest FILE --forecast FILE --backtest-plot FILE --density-plot FILE
        --published FILE

Backtest (pipeline/backtest.py): every method of `forecast.backtest.methods`, refitted at each
year end since `first_cutoff_year`, against what happened 1-3 years later; the headline
extrapolation (trends.extrapolation, dense) gets its method's historical error and coverage,
and an interval calibrated from the backtest when its coverage fell short.
Breaks (pipeline/breaks.py): 0, 1 or 2 estimated break dates, chosen by BIC, beside the fixed
eras of trends.eras and the published breaks (`break_dates` of the --published file,
references/published.yaml). Gap (pipeline/gap.py): models per order of magnitude per size bin
and year, and whether the 20-70B gap persists by the stated rule, beside the published finding
(`parameter_gap` of the same file).
The sentences for the report are pure functions of the outputs, here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import backtest, breaks, gap, trends
from pipeline.dates import decimal_year
from pipeline.io import load_params, read_yaml, round_derived, write_csv, write_json

QUANTITY_WORDS = {"params": "Parameter counts", "compute": "Training compute"}


def _oom(value: float) -> str:
    return f"{value:.2f} orders of magnitude"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def _year(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def extrapolation_track_record(result: dict[str, Any]) -> str:
    """The headline method's historical error and the coverage of its 95% interval, and the
    calibrated interval when that coverage fell short (reports/backtest.json's content)."""
    headline = result["headline"]
    method = result["methods"][headline["method"]]
    overall, by_horizon = method["all_horizons"], method["by_horizon"]
    if not overall["n"]:
        return f"The {headline['method']} has no backtest: too few cutoffs with an outcome to score."
    cutoffs = method["cutoff_years"]
    horizons = [h for h in sorted(by_horizon, key=int) if by_horizon[h]["n"]]
    errors = ", ".join(f"{by_horizon[h]['mae_oom']:.2f} at {h}" for h in horizons)
    coverage = ", ".join(f"{_percent(by_horizon[h]['coverage'])} at {h}" for h in horizons)
    level = _percent(result["confidence_level"])
    bias = overall["bias_oom"]
    sentence = (f"Track record: refitted at each year end from {cutoffs[0]} to {cutoffs[-1]} on the "
                f"{result['window_years']} years before and scored against what followed, the {headline['method']} "
                f"({method['population']} models) missed by {_oom(overall['mae_oom'])} on average ({errors} years "
                f"ahead; {abs(bias):.2f} too {'high' if bias > 0 else 'low'} on balance); its {level} interval held "
                f"the outcome in {_percent(overall['coverage'])} of {overall['n']} forecasts ({coverage} years).")
    calibration = headline["calibration"]
    if not calibration["calibrated"]:
        return sentence + f" That meets the stated {level}, so the interval stands as fitted."
    low, high = calibration["interval"] or [None, None]
    threshold = f"{headline['threshold_params']:.0e}".replace("e+", "e")
    if low is not None and calibration.get("earliest_before_snapshot"):
        start = f"the snapshot date on (the widened band's earliest date, {_year(low)}, passed without it)"
    else:
        start = _year(low)
    if low is None:
        reach = "the calibrated band gives no date"
    elif high is None:
        reach = (f"the dense frontier reaches {threshold} parameters from {start}, with no latest date "
                 "(the widened band's lower edge never reaches it)")
    else:
        reach = f"the dense frontier reaches {threshold} parameters between {start} and {_year(high)}"
    stated_low, stated_high = calibration["stated_interval"]
    return sentence + (f" As that falls short of {level}, the interval is calibrated from the backtest: widened "
                       f"{calibration['width_scale']:.2f}-fold (the factor that held {level} of the "
                       f"{calibration['width_scale_from_horizon_years']}-year outcomes), {reach}, against "
                       f"{_year(stated_low)}–{_year(stated_high)} as fitted.")


def break_sentence(result: dict[str, Any]) -> str:
    """The chosen breaks of one quantity and population, beside the fixed eras and the published breaks."""
    words = f"{QUANTITY_WORDS[result['quantity']]} of {result['population_description']}"
    if result["fits"] is None:
        return f"{words}: too few models to search for breaks."
    fits = result["fits"]
    chosen = str(fits["chosen_breaks"])
    fit = fits["fits"][chosen]
    if chosen == "0":
        found = f"BIC prefers no break (n = {fits['n']})"
    else:
        dates = " and ".join(f"{_year(year)} (95% bootstrap interval {_year(low)}–{_year(high)})"
                             for year, (low, high) in zip(fit["breaks"], fit["break_intervals"]))
        found = f"BIC prefers {chosen} break{'s' if chosen != '1' else ''}, at {dates} (n = {fits['n']})"
    count_words = {"1": "one break", "2": "two breaks"}
    others = [f"with {count_words[count]}: {' and '.join(_year(year) for year in fits['fits'][count]['breaks'])}"
              for count in sorted(fits["fits"]) if count not in ("0", chosen)]
    against = "; ".join(
        f"{item['reference']} {_year(item['year'])}: " + (
            "no break of ours near it" if item["nearest_break"] is None else
            f"{abs(item['years_from_nearest_break']):.2f} years from ours at {_year(item['nearest_break'])}, "
            f"{'inside' if item['inside_interval'] else 'outside'} its interval")
        for item in result["comparisons"])
    published = "; ".join(f"{ref['authors']}: {ref['what']}" for ref in result["published"])
    return (f"{words}: {found}{' (the best fit ' + '; '.join(others) + ')' if others else ''}. "
            f"Against the fixed eras and the published breaks: {against}."
            + (f" ({published}.)" if published else ""))


def reference_comparisons(fits: dict[str, Any] | None, references: list[tuple[str, float]]) -> list[dict[str, Any]]:
    """Each reference date beside the nearest break of the chosen fit: how far, and whether inside its interval."""
    chosen = fits["fits"][str(fits["chosen_breaks"])] if fits else {"breaks": [], "break_intervals": []}
    comparisons = []
    for label, year in references:
        entry: dict[str, Any] = {"reference": label, "year": year, "nearest_break": None,
                                 "years_from_nearest_break": None, "inside_interval": None}
        if chosen["breaks"]:
            nearest = min(range(len(chosen["breaks"])), key=lambda index: abs(chosen["breaks"][index] - year))
            low, high = chosen["break_intervals"][nearest]
            entry.update(nearest_break=chosen["breaks"][nearest],
                         years_from_nearest_break=round(year - chosen["breaks"][nearest], 6),
                         inside_interval=bool(low <= year <= high))
        comparisons.append(entry)
    return comparisons


def gap_sentence(name: str, result: dict[str, Any], options: dict[str, Any]) -> str:
    """Whether the gap persists for one population, beside the published finding."""
    published = options["published"]
    low, high = (f"{edge / 1e9:g}B" for edge in options["gap_bin_params"])

    def span(entry: dict[str, Any] | None) -> str:
        if entry is None:
            return "no complete year yet"
        years = f"{entry['years'][0]}–{entry['years'][1]}"
        if entry["ratio_to_neighbours"] is None:
            return f"{years}: no models in the neighbouring bins"
        verdict = "a gap" if entry["gap_persists"] else "no gap"
        return (f"{years}: {_ratio(entry['ratio_to_neighbours'])} its neighbours' models per order of magnitude "
                f"({entry['n_gap_bin']} models in the bin), {verdict}")

    by_year = ", ".join(f"{year} {_ratio(entry['ratio_to_neighbours'])}" for year, entry in result["by_year"].items())
    return (f"The {low}–{high} parameter gap, {result['description']}: {span(result['published_window'])}; "
            f"{span(result['after_published_window'])} (rule: a gap below {options['max_ratio']:g}× the mean of the "
            f"two neighbouring bins; by year {by_year}). {published['authors']} found {published['finding']} "
            f"({published['population']}, {published['years'][0]}–{published['years'][1]}).")


def run_backtest(models: pd.DataFrame, params: dict[str, Any], trends_params: dict[str, Any],
                 last_year: int) -> tuple[dict[str, Any], pd.DataFrame]:
    options = params["backtest"]
    rows = backtest.forecast_rows(models, options, last_year)
    methods = backtest.summarise(rows, options)
    names = [method["name"] for method in options["methods"]]
    if options["headline_method"] not in names:
        raise ValueError(f"forecast.backtest.headline_method {options['headline_method']!r} is not one of the "
                         f"methods ({', '.join(names)})")
    headline = trends.extrapolation(models, trends_params)["dense"]
    threshold = float(trends_params["extrapolation"]["threshold_params"])
    result = {
        "last_complete_year": last_year, "window_years": options["window_years"],
        "confidence_level": options["confidence_level"],
        "cutoff_rule": "a fit at cutoff T sees the models published up to 31 December T",
        "error_rule": "log10(predicted) - log10(actual), in orders of magnitude",
        "calibration_rule": ("where coverage falls short of the confidence level, the band is widened by the "
                             "smallest factor that would have held that share of the backtest outcomes (width_scale)"),
        "methods": methods,
        "headline": {"method": options["headline_method"], "threshold_params": threshold,
                     "year": headline.get("year"),
                     "calibration": backtest.calibrated_headline(headline, methods[options["headline_method"]],
                                                                 threshold, trends_params["confidence_level"])},
        "rows": [{key: _plain(value) for key, value in row.items()}
                 for row in rows.loc[:, backtest.SCORED_COLUMNS].to_dict(orient="records")],
    }
    result["headline"]["sentence"] = extrapolation_track_record(result)
    scored = rows[rows["actual_log10"].notna()]
    return result, scored.loc[:, backtest.SCORED_COLUMNS].reset_index(drop=True)


def _plain(value: Any) -> Any:
    """NaN as None and numpy scalars as Python ones, for JSON."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def run_breaks(models: pd.DataFrame, params: dict[str, Any], trends_params: dict[str, Any]) -> dict[str, Any]:
    options = params["breaks"]
    eras = [float(pd.Timestamp(era["start"]).year) for era in trends_params["eras"][1:]]
    results = {}
    for quantity in options["quantities"]:
        field = trends.QUANTITIES[quantity]
        for population in options["populations"]:
            chosen = models[trends.in_population(models, population) & models[field].notna()
                            & models["publication_date"].notna()]
            years = decimal_year(chosen["publication_date"], chosen["date_precision"]).to_numpy()
            entry = {"quantity": quantity, "population": population,
                     "population_description": trends_params["populations"][population],
                     "fixed_era_starts": eras,
                     "published": [ref for ref in options["published"] if ref["quantity"] == quantity],
                     "fits": breaks.find_breaks(years, chosen[field].to_numpy(), options)}
            references = [("fixed era start", year) for year in eras] + [
                (ref["authors"], float(ref["year"])) for ref in entry["published"]]
            entry["comparisons"] = reference_comparisons(entry["fits"], references)
            entry["sentence"] = break_sentence(entry)
            results[f"{quantity}/{population}"] = entry
    return results


def compute_forecasts(models: pd.DataFrame, params: dict[str, Any], trends_params: dict[str, Any],
                      as_of_date: str) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any], pd.DataFrame]:
    last_year = backtest.last_complete_year(as_of_date)
    backtest_result, rows = run_backtest(models, params, trends_params, last_year)
    gap_options = params["parameter_gap"]
    gaps, density = gap.parameter_gap(models, gap_options, last_year)
    for name, result in gaps.items():
        result["sentence"] = gap_sentence(name, result, gap_options)
    forecast = {"breaks": {"method": breaks.method(bool(params["breaks"]["continuous"])),
                           "results": run_breaks(models, params, trends_params)},
                "parameter_gap": {"last_complete_year": last_year, "gap_bin_params": gap_options["gap_bin_params"],
                                  "max_ratio": gap_options["max_ratio"], "published": gap_options["published"],
                                  "populations": gaps}}
    return backtest_result, rows, forecast, density


def with_published(params: dict[str, Any], findings: dict[str, Any]) -> dict[str, Any]:
    """The forecast params with the published break dates and parameter gap of the findings file."""
    return {**params, "breaks": {**params["breaks"], "published": findings["break_dates"]},
            "parameter_gap": {**params["parameter_gap"], "published": findings["parameter_gap"]}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--models", "--backtest", "--forecast", "--backtest-plot", "--density-plot", "--published"):
        parser.add_argument(option, type=Path, required=True)
    args = parser.parse_args(argv)

    backtest_result, rows, forecast, density = compute_forecasts(
        pd.read_parquet(args.models), with_published(load_params("forecast"), read_yaml(args.published)),
        load_params("trends"),
        load_params("validate")["as_of_date"])
    write_json(args.backtest, round_derived(backtest_result))
    write_json(args.forecast, round_derived(forecast))
    write_csv(args.backtest_plot, round_derived(rows))
    write_csv(args.density_plot, round_derived(density))
    print(f"forecast: {backtest_result['headline']['sentence']} -> {args.backtest}")


if __name__ == "__main__":
    main()
