"""Facts from tables: spec and download tables with one model per row, benchmark tables with
one model per column. Rival models in benchmark tables are left out by structure."""

from __future__ import annotations

import re

from pipeline.extract.candidates import TABLE, Candidate, Context, more_precise
from pipeline.extract.names import (MENTION, NOT_MODEL_ROWS, mentions, SIZE_IN_NAME, SIZE_WORD, NameInfo, is_model_name,
                                    of_family, size_label, starts_with)
from pipeline.extract.numbers import (NON_EMBEDDING, NUM, bare_number_scale, cell_value, mmlu_value, params_part,
                                      parse_params_cell, quantity)
from pipeline.extract.text import CJK, Table


# Column headers and row labels, by meaning.
_H_ACTIVE = re.compile(r"activ", re.IGNORECASE)
_H_PARAMS = re.compile(r"param|^\s*#?\s*size\s*$|model size$|参数|模型大小|模型规模", re.IGNORECASE)
_H_CONTEXT = re.compile(r"context|max(imum)?\s*length|sequence\s*length|seq\.?[-_ ]?len|^\s*(?:text\s*)?length\s*$|上下文|最大长度|序列长度"
                        r"|max_position_embeddings|max_seq_len",
                        re.IGNORECASE)
_H_TOKENS = re.compile(r"tokens?\b(?!\s*/)|token count|训练数据量|词元", re.IGNORECASE)
_H_MMLU = re.compile(r"^\s*mmlu\b(?![-\s]*(pro|redux))", re.IGNORECASE)
_H_DATE = re.compile(r"release\s*date|^\s*date\s*$|发布(?:日期|时间)", re.IGNORECASE)
_H_NAME = re.compile(r"^\s*((?:(?:masked|causal)\s+)?(?:language\s+)?models?|model (?:name|ids?)|(?:agent\s+)?names?|variant|version|checkpoint|methods?|模型(?:名称|版本)?)?(\s+\d+-shot)?(\s*\([^()]*\))?\s*$",
                     re.IGNORECASE)
# "| MAR Model | FID-50K | #params |": the family's name before "Model" (not "Base Model", the model it starts from)
_H_FAMILY_MODEL = re.compile(r"^\s*(?!(?:base|baseline|teacher|student|reference|original|parent|pre-?trained|source|target)\b)"
                             r"[A-Z][\w.-]*\s+models?\s*$", re.IGNORECASE)
# "| Property | gWorld-8B | gWorld-32B |" over "Parameters | 9B | 33B": a sheet of facts, one model per column
_H_PROPERTY = re.compile(r"^\s*(?:propert(?:y|ies)|attributes?|specs?|specifications?|features?|items?|属性|项目)\s*$", re.IGNORECASE)
_H_NAME_ONLY = re.compile(r"^\s*(?:model\s*)?(?:names?|ids?)\s*$", re.I)  # "Name", "Model ID": not "Variant"
_H_LISTING = re.compile(r"download|weights|url|link|^\s*id\s*$|md5|hugging|modelscope|下载|链接", re.IGNORECASE)
_H_LABEL = re.compile(r"categor|benchmark|metric|shots|domain|language|capabilit|task|dataset|^\s*$", re.IGNORECASE)
# Benchmark and score columns: a table with them compares models.
_H_SCORE = re.compile(
    r"mmlu|gsm|humaneval|mbpp|math|arc\b|hellaswag|bbh|winogrande|truthful|piqa|boolq|drop\b|gpqa|ifeval|agieval|"
    r"c-?eval|cmmlu|average|avg|score|accuracy|elo|pass@|win rate|arena|perplexity|\bppl\b|\bwer\b|\bcer\b|bleu|\bf1\b",
    re.IGNORECASE,
)
_H_AVAILABLE = re.compile(r"available|released|开源|公开", re.I)
_SKIP_NAME = re.compile(r"\s\+\s|[*†]\s*$")  # "X + MC" is a recipe variant; "X**" points to a footnote


def _column_kind(label: str) -> str | None:
    if NON_EMBEDDING.search(label):
        return None
    if _H_PARAMS.search(label):
        return "params_active" if _H_ACTIVE.search(label) else "params_total"
    if _H_CONTEXT.search(label):
        return "context_length"
    if _H_TOKENS.search(label) and not re.search(r"gpu|memory|generat|decode|prefill|speed|/s|per\s+(?:token|param)|expert|vocab|batch|\bbs\b|显存|内存|生成|速度", label, re.IGNORECASE):
        return "training_tokens"
    if _H_MMLU.search(label):
        return "mmlu"
    if _H_DATE.search(label):
        return "publication_date"
    return None


