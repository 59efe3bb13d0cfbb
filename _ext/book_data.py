"""The landscape as data: validated YAML in ``_data/`` rendered as tables, figures and downloads.

* Every ``_data/NAME.yaml`` is validated against ``_data/schemas/NAME.schema.json`` (JSON Schema 2020-12)
  when the build starts, and further checked for real calendar dates, ``sources`` keys that exist in the
  bibliography, licence ids that exist in ``licences.yaml`` and unique names. A problem is reported with the
  file, the line, the row's name and the field, and stops a strict build.
* ``{data-table} NAME`` renders chosen columns, filtered and sorted, as a captioned table whose licence and
  source cells are citations (so they link to the chapter's bibliography), with download links under it.
* ``{data-figure} KIND`` renders a figure from the data at build time as inline SVG (``book_charts``), with
  deterministic output, generated alt text and colours that follow the page's light or dark mode.
* ``{data-downloads}`` lists every data set with its CSV, JSON and schema, which the build writes to
  ``data/`` in the output.

``book_data_enabled = False`` turns the layer off (directives render nothing); the benchmark uses it to
measure what the layer costs.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import Any

import book_charts as charts
import yaml
from book_checks import bib_keys, warn_at
from book_html import add_page_script, html_writer
from docutils import nodes
from docutils.parsers.rst import directives, roles
from docutils.utils import smartquotes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

logger = logging.getLogger(__name__)

DATA_LICENCE = "CC-BY-4.0"
LICENCE_FIELDS = ("licence",)
DATE_SCHEMA_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"  # the schemas' date pattern; DATE_RE also checks the calendar
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class _StringDateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it
    """A safe loader that keeps dates as the strings the writer typed (``2024-07``, ``2024-07-23``)."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Row:
    values: dict[str, Any]
    line: int
    field_lines: dict[str, int]

    @property
    def name(self) -> str:
        return str(self.values.get("name") or self.values.get("id") or f"row at line {self.line}")


@dataclass
class Dataset:
    name: str
    path: Path
    schema: dict[str, Any]
    rows: list[Row] = field(default_factory=list)

    @property
    def properties(self) -> dict[str, Any]:
        return self.schema["items"]["properties"]

    def title(self, column: str) -> str:
        return str(self.properties.get(column, {}).get("title", column))

    @property
    def as_of(self) -> str:
        return max((str(row.values.get("as_of", "")) for row in self.rows), default="")


@dataclass
class Problem:
    path: Path
    line: int
    message: str


# --- Loading and validation -------------------------------------------------------------------------------


def load_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """Rows of a YAML list with the line of each row and of each field (1-based)."""
    text = path.read_text(encoding="utf-8")
    loader = _StringDateLoader(text)
    try:  # one pass: the node tree gives line numbers, and the values are built from the same tree
        document = loader.get_single_node()
        values = loader.construct_document(document) if document is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        return [], [Problem(path, line, f"not valid YAML: {error.problem or error}")]
    finally:
        loader.dispose()
    if not isinstance(document, yaml.SequenceNode) or not isinstance(values, list):
        return [], [Problem(path, 1, "a data file is a YAML list of rows ('- name: ...')")]
    rows = []
    for node, value in zip(document.value, values):
        field_lines = {}
        if isinstance(node, yaml.MappingNode):
            field_lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}
        rows.append(Row(value if isinstance(value, dict) else {"": value}, node.start_mark.line + 1, field_lines))
    return rows, []


def valid_date(text: Any) -> bool:
    match = DATE_RE.match(str(text)) if isinstance(text, str) else None
    if not match:
        return False
    year, month, day = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= int(day) <= calendar.monthrange(year, month)[1]


def date_fields(schema: dict[str, Any]) -> list[str]:
    def is_date(spec: dict[str, Any]) -> bool:
        return spec.get("pattern") == DATE_SCHEMA_PATTERN or any(is_date(s) for s in spec.get("anyOf", []))

    return [name for name, spec in schema["items"]["properties"].items() if is_date(spec)]


def validate(dataset: Dataset, bib_keys: set[str], licence_ids: set[str], today: dt.date) -> list[Problem]:
    """Every problem with a data set, each located at the row (or field) it concerns."""
    from jsonschema import Draft202012Validator

    problems: list[Problem] = []

    def at(row: Row, column: str | None, message: str) -> None:
        line = row.field_lines.get(column, row.line) if column else row.line
        where = f"row '{row.name}'" + (f", field '{column}'" if column else "")
        problems.append(Problem(dataset.path, line, f"{where}: {message}"))

    dates = date_fields(dataset.schema)
    validator = Draft202012Validator(dataset.schema)
    instance = [row.values for row in dataset.rows]
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        if not path:
            problems.append(Problem(dataset.path, 1, error.message))
            continue
        row = dataset.rows[int(path[0])]
        column = str(path[1]) if len(path) > 1 else None
        if column in dates and isinstance(row.values.get(column), str):
            continue  # reported below with a clearer message than the schema's pattern error
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            message = f"missing required field '{missing[0]}'" if missing else error.message
            at(row, None, message)
        elif error.validator == "additionalProperties":
            at(row, None, f"{error.message} (fields allowed: {', '.join(dataset.properties)})")
        else:
            at(row, column, error.message)

    seen: dict[str, int] = {}
    for row in dataset.rows:
        key = row.name.lower()
        if key in seen:
            at(row, None, f"duplicate name (first at line {seen[key]})")
        seen.setdefault(key, row.line)
        for column in dates:
            value = row.values.get(column)
            if value is not None and not valid_date(value):
                at(row, column, f"'{value}' is not a date (YYYY-MM-DD, or YYYY-MM / YYYY)")
        as_of = row.values.get("as_of")
        if valid_date(as_of) and str(as_of) > today.isoformat():
            at(row, "as_of", f"'{as_of}' is in the future")
        for key in row.values.get("sources") or []:
            if isinstance(key, str) and key not in bib_keys:
                at(row, "sources", f"unknown source key '{key}': add it to references.bib")
        for column in LICENCE_FIELDS:
            value = row.values.get(column)
            if column in dataset.properties and value is not None and value not in licence_ids:
                at(row, column, f"unknown licence id '{value}': use an id from _data/licences.yaml")
    return problems


