"""book_data: validated data sets rendered as tables, figures and downloads; bad data stops the build."""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, Build, FixtureBook

sys.path.insert(0, str(ROOT / "_ext"))
import book_data  # noqa: E402
import book_search  # noqa: E402

LICENCES = """\
- id: Apache-2.0
  name: Apache License 2.0
  family: permissive
  applies_to: [code, weights]
  commercial_use: "yes"
  attribution: true
  use_restrictions: false
  user_cap: null
  output_restrictions: null
  osi_approved: true
  spdx: true
  sources: [doe2024thing]
  as_of: 2026-11-01
"""

MODELS = """\
- name: Alpha 7B
  family: Alpha
  maker: Lab A
  released: 2024-03-05
  params_total_b: 7
  params_active_b: 7
  architecture: dense
  context_tokens: 32768
  modalities: [text]
  outputs: [text]
  licence: Apache-2.0
  weights: open
  data: closed
  code: closed
  sources: [doe2024thing]
  as_of: 2026-11-01
- name: Beta 400B-A20B
  family: Beta
  maker: Lab B
  released: 2025-06
  params_total_b: 400
  params_active_b: 20
  architecture: moe
  context_tokens: 131072
  modalities: [text, image]
  outputs: [text]
  licence: Apache-2.0
  weights: open
  data: partial
  code: open
  sources: [doe2024thing]
  as_of: 2026-11-01
"""

TABLE_CHAPTER = """\
# A chapter

:::{admonition} TL;DR
:class: tldr

- A claim {cite}`doe2024thing`.
:::

## Background

Some text with a {term}`Token`. See {numref}`tbl-moe` and {numref}`fig-params`.

```{data-table} models
:columns: name, released, params_total_b, architecture, licence
:where: architecture=moe|dense, weights!=closed
:sort: -params_total_b
:name: tbl-moe

Models by size.
```

```{data-figure} params-vs-date
:name: fig-params

Parameters against release date.
```

```{chapter-footer}
```

## References

```{bibliography}
:filter: docname in docnames
```
"""


def data_book(path: Path) -> FixtureBook:
    book = FixtureBook(path, extensions=("book_data",))
    book.files["_data/licences.yaml"] = LICENCES
    book.files["_data/models.yaml"] = MODELS
    for name in ("licences", "models"):
        book.files[f"_data/schemas/{name}.schema.json"] = (
            ROOT / "_data" / "schemas" / f"{name}.schema.json"
        ).read_text()
    book.files["chapter.md"] = TABLE_CHAPTER
    return book


@pytest.fixture
def book(tmp_path: Path) -> FixtureBook:
    return data_book(tmp_path / "book")


