"""Facts from sentences: size lists, parameter counts, training tokens, context lengths,
release dates and the names of released models."""

from __future__ import annotations

import re

from pipeline.extract.candidates import GENERAL, NAMED, Candidate, Context, fact_value
from pipeline.extract.names import (HARDWARE, LEADING_WORDS, MENTION, RELEASE_VERBS, SIZE_IN_NAME, NameInfo, before_comparison, contains,
                                    mentions, size_label, starts_with)
from pipeline.extract.numbers import NUM, QTY, composite_total, parse_date, quantity
from pipeline.extract.text import Document, sentences


_PARAM_STATEMENT = re.compile(
    rf"(?P<q>{QTY})(?:[-\s]parameters?|\s+(?P<which>total|activated|active)\s+parameters?|\s+parameters?)"
    rf"|parameters?\s*:\s*(?P<q2>{QTY})",
    re.IGNORECASE,
)
_NON_EMBEDDING = re.compile(r"non-?embedding|(?:without|excluding|w/o) embeddings?", re.I)
_ACTIVE_AFTER = re.compile(rf"(?P<q>{QTY})\s+(?:parameters\s+)?(?:are\s+)?(?:activated|active)\b", re.I)

_SIZE_LIST = re.compile(
    rf"(?<![\w.])(?P<list>{NUM}\s?(?:[BbMm](?:[_-]v\d+)?|billion|million)?(?:\s*(?:,|/|,?\s*and|,?\s*or)\s*{NUM}\s?(?:[BbMm](?:[_-]v\d+)?|billion|million)?)+)"
    rf"(?!\w|\.\d)(?P<after>\s*(?:parameters?|parameter models|sizes?|models?|checkpoints?|variants?)?)",
)
_TOKENS_STATEMENT = re.compile(rf"(?P<q>{QTY}(?:\s*\+\s*{QTY})?)\+?\s+(?:[A-Za-z][\w-]*\s+){{0,3}}?tokens\b", re.I)
_RANGE_BEFORE = re.compile(rf"{QTY}\s*(?:to|-|–)\s*$", re.I)
_SERIES_BEFORE = re.compile(rf"{QTY}\s*(?:,|\band\b)\s*$", re.I)
_CONTEXT_STATEMENT = re.compile(
    rf"(?:context(?:\s+(?:lengths?|windows?|size))?|sequence length|sequences)\s*(?:\([^)]*\))?\s*(?:of|to|is|:|up to|extended to)?\s*(?:up to\s+)?(?P<q>{QTY})"
    rf"|(?P<q2>{QTY})(?:\s+tokens?)?\s+context|support(?:s)?\s+(?:up to\s+)?(?P<q3>{QTY})\s+tokens"
    # "extend the context length of Granite 3.0 from 4K to 128K": the length it reaches
    rf"|context(?:\s+(?:length|window))?\b[^;]{{0,60}}?\bfrom\s+{QTY}\s+to\s+(?P<q4>{QTY})",
    re.I,
)
_BOUND_BEFORE = re.compile(r"(less than|fewer than|under|below|<|at most|over|more than|from)\s*$", re.I)
_UPPER_BOUND_BEFORE = re.compile(r"(less than|fewer than|under|below|<|at most)\s*$", re.I)
_NOT_CONTEXT = re.compile(r"vocab|generat|output|max_new|new tokens|tokens?/s|per second|batch", re.I)
_NOT_TRAINING = re.compile(r"batch|vocab|generat|per second|tokens?/s|context|window|sequence|prompt|output|cost|price|free tokens", re.I)
_LATER_STAGE = re.compile(r"stage\s*[2-9]|mid-?train|anneal|fine-?tun|post-?train|\bsft\b|rlhf|alignment", re.I)
_TRAINING_WORDS = re.compile(r"train|pretrain|pre-train|corpus", re.I)