def load_all(srcdir: Path, bibfiles: list[str], today: dt.date) -> tuple[dict[str, Dataset], list[Problem]]:
    data_dir = srcdir / "_data"
    problems: list[Problem] = []
    datasets: dict[str, Dataset] = {}
    for path in sorted(data_dir.glob("*.yaml")):
        schema_path = data_dir / "schemas" / f"{path.stem}.schema.json"
        if not schema_path.exists():
            problems.append(Problem(path, 1, f"no schema: add _data/schemas/{schema_path.name}"))
            continue
        rows, load_problems = load_rows(path)
        problems += load_problems
        datasets[path.stem] = Dataset(path.stem, path, json.loads(schema_path.read_text(encoding="utf-8")), rows)
    keys = {key for name in bibfiles for key in bib_keys((srcdir / name).read_text(encoding="utf-8"))}
    licence_ids = (
        {str(row.values.get("id")) for row in datasets["licences"].rows} if "licences" in datasets else set()
    )
    for dataset in datasets.values():
        problems += validate(dataset, keys, licence_ids, today)
    return datasets, problems


# The data sets and their problems, kept beside Sphinx's environment: the live preview loads and validates every
# data file again at each rebuild (about 0.4 s; JSON Schema compiles its patterns afresh in each forked build),
# although a chapter edit changes none of them. Keyed by everything load_all reads (the data files, the schemas,
# the bibliography, the date), and the code that reads them, so that any edit loads and validates again.
DATA_CACHE = "book_data_sets.pickle"


def inputs_digest(srcdir: Path, bibfiles: list[str], today: dt.date) -> str:
    """A digest of what ``load_all`` reads and of the code it runs."""
    import hashlib
    import importlib.metadata
    import sys

    digest = hashlib.sha256()
    for part in (str(srcdir), today.isoformat(), importlib.metadata.version("jsonschema"), yaml.__version__):
        digest.update(part.encode() + b"\0")
    data_dir = srcdir / "_data"
    code = [Path(__file__), Path(sys.modules[bib_keys.__module__].__file__ or "")]
    inputs = [*sorted(data_dir.glob("*.yaml")), *sorted((data_dir / "schemas").glob("*.json"))]
    for path in [*code, *inputs, *(srcdir / name for name in bibfiles)]:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_all_cached(app: Sphinx, srcdir: Path, today: dt.date) -> tuple[dict[str, Dataset], list[Problem]]:
    """``load_all``, or what it gave for the same inputs in an earlier build (with the speed-ups on)."""
    from book_speed import read_cache, write_cache

    bibfiles = app.config.bibtex_bibfiles
    if not getattr(app.config, "book_speedups", False):
        return load_all(srcdir, bibfiles, today)
    path = Path(app.doctreedir) / DATA_CACHE
    key = inputs_digest(srcdir, bibfiles, today)
    result = read_cache(path, key)
    if result is None:
        result = load_all(srcdir, bibfiles, today)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_cache(path, key, result)
    return result  # type: ignore[no-any-return]


def on_builder_inited(app: Sphinx) -> None:
    app.book_datasets = {}  # type: ignore[attr-defined]
    if not app.config.book_data_enabled:
        return
    srcdir = Path(app.srcdir)
    datasets, problems = load_all_cached(app, srcdir, dt.date.today())
    for problem in problems:
        warn_at(problem.message, problem.path.relative_to(srcdir), problem.line, "data")
    app.book_datasets = datasets  # type: ignore[attr-defined]


# --- Shared helpers for directives -----------------------------------------------------------------------


def parse_where(text: str) -> list[tuple[str, str, list[str]]]:
    """``field=a|b, other!=c`` -> [(field, op, values)]."""
    conditions = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"([a-z_]+)\s*(!=|=)\s*(.+)", part)
        if not match:
            raise ValueError(f"bad :where: condition '{part}' (use field=value, field!=value or field=a|b)")
        conditions.append((match.group(1), match.group(2), [v.strip() for v in match.group(3).split("|")]))
    return conditions


def matches(row: dict[str, Any], conditions: list[tuple[str, str, list[str]]]) -> bool:
    for column, op, wanted in conditions:
        value = row.get(column)
        values = (
            [str(v) for v in value]
            if isinstance(value, list)
            else [str(value).lower() if isinstance(value, bool) else str(value)]
        )
        hit = any(v in wanted for v in values)
        if (op == "=") != hit:
            return False
    return True


def sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (0, str(value).lower())


def format_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value) if value else "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 10000:
        return f"{value:,}"
    return str(value)


def download_anchors(app: Sphinx, docname: str, dataset: str) -> str:
    """CSV, JSON and schema links for one data set, relative to the page they appear on."""
    here = app.builder.get_target_uri(docname)
    return " · ".join(
        f'<a href="{relative_uri(here, f"data/{dataset}.{ext}")}" download>{label}</a>'
        for ext, label in (("csv", "CSV"), ("json", "JSON"), ("schema.json", "schema"))
    )


def download_links(app: Sphinx, docname: str, dataset: str) -> nodes.raw:
    html = f'<p class="data-download">Download this data ({DATA_LICENCE}): {download_anchors(app, docname, dataset)}</p>'
    return nodes.raw("", html, format="html")


