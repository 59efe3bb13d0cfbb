"""The formatting guide in the front matter works when followed: its examples are built in a fixture book."""

from __future__ import annotations

import re

from test_ext_data import data_book

from conftest import ROOT

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>\n'


def guide() -> str:
    text = (ROOT / "index.md").read_text(encoding="utf-8")
    start = text.index("## Formatting guide")
    return text[start : text.index("(contributors)=", start)]


def blocks(text: str, info: str) -> list[str]:
    """The fenced examples of one kind: ````md blocks (which contain fences) or ```bibtex / ```yaml blocks."""
    fence = "````" if info == "md" else "```"
    return re.findall(rf"^{fence}{info}\n(.*?)^{fence}\s*$", text, flags=re.S | re.M)


def test_the_guide_has_an_example_of_everything_it_asks_for() -> None:
    text = guide()
    md = blocks(text, "md")
    assert any("{admonition} TL;DR" in b and "{chapter-footer}" in b and "{bibliography}" in b for b in md)
    assert any("{data-table}" in b for b in md) and any("{data-figure}" in b for b in md)
    table = next(b for b in md if "{data-table}" in b)
    for option in (":columns:", ":where:", ":sort:", ":limit:", ":name:", ":sources-in-caption:"):
        assert option in table and f"`{option}`" in text, f"{option} is shown and explained"
    types = set(re.findall(r"^@(\w+)\{", "\n".join(blocks(text, "bibtex")), flags=re.M))
    assert {"online", "manual", "article", "inproceedings", "misc", "techreport", "book", "incollection"} <= types
    (row,) = blocks(text, "yaml")
    assert "as_of:" in row and "sources:" in row and "licence:" in row
    for tool in ("myst-parser", "sphinx-doc.org", "sphinxcontrib-bibtex", "sphinx-design"):
        assert tool in text, f"the guide links the docs of {tool}"
    assert "mystmd.org" not in text, "the book is built with MyST-Parser on Sphinx, not mystmd"


def test_every_example_in_the_guide_builds(tmp_path) -> None:
    text = guide()
    skeleton, *others = blocks(text, "md")
    description = re.search(r'description: "([^"]*)"', skeleton).group(1)
    assert 40 <= len(description) <= 170, "the example's description fits the rule the guide states"
    bibtex = "\n".join(blocks(text, "bibtex"))
    keys = re.findall(r"^@\w+\{([^,]+),", bibtex, flags=re.M)
    (row,) = blocks(text, "yaml")

    book = data_book(tmp_path / "book")
    book.files["references.bib"] += "\n" + bibtex
    book.files["_data/models.yaml"] += row
    book.files["_static/figures/my-diagram.svg"] = SVG
    extra = "\n".join(others) + f"\n\nThe entry types: {{cite}}`{','.join(keys)}`.\n\n"
    book.files["chapter.md"] = skeleton.replace("```{chapter-footer}", extra + "```{chapter-footer}", 1)
    result = book.build()
    assert result.returncode == 0, result.output[-3000:]

    html = (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    assert "Example-7B" in html, "the example row appears in the example table"
    assert 'id="tbl-my-models"' in html and 'id="fig-my-params"' in html and 'id="fig-my-diagram"' in html
    assert "Licence families at a glance" in html and 'id="my-label"' in html
    for title in ("A journal article", "A technical report", "A chapter in an edited book"):
        assert title in html, f"the bibliography lists '{title}'"
