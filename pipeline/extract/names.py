"""Model names: the sizes written inside them, their family stem and variant words, and the
capitalised or numbered chains in prose that mention a model."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.numbers import NUM


# "7B", "1.5b", "125M", "235B-A22B", "1b-a400m", "A2.7B", "17Bx16E" (active x experts), "8x7B" (no total).
SIZE_IN_NAME = re.compile(
    rf"(?<![\w.])(?:(?P<moe>\d+)x{NUM}[bB]|(?P<tot>{NUM})\s?(?P<unit>[bBmM])(?:-[aA](?P<act>{NUM})(?P<act_unit>[bBmM]))?"
    rf"(?:x(?P<experts>\d+)E)?|A(?P<act_only>{NUM})[bB])(?![a-zA-Z0-9])"
)
_EXPERTS_SUFFIX = re.compile(r"\d[bBmM][-_]\d+e(?![a-zA-Z0-9])")
_TRILLION_IN_NAME = re.compile(rf"(?<![\w.])(?P<t>{NUM})[tT](?![a-zA-Z0-9])")
# Two sizes in a row, the smaller first: the active and the total count ("OLMoE-1B-7B").
_ACTIVE_THEN_TOTAL = re.compile(rf"(?<![\w.])(?P<a>{NUM})(?P<a_unit>[bBmM])-(?P<t>{NUM})(?P<t_unit>[bB])(?![a-zA-Z0-9])")
_VARIANT_WORDS = {
    "base", "chat", "instruct", "inst", "it", "sft", "rl", "bf16", "fp16", "fp8", "int4", "int8", "quantized",
    "spinquant", "spin", "quant", "qlora", "ptq", "vanilla", "preview", "hf", "pretrained", "pretrain", "tuned", "gptq", "awq",
    "gguf", "bnb", "mlx", "marlin", "autoawq", "qat", "pytorch", "eagle", "eagle3", "frspec", "medusa", "draft",
    "4bits", "8bits", "4bit", "8bit", "format", "unquantized", "npu", "ggml", "pt", "sharded", "safetensors", "onnx",
    "unpacked", "packed",
}
_VARIANT_CANONICAL = {"inst": "instruct", "it": "instruct", "pretrain": "base", "pretrained": "base", "pt": "base"}
# Words that open a sentence or heading but never a model name.
LEADING_WORDS = {
    "about", "the", "a", "an", "introducing", "today", "our", "we", "this", "these", "in", "on", "for", "with",
    "and", "of", "model", "models", "table", "contents", "meet", "new", "while", "when", "compared", "since",
    "unlike", "both", "all", "each", "after", "before", "although", "however", "moreover", "furthermore",
    "additionally", "notably", "as", "if", "unlike", "besides", "like", "available", "supported", "released", "official",
}
# Words that close a title or phrase but never a model name ("GPT-3 Model Card", "the Qwen1.5 series").
_TRAILING_WORDS = {"model", "models", "card", "series", "family", "collection", "readme", "report", "technical", "blog",
                   "language", "foundation", "repo", "repository", "codebase", "code", "implementation", "training"}
# Words a heading or title puts after a model's name ("… Long Context Model Introduction", "… Technical Report").
_DESCRIPTIVE_WORDS = _TRAILING_WORDS | {
    "long", "context", "introduction", "overview", "release", "releases", "update", "updates", "performance",
    "evaluation", "results", "usage", "quickstart", "deployment", "inference", "training", "architecture",
    "highlights", "details", "summary", "news", "download", "downloads", "weights", "checkpoints", "paper",
}
# Words that name what surrounds a model (files, tools, settings), never a model of their own:
# "Checkpoint", "WandB", "seed", "learning rate" as rows or mentions are not announcements.
_NOT_MODEL_WORDS = {
    "checkpoint", "checkpoints", "wandb", "seed", "learning", "rate", "lr", "value", "values", "config",
    "configuration", "tokenizer", "weights", "download", "downloads", "link", "links", "logs", "log", "license",
    "paper", "demo", "github", "huggingface", "modelscope", "arxiv", "batch", "size", "steps", "step",
    "warmup", "optimizer", "dropout", "epoch", "epochs", "hyperparameter", "hyperparameters", "parameter",
    "parameters", "hidden", "layers", "heads", "dimension", "vocab", "vocabulary", "gpu", "gpus", "hours", "dataset",
    "datasets", "data", "training", "decay", "schedule", "precision", "eval", "evaluation", "benchmark", "results",
    "version", "date", "type", "name", "file", "files", "md5", "sha256", "url", "id", "random", "number", "tokens",
    "introduction", "overview", "usage", "quickstart", "inference", "deployment", "installation", "citation",
    "abstract", "summary", "highlights", "contents", "features", "architecture", "performance", "requirements",
    "api", "apis", "sdk", "cli", "webui", "demo", "playground", "server",
    "tpu", "gpu", "npu", "cpu", "onnx", "mlx", "tensorrt", "openvino", "replication", "reproduction", "of", "per",
    "documentation", "docs", "resources", "tutorial", "tutorials", "news", "updates", "faq", "release", "releases",
    "moe", "dense", "mixture", "experts", "expert", "note", "notes", "warning", "tip", "important", "todo",
    # A diffusion model's parts in its download table ("| VAE | 80M |", "| T5 | 4.3B |"): not models it releases.
    "vae", "unet", "t5", "clip", "encoder", "decoder",
}
# Accelerators and their makers: "fits a single 80GB GPU (like NVIDIA H100 or AMD MI300X)" names no model.
HARDWARE = re.compile(r"(?i)^(?:nvidia|amd|intel|apple|google tpu|tpu\w*|[abhlv]\d{2,3}s?|[gb]h?\d{3}|mi\d{3}\w*|rtx\w*|gtx\w*)$")
RELEASE_VERBS = re.compile(r"\b(releas\w*|introduc\w*|open-?sourc\w*|open-?weight\w*|launch\w*|announc\w*|present|uploaded"
                           # "a smaller version … ([T0 3B](…)) is also available"; not "the paper is available on arXiv"
                           r"|(?:version|model|checkpoint|weight)s?\b(?:(?!\band\b|paper|arxiv|code)[^.,;]){0,80}?\b(?:is|are)\s+(?:also\s+|now\s+)?available"
                           # "TroL-1.8B is now available in Huggingface Models": a sized name
                           r"|(?<![\w.])\d+(?:\.\d+)?[BbMm]\W{0,2}\s+(?:is|are)\s+(?:also\s+|now\s+)?available)\b"
                           r"|开源|发布|推出", re.I)
_COMPARED = re.compile(r"\b(?:like|than|compared|against|such as|outperform\w*|vs\.?|surpass\w*)\b")
NOT_MODEL_ROWS = re.compile(r"^(total|average|avg\.?|mean|sum|overall)\b", re.IGNORECASE)


@dataclass(frozen=True)
class NameInfo:
    stem: tuple[str, ...]
    variant: str
    nominal: float | None  # size written in the name ("1B" -> 1e9)
    total: float | None
    active: float | None


def parse_name(name: str, org_tokens: tuple[str, ...] = ()) -> NameInfo:
    """Split a model name into stem, variant words and the sizes it spells out."""
    nominal = total = active = None
    name = re.sub(r"(?<=\d[bBmM])(?=v\d)", " ", name)  # "OpenLLaMA 7Bv2": the 7B of version 2
    # "InternVL2_5-1B", "internlm2_5-1_8b": versions and sizes in ids; "NTv3_100M" is version 3's 100M, no "3.100M"
    name = re.sub(r"(?<=\d)_(?=\d)(?!\d+(?:\.\d+)?[bBmM](?![a-zA-Z0-9]))|(?<=[-_ ]\d)_(?=\d)", ".", name).replace("_", "-")
    # "SeqGPT-7B1", "bloomz-1b7": 7.1B, 1.7B ("MACE-MP-0b2" is a version)
    name = re.sub(r"(?<![\w.])([1-9]\d*)([bBmM])(\d)(?![\w.])", r"\1.\3\2", name)
    for match in SIZE_IN_NAME.finditer(name):
        if match.group("act_only"):
            active = active or float(match.group("act_only")) * 1e9
        elif re.search(r"(?:19|20)\d\d[-_]$", name[: match.start()]):
            continue  # "twitter-roberta-base-2019-90m": after a year, the tweets it was trained on, not a size
        elif match.group("tot") and nominal is None and float(match.group("tot")) > 0:  # "…-0m": no size
            scale = _unit_scale(match.group("unit"))
            digits = match.group("tot")
            # "MobiLlama-05B": a leading zero is the decimal point left out (0.5B)
            value = float(f"0.{digits[1:]}" if re.fullmatch(r"0\d+", digits) else digits) * scale
            if match.group("experts"):
                active = value
            else:
                nominal = total = value
                if match.group("act"):
                    active = float(match.group("act")) * _unit_scale(match.group("act_unit"))
    trillion = _TRILLION_IN_NAME.search(name)
    if nominal is None and trillion and float(trillion.group("t")) <= 2:
        # "Ring-2.5-1T": a trillion parameters; a bigger "-5T", or one beside a size, counts training tokens
        nominal = total = float(trillion.group("t")) * 1e12
        name = name[: trillion.start()] + name[trillion.end():]
    if _EXPERTS_SUFFIX.search(name) and active is None:
        total = None  # "MoE-LLaVA-Phi2-2.7B-4e": four experts of 2.7B, the total not written
    pair = _ACTIVE_THEN_TOTAL.search(name)
    if pair and active is None:  # "OLMoE-1B-7B": about 1B active of 7B, too rounded to state the active count
        small, large = (float(pair.group(g)) * _unit_scale(pair.group(g + "_unit")) for g in ("a", "t"))
        if small < large:
            nominal = total = large
    lowered = _without_sizes(re.sub(r"\([^)]*\)", " ", name)).lower()
    tokens = []
    for token in re.split(r"[^a-z0-9.]+|(?<![0-9])\.|\.(?![0-9])", lowered):  # a dot joins words, or a version
        token = token.strip(".")
        # "llama2" and "llama 2" are the same family; "bf16" stays one word.
        # "IT5" is a family, not the "it" (instruct) variant of a "5"
        split = token if token in _VARIANT_WORDS or re.sub(r"\d.*", "", token) in _VARIANT_WORDS \
            else re.sub(r"(?<=[a-z]{2})(?=\d)", " ", token)
        tokens += [t for t in split.split() if t]
    while tokens and tokens[0] in LEADING_WORDS or (
        org_tokens and tokens and tokens[0] in org_tokens and len(tokens) > 1 and re.fullmatch(r"[a-z]{2,}", tokens[1])
        and tokens[1] not in _VARIANT_WORDS  # "Baichuan-13B-Base" by Baichuan: "base" is no family name
    ):
        tokens = tokens[1:]
    variants = [_VARIANT_CANONICAL.get(t, t) for t in tokens if t in _VARIANT_WORDS]
    # Words in parentheses ("Chat (RL)") still tell variants apart.
    for inner in re.findall(r"\(([^)]*)\)", name):
        variants += variant_words(inner)
    while len(tokens) > 1 and tokens[-1] in _TRAILING_WORDS:
        tokens = tokens[:-1]
    # Four-digit suffixes are dates ("2407", "0905"), not part of the family name.
    stem = tuple(t for t in tokens if t not in _VARIANT_WORDS and not re.fullmatch(r"\d{4}", t))
    return NameInfo(stem, "".join(variants), nominal, total, active)


def _unit_scale(unit: str) -> float:
    return 1e9 if unit.lower() == "b" else 1e6  # "B" billions, "M" millions


# Words naming a model's size in its family ("Small", "XLarge", "x-small", "nano").
_SIZE_WORDS = r"(?:x{0,3}[- ]?(?:small|large)|tiny|mini|medium|base|huge|giant|nano|micro|x{1,3}l)"
SIZE_WORD = re.compile(_SIZE_WORDS, re.I)


def names_variant_or_size(text: str) -> bool:
    """Does a note in parentheses name the model's variant or size ("(base)", "(large)"), not describe it?"""
    return bool(variant_words(text)) or bool(re.search(rf"\b{_SIZE_WORDS}\b", text, re.I))


