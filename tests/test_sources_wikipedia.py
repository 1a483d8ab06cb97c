"""The Wikipedia plug-in: recorded (synthetic) pages shaped like the list article and the old general article,
conditional updates, and the cell parser's properties."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from pipeline import collect
from pipeline.http import ContentError, Fetcher, FetchPolicy
from pipeline.schema import observation_columns
from pipeline.sources import wikipedia
from tests.httpserver import LoopbackServer, Route, tree_digest, validate_all_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
PAGE = (FIXTURES / "wikipedia_list_of_large_language_models.html").read_bytes()
OLD_LAYOUT = (FIXTURES / "wikipedia_large_language_model.html").read_bytes()  # one captioned table, no year headings
PAGE_PATH = "/wiki/List_of_large_language_models"
HTML = "text/html; charset=UTF-8"
CONTACT = "mailto:maintainer@example.org"
PERMANENT_URL = "/w/index.php?title=List_of_large_language_models&oldid=1200000002"
ETAG = '"rev1200000002"'


def wiki_config(root: Path, url: str, as_of: str = "2026-11-22") -> dict:
    return {"path": str(root), "enabled": True, "as_of": as_of, "url": url, "allowed_hosts": ["127.0.0.1"],
            "min_interval_s": 0, "max_bytes": 1_000_000, "retries": 0}


def run(config: dict) -> dict:
    return collect.collect_source("wikipedia", config, fetch_params={"contact": CONTACT})


def page_route(body: bytes = PAGE, **validators) -> Route:
    return Route(body=body, content_type=HTML, **validators)


@pytest.fixture
def collected(tmp_path) -> tuple[dict, pd.DataFrame]:
    with LoopbackServer({PAGE_PATH: page_route()}) as server:
        config = wiki_config(tmp_path / "wikipedia", server.url(PAGE_PATH))
        assert run(config)["state"] == "ok"
    assert validate_all_metadata(tmp_path / "wikipedia") == 1
    return config, wikipedia.parse(config)


@pytest.fixture
def observations(collected) -> pd.DataFrame:
    return collected[1]


def data_rows_by_year(html: bytes) -> list[tuple[str, str]]:
    """(model name, year of the heading above its table) of every row of the fixture's year tables, read
    independently of the parser: each model's name is a row header cell."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for heading in soup.find_all("h2"):
        if re.fullmatch(r"\d{4}", heading.get_text()):
            section = heading.find_all_next(["h2", "th"])
            for cell in section:
                if cell.name == "h2":
                    break
                if cell.get("scope") == "row":
                    found.append((cell.get_text(), heading.get_text()))
    return found


def test_every_row_of_every_year_table_with_its_year(observations):
    expected = data_rows_by_year(PAGE)
    assert len(expected) == 10 and len({year for _, year in expected}) == 4  # the fixture: four year tables
    assert list(observations.columns) == observation_columns()
    assert list(zip(observations["name"], observations["publication_date"].dt.year.astype(str))) == expected
    assert observations["model_id"].is_unique
    assert (observations["source"] == "wikipedia").all() and (observations["domain"] == "Language").all()
    assert "Nav-Model" not in set(observations["name"])  # the navbox's table is not a model table


def test_dates_keep_their_precision_and_take_the_heading_year(observations):
    rows = observations.set_index("name")
    dated = {name: (rows.loc[name, "publication_date"].strftime("%Y-%m-%d"), rows.loc[name, "date_precision"])
             for name in ("Alpha-LM", "Alpha-LM Small", "Beta", "Delta Chat", "Epsilon", "Zeta-MoE", "Theta")}
    assert dated == {
        "Alpha-LM": ("2022-04-01", "month"),  # "April 2022"
        "Alpha-LM Small": ("2022-06-11", "day"),  # "Jun 11" under the heading 2022
        "Beta": ("2022-12-06", "day"),  # "December 6, 2022"
        "Delta Chat": ("2023-07-18", "day"),  # "July 18", spanning down from the row above, under 2023
        "Epsilon": ("2024-06-11", "day"),  # "Jun 11[14]" under an h3 inside the 2024 section
        "Zeta-MoE": ("2024-09-01", "month"),
        "Theta": ("2025-01-01", "year"),
    }