_ROW_FACTS = {"mmlu", "params_total", "params_active", "context_length", "training_tokens"}


_REPOSITORY_ID = re.compile(r"[\w.-]+/(?P<name>[\w.-]+)")


def _checkpoint_column(table: Table) -> int | None:
    """A column of repository ids ("Checkpoint: liuhaotian/llava-v1.5-7b"): each row is the checkpoint it names."""
    for c in range(1, len(table.header)):
        cells = [row[c] for row in table.rows if c < len(row) and row[c]]
        if re.search(r"checkpoint|model\s*id|repo|hugging\s*face|^\s*hf\s*$|modelscope", table.header[c], re.I) and cells and \
                2 * sum(bool(_REPOSITORY_ID.fullmatch(cell)) for cell in cells) >= len(cells):
            return c
    return None


def _by_host(table: Table) -> bool:
    """"| HuggingFace | ModelScope |" over "[PhoneLM-1.5B](…)": linked model names under a host's name list downloads."""
    return bool(_H_LISTING.search(table.header[0])) and table.has_links[0]


def _without_owner(cell: str) -> str:
    return re.sub(r"^[\w.-]+/(?=[\w.-]+$)", "", cell)  # "BAAI/bge-m3", "yang-z/CodeV-DS-6.7B": a repository id names its model


def without_group_column(table: Table) -> Table:
    """"| | Method | #Params |" over "Generalists | BLIP-2 | 8.2B": a first column that groups rows, the names beside it."""
    if len(table.header) > 2 and not table.header[0] and table.header[1] and _H_NAME.match(table.header[1]):
        return Table(table.header[1:], tuple(row[1:] for row in table.rows), table.section, table.has_links[1:])
    return table


# Columns of a training set-up: parallelism, hardware and throughput
# (not a GPU's memory a model needs: "Minimum GPU Memory Usage")
_H_SETUP = re.compile(r"(?:number of|#|num\.?)\s*(?:gpus?|tpus?|chips|nodes)\b|tflops?\b|\bmfu\b|utili[sz]ation|throughput"
                      r"|tokens?\s*/\s*s|\b[tpde]p\s*(?:size|degree)|parallel", re.I)


def table_kind(table: Table) -> str | None:
    """"rows" when each row is a model, "columns" when the header lists models, "spec" for a two-column
    sheet of one model's facts ("Total Parameters | 1T"), else None."""
    if not table.header or not table.rows:
        return None
    facts = sum(_column_kind(row[0]) in _ROW_FACTS for row in table.rows)
    if len(table.header) == 2 and (facts >= 2 or facts and re.fullmatch(r"\s*(?:values?|details?|specs?)\s*", table.header[1], re.I)):
        return "spec"
    if _checkpoint_column(table) is not None:
        return "rows"
    if sum(bool(_H_SETUP.search(h)) for h in table.header) >= 2:
        return None  # "| Params(billion) | TP Size | Number of GPUs | TFLOP/s per GPU |": how sizes were trained, no models
    named_columns = [h for h in table.header[1:] if mentions(h) and MENTION.fullmatch(h)]
    labels_in_first = 3 * sum(bool(mentions(row[0])) for row in table.rows) <= len(table.rows)  # "Int4 Model" may be one
    if (_H_NAME.match(table.header[0]) or _H_PROPERTY.match(table.header[0])) and len(named_columns) >= 2 \
            and 2 * len(named_columns) >= len(table.header) - 1 and labels_in_first:
        return "sheet"  # "| Model Name | x-chat-19B | x-video-19B |" over rows "Text Length | 8K | 2K"
    first = table.header[0]
    names_in_first = bool(_H_NAME.match(first) or _H_FAMILY_MODEL.match(first)) or _column_kind(first) == "params_total" \
        or _by_host(table)
    metric_labels = any(
        _H_MMLU.search(c) or re.search(r"#?\s*(total|activated) params", c, re.I) for row in table.rows for c in row[:4]
    )
    fact_columns = any(_column_kind(h) in _ROW_FACTS for h in table.header[1:])
    if names_in_first and (fact_columns or not metric_labels):
        return "rows"
    if metric_labels and _H_LABEL.search(first):
        return "columns"
    if _grid_names(table):
        return "grid"  # a grid of sized names, one model per cell
    return None