# What turns the words before a number to another model: "than Gopher", "compared with X", "its predecessor".
_COMPARISON = re.compile(r"\b(?:than|compared (?:to|with)|versus|vs\.?|unlike|against|outperform\w*|surpass\w*|"
                         r"predecessors?|previous|prior)\b", re.I)
_NAMELESS_COMPARISON = re.compile(r"predecessor|previous|prior", re.I)
# "Chinchilla was trained on …": a name opening the sentence as its subject.
_SENTENCE_SUBJECT = re.compile(r"^\W*(?P<name>[A-Z][\w.-]*(?:[ -][A-Z0-9][\w.-]*)*)\s+(?:was|is|has|had|were|uses|used)\b")


# "the results of GPT-J, a 6B parameter model": a name set off right before the number describes it.
_APPOSITIVE = re.compile(r"\b(?P<name>[A-Z][\w.]*(?:-[\w.]+)+|[A-Z]\w*[A-Z]\w*),\s+(?:an?|the)\s+[^,]{0,20}$")


def _subject_mention(ctx: Context, sentence: str, position: int) -> tuple[str, NameInfo] | None:
    """The model a sentence talks about at `position`: the nearest name mentioned before it."""
    best = None
    known = {c.info.stem for c in ctx.candidates} | {ctx.primary}
    for start, mention in mentions(sentence):
        if start >= position:
            break
        if HARDWARE.match(re.split(r"[\s_-]", mention)[0]):
            continue
        info = ctx.info(mention)
        # Acronyms such as "MoE" or "GQA" are mentions too, but not models.
        if info.stem and (info.stem in known or starts_with(info.stem, ctx.primary) or re.search(r"\d", mention)):
            best = mention, info
    return best


def _subject(ctx: Context, sentence: str, position: int) -> NameInfo | None:
    found = _subject_mention(ctx, sentence, position)
    return found[1] if found else None


def _about(ctx: Context, sentence: str, position: int) -> tuple[NameInfo | None, str | None]:
    """(the model a number at `position` is about, None for the document's family in general;
    the other model's name when the words before it are about another model)."""
    found = _subject_mention(ctx, sentence, position)
    if found is not None:
        mention, info = found
        # "Overview Llama 2" holds the family's name: not another model (if not one this reader can place).
        if _short_for_primary(ctx, info):
            return None, None
        ours = ctx.announced(info) or contains(info.stem, ctx.primary) or info.stem in {c.info.stem for c in ctx.candidates}
        if ours:
            return info, None
        opens_clause = not sentence[: sentence.rfind(mention, 0, position)].rstrip(" *").rstrip() or \
            sentence[: sentence.rfind(mention, 0, position)].rstrip(" *").endswith((":", "-", "("))
        if opens_clause and re.fullmatch(r"[A-Z][a-z]+ \d[\d.]*\s?[BMbm]", mention):
            return None, None  # "MoE Models: Sparse 1B and 3B …": a capitalised word at a clause's start, not a name
        if _is_other_name(ctx, mention):
            return None, mention
        # "Sparse 1B and 3B MoE models": a common word before a size, not another model's name
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
    if not info.stem or contains(info.stem, ctx.primary) or _short_for_primary(ctx, info) or first.lower() in ctx.org_tokens:
        return False
    lower = re.compile(rf"(?<![\w-]){re.escape(first.lower())}(?![\w-])")
    return not any(lower.search(line) for line in ctx.doc.lines)


def _targets(ctx: Context, subject: NameInfo | None) -> tuple[list[Candidate], int]:
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