def test_units_footnotes_ranges_and_unknowns(observations):
    rows = observations.set_index("name")
    assert rows.loc["Alpha-LM", "params_total"] == 540e9  # "540[12]"
    assert rows.loc["Alpha-LM", "training_tokens"] == 768e9
    assert rows.loc["Alpha-LM", "training_compute_flop"] == pytest.approx(29250 * 1e15 * 86400)
    assert rows.loc["Beta", "params_total"] == 65e9 and rows.loc["Beta", "flags"] == "range_upper_end"
    assert rows.loc["Beta", "training_tokens"] == 1.4e12  # "1.4T"
    assert rows.loc["Beta", "training_compute_flop"] == pytest.approx(6300 * 1e15 * 86400)  # "[citation needed]"
    assert rows.loc["Eta", "training_tokens"] == 32e12  # "32T"
    assert rows.loc["Epsilon", "training_tokens"] == 15.6e12  # "15.6T tokens"
    assert rows.loc["Zeta-MoE", "training_tokens"] == 1.2e12  # "1.2 trillion"
    assert rows.loc["Zeta-MoE", "params_total"] == 1.2e12  # a stated unit beats the column's billions
    gamma = rows.loc["Gamma"]
    assert pd.isna(gamma["params_total"]) and pd.isna(gamma["training_tokens"]) and pd.isna(gamma["training_compute_flop"])
    assert pd.isna(rows.loc["Alpha-LM Small", "training_tokens"])  # GiB are not tokens
    assert "Corpus size: not in tokens: 825 GiB" in rows.loc["Alpha-LM Small", "notes"]
    assert pd.isna(rows.loc["Theta", "training_tokens"])  # nor are words
    assert rows.loc["Alpha-LM Small", "organization"] == "Example Lab"  # from the rowspan above
    assert bool(rows.loc["Alpha-LM", "open_weights"]) is False and bool(rows.loc["Eta", "open_weights"]) is True


def test_revision_and_permanent_link_in_metadata_and_rows(collected, tmp_path):
    config, observations = collected
    metadata = collect.read_metadata(tmp_path / "wikipedia" / config["as_of"])
    assert metadata["revision"]["id"] == "1200000002"
    assert metadata["revision"]["permanent_url"].endswith(PERMANENT_URL)
    assert metadata["files"][0]["revision"] == metadata["revision"]
    assert CONTACT in metadata["user_agent"]
    assert (observations["source_url"] == metadata["revision"]["permanent_url"]).all()
    assert observations["source_record"].str.contains(r"rev 1200000002 table \d \(\w[^)]*\) row \d").all()
    evidence = json.loads(observations.set_index("name").loc["Eta", "evidence"])
    assert evidence["training_tokens"] == "Wikipedia table '2025', column 'Corpus size': 32T"


@pytest.mark.parametrize(("page", "looked_for", "found"), [
    (OLD_LAYOUT, "Name/Model and a Release date column under a year heading",
     "'List of large language models' (not under a year heading)"),
    (b"<html><body><h2>2024</h2><p>No table here.</p></body></html>", "under a year heading", "no wikitable at all"),
    (PAGE.replace(b"Release date", b"Launched"), "Release date column", "(no Name/Model or no Release date column)"),
])
def test_an_unrecognised_layout_fails_saying_what_it_looked_for_and_keeps_the_old_snapshot(
        tmp_path, page, looked_for, found):
    root = tmp_path / "wikipedia"
    with LoopbackServer({PAGE_PATH: page_route()}) as server:
        assert run(wiki_config(root, server.url(PAGE_PATH), "2026-01-01"))["state"] == "ok"
    before = tree_digest(root / "2026-01-01")
    with LoopbackServer({PAGE_PATH: page_route(page)}) as server:
        status = run(wiki_config(root, server.url(PAGE_PATH), "2026-02-01"))
    assert status["state"] == "failed" and status["error_type"] == "ContentError"
    assert "layout changed: looked for a wikitable" in status["reason"]
    assert looked_for in status["reason"] and found in status["reason"]
    assert tree_digest(root / "2026-01-01") == before and collect.snapshot_dates(root) == ["2026-01-01"]


