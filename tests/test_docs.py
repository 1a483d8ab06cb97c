"""The README's data dictionary is generated from the schema and kept in sync."""

from pipeline import docs
from pipeline.schema import canonical_columns
from tests.conftest import REPO


def test_readme_data_dictionary_is_up_to_date():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert docs.update_readme(text) == text, "run: python -m pipeline.docs"


def test_dictionary_documents_every_canonical_column_with_its_unit():
    dictionary = docs.data_dictionary()
    for column in canonical_columns():
        assert f"| `{column}` |" in dictionary
    assert "| `params_total` | number | parameters | ≥ 1, ≤ 1e+15 |" in dictionary
    assert "| `training_compute_flop` | number | FLOP |" in dictionary