def variant_words(text: str) -> list[str]:
    """The variant words in a piece of a name: "(instruct)" has one, "(32K Long Context)" none."""
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t in _VARIANT_WORDS]


def _without_sizes(name: str) -> str:
    """The name with its sizes blanked, except an "-1M" after a size in billions: that is a context length
    ("GLM-4-9B-Chat-1M"), which tells the model from its 128K sibling."""
    seen_billions = False

    def blank(match: re.Match) -> str:
        nonlocal seen_billions
        if match.group("moe"):
            return match.group(0)  # "MAmmoTH2-8x7B" states no size, but is not "MAmmoTH2-7B" either
        if seen_billions and (match.group("unit") or "").lower() == "m":
            return match.group(0)
        seen_billions = seen_billions or (match.group("unit") or "b").lower() == "b"
        return " "
    return SIZE_IN_NAME.sub(blank, name)


# Words that make a whole name something else than a model: "moss-003-sft-data", "MOSS Backend", "X-DockerFile".
_NEVER_MODEL_WORDS = {"data", "dataset", "datasets", "corpus", "backend", "frontend", "dockerfile", "docker", "tool", "tools",
                      "websearchtool", "api", "sdk", "cli", "webui", "app", "benchmark", "leaderboard", "toolkit", "demo",
                      "start", "quickstart", "notebook", "guide", "tutorial", "loop", "loops", "tokenizers", "visualization",
                      "deploy", "deepstream", "prompt", "prompts", "script", "scripts", "pypi", "pip", "click", "here",
                      "bench", "arena",  # "MT-Bench", "Arena-Hard": benchmarks
                      "tar", "tgz", "zip",  # "navec_news_v1_1B_250K_300d_100q.tar": an archive of vectors
                      "json", "jsonl", "csv", "parquet",  # "pandalm-7b-testset-v1.json": data
                      "ffmpeg", "cuda", "conda", "numpy", "opencv", "cmake",  # tools a README asks to install
                      "transformers", "diffusers", "vllm", "sglang", "ollama"}  # libraries and engines that run models


