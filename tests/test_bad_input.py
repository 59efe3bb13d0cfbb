"""The bad-input suite: each malformed input stops a strict build with a message naming the file and the
line (or key) to fix. Each case starts from a fixture book that builds cleanly (checked first)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from conftest import GOOD_BIB, GOOD_CHAPTER, FixtureBook


def test_fixture_book_builds_cleanly(fixture_book: FixtureBook) -> None:
    result = fixture_book.build()
    assert result.returncode == 0, result.output
    assert "WARNING" not in result.output


def _replace(name: str, old: str, new: str) -> Callable[[FixtureBook], None]:
    def change(book: FixtureBook) -> None:
        assert old in book.files[name], f"fixture text to replace not found: {old!r}"
        book.files[name] = book.files[name].replace(old, new, 1)

    return change


def _add(name: str, text: str) -> Callable[[FixtureBook], None]:
    def change(book: FixtureBook) -> None:
        book.files[name] = book.files.get(name, "") + text

    return change


BAD_INPUTS = {
    "unknown cite key": (
        _replace("chapter.md", "{cite}`doe2024thing`", "{cite}`doe2024thing` and {cite}`nobody2020none`"),
        [r"chapter\.md:6", r"nobody2020none"],
    ),
    "malformed cite key (a stray brace)": (
        _replace("chapter.md", "{cite}`doe2024thing`", "{cite}`doe2024thing}`"),
        [r"chapter\.md:6", r"malformed citation key 'doe2024thing\}'"],
    ),
    "TL;DR bullet with more than three citations": (
        _replace(
            "chapter.md",
            "- A claim {cite}`doe2024thing`.",
            "- A claim {cite}`doe2024thing,doe2024thing,doe2024thing,doe2024thing`.",
        ),
        [r"chapter\.md:6", r"a TL;DR bullet cites at most 3 sources \(this one cites 4\)"],
    ),
    "duplicate bib key": (
        _add("references.bib", "\n" + GOOD_BIB),
        [r"references\.bib:9", r"duplicate key 'doe2024thing' \(first defined on line 1\)"],
    ),
    "bib entry without url or doi": (
        _add(
            "references.bib",
            "\n@book{roe2019book,\n  title = {A book},\n  author = {Roe, Rick},\n  year = {2019},\n}\n",
        ),
        [r"references\.bib:9", r"'roe2019book' needs a 'url' or a 'doi'"],
    ),
    "bib web entry without urldate": (
        _replace("references.bib", "  urldate = {2026-11-27},\n", ""),
        [r"references\.bib:1", r"'doe2024thing' is a web page: add 'urldate'"],
    ),
    "bib url that is not https": (
        _replace("references.bib", "https://example.org/thing", "http://example.org/thing"),
        [r"references\.bib:1", r"not https: http://example\.org/thing"],
    ),
    "bib entry never cited": (
        _add(
            "references.bib",
            "\n@online{poe2025page,\n  title = {Page},\n  author = {Poe, Ann},\n  year = {2025},\n"
            "  url = {https://example.org/page},\n  urldate = {2026-11-27},\n}\n",
        ),
        [r"references\.bib:9", r"'poe2025page' is never cited"],
    ),
    "unknown glossary term": (
        _replace("chapter.md", "{term}`Token`", "{term}`Tokenizer`"),
        [r"chapter\.md:11", r"(?i)term not in glossary: .tokenizer."],
    ),
    "glossary alias indented into its definition": (
        _replace("glossary.md", "Token\n  A unit of text.\n", "Token\n  Subword\n  A unit of text.\n"),
        [r"glossary\.md:7", r"'Subword' is indented into the definition of 'Token'"],
    ),
    "chapter missing from _toc.yml": (
        _add("extra.md", GOOD_CHAPTER),
        [r"extra\.md", r"not listed in _toc\.yml"],
    ),
    "_toc.yml entry without a file": (
        _add("_toc.yml", "  - file: ghost\n"),
        [r"_toc\.yml", r"ghost"],
    ),
    "broken cross-reference": (
        _replace("chapter.md", "Some text", "See [](missing-chapter.md) and some text"),
        [r"chapter\.md:11", r"missing-chapter"],
    ),
    "missing TL;DR": (
        _replace("chapter.md", ":::{admonition} TL;DR", ":::{admonition} Summary"),
        [r"chapter\.md:3", r"TL;DR"],
    ),
    "missing chapter footer": (
        _replace("chapter.md", "```{chapter-footer}\n```\n", ""),
        [r"chapter\.md:\d+", r"chapter-footer"],
    ),
    "non-https link in prose": (
        _replace("chapter.md", "Some text", "See [the site](http://example.org/x) and some text"),
        [r"chapter\.md:11", r"use https, not http: http://example\.org/x"],
    ),
    "malformed YAML front matter": (
        _replace("chapter.md", "# A chapter", "---\ntitle: [unclosed\n---\n# A chapter"),
        [r"chapter\.md:\d+", r"(?i)front.?matter|yaml"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_with_a_located_message(fixture_book: FixtureBook, case: str) -> None:
    change, patterns = BAD_INPUTS[case]
    change(fixture_book)
    result = fixture_book.build()
    assert result.returncode != 0, f"{case}: the build should have failed\n{result.output}"
    warnings = "\n".join(line for line in result.output.splitlines() if "WARNING" in line or "ERROR" in line)
    for pattern in patterns:
        assert re.search(pattern, warnings), f"{case}: no message matching {pattern!r} in:\n{result.output}"
