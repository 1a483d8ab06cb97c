"""Facts stated in sentences: parameter counts, training tokens, context lengths and release dates."""

from __future__ import annotations

import re

from pipeline.extract.about import about_model, apply_fact, apply_stated, reject_fact, sizes_listed_before, subject_mention
from pipeline.extract.candidates import GENERAL, NAMED, Candidate, Context, fact_value
from pipeline.extract.names import RELEASE_VERBS, SIZE_IN_NAME, NameInfo, mentions, size_label
from pipeline.extract.naming import display_for
from pipeline.extract.numbers import NON_EMBEDDING, NUM, QTY, composite_total, parse_date, quantity
from pipeline.extract.text import CJK, Document, sentences


_PARAM_STATEMENT = re.compile(
    rf"(?P<q>{QTY})(?:[-\s]param(?:eter)?s?\b|\s+(?P<which>total|activated|active)\s+param(?:eter)?s?\b|\s?(?:激活)?参数)"
    rf"|parameters?\s*:\s*(?P<q2>{QTY})"
    rf"|参数(?:量|规模)?\s*(?:为|是|:|：|约|达到|达)?\s*(?P<q3>{QTY})"  # "参数量为 7B", "激活参数为 12B"
    # "`replit-code-v1-3b` is a 2.7B model": the sentence that names a model says what it is
    rf"|\bis\s+an?\s+(?P<q4>{NUM}\s?(?:[BM]|billion|million))(?![\w-])\s+(?:[A-Za-z]+\s+){{0,2}}?model\b",
    re.IGNORECASE,
)
_ACTIVE_AFTER = re.compile(rf"(?P<q>{QTY})\s+(?:parameters\s+)?(?:are\s+)?(?:activated|active)\b", re.I)

# "3T tokens", the singular before a dataset ("a 1.6T token dataset") and in Chinese text ("3 万亿 token")
_TOKENS_STATEMENT = re.compile(rf"(?P<q>{QTY}(?:\s*\+\s*{QTY})?)\+?\s+(?:[A-Za-z][\w-]*\s+){{0,3}}?(?:tokens\b|token(?=\s*[{CJK}]|\s+(?:dataset|corpus|data)\b))", re.I)
_RANGE_BEFORE = re.compile(rf"{QTY}\s*(?:to|-|–)\s*$", re.I)
_SERIES_BEFORE = re.compile(rf"{QTY}\s*(?:,|\band\b)\s*$", re.I)
_CONTEXT_STATEMENT = re.compile(
    rf"(?:context(?:\s+(?:lengths?|windows?|size)){{0,2}}|sequence length|sequences)\s*(?:\([^)]*\))?\s*(?:of|to|is|:|up to|extended to)?\s*(?:up to\s+)?(?P<q>{QTY})"
    rf"|(?P<q2>{QTY})(?:[\s-]+tokens?)?(?:\s+text)?\s+context|support(?:s)?\s+(?:(?:long-context|context|processing|inputs?)\s+)*(?:of\s+)?(?:up to\s+)?(?P<q3>{QTY})\s+tokens"
    # "extend the context length of Granite 3.0 from 4K to 128K": the length it reaches
    rf"|context(?:\s+(?:length|window))?\b[^;]{{0,60}}?\bfrom\s+{QTY}\s+to\s+(?P<q4>{QTY})"
    # "up to 32K tokens length natively", "natively supports 64K"
    rf"|(?P<q5>{QTY})(?:\s+tokens?)?(?:\s+(?:length|context))?\s+natively|natively\s+(?:supports?\s+)?(?:up to\s+)?(?P<q6>{QTY})"
    # "上下文长度为 32K", "支持 128K 的上下文"
    rf"|上下文(?:长度|窗口)?\s*(?:为|是|:|：|达到|达|支持)?\s*(?P<q7>{QTY})|(?P<q8>{NUM}\s?[Kk]|\d{{4,}})\s*(?:tokens?\s*)?(?:的\s*)?(?:长)?上下文",
    re.I,
)
# ("最高达2T参数的Behemoth模型": "up to 2T", the largest of several)
_BOUND_BEFORE = re.compile(r"(less than|fewer than|under|below|within|<|at most|over|more than|from|up to|最高达|最高|最大|最多|超过|不超过|少于)\s*$", re.I)
_UPPER_BOUND_BEFORE = re.compile(r"(less than|fewer than|under|below|<|at most)\s*$", re.I)
# ("8K→16K->24K context length for thinking": the stages of a training schedule)
_NOT_CONTEXT = re.compile(r"vocab|generat|output|max_new|new tokens|tokens?/s|per second|batch|at inference|extrapolat|→|->|生成|输出|外推", re.I)
# A length reached by stretching the position encoding ("up to 128K tokens using YaRN"): the window only when the
# document states no native one.
_STRETCHED = re.compile(r"yarn|rope scal|扩展", re.I)
_NOT_TRAINING = re.compile(r"batch|vocab|generat|per second|tokens?/s|context|window|sequence|prompt|output|cost|price|free tokens|上下文|生成|输出", re.I)
_LATER_STAGE = re.compile(r"stage\s*[2-9]|mid-?train|anneal|fine-?tun|post-?train|\bsft\b|rlhf|alignment|微调|继续预训练", re.I)
_TRAINING_WORDS = re.compile(r"train|pretrain|pre-train|corpus|consumed|训练|语料", re.I)  # "it consumed 300B tokens"


