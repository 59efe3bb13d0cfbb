"""Lazy layout: only what is near the screen is laid out.

Sections and glossary definitions that start more than a screenful into a page get the class ``lazy-layout``;
``_static/book.css`` lets the browser skip their layout (``content-visibility: auto``) until the reader comes
near them. Nothing on the first screen is marked, so nothing there moves when the marked blocks are laid out.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

# How far into a page (in characters of text: more than a screenful on any common screen) a block must start
LAZY_LAYOUT_AFTER = 8000
LAZY_LAYOUT_CLASS = "lazy-layout"
BLOCK_START_RE = re.compile(r"<(section|dd)\b([^>]*)>")
TAG_RE = re.compile(r"<[^>]*>")


def mark_lazy_layout(body: str, after: int = LAZY_LAYOUT_AFTER) -> str:
    parts: list[str] = []
    text, last = 0, 0
    for match in BLOCK_START_RE.finditer(body):
        text += len(TAG_RE.sub("", body[last : match.start()]))
        parts.append(body[last : match.start()])
        tag, attributes = match.groups()
        if text > after:
            if 'class="' in attributes:
                attributes = attributes.replace('class="', f'class="{LAZY_LAYOUT_CLASS} ', 1)
            else:
                attributes = f' class="{LAZY_LAYOUT_CLASS}"{attributes}'
        parts.append(f"<{tag}{attributes}>")
        last = match.end()
    parts.append(body[last:])
    return "".join(parts)


def lazy_layout(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if "body" in context:
        context["body"] = mark_lazy_layout(context["body"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", lazy_layout)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
