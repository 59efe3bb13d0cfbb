"""The search index (_ext/book_search.py): what Pagefind is given, and what the built site holds."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import ROOT, Build, FixtureBook, build_real_book

sys.path.insert(0, str(ROOT / "_ext"))
import book_search  # noqa: E402

PAGE = """<html><body><nav>Navigation words</nav>
<article role="main" id="furo-main-content">
<section id="chapter"><h1>Chapter<a class="headerlink" href="#chapter">#</a></h1>
<div class="tldr admonition"><p class="admonition-title">TL;DR</p><ul><li><p>Short answer.</p></li></ul></div>
<section id="first-part">
<span id="label-target"></span><h2>First part<a class="headerlink" href="#first-part">#</a></h2>
<p>Prose about widgets <span class="bibtex-citation" id="id1">[<a class="reference internal" href="#id9"
title="Doe. A thing.">Doe 2024</a>]</span>.</p>
<div class="data-table-filter">Filter rows</div>
<table class="data-table docutils"><tr><td>7B</td><td>400B</td></tr></table>
</section>
<section id="glossary-like"><h2>Terms</h2>
<dl class="glossary simple"><dt id="term-Widget">Widget<a class="headerlink" href="#term-Widget">#</a></dt>
<dd><p>A small thing.</p></dd>
<dt id="term-LLM">LLM<a class="headerlink" href="#term-LLM">#</a></dt><dt id="term-Large-language-model">Large language
model<a class="headerlink" href="#term-Large-language-model">#</a></dt><dd><p>A big model.</p></dd></dl>
</section>
<section class="lazy-layout" id="references"><h2>References</h2>
<div role="list" class="citation-list">Doe, Jane.</div></section>
</section>
</article><footer>Footer words</footer></body></html>"""


def test_each_section_becomes_a_record_with_its_chapter_and_anchor() -> None:
    documents = dict(book_search.section_documents(PAGE, "chapter/"))
    assert list(documents) == ["chapter", "first-part", "glossary-like", "term-Widget", "term-LLM"], (
        "no references"
    )
    first = documents["first-part"]
    assert 'content="First part"' in first and 'data-pagefind-meta="chapter[content]" content="Chapter"' in first
    assert 'data-pagefind-meta="anchor[content]" content="first-part"' in first
    opening = documents["chapter"]
    assert 'data-pagefind-meta="anchor[content]" content=""' in opening, "a chapter's opening has no anchor"
    assert "Navigation words" not in first and "Footer words" not in first and ">#<" not in first


def test_records_keep_prose_and_leave_out_citations_filters_and_bibliography() -> None:
    documents = dict(book_search.section_documents(PAGE, "chapter/"))
    first = documents["first-part"]
    assert '<span data-pagefind-ignore="all" class="bibtex-citation"' in first, "citation labels are not searched"
    assert '<div data-pagefind-ignore="all" class="data-table-filter"' in first
    assert f'<table data-pagefind-weight="{book_search.TABLE_WEIGHT}"' in first
    assert f'data-pagefind-weight="{book_search.TLDR_WEIGHT}" class="tldr admonition"' in documents["chapter"]
    assert "Doe, Jane" not in "".join(documents.values())
    definition = documents["term-Widget"]
    assert "<h1>Widget (definition)</h1>" in definition and "A small thing." in definition
    aliased = documents["term-LLM"]  # one record per entry, named by the term and its aliases
    assert "<h1>LLM, Large language\nmodel (definition)</h1>" in aliased and "A big model." in aliased
    for document in documents.values():  # no end tag without its start (text is cut at headings)
        for tag in ("div", "table", "section", "dl", "ul"):
            assert len(re.findall(f"<{tag}[ >]", document)) == document.count(f"</{tag}>"), (tag, document)


def test_a_page_without_an_article_is_reported() -> None:
    assert book_search.section_documents("<html><body><p>No article</p></body></html>", "x/") == []


def test_the_built_site_has_a_pagefind_index_and_no_sphinx_index(book_site: Build) -> None:
    site = book_site.outdir
    assert (site / "pagefind" / "pagefind.js").exists() and (site / "pagefind" / "wasm.en.pagefind").exists()
    assert list((site / "pagefind" / "index").glob("*.pf_index")), "index chunks"
    assert not (site / "searchindex.js").exists(), "Sphinx's own index is switched off"
    assert not list((site / "pagefind").glob("pagefind-ui.*")), "Pagefind's unused ready-made interface is removed"
    assert re.search(r"search index: \d{3,} sections of \d+ pages indexed by Pagefind", book_site.output)
    for chapter in ("models", "licences", "fine-tuning"):
        html = (site / chapter / "index.html").read_text(encoding="utf-8")
        assert "pagefind" not in html and "searchtools" not in html, (
            f"{chapter}: nothing of search on chapter pages"
        )
    search = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert 'type="module" src="../_static/search.js' in search and "searchindex.js" not in search
    assert "<noscript>" in search and "llms-full.txt" in search, "without JavaScript the page says how to search"


def test_every_section_of_every_chapter_is_a_search_record(book_site: Build) -> None:
    site = book_site.outdir
    for chapter in ("licences", "models", "fine-tuning", "model-formats", "eval-datasets", "unaligned-models"):
        html = (site / chapter / "index.html").read_text(encoding="utf-8")
        sections = set(re.findall(r'<section[^>]* id="([^"]+)"', html)) - {"references"}
        records = {anchor for anchor, _ in book_search.section_documents(html, f"{chapter}/")}
        assert sections == records, f"{chapter}: sections without a record: {sorted(sections - records)}"


def test_a_second_build_into_the_same_folder_is_clean_and_indexes_every_page(tmp_path: Path) -> None:
    """The live preview and `make build` rebuild into an existing folder, where Sphinx looks for its old index."""
    first = build_real_book(tmp_path)
    assert first.returncode == 0, first.output[-3000:]
    (first.outdir / "glossary" / "index.html").unlink()  # so that one page is out of date, as after an edit
    again = build_real_book(tmp_path, every_page=False)
    assert again.returncode == 0, again.output[-3000:]
    counts = re.findall(r"search index: (\d+) sections of (\d+) pages", first.output + "\n" + again.output)
    assert len(counts) == 2 and counts[0] == counts[1], counts


def test_the_index_started_early_is_the_one_the_finished_pages_give(book_site: Build, tmp_path: Path) -> None:
    """Pagefind starts as soon as the last chapter is written, on each page as book_site's polish will leave it
    (EarlyIndex); the bundle is byte for byte the one Pagefind makes from the finished pages."""
    site = book_site.outdir
    scratch = tmp_path / "scratch"
    docnames = sorted(p.stem for p in ROOT.glob("*.md") if p.stem not in {"README", "CONTRIBUTING", "LICENCE"})
    for docname in docnames:
        page = site / "index.html" if docname == "index" else site / docname / "index.html"
        uri = "" if docname == "index" else f"{docname}/"
        documents = book_search.section_documents(page.read_text(encoding="utf-8"), uri)
        assert documents, docname
        book_search.write_documents(scratch / docname, documents)
    command, process = book_search.pagefind(str(scratch), tmp_path / "bundle")
    output = process.communicate()
    assert process.returncode == 0, (command, output)
    for pattern in book_search.UNUSED_BUNDLE_FILES:
        for path in (tmp_path / "bundle").glob(pattern):
            path.unlink()

    def files(folder: Path) -> dict[Path, bytes]:
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    built, again = files(site / "pagefind"), files(tmp_path / "bundle")
    assert sorted(built) == sorted(again) and built == again


def test_the_live_preview_keeps_its_first_index_and_other_builds_index_again(tmp_path: Path) -> None:
    """Under `make live` (BOOK_LIVE_PREVIEW=1) a rebuild after an edit keeps the index the preview's first build
    made; any other incremental build (make build) indexes every page again."""
    book = FixtureBook(tmp_path / "book", extensions=("book_search",), extra_conf='html_theme = "furo"')
    live = {"BOOK_LIVE_PREVIEW": "1"}
    first = book.build(env=live, fresh=False)
    assert first.returncode == 0, first.output
    assert "indexed by Pagefind" in first.output, "the preview's first build makes the index"
    bundle = first.outdir / "pagefind" / "pagefind.js"
    made = bundle.stat().st_mtime_ns
    book.files["chapter.md"] = book.files["chapter.md"].replace("Some text", "Some edited text")
    rebuilt = book.build(env=live, fresh=False)
    assert rebuilt.returncode == 0, rebuilt.output
    assert "search index: kept from the live preview's first build" in rebuilt.output
    assert bundle.stat().st_mtime_ns == made
    book.files["chapter.md"] = book.files["chapter.md"].replace("Some edited text", "Some text")
    built = book.build(fresh=False)
    assert built.returncode == 0, built.output
    assert "indexed by Pagefind" in built.output, "outside the live preview the index is always current"
