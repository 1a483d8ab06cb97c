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

The corpus is split by developer family (bench/extract_split.csv): `tune` documents may be read
while changing the extractor, `unseen` ones never are, so only the unseen numbers say how the
extractor does on documents it was not fitted to. The split: families in the order of the SHA-256
of their name (the file-name prefix), assigned to `unseen` until it holds at least half of the
documents; the same developer's documents are never on both sides.

Usage: python bench/extract_bench.py [--part unseen|tune|all | --corpus DIR]
Prints precision and recall per field for each part, and whether the unseen part meets TARGETS;
exit 1 when it does not, 2 when ../shared is absent.

--corpus DIR scores another folder laid out like the shared one (DIR/GOLD.csv in the same format,
the documents it names beside it), e.g. a blind set that no tuning session has read: all its
documents form one set, checked against the same TARGETS (exit 1 when missed, 2 when DIR/GOLD.csv
is absent).
"""

from __future__ import annotations

import argparse
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
DOCUMENT_SUFFIXES = {".md", ".html", ".txt"}
SPLIT = REPO / "bench" / "extract_split.csv"
PARTS = ("unseen", "tune")
# Issue 14: (field, measure) -> the least the unseen part must score.
TARGETS = {("params_total", "precision"): 0.97, ("params_total", "recall"): 0.85,
           ("training_tokens", "precision"): 0.95, ("context_length", "precision"): 0.95}


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


def load_split(path: Path = SPLIT) -> dict[str, list[str]]:
    """Part name -> the corpus file names in it."""
    parts: dict[str, list[str]] = {part: [] for part in PARTS}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["part"] not in parts:
                raise ValueError(f"{path}: file {row['file']}: unknown part '{row['part']}' (expected {', '.join(PARTS)})")
            parts[row["part"]].append(row["file"])
    return parts


def evaluate(corpus: Path, files: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Counts per field over the corpus documents named in `files` (default: every document in GOLD)."""
    gold_by_file = load_gold(corpus)
    missing = sorted(set(files or ()) - set(gold_by_file))
    if missing:
        raise ValueError(f"{corpus / 'GOLD.csv'}: no gold rows for {', '.join(missing)}")
    absent = sorted(name for name in (files if files is not None else gold_by_file) if not (corpus / name).is_file())
    if absent:
        raise ValueError(f"{corpus / 'GOLD.csv'}: names documents absent from {corpus}: {', '.join(absent)}")
    counts = {f: {"extracted": 0, "gold": 0, "correct": 0} for f in FIELDS}
    for name in sorted(files if files is not None else gold_by_file):
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


def scores(counts: dict[str, dict[str, int]]) -> dict[tuple[str, str], float]:
    return {**{(f, "precision"): _ratio(c["correct"], c["extracted"]) for f, c in counts.items()},
            **{(f, "recall"): _ratio(c["correct"], c["gold"]) for f, c in counts.items()}}


def missed_targets(counts: dict[str, dict[str, int]]) -> list[str]:
    measured = scores(counts)
    return [f"{field} {measure} {measured[field, measure]:.3f} < {least}"
            for (field, measure), least in TARGETS.items() if not measured[field, measure] >= least]


def print_table(title: str, counts: dict[str, dict[str, int]]) -> None:
    print(title)
    print(f"{'field':<18}{'extracted':>10}{'gold':>7}{'correct':>9}{'precision':>11}{'recall':>8}")
    for f in FIELDS:
        c = counts[f]
        print(f"{f:<18}{c['extracted']:>10}{c['gold']:>7}{c['correct']:>9}"
              f"{_ratio(c['correct'], c['extracted']):>11.3f}{_ratio(c['correct'], c['gold']):>8.3f}")


def report_targets(label: str, counts: dict[str, dict[str, int]]) -> list[str]:
    """Print whether `counts` meet TARGETS; the targets missed."""
    missed = missed_targets(counts)
    print(f"{label} targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    print()
    return missed


def score_folder(corpus: Path) -> int:
    """Every document of another corpus folder as one set: the table and the TARGETS check."""
    if not (corpus / "GOLD.csv").is_file():
        print(f"error: {corpus / 'GOLD.csv'} not found; nothing to measure", file=sys.stderr)
        return 2
    files = sorted(load_gold(corpus))
    ungraded = sorted(p.name for p in corpus.iterdir() if p.suffix in DOCUMENT_SUFFIXES and p.name not in files)
    if ungraded:
        print(f"warning: {corpus / 'GOLD.csv'} has no rows for {', '.join(ungraded)}; not scored", file=sys.stderr)
    counts = evaluate(corpus, files)
    print_table(f"{corpus}: {len(files)} documents", counts)
    print()
    return 1 if report_targets(str(corpus), counts) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--part", choices=(*PARTS, "all"), default=None, help="one part only (default: unseen and tune)")
    choice.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                        help="score DIR/GOLD.csv and the documents beside it instead, as one set")
    args = parser.parse_args(argv)
    if args.corpus is not None:
        return score_folder(args.corpus)
    part = args.part
    if not (CORPUS / "GOLD.csv").is_file():
        print(f"error: corpus not found at {CORPUS} (../shared is absent); nothing to measure", file=sys.stderr)
        return 2
    split = load_split()
    shown = PARTS if part is None else (part,)
    missed: list[str] = []
    for name in shown:
        files = None if name == "all" else split[name]
        counts = evaluate(CORPUS, files)
        documents = len(files) if files is not None else len(load_gold(CORPUS))
        print_table(f"{name}: {documents} documents", counts)
        print()
        if name == "unseen":
            missed = report_targets("unseen", counts)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
