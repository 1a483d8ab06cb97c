"""Trend breaks found in the data: broken-line log-linear fits with estimated break dates.

log10(value) on decimal year with 0, 1 or 2 breaks. With `continuous: true` the line is
continuous and bends at each break (a change of growth rate, regressors 1, x and (x − break)+);
with `continuous: false` each segment has its own level and slope (a break may be a jump, as a
new regime of larger models would be). Break dates are searched exhaustively on a grid
(`grid_step_years`), every segment keeping at least `min_segment_points` models and
`min_segment_years` of time; the number of breaks is chosen by BIC, counting each break date
as a parameter. The intervals on the break dates are percentiles of the break dates refitted
on seeded pairs-bootstrap resamples. All sums come from prefix sums of the moments of the
date-sorted points, so that every candidate (and every pair of candidates) costs O(1) in the
number of models: the search and its bootstrap are vectorised.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pipeline import trends



def method(continuous: bool) -> str:
    """The method in words, for the outputs."""
    shape = ("continuous broken line (the slope changes at each break)" if continuous else
             "not continuous (each segment its own level and slope)")
    return (f"least squares of log10(value) on decimal year, {shape}; break dates searched exhaustively on a grid; "
            "0, 1 or 2 breaks chosen by BIC; 95% intervals on the break dates from seeded pairs-bootstrap resamples")


MOMENTS = 6  # weight, x, y, x², xy, y²
BOOTSTRAP_CHUNK = 10  # resamples evaluated at once: bounds memory to chunk × candidate pairs × 16 values


def prefix_moments(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Cumulative weighted moments, shape (MOMENTS, resamples, n + 1), x sorted ascending."""
    terms = np.stack([weights, weights * x, weights * y, weights * x * x, weights * x * y, weights * y * y])
    prefix = np.zeros(terms.shape[:-1] + (terms.shape[-1] + 1,))
    np.cumsum(terms, axis=-1, out=prefix[..., 1:])
    return prefix


