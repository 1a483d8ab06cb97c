"""The extractor: one record per model the document announces, from tables, then prose,
each with the reason the document announces it; what else was read goes to review."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pipeline.extract.candidates import FIELDS, GENERAL, NAMED, Candidate, Context, fact_value
from pipeline.extract.naming import (read_download_lists, read_model_lists, read_release_names, read_repository_lists,
                                     read_size_lists)
from pipeline.extract.prose import read_dates, read_param_statements, read_quantity_statements
from pipeline.extract.names import NameInfo, names_variant_or_size, of_family, parse_name, starts_with
from pipeline.extract.subject import OWN_TABLES, Family, find_org, judge, rank_families
from pipeline.extract.tables import (read_column_table, read_model_sheet, read_name_grid, read_row_table, read_spec_sheet,
                                     table_kind, without_group_column)
from pipeline.extract.text import CJK, Document, load_document


REVIEW_COLUMNS = ("name", "field", "value", "reason", "evidence")


@dataclass(frozen=True)
class Extraction:
    records: list[dict]  # one per announced model, sorted by name, each with its subject_evidence
    review: list[dict]  # REVIEW_COLUMNS: models and facts read but not announced, with the reason


def extract(text: str, *, content_type: str | None = None, url: str | None = None) -> list[dict]:
    """Candidate facts for every model the document announces, sorted by name."""
    return extract_with_review(text, content_type=content_type, url=url).records


def extract_with_review(text: str, *, content_type: str | None = None, url: str | None = None) -> Extraction:
    """The announced models' records, and what was read but is not the document's subject."""
    doc = load_document(text, content_type, url)
    org, org_line = find_org(doc)
    org_tokens = tuple(t for t in re.split(r"[^a-z0-9]+", (org or "").lower()) if t and t not in {"the", "ai", "team", "inc"})
    kinds = [(table, table_kind(table)) for table in map(without_group_column, doc.tables)]
    # The likeliest family first; a README titled after its organisation ("Smol Models") may announce only the
    # runner-up ("SmolLM3"), so when the first reading finds no model, the second family is read.
    # A reading finds its family when a record is of it; links to other families alone do not settle it.
    readings = []
    for family in rank_families(doc, org_tokens):
        reading = _read(doc, kinds, org, org_line, org_tokens, family)
        readings.append(reading)
        if any(of_family(parse_name(r["name"], org_tokens).stem, family[0]) for r in reading.records):
            return reading
    return next((reading for reading in readings if reading.records), readings[0])


def _read(doc: Document, kinds: list, org: str | None, org_line: str, org_tokens: tuple[str, ...], family: Family) -> Extraction:
    primary, display, title_sizes = family
    ctx = Context(doc, org_tokens, primary, display, title_sizes)
    for table, kind in kinds:
        if kind == "rows":
            read_row_table(ctx, table)
        elif kind == "sheet":
            read_model_sheet(ctx, table)
        elif kind == "grid":
            read_name_grid(ctx, table)
    read_download_lists(ctx)  # before size lists: "Minitron-8B-Base" is the "8B" of "Minitron 8B and 4B"
    read_size_lists(ctx)
    read_model_lists(ctx)
    read_repository_lists(ctx)
    read_release_names(ctx)
    read_param_statements(ctx)
    for table in (table for table, kind in kinds if kind == "columns"):
        read_column_table(ctx, table)
    for table in (table for table, kind in kinds if kind == "spec"):
        read_spec_sheet(ctx, table)
    read_quantity_statements(ctx)
    read_dates(ctx)
    _inherit_from_siblings(ctx)
    _context_from_names(ctx)
    if org:
        for cand in ctx.candidates:
            cand.put("organization", org, org_line, GENERAL)
    ctx.candidates[:] = [c for c in ctx.candidates if _worth_reporting(c)]
    accepted = _without_release_doubles(ctx, _without_family_doubles(ctx, _without_copies_or_heads(ctx, judge(ctx))))
    records = sorted((_as_record(cand, evidence) for cand, evidence in accepted), key=_sort_key)
    review = sorted(ctx.review, key=lambda row: json.dumps(row, sort_keys=True, default=str))
    return Extraction(records, review)


_QUANT_VARIANTS = re.compile(r"spinquant|qlora|ptq|int4|int8|awq|gptq|fp8|gguf|\dbits?")
# Copies of a model in another format or precision: "-HF" (converted for transformers), "-GGUF", "-MLX", "-FP8",
# "-FP16", "-PyTorch" (the weights in half precision, or for another framework), "-NPU" (built for another chip),
# "-GPTQ-format", "-unquantized", "_Unpacked" (a quantisation-aware model's weights, in another layout).
_COPY_VARIANTS = re.compile(_QUANT_VARIANTS.pattern + r"|hf$|bnb|mlx|marlin|qat|pytorch|fp16|bf16|npu|format|unquantized|unpacked|packed|ggml|sharded|safetensors|onnx")
# Heads that speed up decoding of a model ("-Eagle", "-Eagle3", "-FRSpec"): not models of their own.
_DRAFT_VARIANTS = re.compile(r"eagle|frspec|medusa|draft")
_SHARED_FIELDS = ("params_total", "params_active", "training_tokens", "context_length", "publication_date")


def _inherit_from_siblings(ctx: Context) -> None:
    """Variants share what the document states for their base row.

    "Llama 3.2 1B QLoRA" is as big as the "1B (1.23B)" row and has the context of the
    "Quantized" row; a generic "Quantized" row then folds into the named methods.
    """
    def siblings(cand: Candidate) -> list[Candidate]:
        same = [o for o in ctx.candidates if o is not cand and o.info.stem == cand.info.stem
                and o.info.nominal == cand.info.nominal and cand.info.nominal is not None]
        quantized = [o for o in same if o.info.variant == "quantized"] if _QUANT_VARIANTS.search(cand.info.variant) else []
        plain = [o for o in same if o.info.variant in {"", "base"}]
        return quantized + plain

    for cand in ctx.candidates:
        for other in siblings(cand):
            total = fact_value(other, "params_total")
            if fact_value(cand, "params_total") == cand.info.nominal and isinstance(total, float) and total != cand.info.nominal:
                cand.facts["params_total"] = other.facts["params_total"]
            for key in _SHARED_FIELDS:
                if key not in cand.facts and key in other.facts and key not in cand.absent:
                    cand.facts[key] = other.facts[key]
    named_methods = {(c.info.stem, c.info.nominal) for c in ctx.candidates if _QUANT_VARIANTS.search(c.info.variant)}
    ctx.candidates[:] = [c for c in ctx.candidates
                         if not (c.info.variant == "quantized" and (c.info.stem, c.info.nominal) in named_methods)]


# "TeleChat2-35B-32K", "Nemotron-H-4B-Instruct-128K", "GLM-4-9B-Chat-1M": a window after the size or variant names the
# model's context ("MiniMax-M1-40k" after a version word is not one: its 40k is a thinking budget).
_CONTEXT_IN_NAME = re.compile(r"(?:\d[bBmM]|base|chat|instruct|it)[-_ ](?P<n>\d+)(?P<unit>[kKmM])(?:[-_ ](?:base|chat|instruct|it))?$", re.I)


def _context_from_names(ctx: Context) -> None:
    """A context window the model's name states, over one stated for its family in general."""
    for cand in ctx.candidates:
        # only after a size: "Magicoder-OSS-Instruct-75K" counts the samples of a dataset
        match = _CONTEXT_IN_NAME.search(cand.name) if cand.info.nominal else None
        millions = bool(match) and match.group("unit").lower() == "m"
        if millions and not (int(match.group("n")) <= 10 and re.search(r"\d[bB][-_ ]", cand.name[: match.start()] + "-")):
            continue  # "bart.base 140M" is a size; "-Chat-1M" after a size in billions is a window
        if match and not millions and int(match.group("n")) > 2 and int(match.group("n")) % 4:
            continue  # windows come in multiples of 4K ("-28K", "-128k"); "Evol-Instruct-90K" counts samples
        if match and cand.facts.get("context_length", (0,))[0] <= GENERAL:
            scale = 1e6 if millions else 1e3
            cand.facts["context_length"] = (NAMED, float(match.group("n")) * scale, cand.name)