class _DataDirective(SphinxDirective):
    def dataset(self, name: str) -> Dataset | None:
        datasets = getattr(self.env.app, "book_datasets", {})
        if name not in datasets:
            if self.env.app.config.book_data_enabled:
                known = ", ".join(sorted(datasets)) or "none"
                raise self.error(f"unknown data set '{name}' (known: {known})")
            return None
        self.env.note_dependency(str(datasets[name].path))
        self.env.note_dependency(str(datasets[name].path.parent / "schemas" / f"{name}.schema.json"))
        return datasets[name]


# --- Tables -----------------------------------------------------------------------------------------------


STACK_FROM_COLUMNS = 5  # data tables this wide (sources column included) become one card per row on a phone


class data_table(nodes.table):
    """A table rendered from a data set: its title, then its header and rows as raw HTML with the citation
    nodes in between. Registered as an enumerable ``table``, so it is numbered and ``{numref}`` finds it."""


def visit_data_table(translator: Any, node: data_table) -> None:
    translator.visit_table(node)


def depart_data_table(translator: Any, node: data_table) -> None:
    translator.depart_table(node)


class FreezeDataTableRows(SphinxPostTransform):
    """Once the citations in a data table are resolved, write its rows (HTML with citation nodes between)
    as one raw HTML node, with the HTML writer's own translator: the transforms, search indexer and writer
    that come later then pass over one node instead of a few thousand."""

    default_priority = 11  # just after Sphinx's ReferencesResolver (10) has resolved the citations
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        tables = list(self.document.findall(data_table))
        if not tables:
            return
        write = html_writer(self.app, self.document)
        for table in tables:
            parts = []
            for child in list(table.children):
                if isinstance(child, nodes.title):
                    continue
                if isinstance(child, nodes.raw):
                    parts.append(child.astext())
                else:
                    parts.append(write(child))
                table.remove(child)
            table.append(nodes.raw("", "".join(parts), format="html"))


class DataTable(_DataDirective):
    """``{data-table} NAME`` with ``:columns:``, ``:where:``, ``:sort:``, ``:limit:``, ``:name:`` and
    ``:sources-in-caption:``; content = caption. Each row's sources are cited in a last column, or, with
    ``:sources-in-caption:`` (for rows that all rest on the same few sources), once at the end of the caption."""

    required_arguments = 1
    has_content = True
    option_spec = {
        "columns": directives.unchanged_required,
        "where": directives.unchanged,
        "sort": directives.unchanged,
        "limit": directives.positive_int,
        "name": directives.unchanged,
        "sources-in-caption": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        dataset = self.dataset(self.arguments[0])
        if dataset is None:
            return []
        columns = [c.strip() for c in self.options.get("columns", "").split(",") if c.strip()]
        unknown = [c for c in columns if c not in dataset.properties]
        if not columns or unknown:
            raise self.error(
                f"unknown column(s) {unknown} for '{dataset.name}' (columns: {', '.join(dataset.properties)})"
            )
        in_caption = "sources-in-caption" in self.options
        if in_caption:
            columns = [c for c in columns if c != "sources"]
        elif "sources" not in columns:
            columns.append("sources")
        try:
            conditions = parse_where(self.options.get("where", ""))
        except ValueError as error:
            raise self.error(str(error)) from None
        bad = [c for c, _, _ in conditions if c not in dataset.properties]
        if bad:
            raise self.error(f"unknown :where: field(s) {bad} for '{dataset.name}'")
        rows = [row.values for row in dataset.rows if matches(row.values, conditions)]
        sort = self.options.get("sort", "").strip()
        if sort:
            column = sort.lstrip("-")
            if column not in dataset.properties:
                raise self.error(f"unknown :sort: field '{column}' for '{dataset.name}'")
            present = [r for r in rows if r.get(column) is not None]
            absent = [r for r in rows if r.get(column) is None]
            rows = sorted(present, key=lambda r: sort_key(r.get(column)), reverse=sort.startswith("-")) + absent
        if "limit" in self.options:
            rows = rows[: self.options["limit"]]
        if not rows:
            raise self.error(f"no rows of '{dataset.name}' match :where: {self.options.get('where')}")
        licences = getattr(self.env.app, "book_datasets", {}).get("licences")
        licence_sources = {
            str(r.values["id"]): r.values.get("sources") or [] for r in (licences.rows if licences else [])
        }
        cite, messages = roles.role("cite", self.state_machine.language, self.lineno, self.state.reporter)
        if cite is None:
            raise self.error("the {cite} role is missing: is sphinxcontrib.bibtex enabled?")

        def citation(keys: list[str]) -> list[nodes.Node]:
            text = ",".join(keys)
            result, problems = cite("cite", f"{{cite}}`{text}`", text, self.lineno, self.state.inliner, {}, [])
            return [*result, *problems]

        caption = " ".join(self.content).strip() or dataset.schema.get("title", dataset.name)
        if in_caption:
            keys = list(dict.fromkeys(key for row in rows for key in row.get("sources") or []))
            caption = f"{caption} Sources: {{cite}}`{','.join(keys)}`."
        title_nodes, title_messages = self.state.inline_text(caption, self.lineno)
        # Tables of five columns or more become one card per row on a phone (book.css): each cell then shows its
        # column's name from data-label, so a value read out alone still says what it is.
        classes = ["data-table", *(["data-table-stack"] if len(columns) >= STACK_FROM_COLUMNS else [])]
        table = data_table("", nodes.title(caption, "", *title_nodes), classes=classes)
        # The rows are HTML, with only the citations as nodes between them: a docutils table of a few hundred
        # rows is ten thousand nodes, which every later transform, pickle and writer walks (seconds a build).
        html: list[str] = [
            '<thead><tr class="row-odd">',
            *(
                f'<th class="head" scope="col">{html_escape(dataset.title(c), quote=False)}</th>\n'
                for c in columns
            ),
            "</tr></thead>\n<tbody>\n",
        ]
        labels = {c: html_escape(dataset.title(c), quote=True) for c in columns}

        def flush() -> None:
            if html:
                table.append(nodes.raw("", "".join(html), format="html"))
                html.clear()

        config = self.env.config

        def text(value: str) -> str:
            """Cell text as HTML, with the typography Sphinx gives prose (curly quotes, dashes)."""
            if config.smartquotes and any(mark in value for mark in "'\"-."):
                value = smartquotes.smartyPants(value, config.smartquotes_action, config.language or "en")
            return html_escape(value, quote=False)

        for number, row in enumerate(rows):
            html.append(f'<tr class="row-{"odd" if number % 2 else "even"}">')
            for column in columns:
                value = row.get(column)
                html.append(f'<td data-label="{labels[column]}">')
                if column == "sources":
                    flush()
                    table.extend(citation(list(value)))
                elif column in LICENCE_FIELDS and value is not None and licence_sources.get(str(value)):
                    html.append(text(f"{value} "))
                    flush()
                    table.extend(citation(licence_sources[str(value)][:1]))
                else:
                    html.append(text(format_value(value)))
                html.append("</td>\n")  # a line between cells keeps their words apart in the search index
            html.append("</tr>\n")
        html.append("</tbody>")
        flush()
        self.set_source_info(table)
        if "name" in self.options:
            self.add_name(table)
        table_nodes = [table, *messages, *title_messages]
        return [*table_nodes, download_links(self.env.app, self.env.docname, dataset.name)]


class DataDownloads(_DataDirective):
    """``{data-downloads}``: every data set, its size, date and downloads."""

    def run(self) -> list[nodes.Node]:
        datasets = getattr(self.env.app, "book_datasets", {})
        if not datasets:
            return []
        rows = []
        for name, dataset in sorted(datasets.items()):
            self.dataset(name)
            links = download_anchors(self.env.app, self.env.docname, name)
            rows.append(
                f"<tr><td>{dataset.schema.get('title', name)}</td><td>{dataset.schema.get('description', '')}</td>"
                f"<td>{len(dataset.rows)}</td><td>{dataset.as_of}</td><td>{links}</td></tr>"
            )
        html = (
            '<table class="data-downloads"><caption>The book\'s data sets ('
            + DATA_LICENCE
            + ')</caption><thead><tr><th scope="col">Data set</th><th scope="col">What it holds</th>'
            '<th scope="col">Rows</th><th scope="col">Checked up to</th><th scope="col">Download</th></tr>'
            "</thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
        return [nodes.raw("", html, format="html")]


# --- Figures ----------------------------------------------------------------------------------------------


def _year(value: Any) -> int | None:
    match = DATE_RE.match(str(value)) if value else None
    return int(match.group(1)) if match else None


def _decimal_year(value: Any) -> float | None:
    match = DATE_RE.match(str(value)) if value else None
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2) or 7), int(match.group(3) or 1)
    return year + (dt.date(year, month, day).timetuple().tm_yday - 1) / 365.25