_FILE_WORDS = {"weight", "weights", "checkpoint", "checkpoints", "tgi", "demo", "code", "data", "dataset", "paper", "blog",
               "report", "config", "tokenizer", "logs"}


def names_a_file(text: str) -> bool:
    """Does a word of `text` name weights, code or a document rather than a model ("CogVLM2 TGI Weight")?"""
    return any(t in _FILE_WORDS for t in re.split(r"[^a-z0-9]+", text.lower()))


def is_model_name(info: NameInfo, family: tuple[str, ...] = (), written: str = "") -> bool:
    """A name is not a model's when its words beyond `family` all name a file, tool or setting, or one of them
    names data, a service or a tool; nor is a setting written in capitals with underscores ("TABPFN_MODEL_CACHE_DIR")."""
    if re.fullmatch(r"[A-Z0-9]+(?:_[A-Z0-9]+){2,}", written):
        return False
    rest = info.stem[len(family):] if starts_with(info.stem, family) else info.stem
    words = [t for t in rest if re.search(r"[a-z]", t)]
    if any(t in _NEVER_MODEL_WORDS for t in words):
        return False
    if info.nominal and words and all(t in {"moe", "dense"} for t in words):
        return True  # "MING-MOE-1.8B": a sized model of that architecture, not a section on it
    return not words or not all(t in _NOT_MODEL_WORDS for t in words)


