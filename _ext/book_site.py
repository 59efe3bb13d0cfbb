"""What a reader's browser and tools get beyond the pages themselves.

* **Lean pages.** Each page loads only the styles and scripts it uses: code-copy assets only where there is
  code, sphinx-design assets only where there are design components, none of Sphinx's search scripts (the
  book searches with Pagefind), and every script deferred so that none blocks rendering.
* **Exports for tools.** ``llms.txt`` (https://llmstxt.org) lists the chapters with links to a Markdown copy
  of each (``models.md`` beside ``models/``); ``llms-full.txt`` concatenates them.
* **robots.txt** pointing at the sitemap.
* **Lazy layout.** Sections and glossary definitions that start more than a screenful into a page get the
  class ``lazy-layout``; book.css lets the browser skip their layout until the reader comes near them.
* **Edited styles and scripts reach the pages.** Sphinx copies ``_static/`` only when some page is out of
  date, and every page names each asset with a checksum of its content (``book.css?v=…``). So when a file
  under ``html_static_path`` differs from its copy in the output, every page is written again (the sources
  are not re-read): an edit to ``_static/book.css`` shows in ``make build`` and in the live preview.

The 404 page comes from sphinx-notfound-page and the sitemap from sphinx-sitemap.
"""

from __future__ import annotations

import filecmp
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _JavaScript
from sphinx.util import logging

logger = logging.getLogger(__name__)

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
# Scripts that extensions add to the pages that need them (add_page_script). Jupyter Book also adds every
# .js file under _static/ to every page (as html_js_files, priority 800); those copies are dropped, and
# ours are told apart by a priority of their own.
PAGE_SCRIPTS = {"tables.js", "comments.js", "citations.js"}
PAGE_SCRIPT_PRIORITY = 810


def _name(asset: Any) -> str:
    return Path(str(asset.filename if hasattr(asset, "filename") else asset).split("?")[0]).name


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
    context["css_files"] = [c for c in context.get("css_files", []) if keep_asset(_name(c), pagename, body)]
    scripts = [
        s
        for s in context.get("script_files", [])
        if keep_asset(_name(s), pagename, body)
        and (_name(s) not in PAGE_SCRIPTS or getattr(s, "priority", None) == PAGE_SCRIPT_PRIORITY)
    ]
    # _static/scripts/furo.js replaces the theme's script of that name, and Jupyter Book lists it a second time
    unique: dict[str, Any] = {}
    for script in scripts:
        unique.setdefault(str(getattr(script, "filename", script)), script)
    scripts = list(unique.values())
    context["script_files"] = [deferred(s) for s in scripts]


META_DESCRIPTION_RE = re.compile(r'<meta content="([^"]*)" name="description" */?>')
OG_DESCRIPTION_RE = re.compile(r'(<meta property="og:description" content=")[^"]*(")')


