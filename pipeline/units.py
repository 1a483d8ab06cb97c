"""Parse human-written quantities ("1.6T", "175 billion", "128K", "~77 million") into floats.

Every public function either returns a value or raises `UnitParseError`; no other
exception escapes for any input string.

Conventions (shared with the corpus GOLD):
- K/k = 1e3 (so "128K" context is 128000 and "4k" is 4000), M = 1e6, B/G = 1e9, T = 1e12.
- Qualifiers are dropped: "~77 million" -> 77e6, "15T+" -> 15e12, "over 2T" -> 2e12.
- "1B (1.23B)": the parenthesised, more precise value wins when it is close to the
  main one (within a factor of 1.5).
- "4T+50B": two stages stated together are summed -> 4.05e12.
- Ranges ("7-70B", "7–70") are not single values: `parse_quantity` raises for them and
  `parse_range` returns `(low, high)`; the unit of the upper end applies to both ends when
  the lower end has none.
- Markers of absence ("Unknown", "—", "-", "N/A", "") give None.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["UnitParseError", "parse_quantity", "parse_range", "format_quantity", "MAX_INPUT_CHARS"]


class UnitParseError(ValueError):
    """The text is not one recognisable quantity."""


# Longer inputs are not quantities; refusing them keeps parsing time bounded.
MAX_INPUT_CHARS = 200

_SCALE_WORDS = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "mn": 1e6,
    "bn": 1e9,
}
_SCALE_LETTERS = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}

_ABSENT = {"", "unknown", "n/a", "na", "none", "null", "nan", "?", "tbd", "-", "—", "–", "not stated", "undisclosed"}

_LEADING_QUALIFIERS = re.compile(
    r"^(?:~|≈|>=?|≥|(?:about|approximately|approx\.?|around|roughly|nearly|almost|over|more than|"
    r"at least|up to|circa|ca\.|c\.)(?=[\s\d~]))\s*",
    re.IGNORECASE,
)
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
# A number, optional unit (letter or word), optional trailing tokens/params noise.
_QUANTITY = re.compile(
    rf"^(?P<num>{_NUMBER})\s*(?:(?P<word>thousand|million|billion|trillion|mn|bn)\b|(?P<letter>[kmbgtKMBGT])(?![a-zA-Z]{{2}}))?",
    re.IGNORECASE,
)
_TRAILING_NOISE = re.compile(
    r"\s*(?:\+|tokens?|params?|parameters?|words?|t\b|\(.*\))?\s*$", re.IGNORECASE
)
_RANGE_SPLIT = re.compile(r"\s*(?:–|—|-|\bto\b)\s*")


def _clean(text: object) -> str:
    if not isinstance(text, str):
        raise UnitParseError(f"expected a string, got {type(text).__name__}")
    if len(text) > MAX_INPUT_CHARS:
        raise UnitParseError(f"text too long to be a quantity ({len(text)} characters)")
    return " ".join(text.replace("\u00a0", " ").split())


def _single(text: str) -> float:
    """Parse one quantity with an optional unit; raise UnitParseError otherwise."""
    body = _LEADING_QUALIFIERS.sub("", text.strip())
    body = body.lstrip("~≈ ")
    match = _QUANTITY.match(body)
    if not match:
        raise UnitParseError(f"no number in {text!r}")
    rest = body[match.end():]
    if rest and not _TRAILING_NOISE.fullmatch(rest):
        raise UnitParseError(f"unexpected text {rest!r} in {text!r}")
    scale = 1.0
    if match.group("word"):
        scale = _SCALE_WORDS[match.group("word").lower()]
    elif match.group("letter"):
        scale = _SCALE_LETTERS[match.group("letter").lower()]
    # Decimal keeps "16.4B" at exactly 16400000000 instead of 16399999999.999998.
    value = float(Decimal(match.group("num").replace(",", "")) * Decimal(scale))
    if not math.isfinite(value):
        raise UnitParseError(f"not a finite number: {text!r}")
    return value


def _has_unit(text: str) -> bool:
    match = _QUANTITY.match(_LEADING_QUALIFIERS.sub("", text.strip()).lstrip("~≈ "))
    return bool(match and (match.group("word") or match.group("letter")))


def _precise_alternative(text: str) -> tuple[str, str] | None:
    """Split "1B (1.23B)" into its main and parenthesised parts."""
    match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)\s*", text)
    if not match or not match.group(1):
        return None
    return match.group(1), match.group(2)


def parse_quantity(text: str) -> float | None:
    """One quantity as a float, None for an explicit "unknown" marker.

    Raises UnitParseError for ranges and for anything that is not a quantity.
    """
    cleaned = _clean(text)
    if cleaned.lower().strip(" .*") in _ABSENT:
        return None
    parts = _precise_alternative(cleaned)
    if parts:
        main = _single(parts[0])
        try:
            precise = _single(parts[1])
        except UnitParseError:
            return main
        return precise if main > 0 and 1 / 1.5 <= precise / main <= 1.5 else main
    stages = re.fullmatch(r"(.+?\S)\s*\+\s*(\S.*)", cleaned)
    if stages and _has_unit(stages.group(1)) and _has_unit(stages.group(2)):
        return _single(stages.group(1)) + _single(stages.group(2))
    if _is_range(cleaned):
        raise UnitParseError(f"range, not a single quantity: {text!r} (use parse_range)")
    return _single(cleaned)


def _is_range(cleaned: str) -> bool:
    pieces = _RANGE_SPLIT.split(cleaned)
    return len(pieces) == 2 and all(re.match(r"[~≈]?\s*\d|\.\d", p) for p in pieces)


def parse_range(text: str) -> tuple[float, float] | None:
    """A range "7-70B" as (7e9, 70e9); a single quantity q as (q, q); None when unknown."""
    cleaned = _clean(text)
    if not _is_range(cleaned):
        value = parse_quantity(cleaned)
        return None if value is None else (value, value)
    low_text, high_text = _RANGE_SPLIT.split(cleaned)
    high = _single(high_text)
    if _has_unit(low_text) or not _has_unit(high_text):
        low = _single(low_text)
    else:
        unit = re.sub(rf"^\s*[~≈]?\s*(?:{_NUMBER})", "", high_text)
        low = _single(low_text + unit)
    if low > high:
        raise UnitParseError(f"range with low end above high end: {text!r}")
    return low, high


def format_quantity(value: float) -> str:
    """Short human form ("1.6T", "175B", "128K", "12") for 0 or 1e-3 <= value < 1e18.

    parse_quantity(format_quantity(x)) equals x to six significant digits.
    """
    if not isinstance(value, (int, float)) or not (value == 0 or 1e-3 <= value < 1e18):
        raise UnitParseError(f"cannot format {value!r}: outside 0 or [1e-3, 1e18)")
    for letter, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= scale:
            return f"{value / scale:.6g}{letter}" if value / scale < 1e5 else f"{value / scale:.0f}{letter}"
    return f"{value:.6g}"  # six significant digits; for 1e-3 <= value, never an exponent