def releases_by_licence(datasets: dict[str, Dataset]) -> tuple[str, str]:
    families = {str(r.values["id"]): r.values["family"] for r in datasets["licences"].rows}
    counts: dict[int, dict[str, int]] = {}
    for row in datasets["models"].rows:
        values = row.values
        year = _year(values.get("released"))
        if year is None or values.get("weights") == "closed":
            continue
        family = families.get(str(values.get("licence")), "other")
        counts.setdefault(year, {}).setdefault(family, 0)
        counts[year][family] += 1
    years = list(range(min(counts), max(counts) + 1))  # a year without releases is a gap, not left out
    for year in years:
        counts.setdefault(year, {})
    order = [
        f
        for f in (
            "permissive",
            "custom-model",
            "non-commercial",
            "copyleft",
            "weak-copyleft",
            "public-domain",
            "source-available",
            "other",
        )
        if any(f in counts[y] for y in years)
    ]
    svg = charts.stacked_bars(
        years,
        [(family.replace("-", " "), [counts[y].get(family, 0) for y in years]) for family in order],
        x_label="Year of release",
        y_label="Open-weight releases in the data set",
        key_title="Licence family",
    )
    total = sum(sum(c.values()) for c in counts.values())
    busiest = max(years, key=lambda y: sum(counts[y].values()))
    permissive = {y: counts[y].get("permissive", 0) for y in years}
    alt = (
        f"Stacked bar chart of {total} open-weight model releases in the book's data set, by year from "
        f"{years[0]} to {years[-1]} and by licence family. {busiest} has the most releases "
        f"({sum(counts[busiest].values())}); permissively licensed releases number "
        + ", ".join(f"{n} in {y}" for y, n in permissive.items())
        + "."
    )
    return svg, alt


def params_vs_date(datasets: dict[str, Dataset]) -> tuple[str, str]:
    points = []
    for row in datasets["models"].rows:
        values = row.values
        x, y = _decimal_year(values.get("released")), values.get("params_total_b")
        if x is not None and y:
            points.append((x, float(y), values.get("architecture"), values["name"]))
    kinds = (
        ("dense", "dense", "circle"),
        ("moe", "mixture of experts", "triangle"),
        ("hybrid", "hybrid", "square"),
    )
    first, last = math.floor(min(p[0] for p in points)), math.ceil(max(p[0] for p in points))
    low, high = min(p[0] for p in points) - 0.25, max(p[0] for p in points) + 0.25
    years = [year for year in range(first, last + 1) if low <= year <= high]
    x_axis = charts.Axis(low, high, ticks=[float(year) for year in years])
    y_axis = charts.Axis.logarithmic(min(p[1] for p in points), max(p[1] for p in points))
    svg = charts.scatter(
        [
            charts.Series(
                label, [(p[0], p[1], f"{p[3]}: {format_value(p[1])}B") for p in points if p[2] == arch], marker
            )
            for arch, label, marker in kinds
            if any(p[2] == arch for p in points)
        ],
        x_axis,
        y_axis,
        x_label="Release date",
        y_label="Total parameters (billions, log scale)",
        key_title="Architecture",
        notes=[(x, y, name) for x, y, _, name in sorted(points, key=lambda p: -p[1])[:4]],
        x_tick_labels=[str(year) for year in years],
    )
    moe = [p for p in points if p[2] == "moe"]
    largest = max(points, key=lambda p: p[1])
    alt = (
        f"Scatter plot of total parameters (log scale) against release date for {len(points)} models with "
        f"published sizes, from {min(int(p[0]) for p in points)} to {max(int(p[0]) for p in points)}. "
        f"{len(moe)} are mixtures of experts, marked with triangles, {sum(p[0] >= 2024 for p in moe)} of them "
        f"released in 2024 or later; "
        f"the largest is {largest[3]} at {format_value(largest[1])} billion parameters."
    )
    return svg, alt


