"""The whole book as an EPUB 3 for e-readers, from the same sources and extensions as the site: ``make epub``.

Sphinx's own ``epub`` builder (EPUB 3: navigation document, one XHTML file per chapter) with what this book
needs on top, through a subclass registered in its place:

* **A cover** drawn as SVG from ``_templates/epub/cover.svg`` (title and edition), so there is no image to keep.
* **Manifest properties.** EPUB 3 wants each chapter that contains MathML (book_math renders maths as MathML,
  which e-readers show natively) or inline SVG (the data figures) marked as such in ``content.opf``; Sphinx's
  template has no place for them, so they are added to the file it writes.
* **Nothing from the network, no scripts.** The site's scripts and furo styles are left out; the book's e-reader
  styles (``_templates/epub/book.css``) go in. A relative link to a file that is not in the book (a data
  download) points at the published site instead.

EPUBCheck (``make epub`` runs it; tests/test_print.py asserts it finds nothing) validates the result.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from book_html import polish_html
from book_pdf import edition, template_file
from sphinx.application import Sphinx
from sphinx.builders.epub3 import Epub3Builder
from sphinx.util import logging

logger = logging.getLogger(__name__)

STYLESHEET = "_static/book-epub.css"
COVER = "_static/book-cover.svg"
EPUB_STATIC = {"epub.css", "pygments.css", "book-epub.css", "book-cover.svg"}
CSS_URL_RE = re.compile(r"url\(['\"]?([^'\")]+)['\"]?\)")
LINK_RE = re.compile(r'(<a\b[^>]*?\shref=")([^"#][^"]*)(")')
BARE_DOWNLOAD_RE = re.compile(r"(<a\b[^>]*?\sdownload)(?=[\s>])")  # XHTML has no attribute without a value
MANIFEST_ITEM_RE = re.compile(r'<item id="([^"]+)" href="([^"]+\.xhtml)" media-type="application/xhtml\+xml" />')


class BookEpubBuilder(Epub3Builder):
    """Sphinx's EPUB 3 builder with a cover, manifest properties, e-reader styles and no scripts."""

    def copy_static_files(self) -> None:
        super().copy_static_files()
        static = Path(self.outdir) / "_static"
        name, date = edition(Path(self.srcdir))
        context = {
            "title": self.config.html_title or self.config.project,
            "edition": name,
            "date": date,
            "author": self.config.author,
        }
        (static / "book-cover.svg").write_text(self.templates.render("epub/cover.svg", context), encoding="utf-8")
        css = template_file(self, "epub/book.css").read_text(encoding="utf-8")
        (static / "book-epub.css").write_text(css, encoding="utf-8")
        # The site's scripts, styles and icons have no place in the EPUB: keep only what its pages use (the
        # figures are in _images/, where Sphinx copies every image a page shows).
        keep = set(EPUB_STATIC)
        for css in EPUB_STATIC:
            if css.endswith(".css") and (static / css).is_file():  # and the images those styles use
                keep |= set(CSS_URL_RE.findall((static / css).read_text(encoding="utf-8")))
        for path in sorted(static.rglob("*"), reverse=True):
            if path.is_file() and path.name not in keep:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()

    def toc_metadata(self, level: int, navpoints: list[Any]) -> dict[str, Any]:
        """toc.ncx (for EPUB 2 readers) names the book by its identifier, as content.opf does (EPUBCheck NCX-001)."""
        metadata = super().toc_metadata(level, navpoints)
        metadata["uid"] = html.escape(self.config.epub_identifier)
        return metadata

    def build_content(self) -> None:
        super().build_content()
        opf = Path(self.outdir) / "content.opf"
        text = opf.read_text(encoding="utf-8")

        def properties(match: re.Match[str]) -> str:
            page = (Path(self.outdir) / match.group(2)).read_text(encoding="utf-8")
            marks = [name for name, needle in (("mathml", "<math"), ("svg", "<svg")) if needle in page]
            if not marks:
                return match.group(0)
            return match.group(0)[: -len(" />")] + f' properties="{" ".join(marks)}" />'

        opf.write_text(MANIFEST_ITEM_RE.sub(properties, text), encoding="utf-8")


def epub_page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """No scripts, the e-reader stylesheet only, and links to files outside the book point at the site."""
    if not isinstance(app.builder, BookEpubBuilder):
        return
    context["script_files"] = []
    keep = ("epub.css", "pygments.css")
    context["css_files"] = [
        c for c in context.get("css_files", []) if str(getattr(c, "filename", c)).endswith(keep)
    ]
    context["css_files"].append(STYLESHEET)
    site = (app.config.html_baseurl or "").rstrip("/") + "/"
    suffix = app.builder.out_suffix

    def link(match: re.Match[str]) -> str:
        target = match.group(2)
        path = target.split("#", 1)[0]
        if urlsplit(target).scheme or path.endswith(suffix) or path.startswith("_images/"):
            return match.group(0)
        return match.group(1) + site + target.removeprefix("./") + match.group(3)

    if "body" in context:
        body = BARE_DOWNLOAD_RE.sub(r'\1=""', LINK_RE.sub(link, context["body"]))
        context["body"] = polish_html(body)


def set_defaults(app: Sphinx) -> None:
    """EPUB metadata from the book's own settings, unless _config.yml gives them (for the EPUB only: the site's
    pages name no version, and keep it that way)."""
    if not isinstance(app.builder, BookEpubBuilder):
        return
    config = app.config
    if not config.epub_cover:
        config.epub_cover = (COVER, "epub-cover.html")
    name, date = edition(Path(app.srcdir))
    if not config.epub_description or config.epub_description == "unknown":
        config.epub_description = f"An open book for developers on open-source AI, edition of {name}"
    if config.epub_identifier in ("", "unknown"):
        config.epub_identifier = config.html_baseurl or "unknown"
    if config.epub_publisher in ("", "unknown"):
        config.epub_publisher = config.author
    config.epub_title = config.html_title or config.project
    if config.version in ("", None):
        config.version = date


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.builders.epub3")
    app.add_builder(BookEpubBuilder, override=True)
    app.connect("html-page-context", epub_page, priority=950)  # after book_assets' lean_page
    app.connect("builder-inited", set_defaults, priority=400)  # before Sphinx checks the EPUB's metadata
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
