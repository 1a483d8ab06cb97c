"""Which model a sentence speaks of, and to which candidates a fact it states applies.

A number belongs to the nearest model named before it in the sentence; to another model when the words
before it compare ("than Gopher", "compared with X", "its predecessor") or name a proper name that is not
of the document's family; else to the document's family in general. Names listed with the subject share
what the sentence states ("`mamba-130m`, `mamba-370m`, …, trained on 300B tokens"), and sizes a sentence
lists before a number ("2B and 8B parameter models, trained on …") narrow it to those sizes.
"""

from __future__ import annotations

import re

from pipeline.extract.candidates import GENERAL, NAMED, Candidate, Context, fact_value
from pipeline.extract.names import HARDWARE, SIZE_IN_NAME, NameInfo, contains, mentions, of_family, starts_with
from pipeline.extract.numbers import LIST_SEPARATOR, NUM, SIZE_LIST, quantity


# What turns the words before a number to another model: "than Gopher", "compared with X", "its predecessor".
_COMPARISON = re.compile(r"\b(?:than|compared (?:to|with)|versus|vs\.?|unlike|against|outperform\w*|surpass\w*|rivals?|rivall?ing|"
                         r"predecessors?|previous|prior)\b", re.I)
_NAMELESS_COMPARISON = re.compile(r"predecessor|previous|prior", re.I)
# "Chinchilla was trained on …": a name opening the sentence as its subject.
_SENTENCE_SUBJECT = re.compile(r"^\W*(?P<name>[A-Z][\w.-]*(?:[ -][A-Z0-9][\w.-]*)*)\s+(?:was|is|has|had|were|uses|used)\b")


# "the results of GPT-J, a 6B parameter model": a name set off right before the number describes it.
_APPOSITIVE = re.compile(r"\b(?P<name>[A-Z][\w.]*(?:-[\w.]+)+|[A-Z]\w*[A-Z]\w*),\s+(?:an?|the)\s+[^,]{0,20}$")


def subject_mention(ctx: Context, sentence: str, position: int) -> tuple[str, NameInfo] | None:
    """The model a sentence talks about at `position`: the nearest name mentioned before it."""
    best = None
    known = {c.info.stem for c in ctx.candidates} | {ctx.primary}
    known_names = _known_names(ctx, sentence)
    longer = {start: len(name) for start, name in known_names}
    # "ChineseBERT-large: … 374M parameters": the known name, not the shorter "ChineseBERT" read at its start
    found = [(s, m) for s, m in mentions(sentence) if len(m) >= longer.get(s, 0)] + known_names
    for start, mention in sorted(found):
        if start >= position:
            break
        if HARDWARE.match(re.split(r"[\s_-]", mention)[0]):
            continue
        info = ctx.info(mention)
        # Acronyms such as "MoE" or "GQA" are mentions too, but not models.
        # "Unbabel/XCOMET-XXL": a repository id names a model, digits in it or not
        repository = bool(re.search(r"[\w-]/$", sentence[:start]))
        if info.stem and (info.stem in known or of_family(info.stem, ctx.primary) or re.search(r"\d", mention) or repository):
            best = mention, info
    return best


def _known_names(ctx: Context, sentence: str) -> list[tuple[int, str]]:
    """Names of models already read that prose writes without a number or second capital ("Ling-plus has 290
    billion parameters"): a tier word after the family is no mention by form alone."""
    found = []
    for name in {SIZE_IN_NAME.sub("", c.name).strip(" -_") for c in ctx.candidates}:
        words = re.split(r"[-\s]+", name)
        if len(words) < 2 or not words[-1].isalpha():
            continue
        written = r"[-\s]".join(re.escape(w) for w in words)
        found += [(m.start(), m.group(0)) for m in re.finditer(rf"(?<![\w.-])(?i:{written})(?![\w-])", sentence)]
    return [(start, name) for start, name in found if not any(s == start and len(m) >= len(name) for s, m in mentions(sentence))]


def subject_of(ctx: Context, sentence: str, position: int) -> NameInfo | None:
    found = subject_mention(ctx, sentence, position)
    return found[1] if found else None


