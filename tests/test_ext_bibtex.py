"""book_bibtex: the speed-ups leave sphinxcontrib-bibtex's output exactly as it was."""

from __future__ import annotations

from pathlib import Path

from conftest import GOOD_CHAPTER, FixtureBook

MORE_BIB = """
@online{roe2023other,
  title = {Another page},
  author = {Roe, Rick},
  year = {2023},
  url = {https://example.org/other},
  urldate = {2026-11-27},
}
@online{poe2025third,
  title = {A third page},
  author = {Poe, Ann},
  year = {2025},
  url = {https://example.org/third},
  urldate = {2026-11-27},
}
"""


def build(path: Path, speedups: bool) -> dict[str, str]:
    book = FixtureBook(path, extensions=("book_bibtex",), extra_conf=f"book_bibtex_speedups = {speedups}\n"
                       "suppress_warnings = ['bibtex.duplicate_citation', 'bibtex.duplicate_label']")
    book.files["references.bib"] += MORE_BIB
    book.files["chapter.md"] = GOOD_CHAPTER.replace("A claim {cite}`doe2024thing`", "Claims {cite}`doe2024thing,roe2023other`")
    book.files["second.md"] = GOOD_CHAPTER.replace("A claim {cite}`doe2024thing`", "More {cite}`roe2023other` and {cite:t}`poe2025third`")
    book.files["_toc.yml"] += "  - file: second\n"
    result = book.build()
    assert result.returncode == 0, result.output
    return {name: (result.outdir / name / "index.html").read_text(encoding="utf-8") for name in ("chapter", "second")}


def test_output_is_identical_with_and_without_speedups(tmp_path: Path) -> None:
    fast, plain = build(tmp_path / "fast", True), build(tmp_path / "plain", False)
    for name in fast:
        assert fast[name] == plain[name], name
    assert "Another page" in fast["chapter"] and "A third page" not in fast["chapter"], "local bibliographies"
    assert "A third page" in fast["second"]
