"""The 2023 edition's addresses (_ext/book_redirects.py): moved pages and /references/."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from conftest import ROOT, Build, FixtureBook


def redirects_book(tmp_path: Path, moved: str) -> FixtureBook:
    return FixtureBook(
        tmp_path / "book",
        extensions=("book_redirects",),
        extra_conf=f"book_moved_pages = {moved}\nhtml_baseurl = 'https://example.org/book/'",
    )


def test_a_moved_page_sends_the_reader_on(tmp_path: Path) -> None:
    result = redirects_book(tmp_path, "{'old-chapter': 'chapter'}").build()
    assert result.returncode == 0, result.output[-3000:]
    page = (result.outdir / "old-chapter" / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../chapter/">' in page
    assert '<link rel="canonical" href="https://example.org/book/chapter/">' in page
    assert '<a href="../chapter/">A chapter</a>' in page, "a plain link for browsers that do not refresh"


def test_references_page_links_to_each_chapters_references(tmp_path: Path) -> None:
    result = redirects_book(tmp_path, "{}").build()
    assert result.returncode == 0, result.output[-3000:]
    page = (result.outdir / "references" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<li><a href="([^"]+)">', page) == ["../chapter/#references"], "only pages with references"


def test_a_move_to_a_missing_page_stops_the_build(tmp_path: Path) -> None:
    result = redirects_book(tmp_path, "{'old': 'no-such-page'}").build()
    assert result.returncode != 0
    message = "_config.yml: book_moved_pages sends 'old' to 'no-such-page', which is not a page of the book"
    assert message in result.output


def test_the_real_site_keeps_the_2023_addresses(book_site: Build) -> None:
    moved = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"][
        "book_moved_pages"
    ]
    assert moved == {"vector-stores": "vector-db"}
    assert 'url=../vector-db/"' in (book_site.outdir / "vector-stores" / "index.html").read_text(encoding="utf-8")
    references = (book_site.outdir / "references" / "index.html").read_text(encoding="utf-8")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [entry["file"] for entry in toc["chapters"]]
    linked = re.findall(r'<li><a href="\.\./([a-z-]+)/#references">', references)
    assert linked == chapters, "every chapter's references, in the book's order"
