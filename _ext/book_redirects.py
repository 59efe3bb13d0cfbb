"""The 2023 edition's addresses keep working.

* ``book_moved_pages`` in ``_config.yml`` maps an old page name to the page that replaced it; each old
  address gets a small page that sends the reader on (a meta refresh, a canonical link and a plain link,
  since GitHub Pages cannot answer with a redirect). A target that is not a page of the book stops the build.
* ``/references/``, the 2023 edition's book-wide bibliography, becomes a page (``_templates/references.html``)
  that links to the references at the end of every chapter, which is where they live now.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

MOVED = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Moved: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="{canonical}"><meta name="robots" content="noindex">
<meta http-equiv="refresh" content="0; url={relative}"></head>
<body><main><h1>This page has moved</h1><p>It is now <a href="{relative}">{title}</a>.</p></main></body></html>
"""


def check_moved_pages(app: Sphinx, env: Any) -> None:
    for old, new in app.config.book_moved_pages.items():
        if new not in env.found_docs:
            raise ConfigError(
                f"_config.yml: book_moved_pages sends {old!r} to {new!r}, which is not a page of the book"
            )
        if old in env.found_docs:
            raise ConfigError(
                f"_config.yml: book_moved_pages moves {old!r}, but the book still has a page of that name"
            )


def write_moved_pages(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name not in ("html", "dirhtml"):
        return
    base = (app.config.html_baseurl or "/").rstrip("/") + "/"
    for old, new in app.config.book_moved_pages.items():
        uri = app.builder.get_target_uri(new)
        old_uri = app.builder.get_target_uri(old)
        target = Path(app.outdir) / (old_uri + "index.html" if old_uri.endswith("/") else old_uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        depth = old_uri.count("/")
        relative = "../" * depth + uri
        title = escape(app.env.titles[new].astext())
        target.write_text(MOVED.format(title=title, canonical=base + uri, relative=relative), encoding="utf-8")


# A chapter skeleton shown as an example (the formatting guide's ````md blocks) is not a chapter's own section.
EXAMPLE_BLOCK_RE = re.compile(r"^(`{4,}).*?^\1\s*$", flags=re.S | re.M)


def references_page(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """The 2023 edition's /references/: where each chapter's references are now."""
    if app.builder.name not in ("html", "dirhtml"):
        return []
    env = app.env
    chapters = [
        name
        for name in env.found_docs
        if "\n## References\n" in EXAMPLE_BLOCK_RE.sub("", Path(env.doc2path(name)).read_text(encoding="utf-8"))
    ]
    order = {name: i for i, name in enumerate(env.toctree_includes.get(env.config.root_doc, []))}
    chapters.sort(key=lambda name: order.get(name, len(order)))
    entries = [{"title": env.titles[name].astext(), "docname": name} for name in chapters]
    return [("references", {"title": "References", "chapters": entries}, "references.html")]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_moved_pages", {}, "html", types=[dict])
    app.connect("env-check-consistency", check_moved_pages)
    app.connect("html-collect-pages", references_page)
    app.connect("build-finished", write_moved_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
