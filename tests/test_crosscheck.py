"""Cross-checking the registry against Epoch AI: matching, ratios, dates, reviewed exceptions."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from pipeline import crosscheck
from pipeline.schema import observation_columns
from pipeline.sources.registry import slugify

REPO = Path(__file__).resolve().parents[1]
EPOCH_DIR = REPO.parent / "shared" / "data" / "epoch"


def _models(*entries: dict) -> pd.DataFrame:
    """Registry observations with only the fields the cross-check reads."""
    rows = []
    for entry in entries:
        row = {column: None for column in observation_columns()}
        precision = entry.get("precision", "day")
        row.update(name=entry["name"], model_id=slugify(entry["name"]), aliases=entry.get("aliases"),
                   params_total=entry.get("params", math.nan), date_precision=precision,
                   publication_date=pd.Timestamp(entry.get("date", "2020-05-28")))
        rows.append(row)
    return pd.DataFrame(rows, columns=observation_columns())


def _epoch(*rows: tuple[str, float, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "epoch_name": [name for name, _, _ in rows],
        "params_epoch": [params for _, params, _ in rows],
        "date_epoch": pd.to_datetime([date for _, _, date in rows]),
    })


def _exceptions(*entries: dict) -> pd.DataFrame:
    return pd.DataFrame(list(entries), columns=["model_id", "field", "ours", "epoch", "reason"])


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- reading Epoch's CSV ---------------------------------------------------------------

@pytest.mark.parametrize("name_column", ["Model", "System"])
def test_reader_takes_either_spelling_of_the_name_column(tmp_path, name_column):
    path = _write(tmp_path / "epoch.csv", f"""\
        {name_column},Domain,Parameters,Publication date,Parameters notes
        GPT-3 175B (davinci),Language,175000000000.0,2020-05-28,"says 175B"
        Unparsed,Language,unknown,not a date,
        """)
    epoch = crosscheck.read_epoch(path)
    assert list(epoch.columns) == ["epoch_name", "params_epoch", "date_epoch"]
    assert epoch.iloc[0].tolist() == ["GPT-3 175B (davinci)", 1.75e11, pd.Timestamp("2020-05-28")]
    assert math.isnan(epoch.iloc[1]["params_epoch"]) and pd.isna(epoch.iloc[1]["date_epoch"])


def test_reader_names_a_missing_column(tmp_path):
    path = _write(tmp_path / "epoch.csv", "Model,Publication date\nX,2020-01-01\n")
    with pytest.raises(ValueError, match="Parameters"):
        crosscheck.read_epoch(path)


def test_newest_snapshot_is_chosen_by_the_date_in_its_name(tmp_path):
    names = ("notable_ai_models_2024-09-19.csv", "all_ai_models_2025-03-14.csv", "notable_ai_models_2025-02-24.csv")
    for name in names:
        _write(tmp_path / name, "Model,Parameters,Publication date\n")
    assert crosscheck.newest_snapshot(tmp_path).name == "all_ai_models_2025-03-14.csv"


# --- matching --------------------------------------------------------------------------

def test_names_match_after_normalisation_and_aliases_match_too():
    models = _models({"name": "GPT-NeoX-20B"}, {"name": "BLOOM", "aliases": "BLOOM-176B | BLOOM 176B"},
                     {"name": "Unknown model"})
    epoch = _epoch(("GPT NeoX 20B", 2e10, "2022-02-09"), ("BLOOM-176B", 1.76e11, "2022-07-11"))
    matches = crosscheck.match_models(models, epoch, name_map={})
    assert matches[["model_id", "epoch_name", "matched_by"]].values.tolist() == [
        ["bloom", "BLOOM-176B", "alias"],
        ["gpt-neox-20b", "GPT NeoX 20B", "name"],
    ]


def test_reviewed_name_map_matches_and_overrides_names():
    models = _models({"name": "GPT-3 175B"}, {"name": "Switch"})
    epoch = _epoch(("GPT-3 175B (davinci)", 1.75e11, "2020-05-28"), ("Switch", 1.6e12, "2021-01-11"))
    name_map = {"gpt-3-175b": "GPT-3 175B (davinci)", "switch": None}  # None: same name, another model
    matches = crosscheck.match_models(models, epoch, name_map)
    assert matches[["model_id", "matched_by"]].values.tolist() == [["gpt-3-175b", "name map"]]


def test_greek_letters_and_plus_keep_different_models_apart():
    assert slugify("PanGu-α") != slugify("PanGu-Σ")
    assert slugify("Command R+") != slugify("Command R")
    assert slugify("π0 (pi-zero)") == "pi0-pi-zero"
    assert slugify("GPT-3 175B") == slugify("GPT-3 175B")


def test_epoch_name_with_disagreeing_rows_is_never_matched():
    models = _models({"name": "SigLIP"}, {"name": "AMPLIFY"})
    epoch = _epoch(("SigLIP", 4e8, "2023-03-27"), ("SigLIP", 6.3e9, "2023-03-27"),
                   ("AMPLIFY", math.nan, "2024-09-23"), ("AMPLIFY", math.nan, "2024-09-23"), ("", 1.0, "2020-01-01"))
    assert crosscheck.match_models(models, epoch, {})["model_id"].tolist() == ["amplify"]
    assert crosscheck.ambiguous_epoch_names(epoch) == ["SigLIP"]


def test_fuzzy_candidates_are_same_year_proposals_only():
    models = _models({"name": "Qwen2.5-7B", "date": "2024-09-19"})
    epoch = _epoch(("Qwen2.5 7B Instruct", 7.6e9, "2024-09-19"), ("Qwen2.5 7B Instruct", 7.6e9, "2023-09-19"))
    assert crosscheck.match_models(models, epoch, {}).empty
    proposals = crosscheck.propose_candidates(models, epoch.iloc[:1], matched_ids=set(), name_map={})
    assert proposals["epoch_name"].tolist() == ["Qwen2.5 7B Instruct"]
    assert crosscheck.propose_candidates(models, epoch.iloc[1:], matched_ids=set(), name_map={}).empty


# --- ratios and dates ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ours", "theirs", "disagree"),
    [(1.1e9, 1e9, False), (1e9, 1.1e9, False), (1.11e9, 1e9, True), (1e9, 1.11e9, True), (4.95e3, 9.9e3, True)],
)
def test_parameters_disagree_beyond_ten_percent_either_way(ours, theirs, disagree):
    assert crosscheck.params_disagree(crosscheck.params_ratio(ours, theirs)) is disagree


def test_missing_parameter_count_is_not_a_disagreement():
    ratio = crosscheck.params_ratio(math.nan, 8.2e6)
    assert math.isnan(ratio) and not crosscheck.params_disagree(ratio)


@pytest.mark.parametrize(
    ("ours", "precision", "theirs", "days"),
    [
        ("2022-11-09", "day", "2022-07-11", 121),  # ours later: positive
        ("2019-09-26", "day", "2020-02-09", -136),
        ("2023-05-01", "month", "2023-05-25", 0),  # inside our month
        ("2023-05-01", "month", "2023-06-02", -2),  # counted from the month's last day
        ("2014-10-01", "month", "2014-01-01", 273),
        ("1951-01-01", "year", "1950-07-02", 183),
        ("1951-01-01", "year", "1951-12-31", 0),
    ],
)
def test_date_difference_respects_our_precision(ours, precision, theirs, days):
    assert crosscheck.date_difference_days(pd.Timestamp(ours), precision, pd.Timestamp(theirs)) == days


def test_dates_disagree_beyond_31_days():
    assert not crosscheck.date_disagree(31) and not crosscheck.date_disagree(-31)
    assert crosscheck.date_disagree(32) and crosscheck.date_disagree(-32)
    assert not crosscheck.date_disagree(math.nan)


# --- statuses and exceptions -----------------------------------------------------------

def _matches() -> pd.DataFrame:
    models = _models(
        {"name": "Agrees", "params": 1e9, "date": "2020-05-28"},
        {"name": "Counted differently", "params": 4950, "date": "1982-04-01", "precision": "month"},
        {"name": "Dated later", "params": 2.35e8, "date": "2020-02-09"},
    )
    epoch = _epoch(("Agrees", 1.05e9, "2020-06-10"), ("Counted differently", 9900, "1982-04-01"),
                   ("Dated later", 2.35e8, "2019-09-26"))
    return crosscheck.match_models(models, epoch, {})


def test_reviewed_exception_explains_only_the_values_reviewed():
    exceptions = _exceptions(
        {"model_id": "counted-differently", "field": "params_total", "ours": 4950, "epoch": 9900,
         "reason": "symmetric weights counted once"},
        {"model_id": "dated-later", "field": "publication_date", "ours": "2020-02-09", "epoch": "2019-01-01",
         "reason": "reviewed against an older Epoch date"},
    )
    report = crosscheck.compare(_matches(), exceptions)
    assert report[["model_id", "params_status", "date_status", "status"]].values.tolist() == [
        ["agrees", "ok", "ok", "ok"],
        ["counted-differently", "exception", "ok", "exception"],
        ["dated-later", "ok", "unexplained", "unexplained"],
    ]
    assert report.loc[1, "date_ours"] == "1982-04" and report.loc[1, "params_ratio"] == 0.5
    assert crosscheck.unused_exceptions(report, exceptions) == ["dated-later publication_date"]


def test_summary_counts_agreement_among_models_with_both_counts():
    report = crosscheck.compare(_matches(), _exceptions())
    summary = crosscheck.summarise(report, registry_size=10)
    assert (summary["matched"], summary["params_compared"], summary["params_agree"]) == (3, 3, 2)
    assert summary["status_counts"] == {"ok": 1, "unexplained": 2}


def test_exception_without_reason_is_refused(tmp_path):
    path = _write(tmp_path / "exceptions.yaml", """\
        exceptions:
          - model_id: detr
            field: params_total
            ours: 41000000
            epoch: 60000000
        """)
    with pytest.raises(ValueError, match="exception 1 \\(detr\\)"):
        crosscheck.read_exceptions(path)


def test_command_line_writes_report_without_epoch_values_and_fails_on_unexplained(tmp_path, capsys):
    registry_dir = tmp_path / "registry"
    _write(registry_dir / "2020.yaml", """\
        models:
          - name: Model A
            organization: Lab
            publication_date: "2020-05-28"
            domain: Language
            params_total: 1.0e+9
            url: https://example.org/a
            evidence:
              params_total: "a 1B model"
        """)
    epoch = _write(tmp_path / "epoch" / "all_ai_models_2025-03-14.csv",
                   "Model,Parameters,Publication date\nModel A,2000000000.0,2020-05-28\n")
    out = tmp_path / "reports" / "crosscheck.csv"
    arguments = ["--epoch", str(epoch.parent), "--registry", str(registry_dir), "--out", str(out),
                 "--name-map", str(tmp_path / "none.yaml")]
    exceptions = tmp_path / "exceptions.yaml"

    assert crosscheck.main([*arguments, "--exceptions", str(exceptions)]) == 1
    assert "unexplained model-a" in capsys.readouterr().out
    written = pd.read_csv(out)
    assert list(written.columns) == crosscheck.REPORT_COLUMNS and "params_epoch" not in written.columns

    _write(exceptions, """\
        exceptions:
          - model_id: model-a
            field: params_total
            ours: 1.0e+9
            epoch: 2.0e+9
            reason: reviewed
        """)
    assert crosscheck.main([*arguments, "--exceptions", str(exceptions)]) == 0
    assert pd.read_csv(out)["status"].tolist() == ["exception"]


# --- acceptance: the real registry against Epoch's newest snapshot ---------------------

@pytest.mark.shared
def test_registry_agrees_with_newest_epoch_snapshot_or_is_reviewed():
    if not (REPO.parent / "shared").is_dir():
        pytest.skip("../shared is absent: Epoch AI snapshots are only available beside the repository")
    inputs = crosscheck.load_inputs(EPOCH_DIR, REPO / "raw" / "registry",
                                    REPO / crosscheck.NAME_MAP_PATH, REPO / crosscheck.EXCEPTIONS_PATH)
    report = crosscheck.crosscheck(inputs)
    summary = crosscheck.summarise(report, len(inputs.models))

    assert summary["matched"] >= 250
    assert summary["params_agree_share"] >= 0.95, summary
    unexplained = report.loc[report["status"] == "unexplained", "model_id"].tolist()
    assert unexplained == [], f"review these disagreements (fix the registry or add an exception): {unexplained}"
    assert crosscheck.stale_reviews(inputs, report) == []
