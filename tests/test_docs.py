"""Generated documentation kept in sync: the README's data dictionary (from the schema) and
docs/hostile-inputs.md (from the tests' `Hostile:` claims)."""

import ast

import pytest

from pipeline import docs
from pipeline.schema import canonical_columns
from tests.conftest import REPO

# Files whose every test is about hostile input, and so must say what it proves.
HOSTILE_TEST_FILES = ("test_hostile.py", "test_crash.py", "test_fuzz_parsers.py")


def test_readme_data_dictionary_is_up_to_date():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert docs.update_readme(text) == text, "run: python -m pipeline.docs"


def test_dictionary_documents_every_canonical_column_with_its_unit():
    dictionary = docs.data_dictionary()
    for column in canonical_columns():
        assert f"| `{column}` |" in dictionary
    assert "| `params_total` | number | parameters | ≥ 1, ≤ 1e+15 |" in dictionary
    assert "| `training_compute_flop` | number | FLOP |" in dictionary


def test_hostile_inputs_table_is_up_to_date():
    text = (REPO / docs.HOSTILE_INPUTS).read_text(encoding="utf-8")
    assert docs.hostile_inputs_document(REPO) == text, "run: python -m pipeline.docs"


@pytest.mark.parametrize("name", HOSTILE_TEST_FILES)
def test_every_hostile_test_says_what_it_proves(name):
    path = REPO / "tests" / name
    tests = [node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]
    claimed = {claim.test.split("::")[1] for claim in docs.hostile_claims(path, name)}
    assert [test for test in tests if test not in claimed] == []


def test_hostile_claims_are_read_from_docstrings_and_a_claim_without_arrow_is_refused(tmp_path):
    path = tmp_path / "test_example.py"
    path.write_text('''
def test_two_claims():
    """What it does.

    Hostile: a name | with a pipe → shown as
    text, on one row

    Hostile: a second input → a second row
    """


def helper():
    """Hostile: not a test → not listed"""


def test_no_arrow():
    """Hostile: an input and no outcome"""
''', encoding="utf-8")
    with pytest.raises(ValueError, match=r"test_example.py:16: test_no_arrow: a hostile claim reads"):
        docs.hostile_claims(path, "tests/test_example.py")
    path.write_text(path.read_text(encoding="utf-8").split("def test_no_arrow")[0], encoding="utf-8")
    assert docs.hostile_claims(path, "tests/test_example.py") == [
        docs.HostileClaim("tests/test_example.py::test_two_claims", "a name | with a pipe", "shown as text, on one row"),
        docs.HostileClaim("tests/test_example.py::test_two_claims", "a second input", "a second row"),
    ]
    (tmp_path / "tests").mkdir()
    path.rename(tmp_path / "tests" / "test_example.py")
    assert "| a name \\| with a pipe | shown as text, on one row | `tests/test_example.py::test_two_claims` |" in (
        docs.hostile_inputs_document(tmp_path))