def bandwidth_vs_memory(datasets: dict[str, Dataset]) -> tuple[str, str]:
    points = [
        (float(r.values["memory_gb"]), float(r.values["bandwidth_gbs"]), r.values["vendor"], r.values["name"])
        for r in datasets["hardware"].rows
        if r.values.get("memory_gb") and r.values.get("bandwidth_gbs") and r.values.get("memory_gb") >= 1
    ]
    vendors = sorted({p[2] for p in points})
    x_axis = charts.Axis.logarithmic(min(p[0] for p in points), max(p[0] for p in points))
    y_axis = charts.Axis.logarithmic(min(p[1] for p in points) / 1000, max(p[1] for p in points) / 1000)
    svg = charts.scatter(
        [
            charts.Series(
                vendor,
                [
                    (p[0], p[1] / 1000, f"{p[3]}: {format_value(p[0])} GB, {format_value(p[1])} GB/s")
                    for p in points
                    if p[2] == vendor
                ],
            )
            for vendor in vendors
        ],
        x_axis,
        y_axis,
        x_label="Memory per accelerator (GB, log scale)",
        y_label="Memory bandwidth (TB/s, log scale)",
        key_title="Vendor",
        notes=[(p[0], p[1] / 1000, p[3]) for p in sorted(points, key=lambda p: (-p[1], p[3]))],
    )
    top = max(points, key=lambda p: p[1])
    biggest = max(points, key=lambda p: p[0])
    slowest = min(points, key=lambda p: p[1])
    alt = (
        f"Scatter plot of memory bandwidth against memory size for {len(points)} accelerators from "
        f"{len(vendors)} vendors. {top[3]} has the highest bandwidth ({format_value(top[1] / 1000)} TB/s), "
        f"{biggest[3]} the most memory ({format_value(biggest[0])} GB) and {slowest[3]} the lowest bandwidth "
        f"({format_value(slowest[1])} GB/s)."
    )
    return svg, alt


# Accelerators whose memory is drawn as a reference line on the fine-tuning memory figure, by their name in
# hardware.yaml, with how many of them (a node of eight is the usual unit of a training server).
MEMORY_GUIDES = (
    ("NVIDIA GeForce RTX 5090", 1),
    ("NVIDIA H100 SXM", 1),
    ("NVIDIA B300 (Blackwell Ultra)", 1),
    ("NVIDIA H100 SXM", 8),
)
MEMORY_METHODS = (
    ("full_adamw_gb", "full, mixed", "circle"),
    ("full_bf16_gb", "full, pure BF16", "circle"),
    ("lora_bf16_gb", "LoRA, BF16 base", "square"),
    ("qlora_nf4_gb", "QLoRA, 4-bit base", "triangle"),
)


def finetune_memory(datasets: dict[str, Dataset]) -> tuple[str, str]:
    rows = sorted(datasets["finetune-memory"].rows, key=lambda r: r.values["params_b"])
    hardware = {r.values["name"]: r.values for r in datasets["hardware"].rows}
    guides = []
    for name, count in MEMORY_GUIDES:
        if not (hardware.get(name) or {}).get("memory_gb"):
            raise ValueError(
                f"hardware.yaml has no memory_gb for '{name}', which the fine-tuning memory figure draws"
            )
        short = name.replace("NVIDIA ", "").replace("GeForce ", "").split(" (")[0]
        guides.append(
            (
                hardware[name]["memory_gb"] * count,
                f"{format_value(hardware[name]['memory_gb'] * count)} GB: {f'{count}x ' if count > 1 else ''}{short}",
            )
        )
    values = [r.values[c] for r in rows for c, _, _ in MEMORY_METHODS] + [g for g, _ in guides]
    sizes = [r.values["params_b"] for r in rows]
    svg = charts.scatter(
        [
            charts.Series(
                label,
                [
                    (
                        r.values["params_b"],
                        r.values[column],
                        f"{r.values['name']}, {label}: {format_value(r.values[column])} GB",
                    )
                    for r in rows
                ],
                marker,
                joined=True,
            )
            for column, label, marker in MEMORY_METHODS
        ],
        charts.Axis.logarithmic(min(sizes), max(sizes)),
        charts.Axis.logarithmic(min(values), max(values)),
        x_label="Model size (billions of parameters, log scale)",
        y_label="Memory for weights and training state (GB, log scale)",
        key_title="Method",
        guides=guides,
    )
    first, last = rows[0].values, rows[-1].values
    fits = {
        column: max(
            (r.values["name"] for r in rows if r.values[column] <= guides[1][0]),
            key=lambda n: float(n.rstrip("B")),
            default="none",
        )
        for column, _, _ in MEMORY_METHODS
    }
    alt = (
        f"Log-log chart of the memory that weights, gradients and optimiser state need for models from "
        f"{first['name']} to {last['name']} parameters. Full fine-tuning needs {format_value(first['full_adamw_gb'])} "
        f"to {format_value(last['full_adamw_gb'])} GB, LoRA {format_value(first['lora_bf16_gb'])} to "
        f"{format_value(last['lora_bf16_gb'])} GB and QLoRA {format_value(first['qlora_nf4_gb'])} to "
        f"{format_value(last['qlora_nf4_gb'])} GB. Against a single {guides[1][0]:g} GB accelerator, the largest "
        f"model that fits is {fits['full_adamw_gb']} for full fine-tuning, {fits['lora_bf16_gb']} for LoRA and "
        f"{fits['qlora_nf4_gb']} for QLoRA, before activations."
    )
    return svg, alt