def read_size_lists(ctx: Context) -> None:
    """"comes in 7B, 13B and 70B", "Qwen2.5: 0.5B, 1.5B, ...", nested "Gemma 3: / Text only: 1b"."""
    subject_by_indent: dict[int, str] = {}
    for line in ctx.doc.lines:
        indent = (len(line) - len(line.lstrip())) // 2
        item = line.strip().lstrip("- ").strip()
        is_item = line.lstrip().startswith("-")
        heading = re.fullmatch(r"(.+?):\s*(.*)", item) if is_item else None
        if not is_item:
            subject_by_indent = {}
        if heading and len(heading.group(1)) <= 40 and _names_model(ctx, heading.group(1)) and not re.search(r"\d\s*[bBmM]\b", heading.group(1)[-4:]):
            subject_by_indent = {k: v for k, v in subject_by_indent.items() if k < indent}
            subject_by_indent[indent] = heading.group(1)
        elif is_item:
            subject_by_indent = {k: v for k, v in subject_by_indent.items() if k < indent}
        for sentence in sentences(line):
            for match in _SIZE_LIST.finditer(sentence):
                parts = [p for p in re.split(r"\s*(?:,|/|\band\b|\bor\b)\s*", match.group("list")) if p]
                has_units = [bool(re.search(r"[A-Za-z]", p)) for p in parts]
                last_unit = re.sub(rf"^{NUM}\s?", "", parts[-1])
                if not has_units[-1] or not (match.group("after").strip() or all(has_units)):
                    continue
                if re.match(r"\s*(on the way|coming soon|to come|upcoming)", sentence[match.end():], re.I):
                    parts = parts[:-1]  # the last size is announced for later, not released
                subject = _subject(ctx, sentence, match.start())
                families = sorted({" ".join(ctx.info(m).stem) for _, m in mentions(sentence[: match.start()])
                                   if starts_with(ctx.info(m).stem, ctx.primary)})
                if len(families) > 1:
                    # "the CodeGen1 and CodeGen2 models (350M, 1B, 3B, 7B 16B)": which family has which size is not said
                    ctx.reject(" / ".join(families), "sizes shared by several families", sentence, "params_total",
                               match.group("list"))
                    continue
                if subject is not None and not ctx.announced(subject):
                    if not contains(subject.stem, ctx.primary):
                        ctx.reject(" ".join(subject.stem), "sizes of another model family", sentence, "params_total",
                                   match.group("list"))
                    continue
                enclosing = [subject_by_indent[k] for k in sorted(subject_by_indent) if k <= indent]
                label = subject and _display_for(ctx, subject, sentence, match.start())
                if label is None:
                    label = next((s for s in reversed(enclosing) if _names_model(ctx, s)), None)
                explicit = label is not None
                label = label or ctx.primary_display
                for part in parts:
                    size_text = part if re.search(r"[A-Za-z]", part) else part + last_unit
                    size_text = re.sub(r"[_-]v\d+$", "", size_text.strip())
                    value = quantity(size_text.replace("b", "B").replace("m", "M"))
                    if not value or value < 1e7:
                        continue
                    _add_prose_model(ctx, f"{label} {size_label(value)}", value, sentence, explicit)


def _names_model(ctx: Context, text: str) -> bool:
    return bool(mentions(text)) or starts_with(ctx.info(text).stem, ctx.primary)


def _display_for(ctx: Context, subject: NameInfo, sentence: str, position: int) -> str | None:
    for start, mention in reversed(mentions(sentence[:position])):
        if ctx.info(mention).stem == subject.stem:
            return SIZE_IN_NAME.sub("", mention).strip(" -_/")
    return None


def _add_prose_model(ctx: Context, name: str, value: float, evidence: str, explicit: bool) -> None:
    """A size from a list, unless a model of that family (any sub-family when the list
    names no family) and size is already known."""
    info = ctx.info(name)
    if not ctx.announced(info):
        return
    covered = any(
        (c.info.stem == info.stem if explicit else starts_with(c.info.stem, info.stem))
        and isinstance(fact_value(c, "params_total") or c.info.nominal, float)
        and abs((c.info.nominal or fact_value(c, "params_total")) - value) / value < 0.02
        for c in ctx.candidates
    )
    if covered or ctx.find(info):
        return
    cand = Candidate(name=name, info=info, source="prose", introduced_by="size list", origin=evidence)
    cand.put("params_total", value, evidence, NAMED)
    ctx.candidates.append(cand)