def about_model(ctx: Context, sentence: str, position: int) -> tuple[NameInfo | None, str | None]:
    """(the model a number at `position` is about, None for the document's family in general;
    the other model's name when the words before it are about another model)."""
    found = subject_mention(ctx, sentence, position)
    if found is not None:
        mention, info = found
        # "Overview Llama 2" holds the family's name: not another model (if not one this reader can place).
        if _short_for_primary(ctx, info):
            return None, None
        ours = ctx.announced(info) or contains(info.stem, ctx.primary) or info.stem in {c.info.stem for c in ctx.candidates}
        # "The 600M parameter ESM C rivals the 3B parameter ESM2": past a comparison, the number is the rival's
        end = sentence.rfind(mention, 0, position) + len(mention)
        # ("trained on more than 850 billion tokens": "than" before a number bounds it, it compares nothing)
        compared = next((m for m in _COMPARISON.finditer(sentence[end:position])
                         if not re.match(r"\s*[~≈]?\d", sentence[end + m.end():])), None)
        if ours and compared:
            return None, f"the model {compared.group(0).lower()} {mention}"
        if ours:
            return info, None
        before = sentence[: sentence.rfind(mention, 0, position)].rstrip(" *")
        if (not before or before.endswith((":", "-", "("))) and re.fullmatch(r"[A-Z][a-z]+ \d[\d.]*\s?[BMbm]", mention):
            return None, None  # "MoE Models: Sparse 1B and 3B …": a capitalised word at a clause's start, not a name
        if _is_other_name(ctx, mention):
            return None, mention
    head = sentence[:position]
    appositive = _APPOSITIVE.search(head)
    if appositive and _is_other_name(ctx, appositive.group("name")):
        return None, appositive.group("name")
    comparisons = list(_COMPARISON.finditer(head))
    if comparisons:
        names = [w for w in re.findall(r"\b[A-Z][\w.-]*", head[comparisons[-1].end():]) if _is_other_name(ctx, w)]
        if names:
            return None, names[0]
        if _NAMELESS_COMPARISON.fullmatch(comparisons[-1].group(0)):
            return None, f"the {comparisons[-1].group(0).lower()} model"
    opening = _SENTENCE_SUBJECT.match(head)
    if opening and _is_other_name(ctx, opening.group("name")):
        return None, opening.group("name")
    return None, None


def _short_for_primary(ctx: Context, info: NameInfo) -> bool:
    """"M1" in a document about MiniMax-M1: the family's name without its developer's prefix."""
    return 0 < len(info.stem) < len(ctx.primary) and ctx.primary[-len(info.stem):] == info.stem and any(
        re.search(r"\d", t) for t in info.stem)


def _is_other_name(ctx: Context, name: str) -> bool:
    """A proper name (never written in lower case in the document) that is not of the document's family or developer."""
    info = ctx.info(name)
    first = name.split()[0].split("-")[0]
    if not info.stem or contains(info.stem, ctx.primary) or of_family(info.stem, ctx.primary) or _short_for_primary(ctx, info) \
            or first.lower() in ctx.org_tokens:
        return False
    lower = re.compile(rf"(?<![\w-]){re.escape(first.lower())}(?![\w-])")
    return not any(lower.search(line) for line in ctx.doc.lines)


def fact_targets(ctx: Context, subject: NameInfo | None) -> tuple[list[Candidate], int]:
    """Candidates a prose fact applies to, and the priority it carries."""
    if subject is None:
        return [c for c in ctx.candidates if c.info.stem == ctx.primary], GENERAL
    matches = [c for c in ctx.candidates if c.info.stem == subject.stem]
    if subject.nominal:
        matches = [c for c in matches if c.info.nominal and abs(c.info.nominal - subject.nominal) / subject.nominal < 0.02]
    if subject.variant:  # "Orion-14B-Base: … pretrained on 2.5T tokens" says nothing of Orion-14B-Chat
        same = {subject.variant, ""} if subject.variant == "base" else {subject.variant}
        matches = [c for c in matches if c.info.variant in same]
    return matches, NAMED


def reject_fact(ctx: Context, other: str, key: str, value: object, sentence: str) -> None:
    ctx.reject(other, f"stated in a sentence about another model ({other})", sentence, key, value)


