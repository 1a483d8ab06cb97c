"""Property-based and example tests for pipeline.units."""

import math
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.units import MAX_INPUT_CHARS, UnitParseError, format_quantity, parse_quantity, parse_range


@pytest.mark.parametrize(
    "text, expected",
    [
        ("175", 175.0),
        ("1.6T", 1.6e12),
        ("540 billion", 540e9),
        ("7B", 7e9),
        ("1,542M", 1.542e9),
        ("3.5 trillion", 3.5e12),
        ("3,500B", 3.5e12),
        ("~77 million", 77e6),
        ("15T+", 15e12),
        ("128K", 128_000.0),
        ("4k", 4_000.0),
        ("1B (1.23B)", 1.23e9),
        ("17B (Activated)", 17e9),
        ("4T+50B", 4.05e12),
        ("approximately 36 trillion", 36e12),
        ("over 2T tokens", 2e12),
        ("8,192 tokens", 8192.0),
        ("16.4B", 16.4e9),
    ],
)
def test_examples(text, expected):
    assert parse_quantity(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["Unknown", "—", "-", "N/A", "", "  "])
def test_absent_markers_give_none(text):
    assert parse_quantity(text) is None
    assert parse_range(text) is None


@pytest.mark.parametrize("text, expected", [("7–70", (7.0, 70.0)), ("7-70B", (7e9, 70e9)), ("7 to 13B", (7e9, 13e9))])
def test_ranges(text, expected):
    assert parse_range(text) == pytest.approx(expected)
    with pytest.raises(UnitParseError):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["less than 100GT", "twelve", "7 apples", "B", "1.5.E-04", "70-7B"])
def test_rejects_non_quantities(text):
    with pytest.raises(UnitParseError):
        parse_quantity(text)


def test_error_is_a_value_error():
    assert issubclass(UnitParseError, ValueError)


@given(st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e17, allow_nan=False, allow_infinity=False)))
@example(0.0078125)  # "0.007812" with six decimals: five significant digits, off by 1.6e-5
def test_format_then_parse_round_trips(value):
    assert parse_quantity(format_quantity(value)) == pytest.approx(value, rel=1e-5, abs=1e-9)


@given(
    st.integers(min_value=1, max_value=999_999),
    st.sampled_from([("K", 1e3), ("M", 1e6), ("B", 1e9), ("T", 1e12), (" million", 1e6), (" billion", 1e9)]),
)
def test_integer_with_unit(number, unit):
    suffix, scale = unit
    written = f"{number:,}{suffix}"
    assert parse_quantity(written) == pytest.approx(number * scale)
    assert parse_range(f"~{written}") == pytest.approx((number * scale, number * scale))


@given(st.floats(min_value=0.1, max_value=1000), st.floats(min_value=1.0, max_value=100))
def test_ranges_are_ordered(low, factor):
    high = low * factor
    parsed = parse_range(f"{low:.3f}-{high:.3f}B")
    assert parsed[0] <= parsed[1]


@given(st.text(max_size=300))
@settings(max_examples=400)
def test_arbitrary_text_only_raises_the_documented_error(text):
    for parse in (parse_quantity, parse_range):
        try:
            result = parse(text)
        except UnitParseError:
            continue
        values = result if isinstance(result, tuple) else (result,)
        assert all(v is None or (isinstance(v, float) and math.isfinite(v)) for v in values)


@given(st.from_regex(r"[~ ]{0,2}[0-9,.]{1,12}\s?[kKmMbBtTgG]?[+ ]{0,2}(\([0-9.]{1,6}[BM]?\))?", fullmatch=True))
def test_quantity_shaped_text_only_raises_the_documented_error(text):
    try:
        parse_quantity(text)
    except UnitParseError:
        pass


@pytest.mark.parametrize("text", ["9" * 100_000, "1B " * 50_000, "(" * 100_000])
def test_long_strings_fail_fast(text):
    start = time.perf_counter()
    with pytest.raises(UnitParseError):
        parse_quantity(text)
    assert time.perf_counter() - start < 0.5
    assert len(text) > MAX_INPUT_CHARS


def test_format_rejects_out_of_domain():
    for bad in (-1.0, float("nan"), float("inf"), 1e30):
        with pytest.raises(UnitParseError):
            format_quantity(bad)