# "- **Kimi-K2-Base**: The foundation model …", "- `gpt-oss-20b` — for lower latency …", "- [OpenLLaMA 7Bv2](…)":
# a list item that is or opens with a name.
_LIST_HEAD = re.compile(r"^\s*-\s*`?(?P<name>[^:—–`]{2,60}?)`?\s*(?:(?::|—|–|\s-\s)\s*\S|$)")


def read_model_lists(ctx: Context) -> None:
    """List items headed by the name of a model of the document's family: the models it describes."""
    for line in ctx.doc.lines:
        head = _LIST_HEAD.match(line)
        if not head:
            continue
        name = re.sub(r"\s*\([^)]*\)$", "", head.group("name").strip())  # "T5-Small (60 million parameters)"
        if not MENTION.fullmatch(name):
            continue
        info = ctx.info(name)
        if not starts_with(info.stem, ctx.primary) or not ctx.announced(info) or ctx.find(info):
            continue
        _add_named_model(ctx, name, info, "model list", line)


# "1. `ibm-granite/granite-3.0-1b-a400m-base`": a list item that is a repository id and nothing else.
_REPOSITORY_ITEM = re.compile(r"^\s*(?:-\s*|\d+[.)]\s*)?`?[\w.-]+/(?P<name>[\w.-]+)`?\s*$")


def read_repository_lists(ctx: Context) -> None:
    """Repositories listed one per line: a model of the family for each size not read elsewhere (the first
    repository of a size stands for it; "-base" and "-instruct" of one size are one entry here)."""
    for line in ctx.doc.lines:
        item = _REPOSITORY_ITEM.match(line)
        if not item:
            continue
        name = item.group("name")
        info = ctx.info(name)
        if not starts_with(info.stem, ctx.primary) or info.nominal is None or not ctx.announced(info):
            continue
        if any(c.info.stem == info.stem and c.info.nominal == info.nominal for c in ctx.candidates):
            continue
        _add_named_model(ctx, name, info, "model list", line)


# "For MiniMax-VL-01, the additional ViT architecture details is as follows:": the list below describes a part.
_COMPONENT_LEAD = re.compile(r"\b(?:additional|vit|vision (?:encoder|tower)|encoder|adapter|projector|component)\b", re.I)


def _with_leads(lines: tuple[str, ...]):
    """(line, lead): a list item keeps the sentence that introduces its list ("… is described as follows:")."""
    lead = ""
    for line in lines:
        if not line.lstrip().startswith("-"):
            lead = line if line.rstrip().endswith(":") else ""
        yield line, lead


def read_param_statements(ctx: Context) -> None:
    """"175 billion parameters", "a 72B-parameter model", "236B total ... 21B activated"."""
    for line, lead in _with_leads(ctx.doc.lines):
        if lead and _COMPONENT_LEAD.search(lead):
            continue  # the sizes of a model's part are not the model's

        def about(sentence: str, position: int) -> tuple[NameInfo | None, str | None]:
            # A list item without a name of its own is about the model its lead-in names.
            if lead and not mentions(sentence[:position]):
                return _about(ctx, f"{lead} {sentence}", len(lead) + 1 + position)
            return _about(ctx, sentence, position)

        for sentence in sentences(line):
            composite = composite_total(sentence)
            if composite and re.search(r"param", sentence, re.I):
                subject, other = about(sentence, len(sentence))
                if other:
                    _reject_fact(ctx, other, "params_total", composite, sentence)
                else:
                    _apply_param(ctx, subject, "params_total", composite, sentence)
                continue
            for match in _PARAM_STATEMENT.finditer(sentence):
                qty_text = match.group("q") or match.group("q2")
                before = sentence[: match.start()]
                if _BOUND_BEFORE.search(before) or _NON_EMBEDDING.search(sentence[match.start(): match.end() + 30]):
                    continue
                if re.search(r"\bto\s*$", before) or re.match(r"\s*to\s", sentence[match.end():]):
                    continue  # a range "from 7 billion to 70 billion"
                value = quantity(qty_text)
                if not value or value < 1e7:
                    continue
                kind = "params_active" if _states_active(match, sentence) else "params_total"
                subject, other = about(sentence, match.start())
                if other:
                    _reject_fact(ctx, other, kind, value, sentence)
                    continue
                _apply_param(ctx, subject, kind, value, sentence)
                if kind == "params_total":
                    active = _ACTIVE_AFTER.search(sentence, match.end())
                    active_value = quantity(active.group("q")) if active else None
                    if active_value:
                        _apply_param(ctx, subject, "params_active", active_value, sentence)