def read_row_table(ctx: Context, table: Table) -> None:
    kinds = [_column_kind(h) for h in table.header]
    if _H_MMLU.search(table.section.split(" / ")[-1]):
        # "### MMLU" over "| Model 5-shot | STEM | … | Average |": the average is the model's MMLU score.
        kinds = ["mmlu" if re.fullmatch(r"\s*(avg\.?|average)\s*", h, re.I) else k for h, k in zip(table.header, kinds)]
    # "#Vision Param | #Language Param | #Total Param", "# Params, U-Net | # Params, Whole SDM": the parts' columns are
    # not the model's size.
    totals = [c for c, k in enumerate(kinds) if k == "params_total" and re.search(r"total|whole|overall", table.header[c], re.I)]
    if len(totals) == 1:
        kinds = [None if k == "params_total" and c not in (0, totals[0]) else k for c, k in enumerate(kinds)]
    # "| Model | size | … | Params (M) |": beside a column of parameters, "size" is the input's (640 pixels)
    if any(k == "params_total" and re.search(r"param|参数", table.header[c], re.I) for c, k in enumerate(kinds)):
        kinds = [None if k == "params_total" and c > 0 and not re.search(r"param|参数", table.header[c], re.I) else k
                 for c, k in enumerate(kinds)]
    # "| Model | Size | Precision | mAP |" over "640": a size without a unit, beside no parameters, is the input's (pixels)
    kinds = [None if k == "params_total" and c > 0 and not re.search(r"param|参数|\(\s*[bm]\s*\)|billion|million", table.header[c], re.I)
             and all(re.fullmatch(rf"\s*{NUM}\s*", row[c]) for row in table.rows if c < len(row) and row[c].strip()) else k
             for c, k in enumerate(kinds)]
    # "| Model | 🤗HF | Baidu Disk | Size |" with "1.2G" and "383M": a column called just "size" holding gigabytes is
    # the download's size on disk, and so are its megabytes.
    kinds = [None if k == "params_total" and not re.search(r"param|参数", table.header[c], re.I)
             and any(re.fullmatch(rf"\s*{NUM}\s?G\s*", row[c]) for row in table.rows if c < len(row)) else k
             for c, k in enumerate(kinds)]
    # A quantity spread over several columns is a sweep ("Sequence Length" 1024, 2048, ...), not a fact;
    # a size column may sit beside the exact count ("Size 3B | … | Parameters 2,795,443,200").
    kinds = [k if k is None or kinds.count(k) == 1 or k == "params_total" and (c == 0 or kinds[0] == k and kinds.count(k) == 2)
             else None for c, k in enumerate(kinds)]
    specs = any(k in {"params_total", "params_active", "context_length", "training_tokens", "publication_date"} for k in kinds)
    # Links and weights beside benchmark scores belong to the compared models: a table with
    # scores lists the document's models only where their family says so.
    scores = any(k == "mmlu" or _H_SCORE.search(h) for h, k in zip(table.header[1:], kinds[1:]))
    checkpoints = _checkpoint_column(table)
    # "| Model | Parameters | Publicly Available |" over "✅" for some rows: the others are not released
    availability = next((c for c in range(1, len(table.header)) if _H_AVAILABLE.search(table.header[c])
                         and any(re.search(r"[✅✓✔]", row[c]) for row in table.rows if c < len(row))), None)
    # "| Model | Open Weights | Open Data |" over "✅ | ❌": a matrix comparing models, the document's own among others
    compared = any(re.fullmatch(r"\s*[✅❌✓✗✔✘]\s*", cell) for row in table.rows for cell in row[1:])
    listing = (any(_H_LISTING.search(h) for h in table.header[1:]) or any(table.has_links[1:]) or _by_host(table)) and not scores \
        or checkpoints is not None  # the document's own checkpoints, scores beside them or not
    # (its rows are the document's own only where of its family)
    role = "download table" if listing and not compared else "size table" if specs or listing else "evaluation table"
    # "| Size | StableLM-Base-Alpha | StableLM-Tuned-Alpha | Training Tokens |": columns named after models of the
    # family, one per released variant of each size row.
    # "| | Qwen-Chat | Qwen |": a tuned variant without numbers of its own is not a row of its own; the plain one is.
    family_columns: dict[tuple[str, ...], int] = {}
    for c in range(1, len(table.header)):
        info = ctx.info(table.header[c])
        if kinds[c] is None and MENTION.fullmatch(table.header[c]) and starts_with(info.stem, ctx.primary):
            if info.stem not in family_columns or info.variant in {"", "base"}:
                family_columns[info.stem] = c
    heading = table.section.split(" / ")[-1]
    section_variant = next((word for word in ("base", "instruct", "chat") if re.search(rf"\b{word}\b", heading, re.I)), None) \
        if len(re.findall(r"\b(?:base|instruct|chat)\b", heading, re.I)) == 1 else None
    # Owners of the repositories the family's own rows name, in any table: a row naming another owner's repository,
    # of another family, is that developer's model ("| Llama3-70B | meta-llama/Meta-Llama-3-70B |" beside UnicomAI's)
    own_owners = {owner for other in ctx.doc.tables for row in other.rows if (owner := _repository_owner(row))
                  and of_family(ctx.info(_without_icon(row[0])).stem, ctx.primary)}
    link_columns = [c for c in range(1, len(table.header)) if table.has_links[c]]
    previous: tuple[str, ...] = ()
    for row in table.rows:
        repository = _REPOSITORY_ID.fullmatch(row[checkpoints]) if checkpoints is not None and checkpoints < len(row) else None
        name = repository.group("name") if repository else _without_badge(_without_icon(row[0]))
        name = _without_owner(name)
        if name and name == table.header[0]:
            continue
        # "| LFM2 Text Models | LFM2 Text Models | …": a group's label spanning the table, not a model; a model's name
        # repeated as the text of its download links ("| Hunyuan-A52B-Pretrain | [Hunyuan-A52B-Pretrain](…) |") is one
        repeated_name = MENTION.fullmatch(row[0]) and any(table.has_links[1:]) and \
            not re.search(r"\b(?:models|series|family|variants|checkpoints)\b", row[0], re.I)
        if len(row) > 2 and all(row) and len(set(row)) == 1 and not repeated_name:
            continue
        if any(re.search(r"(?:huggingface\.co|hf\.co)/datasets/", cell) for cell in row):
            continue  # "| CatalanQA | Question Answering | https://huggingface.co/datasets/…": a dataset
        sizes = [row[c] for c, k in enumerate(kinds) if k == "params_total"]
        if not name:
            if not previous or not any(sizes):
                continue
            # Markdown cannot span rows: a continuation row shares the blank cells of the row above.
            row = tuple(cell or above for cell, above in zip(row, previous))
            name = row[0]
        previous = row
        if availability is not None and not re.search(r"[✅✓✔]|\byes\b", row[availability] if availability < len(row) else "", re.I):
            ctx.reject(name, f"not released (the table's '{table.header[availability]}' column)", " | ".join(c for c in row if c))
            continue
        if NOT_MODEL_ROWS.match(name) or _SKIP_NAME.search(name) or not re.search(r"[A-Za-z0-9]", name):
            continue
        evidence = " | ".join(c for c in row if c)
        owner = _repository_owner(row)
        if own_owners and owner and owner not in own_owners and not of_family(ctx.info(name).stem, ctx.primary):
            ctx.reject(name, f"another developer's repository ({owner}) in the document's table", evidence)
            continue
        # "| Swin-T | … | -- |" above "| VMamba-S | … | [ckpt](…) |": a row of another family with no download of
        # its own is there to compare with
        if listing and link_columns and not of_family(ctx.info(name).stem, ctx.primary) and \
                all(re.fullmatch(r"\s*(?:-+|–|—|n/?a)?\s*", row[c], re.I) for c in link_columns if c < len(row)):
            ctx.reject(name, "another model, in the document's download table without a download of its own", evidence)
            continue
        # "70B", "6B series models": a size of the document's family.
        bare = " ".join(re.sub(r"(?i)\b(series|models?|family|variants?)\b", " ", name).split())
        bare_size = not re.search(r"[A-Za-z]{2}", SIZE_IN_NAME.sub("", bare))
        # "1B-FP16", "7B Instruct", "12B-v2-FP16": a size, a variant or version, no family either
        unnamed = all(re.fullmatch(r"v\d[\d.]*", t) for t in ctx.info(bare).stem)
        size_only = bare_size or unnamed and bool(ctx.info(bare).nominal)
        size_named = kinds[0] == "params_total" and kinds[1:].count("params_total") == 1 and re.fullmatch(r"[a-z][a-z-]*", name) \
            or "params_total" in kinds[1:] and bool(SIZE_WORD.fullmatch(name))  # "| Model | #Params |" over "Small | 85M": a size word alone
        # "| Size | Model | Parameters |" over "XS | ettin-encoder-32m | 32M": the first column sizes the row by word, the
        # model column names it
        model_column = next((c for c in range(1, len(table.header)) if kinds[0] == "params_total" and c < len(row)
                             and table.header[c].strip() and _H_NAME.match(table.header[c]) and MENTION.fullmatch(row[c].strip("` "))),
                            None)
        if model_column is not None:
            name, size_only, size_named, bare_size = row[model_column].strip("` ").split("/")[-1], False, False, False
        # "| Params | n_layers |" over "Pythia-19M | 6": the first column sizes the row by the model's own name
        sized_name = bool(ctx.info(name).nominal) and bool(MENTION.fullmatch(name.strip("` "))) and not bare_size
        if kinds[0] == "params_total" and not size_only and not size_named and model_column is None and not sized_name:
            ctx.reject(name, f"not a model name (a row of a table whose first column is '{table.header[0]}')", evidence)
            continue
        if size_named:  # "| Size | Parameters |" with rows "tiny | 39 M": the family's sizes are named by word
            name, size_only = f"{ctx.primary_display} {name}", False
        named_in = next((c for c in range(1, len(table.header)) if _H_NAME_ONLY.match(table.header[c]) and c < len(row)
                         and row[c]), None)
        if size_only and named_in is not None:
            # "Size | Variant | Name" over "2.6B | Pre-trained (PT) | google/gemma-2/flax/gemma2-2b": the name column names it
            names, size_only, bare_size = [row[named_in].strip("` ").split("/")[-1]], False, False
        elif size_only:
            # "| 7B | 🤗 Baichuan2-7B-Base | 🤗 Baichuan2-7B-Chat |": the cells name the models of that size
            size = ctx.info(bare).nominal
            cells = [_without_owner(_without_icon(cell)) for cell in row[1:]]
            named = [cell for cell in cells if size and MENTION.fullmatch(cell)
                     and ctx.info(cell).nominal == size and starts_with(ctx.info(cell).stem, ctx.primary)]
            families = [table.header[c] for c in family_columns.values() if c < len(row) and row[c]]
            sectioned = None if families or named else _section_model(ctx, table.section, row[0], table.header[0])
            # size-only names belong to the family, or are the model the table's heading names
            names = named or ([sectioned] if sectioned else
                              [f"{family} {bare}".strip() for family in families or [ctx.primary_display]])
        else:
            names = [name]
        for name in names:
            if role == "evaluation table" and section_variant and not ctx.info(name).variant:
                name = f"{name} ({section_variant})"  # "### Instruct Model Evaluation": the rows are the tuned models
            _read_model_row(ctx, table, kinds, row, name, evidence, role, listing, specs, any_variant=bare_size)