def segment_sse(prefix: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Residual sum of squares of the least-squares line over points [start, stop), per resample.

    A segment with fewer than three (weighted) points or no spread in time cannot be fitted: inf.
    """
    w, sx, sy, sxx, sxy, syy = (prefix[k][:, stop] - prefix[k][:, start] for k in range(MOMENTS))
    with np.errstate(invalid="ignore", divide="ignore"):
        spread_x = sxx - sx * sx / w
        sse = syy - sy * sy / w - (sxy - sx * sy / w) ** 2 / spread_x
    return np.where((w >= 3) & (spread_x > 1e-9), np.maximum(sse, 0.0), np.inf)


def candidates(x: np.ndarray, options: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Grid break dates that leave enough points and years on both sides, and their split indices."""
    step, min_years, min_points = options["grid_step_years"], options["min_segment_years"], options["min_segment_points"]
    grid = np.arange(math.ceil((x[0] + min_years) / step) * step, x[-1] - min_years + 1e-9, step)
    split = np.searchsorted(x, grid, side="left")
    keep = (split >= min_points) & (len(x) - split >= min_points)
    return grid[keep], split[keep]


def candidate_pairs(grid: np.ndarray, split: np.ndarray, options: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (first, second) of candidates far enough apart for a middle segment."""
    first, second = np.triu_indices(len(grid), k=1)
    keep = ((grid[second] - grid[first] >= options["min_segment_years"]) &
            (split[second] - split[first] >= options["min_segment_points"]))
    return first[keep], second[keep]


def parameter_count(breaks: int, continuous: bool) -> int:
    """Fitted parameters: a level and a slope (continuous: one level, a slope change per break; not
    continuous: a level and a slope per segment), each break date, and the variance."""
    lines = 2 + breaks if continuous else 2 * (breaks + 1)
    return lines + breaks + 1


def bic(sse: np.ndarray, n: int, breaks: int, continuous: bool) -> np.ndarray:
    """n ln(SSE/n) + k ln n, k from parameter_count."""
    with np.errstate(divide="ignore"):
        return n * np.log(sse / n) + parameter_count(breaks, continuous) * math.log(n)


def hinge_sse(prefix: np.ndarray, n: int, knots: np.ndarray, splits: np.ndarray) -> np.ndarray:
    """Residual sum of squares of the continuous broken line with the given knots, per resample and candidate.

    Regressors 1, x and (x − knot)+ per knot (knots ascending, shape (candidates, breaks)); the normal
    equations come from the moments right of each knot's split, so no candidate touches the points.
    """
    total = prefix[:, :, n]
    resamples, candidates, breaks = prefix.shape[1], knots.shape[0], knots.shape[1]
    size = 2 + breaks
    gram = np.empty((resamples, candidates, size, size))
    rhs = np.empty((resamples, candidates, size))
    gram[..., 0, 0], gram[..., 1, 1] = total[0][:, None], total[3][:, None]
    gram[..., 0, 1] = gram[..., 1, 0] = total[1][:, None]
    rhs[..., 0], rhs[..., 1] = total[2][:, None], total[4][:, None]
    right = [total[:, :, None] - prefix[:, :, splits[:, j]] for j in range(breaks)]
    for j in range(breaks):
        weight, sx, sy, sxx, sxy, _ = right[j]
        knot = knots[:, j]
        gram[..., 0, 2 + j] = gram[..., 2 + j, 0] = sx - knot * weight
        gram[..., 1, 2 + j] = gram[..., 2 + j, 1] = sxx - knot * sx
        rhs[..., 2 + j] = sxy - knot * sy
        for i in range(j + 1):  # (x − knot_i)+ (x − knot_j)+ is nonzero right of the later knot, j
            other = knots[:, i]
            gram[..., 2 + i, 2 + j] = gram[..., 2 + j, 2 + i] = sxx - (other + knot) * sx + other * knot * weight
    try:
        beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:  # a resample that left a segment without spread: least squares still answers
        beta = (np.linalg.pinv(gram) @ rhs[..., None])[..., 0]
    return np.maximum(total[5][:, None] - np.sum(beta * rhs, axis=-1), 0.0)


def best_fits(prefix: np.ndarray, n: int, grid: np.ndarray, split: np.ndarray,
              pairs: tuple[np.ndarray, np.ndarray], continuous: bool) -> dict[int, dict[str, np.ndarray]]:
    """Per number of breaks (0, 1, 2): the best break dates (centred years) and SSE of every resample."""
    resamples = prefix.shape[1]
    everything = segment_sse(prefix, np.array([0]), np.array([n]))[:, 0]
    fits: dict[int, dict[str, np.ndarray]] = {0: {"sse": everything, "breaks": np.empty((resamples, 0))}}
    first, second = pairs
    for count, knots, splits in ((1, grid[:, None], split[:, None]),
                                 (2, np.stack([grid[first], grid[second]], axis=1),
                                  np.stack([split[first], split[second]], axis=1))):
        if not len(knots):
            continue
        if continuous:
            sse = hinge_sse(prefix, n, knots, splits)
        else:
            edges = [np.zeros(len(splits), dtype=int), *splits.T, np.full(len(splits), n)]
            sse = sum(segment_sse(prefix, start, stop) for start, stop in zip(edges[:-1], edges[1:]))
        best = np.argmin(sse, axis=1)
        fits[count] = {"sse": sse[np.arange(resamples), best], "breaks": knots[best]}
    return fits


def segment_lines(x: np.ndarray, y: np.ndarray, break_years: list[float], continuous: bool) -> list[dict[str, Any]]:
    """The line of each segment: its span, n, slope (OOM/year) and doubling time."""
    edges = [-math.inf, *break_years, math.inf]
    if continuous:
        design = np.column_stack([np.ones_like(x), x, *(np.clip(x - knot, 0.0, None) for knot in break_years)])
        beta = np.linalg.lstsq(design, y, rcond=None)[0]
        slopes = np.cumsum(beta[1:])
        intercepts = beta[0] - np.concatenate([[0.0], np.cumsum(beta[2:] * np.array(break_years))])
    lines = []
    for index, (start, end) in enumerate(zip(edges[:-1], edges[1:])):
        chosen = (x >= start) & (x < end)
        if continuous:
            slope, intercept = slopes[index], intercepts[index]
        else:
            slope, intercept = np.polyfit(x[chosen], y[chosen], 1)
        lines.append({"start_year": _round(float(x[chosen].min())), "end_year": _round(float(x[chosen].max())),
                      "n": int(chosen.sum()), "slope_oom_per_year": _round(float(slope)),
                      "intercept_log10": _round(float(intercept), 12),
                      "doubling_months": _round(trends.doubling_months(float(slope)))})
    return lines


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or not math.isfinite(value) else float(f"{value:.{digits}g}")


def find_breaks(years: np.ndarray, values: np.ndarray, options: dict[str, Any]) -> dict[str, Any] | None:
    """Segmented fits with 0, 1 and 2 estimated breaks, their bootstrap intervals and the BIC choice.

    None when there are too few points for even one candidate break.
    """
    keep = np.isfinite(years) & np.isfinite(values) & (values > 0)
    order = np.argsort(years[keep], kind="stable")
    x, y = np.asarray(years, float)[keep][order], np.log10(np.asarray(values, float)[keep][order])
    n = len(x)
    if n < 2 * options["min_segment_points"]:
        return None
    grid, split = candidates(x, options)
    if not len(grid):
        return None
    pairs = candidate_pairs(grid, split, options)
    # Centred years keep the prefix sums of x² well away from cancellation.
    centre = float(np.round(x.mean()))
    continuous = bool(options["continuous"])
    fits = best_fits(prefix_moments(x - centre, y, np.ones((1, n))), n, grid - centre, split, pairs, continuous)
    rng = np.random.default_rng(options["seed"])
    boot: dict[int, list[np.ndarray]] = {count: [] for count in fits}
    chosen_counts = []
    samples = options["bootstrap_samples"]
    for start in range(0, samples, BOOTSTRAP_CHUNK):
        picks = rng.integers(0, n, size=(min(BOOTSTRAP_CHUNK, samples - start), n))
        weights = np.stack([np.bincount(row, minlength=n) for row in picks]).astype(float)
        resampled = best_fits(prefix_moments(x - centre, y, weights), n, grid - centre, split, pairs, continuous)
        for count, fit in resampled.items():
            boot[count].append(fit["breaks"])
        chosen_counts.append(np.argmin(np.stack([bic(resampled[c]["sse"], n, c, continuous) for c in sorted(resampled)]), axis=0))
    tail = (1.0 - options["confidence_level"]) / 2.0
    models = {}
    for count, fit in fits.items():
        break_years = [float(year) + centre for year in fit["breaks"][0]]
        resampled_breaks = np.concatenate(boot[count]) + centre
        models[str(count)] = {
            "breaks": [_round(year) for year in break_years],
            "break_intervals": [[_round(float(low)), _round(float(high))] for low, high in
                                np.quantile(resampled_breaks, [tail, 1.0 - tail], axis=0).T],
            "sse": _round(float(fit["sse"][0])), "bic": _round(float(bic(fit["sse"], n, count, continuous)[0]), 9),
            "parameters": parameter_count(count, continuous), "segments": segment_lines(x, y, break_years, continuous),
        }
    chosen = min(models, key=lambda count: models[count]["bic"])
    shares = np.bincount(np.concatenate(chosen_counts), minlength=len(fits)) / samples
    return {"n": int(n), "start_year": _round(float(x[0])), "end_year": _round(float(x[-1])),
            "criterion": "BIC", "continuous": continuous, "chosen_breaks": int(chosen), "fits": models,
            "bootstrap_share_choosing": {str(count): _round(float(share)) for count, share in enumerate(shares)}}