def _without_copies_or_heads(ctx: Context, accepted: list[tuple[Candidate, str]]) -> list[tuple[Candidate, str]]:
    """A quantised or converted copy ("…-Instruct-FP8", "…-GPTQ-Int4", "…-HF") without a score of its own is its
    model again, not a model of its own: kept for review. One with its own MMLU (a measured cost of quantising) stays.
    A speculative-decoding head ("…-Eagle3") is reviewed too."""
    plain = [c.info for c, _ in accepted if not _COPY_VARIANTS.search(c.info.variant)]
    kept = []
    for cand, evidence in accepted:
        if _DRAFT_VARIANTS.search(cand.info.variant):
            ctx.reject(cand.name, "a speculative-decoding head for a model, not a model of its own", cand.origin, "model",
                       fact_value(cand, "params_total"))
            continue
        task = _task_tuned(cand.info, plain)
        if task:
            ctx.reject(cand.name, f"{task}, a model the document announces, fine-tuned for one task", cand.origin, "model",
                       fact_value(cand, "params_total"))
            continue
        originals = [c for c, _ in accepted if not _COPY_VARIANTS.search(c.info.variant) and c.info.stem == cand.info.stem
                     and cand.info.nominal in (None, c.info.nominal)] if _COPY_VARIANTS.search(cand.info.variant) else []
        if originals and fact_value(cand, "mmlu") is None:
            # the copy's download row may say what the model's own rows do not ("TeleChat2-39B-A12B-NPU": 12B active)
            for original in originals:
                for key in ("params_total", "params_active", "context_length"):
                    if key in cand.facts and key not in original.facts:
                        original.facts[key] = cand.facts[key]
            ctx.reject(cand.name, "a quantised copy (or a converted one) of a model the document announces, "
                       "with no score of its own",
                       cand.origin, "model", fact_value(cand, "params_total"))
            continue
        kept.append((cand, evidence))
    return kept