def _repository_owner(row: tuple[str, ...]) -> str | None:
    """The owner of the repository id a row's cell holds ("meta-llama/Meta-Llama-3-70B"), if one does."""
    found = next((match for cell in row[1:] if (match := re.fullmatch(r"([A-Za-z][\w.-]*)/[\w.-]*[A-Za-z][\w.-]*", cell.strip()))),
                 None)  # not "527MB/135M", a size on disk over a count
    return found.group(1).lower() if found else None


def _section_model(ctx: Context, section: str, size_cell: str, size_header: str) -> str | None:
    """The sized model a heading above the table names ("## StableLM-3B-4E1T / ### Model Architecture"), when the
    row's size is that model's; written as the document writes the heading."""
    size = parse_params_cell(size_cell, bare_number_scale(size_header, "params_total"))[0]
    for heading in reversed(section.split(" / ")):
        written = next((line.lstrip("# ") for line in ctx.doc.lines if line.lstrip("# ").lower() == heading), heading)
        if MENTION.fullmatch(written):
            info = ctx.info(written)
            if starts_with(info.stem, ctx.primary) and info.nominal and size and abs(size - info.nominal) <= 0.35 * info.nominal:
                return written
            continue
        # "## 42dot LLM-PLM (사전 학습 모델)" over a row "1.3B": the model the heading names, of that size
        named = re.sub(r"\s*\([^()]*\)\s*$", "", written).strip()
        info = ctx.info(named)
        if size and mentions(named) and len(named.split()) <= 3 and info.nominal is None \
                and (len(info.stem) > len(ctx.primary) or info.variant) and starts_with(info.stem, ctx.primary):
            return f"{named} {size_label(size)}"
    return None


