"""The real book builds strictly with the network cut off, and its pages carry what readers need."""

from __future__ import annotations

import re

from test_consistency import TOC_FILES

from conftest import ROOT, Build


def page(book: Build, name: str) -> str:
    path = book.outdir / ("index.html" if name == "index" else f"{name}/index.html")
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
        found = [
            m.group(0)
            for m in pattern.finditer(html.read_text(encoding="utf-8"))
            if 'rel="canonical"' not in m.group(0) and "og:" not in m.group(0)
        ]
        if found:
            offenders[str(html.relative_to(book_site.outdir))] = found[:3]
    assert offenders == {}


def test_chapter_footer_and_bibliography_render(book_site: Build) -> None:
    html = page(book_site, "licences")
    assert 'class="chapter-footer"' in html
    assert "/edit/main/licences.md" in html and "/issues/new?" in html
    assert "comments-load" not in html and "comments.js" not in html, "no comments outside production builds"
    assert "<h2>References" in html or ">References<" in html


def test_no_email_addresses_published(book_site: Build) -> None:
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    for html in book_site.outdir.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        found = [m for m in email.findall(text) if not m.endswith((".png", ".svg", ".js", ".css"))]
        assert found == [], f"{html}: {found[:3]}"


def test_root_has_only_the_designed_files() -> None:
    allowed = {
        "_config.yml",
        "_toc.yml",
        "references.bib",
        "requirements.txt",
        "requirements.in",
        "requirements-dev.txt",
        "requirements-dev.in",
        "README.md",
        "CONTRIBUTING.md",
        "LICENCE.md",
        "CITATION.cff",
        "Makefile",
        "pytest.ini",
        "package.json",
        "package-lock.json",
        ".gitignore",
        # the usual dotfiles of a repository and its editors' and tools' settings
        ".gitattributes",
        ".editorconfig",
        ".pre-commit-config.yaml",
        ".codespellrc",
        ".yamllint",
        ".yamllint.yml",
        ".python-version",
        ".ruff.toml",
    }
    tracked = {p.name for p in ROOT.iterdir() if p.is_file()} - {"conf.py"}
    stray = {name for name in tracked if name not in allowed and not name.endswith(".md")}
    assert stray == set()


def test_citations_link_both_ways_with_a_hover_summary(book_site: Build) -> None:
    html = page(book_site, "licences")
    match = re.search(r'<a class="reference internal" href="#(id\d+)" title="([^"]{20,})"', html)
    assert match, "a citation links to its bibliography entry and shows the reference on hover"
    entry = html.split(f'id="{match.group(1)}"', 1)[1][:600]
    assert 'role="doc-backlink"' in entry, "the bibliography entry links back to the citation"


def test_pages_have_metadata_for_search_engines_and_cards(book_site: Build) -> None:
    base = "https://book.premai.io/state-of-open-source-ai/"
    for name in TOC_FILES:
        html = page(book_site, name)
        url = base if name == "index" else f"{base}{name}/"
        assert f'<link rel="canonical" href="{url}"' in html, name
        assert f'<meta property="og:url" content="{url}"' in html, name
        written = re.search(r'<meta content="([^"]{40,170})" name="description"', html)
        assert written, f"{name}: give the chapter a front-matter description (myst.html_meta.description)"
        assert f'<meta property="og:description" content="{written.group(1)}"' in html, name
        assert '<meta name="twitter:card"' in html and "Last updated on" in html, name


