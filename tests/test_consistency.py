"""Checks over the real book's sources: table of contents, front matter, citations, glossary, anatomy."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import book_checks  # noqa: E402

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
TOC_FILES = [TOC["root"]] + [entry["file"] for entry in TOC["chapters"]]
CHAPTERS = [name for name in TOC_FILES if name not in ("index", "glossary")]
BIB_TEXT = (ROOT / "references.bib").read_text(encoding="utf-8")
BIB = book_checks.bib_entries(BIB_TEXT)
CITE_RE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
TERM_RE = re.compile(r"\{term\}`(?:[^`<]*<)?([^`>]+)>?`")


def source(name: str) -> str:
    return (ROOT / f"{name}.md").read_text(encoding="utf-8")


def test_every_toc_entry_has_a_file() -> None:
    missing = [name for name in TOC_FILES if not (ROOT / f"{name}.md").exists()]
    assert not missing


def test_every_root_markdown_file_is_in_the_toc() -> None:
    exempt = {"README", "CONTRIBUTING", "LICENCE"}
    stray = [p.name for p in ROOT.glob("*.md") if p.stem not in TOC_FILES and p.stem not in exempt]
    assert not stray, f"add these to _toc.yml: {stray}"


def test_designed_layout_exists() -> None:
    designed = (
        "_config.yml _toc.yml references.bib requirements.txt index.md licences.md eval-datasets.md "
        "models.md unaligned-models.md fine-tuning.md model-formats.md mlops-engines.md vector-db.md sdk.md "
        "desktop-apps.md hardware.md glossary.md .devcontainer .github README.md CONTRIBUTING.md LICENCE.md "
        "CITATION.cff Makefile .ci/run _ext tests".split()
    )
    assert [name for name in designed if not (ROOT / name).exists()] == []


def test_index_chapter_table_matches_toc() -> None:
    index = source("index")
    table = index.split("(chapter-table)=", 1)[1]
    linked = re.findall(r"\[[^\]]*\]\(([a-z0-9-]+)\.md\)", table.split("\n\n", 2)[1])
    assert linked == TOC_FILES[1:], "the chapter table in index.md must list the _toc.yml chapters in order"


OUTLINE_WORDS = 1500  # a chapter shorter than this (code blocks and generated tables aside) is an outline


def test_chapter_table_says_which_chapters_are_still_being_written() -> None:
    rows = re.findall(r"^\|\s*\[\]\(([a-z0-9-]+)\.md\)\s*\|\s*(.+?)\s*\|\s*$", source("index"), flags=re.M)
    assert rows, "the chapter table has rows"
    wrong = []
    for name, what in rows:
        words = len(re.sub(r"```(?!\{glossary\}).*?```", "", source(name), flags=re.S).split())
        if what.startswith("*Being written") != (words < OUTLINE_WORDS):
            wrong.append(f"{name}.md ({words} words)")
    assert wrong == [], f"mark outlines (under {OUTLINE_WORDS} words) as being written, and only them: {wrong}"
    written = sum(1 for _, what in rows if not what.startswith("*Being written"))
    number = "one two three four five six seven eight nine ten eleven".split()[written - 2]  # less the glossary
    assert f"{number} chapters and the glossary are written in full" in source("index"), (
        "the count under the table"
    )


# Examples shown as code (the formatting guide's ````md blocks, bibtex and yaml samples) are not citations; fenced
# directives such as ```{data-table} are, since their captions are rendered.
EXAMPLE_RE = re.compile(
    r"^(`{4,})[a-z]*\n.*?^\1\s*$|^```(?:md|bibtex|yaml|bash|python|json|text)\n.*?^```\s*$", flags=re.S | re.M
)


def test_every_citation_has_an_entry_and_every_entry_is_cited() -> None:
    cited = set()
    for name in TOC_FILES:
        for group in CITE_RE.findall(EXAMPLE_RE.sub("", source(name))):
            cited.update(key.strip() for key in group.split(","))
    for data in (ROOT / "_data").glob("*.yaml"):  # data rows are cited through the tables made from them
        for row in yaml.safe_load(data.read_text(encoding="utf-8")):
            cited.update(row.get("sources") or [])
    keys = {entry["key"] for entry in BIB}
    assert sorted(cited - keys) == [], "cited but not in references.bib"
    assert sorted(keys - cited) == [], "in references.bib but never cited"


def test_bibliography_entries_are_complete_and_unique() -> None:
    assert BIB, "references.bib has entries"
    assert book_checks.check_bib_entries(BIB) == []


def test_links_are_https() -> None:
    problems = {name: book_checks.check_links(source(name)) for name in TOC_FILES}
    assert {name: p for name, p in problems.items() if p} == {}


def glossary_terms() -> list[str]:
    text = source("glossary")
    block = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    entries, previous_blank = [], True
    for line in block.splitlines():
        if line and not line.startswith((" ", ":")) and previous_blank:
            entries.append(line.strip())
        previous_blank = not line.strip()
    return entries


def test_glossary_entries_are_unique_and_sorted() -> None:
    terms = glossary_terms()
    assert len(terms) >= 65
    lowered = [term.lower() for term in terms]
    assert len(set(lowered)) == len(lowered), "duplicate glossary entries"
    assert lowered == sorted(lowered), "keep glossary.md in alphabetical order"


FIRST_EDITION_TERMS = (
    "Alignment, Auto-regressive language model, BEC, Benchmark, Copyleft, Embedding, Evaluation, Fair dealing, "
    "Fair use, Fine-tuning, Foundation model, GPU, Hallucination, IP, Leaderboard, LLM, MLOps, MoE, Open, "
    "Permissive, Perplexity, Public domain, RAG, RLHF, ROME, SIMD, SotA, Supervised fine-tuning, Quantisation, "
    "Token, Transfer learning, Transformer, Vector database, Vector embedding, Vector store"
).split(", ")


def test_glossary_keeps_every_first_edition_term() -> None:
    text = source("glossary")
    missing = [t for t in FIRST_EDITION_TERMS if not re.search(rf"^{re.escape(t)}$", text, flags=re.M)]
    assert missing == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_anatomy(name: str) -> None:
    assert book_checks.check_chapter_source(ROOT / f"{name}.md", source(name)) == []


@pytest.mark.parametrize("name", ["index", "glossary"])
def test_front_and_back_matter_have_the_footer(name: str) -> None:
    assert "```{chapter-footer}" in source(name)


def test_citation_cff_is_valid() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "type", "license", "repository-code", "url"):
        assert cff.get(key), f"CITATION.cff lacks {key}"
    assert cff["type"] in ("software", "dataset")
    for author in cff["authors"]:
        assert set(author) & {"name", "family-names"}, author
    if "preferred-citation" in cff:
        assert cff["preferred-citation"]["type"] in ("book", "generic")
        assert cff["preferred-citation"]["title"] == cff["title"]


def test_glossary_entries_stay_short() -> None:
    """Glossary definitions are about 70 words at most (citations aside); longer ones belong in a chapter."""
    text = source("glossary")
    block = text[text.index("```{glossary}") :]
    block = block[: block.index("\n```\n")]
    long = []
    for terms, body in re.findall(r"\n((?:[^ \n:].*\n)+)((?:  .*\n?)+)", block):
        words = len(re.sub(r"\{cite\}`[^`]*`", "", body).split())
        if words > 76:
            long.append(f"{terms.splitlines()[0]} ({words} words)")
    assert len(re.findall(r"\n\n[^ \n:]", block)) > 150, "the pattern finds the entries"
    assert long == [], f"shorten these glossary entries: {long}"


MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


def list_table_rows(chapter: str, name: str) -> list[list[str]]:
    """The rows (header first) of the MyST list-table labelled ``name`` in ``chapter``, each as its cell texts."""
    text = (ROOT / chapter).read_text(encoding="utf-8")
    block = re.search(
        r"```\{list-table\}[^\n]*\n(?:[^\n]*\n)*?:name: " + re.escape(name) + r"\n(.*?)```", text, re.S
    )
    assert block, f"{chapter}: no list-table named {name}"
    rows: list[list[str]] = []
    for line in block.group(1).splitlines():
        if line.startswith("* - "):
            rows.append([line[4:]])
        elif line.startswith("  - ") and rows:
            rows[-1].append(line[4:])
    return rows


@pytest.mark.parametrize(
    ("chapter", "name", "column"),
    [("unaligned-models.md", "tbl-unaligned-incidents", 1)],
)
def test_tables_said_to_be_in_date_order_are(chapter: str, name: str, column: int) -> None:
    """A table whose text says it is in date order lists its rows by the month each starts in (rows dated by year
    alone fit anywhere in that year)."""
    previous, previous_row = (0, 0), ""
    for row in list_table_rows(chapter, name)[1:]:
        date = row[column]
        found = re.match(r"(?:([A-Z][a-z]{2})[a-z]*(?:[–-][A-Z][a-z]+)?\s+)?(\d{4})", date)
        assert found, f"{chapter}, {name}: row '{row[0]}' has no date in '{date}'"
        year, month = int(found.group(2)), MONTHS.get(found.group(1) or "", 0)
        if month == 0:
            assert year >= previous[0], f"{chapter}, {name}: '{row[0]}' ({date}) comes after '{previous_row}'"
            continue
        assert (year, month) >= previous, f"{chapter}, {name}: '{row[0]}' ({date}) comes after '{previous_row}'"
        previous, previous_row = (year, month), f"{row[0]} ({date})"