def _read_model_row(ctx: Context, table: Table, kinds: list[str | None], row: tuple[str, ...], name: str, evidence: str,
                    role: str, listing: bool, specs: bool, any_variant: bool = False) -> None:
    """One model of a row table; `any_variant`: a name made from a bare size, the same model as any variant of
    that size already read ("Hunyuan 7B" is "Hunyuan-7B-Pretrain")."""
    total = active = None
    for col, kind in enumerate(kinds):
        if kind in {"params_total", "params_active"} and col < len(row) and row[col]:
            t, a = parse_params_cell(params_part(row[col], table.header[col]), bare_number_scale(table.header[col], kind))
            if kind == "params_active":
                t, a = None, t
            exact = col > 0 and _H_PARAMS.search(table.header[col]) and re.search(r"param", table.header[col], re.I)
            total = t if total is None or t is not None and (exact or more_precise(total, t)) else total
            active = active or a
    info = ctx.info(name)
    if isinstance(total, float) and info.nominal and more_precise(total, info.nominal):
        total = info.nominal  # "SOLAR-10.7B-v1.0 | ~11B": the name's size refines the rounded cell
    if info.nominal is None and total and not re.search(r"\bx\d|\d+x\d", name):
        qualifier = " ".join(re.findall(r"\([^)]*\)", name))
        name = f"{re.sub(r'[(].*?[)]', '', name).strip()} {size_label(_round_nominal(total, row))} {qualifier}".strip()
        info = ctx.info(name)
    if not is_model_name(info, ctx.primary):
        ctx.reject(name, f"not a model name (a row of a {role})", evidence)
        return
    if not (listing or ctx.announced(info)):
        ctx.reject(name, f"another model, in the document's {role}", evidence)
        return
    cand = ctx.find(info) or (ctx.find(info, exact_variant=False) if any_variant else None)
    if cand is None and role == "evaluation table" and info.variant == "":
        # "Index-1.9B-Pure" in a score table is the "Index-1.9B-Base-Pure" of the downloads
        listed = ctx.find(NameInfo(info.stem, "base", info.nominal, info.total, info.active))
        cand = listed if listed is not None and listed.introduced_by != role else None
    if cand is None:
        mmlu = [mmlu_value(row[c]) for c, k in enumerate(kinds) if k == "mmlu" and c < len(row)]
        if not (listing or specs or any(mmlu) and info.nominal):
            return  # a benchmark row of an unlisted variant without its own numbers
        cand = Candidate(name=name, info=info, source="listing" if listing else "table", introduced_by=role,
                         origin=evidence)
        ctx.candidates.append(cand)
    cand.put("params_total", total if total is not None else info.total, evidence, TABLE)
    cand.put("params_active", active if active is not None else info.active, evidence, TABLE)
    for col, kind in enumerate(kinds):
        if col == 0 or not kind or kind in {"params_total", "params_active"} or col >= len(row) or not row[col]:
            continue
        if re.fullmatch(r"\s*(?:-+|–|—|/|n/?a)\s*", row[col], re.I):
            cand.absent.add(kind)  # "| X-Chat | 1.6B | - |": the row says it has no such number, not its sibling's
            continue
        cand.put(kind, cell_value(kind, row[col], table.header[col]), evidence, TABLE)


