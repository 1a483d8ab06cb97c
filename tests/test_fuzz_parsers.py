"""Fuzzing every parser entry point: only its documented error types may escape.

- registry.read_file: RegistryError
- epoch.observations_from_csv: ContentError (EpochLayoutError is one)
- wikipedia.observations_from_page: ContentError; parse_quantity_cell never raises
- huggingface.repo_observation (model info + card): RegistryError for a card date that is not a date
- extract.extract: DocumentTooComplex
- units.parse_quantity / parse_range: UnitParseError
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import extract, units
from pipeline.http import ContentError
from pipeline.sources import epoch, huggingface, registry, wikipedia

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MARKUP_PIECES = st.sampled_from([
    "<table>", "</table>", "<tr>", "<td>", "<th>", '<td rowspan="3">', '<th colspan="2">', "<caption>", "</caption>",
    "List of large language models", "<h2>", "</h2>", "<div>", "</div>", "<p>", "|", "---", "\n", "# ", "**",
    "7B", "1.6T", "175 billion", "2 trillion tokens", "parameters", "MMLU", "context", "May 28, 2020", "Model",
    "Number of parameters (billion)", "Release date", "[1]", "—", "Unknown", "<!--", "-->", "```", "&amp;", " ",
])
markup = st.lists(st.one_of(MARKUP_PIECES, st.text(max_size=12)), max_size=60).map("".join)
YAML_PIECES = st.sampled_from([
    "models:\n", "  - ", "name: ", "domain: Language\n", "params_total: ", "7.0e+9", "70B", "\n", "    ", "{", "}",
    "[", "]", ": ", "&a ", "*a", "!!python/object:os.system ", "!!str ", '"\\0"', "'", '"', "2023-05", "true",
    "evidence: {params_total: x}\n", "aliases: [a, b]\n", "publication_date: ", "#", "---\n", "null",
])
yaml_text = st.lists(st.one_of(YAML_PIECES, st.text(max_size=8)), max_size=40).map("".join)
csv_text = st.lists(st.one_of(st.sampled_from([
    "Model,Domain,Publication date,Parameters,Training compute (FLOP)\n", ",", "\n", '"', "Language", "2020-07-01",
    "1e9", "-5", "nan", "Wrong", "Confidence", "Vision,Language", "\x00", "\r"]), st.text(max_size=8)), max_size=40).map("".join)


@FUZZ
@given(yaml_text)
def test_registry_reader_raises_only_registry_error(tmp_path_factory, text):
    """Hostile: random YAML built from registry pieces (anchors, tags, quotes, brackets, NUL escapes) →
    registry.read_file raises only RegistryError
    """
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        registry.read_file(path)
    except registry.RegistryError:
        pass


@FUZZ
@given(csv_text)
def test_epoch_parser_raises_only_content_error(text):
    """Hostile: random CSV text (NUL, bare carriage returns, wrong columns and values) → the Epoch parser raises
    only ContentError
    """
    try:
        epoch.observations_from_csv(text, "fuzz.csv", "https://e.example")
    except ContentError:
        pass


@FUZZ
@given(markup)
def test_wikipedia_parser_raises_only_content_error(html):
    """Hostile: random HTML and Markdown fragments → the Wikipedia parser raises only ContentError; a quantity cell
    never raises
    """
    try:
        wikipedia.observations_from_page(html, "https://w.example", "page.html")
    except ContentError:
        pass
    assert isinstance(wikipedia.parse_quantity_cell(html)[1] or "", str)


@FUZZ
@given(st.dictionaries(st.sampled_from(["safetensors", "createdAt", "author", "pipeline_tag", "id"]),
                       st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats(),
                                 st.dictionaries(st.just("total"), st.one_of(st.integers(), st.floats(), st.text())))),
       st.one_of(st.none(), markup))
def test_huggingface_parser_raises_only_registry_error(info, card):
    """Hostile: random model info (wrong types, missing keys) and model cards → the Hugging Face parser raises only
    RegistryError
    """
    entry = {"repo": "org/Model-7B", "name": "Model 7B"}
    try:
        huggingface.repo_observation(info, card, entry, "https://huggingface.co", "org__Model-7B.json")
    except registry.RegistryError:
        pass


@FUZZ
@given(markup, st.sampled_from([None, "text/html", "text/markdown", "text/plain"]))
def test_extract_raises_only_document_too_complex(text, content_type):
    """Hostile: random HTML and Markdown fragments → the extractor raises only DocumentTooComplex, and every record
    it returns has a text name
    """
    try:
        records = extract.extract(text, content_type=content_type)
    except extract.DocumentTooComplex:
        return
    assert all(isinstance(record["name"], str) for record in records)


@FUZZ
@given(st.one_of(st.text(max_size=40), st.from_regex(r"[~≈]?\s?\d{1,4}(\.\d+)?\s?[-–]?\s?\d*\s?[KMBTkmbt]?\+?", fullmatch=True)))
def test_units_raise_only_unit_parse_error(text):
    """Hostile: random text and number-like strings → the unit parsers raise only UnitParseError"""
    for parse in (units.parse_quantity, units.parse_range):
        try:
            parse(text)
        except units.UnitParseError:
            pass
