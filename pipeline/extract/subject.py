"""What the document is about: its developer, its primary model family, and for each model
read from it why the document announces that model (`judge`).

A model is the document's subject when its own size or download table lists it, when the
title, a release sentence ("we release …", "introducing …") or the model-card header names it,
or, for a model seen only in a benchmark table, when it is a variant of such a model. Anything
else (a model only compared with, a row that names a file, tool or setting, an active-parameter
count read as a model) goes to the document's review list with the reason.
"""

from __future__ import annotations

import re

from pipeline.extract.candidates import Candidate, Context, fact_value
from pipeline.extract.names import (HARDWARE, LEADING_WORDS, MENTION, RELEASE_VERBS, SIZE_IN_NAME, NameInfo,
                                    before_comparison, is_model_name, mentions, of_family, parse_name, scored_on,
                                    special_token, starts_with)
from pipeline.extract.text import Document, sentences

OWN_TABLES = ("size table", "download table", "download list", "spec table", "model list")
# Links to the developer's own repositories: their models are released, whatever their family.
DOWNLOADS = ("download table", "download list")
SCORES_ONLY = ("evaluation table", "benchmark column")
QUOTE_CHARS = 200
LANGUAGES = {"english", "chinese", "spanish", "french", "german", "italian", "portuguese", "dutch", "russian", "arabic",
             "japanese", "korean", "vietnamese", "thai", "indonesian", "turkish", "polish", "swedish", "finnish", "greek",
             "hindi", "multilingual", "catalan", "basque", "galician", "ukrainian", "czech", "norwegian", "danish"}
# Model-card header fields that name the model ("Model name: …", "**Model Details** …").
_CARD_FIELD = re.compile(r"^\W*(?:model(?:\s+(?:name|details|information|card|overview|summary))?|name)\b\W*", re.I)
# The document's first sentence defining its subject: "Dia is a 1.6B parameter text to speech model created by …".
_DEFINITION = re.compile(r"(?P<name>[A-Z][\w.-]*(?: [A-Z0-9][\w.-]*){0,3}) (?:is|are) (?:a|an)\b(?:[^.;:]|\.(?=\d)){0,120}?\bmodels?\b")


def opening_definition(doc: Document) -> re.Match | None:
    """The document's first prose sentence, when it says what the named model is."""
    prose = (sentences(line) for line in doc.lines if not line.startswith(("#", "|", "-", "*", ">")))
    return _DEFINITION.match(next((found[0] for found in prose if found), ""))


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


def _is_word_stem(stem: tuple[str, ...], written: str) -> bool:
    """A family name: words ("llama") or a letter with a number ("t5"), not a size, a heading word ("Abstract",
    "Introduction"), a setting or a chip. A word fused with its number ("Step3") is a product's name."""
    named = any(re.search(r"[a-z]{2}", t) or re.fullmatch(r"[a-z]\d+", t) for t in stem)
    fused = bool(re.search(r"[A-Za-z]{2}\d", written))
    # "Extending LLM Context Length", "Scaling Vision Transformers": a title opening with a verb is a paper's, no name;
    # "Autoregressive Model Beats Diffusion": a headline with "model" inside is a sentence, no name
    phrase = len(stem) > 2 and (bool(re.fullmatch(r"[a-z]{4,}ing", stem[0])) or any(t in {"model", "models"} for t in stem))
    return named and not phrase and (fused or is_model_name(NameInfo(stem, "", None, None, None))) and not HARDWARE.match(stem[0])


Family = tuple[tuple[str, ...], str, frozenset[float]]


