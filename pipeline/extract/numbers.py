"""Numbers as announcements write them: sizes ("70B", "1B (1.23B)", "10B dense + 128x3.66B MoE"),
table cells with or without units, MMLU scores and dates."""

from __future__ import annotations

import re

from pipeline.units import UnitParseError, parse_quantity


NUM = r"(?<!\d)\d+(?:\.\d+)?"  # never starting inside a digit run: long runs cost linear time
# "五千亿" (five hundred billion), "两万亿": a number written in Chinese numerals, with its magnitude
CJK_QTY = r"[一二两三四五六七八九十百千]+\s?(?:万亿|千亿|亿|万)"
QTY = (rf"(?:(?:~|≈|about |around |approximately |nearly |roughly )?{NUM}(?:,\d{{3}})*\s?"
       rf"(?:(?:thousand|million|billion|trillion)\b|[KMBTkmbt](?![a-zA-Z])|万亿|千亿|亿|万)?|{CJK_QTY})")
# Chinese magnitudes: 万亿 (10^12), 千亿 (10^11), 亿 (10^8), 万 (10^4).
_CJK_MAGNITUDES = (("万亿", 1e12), ("千亿", 1e11), ("亿", 1e8), ("万", 1e4))
# "6.98B (without embeddings)", "Non-embedding parameters": a count that leaves out the embeddings, not the total.
NON_EMBEDDING = re.compile(r"non-?embedding|(?:without|excluding|w/o) embeddings?", re.I)
# "7B, 13B and 70B", "1.8B/7B/14B", "3 and 7 billion", "102B、51B 和 2B": sizes listed together.
LIST_SEPARATOR = r"\s*(?:,|/|、|\band\b|\bor\b|和|与|及)\s*"
SIZE_LIST = re.compile(
    rf"(?<![\w.])(?P<list>{NUM}\s?(?:[BbMm](?:[_-]v\d+)?|billion|million)?(?:\s*(?:,|/|,?\s*and|,?\s*or|、|和|与|及)\s*{NUM}\s?(?:[BbMm](?:[_-]v\d+)?|billion|million)?)+)"
    rf"(?![A-Za-z0-9_]|\.\d)(?P<after>\s*(?:parameters?|parameter models|sizes?|models?|checkpoints?|variants?|参数|模型|\S{{0,2}}版本|\S{{0,2}}尺寸|规模)?)",
)
# "10B dense + 128x3.66B MoE": a dense trunk plus N experts of a given size.
_DENSE_PLUS_EXPERTS = re.compile(rf"(?P<dense>{QTY})\s*dense\s*\+\s*(?P<n>\d+)\s*[x×]\s*(?P<expert>{QTY})\s*(?:MoE|experts?)", re.I)
# "685B incl. 14B MTP": the stated size includes a module that is not part of the model proper.
_INCLUDING = re.compile(rf"(?P<whole>{QTY})\s*\(?(?:incl\.?|including)\s+(?P<part>{QTY})", re.I)


_ROUNDED_THEN_EXACT = re.compile(rf"{NUM}\s*(?P<unit>[BMT])\s*\(\s*(?P<exact>{NUM})\s*\)")
_TOTAL_A_ACTIVE = re.compile(rf"(?P<total>{NUM}\s*[BMT])\s*-\s*A(?P<active>{NUM}\s*[BM])", re.I)


def parse_params_cell(text: str, unitless_scale: float) -> tuple[float | None, float | None]:
    """(total, active) from cells like "70B", "1B (1.23B)", "17B (Activated) 109B (Total)", "14.3"."""
    total = active = None
    for match in re.finditer(rf"({NUM}\s*[BMT]?)\s*\((activ\w*|total)\)", text, re.IGNORECASE):
        value = quantity(match.group(1), unitless_scale)
        if match.group(2).lower().startswith("activ"):
            active = value
        else:
            total = value
    if total is not None or active is not None:
        return total, active
    moe = _TOTAL_A_ACTIVE.fullmatch(text.strip())
    if moe:  # "355B-A32B": total and active, as MoE names write them
        return quantity(moe.group("total")), quantity(moe.group("active"))
    exact = _ROUNDED_THEN_EXACT.fullmatch(text.strip())
    if exact:  # "11B (10.6)": the rounded size, then the exact count in the same unit
        return quantity(exact.group("exact") + exact.group("unit")), None
    return composite_total(text) or quantity(text, unitless_scale), None


def composite_total(text: str) -> float | None:
    """Totals written as arithmetic: "10B dense + 128x3.66B MoE", "685B incl. 14B MTP"."""
    match = _DENSE_PLUS_EXPERTS.search(text)
    if match:
        dense, expert = quantity(match.group("dense")), quantity(match.group("expert"))
        return dense + int(match.group("n")) * expert if dense and expert else None
    match = _INCLUDING.search(text)
    if match:
        whole, part = quantity(match.group("whole")), quantity(match.group("part"))
        return whole - part if whole and part and part < whole else None
    return None


_CJK_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}


def _cjk_number(text: str) -> float | None:
    """"五千" -> 5000, "十二" -> 12, "三" -> 3."""
    total, digit = 0, None
    for char in text:
        if char in _CJK_DIGITS:
            digit = _CJK_DIGITS[char]
        elif char in _CJK_UNITS:
            total += (1 if digit is None else digit) * _CJK_UNITS[char]
            digit = None
        else:
            return None
    return float(total + (digit or 0)) if text else None