def before_comparison(text: str) -> str:
    """The part of a sentence before it compares ("… outperforms X"): names after that are rivals."""
    return _COMPARED.split(text, maxsplit=1)[0]


def contains(stem: tuple[str, ...], family: tuple[str, ...]) -> bool:
    """Is `family` a run of `stem`'s tokens ("Overview Llama 2" contains "llama 2")?"""
    return bool(family) and any(stem[i: i + len(family)] == family for i in range(len(stem) - len(family) + 1))


def starts_with(stem: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return bool(prefix) and stem[: len(prefix)] == prefix


def _sized_version(stem: tuple[str, ...], family: tuple[str, ...]) -> bool:
    """"YOLOv5n", "YOLOv5s6" of "YOLOv5": a size letter fused to the family's version number."""
    return len(family) >= 2 and len(stem) >= len(family) and stem[: len(family) - 1] == family[:-1] \
        and family[-1].isdigit() and bool(re.fullmatch(re.escape(family[-1]) + r"[a-z]{1,2}\d?", stem[len(family) - 1]))


def of_family(stem: tuple[str, ...], family: tuple[str, ...]) -> bool:
    """Is `stem` a member of `family`: "Kanana 1.5 8B", or with a tier word before the version ("Kanana-Flag-1.5",
    "Ling-mini-2.0" of "Ling 2.0"), never another version ("Qwen2.5" of "Qwen3")?"""
    if starts_with(stem, family) or _sized_version(stem, family) or _abbreviates(stem, family):
        return True
    version = family[1:]
    return bool(version) and all(re.search(r"\d", t) for t in version) and len(stem) > len(family) \
        and stem[0] == family[0] and bool(re.fullmatch(r"[a-z]+", stem[1])) and starts_with(stem[2:], version)


def _abbreviates(stem: tuple[str, ...], family: tuple[str, ...]) -> bool:
    """"CT-LLM" of "Chinese-Tiny-LLM": the first word is the initials of the family's leading words, the rest the same."""
    return len(stem) >= 1 and any(len(stem[0]) == k and stem[0] == "".join(t[0] for t in family[:k])
                                  and starts_with(stem[1:], family[k:]) for k in range(2, len(family) + 1))


def size_label(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:g}B"
    return f"{value / 1e6:g}M"


# Chains of capitalised or numbered tokens ("DeepSeek LLM 7B Base", "Qwen1.5-MoE-A2.7B"), and
# lower-case hyphenated names with a number in them, as repositories spell them ("gpt-oss-120b").
MENTION = re.compile(
    # a name may open with digits fused to a capitalised word ("360Zhinao-7B")
    # … or with a short lower-case prefix before capitals ("mT5", "ruGPT3XL", "xLSTM") or a sized word ("gWorld-8B")
    # (after any letter but a Latin one or a digit: "更新CINO-small模型" names CINO-small)
    r"(?<![A-Za-z0-9_.-])(?:(?:[A-Z]|[a-z]{1,3}(?=[A-Z]{1,}[A-Z0-9]|[A-Z][a-z]+-\d)|\d+(?=[A-Z][a-z]{2})(?!\d*(?:Billion|Million|Trillion|Thousand)))"
    r"[A-Za-z0-9.]*[A-Za-z0-9](?:(?:-| |_)(?:[A-Z0-9][A-Za-z0-9.]*[A-Za-z0-9]|[A-Z0-9]|v\d[\w.]*)"
    r"|-[a-z][a-z0-9.]*[a-z0-9](?=[\w.-]*\d|\s+v?\d)|-(?:tiny|mini|small|base|medium|large|xl|xxl)(?![A-Za-z0-9]))*"
    r"|(?=[a-z0-9.-]*\d)[a-z][a-z0-9]*(?:-[a-z0-9](?:[a-zA-Z0-9.]*[a-zA-Z0-9])?)+(?![\w/-])"
    # "dots.llm1.inst": words joined by dots, a number in them (not a version "v1.5")
    r"|(?!v\d)(?=[a-z0-9.]*[a-z]{2}\d)[a-z]{2,}[a-z0-9]*(?:\.[a-z][a-z0-9]*)+(?![\w/.-]))"
)


def special_token(text: str, match: re.Match) -> bool:
    """"[CLS]", "<MASK>": a tokenizer's special token; "Apache 2.0 license": a licence; not models."""
    return text[match.start() - 1: match.start()] in ("[", "<") and text[match.end(): match.end() + 1] in ("]", ">") \
        or bool(re.match(r"\s+licen[cs]e\b", text[match.end():], re.I))


def scored_on(text: str, match: re.Match) -> bool:
    """"72.3 on BrowseComp-ZH", "37.7%, 47.1% on HLE-Text, BrowseComp", "BrowseComp-ZH (29.4%)": a benchmark a model
    scores on, not a model."""
    before = text[max(0, match.start() - 200): match.start()]  # a bounded look back keeps long lines linear
    return bool(re.search(r"\d%?\s+on\s+(?:the\s+)?(?:[\w.-]+(?:\s*\([^()]*\))?,\s*)*(?:and\s+)?$", before)
                or re.match(r"\s*\(\s*\d+(?:\.\d+)?\s*%?\s*\)", text[match.end():]))


def mentions(text: str) -> list[tuple[int, str]]:
    found = []
    for match in MENTION.finditer(text):
        if special_token(text, match):
            continue
        chain = match.group(0).rstrip(".")
        # "If Real-ESRGAN is helpful": a sentence's opening word is not part of the name after it
        opening = re.match(r"(?:(?:The|This|These|Our|Introducing|Meet|Today|If|When|While|Since|Although|However|Unlike"
                           r"|After|Before|With|For|And|Both|All|Each|Compared)\s+)+(?=\S)", chain)
        start = match.start() + (opening.end() if opening else 0)
        chain = chain[opening.end():] if opening else chain  # "The InternVL2 76B" mentions "InternVL2 76B"
        # "Index-1.9B-32K Long Context Model Introduction": a heading's words after the name are not part of it
        words = chain.split(" ")
        while len(words) > 1 and words[-1].lower() in _DESCRIPTIVE_WORDS:
            words.pop()
        if len(words) > 1 and words[-1].isdigit() and re.match(r"-[a-z]", text[match.end():]):
            words.pop()  # "CINO-base-v2 12-layer": the number counts layers
        chain = " ".join(words)
        tokens = re.split(r"[- _]", chain)
        # A number, an inner capital ("DeepSeek") or capitalised words joined by a hyphen ("Hunyuan-Large").
        if any(re.search(r"\d", t) for t in tokens) or any(len(re.findall(r"[A-Z]", t)) >= 2 for t in tokens) \
                or re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][A-Za-z]*)+", chain):
            found.append((start, chain))
    return found