def rank_families(doc: Document, org_tokens: tuple[str, ...], limit: int = 2) -> list[Family]:
    """The families the document may be about, likeliest first: title names weigh 5, each prose mention 1.

    Each comes with how to write the family name and the sizes the title gives it
    ("Qwen1.5-110B: ..." announces the 110B only, so a 72B of the same family is a rival).
    """
    weights: dict[tuple[str, ...], float] = {}
    surface: dict[tuple[str, ...], dict[str, int]] = {}
    sized_surface: dict[tuple[str, ...], dict[str, int]] = {}
    title_sizes: dict[tuple[str, ...], set[float]] = {}
    title_stems = set()
    # "Amber: the first model of LLM360": the name before the colon is what the title is about.
    subtitle_at = re.search(r":\s|\s*：|\s[-–—]\s", doc.title)
    for match in MENTION.finditer(doc.title):
        info = parse_name(match.group(0), org_tokens)
        if _is_word_stem(info.stem, match.group(0)):
            title_stems.add(info.stem)
            in_subtitle = subtitle_at is not None and match.start() > subtitle_at.start()
            # "Fin-R1：通过强化学习…": a title that is a name and its description names the document's subject
            headline = subtitle_at is not None and doc.title[: subtitle_at.start()].strip() == match.group(0) \
                and bool(re.search(r"\d|\w-\w", match.group(0)))
            weights[info.stem] = weights.get(info.stem, 0.0) + (2 if in_subtitle else 15 if headline else 5)
            if info.nominal:
                title_sizes.setdefault(info.stem, set()).add(info.nominal)
    definition = opening_definition(doc)
    if definition:  # "Dia is a 1.6B parameter text to speech model": named as the title would name it
        info = parse_name(definition.group("name"), org_tokens)
        if _is_word_stem(info.stem, definition.group("name")):
            title_stems.add(info.stem)
            weights[info.stem] = weights.get(info.stem, 0.0) + 5
    for line in doc.lines:
        for match in MENTION.finditer(line):
            if special_token(line, match) or scored_on(line, match):
                continue
            chain = match.group(0).rstrip(".")
            info = parse_name(chain, org_tokens)
            strict = bool(mentions(chain)) or "-" in chain.strip("-")  # "Hunyuan-Large" is a name as much as "GPT-4"
            if not _is_word_stem(info.stem, chain) or not (strict or info.stem in title_stems):
                continue
            # Families come in sizes ("Moonlight-16B-A3B"); tools and settings ("LoRA", "AdamW") do not.
            weights[info.stem] = weights.get(info.stem, 0.0) + (3 if info.nominal or info.active else 1)
            if info.nominal is None and info.active is None and not info.variant:
                forms = surface.setdefault(info.stem, {})
                written = " ".join(w for w in chain.split() if w.lower() not in LEADING_WORDS)
                forms[written] = forms.get(written, 0) + 1
            elif info.nominal and not info.variant:
                # "FLM-101B" throughout: the family is written "FLM", as its sized names spell it, not "Flm"
                bare = SIZE_IN_NAME.sub("", chain).strip(" -_")
                if bare and parse_name(bare, org_tokens).stem == info.stem:
                    forms = sized_surface.setdefault(info.stem, {})
                    forms[bare] = forms.get(bare, 0) + 1
    # "Heterogenous Pre-trained Transformers" over "HPT-XLarge": the title's initials name the family
    initials = "".join(word[0] for word in re.findall(r"\b[A-Z][a-z]+", doc.title.split(":")[0])).lower()
    for stem in list(weights):
        if len(initials) >= 3 and stem and stem[0] == initials:
            weights[stem] += 5
    if not weights:
        return [((), "", frozenset())]
    # A title that names the family ("InternLM") counts the mentions of its members ("InternLM2.5-7B") as its own.
    for stem in title_stems:
        weights[stem] += sum(w for other, w in weights.items() if other != stem and starts_with(other, stem))
    ranked = sorted(weights, key=lambda s: (-weights[s], len(s), s))[:limit]
    return [(stem, _written(surface.get(stem) or sized_surface.get(stem), stem), frozenset(title_sizes.get(stem, ())))
            for stem in ranked]


def _written(forms: dict[str, int] | None, stem: tuple[str, ...]) -> str:
    return max(forms, key=lambda f: (forms[f], -len(f))) if forms else " ".join(stem).title()


