"""book_pdf and book_epub on a fixture book, and the PDF's anchor scoping and wide-table marking."""

from __future__ import annotations

import sys
import zipfile

from conftest import ROOT, FixtureBook

sys.path.insert(0, str(ROOT / "_ext"))
import book_pdf  # noqa: E402

SITE = "https://example.org/book/"


def test_anchors_are_scoped_to_their_chapter() -> None:
    body = (
        '<section id="intro"><h2>Intro</h2><a href="#id3">[1]</a> <a href="models.html#moe">MoE</a> '
        '<a href="models.html">Models</a> <a href="https://example.com/x#y">out</a> '
        '<a href="data/models.csv" download>CSV</a> <img src="_images/a.svg"/>'
        '<aside aria-labelledby="t"><p id="t">T</p></aside><div class="citation" id="id3">ref</div></section>'
    )
    scoped = book_pdf.scope_anchors("licences", body, {"licences", "models"}, SITE)
    assert '<section id="licences--intro">' in scoped
    assert 'href="#licences--id3"' in scoped and 'id="licences--id3"' in scoped
    assert 'href="#models--moe"' in scoped and 'href="#models"' in scoped
    assert 'href="https://example.com/x#y"' in scoped
    assert f'href="{SITE}data/models.csv"' in scoped, "a file that is not in the PDF is linked on the site"
    assert 'src="_images/a.svg"' in scoped
    assert 'aria-labelledby="licences--t"' in scoped


def test_tables_with_many_columns_are_marked_wide() -> None:
    narrow = '<table class="docutils"><thead><tr><th>a</th><th>b</th></tr></thead></table>'
    wide = "<table><thead><tr>" + "<th>c</th>" * 8 + "</tr></thead><tbody><tr><td>x</td></tr></tbody></table>"
    marked = book_pdf.mark_wide_tables(narrow + wide)
    assert 'class="docutils"' in marked and '<table class="wide">' in marked


def test_fixture_book_builds_as_a_pdf_with_bookmarks_and_scoped_links(fixture_book: FixtureBook) -> None:
    import pypdf

    fixture_book = FixtureBook(fixture_book.path, extensions=("book_pdf",), extra_conf=f"html_baseurl = {SITE!r}")
    maths = "Maths: $E = mc^2$ and\n\n$$\n\\frac{a}{b}\n$$\n\n## Background"
    fixture_book.files["chapter.md"] = fixture_book.files["chapter.md"].replace("## Background", maths)
    result = fixture_book.build("pdf")
    assert result.returncode == 0, result.output[-3000:]
    reader = pypdf.PdfReader(result.outdir / "state-of-open-source-ai.pdf")
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == ["Contents", "Fixture book", "A chapter", "Glossary"]
    named = set(reader.named_destinations)
    assert {"chapter--references", "index", "glossary--term-Token"} <= named, sorted(named)[:20]
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Doe 2024" in text or "Doe, 2024" in text or "[Doe" in text, "the citation"
    assert f"{SITE}state-of-open-source-ai.pdf" in (result.outdir / "book.html").read_text(encoding="utf-8")


def test_fixture_book_builds_as_an_epub_with_a_cover_and_no_scripts(fixture_book: FixtureBook) -> None:
    # sphinx-build keeps its doctrees inside the output folder, where the EPUB builder would see them as content
    conf = (
        f"html_baseurl = {SITE!r}\nepub_show_urls = 'no'\nhtml_math_renderer = 'mathml'\n"
        "copyright = '2026 Fixture'\nsuppress_warnings = ['epub.unknown_project_files']"
    )
    fixture_book = FixtureBook(
        fixture_book.path, extensions=("book_math", "book_pdf", "book_epub"), extra_conf=conf
    )
    fixture_book.files["chapter.md"] = fixture_book.files["chapter.md"].replace(
        "## Background", "Maths: $E = mc^2$.\n\n## Background"
    )
    result = fixture_book.build("epub")
    assert result.returncode == 0, result.output[-3000:]
    epub = next(result.outdir.glob("*.epub"))
    with zipfile.ZipFile(epub) as archive:
        names = set(archive.namelist())
        opf = archive.read("content.opf").decode()
        chapter = archive.read("chapter.xhtml").decode()
    assert "_static/book-cover.svg" in names and "_static/book-epub.css" in names
    assert not [name for name in names if name.endswith(".js")]
    assert 'href="chapter.xhtml" media-type="application/xhtml+xml" properties="mathml"' in opf
    assert "<script" not in chapter and "<math" in chapter
