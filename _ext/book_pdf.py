"""The whole book as one PDF, from the same sources and extensions as the site: ``make pdf``.

Builder ``pdf``: Sphinx's HTML writer renders every chapter as on the site (data tables, data figures as SVG,
citations, per-chapter bibliographies, the glossary, the chapter footer), the chapters are joined into one
document behind a title page and a table of contents (``_templates/pdf/``), and WeasyPrint lays it out as
a PDF with page numbers, bookmarks, and links that stay links. No browser, no TeX, no network.

* **One document, unique anchors.** Each chapter was written with its own ids (``references``, ``id12``), so
  every id and every link is scoped to its chapter (``models--references``) before the chapters are joined:
  a citation jumps to its own chapter's bibliography, a cross-reference to the right chapter.
* **Maths as vector graphics.** WeasyPrint draws no MathML, so this builder's maths renderer draws each formula
  as SVG with ziamath (pure Python, its own STIX Two Math font); the site keeps MathML (book_math).
* **Wide tables.** A table with many columns is set on a landscape page in smaller type (``book.css``), so
  that none is cut off; long words and code wrap instead of running past the margin.
* **Strict.** Anything WeasyPrint cannot load or lay out is a Sphinx warning, and so stops a ``-W`` build.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from book_math import formula_fallback
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util import logging

logger = logging.getLogger(__name__)

PAGE_TEMPLATE = "pdf/page.html"  # one chapter's body, written as an intermediate file
BOOK_TEMPLATE = "pdf/book.html"  # title page, contents, then the chapters
STYLESHEET = "pdf/book.css"


# --- Maths as SVG ---------------------------------------------------------------------------------------


def math_svg(latex: str, display: bool, node: nodes.Element) -> str:
    import ziamath

    ziamath.config.svg2 = False  # glyphs as paths in each formula, not <symbol> ids shared across formulas
    try:
        maths = ziamath.Latex(latex.strip(), size=14 if display else 12.5, inline=not display)
        svg = maths.svg()
    except Exception as error:  # ziamath raises many exception types for bad input
        return formula_fallback(latex, node, "cannot draw this formula for the PDF", error)
    # Sit the formula on the text's baseline: the SVG's viewBox starts at minus its ascent.
    box = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', svg)
    if box and not display:
        descent = float(box.group(2)) + float(box.group(4))
        svg = svg.replace("<svg ", f'<svg style="vertical-align: {-descent:.2f}px" ', 1)
    label = html.escape(latex.strip(), quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def visit_math(self: Any, node: nodes.Element) -> None:
    self.body.append(f'<span class="math">{math_svg(node.astext(), False, node)}</span>')
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.Element) -> None:
    number = f'<span class="eqno">({node["number"]})</span>' if node.get("number") else ""
    ids = node.get("ids", [])
    id_attr = f' id="{ids[0]}"' if ids else ""
    self.body.append(f'<div class="math-display"{id_attr}>{math_svg(node.astext(), True, node)}{number}</div>')
    raise nodes.SkipNode


# --- One document with scoped anchors ---------------------------------------------------------------------

ID_ATTR_RE = re.compile(r'(\s(?:id|for|aria-labelledby|aria-describedby|aria-controls)=")([^"]+)(")')
LINK_ATTR_RE = re.compile(r'(\s(?:href|xlink:href)=")([^"]*)(")')
CSS_URL_RE = re.compile(r"url\(#([^)]+)\)")
HEADERLINK_RE = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
IMAGE_LINK_RE = re.compile(r'<a class="reference internal image-reference" href="[^"]*">(.*?)</a>', re.S)
TABLE_RE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)
HEAD_CELL_RE = re.compile(r"<th\b")
WIDE_TABLE_COLUMNS = 6  # from this many columns a table gets a landscape page (book.css)


def scope(docname: str, anchor: str) -> str:
    return f"{docname}--{anchor}"


def scope_anchors(docname: str, body: str, docnames: set[str], site: str) -> str:
    """Prefix every id in one chapter's HTML with its docname, and point every link at the scoped id: within
    the chapter (``#x``) or to another chapter (``other.html#x``, ``other.html``). A relative link to anything
    else (a data download) points at the published site, since the PDF carries no files besides itself."""

    def ids(match: re.Match[str]) -> str:
        values = " ".join(scope(docname, value) for value in match.group(2).split())
        return match.group(1) + values + match.group(3)

    def link(match: re.Match[str]) -> str:
        target = html.unescape(match.group(2))
        if target.startswith("#"):
            target = "#" + scope(docname, target[1:]) if len(target) > 1 else f"#{docname}"
        else:
            page, _, fragment = target.partition("#")
            other = page[: -len(".html")] if page.endswith(".html") else None
            if other not in docnames:
                if urlsplit(target).scheme or target.startswith("_images/") or not target:
                    return match.group(0)
                return match.group(1) + html.escape(site + target, quote=True) + match.group(3)
            target = "#" + (scope(other, fragment) if fragment else other)
        return match.group(1) + html.escape(target, quote=True) + match.group(3)

    body = ID_ATTR_RE.sub(ids, body)
    body = LINK_ATTR_RE.sub(link, body)
    return CSS_URL_RE.sub(lambda m: f"url(#{scope(docname, m.group(1))})", body)


def mark_wide_tables(body: str) -> str:
    """Give tables with many columns the class ``wide`` (a landscape page in book.css)."""

    def mark(match: re.Match[str]) -> str:
        attributes, inner = match.groups()
        head = inner.split("</tr>", 1)[0]
        columns = len(HEAD_CELL_RE.findall(head))
        if columns < WIDE_TABLE_COLUMNS:
            return match.group(0)
        if 'class="' in attributes:
            attributes = attributes.replace('class="', 'class="wide ', 1)
        else:
            attributes += ' class="wide"'
        return f"<table{attributes}>{inner}</table>"

    return TABLE_RE.sub(mark, body)


def template_file(builder: Any, name: str) -> Path:
    """The file of one of the templates (_templates/ first, as Sphinx looks them up): the stylesheets are files
    that go to WeasyPrint or into the EPUB as they are, found where the templates are."""
    for loader in builder.templates.loaders:
        try:
            return Path(loader.get_source(builder.templates.environment, name)[1])
        except Exception:  # jinja2.TemplateNotFound, from a loader that does not have it
            continue
    raise FileNotFoundError(f"template {name} not found in {builder.config.templates_path}")


def edition(srcdir: Path) -> tuple[str, str]:
    """The edition (e.g. "November 2026") and its date, from CITATION.cff (the one place that records it)."""
    citation = srcdir / "CITATION.cff"
    released = None
    if citation.is_file():
        released = yaml.safe_load(citation.read_text(encoding="utf-8")).get("date-released")
    if isinstance(released, str):
        released = dt.date.fromisoformat(released)
    if not isinstance(released, dt.date):
        released = dt.date.today()
    return released.strftime("%B %Y"), released.isoformat()


class PdfBuilder(StandaloneHTMLBuilder):
    """``pdf``: every chapter through the HTML writer, then one document laid out by WeasyPrint."""

    name = "pdf"
    format = "html"  # extensions' HTML visitors and HTML-only transforms apply, as on the site
    epilog = "The PDF is in %(outdir)s."
    copysource = False
    search = False
    supported_image_types = ["image/svg+xml", "image/png", "image/gif", "image/jpeg"]

    @property
    def math_renderer_name(self) -> str:  # type: ignore[override]
        return "book-svg"

    def get_theme_config(self) -> tuple[str, dict[str, Any]]:
        return "basic", {}  # the site's theme options are furo's; the PDF uses only _templates/pdf/

    def get_outdated_docs(self) -> str:  # type: ignore[override]
        return "all documents"  # one file from all of them

    def handle_page(
        self,
        pagename: str,
        addctx: dict[str, Any],
        templatename: str = "page.html",
        outfilename: str | None = None,
        event_arg: Any = None,
    ) -> None:
        if pagename not in self.env.all_docs:
            return  # the 404 page and other extra pages of the site have no place in the book
        super().handle_page(pagename, addctx, PAGE_TEMPLATE, outfilename, event_arg)

    def write_buildinfo(self) -> None:
        pass

    def dump_inventory(self) -> None:
        pass

    def chapters(self) -> list[str]:
        root = self.config.root_doc
        order = [root]
        for docname in self.env.toctree_includes.get(root, []):
            if docname not in order:
                order.append(docname)
        return order

    def contents(self, docnames: list[str]) -> list[dict[str, Any]]:
        """Chapters and their sections for the table of contents, with scoped anchors."""
        entries = []
        for docname in docnames:
            sections = []
            toc = self.env.tocs.get(docname)
            top = next(iter(toc.findall(nodes.list_item)), None) if toc is not None else None
            if top is not None:
                for item in top.findall(nodes.list_item):
                    if item is top or item.parent.parent is not top:
                        continue
                    ref = next(iter(item.findall(nodes.reference)), None)
                    if ref is not None and ref.get("anchorname"):
                        sections.append({"title": ref.astext(), "anchor": scope(docname, ref["anchorname"][1:])})
            entries.append({"docname": docname, "title": self.env.titles[docname].astext(), "sections": sections})
        return entries

    def label_anchor(self, label: str) -> str | None:
        found = self.env.get_domain("std").labels.get(label)
        return scope(found[0], found[1]) if found else None

    def finish(self) -> None:
        super().finish()
        self.finish_tasks.add_task(self.write_pdf)

    def write_pdf(self) -> None:
        outdir = Path(self.outdir)
        docnames = self.chapters()
        site = (self.config.html_baseurl or "").rstrip("/") + "/"
        chapters = []
        for docname in docnames:
            fragment = outdir / f"{docname}{self.out_suffix}"
            body = fragment.read_text(encoding="utf-8")
            body = HEADERLINK_RE.sub("", body)
            body = IMAGE_LINK_RE.sub(r"\1", body)  # on the site a figure links to its image; the PDF has no files
            body = mark_wide_tables(scope_anchors(docname, body, set(docnames), site))
            chapters.append({"docname": docname, "title": self.env.titles[docname].astext(), "body": body})
        edition_name, edition_date = edition(Path(self.srcdir))
        context = {
            "title": self.config.html_title or self.config.project,
            "author": self.config.author,
            "copyright": self.config.copyright,
            "edition": edition_name,
            "edition_date": edition_date,
            "site": site,
            "chapters": chapters,
            "contents": self.contents(docnames[1:]),
            "front": chapters[0],
            "citing": self.label_anchor("citing"),  # the front matter's "How to cite the book", if it has one
        }
        document = self.templates.render(BOOK_TEMPLATE, context)
        html_path = outdir / "book.html"
        html_path.write_text(document, encoding="utf-8")
        target = outdir / self.config.book_pdf_filename
        started = time.perf_counter()
        render_pdf(html_path, template_file(self, STYLESHEET), target, edition_date, self.config)
        logger.info("book_pdf: %s written by WeasyPrint in %.1f s", target.name, time.perf_counter() - started)


class _WarningsToSphinx(logging.logging.Handler):
    """WeasyPrint logs what it cannot load or lay out; each becomes a Sphinx warning (an error under -W)."""

    def emit(self, record: Any) -> None:
        message = record.getMessage()
        if record.levelno >= logging.logging.WARNING:
            logger.warning("WeasyPrint: %s", message, type="book", subtype="pdf")


def render_pdf(html_path: Path, stylesheet: Path, target: Path, date: str, config: Any) -> None:
    import weasyprint
    from weasyprint.urls import URLFetcher

    # Local files only: a link to the network in the PDF is a link, never something to load; a missing file
    # stops the build instead of leaving a hole in the page.
    no_network = URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)

    handler = _WarningsToSphinx()
    weasy_logger = logging.logging.getLogger("weasyprint")
    weasy_logger.addHandler(handler)
    progress = logging.logging.getLogger("weasyprint.progress")
    progress_level = progress.level
    progress.setLevel(logging.logging.WARNING)  # a line per page and step; book_pdf reports the total time
    try:
        document = weasyprint.HTML(filename=str(html_path), url_fetcher=no_network)
        css = weasyprint.CSS(filename=str(stylesheet), url_fetcher=no_network)
        document.write_pdf(
            str(target),
            stylesheets=[css],
            pdf_identifier=f"{config.project} {date}".encode(),
            uncompressed_pdf=False,
            custom_metadata=True,
        )
    finally:
        weasy_logger.removeHandler(handler)
        progress.setLevel(progress_level)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_pdf_filename", "state-of-open-source-ai.pdf", "env", types=[str])
    app.add_html_math_renderer("book-svg", (visit_math, None), (visit_displaymath, None))
    app.add_builder(PdfBuilder)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