def _grid_names(table: Table) -> list[tuple[int, str]]:
    """(column, name) of a grid of sized model names ("| T5 | LaMini-T5-61M | LaMini-T5-223M |"): at least three
    cells beyond the first column, two thirds of the filled ones, are names with a size in them."""
    cells = [(c, _without_icon(re.sub(r"[^\w)]+$", "", row[c]))) for row in table.rows for c in range(1, len(row))
             if re.search(r"[A-Z0-9]", row[c])]  # "coming soon" is a place kept for a name
    named = [(c, cell) for c, cell in cells if MENTION.fullmatch(cell) and SIZE_IN_NAME.search(cell)]
    return named if len(named) >= 3 and 3 * len(named) >= 2 * len(cells) else []


def read_name_grid(ctx: Context, table: Table) -> None:
    """Each sized name in a grid is a model of the document: of its family, or, where the grid links each name
    to its repository, of its developer's brand ("LaMini-T5-61M" in a LaMini-LM README)."""
    for col, name in _grid_names(table):
        info = ctx.info(name)
        brand = bool(ctx.primary) and info.stem[:1] == ctx.primary[:1] and table.has_links[col]
        if not info.nominal or ctx.find(info) or not (ctx.announced(info) or brand):
            continue
        role = "download table" if table.has_links[col] else "size table"
        cand = Candidate(name=name, info=info, source="table", introduced_by=role, origin=f"{table.section}: {name}".strip(": "))
        cand.put("params_total", info.total, name, TABLE)
        cand.put("params_active", info.active, name, TABLE)
        ctx.candidates.append(cand)