def judge(ctx: Context) -> list[tuple[Candidate, str]]:
    """The candidates the document announces, each with its subject evidence; the others to ctx.review."""
    accepted: list[tuple[Candidate, str]] = []
    places = naming_places(ctx)
    later = [c for c in ctx.candidates if c.introduced_by in SCORES_ONLY]
    for cand in [c for c in ctx.candidates if c.introduced_by not in SCORES_ONLY] + later:
        # A lower-case word is no name ("final souped model"), unless a repository spells it so ("snowflake-arctic-base");
        # nor is a row without a family word ("基座 Int4 量化模型").
        repository_spelt = cand.introduced_by in OWN_TABLES and re.fullmatch(r"[a-z][\w.]*(?:[-_.][\w.]+)+", cand.name)
        # "pi_0$-DROID" (TeX math), "T5 & SDXL-VAE 4.5B" (two parts): no model's name
        if not cand.info.stem or re.search(r"[$&{}]", cand.name) or not is_model_name(cand.info, ctx.primary, cand.name) or \
                not (re.search(r"[A-Z0-9]", cand.name) or repository_spelt):
            _review(ctx, cand, "not a model name")
            continue
        if cand.info.nominal is None and not any(re.search(r"\d", t) for t in cand.info.stem) and (
                len(cand.info.stem) < len(ctx.org_tokens) and all(t in ctx.org_tokens for t in cand.info.stem) or all(t in LANGUAGES for t in cand.info.stem)):
            # "IDEA 研究院…推出…" by IDEA-CCNL (a part of the developer's name), "Spanish Language Models": no model
            _review(ctx, cand, "the developer's name or a language's, not a model's")
            continue
        if cand.introduced_by in OWN_TABLES and _not_yet_released(cand.origin):
            _review(ctx, cand, "a row for a model not yet released")
            continue
        evidence = None
        # A card titled with one sized model ("Ziya-Coding-34B-v1.0") links to the rest of its series as well:
        # the developer's other families there are not what it announces.
        any_family = cand.introduced_by in DOWNLOADS and not ctx.title_sizes
        if cand.introduced_by in OWN_TABLES and (_in_family(ctx, cand.info) or any_family):
            evidence = f"listed in the document's own {cand.introduced_by}: {_quote(cand.origin)}"
        evidence = evidence or _named(places, cand.info, exact_size=cand.introduced_by in SCORES_ONLY)
        if evidence is None and cand.introduced_by in SCORES_ONLY:
            sibling = next((c for c, _ in accepted if c.info.stem == cand.info.stem and c.info.nominal == cand.info.nominal), None)
            if sibling is not None:
                evidence = f"a variant of {sibling.name}, with scores of its own ({cand.introduced_by}: {_quote(cand.origin)})"
        if evidence is None and cand.introduced_by in SCORES_ONLY and cand.info.nominal and _in_family(ctx, cand.info):
            family = _named(places, NameInfo(ctx.primary, "", None, None, None), exact_size=False)
            if family is not None:
                evidence = f"a sized model of the family the document is about ({family}), in its {cand.introduced_by}"
        if evidence is None:
            if cand.introduced_by in SCORES_ONLY:
                where = f"only in an {cand.introduced_by}"
            elif cand.introduced_by in OWN_TABLES:
                where = f"in the document's own {cand.introduced_by}, but not of the family the document is about"
            else:
                where = "no title, release sentence, model-card header or own size table names it"
            _review(ctx, cand, where)
            continue
        accepted.append((cand, evidence))
    return [(cand, evidence) for cand, evidence in accepted if not _active_count_of(ctx, cand, accepted)]


# "| 15B | (in progress) | (pending) |", "| 175B | (planned) |": a place in the table kept for a model to come
_NOT_YET = re.compile(r"\(?\s*(?:in progress|planned|pending|coming soon|tb[ad]|to be released|training)\s*\)?", re.I)