def quantity(text: str, unitless_scale: float = 1.0) -> float | None:
    if re.fullmatch(r"[一二两三四五六七八九十百千]+", text.strip().rstrip("万亿千").strip() or "-"):
        text = text.strip()
        for word, scale in _CJK_MAGNITUDES:
            if text.endswith(word):
                number = _cjk_number(text[: -len(word)].strip())
                return number * scale if number is not None else None
    for word, scale in _CJK_MAGNITUDES:
        if text.rstrip().endswith(word):
            number = quantity(text.rstrip()[: -len(word)])
            return number * scale if number is not None else None
    try:
        value = parse_quantity(text)
    except UnitParseError:
        return None
    if value is not None and re.fullmatch(rf"\s*[~≈]?\s*{NUM}\s*\+?\s*", text):
        value *= unitless_scale
    return value


def bare_number_scale(label: str, kind: str) -> float:
    """Bare numbers in a parameter column are billions unless the header says otherwise."""
    if kind in {"params_total", "params_active"}:
        if re.search(r"\(\s*m\s*\)|million", label, re.IGNORECASE):
            return 1e6
        return 1e9
    if kind == "training_tokens" and re.search(r"\(\s*t\s*\)|trillion", label, re.IGNORECASE):
        return 1e12
    return 1.0


def mmlu_value(text: str) -> float | None:
    match = re.fullmatch(rf"\s*({NUM})\s*%?\s*", text)
    if not match:
        return None
    value = float(match.group(1))
    return value if 0 < value <= 100 else None


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTH_RE = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"


def parse_date(text: str) -> str | None:
    """ISO date ("2024-04-18") or month ("2020-09") from the first date-like span in text."""
    patterns = [
        (rf"\b{_MONTH_RE}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", lambda m: (m[3], _MONTHS[m[1][:3]], m[2])),
        (rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_RE},?\s+(\d{{4}})", lambda m: (m[3], _MONTHS[m[2][:3]], m[1])),
        (r"\b(\d{4})[./-](\d{1,2})[./-](\d{1,2})\b", lambda m: (m[1], m[2], m[3])),
        (r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", lambda m: (m[3], m[1], m[2])),
        (r"(?<![\d.])(\d{2})\.(\d{2})\.(\d{2})(?![\d.])", lambda m: ("20" + m[1], m[2], m[3])),
        (rf"\b{_MONTH_RE},?\s+(\d{{4}})\b", lambda m: (m[2], _MONTHS[m[1][:3]], None)),
    ]
    for pattern, parts in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        if not match:
            continue
        groups = [match.group(0)] + [g.lower() if g else g for g in match.groups()]
        year, month, day = parts(groups)
        year, month = int(year), int(month)
        if not (1950 <= year <= 2100 and 1 <= month <= 12):
            continue
        if day is None:
            return f"{year:04d}-{month:02d}"
        if 1 <= int(day) <= 31:
            return f"{year:04d}-{month:02d}-{int(day):02d}"
    return None


def params_part(text: str, label: str) -> str:
    """"Size (MB/Params)" over "543MB / 136M": the part in the place where the header puts the parameters."""
    parts, labels = text.split("/"), re.sub(r"^[^(]*\(|\)[^)]*$", "", label).split("/")
    if len(parts) == len(labels) > 1:
        return next((part for part, name in zip(parts, labels) if re.search(r"param", name, re.I)), text)
    return text


def cell_value(kind: str, text: str, label: str) -> object:
    if kind == "mmlu":
        return mmlu_value(text)
    if kind == "publication_date":
        return parse_date(text)
    if kind == "context_length":
        # "32K -> 128K": trained at 32K, extended to 128K; "128K -> 256K (YaRN)": 256K only by stretching positions
        stages = re.split(r"->|→", text)
        text = stages[0] if re.search(r"yarn|rope", text, re.I) else stages[-1]
    text = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))", "", text)  # "4 096": a space between thousands
    if kind in {"params_total", "params_active"}:
        text = params_part(text, label)
    if len(text.split()) > 4:
        return None  # a sentence in a cell ("Yi-9B is trained on Yi-6B, using 0.8T tokens") is not a value
    if re.search(r"\bversions?\b|\bvariants?\b", text, re.I):
        return None  # "128k version": a link to another model of the row's, not the row's own value
    scientific = re.fullmatch(r"\s*(\d+(?:\.\d+)?[eE][+-]?\d+)\s*", text)
    if scientific:
        return float(scientific.group(1))  # "2.22E+09"
    if re.search(r"less than|fewer than|under|below|<", text, re.IGNORECASE):
        return None  # an upper bound alone is not a value
    match = re.search(rf"[~≈]?\s*{NUM}(?:,\d{{3}})*\s*[KMBTkmbt]?\+?(?:\s*\+\s*{NUM}\s*[KMBTkmbt])?", text)
    # a bare number of six digits or more is an exact count ("6706958336" parameters), whatever the column's unit
    exact = match and not re.search(r"[KMBTkmbt]", match.group(0)) and float(re.sub(r"[^\d.]", "", match.group(0)) or 0) >= 1e5
    value = quantity(match.group(0).strip(), 1.0 if exact else bare_number_scale(label, kind)) if match else None
    if kind == "training_tokens" and value is not None and value < 1e8:
        return None  # "0.6" under a token column is a score or a ratio, not a training set
    return value