def read_model_sheet(ctx: Context, table: Table) -> None:
    """A sheet with one column per model and one row per fact: each column is a model of the document."""
    for col in range(1, len(table.header)):
        name = table.header[col]
        info = ctx.info(name)
        if not mentions(name) or not ctx.announced(info):
            ctx.reject(name, "another model, a column of a sheet of facts", f"{table.section}: {name}".strip(": "))
            continue
        cand = ctx.find(info)
        if cand is None:
            cand = Candidate(name=name, info=info, source="table", introduced_by="spec table", origin=" | ".join(table.header))
            ctx.candidates.append(cand)
        for row in table.rows:
            kind = _column_kind(row[0])
            if kind not in _ROW_FACTS or col >= len(row) or not row[col]:
                continue
            cand.put(kind, _labelled_value(kind, row[col], row[0]), f"{row[0]} | {name}: {row[col]}", TABLE)
        # the name's size where no row states one: "Parameters | 9B" is gWorld-8B's count
        cand.put("params_total", info.total, name, TABLE)
        cand.put("params_active", info.active, name, TABLE)


def read_spec_sheet(ctx: Context, table: Table) -> None:
    """A sheet of facts ("Total Parameters | 1T", "Context Length | 128K") for the model its header names,
    else for the document's family (a model of that name when none was read yet)."""
    named = table.header[1] if mentions(table.header[1]) else ""  # "Kimi K2", not "Value" or "Description"
    info = ctx.info(named or ctx.primary_display)
    if not info.stem or not ctx.announced(info):
        ctx.reject(named or "(unnamed)", "a sheet of facts about another model", f"{table.section}: {named}".strip(": "))
        return
    targets = [c for c in ctx.candidates if c.info.stem == info.stem
               and (info.nominal is None or c.info.nominal is None or abs(c.info.nominal - info.nominal) < 0.02 * info.nominal)]
    if not targets:
        targets = [Candidate(name=named or ctx.primary_display, info=info, source="table", introduced_by="spec table",
                             origin=" | ".join(table.header).strip(" |") or table.section)]
        ctx.candidates.extend(targets)
    for label, cell, *_ in table.rows:
        kind = _column_kind(label)
        if kind not in _ROW_FACTS or not cell:
            continue
        value = _labelled_value(kind, cell, label)
        for cand in targets:
            cand.put(kind, value, f"{label} | {cell}", TABLE)


def _without_badge(cell: str) -> str:
    # "Yuan2.0-2B-Mars-hf *New*": a badge, not a footnote; "Chinese-LLaMA-2-7B (hf 格式)": a note on the format
    return re.sub(rf"\s*\(?\bnew\b!?\)?†?$|\s*\([^()]*[{CJK}][^()]*\)\s*$", "", cell, flags=re.I)


def _without_icon(cell: str) -> str:
    # "⚾Orion-14B-Base", "🤗 Baichuan2-7B-Base": an icon before the name; "uform-gen2-dpo 🆕": a badge after it
    return re.sub(r"^[^\w(]+|\s+[^\w\s()\[\].,+*†-]+$", "", cell)


