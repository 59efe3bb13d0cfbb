"""HTML helpers shared by the book's extensions; not an extension itself (it has no ``setup``).

* ``html_writer``: the HTML the builder would write for a resolved node, for post-transforms that replace
  large subtrees with one raw node (book_data, book_speed).
* ``add_page_script``: a deferred script from ``_static/`` on one page only (book_citations, book_data,
  book_footer); book_assets keeps these and drops the copies Jupyter Book adds to every page.
* ``polish_html``: accessibility and speed fixes to the theme's and docutils' markup, applied by book_polish
  to the site, by book_epub to each EPUB page and by book_search to the pages it indexes; ``unmatched_fixes``
  names a string-level fix that no longer matches anything (after a theme upgrade).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

# Sphinx and docutils are imported where they are used, so that book_search's worker, which needs only
# ``polish_html``, starts without them (about 0.3 s of CPU in every build).

# Scripts that extensions add to the pages that need them (add_page_script). Jupyter Book also adds every
# .js file under _static/ to every page (as html_js_files, priority 800); book_assets drops those copies,
# and tells ours apart by a priority of their own.
PAGE_SCRIPTS = {"tables.js", "comments.js", "citations.js"}
PAGE_SCRIPT_PRIORITY = 810


def asset_name(asset: Any) -> str:
    """The file name of a page's style or script (without folder or ``?v=`` checksum)."""
    return Path(str(asset.filename if hasattr(asset, "filename") else asset).split("?")[0]).name


def html_writer(app: Sphinx, document: Any) -> Callable[[Any], str]:
    """A function that writes a resolved node (and its children) as the HTML the builder would write for it,
    for post-transforms that replace large subtrees with one raw node. It uses the builder's translator with
    the writer's settings, as the builder gives them to every document it writes."""
    from docutils.utils import new_document

    settings = app.builder.docsettings
    translator = app.builder.create_translator(new_document(document.get("source", ""), settings), app.builder)

    def write(node: Any) -> str:
        translator.body = []
        node.walkabout(translator)
        return "".join(translator.body)

    return write


def add_page_script(context: dict[str, Any], filename: str) -> None:
    """Add a deferred script from _static/ to this page only."""
    from sphinx.builders.html._assets import _JavaScript

    script = _JavaScript(f"_static/{filename}", priority=PAGE_SCRIPT_PRIORITY, defer="defer")
    others = [s for s in context.get("script_files", []) if asset_name(s) != filename]
    context["script_files"] = [*others, script]


# --- Accessibility and speed fixes to the theme's and docutils' markup ---------------------------------------

HTML_FIXES = [
    # furo's two <aside> landmarks need names to be told apart (axe: landmark-unique)
    ('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer" aria-label="Chapters">'),
    ('<aside class="toc-drawer', '<aside aria-label="On this page" class="toc-drawer'),
    # furo's back-to-top link sits outside every landmark (axe: region, once the reader has scrolled and it shows);
    # a named <nav> around it is a landmark, and takes no space, since the link is position: fixed
    (
        '<a href="#" class="back-to-top muted-link">',
        '<nav aria-label="Back to top"><a href="#" class="back-to-top muted-link">',
    ),
    ("<span>Back to top</span>\n        </a>", "<span>Back to top</span>\n        </a></nav>"),
    # docutils marks bibliography entries with the deprecated doc-biblioentry role inside role="list"
    # (axe: aria-required-children, aria-deprecated-role); list items are what the list needs
    ('role="doc-biblioentry"', 'role="listitem"'),
    # furo's script drops the "no-js" class (which hides the colour-mode button) when the page has loaded;
    # changing a class on <html> then restyles the whole page, a 0.4 s task on a long chapter on a phone.
    # Dropped at the top of <body>, where furo's first inline script runs, it restyles almost nothing.
    (
        'document.body.dataset.theme = localStorage.getItem("theme") || "auto";',
        'document.body.dataset.theme = localStorage.getItem("theme") || "auto";\n'
        '      document.documentElement.classList.remove("no-js");',
    ),
]
# A citation's hover title repeats its bibliography entry in full. The address and the date it was visited
# are a quarter of a long chapter's HTML and mean little in a tooltip; the entry, a click away, keeps them.
TOOLTIP_URL_RE = re.compile(r'( title="[^"]*?) URL: [^\s"]+ \(visited on \d{4}-\d{2}-\d{2}\)\.(")')
PRE_RE = re.compile(r"<pre(?![^>]*\btabindex=)")  # scrollable code must be reachable by keyboard
# furo wraps each table in a div that takes the table's id, leaving the id twice on the page (invalid HTML);
# the wrapper keeps it, so links to the table still land on it
WRAPPED_TABLE_ID_RE = re.compile(r'(<div class="table-wrapper[^"]*" id="([^"]+)">\s*<table\b[^>]*?) id="\2"')
# a table or an equation wider than a phone scrolls inside furo's wrapper, which must then be reachable by
# keyboard (axe: scrollable-region-focusable)
SCROLL_WRAPPER_RE = re.compile(r'<div class="((?:table|math)-wrapper)(?=[ "])')


def polish_html(text: str) -> str:
    """The page with every fix applied; a page already fixed comes back unchanged (an incremental build polishes
    again the pages it did not write)."""
    for old, new in HTML_FIXES:
        if old in new and new in text:
            continue  # a fix that keeps its pattern (adds a line after it) is applied once
        text = text.replace(old, new)
    text = WRAPPED_TABLE_ID_RE.sub(r"\1", text)
    text = SCROLL_WRAPPER_RE.sub(r'<div tabindex="0" class="\1', text)
    text = TOOLTIP_URL_RE.sub(r"\1\2", text)
    return PRE_RE.sub('<pre tabindex="0"', text)


# The fixes above that target furo's markup (the others target docutils' and apply under any theme)
FURO_FIXES = {
    '<a href="#" class="back-to-top muted-link">',
    "<span>Back to top</span>\n        </a>",
    '<aside class="sidebar-drawer">',
    '<aside class="toc-drawer',
    'document.body.dataset.theme = localStorage.getItem("theme") || "auto";',
}


def unmatched_fixes(texts: Iterator[str] | list[str], theme: str = "furo") -> list[str]:
    """The string-level fixes in HTML_FIXES that match nothing in the pages, fixed or not: after a theme upgrade
    such a fix silently stops working, so the build names it. Fixes for furo are checked only under furo."""
    waiting = {old: new for old, new in HTML_FIXES if theme == "furo" or old not in FURO_FIXES}
    for text in texts:
        for old, new in list(waiting.items()):
            if old in text or new in text:
                del waiting[old]
        if not waiting:
            break
    return list(waiting)