# Tasks an encoder is fine-tuned on: "roberta-base-bne-capitel-ner", "bart.large.cnn", "…-finetuned-libero-goal".
_TASK_WORDS = {"ner", "pos", "squad", "sqac", "mnli", "sst2", "qqp", "qnli", "cnn", "xsum", "wsc", "capitel", "finetuned",
               "generator", "discriminator"}


def _task_tuned(info: NameInfo, plain: list[NameInfo]) -> str | None:
    """The announced model a name is a task fine-tune of: its stem with the task words (and what follows them) cut."""
    for at, token in enumerate(info.stem):
        if token in _TASK_WORDS and at > 0:
            base = info.stem[:at]
            if any(other.stem == base and info.nominal in (None, other.nominal) for other in plain if other is not info):
                return " ".join(base)
            return None
    return None


def _without_family_doubles(ctx: Context, accepted: list[tuple[Candidate, str]]) -> list[tuple[Candidate, str]]:
    """"BLOOMChat is a 176 billion parameter model" beside "BLOOMChat-176B-v1": the family's unsized record whose
    size is that of its only sized model is that model; its facts go to the model where it has none."""
    kept = []
    for cand, evidence in accepted:
        total = fact_value(cand, "params_total")
        sized = [c for c, _ in accepted if c is not cand and c.info.nominal and isinstance(total, float)
                 and starts_with(c.info.stem, cand.info.stem) and abs(c.info.nominal - total) <= 0.02 * total]
        if cand.info.nominal is None and cand.info.stem == ctx.primary and len(sized) == 1:
            for key, fact in cand.facts.items():
                sized[0].facts.setdefault(key, fact)
            ctx.reject(cand.name, f"the family's statement of {sized[0].name}'s size, not a model of its own", cand.origin,
                       "model", total)
            continue
        # "Chinese-Tiny-LLM" titling a document that introduces its one model "CT-LLM, a 2B parameter language model"
        members = [c for c, _ in accepted if c is not cand and of_family(c.info.stem, ctx.primary)
                   and isinstance(fact_value(c, "params_total"), float)]
        if cand.info.nominal is None and cand.info.stem == ctx.primary and total is None and len(members) == 1 \
                and fact_value(cand, "mmlu") is None and not starts_with(members[0].info.stem, cand.info.stem):
            for key, fact in cand.facts.items():
                members[0].facts.setdefault(key, fact)
            ctx.reject(cand.name, f"the document's title for its one model, {members[0].name}", cand.origin, "model", None)
            continue
        kept.append((cand, evidence))
    return kept


def _without_release_doubles(ctx: Context, accepted: list[tuple[Candidate, str]]) -> list[tuple[Candidate, str]]:
    """"We released an intermediate OpenMoE-8B checkpoint" beside the download row "OpenMoE-8B/32E": a sentence
    naming the family at a size the document's own table lists is that listed model, not one more; its facts go to
    the listed model when there is one."""
    kept = []
    for cand, evidence in accepted:
        stem = tuple(t for t in cand.info.stem if not re.fullmatch(r"v\d[\d.]*", t))  # "360Zhinao-7B v1.0"
        twins = [other for other, _ in accepted if other.introduced_by in OWN_TABLES and other.info.nominal == cand.info.nominal
                 and starts_with(other.info.stem, stem)] \
            if cand.introduced_by == "release sentence" and not cand.info.variant and cand.info.nominal else []
        if twins:
            if len(twins) == 1:  # what a sentence says of the named model, not of its family in general
                for key, fact in cand.facts.items():
                    if fact[0] >= NAMED:
                        twins[0].facts.setdefault(key, fact)
            ctx.reject(cand.name, f"the family at a size its own table lists ({', '.join(t.name for t in twins)}), "
                       "not a model of its own", cand.origin, "model", fact_value(cand, "params_total"))
            continue
        kept.append((cand, evidence))
    return kept


def _worth_reporting(cand: Candidate) -> bool:
    return cand.source != "bench" or any(k in cand.facts for k in ("params_total", "mmlu"))




def _as_record(cand: Candidate, subject_evidence: str) -> dict:
    # "Yi 9B 系列模型": Chinese words after a Latin name say "series models", not the name
    name = re.sub(rf"(?<=[A-Za-z0-9)])\s+[{CJK}].*$", "", cand.name)
    # "( New! )", "(32K Long Context)", "(Role-playing)": a badge or a description, unless it names the variant
    name = re.sub(r"\s*\(([^()]*)\)", lambda m: m.group(0) if names_variant_or_size(m.group(1)) else "", name).strip()
    record: dict = {"name": name, "subject_evidence": subject_evidence}
    for key in FIELDS:
        value = fact_value(cand, key)
        if isinstance(value, float) and value.is_integer() and key != "mmlu":
            value = int(value)
        record[key] = value
    record["evidence"] = {k: cand.facts[k][2] for k in FIELDS if k in cand.facts}
    return record


def _sort_key(record: dict) -> tuple:
    return (record["name"].lower(), record["params_total"] or 0, json.dumps(record, sort_keys=True))