def _labelled_value(kind: str, cell: str, label: str) -> object:
    """A sheet's cell read as the fact its row label names ("Total Parameters | 1T")."""
    if kind in {"params_total", "params_active"}:
        return parse_params_cell(cell, bare_number_scale(label, kind))[0]
    return cell_value(kind, cell, label)


def _round_nominal(total: float, row: tuple[str, ...]) -> float:
    """The size label written in the row ("1B" in "1B (1.23B)"), else the value itself."""
    for cell in row:
        match = re.match(rf"\s*({NUM})\s*([BM])\s*\(\s*\d", cell)
        if match:
            return float(match.group(1)) * (1e9 if match.group(2) == "B" else 1e6)
    return total


def read_column_table(ctx: Context, table: Table) -> None:
    label_cols = [c for c, h in enumerate(table.header) if _H_LABEL.search(h) or c == 0]
    model_cols = [c for c in range(len(table.header)) if c not in label_cols]
    footnote_not_released = any(re.search(r"not released|comparison purposes only", l, re.I) for l in ctx.doc.lines)
    for col in model_cols:
        name = table.header[col]
        if not re.search(r"[A-Za-z]", name) or (_SKIP_NAME.search(name) and footnote_not_released):
            continue
        info = ctx.info(name)
        if not ctx.announced(info):
            ctx.reject(name, "another model, a column of a benchmark table", f"{table.section}: {name}".strip(": "))
            continue
        values: dict[str, tuple[object, str]] = {}
        for row in table.rows:
            labels = " ".join(row[c] for c in label_cols if c < len(row))
            cell = row[col] if col < len(row) else ""
            evidence = f"{labels} | {name}: {cell}"
            if _H_MMLU.search(labels.strip()) or any(_H_MMLU.search(row[c]) for c in label_cols if c < len(row)):
                values.setdefault("mmlu", (mmlu_value(cell), evidence))
            elif re.search(r"param", labels, re.I):
                kind = "params_active" if _H_ACTIVE.search(labels) else "params_total"
                values.setdefault(kind, (quantity(cell), evidence))
        cand, new_name = _bench_candidate(ctx, info, name, table.section)
        if cand is None:
            if values.get("mmlu", (None,))[0] is None or info.nominal is None:
                continue  # an unlisted variant is a model of its own only when it brings its own numbers
            cand = Candidate(name=new_name, info=ctx.info(new_name), source="bench", introduced_by="benchmark column",
                             origin=f"{table.section}: {name}".strip(": "))
            sibling = ctx.find(NameInfo(info.stem, "", info.nominal, None, None))
            if sibling:
                for key in ("params_total", "params_active"):
                    if key in sibling.facts:
                        cand.facts[key] = sibling.facts[key]
            cand.put("params_total", info.total, name, TABLE)
            ctx.candidates.append(cand)
        for key, (value, evidence) in values.items():
            cand.put(key, value, evidence, TABLE)


def _implied_variant(section: str) -> str:
    """Benchmark tables under "Instruction tuned models" describe the instruct variants."""
    last = section.split(" / ")[-1] if section else ""
    if re.search(r"instruct|chat|tuned|post-?train", last):
        return "instruct"
    if re.search(r"\bbase\b|pre-?train", section):
        return "base"
    return ""


def _bench_candidate(ctx: Context, info: NameInfo, name: str, section: str) -> tuple[Candidate | None, str]:
    """Merge a benchmark column into a known model: the variant the section implies, the
    same variant, then an unclaimed plain sibling. Returns the candidate (or None) and
    the name a new candidate should get."""
    implied = "" if info.variant else _implied_variant(section)
    if implied:
        cand = ctx.find(NameInfo(info.stem, implied, info.nominal, info.total, info.active))
        if cand:
            cand.claimed = True
            return cand, name
        if implied == "instruct":
            return None, f"{name} Instruct"
    cand = ctx.find(info)
    if cand is None and info.variant:
        plain = ctx.find(NameInfo(info.stem, "", info.nominal, info.total, info.active))
        if plain is not None and not plain.claimed and plain.source != "bench":
            plain.name = name
            cand = plain
    if cand is not None:
        cand.claimed = True
        if cand.info.nominal is None and info.nominal is not None and "params_total" not in cand.facts:
            cand.name, cand.info = name, info  # the family name in prose, the sized name in the table
    return cand, name
