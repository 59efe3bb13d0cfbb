"""book_citations: author-year labels a reader can read aloud, checked on entries and on a fixture book."""

from __future__ import annotations

import re
import sys

import pytest
from pybtex.database import parse_string

from conftest import ROOT, FixtureBook

sys.path.insert(0, str(ROOT / "_ext"))
import book_citations as citations  # noqa: E402

BIB = r"""
@misc{one2023solo, title = {A}, author = {Dettmers, Tim}, year = {2023}, url = {https://example.org/a}}
@misc{two2023pair, title = {B}, author = {Hu, Edward and Shen, Yelong}, year = {2023}, url = {https://example.org/b}}
@misc{many2023crowd, title = {C}, author = {Ouyang, Long and Wu, Jeff and Jiang, Xu}, year = {2023},
       url = {https://example.org/c}}
@misc{others2024etal, title = {D}, author = {Gekhman, Zorik and others}, year = {2024}, url = {https://example.org/d}}
@misc{org2024meta, title = {E}, author = {{Meta AI}}, year = {2024}, url = {https://example.org/e}}
@misc{org2024metab, title = {F}, author = {{Meta AI}}, year = {2024}, url = {https://example.org/f}}
@misc{court2025long, title = {G}, author = {{High Court of Justice of England and Wales, Chancery Division}},
       shortauthor = {High Court of England and Wales}, year = {2025}, url = {https://example.org/g}}
@misc{von2023particle, title = {H}, author = {de Rosa, Gustavo}, year = {2023}, url = {https://example.org/h}}
@misc{accent2026name, title = {I}, author = {Kurti{\'c}, Eldar}, year = {2026}, url = {https://example.org/i}}
"""


@pytest.fixture(scope="module")
def labels() -> dict[str, str]:
    entries = list(parse_string(BIB, "bibtex").entries.values())
    return dict(zip((e.key for e in entries), citations.AuthorYearLabelStyle().format_labels(entries)))


def test_labels_name_authors_and_year_as_a_reader_would_say_them(labels: dict[str, str]) -> None:
    assert labels["one2023solo"] == "Dettmers 2023"
    assert labels["two2023pair"] == "Hu and Shen 2023"
    assert labels["many2023crowd"] == "Ouyang et al. 2023"
    assert labels["others2024etal"] == "Gekhman et al. 2024", "'and others' reads as et al."
    assert labels["von2023particle"] == "de Rosa 2023", "name particles stay with the surname"
    assert labels["accent2026name"] == "Kurtić 2026", "LaTeX accents are decoded"


def test_organisations_keep_their_name_or_their_short_name(labels: dict[str, str]) -> None:
    assert labels["org2024meta"] == "Meta AI 2024a" and labels["org2024metab"] == "Meta AI 2024b", (
        "same author and year are told apart by a letter"
    )
    assert labels["court2025long"] == "High Court of England and Wales 2025", "shortauthor wins"


def test_every_label_is_in_house_style(labels: dict[str, str]) -> None:
    assert all(citations.LABEL_RE.match(label) for label in labels.values()), labels
    for garbled in ("DPHZ23", "G+24", "HighCoJoEaWalesCDivision25", "[Dettmers 2023]", "Dettmers"):
        assert not citations.LABEL_RE.match(garbled), garbled


def test_an_entry_without_any_author_is_refused_by_key() -> None:
    entry = parse_string("@misc{anon2020none, title = {X}, author = {others}, year = {2020}}", "bibtex").entries
    with pytest.raises(Exception, match="anon2020none"):
        citations.names(entry["anon2020none"])


def test_fixture_book_cites_in_author_year(tmp_path) -> None:
    book = FixtureBook(
        tmp_path / "book", extensions=("book_citations",), extra_conf="bibtex_default_style = 'book'"
    )
    result = book.build()
    assert result.returncode == 0, result.output
    html = (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    cited = re.findall(r'<a class="reference internal" href="#id\d+" title="[^"]+">([^<]+)</a>', html)
    assert cited and all(citations.LABEL_RE.match(label) for label in cited), cited
    assert "citations.js" in html, "the tooltip script comes with the citations"
    assert "citations.js" not in (result.outdir / "glossary" / "index.html").read_text(encoding="utf-8")
