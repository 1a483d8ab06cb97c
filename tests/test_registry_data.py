"""The curated registry itself: size, coverage, sourcing, and the shape of its trends."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from pipeline import trends, validate
from pipeline.io import load_params
from pipeline.schema import DOMAINS, EVIDENCE_KINDS, NUMERIC_FIELDS, TABLE_REFERENCE
from pipeline.sources import registry
from tests.conftest import REPO


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return registry.parse({"path": str(REPO / "raw" / "registry")})


@pytest.fixture(scope="module")
def valid(observations) -> pd.DataFrame:
    result = validate.validate_observations(observations, load_params("validate", REPO / "params.yaml"))
    assert result.quarantined.empty, result.quarantined[["source_record", "quarantine_reason"]].to_string()
    return result.valid


def test_at_least_400_models_none_quarantined(valid):
    assert len(valid) >= 400


def test_every_parameter_count_has_a_url_and_an_evidence_phrase(observations):
    with_params = observations[observations["params_total"].notna()]
    assert with_params["source_url"].str.startswith(("http://", "https://")).all()
    phrases = [json.loads(cell).get("params_total", "") if isinstance(cell, str) else "" for cell in with_params["evidence"]]
    short = [record for record, phrase in zip(with_params["source_record"], phrases) if len(phrase.strip()) < 5]
    assert short == []


def test_estimates_say_so(observations):
    estimated = observations[observations["confidence"].isin(["likely", "speculative"])]
    assert (estimated["confidence_basis"].fillna("").str.len() > 10).all()


def test_coverage_across_eras_and_domains(valid):
    sized = valid[valid["params_total"].notna()]
    years = sized["publication_date"].dt.year
    assert (years < 2000).sum() >= 40
    assert ((years >= 2000) & (years <= 2015)).sum() >= 60
    assert set(valid["domain"]) == set(DOMAINS)


def test_dense_mmlu_figure(valid):
    open_language = valid[(valid["open_weights"] == True) & (valid["domain"] == "Language")  # noqa: E712
                          & valid["mmlu"].notna() & valid["training_tokens"].notna()]
    assert len(open_language) >= 60


def test_trend_shape_matches_the_fields_classic_chart(valid):
    """Slow growth before 2010, steep growth after 2018, language models on top."""
    params = load_params("trends", REPO / "params.yaml")
    fits = trends.era_fits(valid, "params_total", params)
    early, late = fits["eras"]["pre-2010"], fits["eras"]["2018-onward"]
    assert late["slope_oom_per_year"] > 2 * early["slope_oom_per_year"] > 0
    recent = valid[(valid["publication_date"] >= "2018-01-01") & valid["params_total"].notna()]
    largest = recent.nlargest(20, "params_total")
    assert largest["domain"].value_counts().idxmax() == "Language"


def test_every_number_has_evidence_of_a_registry_kind_and_no_quote_cites_a_table(observations):
    """Acceptance of issue 15: each number's evidence is a quote, table, derived or name; no quote
    has the shape of a table reference ("Table 2: …"), which is a table's evidence."""
    kinds_of_registry = set(EVIDENCE_KINDS) - {"record"}
    lacking, table_quotes = [], []
    for row in observations.itertuples():
        kinds = json.loads(row.evidence_kinds) if isinstance(row.evidence_kinds, str) else {}
        texts = json.loads(row.evidence) if isinstance(row.evidence, str) else {}
        for field in NUMERIC_FIELDS:
            if pd.notna(getattr(row, field)) and kinds.get(field) not in kinds_of_registry:
                lacking.append(f"{row.source_record} {field}")
            if kinds.get(field) == "quote" and TABLE_REFERENCE.match(texts[field]):
                table_quotes.append(f"{row.source_record} {field}: {texts[field]}")
    assert lacking == [] and table_quotes == []


# Pages that list one release after another (a repository, a model card, a docs page or changelog):
# the date of each model is its own, not the page's.
LIVING_DOCUMENT = re.compile(r"^https?://(?:github\.com|huggingface\.co|gitlab\.com)/|/docs?/|changelog|model.?card",
                             re.IGNORECASE)
# Models released on their own before (or after) the paper that describes them with others, each dated
# by its own first appearance.
ADDED_IN_A_LATER_VERSION = {
    "DeepSeek-V2-Lite": "released 2024-05-16 and described in a later version of the DeepSeek-V2 report, "
                        "ten days after DeepSeek-V2",
    "Qwen-7B": "weights released 2023-08-03 (the Qwen README's release notes), seven weeks before Qwen-14B "
               "(2023-09-25); the technical report of late September describes both",
}


def test_entries_citing_one_paper_or_announcement_share_its_date(observations):
    """Acceptance of issue 15: a family's dates follow the first-publication rule where the registry
    can tell, i.e. entries whose url is the same paper or announcement carry the same date (and precision)."""
    assert set(ADDED_IN_A_LATER_VERSION) <= set(observations["name"]), "an exception names no registry entry"
    cited = observations[~observations["source_url"].str.contains(LIVING_DOCUMENT)
                         & ~observations["name"].isin(list(ADDED_IN_A_LATER_VERSION))].copy()
    cited["date"] = cited["publication_date"].dt.strftime("%Y-%m-%d") + " (" + cited["date_precision"] + ")"
    dates = cited.groupby("source_url")["date"].nunique()
    split = cited[cited["source_url"].isin(dates[dates > 1].index)]
    assert split.empty, "\n".join(f"{row.source_url}: {row.date} {row.name} ({row.source_record})"
                                  for row in split.sort_values(["source_url", "date"]).itertuples())
