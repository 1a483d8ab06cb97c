"""Turn a model announcement (Markdown, plain text or HTML) into candidate facts.

One record per model the document *announces*: rival models that appear only in comparison
tables are left out by structure, not by name lists. A model's identity is its *stem* (name
without size, variant words, punctuation) plus its size; the document's primary stem is the one
its title and prose mention most.

Chinese text is read too: release verbs (开源, 发布), magnitudes (万亿, 亿), table headers (模型, 下载, 参数).

Sources, strongest first: table cells (spec, download and benchmark tables, in either
orientation), sentences that name the model, then statements about "the model" that apply to
every model of the primary family.

Each record says why the document announces the model (`subject_evidence`: its own size or
download table, a list of links to its developer's repositories, the title, a release sentence,
the model-card header, a heading, or a variant of such a model); `extract_with_review` also returns what was read but is not the document's subject
(rivals in comparison tables, names of files, tools or settings, numbers from sentences about
another model), each with the reason.

Modules, by concern: `text` (documents to prose lines and tables; size limits), `numbers`
(quantities and dates), `names` (model names and mentions), `candidates` (models and their
facts), `subject` (the document's developer and family), `about` (which model a sentence speaks
of), `tables`, `naming` (models named by lists and release sentences) and `prose` (facts stated in
sentences), `records` (the extractor), `command` (`python -m pipeline.extract PATH_OR_URL` -> JSON array).
"""

from pipeline.extract.candidates import FIELDS
from pipeline.extract.command import main
from pipeline.extract.numbers import parse_date
from pipeline.extract.records import REVIEW_COLUMNS, Extraction, extract, extract_with_review
from pipeline.extract.text import MAX_DOCUMENT_CHARS, DocumentTooComplex, load_document, require_shallow

__all__ = ["FIELDS", "MAX_DOCUMENT_CHARS", "REVIEW_COLUMNS", "DocumentTooComplex", "Extraction", "extract",
           "extract_with_review", "load_document", "main", "parse_date", "require_shallow"]