def _states_active(match: re.Match, sentence: str) -> bool:
    """"21B activated parameters", "2.7B parameters are active", "activates 2.8B parameters", "… per token"."""
    which = (match.group("which") or "").lower()
    before = sentence[max(0, match.start() - 40): match.start()]
    following = sentence[match.end(): match.end() + 30]
    return (which.startswith("activ") or bool(re.match(r"\s*(are\s+)?(activated|active)", following))
            or bool(re.search(r"\bactivat\w*\s+(?:only\s+)?(?:about\s+|around\s+|approximately\s+)?$", before, re.I))
            or bool(re.match(r"\s*(?:\w+\s+)?(?:per|for each|each)\s+token", following, re.I)))


def _reject_fact(ctx: Context, other: str, key: str, value: object, sentence: str) -> None:
    ctx.reject(other, f"stated in a sentence about another model ({other})", sentence, key, value)


def _apply_param(ctx: Context, subject: NameInfo | None, kind: str, value: float, sentence: str) -> None:
    stem = subject.stem if subject else ctx.primary
    family = [c for c in ctx.candidates if c.info.stem == stem]
    if subject and subject.nominal:
        family = [c for c in family if c.info.nominal and abs(c.info.nominal - subject.nominal) / subject.nominal < 0.02]
    if kind == "params_total":
        close = [c for c in family if isinstance(fact_value(c, "params_total") or c.info.nominal, float)
                 and abs((fact_value(c, "params_total") or c.info.nominal) - value) / value < 0.1]
        for cand in close:
            cand.put(kind, value, sentence, NAMED if subject else GENERAL)
        if close or any(c.source in {"table", "listing"} and "params_total" in c.facts for c in family):
            return
        unsized = [c for c in family if "params_total" not in c.facts]
        if len(unsized) >= 1 and not any("params_total" in c.facts for c in family):
            for cand in unsized:
                cand.put(kind, value, sentence, NAMED if subject else GENERAL)
            return
        if not stem or not ctx.announced(NameInfo(stem, "", value, value, None)):
            return
        base = SIZE_IN_NAME.sub("", ctx.primary_display if subject is None else " ".join(stem).title()).strip()
        name = base if not family else f"{base} {size_label(value)}"
        if subject is not None:
            name = _display_for(ctx, subject, sentence, len(sentence)) or name
            if family or subject.nominal:
                name = f"{name} {size_label(subject.nominal or value)}"
        nominal = subject.nominal if subject and subject.nominal else (value if family else None)
        cand = Candidate(name=name, info=NameInfo(stem, "", nominal, value, None), source="prose",
                         introduced_by="parameter statement", origin=sentence)
        cand.put(kind, value, sentence, NAMED)
        ctx.candidates.append(cand)
        return
    sizes = _sizes_listed_before(sentence) if subject is None else []
    for cand in family:
        total = fact_value(cand, "params_total")
        size = cand.info.nominal or total
        if sizes and not (isinstance(size, float) and any(abs(size - s) <= 0.02 * s for s in sizes)):
            continue  # "Sparse 1B and 3B MoE models, with 400M and 800M activated": not the dense sizes
        if total is None or value < total:
            cand.put(kind, value, sentence, NAMED if subject else GENERAL)