def og_description_from_front_matter(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Cards show the description the chapter's front matter gives, not sphinxext-opengraph's guess (the
    page's first 200 characters of text, which on a chapter that opens with a table is a row of cells)."""
    tags = context.get("metatags", "")
    written = META_DESCRIPTION_RE.search(tags)
    if written:
        context["metatags"] = OG_DESCRIPTION_RE.sub(lambda m: m.group(1) + written.group(1) + m.group(2), tags)


# Sections and glossary definitions that start this far into a page (in characters of text: more than a
# screenful on any common screen) are marked, and book.css lets the browser skip their layout until the
# reader comes near them. Nothing on the first screen is marked, so nothing there moves when the marked
# blocks are laid out.
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


def html_writer(app: Sphinx, document: Any) -> Callable[[Any], str]:
    """A function that writes a resolved node (and its children) as the HTML the builder would write for it,
    for post-transforms that replace large subtrees with one raw node. It uses the builder's translator with
    the writer's settings, as the builder gives them to every document it writes."""
    settings = app.builder.docsettings
    translator = app.builder.create_translator(new_document(document.get("source", ""), settings), app.builder)

    def write(node: Any) -> str:
        translator.body = []
        node.walkabout(translator)
        return "".join(translator.body)

    return write


def add_page_script(context: dict[str, Any], filename: str) -> None:
    """Add a deferred script from _static/ to this page only."""
    script = _JavaScript(f"_static/{filename}", priority=PAGE_SCRIPT_PRIORITY, defer="defer")
    others = [s for s in context.get("script_files", []) if _name(s) != filename]
    context["script_files"] = [*others, script]


# --- Accessibility and speed fixes to the theme's and docutils' markup ---------------------------------------

HTML_FIXES = [
    # furo's two <aside> landmarks need names to be told apart (axe: landmark-unique)
    ('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer" aria-label="Chapters">'),
    ('<aside class="toc-drawer', '<aside aria-label="On this page" class="toc-drawer'),
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


def polish_html(text: str) -> str:
    for old, new in HTML_FIXES:
        text = text.replace(old, new)
    text = WRAPPED_TABLE_ID_RE.sub(r"\1", text)
    text = TOOLTIP_URL_RE.sub(r"\1\2", text)
    return PRE_RE.sub('<pre tabindex="0"', text)


# The fixes above that target furo's markup (the others target docutils' and apply under any theme)
FURO_FIXES = {
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
            f"book_site: the HTML fix for {old[:60]!r} matched no page: the theme's markup has changed; "
            "update or remove it in HTML_FIXES (_ext/book_site.py)",
            type="book",
            subtype="html",
        )


# --- Exports ----------------------------------------------------------------------------------------------


def chapter_table(index_text: str) -> list[tuple[str, str]]:
    """(docname, what it covers) from the chapter table in index.md, in order."""
    return re.findall(r"^\|\s*\[\]\(([a-z0-9-]+)\.md\)\s*\|\s*(.+?)\s*\|\s*$", index_text, flags=re.M)


FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n---\n+", re.S)


def write_exports(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name not in ("html", "dirhtml"):
        return  # the site's files; the PDF and the EPUB link to them on the site
    srcdir, outdir = Path(app.srcdir), Path(app.outdir)
    base = (app.config.html_baseurl or "/").rstrip("/") + "/"
    title = app.config.html_title or app.config.project
    chapters = chapter_table((srcdir / "index.md").read_text(encoding="utf-8"))
    full = []
    for docname in ["index", *[name for name, _ in chapters]]:
        source = srcdir / f"{docname}.md"
        page_url = base if docname == "index" else f"{base}{docname}/"
        text = FRONT_MATTER_RE.sub("", source.read_text(encoding="utf-8"), count=1)  # build settings, not text
        header = f"<!-- {title}: {page_url} (text CC-BY-4.0; source of the page above) -->\n\n"
        (outdir / f"{docname}.md").write_text(header + text, encoding="utf-8")
        full.append(header + text)
    lines = [
        f"# {title}",
        "",
        "> An open book for developers on open-source AI: licences, evaluation, models, fine-tuning, model "
        "formats, serving engines, vector databases, SDKs, desktop apps and hardware.",
        "",
        "Each chapter is available as Markdown (MyST) at the links below; `llms-full.txt` has them all in one "
        "file. Citations such as {cite}`key` refer to entries in each page's bibliography.",
        "",
        "## Chapters",
        "",
        f"- [Front matter]({base}index.md): who the book is for, how to contribute, data downloads",
        *[f"- [{app.env.titles[name].astext()}]({base}{name}.md): {what}" for name, what in chapters],
        "",
        "## Data",
        "",
        f"- [Data sets]({base}#data-downloads): the comparison data as CSV and JSON with schemas",
        "",
    ]
    (outdir / "llms.txt").write_text("\n".join(lines), encoding="utf-8")
    (outdir / "llms-full.txt").write_text("\n\n".join(full), encoding="utf-8")
    not_found = outdir / "404" / "index.html"  # dirhtml writes 404/index.html; GitHub Pages serves /404.html
    if not_found.exists():
        (outdir / "404.html").write_text(not_found.read_text(encoding="utf-8"), encoding="utf-8")
    (outdir / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n", encoding="utf-8"
    )


def changed_static_files(app: Sphinx) -> list[str]:
    """The project's own files under html_static_path that are missing from the output or differ from it.
    Extensions' static folders (also on html_static_path) change only with the package, and files ending in
    ``_t`` are templates that are rendered rather than copied, so neither is compared."""
    out = Path(app.outdir) / "_static"
    confdir = Path(app.confdir).resolve()
    changed: list[str] = []
    for entry in dict.fromkeys(app.config.html_static_path):
        source = (confdir / entry).resolve()
        if not source.is_relative_to(confdir):
            continue
        files = [source] if source.is_file() else sorted(f for f in source.rglob("*") if f.is_file())
        for file in files:
            if file.name.endswith("_t"):
                continue
            target = out / (file.name if file == source else file.relative_to(source))
            if not target.is_file() or not filecmp.cmp(file, target, shallow=False):
                changed.append(file.relative_to(confdir).as_posix())
    return changed


def rewrite_pages_when_static_files_change(app: Sphinx) -> None:
    builder = app.builder
    if builder.format != "html" or not Path(app.outdir, ".buildinfo").exists():
        return  # a first build writes everything anyway
    own = builder.get_outdated_docs

    def get_outdated_docs() -> Iterator[str] | str:
        changed = changed_static_files(app)
        if not changed:
            return own()
        shown = ", ".join(changed[:3]) + (" and others" if len(changed) > 3 else "")
        logger.info("%s changed: writing every page again", shown)
        return iter(sorted(app.env.found_docs))

    builder.get_outdated_docs = get_outdated_docs  # type: ignore[method-assign]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", rewrite_pages_when_static_files_change)
    app.connect("html-page-context", lean_page, priority=900)  # after extensions that add assets
    app.connect("html-page-context", og_description_from_front_matter, priority=800)  # after sphinxext-opengraph
    app.connect("html-page-context", lazy_layout)
    app.connect("build-finished", polish_site)
    app.connect("build-finished", write_exports, priority=600)  # after polish_site: 404.html is copied fixed
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
