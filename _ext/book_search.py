"""Section-level search: a Pagefind index written after Sphinx has written the site.

Sphinx's own search index is switched off. Once the HTML pages are written, every section of every page
(its own text, up to the next heading) is written to a scratch folder as a small document of its own, with
its title, its chapter's title and its anchor as Pagefind metadata, and Pagefind (the binary from the
``pagefind-bin`` wheel, run offline) indexes them into ``pagefind/`` in the output. So every result is a
section, ranked as a section, and a query fetches only the text of the sections it shows. The pages a
reader loads are not changed: chapter pages gain no bytes and no requests, and only the search page loads
the engine (``_static/search.js``); the index arrives in chunks as a reader searches. In a full build
a worker process makes the documents while Sphinx writes the pages, and runs Pagefind as soon as the last
chapter is written, while Sphinx finishes the site (``EarlyIndex``). In the live preview (``make live``, which
sets ``BOOK_LIVE_PREVIEW=1``) the index is made once, and the rebuilds after an edit keep it (search there
finds the text as it was when the preview started): indexing every page again would be a second of each rebuild.

What the documents change, and why:

* only the article is indexed: not the navigation, the footers or the "on this page" list;
* glossary terms become headings titled "... (definition)", so a definition is a hit of its own;
* the TL;DR weighs more than body text (Pagefind already weighs headings), and data tables less, so a
  passing mention in a table does not outrank the prose that explains it;
* bibliographies, table filter widgets, chart labels, heading permalinks and in-text citation labels are
  left out, so excerpts come from prose;
* cell and list boundaries become spaces, so "7B" and "400B" in neighbouring cells stay two words.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html import escape, unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import ExtensionError

if TYPE_CHECKING:
    from sphinx.application import Sphinx

# The worker (this module run as a script) makes the section documents without Sphinx: importing Sphinx's logging
# (and book_html's Sphinx imports) would cost it about 0.3 s of CPU in every build, so the logger is made here only
# when Sphinx has imported this module as an extension.
if __name__ != "__main__":
    from sphinx.util import logging

    logger = logging.getLogger(__name__)

SKIP_PAGES = {"search", "genindex", "404"}
BUNDLE = "pagefind"
TLDR_WEIGHT = "2"
TABLE_WEIGHT = "0.5"
# Files of Pagefind's own ready-made interfaces, which this book does not use (its search page is search.js).
UNUSED_BUNDLE_FILES = (
    "pagefind-ui.*",
    "pagefind-modular-ui.*",
    "pagefind-component-ui.*",
    "pagefind-highlight.js",
)

ARTICLE_RE = re.compile(r'<article role="main"[^>]*>(.*?)</article>', re.S)
# A section's id, then perhaps the empty targets of MyST labels, then its heading.
SECTION_HEADING_RE = re.compile(
    r'<section(?P<attrs>[^>]*?) id="(?P<id>[^"]+)"(?P<rest>[^>]*)>\s*'
    r'(?:<span id="[^"]*"></span>\s*)*<h(?P<level>[1-6])>'
)
HEADERLINK_RE = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
# A glossary entry: its term and any aliases (one <dt> each), then the definition.
GLOSSARY_TERMS_RE = re.compile(r'(?:<dt id="term-[^"]+">.*?</dt>\s*)+', re.S)
GLOSSARY_TERM_RE = re.compile(r'<dt id="(?P<id>term-[^"]+)">(?P<term>.*?)</dt>', re.S)
BOUNDARY_RE = re.compile(r"</(td|th|li|dt|dd|p|caption|figcaption)>")


HEADING_RE = re.compile(r'<h(?P<level>[1-6]) id="(?P<id>[^"]+)">(?P<text>.*?)</h(?P=level)>', re.S)
TAG_RE = re.compile(r"<[^>]+>")
# Containers that span headings (sections, the glossary's list): dropped from the per-section documents,
# whose text is cut at headings, so that no document has an end tag without its start or the reverse.
SPANNING_TAG_RE = re.compile(r"</?(section|dl)\b[^>]*>")


def plain(html: str) -> str:
    return unescape(" ".join(TAG_RE.sub("", html).split()))


def glossary_heading(match: re.Match[str]) -> str:
    """One heading for a glossary entry, naming the term and its aliases: "LoRA, Low-Rank Adaptation"."""
    terms = GLOSSARY_TERM_RE.findall(match.group(0))
    return f'<h3 id="{terms[0][0]}">{", ".join(term for _, term in terms)} (definition)</h3>'


def searchable_article(html: str) -> str | None:
    """The article of a built page, changed for indexing as the module docstring says (None: no article)."""
    article = ARTICLE_RE.search(html)
    if article is None:
        return None
    body = HEADERLINK_RE.sub("", article.group(1))
    body = SECTION_HEADING_RE.sub(
        lambda m: f'<section{m["attrs"]}{m["rest"]}><h{m["level"]} id="{m["id"]}">', body
    )
    body = GLOSSARY_TERMS_RE.sub(glossary_heading, body)
    # in-text citations such as "[Meta 2024b, Qwen Team 2025]"
    body = body.replace(
        '<span class="bibtex-citation"', '<span data-pagefind-ignore="all" class="bibtex-citation"'
    )
    body = body.replace(
        '<div class="data-table-filter"', '<div data-pagefind-ignore="all" class="data-table-filter"'
    )
    body = body.replace(
        '<div class="tldr admonition"', f'<div data-pagefind-weight="{TLDR_WEIGHT}" class="tldr admonition"'
    )
    body = body.replace("<table ", f'<table data-pagefind-weight="{TABLE_WEIGHT}" ')
    body = body.replace("<svg ", '<svg data-pagefind-ignore="all" ')  # chart labels; the caption says it in words
    return BOUNDARY_RE.sub(lambda m: f"</{m[1]}> ", body)


def section_documents(html: str, page: str) -> list[tuple[str, str]]:
    """One small HTML document per section of a built page, as (anchor, document).

    Each section's own text, up to the next heading of any level, is indexed as a record of its own, with
    the section's title, its chapter's title and where it is in metadata. So Pagefind ranks sections
    (with its length normalisation applied per section), every hit is a section, and a result's fragment
    is a section's text rather than a whole chapter's, which keeps what a query downloads small.
    """
    body = searchable_article(html)
    if body is None:
        return []
    headings = list(HEADING_RE.finditer(body))
    if not headings:
        return []
    chapter = plain(headings[0]["text"])
    documents = []
    for i, heading in enumerate(headings):
        anchor = heading["id"]
        if anchor == "references":
            continue  # the bibliography: sources, not prose
        end = headings[i + 1].start() if i + 1 < len(headings) else len(body)
        text = SPANNING_TAG_RE.sub(" ", body[heading.end() : end])
        title = plain(heading["text"])
        meta = {"title": title, "chapter": chapter, "page": page, "anchor": "" if i == 0 else anchor}
        metadata = "".join(
            f'<meta data-pagefind-meta="{key}[content]" content="{escape(value)}">' for key, value in meta.items()
        )
        documents.append(
            (
                anchor,
                (
                    f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>{metadata}'
                    f"</head><body><main data-pagefind-body><h1>{heading['text']}</h1>{text}</main></body></html>"
                ),
            )
        )
    return documents


def pagefind_command() -> list[str]:
    return [sys.executable, "-m", "pagefind"]


def built_page(app: Sphinx, docname: str) -> Path:
    uri = app.builder.get_target_uri(docname)  # "licences/" (dirhtml) or "licences.html"
    return Path(app.outdir) / (uri + "index.html" if uri.endswith("/") or not uri else uri)


def write_documents(folder: Path, documents: list[tuple[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (_, document) in enumerate(documents):
        (folder / f"{number:04d}.html").write_text(document, encoding="utf-8")


def pagefind(scratch: str, bundle: Path) -> tuple[list[str], subprocess.Popen[str]]:
    """Start Pagefind on the section documents in ``scratch``, writing the bundle to ``bundle``."""
    shutil.rmtree(bundle, ignore_errors=True)
    command = [
        *pagefind_command(),
        "--site",
        scratch,
        "--output-path",
        str(bundle),
        "--force-language",
        "en",
        "--quiet",
    ]
    return command, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class EarlyIndex:
    """Indexing in a process of its own while Sphinx writes the pages, rather than after the build.

    Making the section documents and running Pagefind take over a second, and nothing in the build waits for
    them. So a worker (this module run as a script) starts with the first page Sphinx writes; each page to
    index is copied as it is written (book_polish polishes the pages in place when the build has finished) and
    handed to the worker, which makes its section documents from the page as ``polish_html`` will leave it
    (what the finished page holds). Once the last of them is written the worker runs Pagefind, while Sphinx
    writes the index, search and 404 pages and copies the static files, and the other build-finished handlers
    run; ``write_index`` waits for it. A build that writes only some pages (an incremental one) stops the
    worker and indexes every page at the end."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.waiting: set[str] | None = None
        self.process: subprocess.Popen[str] | None = None
        self.scratch = ""
        self.started = 0.0
        self.complete = False

    def page_written(self, pagename: str) -> None:
        if self.complete:
            return
        if self.process is None:
            self.waiting = {d for d in self.app.env.found_docs if d not in SKIP_PAGES}
            self.scratch = tempfile.mkdtemp(prefix="book-search-pages-")
            self.process = subprocess.Popen(
                [sys.executable, __file__, str(Path(self.app.outdir) / BUNDLE), self.scratch],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        assert self.waiting is not None and self.process.stdin is not None
        if pagename not in self.waiting:
            return
        copy = Path(self.scratch) / f"{len(self.waiting)}.html"
        shutil.copyfile(built_page(self.app, pagename), copy)
        page = "" if pagename == "index" else self.app.builder.get_target_uri(pagename)
        self.process.stdin.write(json.dumps([pagename, page, str(copy)]) + "\n")
        self.process.stdin.flush()
        self.waiting.discard(pagename)
        if not self.waiting:
            self.process.stdin.write("null\n")  # the end: the worker runs Pagefind
            self.process.stdin.close()
            self.started = time.perf_counter()
            self.complete = True

    def finish(self) -> str:
        """Wait for the worker; its output."""
        assert self.process is not None and self.process.stdout is not None
        output = self.process.stdout.read()
        self.process.stdout.close()
        self.process.wait()
        return output

    def close(self) -> None:
        if self.process is not None and self.process.returncode is None:  # write_index did not wait for it
            self.process.kill()
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()
            self.process.wait()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def worker(bundle: Path, scratch: Path) -> int:
    """The worker of ``EarlyIndex``: each line of its input a written page (JSON: docname, page URI, copy of
    the page), until a line ``null`` says that all are written and the bundle is written (input that ends
    without it, as when the build is stopped, writes nothing). Its last line of output says how many sections
    it indexed. The documents go to ``scratch`` (which the build removes, even when it stops the worker)."""
    from book_html import polish_html

    pages = sections = 0
    folder = scratch / "documents"
    for line in sys.stdin:
        written = json.loads(line)
        if written is None:
            break
        docname, page, path = written
        documents = section_documents(polish_html(Path(path).read_text(encoding="utf-8")), page)
        if not documents:
            print(f"no <article> with headings in the page of {docname!r}; has the theme changed?")
            return 1
        write_documents(folder / (docname or "index"), documents)
        pages += 1
        sections += len(documents)
    else:
        print("the build stopped before the last page was written")
        return 1
    command, process = pagefind(str(folder), bundle)
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        print(f"Pagefind failed ({' '.join(command)}):\n{stdout}{stderr}")
        return 1
    print(f"{sections} sections of {pages} pages")
    return 0


def keeps_index(app: Sphinx) -> bool:
    """In the live preview, a rebuild keeps the index an earlier build of the preview made."""
    live = os.environ.get("BOOK_LIVE_PREVIEW") == "1"
    return live and (Path(app.outdir) / BUNDLE / "pagefind.js").exists()


def index_pages_as_written(app: Sphinx) -> None:
    builder = app.builder
    if builder.format != "html" or builder.name not in ("html", "dirhtml"):
        return
    if keeps_index(app):
        app.book_search_kept = True  # type: ignore[attr-defined]
        return
    early = app.book_search_early = EarlyIndex(app)  # type: ignore[attr-defined]
    handle_page = builder.handle_page

    def handle_page_and_index(pagename: str, *args: Any, **kwargs: Any) -> None:
        handle_page(pagename, *args, **kwargs)
        early.page_written(pagename)

    builder.handle_page = handle_page_and_index  # type: ignore[method-assign]


def write_index(app: Sphinx, exception: Exception | None) -> None:
    early: EarlyIndex | None = getattr(app, "book_search_early", None)
    try:
        if exception is not None or app.builder.format != "html" or app.builder.name not in ("html", "dirhtml"):
            return
        if getattr(app, "book_search_kept", False):
            logger.info("search index: kept from the live preview's first build")
            return
        start = time.perf_counter()
        bundle = Path(app.outdir) / BUNDLE
        if early is not None and early.complete:
            start = early.started
            stdout, stderr = early.finish(), ""
            if early.process.returncode != 0:
                raise ExtensionError(f"search index: {stdout}")
            counts = stdout.strip().splitlines()[-1]
        else:
            command, process, stdout, stderr, pages, sections = index_every_page(app)
            if process.returncode != 0:
                raise ExtensionError(f"search index: Pagefind failed ({' '.join(command)}):\n{stdout}{stderr}")
            counts = f"{sections} sections of {pages} pages"
        if not (bundle / "pagefind.js").exists():
            raise ExtensionError(f"search index: Pagefind wrote no {bundle / 'pagefind.js'}:\n{stdout}{stderr}")
        for pattern in UNUSED_BUNDLE_FILES:
            for path in bundle.glob(pattern):
                path.unlink()
        seconds = time.perf_counter() - start
        logger.info(f"search index: {counts} indexed by Pagefind in {seconds:.2f} s")
    finally:
        if early is not None:
            early.close()


def index_every_page(app: Sphinx) -> tuple[list[str], subprocess.Popen[str], str, str, int, int]:
    """Every page's section documents, from the pages as written, then Pagefind on them."""
    pages = sections = 0
    with tempfile.TemporaryDirectory(prefix="book-search-") as scratch:
        for docname in sorted(app.env.found_docs):
            if docname in SKIP_PAGES:
                continue
            built = built_page(app, docname)
            if not built.exists():
                raise ExtensionError(f"search index: {built} was not written (page {docname!r})")
            uri = app.builder.get_target_uri(docname)
            documents = section_documents(built.read_text(encoding="utf-8"), "" if docname == "index" else uri)
            if not documents:
                raise ExtensionError(
                    f"search index: no <article> with headings in {built}; has the theme changed?"
                )
            write_documents(Path(scratch) / (docname or "index"), documents)
            pages += 1
            sections += len(documents)
        command, process = pagefind(scratch, Path(app.outdir) / BUNDLE)
        stdout, stderr = process.communicate()
    return command, process, stdout, stderr, pages, sections


def no_sphinx_index(app: Sphinx) -> None:
    """Keep the search page but skip Sphinx's own indexer (and its searchindex.js): Pagefind replaces both."""
    builder = app.builder
    if builder.format != "html" or not hasattr(builder, "prepare_writing"):
        return
    prepare = builder.prepare_writing

    def prepare_writing(docnames: Any) -> None:
        prepare(docnames)
        builder.indexer = None

    # Sphinx would first try to load the previous build's searchindex.js, and warn (failing a strict
    # incremental build, as in the live preview) when there is none.
    builder.load_indexer = lambda docnames: None
    builder.prepare_writing = prepare_writing


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", no_sphinx_index)
    app.connect("builder-inited", index_pages_as_written)
    app.connect("build-finished", write_index, priority=700)  # after the pages are polished
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # the worker of EarlyIndex
    sys.exit(worker(Path(sys.argv[1]), Path(sys.argv[2])))
