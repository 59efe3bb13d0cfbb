"""book_math (MathML at build time), and the site's pages: book_assets (lean pages), book_html's fixes,
book_exports, book_static (edited static files) and book_lazy_layout, on a fixture book."""

from __future__ import annotations

import re
import sys

from conftest import ROOT, FixtureBook

sys.path.insert(0, str(ROOT / "_ext"))
import book_assets  # noqa: E402
import book_exports  # noqa: E402
import book_html  # noqa: E402
import book_lazy_layout  # noqa: E402

MATH_CONF = 'html_math_renderer = "mathml"'


def test_formulas_become_mathml_without_mathjax(tmp_path) -> None:
    book = FixtureBook(tmp_path / "book", extensions=("book_math",), extra_conf=MATH_CONF)
    book.files["chapter.md"] = book.files["chapter.md"].replace(
        "Some text", "Inline $a^2 + b^2$ and\n\n$$\n\\frac{S + D + I}{N}\n$$\n\nSome text"
    )
    result = book.build()
    assert result.returncode == 0, result.output
    html = (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    assert 'display="inline">' in html and 'display="block">' in html and "<mfrac>" in html
    assert "mathjax" not in html.lower().replace("mathjax_ignore", "")


def test_a_formula_that_cannot_be_converted_is_reported_with_its_place(tmp_path) -> None:
    book = FixtureBook(tmp_path / "book", extensions=("book_math",), extra_conf=MATH_CONF)
    book.files["chapter.md"] = book.files["chapter.md"].replace("Some text", "Broken $\\left( x$ here. Some text")
    result = book.build()
    assert result.returncode != 0
    assert "chapter.md:11" in result.output and "cannot convert this formula to MathML" in result.output


def test_assets_are_kept_only_where_used() -> None:
    code = '<div class="highlight"><pre>x</pre></div>'
    assert book_assets.keep_asset("copybutton.js", "models", code)
    assert not book_assets.keep_asset("copybutton.js", "models", "<p>prose</p>")
    assert not book_assets.keep_asset("searchtools.js", "models", code)
    assert not book_assets.keep_asset("searchtools.js", "search", ""), "the book searches with Pagefind"
    assert not book_assets.keep_asset("mystnb.0123abcd.css", "models", code)
    assert book_assets.keep_asset("furo.js", "models", "")


def test_citation_tooltips_name_the_source_without_its_address() -> None:
    link = (
        '<a class="reference internal" href="#id9" title="Doe, J. A page. 2024. URL: https://example.org/a?b=1&amp;c=2 '
        '(visited on 2026-11-27).">Doe24</a>'
    )
    fixed = book_html.polish_html(link)
    assert 'title="Doe, J. A page. 2024."' in fixed and "example.org" not in fixed
    other = '<a href="https://example.org" title="URL: kept when it is not a citation">x</a>'
    assert book_html.polish_html(other) == other


def test_polish_html_fixes_landmarks_roles_ids_and_code() -> None:
    html = (
        '<aside class="sidebar-drawer"></aside><aside class="toc-drawer no-toc"></aside>'
        '<div role="list"><div class="citation" role="doc-biblioentry"></div></div>'
        '<div class="table-wrapper docutils container" id="tbl-x">\n<table class="docutils" id="tbl-x"></table></div>'
        "<pre>code</pre>"
        '<div class="math-wrapper docutils container"></div>'
        '<a href="#" class="back-to-top muted-link">\n          <span>Back to top</span>\n        </a>'
        '<script>document.body.dataset.theme = localStorage.getItem("theme") || "auto";</script>'
    )
    fixed = book_html.polish_html(html)
    assert 'aria-label="Chapters"' in fixed and 'aria-label="On this page"' in fixed
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed
    assert fixed.count('id="tbl-x"') == 1
    assert '<div tabindex="0" class="table-wrapper docutils container" id="tbl-x">' in fixed
    assert '<div tabindex="0" class="math-wrapper docutils container">' in fixed
    assert (
        '<nav aria-label="Back to top"><a href="#" class="back-to-top' in fixed and fixed.count("</a></nav>") == 1
    )
    assert '<pre tabindex="0">code</pre>' in fixed
    assert fixed.count('classList.remove("no-js")') == 1
    assert book_html.polish_html(fixed) == fixed, "idempotent"


def test_chapter_table_is_read_from_the_front_matter() -> None:
    chapters = book_exports.chapter_table((ROOT / "index.md").read_text(encoding="utf-8"))
    assert chapters[0][0] == "licences" and chapters[-1][0] == "glossary"


def test_an_edited_stylesheet_reaches_every_page_without_a_clean_build(tmp_path) -> None:
    conf = 'html_static_path = ["_static"]\nhtml_css_files = ["book.css"]'
    book = FixtureBook(tmp_path / "book", extensions=("book_static",), extra_conf=conf)
    book.files["_static/book.css"] = "p { color: red; }\n"

    def stylesheet_links() -> set[str]:
        pages = (book.path / "_build" / "dirhtml").rglob("index.html")
        return {m for p in pages for m in re.findall(r"book\.css\?v=\w+", p.read_text(encoding="utf-8"))}

    first = book.build(fresh=False)
    assert first.returncode == 0, first.output
    before = stylesheet_links()
    assert len(before) == 1

    unchanged = book.build(fresh=False)
    assert "no targets are out of date" in unchanged.output, "nothing changed, so nothing is written"

    book.files["_static/book.css"] = "p { color: blue; }\n"
    edited = book.build(fresh=False)
    assert edited.returncode == 0, edited.output
    assert "_static/book.css changed: writing every page again" in edited.output
    assert (edited.outdir / "_static" / "book.css").read_text(encoding="utf-8") == "p { color: blue; }\n"
    after = stylesheet_links()
    assert len(after) == 1 and after != before, "every page names the new version, so no browser keeps the old"


def test_only_blocks_beyond_a_screenful_wait_for_layout() -> None:
    words = "<p>" + "x" * 50 + "</p>"
    body = (
        f'<section id="a">{words}<section id="b">{words}</section>'
        f'<dl class="glossary"><dt>T</dt><dd><p>d</p></dd></dl>{words * 2}'
        f'<section class="x" id="c"><dl><dd>e</dd></dl></section></section>'
    )
    marked = book_lazy_layout.mark_lazy_layout(body, after=120)
    assert '<section id="a">' in marked and '<section id="b">' in marked and "<dd><p>d</p>" in marked
    assert '<section class="lazy-layout x" id="c">' in marked and '<dd class="lazy-layout">e</dd>' in marked
    assert marked.replace("lazy-layout ", "").replace(' class="lazy-layout"', "") == body, "nothing else changes"