QUANT_FAMILIES = (
    ("integer", "integer", "circle"),
    ("float", "floating point", "triangle"),
    ("normal-float", "NormalFloat", "square"),
)


def quant_error(datasets: dict[str, Dataset]) -> tuple[str, str]:
    rows = [r.values for r in datasets["quant-error"].rows]
    errors = [100 * r["output_error"] for r in rows]
    bits = [r["bits_per_weight"] for r in rows]
    svg = charts.scatter(
        [
            charts.Series(
                label,
                [
                    (
                        r["bits_per_weight"],
                        100 * r["output_error"],
                        f"{r['name']}: {format_value(r['bits_per_weight'])} bits, "
                        f"{100 * r['output_error']:.2f}% error",
                    )
                    for r in rows
                    if r["family"] == family
                ],
                marker,
            )
            for family, label, marker in QUANT_FAMILIES
            if any(r["family"] == family for r in rows)
        ],
        charts.Axis.linear(0, max(bits) * 1.05),
        charts.Axis.logarithmic(min(errors), max(errors)),
        x_label="Bits per weight, scales included",
        y_label="Relative error of the layer's output (%, log scale)",
        key_title="Element type",
        notes=[
            (r["bits_per_weight"], 100 * r["output_error"], r["name"].split(" (")[0])
            for r in sorted(rows, key=lambda r: r["output_error"])
        ],
    )
    best4 = min((r for r in rows if r["bits_per_weight"] <= 5), key=lambda r: r["output_error"])
    worst4 = max((r for r in rows if 4 <= r["bits_per_weight"] <= 5), key=lambda r: r["output_error"])
    alt = (
        f"Scatter plot of output error against bits per weight for {len(rows)} quantisation schemes applied to "
        f"the same synthetic weights. Error falls from {max(errors):.0f}% at the fewest bits to {min(errors):.2f}% "
        f"for BF16; among the 4-to-5-bit schemes {best4['name']} has the lowest error "
        f"({100 * best4['output_error']:.1f}%) and {worst4['name']} the highest ({100 * worst4['output_error']:.1f}%)."
    )
    return svg, alt


GGUF_LABELLED = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K", "IQ2_XXS", "IQ1_S")


def gguf_quality(datasets: dict[str, Dataset]) -> tuple[str, str]:
    rows = [r.values for r in datasets["gguf-quality"].rows]
    klds = [r["kl_divergence"] for r in rows]
    svg = charts.scatter(
        [
            charts.Series(
                label,
                [
                    (
                        r["bits_per_weight"],
                        r["kl_divergence"],
                        f"{r['name']}: {format_value(r['bits_per_weight'])} bits per weight, "
                        f"KL divergence {r['kl_divergence']:g}",
                    )
                    for r in rows
                    if r["imatrix"] is flag
                ],
                marker,
            )
            for flag, label, marker in (
                (False, "no importance matrix", "circle"),
                (True, "importance matrix", "triangle"),
            )
        ],
        charts.Axis.linear(0, max(r["bits_per_weight"] for r in rows) * 1.08),
        charts.Axis.logarithmic(min(klds), max(klds)),
        x_label="Bits per weight (from file size)",
        y_label="KL divergence from FP16 (log scale)",
        key_title="Quantised with",
        notes=[
            (r["bits_per_weight"], r["kl_divergence"], r["quant_type"])
            for r in rows
            if r["quant_type"] in GGUF_LABELLED
            and (r["imatrix"] or r["quant_type"] in ("Q8_0", "Q6_K", "Q5_K_M", "Q4_0"))
        ],
    )
    q4 = next(r for r in rows if r["quant_type"] == "Q4_K_M" and not r["imatrix"])
    low = min(rows, key=lambda r: r["bits_per_weight"])
    good = min((r for r in rows if r["kl_divergence"] < 0.02), key=lambda r: r["bits_per_weight"])
    alt = (
        f"Scatter plot of KL divergence from the FP16 model against bits per weight for {len(rows)} GGUF "
        f"quantisations of Llama 3 8B. Divergence stays below 0.02 down to {good['quant_type']} at "
        f"{format_value(good['bits_per_weight'])} bits, reaches "
        f"{q4['kl_divergence']:g} for Q4_K_M at {format_value(q4['bits_per_weight'])} bits, and rises steeply below "
        f"3 bits to {low['kl_divergence']:g} for {low['quant_type']} at {format_value(low['bits_per_weight'])} bits; "
        f"at the same size, files made with an importance matrix diverge less."
    )
    return svg, alt


SCHEDULERS = (
    ("static", "static batching", "circle"),
    ("continuous", "continuous batching", "square"),
    ("chunked", "continuous + chunked prefill", "triangle"),
)


