"""Accessibility and speed fixes to the theme's and docutils' HTML, applied to every page of the site.

The fixes themselves (``HTML_FIXES`` and ``polish_html`` in book_html) are shared with book_epub, which
applies them to each EPUB page as it is written, and book_search, which indexes the pages as they will be
left here. When the build has finished, every HTML page of the site is fixed in place, and each string-level
fix that matched no page (fixed or not) is named in a warning: after a theme upgrade such a fix would
otherwise silently stop working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from book_html import polish_html, unmatched_fixes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def polish_site(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if app.builder.name == "epub":
        return  # its pages are packed into the .epub before this event; book_epub polishes each as it is written
    texts = []
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        fixed = polish_html(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
        texts.append(fixed)
    theme = getattr(getattr(app.builder, "theme", None), "name", app.config.html_theme)  # the PDF's is not furo
    for old in unmatched_fixes(texts, theme):
        logger.warning(
            f"book_polish: the HTML fix for {old[:60]!r} matched no page: the theme's markup has changed; "
            "update or remove it in HTML_FIXES (_ext/book_html.py)",
            type="book",
            subtype="html",
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", polish_site)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
