"""What the document is about: its developer and its primary model family."""

from __future__ import annotations

import re

from pipeline.extract.names import LEADING_WORDS, MENTION, mentions, parse_name
from pipeline.extract.text import Document


_ORG_PATTERNS = [
    re.compile(r"organization developing the model\s*:?\s*(?:the\s+)?(.*?)\.?$", re.I),
    re.compile(r"model developers?\s*:?\s*(.+?)\.?$", re.I),
    re.compile(r"^\s*(?:-\s*)?owner\s*:\s*(.+?)\.?$", re.I),
    re.compile(r"(?i:developed|trained from scratch|created|built) by (?:researchers at |the )?([A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3})"),
    re.compile(r"(?:(?i:researchers|engineers) at )?\b((?!We\b|This\b|It\b|They\b|Our\b)[A-Z][\w.&-]+(?: [A-Z][\w.&-]+){0,2}) developed (?:and released )?(?:the|this)\b"),
    re.compile(r"·\s*\d+\s*words\s*·\s*([^|·]+?)\s*(?:\||$)", re.I),
    re.compile(r"author\s*=\s*\{([^{}]+)\}"),
]


def find_org(doc: Document) -> tuple[str | None, str]:
    """The developer as the document names it: model-card fields, "developed by", a byline, a sole bibtex author."""
    for pattern in _ORG_PATTERNS:
        for index, line in enumerate(doc.lines):
            match = pattern.search(line)
            if not match:
                continue
            org = match.group(1).strip(" *:.,")
            if not org and index + 1 < len(doc.lines):  # a model-card label with its value on the next line
                line = doc.lines[index + 1]
                org = re.sub(r"^(?:the\s+)", "", line, flags=re.I).strip(" *:.,")
            if pattern.pattern.startswith("author") and (" and " in org or "," in org):
                continue  # a list of people, not an organisation
            if 1 < len(org) < 60:
                return org, line
    return None, ""


def _is_word_stem(stem: tuple[str, ...]) -> bool:
    return any(re.search(r"[a-z]{2}", t) for t in stem)


def pick_primary(doc: Document, org_tokens: tuple[str, ...]) -> tuple[tuple[str, ...], str, frozenset[float]]:
    """The family the document is about: title names weigh 5, each prose mention 1.

    Also returns how to write the family name and the sizes the title gives it
    ("Qwen1.5-110B: ..." announces the 110B only, so a 72B of the same family is a rival).
    """
    weights: dict[tuple[str, ...], float] = {}
    surface: dict[tuple[str, ...], dict[str, int]] = {}
    title_sizes: dict[tuple[str, ...], set[float]] = {}
    title_stems = set()
    for match in MENTION.finditer(doc.title):
        info = parse_name(match.group(0), org_tokens)
        if _is_word_stem(info.stem):
            title_stems.add(info.stem)
            weights[info.stem] = weights.get(info.stem, 0.0) + 5
            if info.nominal:
                title_sizes.setdefault(info.stem, set()).add(info.nominal)
    for line in doc.lines:
        for match in MENTION.finditer(line):
            chain = match.group(0).rstrip(".")
            info = parse_name(chain, org_tokens)
            strict = bool(mentions(chain))
            if not _is_word_stem(info.stem) or not (strict or info.stem in title_stems):
                continue
            weights[info.stem] = weights.get(info.stem, 0.0) + 1
            if info.nominal is None and not info.variant:
                forms = surface.setdefault(info.stem, {})
                written = " ".join(w for w in chain.split() if w.lower() not in LEADING_WORDS)
                forms[written] = forms.get(written, 0) + 1
    if not weights:
        return (), "", frozenset()
    best = max(weights, key=lambda s: (weights[s], -len(s)))
    forms = surface.get(best)
    name = max(forms, key=lambda f: (forms[f], -len(f))) if forms else " ".join(best).title()
    return best, name, frozenset(title_sizes.get(best, ()))