def batching_sim(datasets: dict[str, Dataset]) -> tuple[str, str]:
    rows = [r.values for r in datasets["batching-sim"].rows]
    rates = sorted({r["arrival_rate"] for r in rows})
    series = []
    for scheduler, label, marker in SCHEDULERS:
        points = sorted(
            (
                r["arrival_rate"],
                r["slo_met_pct"],
                f"{label}, {format_value(r['arrival_rate'])} requests/s: {format_value(r['slo_met_pct'])}% "
                f"within SLO, {r['output_tok_s']:,} output tokens/s, p99 TTFT {format_value(r['ttft_p99_s'])} s",
            )
            for r in rows
            if r["scheduler"] == scheduler
        )
        if points:
            series.append(charts.Series(label, points, marker, joined=True))
    svg = charts.scatter(
        series,
        charts.Axis.linear(0, max(rates) * 1.05),
        charts.Axis.linear(0, 100),
        x_label="Arrival rate (requests per second)",
        y_label="Requests within the latency SLO (%)",
        key_title="Scheduler",
    )

    def best(scheduler: str) -> dict:
        return max((r for r in rows if r["scheduler"] == scheduler), key=lambda r: r["output_tok_s"])

    def last_ok(scheduler: str) -> float:
        ok = [r["arrival_rate"] for r in rows if r["scheduler"] == scheduler and r["slo_met_pct"] >= 90]
        return max(ok) if ok else 0

    alt = (
        f"Line chart of the share of requests served within the latency objective against the arrival rate, from "
        f"{format_value(min(rates))} to {format_value(max(rates))} requests per second, for three schedulers. Static "
        f"batching keeps under {max(r['slo_met_pct'] for r in rows if r['scheduler'] == 'static'):.0f}% at every rate "
        f"and peaks at {best('static')['output_tok_s']:,} output tokens per second; continuous batching keeps at least "
        f"90% up to {format_value(last_ok('continuous'))} requests per second and chunked prefill up to "
        f"{format_value(last_ok('chunked'))}, with peaks of {best('continuous')['output_tok_s']:,} and "
        f"{best('chunked')['output_tok_s']:,} tokens per second."
    )
    return svg, alt


ANN_FAMILIES = (
    ("Flat", "circle"),
    ("IVF-Flat", "square"),
    ("HNSW", "triangle"),
    ("HNSW-SQ8", "circle"),
    ("IVF-PQ", "square"),
    ("Binary+rescore", "triangle"),
)


def ann_benchmark(datasets: dict[str, Dataset]) -> tuple[str, str]:
    rows = [r.values for r in datasets["ann-benchmark"].rows]
    series = [
        charts.Series(
            family,
            sorted(
                (
                    (
                        r["qps"],
                        r["recall_at_10"],
                        f"{r['name']}: recall@10 {r['recall_at_10']:g}, {r['qps']:,} queries/s, "
                        f"{r['bytes_per_vector']:,} bytes a vector",
                    )
                    for r in rows
                    if r["family"] == family
                ),
                key=lambda p: p[0],
            ),
            marker,
            joined=family != "Flat",
        )
        for family, marker in ANN_FAMILIES
        if any(r["family"] == family for r in rows)
    ]
    qps = [r["qps"] for r in rows]
    recalls = [r["recall_at_10"] for r in rows]
    svg = charts.scatter(
        series,
        charts.Axis.logarithmic(min(qps), max(qps)),
        charts.Axis.linear(min(0.5, min(recalls)), 1.0),
        x_label="Queries per second, one thread (log scale)",
        y_label="Recall@10",
        key_title="Index",
    )

    def fastest(family: str, floor: float) -> dict | None:
        ok = [r for r in rows if r["family"] == family and r["recall_at_10"] >= floor]
        return max(ok, key=lambda r: r["qps"]) if ok else None

    flat = next(r for r in rows if r["family"] == "Flat")
    parts = []
    for family in ("HNSW", "IVF-Flat", "IVF-PQ", "Binary+rescore"):
        best = fastest(family, 0.95)
        if best:
            parts.append(f"{family} {best['qps']:,} ({best['bytes_per_vector']:,} bytes a vector)")
    alt = (
        f"Scatter plot of recall@10 against queries per second for {len(rows)} settings of six index families on "
        f"synthetic embeddings. Exact search answers {flat['qps']:,} queries per second; the fastest settings with "
        f"recall of at least 0.95 reach "
        + ", ".join(parts)
        + "; every approximate family trades recall for speed "
        "along its own curve."
    )
    return svg, alt


FIT_QUANTS = (
    ("Q4_K_M", "Q4_K_M (4.9 bits)", "circle"),
    ("Q8_0", "Q8_0 (8.5 bits)", "square"),
    ("F16", "F16 (16 bits)", "triangle"),
    ("MXFP4", "MXFP4 as published (gpt-oss)", "circle"),
)


def memory_fit(datasets: dict[str, Dataset]) -> tuple[str, str]:
    rows = [r.values for r in datasets["memory-fit"].rows]
    series = [
        charts.Series(
            label,
            sorted(
                (
                    (
                        r["params_b"],
                        r["total_gb"],
                        f"{r['model']}, {quant}: {format_value(r['total_gb'])} GB "
                        f"({format_value(r['weights_gb'])} GB weights + "
                        f"{format_value(r['kv_32k_gb'])} GB KV cache)",
                    )
                    for r in rows
                    if r["quant"] == quant
                ),
                key=lambda p: p[0],
            ),
            marker,
        )
        for quant, label, marker in FIT_QUANTS
        if any(r["quant"] == quant for r in rows)
    ]
    totals = [r["total_gb"] for r in rows]
    params = [r["params_b"] for r in rows]
    svg = charts.scatter(
        series,
        charts.Axis.logarithmic(min(params), max(params)),
        charts.Axis.logarithmic(min(totals), max(totals)),
        x_label="Parameters (billions, log scale)",
        y_label="Memory for weights and a 32K-token cache (GB, log scale)",
        key_title="Quantisation",
        guides=[(size, f"{size} GB") for size in (16, 32, 64, 128) if min(totals) <= size <= max(totals) * 1.2],
        notes=[(r["params_b"], r["total_gb"], r["model"]) for r in rows if r["quant"] in ("Q4_K_M", "MXFP4")],
    )
    q4 = sorted((r for r in rows if r["quant"] in ("Q4_K_M", "MXFP4")), key=lambda r: r["params_b"])
    alt = (
        f"Scatter plot of memory needed against parameter count for {len(q4)} models at up to three quantisations. At "
        f"Q4_K_M (gpt-oss in its native MXFP4) with a 32K-token context, "
        + ", ".join(f"{r['model']} needs {format_value(r['total_gb'])} GB" for r in q4)
        + "; Q8_0 needs roughly 1.7 times and F16 about 3 times as much memory for the weights."
    )
    return svg, alt


