"""The report's "Sources and merging" section, from small hand-built frames."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline import report
from tests.test_report import MERGE_PRECEDENCE

SCRIPT_NAME = "<script>alert(1)</script>"
PIPE_NAME = "a|b"
EPOCH_METADATA = {"source": "epoch", "as_of": "2025-03-14", "producer": "Epoch AI",
                  "citation": "Epoch AI, 'Data on AI Models'. Published online at epoch.ai.", "licence": "CC BY 4.0"}


def _models() -> pd.DataFrame:
    return pd.DataFrame({
        "model_id": ["alpha", "beta", "gamma", "delta", "script", "pipe"],
        "name": ["Alpha", "Beta", "Gamma", "Delta", SCRIPT_NAME, PIPE_NAME],
        "sources": ["registry", "epoch | registry", "epoch", "epoch | wikipedia", "epoch | registry", "epoch"],
    })


def _validation() -> dict:
    return {"by_source": {"registry": {"input": 3, "valid": 3, "quarantined": 0},
                          "epoch": {"input": 6, "valid": 5, "quarantined": 1, "rejected_by_parser": 2},
                          "wikipedia": {"input": 1, "valid": 1, "quarantined": 0}}}


def _statuses(epoch_state: str = "up_to_date", reason: str = "snapshot 2025-03-14 already present") -> dict:
    return {"epoch": {"source": "epoch", "state": epoch_state, "reason": reason, "snapshot_used": "2025-03-14"},
            "wikipedia": {"source": "wikipedia", "state": "ok", "reason": "new snapshot", "snapshot_used": "2026-11-22"},
            "huggingface": {"source": "huggingface", "state": "disabled", "reason": "enabled: false",
                            "snapshot_used": None}}


def _matches() -> pd.DataFrame:
    return pd.DataFrame({"source": ["registry"] * 3 + ["epoch"] * 5 + ["wikipedia"],
                         "rule": ["new_model"] * 3 + ["new_model", "new_model", "exact_name", "fuzzy", "alias", "exact_name"]})


def _conflicts() -> pd.DataFrame:
    return pd.DataFrame([
        # conflicts.csv quotes a name that looks like a formula; the section shows the name of models.parquet
        {"model_id": "script", "name": "'" + SCRIPT_NAME, "field": "params_total", "difference": 0.6,
         "chosen_source": "registry", "chosen_value": "7000000000.0", "values": "epoch=11200000000.0 | registry=7000000000.0"},
        {"model_id": "beta", "name": "Beta", "field": "params_total", "difference": 2.0,
         "chosen_source": "registry", "chosen_value": "1000000.0", "values": "epoch=3000000.0 | registry=1000000.0"},
        {"model_id": "pipe", "name": PIPE_NAME, "field": "publication_date", "difference": 40.0,
         "chosen_source": "epoch", "chosen_value": "2020-01-01", "values": "epoch=2020-01-01 | wikipedia=2020-02-10"},
    ])


def _section(statuses=None, metadata=None, merge_params=MERGE_PRECEDENCE, validation=None) -> list[tuple]:
    return report.sources_and_merging(_models(), validation or _validation(), _statuses() if statuses is None else statuses,
                                      {"epoch": EPOCH_METADATA} if metadata is None else metadata,
                                      _matches(), _conflicts(), merge_params, largest_per_field=1)


def _table(blocks: list[tuple], first_header: str) -> list[list]:
    return next(rows for kind, *content in blocks if kind == "table" and content[0][0] == first_header
                for rows in [content[1]])


def test_counts_per_source_and_models_seen_by_two_or_more():
    blocks = _section()
    assert _table(blocks, "source") == [
        # source, rejected by the parser, observations, valid, quarantined, models, only from this source;
        # in precedence order
        ["registry", 0, 3, 3, 0, 3, 1],
        ["huggingface", 0, 0, 0, 0, 0, 0],
        ["epoch", 2, 6, 5, 1, 5, 2],
        ["wikipedia", 0, 1, 1, 0, 1, 0],
    ]
    assert blocks[0] == ("p", ["6 models from 3 sources; 3 of them are observed by two or more sources."])


def test_matching_rules_per_source_in_the_order_they_are_tried():
    assert _table(_section(), "rule") == [["new_model", 3, 2, 0, 5], ["exact_name", 0, 1, 1, 2],
                                          ["alias", 0, 1, 0, 1], ["fuzzy", 0, 1, 0, 1]]


def test_precedence_sentence_follows_params():
    text = report.blocks_markdown(_section(merge_params={
        "precedence": ["epoch", "wikipedia", "registry", "huggingface"],
        "field_precedence": {"mmlu": ["registry", "epoch", "wikipedia", "huggingface"]}}))
    assert ("the first source in this order that states it (`merge.precedence`): "
            "epoch, then wikipedia, then registry, then huggingface.") in text
    assert "Except for `mmlu` (`merge.field_precedence`): registry, then epoch, then wikipedia, then huggingface." in text
    assert "Except for" not in report.blocks_markdown(_section(merge_params={"precedence": MERGE_PRECEDENCE["precedence"]}))


@pytest.mark.parametrize("state", ["degraded", "failed"])
def test_degraded_or_failed_source_stands_out_with_its_reason(state):
    reason = "3 of 40 pages unreadable (HTTP 503)"
    blocks = _section(statuses=_statuses(state, reason))
    page, summary = report.blocks_html(blocks), report.blocks_markdown(blocks)
    assert f'<strong class="alert">⚠ epoch {state}:</strong> {reason}; this build uses its snapshot 2025-03-14.' in page
    assert f'<td><strong class="alert">{state}</strong></td><td><strong class="alert">{reason}</strong></td>' in page
    assert f"**⚠ epoch {state}:** {reason}; this build uses its snapshot 2025-03-14." in summary
    assert f"| epoch | **{state}** | **{reason}** | 2025-03-14 |" in summary
    quiet = report.blocks_markdown(_section())
    assert "⚠" not in quiet and "| epoch | up_to_date | snapshot 2025-03-14 already present | 2025-03-14 |" in quiet


def test_every_live_source_state_and_snapshot_is_listed():
    rows = _table(_section(), "live source")
    assert rows == [["huggingface", "disabled", "enabled: false", "none"],
                    ["epoch", "up_to_date", "snapshot 2025-03-14 already present", "2025-03-14"],
                    ["wikipedia", "ok", "new snapshot", "2026-11-22"]]
    assert ("p", ["Curated in git: registry."]) in _section()


def test_epoch_credit_with_citation_and_licence_when_it_contributes():
    summary = report.blocks_markdown(_section())
    assert ("- Epoch AI (epoch, snapshot 2025-03-14): Epoch AI, 'Data on AI Models'. Published online at epoch.ai. "
            "Licence: CC BY 4.0.") in summary
    no_epoch_rows = {"by_source": {**_validation()["by_source"], "epoch": {"input": 0, "valid": 0, "quarantined": 0}}}
    assert "Epoch AI" not in report.blocks_markdown(_section(validation=no_epoch_rows))
    assert "cite them" not in report.blocks_markdown(_section(metadata={}))


def test_largest_conflicts_per_field_are_readable():
    rows = _table(_section(), "model")
    assert rows == [["Beta", "params_total", "×3", "registry: 1e+06", "epoch: 3e+06, registry: 1e+06"],
                    [PIPE_NAME, "publication_date", "40 days", "epoch: 2020-01-01",
                     "epoch: 2020-01-01, wikipedia: 2020-02-10"]]
    assert report.blocks_markdown(_section()).count("3 disagreements between sources") == 1


def test_section_html_escapes_names():
    blocks = report.sources_and_merging(_models(), _validation(), _statuses(), {}, _matches(), _conflicts(),
                                        MERGE_PRECEDENCE)
    page = report.blocks_html(blocks)
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page and "<td>a|b</td>" in page
    assert "<script" not in page and "'&lt;script" not in page


def test_section_markdown_escapes_names():
    blocks = report.sources_and_merging(_models(), _validation(), _statuses(), {}, _matches(), _conflicts(),
                                        MERGE_PRECEDENCE)
    summary = report.blocks_markdown(blocks)
    assert r"| \<script\>alert(1)\</script\> |" in summary
    assert not re.search(r"(?<!\\)[<>]", re.sub(r"`[^`]*`", "", summary)), "only code spans hold a bare < or >"
    rows = [line for line in summary.splitlines() if "publication_date" in line and line.startswith("|")]
    # a table row of five cells: the name's pipe is escaped, so it splits no cell
    assert [cell.strip() for cell in re.split(r"(?<!\\)\|", rows[-1])[1:-1]] == [
        r"a\|b", "publication_date", "40 days", "epoch: 2020-01-01", "epoch: 2020-01-01, wikipedia: 2020-02-10"]


def test_metadata_of_the_snapshot_each_status_names(tmp_path):
    (tmp_path / "epoch" / "2025-03-14").mkdir(parents=True)
    (tmp_path / "epoch" / "2025-03-14" / "metadata.json").write_text(json.dumps(EPOCH_METADATA), encoding="utf-8")
    statuses = {tmp_path / "epoch" / "status.json": _statuses()["epoch"],
                tmp_path / "huggingface" / "status.json": _statuses()["huggingface"]}
    assert report.snapshot_metadata(statuses) == {"epoch": EPOCH_METADATA}


def test_report_stage_reruns_when_precedence_changes():
    stage = yaml.safe_load((Path(__file__).parents[1] / "dvc.yaml").read_text(encoding="utf-8"))["stages"]["report"]
    assert {"merge.precedence", "merge.field_precedence"} <= {key for key in stage["params"] if isinstance(key, str)}
