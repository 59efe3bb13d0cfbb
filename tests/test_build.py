"""The real book builds strictly with the network cut off, and its pages carry what readers need."""

from __future__ import annotations

import re

from conftest import ROOT, Build
from test_consistency import TOC_FILES


def page(book: Build, name: str) -> str:
    path = book_site.outdir / ("index.html" if name == "index" else f"{name}/index.html")
    return path.read_text(encoding="utf-8")


def test_strict_offline_build_succeeds(book_site: Build) -> None:
    assert "build succeeded" in book_site.output or "The HTML pages are in" in book_site.output


def test_every_chapter_has_a_page(book_site: Build) -> None:
    for name in TOC_FILES:
        assert "<h1>" in page(book_site, name), name


def test_no_remote_assets_in_pages(book_site: Build) -> None:
    pattern = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*(?:src|href)=\"(?:https?:)?//", re.I)
    offenders = {}
    for html in book_site.outdir.rglob("*.html"):
        found = [m.group(0) for m in pattern.finditer(html.read_text(encoding="utf-8"))
                 if 'rel="canonical"' not in m.group(0) and "og:" not in m.group(0)]
        if found:
            offenders[str(html.relative_to(book_site.outdir))] = found[:3]
    assert offenders == {}


def test_chapter_footer_and_bibliography_render(book_site: Build) -> None:
    html = page(book, "licences")
    assert 'class="chapter-footer"' in html
    assert "/edit/main/licences.md" in html and "/issues/new?" in html
    assert "giscus" not in html.split("</article>")[-1] or "comments.js" not in html


def test_no_email_addresses_published(book_site: Build) -> None:
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    for html in book_site.outdir.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        found = [m for m in email.findall(text) if not m.endswith((".png", ".svg", ".js", ".css"))]
        assert found == [], f"{html}: {found[:3]}"


def test_root_has_only_the_designed_files() -> None:
    allowed = {"_config.yml", "_toc.yml", "references.bib", "requirements.txt", "requirements.in",
               "requirements-dev.txt", "requirements-dev.in", "README.md", "CONTRIBUTING.md", "LICENCE.md",
               "CITATION.cff", "Makefile", "pytest.ini", "package.json", "package-lock.json", ".gitignore"}
    tracked = {p.name for p in ROOT.iterdir() if p.is_file()} - {"conf.py"}
    stray = {name for name in tracked if name not in allowed and not name.endswith(".md")}
    assert stray == set()
