"""Lean pages: each page loads only the styles and scripts it uses.

Code-copy assets only where there is code, sphinx-design assets only where there are design components, none
of Sphinx's search scripts (the book searches with Pagefind, _ext/book_search.py), no notebook styles, each
page script (``add_page_script`` in book_html) only on the pages that asked for it, and every script
deferred so that none blocks rendering.
"""

from __future__ import annotations

import re
from typing import Any

from book_html import PAGE_SCRIPT_PRIORITY, PAGE_SCRIPTS, asset_name
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _JavaScript

# (asset file name, what the page body must contain for the asset to be kept)
CONDITIONAL_ASSETS = {
    "pygments.css": 'class="highlight',
    "copybutton.css": 'class="highlight',
    "clipboard.min.js": 'class="highlight',
    "copybutton.js": 'class="highlight',
    "sphinx-design.min.css": 'class="sd-',
    "design-tabs.js": 'class="sd-tab',
    "documentation_options.js": 'class="highlight',  # copybutton.js reads DOCUMENTATION_OPTIONS
}
# Sphinx's search scripts: the book searches with Pagefind (_ext/book_search.py), and the search page loads
# its own script (_static/search.js, a module) from its template, so no page lists any of these.
SEARCH_SCRIPTS = {"doctools.js", "sphinx_highlight.js", "language_data.js", "searchtools.js", "search.js"}
NEVER = re.compile(r"^mystnb\..*\.css$")  # notebook output styles: the book has no notebooks


def keep_asset(name: str, pagename: str, body: str) -> bool:
    if NEVER.match(name):
        return False
    if name in SEARCH_SCRIPTS or (pagename == "search" and name == "documentation_options.js"):
        return False
    needle = CONDITIONAL_ASSETS.get(name)
    return needle is None or needle in body


def deferred(script: Any) -> Any:
    if not isinstance(script, _JavaScript) or script.filename is None:
        return script
    attributes = dict(script.attributes)
    if "async" in attributes or "defer" in attributes:
        return script
    attributes["defer"] = "defer"
    return _JavaScript(script.filename, priority=script.priority, **attributes)


def lean_page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    body = context.get("body", "")
    context["css_files"] = [c for c in context.get("css_files", []) if keep_asset(asset_name(c), pagename, body)]
    scripts = [
        s
        for s in context.get("script_files", [])
        if keep_asset(asset_name(s), pagename, body)
        and (asset_name(s) not in PAGE_SCRIPTS or getattr(s, "priority", None) == PAGE_SCRIPT_PRIORITY)
    ]
    # _static/scripts/furo.js replaces the theme's script of that name, and Jupyter Book lists it a second time
    unique: dict[str, Any] = {}
    for script in scripts:
        unique.setdefault(str(getattr(script, "filename", script)), script)
    scripts = list(unique.values())
    context["script_files"] = [deferred(s) for s in scripts]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", lean_page, priority=900)  # after extensions that add assets
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
