"""Files for tools beside the site's pages.

* ``llms.txt`` (https://llmstxt.org) lists the chapters with links to a Markdown copy of each (``models.md``
  beside ``models/``); ``llms-full.txt`` concatenates them. The copies replace Sphinx's ``_sources/``.
* ``robots.txt`` pointing at the sitemap (which sphinx-sitemap writes).
* ``404.html`` beside ``404/index.html`` (from sphinx-notfound-page), where GitHub Pages looks for it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx


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


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", write_exports, priority=600)  # after book_polish: 404.html is copied fixed
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