def read_quantity_statements(ctx: Context) -> None:
    """Training tokens and context length stated in sentences."""
    later_stage = False
    for line in ctx.doc.lines:
        if line.startswith("#"):  # a Markdown heading: "## Stage 2: mid-training" counts a later stage's tokens
            later_stage = bool(_LATER_STAGE.search(line))
        for sentence in sentences(line):
            for match in _TOKENS_STATEMENT.finditer(sentence) if not later_stage else ():
                before = sentence[max(0, match.start() - 80): match.start()]
                # "… 300B tokens during training": training words may follow; other uses of tokens sit close by.
                if _NOT_TRAINING.search(before + sentence[match.start(): match.end() + 10]) or \
                        not _TRAINING_WORDS.search(before + sentence[match.start(): match.end() + 25]):
                    continue
                if _RANGE_BEFORE.search(sentence[: match.start()]) or re.match(rf"\s*(?:to|-|–)\s*{NUM}", sentence[match.end("q"):]):
                    continue  # "10T to 12T tokens": a range over several models
                if _SERIES_BEFORE.search(sentence[: match.start()]):
                    continue  # "checkpoints trained on 500B, 1T, …, 3T and 3.1T tokens": a series of checkpoints
                if _UPPER_BOUND_BEFORE.search(sentence[: match.start()]) or re.search(r"additional|further|continu|\bstage\b", sentence[max(0, match.start() - 40): match.start()], re.I):
                    continue
                value = quantity(match.group("q").strip())
                if value and value >= 1e9:
                    _apply_stated(ctx, sentence, match.start(), "training_tokens", value)
            for match in _CONTEXT_STATEMENT.finditer(sentence):
                window = sentence[max(0, match.start() - 25): match.end() + 15]
                if _NOT_CONTEXT.search(window):
                    continue
                if match.group("q4") and _subject_mention(ctx, sentence, match.start("q4")) is None:
                    continue  # "has been expanded from 128K to 200K": of which model, the sentence does not say
                value = quantity((match.group("q") or match.group("q2") or match.group("q3") or match.group("q4")).strip())
                if value and 512 <= value <= 1e8:
                    _apply_stated(ctx, sentence, match.start(), "context_length", value)


def _apply_stated(ctx: Context, sentence: str, position: int, key: str, value: object) -> None:
    """A number stated at `position` of a sentence, for the model the sentence is about, unless that is another model."""
    subject, other = _about(ctx, sentence, position)
    if other:
        _reject_fact(ctx, other, key, value, sentence)
        return
    for listed in _listed_with(ctx, sentence, position, subject):
        _apply(ctx, listed, key, value, sentence)
    sizes = _sizes_listed_before(sentence[:position]) if subject is None else []
    if sizes:  # "Dense Models: 2B and 8B parameter models, trained on 12 trillion tokens": those sizes only
        for cand in _targets(ctx, None)[0]:
            size = cand.info.nominal or fact_value(cand, "params_total")
            if isinstance(size, float) and any(abs(size - s) <= 0.02 * s for s in sizes):
                cand.put(key, value, sentence, GENERAL)
        return
    _apply(ctx, subject, key, value, sentence)


_THE_SIZE_MODEL = re.compile(rf"\bthe\s+(?P<size>{NUM}\s?[BM])[-\s]models?\b")


def _sizes_listed_before(head: str) -> list[float]:
    """Sizes a sentence names before a number: "2B and 8B parameter models, trained on …", "For the 1B model, …"."""
    found = [quantity(m.group("size").replace(" ", "")) for m in _THE_SIZE_MODEL.finditer(head)]
    for match in _SIZE_LIST.finditer(head):
        parts = [p for p in re.split(r"\s*(?:,|/|\band\b|\bor\b)\s*", match.group("list")) if p]
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


def _apply(ctx: Context, subject: NameInfo | None, key: str, value: object, evidence: str) -> None:
    targets, priority = _targets(ctx, subject)
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