def _not_yet_released(row: str) -> bool:
    """Every cell after the row's name says the model is still to come."""
    cells = [cell.strip() for cell in row.split(" | ")[1:] if cell.strip()]
    return bool(cells) and all(_NOT_YET.fullmatch(cell) for cell in cells)


Places = dict[tuple[str, ...], list[tuple[int, float | None, str]]]


_BASED_ON = re.compile(r"(?:\bbased\s+on|\bbuilt\s+(?:up)?on|\bfine-?tuned\s+(?:from|on)|\binherit\w*\s+from|基于|基於|继承自)\s*(?:the\s+)?(?:[\w.-]+/)?$", re.I)


def naming_places(ctx: Context) -> Places:
    """Stem -> (place number, size or None, subject evidence) for every name the title, a release sentence or the
    model-card header mentions, strongest place first. Built once per document, so judging stays
    linear in the number of candidates."""
    doc = ctx.doc
    places = [(doc.title, f"named in the title: {_quote(doc.title)}")]
    places += [(before_comparison(sentence), f"named in a release sentence: {_quote(sentence)}")
               for line in doc.lines for sentence in sentences(line) if RELEASE_VERBS.search(sentence)]
    places += [(_CARD_FIELD.sub("", line, count=1), f"named in the model-card header: {_quote(line)}")
               for line in doc.lines[:40] if _CARD_FIELD.match(line)]
    definition = opening_definition(doc)
    if definition:
        places.append((definition.string, f"defined in the document's first sentence: {_quote(definition.string)}"))
    # "### Step3 model card", "## Hunyuan-Large": a section of the document is about the model.
    places += [(before_comparison(line.lstrip("# ")), f"named in a heading: {_quote(line)}")
               for line in doc.lines if line.startswith("#")]
    index: Places = {}
    for position, (text, evidence) in enumerate(places):
        for match in MENTION.finditer(text):
            if _BASED_ON.search(text[max(0, match.start() - 60): match.start()]):
                continue  # "羽人是基于 baichuan-inc/baichuan-7B 进行微调": the model it starts from is not released here
            mentioned = ctx.info(match.group(0))
            # a word, or a letter with its number ("T0", "T5"), as family names go
            if mentioned.stem and (re.search(r"[a-z]{2}", " ".join(mentioned.stem)) or re.fullmatch(r"[a-z]\d+", mentioned.stem[0])):
                index.setdefault(mentioned.stem, []).append((position, mentioned.nominal, evidence))
    return index


def _named(places: Places, info: NameInfo, *, exact_size: bool) -> str | None:
    """The first place that names the model, or its family (without a size) unless `exact_size`."""
    found = [(position, evidence) for length in range(1, len(info.stem) + 1)
             for position, size, evidence in places.get(info.stem[:length], ())
             if size == info.nominal or size is None and not exact_size]
    return min(found)[1] if found else None


def _in_family(ctx: Context, info: NameInfo) -> bool:
    return bool(ctx.primary) and of_family(info.stem, ctx.primary)


def _active_count_of(ctx: Context, cand: Candidate, accepted: list[tuple[Candidate, str]]) -> bool:
    """A size from prose that is another model's active-parameter count is that model's, not a model of its own."""
    total = fact_value(cand, "params_total")
    if cand.introduced_by in OWN_TABLES and cand.introduced_by != "model list" or not isinstance(total, float):
        return False
    for other, _ in accepted:
        active = fact_value(other, "params_active")
        related = starts_with(cand.info.stem, other.info.stem) or starts_with(other.info.stem, cand.info.stem)
        if other is not cand and related and isinstance(active, float) and abs(active - total) <= 0.02 * active:
            _review(ctx, cand, f"the active-parameter count of {other.name}, not a model of its own")
            return True
    return False


def _review(ctx: Context, cand: Candidate, reason: str) -> None:
    ctx.reject(cand.name, f"{reason} (read from: {cand.introduced_by})" if cand.introduced_by else reason,
               cand.origin or next((entry[2] for entry in cand.facts.values()), ""), "model", fact_value(cand, "params_total"))


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"
