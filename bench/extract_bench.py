"""Measure pipeline.extract against ../shared/corpus/announcements/GOLD.csv.

Matching rule (per document, one-to-one, greedy on the best score first): an extracted
model and a gold row may pair when their params_total agree within 2%, or when their
normalised names share at least half of their tokens and their params_total do not
disagree. Among eligible pairs, agreeing params count 2 and name-token overlap (Jaccard)
breaks ties.

Scoring per field: precision = correct extracted values / all extracted non-empty values
(values on unmatched extracted models count as wrong); recall = correct extracted values /
non-empty gold values. Numbers are correct within 1% relative tolerance; dates must be
equal strings; an organisation is correct when the token set of one name contains the
other's ("Meta AI" vs "Meta AI (FAIR team)").

Usage: python bench/extract_bench.py   (exit 2 when ../shared is absent)
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.extract import extract  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "announcements"
FIELDS = ("params_total", "params_active", "training_tokens", "context_length", "mmlu", "publication_date", "organization")
GOLD_COLUMN = {"publication_date": "release_date"}
NUMERIC = {"params_total", "params_active", "training_tokens", "context_length", "mmlu"}


def _tokens(name: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z])(?=\d)", " ", name.lower())
    return {t for t in re.split(r"[^a-z0-9.]+", spaced) if t}


def _number(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    return a is not None and b is not None and abs(a - b) <= tolerance * max(abs(b), 1e-9)


def correct(field: str, extracted, gold) -> bool:
    if extracted in (None, "") or gold in (None, ""):
        return False
    if field in NUMERIC:
        return _close(_number(extracted), _number(gold), 0.01)
    if field == "organization":
        mine, theirs = _tokens(str(extracted)), _tokens(str(gold))
        return bool(mine) and bool(theirs) and (mine <= theirs or theirs <= mine)
    return str(extracted) == str(gold)


def load_gold(corpus: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    with open(corpus / "GOLD.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["file"], []).append(row)
    return rows


def match(extracted: list[dict], gold: list[dict]) -> list[tuple[int, int]]:
    scored = []
    for i, record in enumerate(extracted):
        for j, row in enumerate(gold):
            mine, theirs = _number(record.get("params_total")), _number(row["params_total"])
            params_agree = _close(mine, theirs, 0.02)
            params_disagree = mine is not None and theirs is not None and not params_agree
            a, b = _tokens(record["name"]), _tokens(row["model"])
            jaccard = len(a & b) / len(a | b) if a | b else 0.0
            if params_agree and jaccard > 0 or (jaccard >= 0.5 and not params_disagree):
                scored.append((2.0 * params_agree + jaccard, i, j))
    pairs, used_i, used_j = [], set(), set()
    for _, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i not in used_i and j not in used_j:
            pairs.append((i, j))
            used_i.add(i)
            used_j.add(j)
    return pairs


def evaluate(corpus: Path) -> dict[str, dict[str, int]]:
    gold_by_file = load_gold(corpus)
    counts = {f: {"extracted": 0, "gold": 0, "correct": 0} for f in FIELDS}
    for name in sorted(gold_by_file):
        path = corpus / name
        records = extract(path.read_text(encoding="utf-8"), url=str(path))
        gold = gold_by_file[name]
        pairs = dict(match(records, gold))
        for i, record in enumerate(records):
            for f in FIELDS:
                if record.get(f) not in (None, ""):
                    counts[f]["extracted"] += 1
                    if i in pairs and correct(f, record[f], gold[pairs[i]][GOLD_COLUMN.get(f, f)]):
                        counts[f]["correct"] += 1
        for row in gold:
            for f in FIELDS:
                if row[GOLD_COLUMN.get(f, f)] not in (None, ""):
                    counts[f]["gold"] += 1
    return counts


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def main() -> int:
    if not (CORPUS / "GOLD.csv").is_file():
        print(f"error: corpus not found at {CORPUS} (../shared is absent); nothing to measure", file=sys.stderr)
        return 2
    counts = evaluate(CORPUS)
    print(f"{'field':<18}{'extracted':>10}{'gold':>7}{'correct':>9}{'precision':>11}{'recall':>8}")
    for f in FIELDS:
        c = counts[f]
        print(f"{f:<18}{c['extracted']:>10}{c['gold']:>7}{c['correct']:>9}"
              f"{_ratio(c['correct'], c['extracted']):>11.3f}{_ratio(c['correct'], c['gold']):>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