def test_site_files_for_crawlers_and_tools(book_site: Build) -> None:
    out = book_site.outdir
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://book.premai.io/state-of-open-source-ai/models/" in sitemap
    assert "sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8")
    not_found = (out / "404.html").read_text(encoding="utf-8")
    assert 'href="/state-of-open-source-ai/_static/' in not_found, "404 links are absolute"
    llms = (out / "llms.txt").read_text(encoding="utf-8")
    assert llms.startswith("# State of Open Source AI\n\n> ")
    for name in TOC_FILES:
        assert f"/{name}.md)" in llms, name
        exported = (out / f"{name}.md").read_text(encoding="utf-8")
        source = (ROOT / f"{name}.md").read_text(encoding="utf-8")
        assert exported.startswith("<!-- ") and "\n---\n" not in exported[:200], f"{name}: no front matter"
        assert source.endswith(exported.split("\n", 2)[2]), f"{name}: the chapter's text, whole"
    bodies = sum(len((out / f"{n}.md").read_text(encoding="utf-8")) for n in TOC_FILES)
    assert len((out / "llms-full.txt").read_text(encoding="utf-8")) >= bodies


def test_no_render_blocking_scripts_on_reading_pages(book_site: Build) -> None:
    for name in TOC_FILES:
        head = page(book_site, name).split("</head>", 1)[0]
        blocking = [
            tag
            for tag in re.findall(r"<script\b[^>]*>", head)
            if "src=" in tag and "defer" not in tag and "async" not in tag
        ]
        assert blocking == [], f"{name}: {blocking}"


def test_print_stylesheet_hides_navigation() -> None:
    css = (ROOT / "_static" / "book.css").read_text(encoding="utf-8")
    assert "@media print" in css and ".sidebar-drawer" in css.split("@media print", 1)[1]


def test_every_citation_label_reads_as_author_and_year(book_site: Build) -> None:
    """No alpha-style label (DPHZ23, G+24) anywhere: every in-text citation is 'Name[s] [et al.] Year'."""
    import sys

    sys.path.insert(0, str(ROOT / "_ext"))
    from book_citations import LABEL_RE

    cited = re.compile(r'<a class="reference internal" href="#id\d+" title="[^"]+">([^<]+)</a>')
    bad, seen = [], 0
    for html in book_site.outdir.rglob("*.html"):
        for label in cited.findall(html.read_text(encoding="utf-8")):
            seen += 1
            if not LABEL_RE.match(label.replace("&amp;", "&")):
                bad.append(f"{html.parent.name}: {label}")
    assert seen > 1000, "the book's citations were found"
    assert bad == [], bad[:10]


HREF_RE = re.compile(r'<a\b[^>]*?\shref="([^"]*)"')
ID_RE = re.compile(r'\sid="([^"]+)"')
SITE_PREFIX = "/state-of-open-source-ai/"


def test_every_internal_link_reaches_a_page_and_an_element(book_site: Build) -> None:
    """Site-wide integrity: every link from one page of the built site to another (or within a page), with or
    without a #fragment, resolves to a file that exists and, for a fragment, to an element id on that page."""
    import html as html_lib
    from urllib.parse import unquote, urlsplit

    out = book_site.outdir
    pages = {path: path.read_text(encoding="utf-8") for path in out.rglob("*.html")}
    ids = {path: set(ID_RE.findall(text)) for path, text in pages.items()}
    broken, checked = [], 0
    for path, text in pages.items():
        for href in HREF_RE.findall(text):
            href = html_lib.unescape(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            if parts.path.startswith(SITE_PREFIX):
                target = out / unquote(parts.path[len(SITE_PREFIX) :])
            elif parts.path.startswith("/"):
                broken.append(f"{path.relative_to(out)}: {href} (absolute path outside the site)")
                continue
            else:
                target = (path.parent / unquote(parts.path)) if parts.path else path
            if target.is_dir() or not target.suffix:
                target = target / "index.html"
            target = target.resolve()
            checked += 1
            if not target.is_file():
                broken.append(f"{path.relative_to(out)}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                wanted = unquote(parts.fragment)
                known = ids.get(target)
                if known is None:
                    known = set(ID_RE.findall(target.read_text(encoding="utf-8")))
                if wanted not in known and wanted != "top":
                    broken.append(f"{path.relative_to(out)}: {href} (no element with id '{wanted}')")
    assert checked > 3000, f"only {checked} internal links found: is the pattern still right?"
    assert broken == [], f"{len(broken)} broken internal links, for example: {broken[:10]}"