# "For MiniMax-VL-01, the additional ViT architecture details is as follows:": the list below describes a part.
_COMPONENT_LEAD = re.compile(r"\b(?:additional|vit|vision (?:encoder|tower)|encoder|adapter|projector|component)\b", re.I)


_COMPONENT_ITEM = re.compile(r"^\W*(?:[\w-]+\s+){0,2}(?:backbone|decoder|encoder|tower|head|adapter|projector|tokenizer|vocoder|codec)\s*\(", re.I)


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
                return about_model(ctx, f"{lead} {sentence}", len(lead) + 1 + position)
            return about_model(ctx, sentence, position)

        for sentence in sentences(line):
            if _COMPONENT_ITEM.match(sentence):
                continue  # "- Audio Decoder (60M parameters): …": the size of a part of the model
            composite = composite_total(sentence)
            if composite and re.search(r"param", sentence, re.I):
                subject, other = about(sentence, len(sentence))
                if other:
                    reject_fact(ctx, other, "params_total", composite, sentence)
                else:
                    _apply_param(ctx, subject, "params_total", composite, sentence)
                continue
            for match in _PARAM_STATEMENT.finditer(sentence):
                qty_text = match.group("q") or match.group("q2") or match.group("q3") or match.group("q4")
                before = sentence[: match.start()]
                if _BOUND_BEFORE.search(before) or NON_EMBEDDING.search(sentence[match.start(): match.end() + 30]):
                    continue
                near = before[-40:]  # what ends right before the number: a search over the whole prefix costs quadratic time
                if re.search(rf"\bto\s*$|(?<![\w.]){NUM}\s*[KMBT]?\s*[-–~]\s*$", near, re.I) or re.match(r"\s*to\s", sentence[match.end():]):
                    continue  # a range "from 7 billion to 70 billion", "(17M-1B params)"
                if re.search(r"\b(?:vs|versus)\.?\s*$", near, re.I):
                    continue  # "(153M vs 336M parameters)": the size compared with is another model's
                value = quantity(qty_text)
                if not value or value < 1e7:
                    continue
                kind = "params_active" if _states_active(match, sentence) else "params_total"
                subject, other = about(sentence, match.start())
                if other:
                    reject_fact(ctx, other, kind, value, sentence)
                    continue
                subject = subject or _named_right_after(ctx, sentence, match.end())
                _apply_param(ctx, subject, kind, value, sentence)
                if kind == "params_total":
                    # "21B activated" after the total, or before it: "1.43B activated of 16.26B total params"
                    active = _ACTIVE_AFTER.search(sentence, match.end()) or _ACTIVE_AFTER.search(sentence[: match.start()])
                    active_value = quantity(active.group("q")) if active else None
                    if active_value:
                        _apply_param(ctx, subject, "params_active", active_value, sentence)


# "- 6.7B parameter model: [incoder-6B](…)", "With just 10B parameters, Ovis1.6-9B leads …": the name the size introduces
_INTRODUCES_NAME = re.compile(r"[\s*]*(?:model)?[\s*]*[,:][\s*\[`]*")


def _named_right_after(ctx: Context, sentence: str, end: int) -> NameInfo | None:
    """The document's own model named right after a size that no name before it claims."""
    lead = _INTRODUCES_NAME.match(sentence, end)
    if not lead:
        return None
    rest = sentence[lead.end():]
    owner = re.match(r"[\w.-]+/", rest)  # "facebook/incoder-6B": a Hub id's owner is not part of the name
    following = [m for s, m in mentions(rest) if s == (owner.end() if owner else 0)]
    if not following:
        return None
    info = ctx.info(following[0])
    return info if info.stem and ctx.announced(info) else None


def _states_active(match: re.Match, sentence: str) -> bool:
    """"21B activated parameters", "2.7B parameters are active", "activates 2.8B parameters", "… per token"."""
    which = (match.group("which") or "").lower()
    before = sentence[max(0, match.start() - 40): match.start()]
    following = sentence[match.end(): match.end() + 30]
    return (which.startswith("activ") or bool(re.match(r"\s*(are\s+)?(activated|active)", following))
            or "激活" in match.group(0) or bool(re.search(r"激活\s*$", before))
            or bool(re.search(r"\bactivat\w*\s+(?:only\s+)?(?:about\s+|around\s+|approximately\s+)?$", before, re.I))
            or bool(re.match(r"\s*(?:\w+\s+)?(?:per|for each|each)\s+token", following, re.I)))