FIGURES = {
    "memory-fit": (("memory-fit",), memory_fit),
    "ann-benchmark": (("ann-benchmark",), ann_benchmark),
    "batching-sim": (("batching-sim",), batching_sim),
    "releases-by-licence": (("models", "licences"), releases_by_licence),
    "params-vs-date": (("models",), params_vs_date),
    "bandwidth-vs-memory": (("hardware",), bandwidth_vs_memory),
    "finetune-memory": (("finetune-memory", "hardware"), finetune_memory),
    "quant-error": (("quant-error",), quant_error),
    "gguf-quality": (("gguf-quality",), gguf_quality),
}


class DataFigure(_DataDirective):
    """``{data-figure} KIND`` with ``:name:``; content = caption. KIND is one of FIGURES."""

    required_arguments = 1
    has_content = True
    option_spec = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in FIGURES:
            raise self.error(f"unknown data figure '{kind}' (known: {', '.join(sorted(FIGURES))})")
        needs, make = FIGURES[kind]
        datasets = {name: self.dataset(name) for name in needs}
        if any(d is None for d in datasets.values()):
            return []
        try:
            svg, alt = make(datasets)  # type: ignore[arg-type]
        except ValueError as error:  # the data cannot draw this figure: say which row, not a traceback
            raise self.error(f"data figure '{kind}': {error}") from None
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html_escape(alt)}" ', 1)
        figure = nodes.figure(classes=["data-figure"])
        figure += nodes.raw("", svg, format="html")
        caption_text = " ".join(self.content).strip()
        if not caption_text:
            raise self.error("a data figure needs a caption (the directive's content)")
        parsed = self.parse_text_to_nodes(caption_text)
        caption = nodes.caption(caption_text, "", *(parsed[0].children if parsed else []))
        figure += caption
        figure += nodes.paragraph("", "", nodes.Text(alt), classes=["visually-hidden-alt"])
        self.add_name(figure)
        return [figure]


# --- Downloads --------------------------------------------------------------------------------------------


def as_csv(dataset: Dataset) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = list(dataset.properties)
    writer.writerow(columns)
    for row in dataset.rows:
        cells = []
        for column in columns:
            value = row.values.get(column)
            if isinstance(value, list):
                value = "; ".join(map(str, value))
            elif isinstance(value, bool):
                value = "true" if value else "false"
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return buffer.getvalue()


def as_json(dataset: Dataset) -> str:
    """The data set as JSON: its description, then one row per line (readable in a diff or an editor, and
    written by the standard library's fast encoder, which an indented dump would not use)."""
    head = {
        "name": dataset.name,
        "title": dataset.schema.get("title"),
        "description": dataset.schema.get("description"),
        "licence": DATA_LICENCE,
        "as_of": dataset.as_of,
        "schema": f"{dataset.name}.schema.json",
    }
    lines = [f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in head.items()]
    rows = ",\n".join(f"  {json.dumps(row.values, ensure_ascii=False)}" for row in dataset.rows)
    return "{\n" + "\n".join(lines) + '\n "rows": [\n' + rows + "\n ]\n}\n"


def write_downloads(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name not in ("html", "dirhtml"):
        return  # the site's files; the PDF and the EPUB link to them on the site
    datasets: dict[str, Dataset] = getattr(app, "book_datasets", {})
    out = Path(app.outdir) / "data"
    out.mkdir(parents=True, exist_ok=True)
    for name, dataset in datasets.items():
        (out / f"{name}.csv").write_text(as_csv(dataset), encoding="utf-8")
        (out / f"{name}.json").write_text(as_json(dataset), encoding="utf-8")
        (out / f"{name}.schema.json").write_text(
            dataset.path.parent.joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8"),
            encoding="utf-8",
        )


# The filter box above each data table has its place in the page from the start, so that nothing moves when
# tables.js has loaded; book.css gives it a fixed height, and hides it while the page is marked "no-js". The
# script adds the text field and the <label> around it when the table comes within a screen of the viewport:
# a <label> or a text field, in the page as sent or added on load, makes Chromium lay out the section around
# it at once even when book.css says to wait (measured: 0.35 s on a throttled phone for the models chapter).
# The box is added to the written page, after the search index has read the doctree, so that "filter" and
# "rows" are not words of every chapter with a table.
TABLE_WRAPPER_RE = re.compile(r'<div class="table-wrapper data-table\b')
TABLE_FILTER = (
    '<div class="data-table-filter">Filter rows <span class="data-table-count" aria-live="polite"></span></div>\n'
)


def add_table_filter_and_script(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """The filter boxes and the sort-and-filter script, only on pages that have a data table."""
    body = context.get("body", "")
    if 'class="data-table' in body:
        context["body"] = TABLE_WRAPPER_RE.sub(lambda m: TABLE_FILTER + m.group(0), body)
        add_page_script(context, "tables.js")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_data_enabled", True, "env", types=[bool])
    app.add_enumerable_node(data_table, "table", html=(visit_data_table, depart_data_table))
    app.add_directive("data-table", DataTable)
    app.add_post_transform(FreezeDataTableRows)
    app.add_directive("data-figure", DataFigure)
    app.add_directive("data-downloads", DataDownloads)
    app.connect("builder-inited", on_builder_inited)
    app.connect("html-page-context", add_table_filter_and_script)
    app.connect("build-finished", write_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