def apply_stated(ctx: Context, sentence: str, position: int, key: str, value: object) -> None:
    """A number stated at `position` of a sentence, for the model the sentence is about, unless that is another model."""
    subject, other = about_model(ctx, sentence, position)
    if other:
        reject_fact(ctx, other, key, value, sentence)
        return
    for listed in _listed_with(ctx, sentence, position, subject):
        apply_fact(ctx, listed, key, value, sentence)
    # Sizes named since the sentence's previous count of tokens: "其中 7B 模型…1.5 万亿 Tokens…，12B 模型…3 万亿 Tokens".
    head = sentence[:position]
    since = max((m.end() for m in re.finditer(r"tokens", head, re.I)), default=0)
    sizes = sizes_listed_before(head[since:]) if subject is None or subject.nominal is None else []
    if sizes:  # "Dense Models: 2B and 8B parameter models, trained on 12 trillion tokens": those sizes only
        for cand in fact_targets(ctx, subject)[0]:
            size = cand.info.nominal or fact_value(cand, "params_total")
            if isinstance(size, float) and any(abs(size - s) <= 0.02 * s for s in sizes):
                cand.put(key, value, sentence, GENERAL)
        return
    apply_fact(ctx, subject, key, value, sentence)


_THE_SIZE_MODEL = re.compile(rf"\bthe\s+(?P<size>{NUM}\s?[BM])[-\s]models?\b|(?<![\w.])(?P<size_zh>{NUM}\s?[BM])\s?模型")


def sizes_listed_before(head: str) -> list[float]:
    """Sizes a sentence names before a number: "2B and 8B parameter models, trained on …", "For the 1B model, …"."""
    found = [quantity((m.group("size") or m.group("size_zh")).replace(" ", "")) for m in _THE_SIZE_MODEL.finditer(head)]
    for match in SIZE_LIST.finditer(head):
        parts = [p for p in re.split(LIST_SEPARATOR, match.group("list")) if p]
        unit = re.sub(rf"^{NUM}\s?", "", parts[-1])
        values = [quantity((p if re.search(r"[A-Za-z]", p) else p + unit).replace("b", "B").replace("m", "M")) for p in parts]
        found += [v for v in values if v and v >= 1e7]
    return [v for v in found if v]


_LIST_GLUE = re.compile(r"[`*\s]*(?:,|/|\band\b|\bor\b)(?:[`*\s,]|\band\b)*")


def _listed_with(ctx: Context, sentence: str, position: int, subject: NameInfo | None) -> list[NameInfo]:
    """"`mamba-130m`, `mamba-370m`, …, `mamba2-2.7b`, trained on 300B tokens": the names listed with the subject
    (joined by commas or "and" only) share what the sentence states about it."""
    if subject is None:
        return []
    found = [(start, m) for start, m in mentions(sentence) if start < position]
    listed: list[NameInfo] = []
    for (start, mention), (next_start, _) in zip(reversed(found[:-1]), reversed(found[1:])):
        if not _LIST_GLUE.fullmatch(sentence[start + len(mention): next_start]):
            break
        info = ctx.info(mention)
        if starts_with(info.stem, ctx.primary):
            listed.append(info)
    return listed


def apply_fact(ctx: Context, subject: NameInfo | None, key: str, value: object, evidence: str) -> None:
    targets, priority = fact_targets(ctx, subject)
    if key == "context_length" and subject is None:
        # "1M context window" in a family's feature list is the "-Chat-1M" model's, whose name says so.
        named = [c for c in ctx.candidates if starts_with(c.info.stem, ctx.primary) and _context_in_name(c.info) == value]
        targets = named or targets
    for cand in targets:
        cand.put(key, value, evidence, priority)


def _context_in_name(info: NameInfo) -> float | None:
    """The context a name spells after its size ("1m", "200k" in "Yi-34B-200K"), if any."""
    for token in info.stem[1:]:
        match = re.fullmatch(r"(\d+)([km])", token)
        if match:
            return float(match.group(1)) * (1e3 if match.group(2) == "k" else 1e6)
    return None