def _apply_param(ctx: Context, subject: NameInfo | None, kind: str, value: float, sentence: str) -> None:
    if subject is None and re.search(r"\b(?:this|that|these) (?:version|variant)s?\b", sentence, re.I):
        return  # "We offer this version in XXL with 10.7 billion parameters": a model named before, not the family
    stem = subject.stem if subject else ctx.primary
    family = [c for c in ctx.candidates if c.info.stem == stem]
    if subject and subject.nominal:
        family = [c for c in family if c.info.nominal and abs(c.info.nominal - subject.nominal) / subject.nominal < 0.02]
    if kind == "params_total":
        close = [c for c in family if isinstance(fact_value(c, "params_total") or c.info.nominal, float)
                 and abs((fact_value(c, "params_total") or c.info.nominal) - value) / value < 0.1]
        for cand in close:
            cand.put(kind, value, sentence, NAMED if subject else GENERAL)
        compares = re.search(r"\b(?:outperform\w*|than|compared|surpass\w*|range|versus|vs\.?|like)\b", sentence, re.I)
        if subject and subject.nominal and not close and not compares:
            # "MetaVoice-1B is a 1.2B parameter model": the sentence that names the model counts it, its name rounds
            for cand in family:
                if fact_value(cand, "params_total") == cand.info.nominal and 0.5 < value / subject.nominal < 1.5:
                    cand.facts["params_total"] = (NAMED, value, sentence[:300])
                    close.append(cand)
        if close or any(c.source in {"table", "listing"} and "params_total" in c.facts for c in family):
            return
        unsized = [c for c in family if "params_total" not in c.facts]
        if len(unsized) >= 1 and not any("params_total" in c.facts for c in family):
            for cand in unsized:
                cand.put(kind, value, sentence, NAMED if subject else GENERAL)
            return
        if not stem or not ctx.announced(NameInfo(stem, "", value, value, None)):
            return
        if subject is None and family:
            # "This model is trained on Gigaspeech XL, it has 56M parameters" beside VoiceCraft's 330M and 830M: a size
            # no name claims is no new model of the family (the codec, an ablation)
            ctx.reject(ctx.primary_display, "a size the sentence gives no model name for, beside the family's sized models",
                       sentence, kind, value)
            return
        base = SIZE_IN_NAME.sub("", ctx.primary_display if subject is None else " ".join(stem).title()).strip()
        name = base if not family else f"{base} {size_label(value)}"
        if subject is not None:
            name = display_for(ctx, subject, sentence, len(sentence)) or name
            size = size_label(subject.nominal or value)
            if (family or subject.nominal) and not name.endswith(size):
                name = f"{name} {size}"
        nominal = subject.nominal if subject and subject.nominal else (value if family else None)
        cand = Candidate(name=name, info=NameInfo(stem, "", nominal, value, None), source="prose",
                         introduced_by="parameter statement", origin=sentence)
        cand.put(kind, value, sentence, NAMED)
        ctx.candidates.append(cand)
        return
    sizes = sizes_listed_before(sentence) if subject is None else []
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
    stretched = []
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
                if _UPPER_BOUND_BEFORE.search(sentence[: match.start()]) or re.search(r"additional|further|continu|incremental|\bstage\b|继续|持续|增量", sentence[max(0, match.start() - 40): match.start()], re.I) \
                        or re.search(r"继续预训练|持续预训练|continued pre-?training", sentence[match.end(): match.end() + 40], re.I):
                    continue
                value = quantity(match.group("q").strip())
                if value and value >= 1e9:
                    apply_stated(ctx, sentence, match.start(), "training_tokens", value)
            for match in _CONTEXT_STATEMENT.finditer(sentence):
                window = sentence[max(0, match.start() - 25): match.end() + 15]
                if _NOT_CONTEXT.search(window):
                    continue
                if match.group("q4") and subject_mention(ctx, sentence, match.start("q4")) is None:
                    continue  # "has been expanded from 128K to 200K": of which model, the sentence does not say
                stated = next(match.group(g) for g in ("q", "q2", "q3", "q4", "q5", "q6", "q7", "q8") if match.group(g))
                value = quantity(stated.strip())
                if not value or not 512 <= value <= 1e8:
                    continue
                if _STRETCHED.search(sentence[max(0, match.start() - 25): match.end() + 40]) or \
                        re.search(r"\bextend\w*\s+(?:the\s+)?$", sentence[max(0, match.start() - 30): match.start()], re.I):
                    stretched.append((sentence, match.start(), value))
                else:
                    apply_stated(ctx, sentence, match.start(), "context_length", value)
    native = {id(c): c.facts["context_length"] for c in ctx.candidates if "context_length" in c.facts}
    for sentence, position, value in stretched:
        apply_stated(ctx, sentence, position, "context_length", value)
    for cand in ctx.candidates:
        if id(cand) in native:
            cand.facts["context_length"] = native[id(cand)]


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
                apply_fact(ctx, None, "publication_date", date, line)
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
