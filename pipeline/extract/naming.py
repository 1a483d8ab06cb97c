"""Models named by the document's lists and release sentences: size lists ("comes in 7B, 13B and 70B"),
list items headed by a model's name, repository ids listed alone, and sized names in release sentences."""

from __future__ import annotations

import re

from pipeline.extract.about import subject_of
from pipeline.extract.candidates import NAMED, Candidate, Context, fact_value
from pipeline.extract.names import (LEADING_WORDS, MENTION, RELEASE_VERBS, SIZE_IN_NAME, NameInfo, before_comparison, names_a_file,
                                    contains, mentions, names_variant_or_size, size_label, starts_with)
from pipeline.extract.numbers import LIST_SEPARATOR, NUM, SIZE_LIST, quantity
from pipeline.extract.text import sentences


_COUNTED = re.compile(r"\s*(?:of\s+)?(?:words?|sentences?|tokens?|images?|hours?|samples?|pairs?|documents?|examples?|"
                      r"characters?|morphemes?|steps?|files?|lines?|tweets?|videos?|clips?)\b", re.I)


# "Future updates will expand support to … larger models (such as 13B and 70B)": a plan, no release
_PLANNED = re.compile(r"\b(?:future|will|plan(?:s|ned)?\s+to|upcoming|coming soon|roadmap|todo)\b|将|计划|未来", re.I)


def read_size_lists(ctx: Context) -> None:
    """"comes in 7B, 13B and 70B", "Qwen2.5: 0.5B, 1.5B, ...", nested "Gemma 3: / Text only: 1b"."""
    subject_by_indent: dict[int, str] = {}
    # "- [BlackMamba 340M/1.5B](…/BlackMamba-1.5B)": an item that links the developer's repository is that one model
    # (read as a download), not a list of sizes
    downloads = {link.line for link in ctx.doc.download_links if link.owner == ctx.doc.hub_owner}
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
        for sentence in sentences(line) if line not in downloads else ():
            for match in SIZE_LIST.finditer(sentence):
                parts = [p for p in re.split(LIST_SEPARATOR, match.group("list")) if p]
                has_units = [bool(re.search(r"[A-Za-z]", p)) for p in parts]
                last_unit = re.sub(rf"^{NUM}\s?", "", parts[-1])
                if not has_units[-1] or not (match.group("after").strip() or all(has_units)):
                    continue
                if _COUNTED.match(sentence[match.end():]):
                    continue  # "consisting of 91M and 1.17B words": counts of data, not sizes of models
                if _PLANNED.search(sentence[max(0, match.start() - 300): match.start()]):
                    ctx.reject(ctx.primary_display, "sizes planned for later, not released", sentence, "params_total",
                               match.group("list"))
                    continue
                if re.match(r"\s*(on the way|coming soon|to come|upcoming)", sentence[match.end():], re.I):
                    parts = parts[:-1]  # the last size is announced for later, not released
                subject = subject_of(ctx, sentence, match.start())
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
                label = subject and display_for(ctx, subject, sentence, match.start())
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


def display_for(ctx: Context, subject: NameInfo, sentence: str, position: int) -> str | None:
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
    # ("15M, 40M, and 80M parameter models now available" beside a table's kitten-tts-nano 15M, micro 40M, mini 80M)
    covered = any(
        (c.info.stem == info.stem or c.source in {"table", "listing"} and starts_with(c.info.stem, ctx.primary) if explicit
         else starts_with(c.info.stem, info.stem))
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
        if not head or line in ctx.doc.navigation:
            continue
        name = re.sub(r"\s*\([^)]*\)$", "", head.group("name").strip())  # "T5-Small (60 million parameters)"
        if not MENTION.fullmatch(name):
            continue
        info = ctx.info(name)
        if not starts_with(info.stem, ctx.primary) or not ctx.announced(info) or ctx.find(info):
            continue
        _add_named_model(ctx, name, info, "model list", line)


# "1. `ibm-granite/granite-3.0-1b-a400m-base`": a list item that is a repository id and nothing else.
_REPOSITORY_ITEM = re.compile(r"^\s*(?:-\s*|\d+[.)]\s*)?`?(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)`?\s*$")


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
        if ctx.doc.hub_owner and item.group("owner").lower() != ctx.doc.hub_owner.lower():
            continue  # "Base models: huggyllama/llama-7b, meta-llama/Llama-2-7b-hf": other owners' repositories
        if any(c.info.stem == info.stem and c.info.nominal == info.nominal for c in ctx.candidates):
            continue
        _add_named_model(ctx, name, info, "model list", line)


def read_download_lists(ctx: Context) -> None:
    """"1. [Minitron-8B-Base](https://huggingface.co/nvidia/…)": list items that are only links to the developer's
    model repositories list the models the document releases, whatever family each belongs to."""
    for link in ctx.doc.download_links:
        if link.owner != ctx.doc.hub_owner:
            continue  # a community copy ("mgoin/Minitron-8B-Base-FP8") is not the developer's release
        # "OpenLLaMA 3B for EasyLM": the model in another framework's format is the model again.
        text = re.sub(r"\s+(?:for|in)\s+\S.*$", "", link.text.split("/")[-1]).strip()
        # "Baize-v1-7B (LoRA weights)": the name before the note ("Time-MoE (base)" names its variant, kept)
        text = re.sub(r"\s*\(([^()]*)\)$", lambda m: m.group(0) if names_variant_or_size(m.group(1)) else "", text)
        name = text if MENTION.fullmatch(text) and ctx.info(text).stem and ctx.info(text).nominal else link.repository
        size = ctx.info(link.repository).nominal
        if link.released:
            # a sentence names the model by its link ("Time-MoE (base)"), its repository by size ("TimeMoE-50M")
            if not size or not ctx.info(text).stem or ctx.info(text).nominal or names_a_file(text):
                continue  # "[CogVLM2 TGI Weight](…)": the weights in a format, not a model
            name = f"{text} {size_label(size)}"
            if not ctx.announced(ctx.info(name)):
                continue
        info = ctx.info(name)
        if not info.stem or ctx.find(info) or any(c.name == name for c in ctx.candidates):
            continue
        _add_named_model(ctx, name, info, "download list", link.line)


def _add_released_size(ctx: Context, mention: str, info: NameInfo, sentence: str) -> None:
    """"Pretrained models are uploaded to Hugging Face: `mamba-130m`, `mamba2-370m`, …": each sized name of the
    document's family that a release sentence lists is a model, its size from its name."""
    found = ctx.find(info)
    # an unsized record of the family ("NexusRaven") does not stand for the sized model a sentence releases
    if not starts_with(info.stem, ctx.primary) or not ctx.announced(info) or info.total is None or \
            found is not None and (found.info.nominal is not None or fact_value(found, "params_total") is not None):
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
    # "ElysiumTrack-1M", "GMAI-VL-5.5M": below ten million, a count in a name from prose is its data's, as in sentences
    cand.put("params_total", info.total if info.total is None or info.total >= 1e7 else None, origin, NAMED)
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
            if info.nominal is not None:
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
