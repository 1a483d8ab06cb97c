"""The evidence check: quotes and table cells looked for in saved or fetched copies of their sources."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from pipeline import verify
from pipeline.schema import EvidenceCheck
from tests.conftest import REPO
from tests.httpserver import LoopbackServer, Route

PAPER_URL = "https://example.org/paper.pdf"
CARD_URL = "https://example.org/card"
BLOG_URL = "https://example.org/blog"
EXCERPT_URL = "https://example.org/excerpt"
MISSING_URL = "https://example.org/gone"


def pdf_document(lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica) showing each line: the smallest file pypdf reads text from."""
    shown = "".join(f"({line}) Tj 0 -14 Td " for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td 14 TL {shown}ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


CARD = textwrap.dedent("""\
    # Model card

    | Property | Value |
    |---|---|
    | **Number of Parameters** | 8.2B |
    | Context Length | 32,768 |

    It was trained on [36 trillion](https://example.org/data) tokens.
    """)
BLOG = ("<html><head><script>var quote = 'a 999 billion parameter model';</script></head><body>"
        "<p>Gopher, up to a <b>280&nbsp;billion</b> parameter model &ndash; “the largest”.</p>"
        "<table><tr><th>Benchmark</th><th>Small</th><th>Large</th></tr>"
        "<tr><td>MMLU (5-shot)</td><td>56.73</td><td>66.1</td></tr>"
        "<tr><td>GSM8K</td><td>156.731</td><td>12.5</td></tr></table></body></html>")
REGISTRY = textwrap.dedent(f"""\
    models:
      - name: Paper Model 7B
        publication_date: "2024-01"
        domain: Language
        params_total: 7.0e+9
        training_tokens: 2.0e+12
        confidence: confident
        url: {PAPER_URL}
        evidence:
          params_total: "We train a 7B-parameter model"
          training_tokens: "trained on 2T tokens of text"
      - name: Card Model 8B
        publication_date: "2024-02"
        domain: Language
        params_total: 8.2e+9
        training_tokens: 3.6e+13
        mmlu: 56.73
        mmlu_pro: 12.5
        confidence: confident
        url: {CARD_URL}
        evidence:
          params_total: "| Number of Parameters | 8.2B |"
          training_tokens: "trained on 36 trillion tokens"
          mmlu: {{kind: table, table: "Table 1", row: "MMLU (5-shot)", column: "Small", cell: "56.73"}}
          mmlu_pro: {{kind: table, table: "Table 1", row: "MMLU-Pro", column: "Large", cell: "12.5"}}
        field_urls:
          mmlu: {BLOG_URL}
          mmlu_pro: {BLOG_URL}
      - name: Blog Model
        publication_date: "2024-03"
        domain: Language
        params_total: 2.8e+11
        params_active: 1.0e+11
        training_tokens: 3.0e+11
        confidence: likely
        confidence_basis: active parameters derived
        url: {BLOG_URL}
        evidence:
          params_total: "up to a 280 billion parameter model - \\"the largest\\""
          params_active: {{kind: derived, arithmetic: "280B x 5 / 14", from: [params_total]}}
          training_tokens: "culminating in a 280 billion parameter model"
      - name: Excerpt Model 3B
        publication_date: "2024-04"
        domain: Language
        params_total: 3.0e+9
        training_tokens: 1.0e+12
        confidence: likely
        confidence_basis: size from the name
        url: {EXCERPT_URL}
        evidence:
          params_total: {{kind: name, name: "Excerpt Model 3B"}}
          training_tokens: "trained on one trillion tokens"
      - name: Gone Model
        publication_date: "2024-05"
        domain: Language
        params_total: 1.0e+9
        confidence: confident
        url: {MISSING_URL}
        evidence:
          params_total: "one billion parameters"
    """)


def saved(directory: Path, url: str, suffix: str, body: bytes) -> Path:
    path = directory / f"{verify.url_hash(url)}{suffix}"
    path.write_bytes(body)
    return path


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A registry of five entries and saved copies of four of their sources (one of them partial)."""
    monkeypatch.chdir(REPO)  # params.yaml
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "2024.yaml").write_text(REGISTRY, encoding="utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    saved(sources, PAPER_URL, ".pdf", pdf_document(["We train a 7B-parameter model. It was trai-",
                                                    "ned on 2T tokens of text."]))
    saved(sources, CARD_URL, ".md", CARD.encode())
    saved(sources, BLOG_URL, ".html", BLOG.encode())
    excerpt = saved(sources, EXCERPT_URL, ".txt", b"An excerpt that says nothing of tokens.")
    (sources / "MANIFEST.tsv").write_text(
        f"{verify.url_hash(EXCERPT_URL)}\t{EXCERPT_URL}\tread_file, first page\tpartial\n"
        f"{verify.url_hash(BLOG_URL)}\t{BLOG_URL}\tthe whole page, excerpts of it quoted elsewhere\tcomplete\n",
        encoding="utf-8")
    return tmp_path


def run(workspace: Path, *extra: str) -> tuple[pd.DataFrame, dict]:
    csv_path, summary_path = workspace / "evidence_check.csv", workspace / "evidence.json"
    assert verify.main(["--registry", str(workspace / "registry"), "--csv", str(csv_path),
                        "--summary", str(summary_path), "--checked-on", "2026-11-30", *extra]) == 0
    checks = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    return checks.set_index(["model_id", "field"]), json.loads(summary_path.read_text())


def test_normalise_folds_quotes_dashes_entities_markup_and_case():
    assert verify.normalise("“Up&nbsp;to” a **280‑billion** `param` ﬁt [model](http://x) | <b>x</b>") == \
        verify.normalise('"up to" a 280-billion param fit model x')


def test_words_broken_by_extraction_are_joined_and_arxiv_papers_fetched_as_pdf():
    texts = verify.document_text(b"models are significantly under- trained, and", "text", "copy.txt")
    assert verify.quote_found("models are significantly undertrained", texts)
    assert verify.quote_found("significantly under-trained", texts)
    assert not verify.quote_found("significantly overtrained", texts)
    assert verify.document_url("https://arxiv.org/abs/2203.15556v1") == "https://arxiv.org/pdf/2203.15556v1"
    assert verify.document_url(CARD_URL) == CARD_URL


def test_each_number_gets_the_status_of_its_evidence(workspace):
    checks, summary = run(workspace, "--sources", str(workspace / "sources"))
    status = checks["status"].to_dict()
    assert status == {
        ("paper-model-7b", "params_total"): "found",  # PDF
        ("paper-model-7b", "training_tokens"): "found",  # a word broken over two PDF lines
        ("card-model-8b", "params_total"): "found",  # a Markdown table line, emphasis removed
        ("card-model-8b", "training_tokens"): "found",  # link markup removed
        ("card-model-8b", "mmlu"): "found",  # field_urls: the blog's HTML table
        ("card-model-8b", "mmlu_pro"): "not_found",  # 12.5 is in the GSM8K row, not near "MMLU-Pro"
        ("blog-model", "params_total"): "found",  # entities, tags, curly quotes and dashes
        ("blog-model", "params_active"): "not_checked",
        ("blog-model", "training_tokens"): "not_found",  # a paraphrase
        ("excerpt-model-3b", "params_total"): "not_checked",
        ("excerpt-model-3b", "training_tokens"): "not_in_partial_copy",
        ("gone-model", "params_total"): "source_unreachable",
    }
    assert checks.loc[("card-model-8b", "mmlu"), "url"] == BLOG_URL
    assert set(checks["checked_on"]) == {"2026-11-30"}
    assert summary["by_kind"] == {"derived": 1, "name": 1, "quote": 8, "table": 2}
    assert summary["by_status"]["quote"] == {"found": 5, "not_found": 1, "not_in_partial_copy": 1,
                                             "source_unreachable": 1}
    assert summary["by_status"]["table"] == {"found": 1, "not_found": 1}
    assert summary["found"] == 6 and summary["found_share"] == 0.5
    assert [(row["model_id"], row["field"]) for row in summary["not_found"]] == [
        ("blog-model", "training_tokens"), ("card-model-8b", "mmlu_pro")]
    assert verify.evidence_sentence(summary) == \
        "50% of numbers have a quote or table found in their source (checked on 2026-11-30)"


def test_a_cell_is_near_its_row_label_within_near_characters():
    row = "mmlu (5-shot) "
    for gap, found in ((verify.NEAR_CHARACTERS, True), (verify.NEAR_CHARACTERS + 1, False)):
        after = verify.normalise(row) + "x" * (gap - 1) + " 56.73"  # the cell starts gap characters after the label
        before = "56.73 " + "x" * (gap - 2) + " " + row  # the label starts gap characters after the cell
        assert verify.table_cell_found("MMLU (5-shot)", "56.73", [after]) is found
        assert verify.table_cell_found("MMLU (5-shot)", "56.73", [verify.normalise(before)]) is found
    assert not verify.table_cell_found("MMLU", "56.73", ["mmlu 156.731 56.730"])
    assert not verify.table_cell_found("PaLM 62B", "62B", ["palm 62b params 62.50"])  # the cell is in its label


def test_an_elided_quote_is_found_when_its_parts_are_in_order_and_close():
    text = [verify.normalise("DeepSeek-V2-Lite is trained from scratch on the same corpus. It sees 5.7T tokens.")]
    assert verify.quote_found("DeepSeek-V2-Lite is trained from scratch … 5.7T tokens", text)
    assert not verify.quote_found("5.7T tokens ... DeepSeek-V2-Lite is trained", text)
    gap = len("onthesamecorpus.Itsees")
    assert verify.quote_found("trained from scratch ... 5.7T tokens", text, gap=gap)
    assert not verify.quote_found("trained from scratch ... 5.7T tokens", text, gap=gap - 1)


def test_an_unreachable_source_keeps_the_earlier_result_unless_the_evidence_changed(workspace):
    run(workspace, "--sources", str(workspace / "sources"))
    for copy in (workspace / "sources").glob(f"{verify.url_hash(BLOG_URL)}.*"):
        copy.unlink()
    registry_file = workspace / "registry" / "2024.yaml"
    registry_file.write_text(REGISTRY.replace("culminating in a", "culminating in one"), encoding="utf-8")
    checks, summary = run(workspace, "--sources", str(workspace / "sources"), "--checked-on", "2026-12-05")
    assert verify.evidence_sentence(summary).endswith("(checked between 2026-11-30 and 2026-12-05)")
    kept = checks.loc[("blog-model", "params_total")]
    assert (kept["status"], kept["checked_on"]) == ("found", "2026-11-30")
    changed = checks.loc[("blog-model", "training_tokens")]
    assert (changed["status"], changed["checked_on"]) == ("source_unreachable", "2026-12-05")


def test_online_fetches_what_no_copy_holds_and_saves_it(workspace, tmp_path):
    """Online, the fetched page is read as its content type says and saved under its URL's hash."""
    page = b"<html><body><p>one&nbsp;billion parameters</p></body></html>"
    with LoopbackServer({"/gone": Route(body=page, content_type="text/html; charset=utf-8")}) as server:
        url = server.url("/gone")
        registry_file = workspace / "registry" / "2024.yaml"
        registry_file.write_text(REGISTRY.replace(MISSING_URL, url), encoding="utf-8")
        checks, _ = run(workspace, "--sources", str(workspace / "sources"), "--online")
        assert server.count("/gone") == 1  # the other URLs had saved copies: not fetched
    assert checks.loc[("gone-model", "params_total"), "status"] == "found"
    assert (workspace / "sources" / f"{verify.url_hash(url)}.html").read_bytes() == page


def test_online_failures_are_unreachable_with_the_reason(workspace):
    with LoopbackServer({}) as server:
        url = server.url("/missing")
        registry_file = workspace / "registry" / "2024.yaml"
        registry_file.write_text(REGISTRY.replace(MISSING_URL, url), encoding="utf-8")
        checks, summary = run(workspace, "--online", "--sources", str(workspace / "sources"))
    row = checks.loc[("gone-model", "params_total")]
    assert row["status"] == "source_unreachable" and "HTTP 404" in row["detail"]
    assert summary["sources"]["unreachable"] == 1


def test_an_unreadable_copy_is_unreachable_naming_the_file(workspace, capsys):
    """Hostile: a saved copy that is not the document its name says (a .pdf that is HTML) → the number's
    source is unreachable, with the file named in the CSV's detail and on stderr; the run goes on."""
    broken = saved(workspace / "sources", PAPER_URL, ".pdf", b"<html>not a pdf</html>")
    checks, _ = run(workspace, "--sources", str(workspace / "sources"))
    row = checks.loc[("paper-model-7b", "params_total")]
    assert row["status"] == "source_unreachable" and str(broken) in row["detail"]
    assert str(broken) in capsys.readouterr().err


def test_refusals_name_what_is_wrong(workspace):
    """Hostile: neither --sources nor --online → usage error, exit 2, no network."""
    with pytest.raises(SystemExit) as usage:
        verify.main(["--registry", str(workspace / "registry")])
    assert usage.value.code == 2


def test_manifest_rows_are_read_with_or_without_a_header(workspace, capsys):
    """Hostile: a MANIFEST.tsv row whose hash is not its URL's, or that names no copy → reported with its
    line, the rest of the manifest read."""
    manifest = workspace / "sources" / "MANIFEST.tsv"
    manifest.write_text(f"file\turl\tfrom\textent\n{verify.url_hash(BLOG_URL)}.html\t{CARD_URL}\tx\tcomplete\n"
                        f"some note\n{EXCERPT_URL}\tread_file (excerpts)\n", encoding="utf-8")
    listed = verify.read_manifest(workspace / "sources")
    assert {digest for digest, row in listed.items() if row.partial} == {verify.url_hash(EXCERPT_URL)}
    err = capsys.readouterr().err
    assert f"{manifest}:2: the hash is not sha256 of {CARD_URL}" in err and f"{manifest}:3: no copy's hash" in err


def test_copies_of_no_registry_url_are_reported(workspace, capsys):
    stray = saved(workspace / "sources", "https://example.org/typo", ".txt", b"text")
    run(workspace, "--sources", str(workspace / "sources"))
    assert f"{stray}: no quote or table of the registry cites the URL of this hash" in capsys.readouterr().err


def test_the_committed_results_agree_with_each_other():
    """processed/evidence_check.csv has its schema's columns, and reports/evidence.json summarises it."""
    checks = verify.read_checks(REPO / "processed" / "evidence_check.csv")
    EvidenceCheck.validate(checks)
    assert verify.summarise(checks) == json.loads((REPO / "reports" / "evidence.json").read_text(encoding="utf-8"))


def test_formula_like_evidence_survives_the_csv(workspace):
    """Hostile: evidence that starts like a spreadsheet formula ("-4.2 points…") → written neutralised,
    read back as it was, so the earlier result of an unreachable source still applies."""
    registry_file = workspace / "registry" / "2024.yaml"
    registry_file.write_text(REGISTRY.replace('"one billion parameters"', '"=one billion parameters"'), encoding="utf-8")
    page = saved(workspace / "sources", MISSING_URL, ".txt", b"=one billion parameters")
    run(workspace, "--sources", str(workspace / "sources"))
    page.unlink()
    checks, _ = run(workspace, "--sources", str(workspace / "sources"), "--checked-on", "2026-12-05")
    assert checks.loc[("gone-model", "params_total"), "status"] == "found"