def read_dates(ctx: Context) -> None:
    doc = ctx.doc
    for line in doc.lines:
        if re.search(r"release date|model date", line, re.I):
            rest = re.split(r"release date|model date", line, maxsplit=1, flags=re.I)[1]
            following = _next_line(doc, line)
            if re.search(r"trained between", rest, re.I) or not rest.strip(" :*") and re.search(r"trained between", following, re.I):
                continue  # a training period, not a release
            date = parse_date(rest) or parse_date(following)
            if date:
                _apply(ctx, None, "publication_date", date, line)
                for cand in ctx.candidates:
                    cand.put("publication_date", date, line, GENERAL)
        news = re.match(r"\s*-?\s*\[?(\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})\]?\s*:?\s*(.*)", line)
        if news and RELEASE_VERBS.search(news.group(2)):
            date = parse_date(news.group(1))
            for _, mention in mentions(news.group(2)):
                info = ctx.info(mention)
                for cand in ctx.candidates:
                    if cand.info.stem == info.stem and (not info.nominal or cand.info.nominal == info.nominal):
                        cand.put("publication_date", date, line, NAMED)
    if doc.is_html:
        # A blog byline: the first date right under the title.
        for line in doc.lines[:40]:
            date = parse_date(line)
            if date and len(line) < 120:
                for cand in ctx.candidates:
                    cand.put("publication_date", date, line, GENERAL)
                break


def _next_line(doc: Document, line: str) -> str:
    index = doc.lines.index(line)
    return doc.lines[index + 1] if index + 1 < len(doc.lines) else ""


def _add_released_size(ctx: Context, mention: str, info: NameInfo, sentence: str) -> None:
    """"Pretrained models are uploaded to Hugging Face: `mamba-130m`, `mamba2-370m`, …": each sized name of the
    document's family that a release sentence lists is a model, its size from its name."""
    if not starts_with(info.stem, ctx.primary) or not ctx.announced(info) or ctx.find(info) or info.total is None:
        return
    if any(c.info.stem == info.stem and c.info.nominal == info.nominal for c in ctx.candidates):
        return
    _add_named_model(ctx, mention, info, "release sentence", sentence)


def _add_named_model(ctx: Context, name: str, info: NameInfo, introduced_by: str, origin: str) -> None:
    """A model read from a list or a release sentence, with the sizes its name spells out."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in LEADING_WORDS:
        words = words[1:]  # "Introducing Example Nova 12B" names "Example Nova 12B"
    cand = Candidate(name=" ".join(words), info=info, source="prose", introduced_by=introduced_by, origin=origin)
    cand.put("params_total", info.total, origin, NAMED)
    cand.put("params_active", info.active, origin, NAMED)
    ctx.candidates.append(cand)


def read_release_names(ctx: Context) -> None:
    """Models named in the title or a release sentence that no table or size list produced."""
    texts = [ctx.doc.title] + [s for line in ctx.doc.lines for s in sentences(line) if RELEASE_VERBS.search(s)]
    sized = {ctx.info(m).stem for text in texts for _, m in mentions(text) if ctx.info(m).nominal}
    for position, text in enumerate(texts):
        cut = before_comparison(text)
        for _, mention in mentions(cut):
            info = ctx.info(mention)
            if info.nominal is not None and position > 0:
                _add_released_size(ctx, mention, info, text)
                continue
            if info.stem != ctx.primary or info.stem in sized or info.nominal is not None or ctx.find(info):
                continue
            if any(starts_with(c.info.stem, info.stem) and c.info.variant in {"", "base"} for c in ctx.candidates) and \
                    info.variant in {"", "base"}:
                continue  # "the Llama 4 series" names the family of models already found
            if info.variant or not any(c.info.stem == info.stem for c in ctx.candidates):
                ctx.candidates.append(Candidate(name=mention, info=info, source="prose",
                                                introduced_by="title" if position == 0 else "release sentence",
                                                origin=text))
