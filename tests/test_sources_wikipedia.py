"""The Wikipedia plug-in: a recorded (synthetic) article page and the cell parser's properties."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import collect
from pipeline.http import Fetcher, FetchPolicy
from pipeline.schema import observation_columns
from pipeline.sources import wikipedia
from tests.httpserver import LoopbackServer, Route, tree_digest, validate_all_metadata

PAGE = (Path(__file__).parent / "fixtures" / "sources" / "wikipedia_large_language_model.html").read_bytes()
PAGE_PATH = "/wiki/Large_language_model"
HTML = "text/html; charset=UTF-8"


def wiki_config(root: Path, url: str, as_of: str = "2026-11-22") -> dict:
    return {"path": str(root), "enabled": True, "as_of": as_of, "url": url, "allowed_hosts": ["127.0.0.1"],
            "min_interval_s": 0, "max_bytes": 1_000_000, "retries": 0, "table_caption": "List of large language models"}


def run(config: dict) -> dict:
    return collect.collect_source("wikipedia", config, fetcher=Fetcher(FetchPolicy.from_config(config)))


@pytest.fixture
def observations(tmp_path) -> pd.DataFrame:
    with LoopbackServer({PAGE_PATH: Route(body=PAGE, content_type=HTML)}) as server:
        config = wiki_config(tmp_path / "wikipedia", server.url(PAGE_PATH))
        assert run(config)["state"] == "ok"
    assert validate_all_metadata(tmp_path / "wikipedia") == 1
    return wikipedia.parse(config)


def test_rows_of_the_list_table_only(observations):
    assert list(observations.columns) == observation_columns()
    assert list(observations["name"]) == ["Example-1", "Example-2", "Example-Sparse", "Example-3", "Example-1"]
    assert observations["model_id"].is_unique
    assert (observations["source"] == "wikipedia").all() and (observations["domain"] == "Language").all()


def test_units_footnotes_ranges_and_unknowns(observations):
    rows = observations.set_index("model_id")
    first = rows.loc["example-1-2020-06-01"]
    assert first["params_total"] == 175e9 and first["training_tokens"] == 300e9
    assert first["training_compute_flop"] == pytest.approx(3640 * 1e15 * 86400)
    assert rows.loc["example-2"]["params_total"] == 70e9 and rows.loc["example-2"]["flags"] == "range_upper_end"
    assert "range '7–70': upper end taken" in rows.loc["example-2"]["notes"]
    assert rows.loc["example-sparse"]["params_total"] == 1.6e12  # stated unit beats the column's billions
    assert pd.isna(rows.loc["example-sparse"]["training_tokens"])  # "Unknown"
    assert rows.loc["example-3"]["params_total"] == 540e9
    assert pd.isna(rows.loc["example-3"]["training_tokens"])  # GiB are not tokens
    assert "corpus size (not in tokens): 825 GiB" in rows.loc["example-3"]["notes"]
    assert rows.loc["example-1-2021-06-01"]["params_total"] == 0.35e9


def test_rowspan_dates_licences_and_provenance(observations):
    rows = observations.set_index("model_id")
    assert rows.loc["example-sparse"]["organization"] == "Example Corp"  # from the rowspan above
    assert (rows.loc["example-2"]["publication_date"], rows.loc["example-2"]["date_precision"]) == (
        pd.Timestamp("2023-02-24"), "day")
    assert rows.loc["example-1-2020-06-01"]["date_precision"] == "month"
    assert rows.loc["example-sparse"]["date_precision"] == "year"
    assert bool(rows.loc["example-1-2020-06-01"]["open_weights"]) is False
    assert bool(rows.loc["example-sparse"]["open_weights"]) is True
    assert observations["source_url"].str.endswith("/wiki/Large_language_model?oldid=1100000001").all()
    assert observations["source_record"].str.contains("rev 1100000001 row ").all()
    evidence = json.loads(rows.loc["example-1-2020-06-01"]["evidence"])
    assert evidence["params_total"] == ("Wikipedia table 'List of large language models', "
                                        "column 'Number of parameters (billion)': 175")


def test_page_without_the_table_fails_and_keeps_the_old_snapshot(tmp_path):
    root = tmp_path / "wikipedia"
    with LoopbackServer({PAGE_PATH: Route(body=PAGE, content_type=HTML)}) as server:
        assert run(wiki_config(root, server.url(PAGE_PATH), "2026-01-01"))["state"] == "ok"
    before = tree_digest(root / "2026-01-01")
    changed = PAGE.replace(b"List of large language models", b"Some other list")
    with LoopbackServer({PAGE_PATH: Route(body=changed, content_type=HTML)}) as server:
        status = run(wiki_config(root, server.url(PAGE_PATH), "2026-02-01"))
    assert status["state"] == "failed" and "layout changed: no table 'List of large language models'" in status["reason"]
    assert tree_digest(root / "2026-01-01") == before and collect.snapshot_dates(root) == ["2026-01-01"]


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [("May 28, 2020", "2020-05-28", "day"), ("June 2020[3]", "2020-06-01", "month"), ("2019", "2019-01-01", "year"),
     ("Unknown", None, None), ("", None, None)],
)
def test_release_dates(text, date, precision):
    parsed, found = wikipedia.parse_release_date(text)
    assert found == precision and (parsed == pd.Timestamp(date) if date else pd.isna(parsed))


# -- properties of the cell parser ---------------------------------------------------

numbers = st.integers(min_value=1, max_value=10_000_000).map(lambda n: n / 100)
footnotes = st.sampled_from(["[1]", "[23]", "[a]", "[note 4]", "[citation needed]", "[nb 2]"])


@given(numbers)
def test_bare_number_takes_the_column_unit(value):
    parsed, note = wikipedia.parse_quantity_cell(f"{value}", 1e9)
    assert parsed == pytest.approx(value * 1e9) and note is None


@given(numbers, footnotes)
def test_footnote_markers_never_change_the_value(value, marker):
    assert wikipedia.parse_quantity_cell(f"{value}{marker}", 1e9) == wikipedia.parse_quantity_cell(f"{value}", 1e9)


@given(numbers, st.sampled_from([("T", 1e12), ("B", 1e9), (" billion", 1e9), (" million", 1e6)]),
       st.sampled_from([1.0, 1e9]))
def test_stated_unit_wins_over_the_column_unit(value, unit, column_scale):
    suffix, scale = unit
    parsed, _ = wikipedia.parse_quantity_cell(f"{value}{suffix}", column_scale)
    assert parsed == pytest.approx(value * scale)


@given(st.integers(1, 999), st.integers(1, 999), st.sampled_from(["–", "-", " to "]))
def test_range_gives_its_upper_end_with_a_note(low, extra, dash):
    parsed, note = wikipedia.parse_quantity_cell(f"{low}{dash}{low + extra}", 1e9)
    assert parsed == pytest.approx((low + extra) * 1e9) and note.startswith("range")


@given(st.text(max_size=80))
def test_any_text_gives_a_positive_number_or_nothing(text):
    parsed, note = wikipedia.parse_quantity_cell(text, 1e9)
    assert parsed is None or (math.isfinite(parsed) and parsed > 0)
    assert note is None or isinstance(note, str)


@given(st.sampled_from(["Unknown", "unknown", "—", "", "N/A", "?"]), st.lists(footnotes, max_size=2))
def test_absence_markers_give_nothing(marker, markers):
    assert wikipedia.parse_quantity_cell(marker + "".join(markers), 1e9) == (None, None)