def test_a_page_without_its_revision_is_refused(tmp_path):
    with LoopbackServer({PAGE_PATH: page_route(PAGE.replace(b'"wgRevisionId"', b'"wgOther"'))}) as server:
        status = run(wiki_config(tmp_path / "wikipedia", server.url(PAGE_PATH)))
    assert status["state"] == "failed" and "no wgRevisionId" in status["reason"]


def test_a_short_date_without_a_year_heading_stays_unknown_with_a_note():
    html = PAGE.decode().replace('<h2 id="See_also">See also</h2>', '<h2 id="Other">Other</h2>').replace(
        "<th>Model</th><th>Score</th></tr>\n<tr><td>Eta</td><td>90</td>",
        "<th>Name</th><th>Release date</th></tr>\n<tr><td>Iota</td><td>Aug 2</td>")
    rows = wikipedia.observations_from_page(html, "https://w.example/wiki/X", "page.html").set_index("name")
    assert pd.isna(rows.loc["Iota", "publication_date"]) and pd.isna(rows.loc["Iota", "date_precision"])
    assert "Release date: unreadable: 'Aug 2'" in rows.loc["Iota", "notes"]
    assert rows.loc["Eta", "publication_date"] == pd.Timestamp("2025-01-20")  # the year tables are unaffected


def test_the_second_collect_of_an_unchanged_page_is_conditional_and_adds_no_snapshot(tmp_path):
    root = tmp_path / "wikipedia"
    validators = {"etag": ETAG, "last_modified": "Sun, 22 Nov 2026 08:00:00 GMT"}
    with LoopbackServer({PAGE_PATH: page_route(**validators)}) as server:
        assert run(wiki_config(root, server.url(PAGE_PATH), "2026-11-22"))["state"] == "ok"
        first = len(server.requests)
        before = tree_digest(root / "2026-11-22")
        status = run(wiki_config(root, server.url(PAGE_PATH), "2026-12-01"))
        second = server.requests[first:]
    assert status["state"] == "unchanged" and status["unchanged_since"] == "2026-11-22"
    assert "unchanged since 2026-11-22" in status["reason"] and status["snapshot_used"] == "2026-11-22"
    page_requests = [headers for path, headers in second if path == PAGE_PATH]
    assert len(page_requests) == 1 and page_requests[0]["If-None-Match"] == ETAG
    assert page_requests[0]["If-Modified-Since"] == validators["last_modified"]
    assert all(CONTACT in headers["User-Agent"] for _, headers in server.requests)
    assert collect.snapshot_dates(root) == ["2026-11-22"] and tree_digest(root / "2026-11-22") == before
    assert not [entry for entry in root.iterdir() if entry.name.startswith(".staging")]
    assert len(wikipedia.parse(wiki_config(root, "unused", "2026-12-01"))) == 10  # parse keeps the latest snapshot