def chapter_html(result: Build) -> str:
    return (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")


def test_table_renders_filtered_sorted_and_cited(book: FixtureBook) -> None:
    result = book.build()
    assert result.returncode == 0, result.output
    html = chapter_html(result)
    table = html.split('<table class="data-table', 1)[1].split("</table>", 1)[0]
    assert "Models by size." in table
    names = re.findall(r"<td[^>]*>(Alpha 7B|Beta 400B-A20B)</td>", table)
    assert names == ["Beta 400B-A20B", "Alpha 7B"], "sorted by size, largest first"
    assert "Parameters (B)" in table and "Sources" in table
    assert table.count('href="#id') >= 2 or table.count("#doe2024thing") >= 2 or "Doe" in table
    assert 'id="tbl-moe"' in html and "Table 1" in html
    assert re.search(r'href="\.\./data/models\.csv" download>CSV', html)
    assert "tables.js" in html


def test_table_can_cite_its_sources_once_in_the_caption(book: FixtureBook) -> None:
    book.files["chapter.md"] = book.files["chapter.md"].replace(
        ":name: tbl-moe\n", ":name: tbl-moe\n:sources-in-caption:\n"
    )
    result = book.build()
    assert result.returncode == 0, result.output
    table = chapter_html(result).split('<table class="data-table', 1)[1].split("</table>", 1)[0]
    caption, body = table.split("</caption>", 1)
    assert "Sources:" in caption and 'href="#id' in caption, "the rows' sources, cited once in the caption"
    assert "Sources</th>" not in body, "and no sources column (licence cells still cite their licence)"


def test_figure_is_inline_svg_with_alt_text_and_number(book: FixtureBook) -> None:
    result = book.build()
    html = chapter_html(result)
    figure = html.split('<figure class="data-figure', 1)[1].split("</figure>", 1)[0]
    assert '<svg role="img" aria-label="Scatter plot of total parameters' in figure
    assert "currentColor" in figure and "#1a1a1a" not in figure.lower()
    assert "Parameters against release date." in figure and "Fig. 1" in html


def test_table_words_are_searchable_one_by_one(book: FixtureBook) -> None:
    html = chapter_html(book.build())
    body = html.split('role="main">', 1)[1]
    searchable = book_search.searchable_article(f'<article role="main" id="x">{body}</article>')
    assert searchable is not None
    searchable = re.sub(r'<svg data-pagefind-ignore="all".*?</svg>', "", searchable, flags=re.S)
    words = set(book_search.plain(searchable).replace(",", " ").split())
    assert {"7B", "400B-A20B", "dense"} <= words, "cell texts reach the search index as separate words"
    assert not [w for w in words if w.startswith(("7B", "400B")) and w not in ("7B", "400B-A20B")], words


def test_figure_points_name_themselves_on_hover(book: FixtureBook) -> None:
    figure = chapter_html(book.build()).split('<figure class="data-figure', 1)[1].split("</figure>", 1)[0]
    assert "<title>Beta 400B-A20B: 400B</title>" in figure and "<title>Alpha 7B: 7B</title>" in figure
    assert ">mixture of experts</text>" in figure, "the key names each architecture"


def test_table_cells_are_escaped_and_typeset_like_prose(book: FixtureBook) -> None:
    book.files["_data/models.yaml"] = MODELS.replace("maker: Lab A", "maker: Lab 'A' & <Sons> -- \"quoted\"")
    book.files["chapter.md"] = TABLE_CHAPTER.replace(
        ":columns: name, released,", ":columns: name, maker, released,"
    )
    result = book.build()
    assert result.returncode == 0, result.output
    table = chapter_html(result).split('<table class="data-table', 1)[1].split("</table>", 1)[0]
    assert '<td data-label="Maker">Lab ‘A’ &amp; &lt;Sons&gt; – “quoted”</td>' in table
    assert '<th class="head" scope="col">Maker</th>' in table
    assert table.count('class="bibtex-citation"') == 4, "a licence citation and a source citation in each row"


def test_figures_are_deterministic(tmp_path: Path) -> None:
    svgs = []
    for n in range(2):
        result = data_book(tmp_path / f"book{n}").build()
        figure = chapter_html(result).split('<figure class="data-figure', 1)[1].split("</figure>", 1)[0]
        svgs.append(figure)
    assert svgs[0] == svgs[1]


def test_downloads_are_written(book: FixtureBook) -> None:
    result = book.build()
    out = result.outdir / "data"
    rows = list(csv.DictReader((out / "models.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["name"] for r in rows] == ["Alpha 7B", "Beta 400B-A20B"]
    assert rows[1]["modalities"] == "text; image" and rows[0]["released"] == "2024-03-05"
    payload = json.loads((out / "models.json").read_text(encoding="utf-8"))
    assert payload["licence"] == "CC-BY-4.0" and payload["as_of"] == "2026-11-01" and len(payload["rows"]) == 2
    assert json.loads((out / "models.schema.json").read_text())["title"] == "Models"


def test_layer_can_be_switched_off(book: FixtureBook) -> None:
    book.files["conf.py"] += "\nbook_data_enabled = False\nsuppress_warnings = ['ref.numref']\n"
    result = book.build()
    assert "data-table" not in chapter_html(result)


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


BAD_DATA = {
    "missing required field": (
        lambda m: _edit(m, "  maker: Lab A\n", ""),
        [r"_data/models\.yaml:1:", r"row 'Alpha 7B'", r"missing required field 'maker'"],
    ),
    "wrong type": (
        lambda m: _edit(m, "params_total_b: 7\n", "params_total_b: seven\n"),
        [r"_data/models\.yaml:5:", r"row 'Alpha 7B', field 'params_total_b'", r"'seven' is not of type"],
    ),
    "unknown source key": (
        lambda m: _edit(
            m,
            "sources: [doe2024thing]\n  as_of: 2026-11-01\n- name: Beta",
            "sources: [ghost2020]\n  as_of: 2026-11-01\n- name: Beta",
        ),
        [r"_data/models\.yaml:15:", r"row 'Alpha 7B', field 'sources'", r"unknown source key 'ghost2020'"],
    ),
    "malformed date": (
        lambda m: _edit(m, "released: 2024-03-05", "released: 2024-02-30"),
        [r"_data/models\.yaml:4:", r"row 'Alpha 7B', field 'released'", r"'2024-02-30' is not a date"],
    ),
    "date in the wrong format": (
        lambda m: _edit(m, "released: 2025-06", "released: June 2025"),
        [r"_data/models\.yaml:20:", r"row 'Beta 400B-A20B', field 'released'", r"'June 2025' is not a date"],
    ),
    "unknown licence id": (
        lambda m: _edit(
            m,
            "  licence: Apache-2.0\n  weights: open\n  data: partial",
            "  licence: apache2\n  weights: open\n  data: partial",
        ),
        [r"_data/models\.yaml:27:", r"row 'Beta 400B-A20B', field 'licence'", r"unknown licence id 'apache2'"],
    ),
    "value outside the enumeration": (
        lambda m: _edit(m, "architecture: moe", "architecture: sparse"),
        [r"_data/models\.yaml:23:", r"field 'architecture'", r"'sparse' is not one of"],
    ),
    "unexpected field": (
        lambda m: _edit(m, "  family: Alpha\n", "  family: Alpha\n  famliy: typo\n"),
        [r"_data/models\.yaml:1:", r"row 'Alpha 7B'", r"'famliy' was unexpected"],
    ),
    "duplicate row": (
        lambda m: _edit(m, "name: Beta 400B-A20B", "name: Alpha 7B"),
        [r"_data/models\.yaml:17:", r"row 'Alpha 7B'", r"duplicate name \(first at line 1\)"],
    ),
    "as_of in the future": (
        lambda m: _edit(m, "as_of: 2026-11-01\n- name: Beta", "as_of: 2999-01-01\n- name: Beta"),
        [r"_data/models\.yaml:16:", r"field 'as_of'", r"in the future"],
    ),
    "malformed YAML": (
        lambda m: _edit(m, "modalities: [text]\n", "modalities: [text\n"),
        [r"_data/models\.yaml:\d+:", r"not valid YAML"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_data_stops_the_build_with_file_row_line_and_field(book: FixtureBook, case: str) -> None:
    change, patterns = BAD_DATA[case]
    book.files["_data/models.yaml"] = change(MODELS)
    result = book.build()
    assert result.returncode != 0, f"{case}: build should fail\n{result.output}"
    warnings = "\n".join(line for line in result.output.splitlines() if "WARNING" in line or "ERROR" in line)
    for pattern in patterns:
        assert re.search(pattern, warnings), f"{case}: no {pattern!r} in\n{result.output}"


def test_kept_data_sets_follow_an_edited_data_file(tmp_path: Path) -> None:
    """With the speed-ups on, the data sets and their problems are kept between builds, keyed by what was read:
    an edited row shows in the next incremental build, and a row made invalid still stops it."""
    import book_data

    book = data_book(tmp_path / "book")
    book.files["conf.py"] = book.files["conf.py"].replace("'book_data'", "'book_speed', 'book_data'")
    first = book.build(fresh=False)
    assert first.returncode == 0, first.output
    assert (book.path / "_build" / "dirhtml" / ".doctrees" / book_data.DATA_CACHE).is_file()
    assert "Alpha 7B" in chapter_html(first)
    book.files["_data/models.yaml"] = MODELS.replace("name: Alpha 7B", "name: Alpha 8B")
    edited = book.build(fresh=False)
    assert edited.returncode == 0, edited.output
    assert "Alpha 8B" in chapter_html(edited) and "Alpha 7B" not in chapter_html(edited)
    book.files["_data/models.yaml"] = _edit(MODELS, "params_total_b: 7\n", "params_total_b: seven\n")
    broken = book.build(fresh=False)
    assert broken.returncode != 0 and "'seven' is not of type" in broken.output, broken.output


@pytest.mark.parametrize(
    "option, message",
    [
        (":columns: name, nonsense", "unknown column(s) ['nonsense']"),
        (":where: colour=red", "unknown :where: field(s) ['colour']"),
        (":where: architecture=hybrid", "no rows of 'models' match"),
    ],
)
def test_bad_table_options_are_reported(book: FixtureBook, option: str, message: str) -> None:
    chapter = TABLE_CHAPTER.replace(
        ":where: architecture=moe|dense, weights!=closed",
        option.replace(":columns: name, nonsense", ":where: weights=open"),
    )
    if option.startswith(":columns:"):
        chapter = chapter.replace(":columns: name, released, params_total_b, architecture, licence", option)
    book.files["chapter.md"] = chapter
    result = book.build()
    assert result.returncode != 0
    assert re.search(r"chapter\.md:\d+", result.output) and message in result.output, result.output


# --- The real data -------------------------------------------------------------------------------------------

FLOORS = {
    "models": 80,
    "engines": 20,
    "vector-dbs": 20,
    "desktop-apps": 15,
    "hardware": 15,
    "benchmarks": 30,
    "licences": 15,
    "formats": 20,
    "finetune-tools": 20,
    "finetune-memory": 9,
    "gguf-quality": 30,
    "quant-error": 10,
    "batching-sim": 15,
    "kv-cache": 6,
    "ann-benchmark": 15,
    "frameworks": 20,
    "framework-deps": 15,
    "memory-fit": 15,
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_real_data_sets_are_valid_and_big_enough(name: str) -> None:
    import datetime as dt

    datasets, problems = book_data.load_all(ROOT, ["references.bib"], dt.date.today())
    assert [p.message for p in problems if p.path.stem == name] == []
    assert len(datasets[name].rows) >= FLOORS[name]


def test_every_data_set_has_a_schema_and_is_shown_in_a_chapter() -> None:
    used = set()
    for chapter in ROOT.glob("*.md"):
        used.update(re.findall(r"```\{data-table\} ([\w-]+)", chapter.read_text(encoding="utf-8")))
    for path in (ROOT / "_data").glob("*.yaml"):
        assert (ROOT / "_data" / "schemas" / f"{path.stem}.schema.json").exists()
        assert path.stem in used, f"{path.name} is not shown in any chapter"


def test_built_site_publishes_every_data_set(book_site: Build) -> None:
    for path in (ROOT / "_data").glob("*.yaml"):
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
        for ext in ("csv", "json", "schema.json"):
            assert (book_site.outdir / "data" / f"{path.stem}.{ext}").exists()
        assert len(json.loads((book_site.outdir / "data" / f"{path.stem}.json").read_text())["rows"]) == len(rows)
    index = (book_site.outdir / "index.html").read_text(encoding="utf-8")
    assert index.count("download>CSV</a>") == len(list((ROOT / "_data").glob("*.yaml")))


@pytest.mark.parametrize(
    "kind, page",
    [
        ("params-vs-date", "models"),
        ("releases-by-licence", "models"),
        ("bandwidth-vs-memory", "hardware"),
        ("finetune-memory", "fine-tuning"),
        ("gguf-quality", "model-formats"),
        ("quant-error", "model-formats"),
        ("batching-sim", "mlops-engines"),
        ("ann-benchmark", "vector-db"),
        ("memory-fit", "desktop-apps"),
    ],
)
def test_real_figures_render(book_site: Build, kind: str, page: str) -> None:
    html = (book_site.outdir / page / "index.html").read_text(encoding="utf-8")
    assert f'id="fig-{kind}"' in html
    figure = html.split(f'id="fig-{kind}"', 1)[1].split("</figure>", 1)[0]
    assert '<svg role="img" aria-label="' in figure
