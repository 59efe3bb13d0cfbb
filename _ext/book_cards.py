"""Link preview cards (Open Graph, Twitter/X, Mastodon) show the description the chapter's front matter gives.

sphinxext-opengraph writes ``og:description`` from the page's first 200 characters of text, which on a chapter
that opens with a table is a row of cells; the page's ``description`` meta tag (from the front matter's
``html_meta``) says what the chapter is about, so the card uses it.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

META_DESCRIPTION_RE = re.compile(r'<meta content="([^"]*)" name="description" */?>')
OG_DESCRIPTION_RE = re.compile(r'(<meta property="og:description" content=")[^"]*(")')


def og_description_from_front_matter(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Cards show the description the chapter's front matter gives, not sphinxext-opengraph's guess."""
    tags = context.get("metatags", "")
    written = META_DESCRIPTION_RE.search(tags)
    if written:
        context["metatags"] = OG_DESCRIPTION_RE.sub(lambda m: m.group(1) + written.group(1) + m.group(2), tags)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", og_description_from_front_matter, priority=800)  # after sphinxext-opengraph
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