def test_a_changed_page_makes_a_new_snapshot_after_the_conditional_request(tmp_path):
    root = tmp_path / "wikipedia"
    edited = PAGE.replace(b"1200000002", b"1200000003").replace(b"<td>671</td>", b"<td>680</td>")
    revisions = [page_route(etag=ETAG), page_route(edited, etag='"rev1200000003"')]
    with LoopbackServer({PAGE_PATH: revisions}) as server:
        assert run(wiki_config(root, server.url(PAGE_PATH), "2026-11-22"))["state"] == "ok"
        status = run(wiki_config(root, server.url(PAGE_PATH), "2026-12-01"))
    assert server.requests[-1][1]["If-None-Match"] == ETAG
    assert status["state"] == "ok" and collect.snapshot_dates(root) == ["2026-11-22", "2026-12-01"]
    rows = wikipedia.parse(wiki_config(root, "unused", "2026-12-01")).set_index("name")
    assert rows.loc["Eta", "params_total"] == 680e9 and rows.loc["Eta", "source_url"].endswith("oldid=1200000003")


def test_robots_txt_is_obeyed_before_the_page(tmp_path):
    robots = Route(body=b"User-agent: modelscale\nDisallow: /wiki/\n")
    with LoopbackServer({"/robots.txt": robots, PAGE_PATH: page_route()}) as server:
        status = run(wiki_config(tmp_path / "wikipedia", server.url(PAGE_PATH)))
    assert status["state"] == "failed" and status["error_type"] == "RobotsDisallowed"
    assert [path for path, _ in server.requests] == ["/robots.txt"]
    assert CONTACT in server.requests[0][1]["User-Agent"]


def test_wikipedia_is_not_fetched_without_a_contact(tmp_path):
    config = {**wiki_config(tmp_path / "wikipedia", "https://en.wikipedia.org/wiki/List_of_large_language_models"),
              "allowed_hosts": ["en.wikipedia.org"]}
    status = collect.collect_source("wikipedia", config, fetch_params={"contact": None})
    assert status["state"] == "failed" and status["error_type"] == "ContactRequired"
    assert "set fetch.contact in params.yaml" in status["reason"]
    assert collect.snapshot_dates(tmp_path / "wikipedia") == []


@pytest.mark.parametrize(
    ("text", "heading_year", "date", "precision"),
    [("May 28, 2020", None, "2020-05-28", "day"), ("June 2020[3]", None, "2020-06-01", "month"),
     ("2019", None, "2019-01-01", "year"), ("Jun 11", 2024, "2024-06-11", "day"),
     ("11 June", 2024, "2024-06-11", "day"), ("Sept 3", 2023, "2023-09-03", "day"),
     ("June", 2024, "2024-06-01", "month"), ("2024-06-11", None, "2024-06-11", "day"),
     ("June 11, 2023", 2024, "2023-06-11", "day"),  # the cell's own year wins
     ("Jun 11", None, None, None), ("Feb 30", 2024, None, None),
     ("Unknown", 2024, None, None), ("", 2024, None, None)],
)
def test_release_dates(text, heading_year, date, precision):
    parsed, found = wikipedia.parse_release_date(text, heading_year)
    assert found == precision and (parsed == pd.Timestamp(date) if date else pd.isna(parsed))


@pytest.mark.parametrize(("text", "header", "tokens"), [
    ("32T", "Corpus size", 32e12), ("1.2 trillion", "Corpus size", 1.2e12),
    ("15 trillion tokens", "Corpus size", 15e12), ("300 billion tokens[12]", "Corpus size", 300e9),
    ("300", "Corpus size (billion tokens)", 300e9),
    ("825 GiB", "Corpus size", None), ("3.6 TB", "Corpus size", None), ("300 billion words", "Corpus size", None),
    ("300", "Corpus size", None), ("Unknown", "Corpus size", None),
])
def test_corpus_cells_count_tokens_only(text, header, tokens):
    parsed, _ = wikipedia.parse_corpus_cell(text, header)
    assert parsed == (pytest.approx(tokens) if tokens else None)


def test_parser_errors_are_content_errors():
    with pytest.raises(ContentError, match="layout changed"):
        wikipedia.observations_from_page(OLD_LAYOUT.decode(), "https://w.example", "page.html")


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
