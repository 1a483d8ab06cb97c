"""The curated registry itself: size, coverage, sourcing, and the shape of its trends."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline import trends, validate
from pipeline.io import load_params
from pipeline.schema import DOMAINS
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
