"""Editorial checks that stop a strict build with a message a writer can act on.

Each check reports through Sphinx's logger with a location (file and line), so that ``-W`` turns it into a
build failure that names the place to fix:

* every chapter opens with a TL;DR admonition and ends with the chapter footer and its bibliography;
* links in prose use https;
* every Markdown file at the root is listed in ``_toc.yml``;
* ``references.bib`` has no duplicate keys, every entry has the fields the style guide asks for, and every
  entry is cited somewhere (and, through sphinxcontrib-bibtex, every citation has an entry).

Which documents count as chapters is set by ``book_unchecked_docs`` (documents exempt from the chapter
anatomy, such as the front matter and the glossary).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

TLDR_RE = re.compile(r"^(?::{3,}|`{3,})\{admonition\}\s*TL;DR\s*$")
HEADING_RE = re.compile(r"^#\s+\S")
FOOTER_RE = re.compile(r"^(`{3,}|:{3,})\{chapter-footer\}")
BIBLIOGRAPHY_RE = re.compile(r"^(`{3,}|:{3,})\{bibliography\}")
HTTP_RE = re.compile(r"(?<![\w/])http://[^\s)>\]`\"']+")
FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")
BIB_KEY_RE = re.compile(r"^\s*@(?P<type>\w+)\s*\{\s*(?P<key>[^,\s]+)\s*,", re.MULTILINE)
WEB_TYPES = {"online", "manual", "misc", "techreport"}
KEY_STYLE_RE = re.compile(r"^[a-z0-9]+$")
CITE_RE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
TLDR_MAX_CITATIONS = 3  # a TL;DR is read aloud; more sources belong in the body


def warn_at(message: str, path: str | Path, line: int | None = None, subtype: str = "book") -> None:
    location = f"{path}:{line}" if line else str(path)
    logger.warning(message, location=location, type="book", subtype=subtype)


# --- Chapter anatomy --------------------------------------------------------------------------------------


def _prose_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Lines outside fenced code blocks whose fence is a code language (```bash), with 1-based numbers."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(lines, start=1):
        match = FENCE_RE.match(line)
        if fence is None and match and not line.strip().lstrip("`~").startswith("{"):
            fence = match.group(1)
            continue
        if fence is not None:
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        out.append((number, line))
    return out


def check_chapter_source(path: Path, text: str) -> list[tuple[int, str]]:
    """Return (line, message) problems with a chapter's opening and closing blocks."""
    problems: list[tuple[int, str]] = []
    lines = text.splitlines()
    body_start = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                body_start = i + 1
                break
    meaningful = [(i + 1, line) for i, line in enumerate(lines) if i >= body_start and line.strip()]
    if not meaningful or not HEADING_RE.match(meaningful[0][1]):
        problems.append((meaningful[0][0] if meaningful else 1, "a chapter starts with a '# Title' line"))
        return problems
    if len(meaningful) < 2 or not TLDR_RE.match(meaningful[1][1].strip()):
        line = meaningful[1][0] if len(meaningful) > 1 else meaningful[0][0]
        problems.append(
            (line, "the first block after the title must be a TL;DR admonition (':::{admonition} TL;DR')")
        )
    problems += check_tldr_citations(lines, meaningful[1][0] if len(meaningful) > 1 else 0)
    footer = [n for n, line in meaningful if FOOTER_RE.match(line.strip())]
    bibliography = [n for n, line in meaningful if BIBLIOGRAPHY_RE.match(line.strip())]
    last = meaningful[-1][0]
    if len(footer) != 1:
        problems.append(
            (footer[-1] if footer else last, "a chapter has exactly one '{chapter-footer}' block, near its end")
        )
    if len(bibliography) != 1:
        problems.append((last, "a chapter ends with its '{bibliography}' block (':filter: docname in docnames')"))
    if footer and bibliography:
        if not footer[0] < bibliography[0]:
            problems.append((footer[0], "the '{chapter-footer}' block comes before the bibliography"))
        trailing = [(n, line) for n, line in meaningful if n > bibliography[0] and not line.startswith((":", "`"))]
        if trailing:
            problems.append((trailing[0][0], "nothing may follow the chapter's bibliography"))
    return problems


def check_tldr_citations(lines: list[str], start: int) -> list[tuple[int, str]]:
    """Each TL;DR bullet cites at most TLDR_MAX_CITATIONS sources. ``start`` is the admonition's 1-based line."""
    if not start or not TLDR_RE.match(lines[start - 1].strip()):
        return []
    fence = lines[start - 1].strip().split("{", 1)[0]
    bullets: list[tuple[int, str]] = []
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.strip() == fence:
            break
        if line.lstrip().startswith(("- ", "* ")):
            bullets.append((number, line))
        elif bullets and line.strip():
            bullets[-1] = (bullets[-1][0], bullets[-1][1] + " " + line)
    problems = []
    for number, bullet in bullets:
        keys = [key for group in CITE_RE.findall(bullet) for key in group.split(",") if key.strip()]
        if len(keys) > TLDR_MAX_CITATIONS:
            problems.append(
                (
                    number,
                    f"a TL;DR bullet cites at most {TLDR_MAX_CITATIONS} sources (this one cites "
                    f"{len(keys)}); keep the most direct ones and cite the rest in the body",
                )
            )
    return problems


def check_links(text: str) -> list[tuple[int, str]]:
    problems = []
    for number, line in _prose_lines(text.splitlines()):
        for match in HTTP_RE.finditer(line):
            problems.append((number, f"use https, not http: {match.group(0)}"))
    return problems


CITE_KEY_RE = re.compile(r"^[A-Za-z0-9_:.+-]+$")


def check_citation_keys(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Find ``{cite}`` roles whose keys are malformed (a stray brace, a space, an empty key): sphinxcontrib-bibtex
    would stop with a traceback on them. Return the text with each such role neutralised, so that the strict build
    fails on the located warning instead, and the problems."""
    problems: list[tuple[int, str]] = []

    def neutralise(match: re.Match[str]) -> str:
        bad = [key.strip() for key in match.group(1).split(",") if not CITE_KEY_RE.match(key.strip())]
        if not bad:
            return match.group(0)
        line = text.count("\n", 0, match.start()) + 1
        problems.append(
            (
                line,
                f"malformed citation key {bad[0]!r} in {match.group(0)}: keys are letters, digits and "
                "'_:.-+', separated by commas",
            )
        )
        return "(malformed citation)"

    return CITE_RE.sub(neutralise, text), problems


def check_glossary_aliases(text: str) -> list[tuple[int, str]]:
    """In a ``{glossary}`` block, terms and aliases sit at column 0 and the definition is indented. An alias indented
    by mistake silently becomes the first words of the definition (and ``{term}`` links to it fail elsewhere), so a
    definition whose first line is a few words followed by more definition is reported."""
    problems: list[tuple[int, str]] = []
    lines = text.split("\n")
    inside = False
    for number, line in enumerate(lines, start=1):
        if line.startswith("```{glossary}"):
            inside = True
            continue
        if inside and line.startswith("```"):
            inside = False
        if not inside or not line.strip() or line.startswith((" ", ":")):
            continue
        body = number  # index of the first line after this term line, 0-based
        if body < len(lines) and lines[body].startswith("  ") and lines[body].strip():
            first = lines[body].strip()
            following = lines[body + 1] if body + 1 < len(lines) else ""
            if len(first.split()) <= 3 and not first.endswith((".", ":", ";")) and following.startswith("  "):
                problems.append(
                    (
                        body + 1,
                        f"'{first}' is indented into the definition of '{line.strip()}': an alias "
                        "goes at column 0 under the term, and the definition starts on the next line",
                    )
                )
    return problems


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    try:
        shown = path.relative_to(app.srcdir)
    except ValueError:
        shown = path
    text = source[0]
    for line, message in check_links(text):
        warn_at(message, shown, line, "link")
    source[0], problems = check_citation_keys(text)
    for line, message in problems:
        warn_at(message, shown, line, "cite")
    for line, message in check_glossary_aliases(text):
        warn_at(message, shown, line, "glossary")
    if docname in app.config.book_unchecked_docs or path.suffix != ".md":
        return
    for line, message in check_chapter_source(path, text):
        warn_at(message, shown, line, "anatomy")


# --- Table of contents ------------------------------------------------------------------------------------


def toc_entries(text: str) -> list[tuple[int, str]]:
    """(line, name) for every ``file:`` and ``root:`` entry of a _toc.yml."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s*)?(?:file|root):\s*([^\s#]+)", line)
        if match:
            name = match.group(1)
            entries.append((number, name[:-3] if name.endswith(".md") else name))
    return entries


def on_builder_inited(app: Sphinx) -> None:
    toc = Path(app.srcdir) / "_toc.yml"
    if not toc.exists():
        return
    entries = toc_entries(toc.read_text(encoding="utf-8"))
    for line, name in entries:
        if not (Path(app.srcdir) / f"{name}.md").exists():
            warn_at(
                f"entry '{name}' has no file {name}.md: create it or remove the entry", "_toc.yml", line, "toc"
            )
    listed = {name for _, name in entries}
    for path in sorted(Path(app.srcdir).glob("*.md")):
        if path.name in app.config.book_root_non_chapters:
            continue
        if path.stem not in listed:
            warn_at(
                f"'{path.name}' is not listed in _toc.yml: add '- file: {path.stem}' under chapters",
                path.name,
                1,
                "toc",
            )


# --- Bibliography -----------------------------------------------------------------------------------------


def bib_keys(text: str) -> set[str]:
    """The keys of a .bib file (without parsing the entries)."""
    return {match.group("key") for match in BIB_KEY_RE.finditer(text)}


def bib_entries(text: str) -> list[dict[str, Any]]:
    """Split a .bib file into entries with their key, type, line and fields (lower-cased names)."""
    entries = []
    matches = list(BIB_KEY_RE.finditer(text))
    line, counted = 1, 0
    for i, match in enumerate(matches):
        line += text.count("\n", counted, match.start("type"))
        counted = match.start("type")
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        fields = {
            name.lower(): value.strip()
            for name, value in re.findall(r"^\s*([A-Za-z_]+)\s*=\s*(.+?),?\s*$", body, flags=re.MULTILINE)
        }
        entries.append(
            {
                "key": match.group("key"),
                "type": match.group("type").lower(),
                "line": line,
                "fields": fields,
            }
        )
    return entries


def check_bib_entries(entries: list[dict[str, Any]]) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for entry in entries:
        key, line, fields = entry["key"], entry["line"], entry["fields"]
        if key in seen:
            problems.append((line, f"duplicate key '{key}' (first defined on line {seen[key]})"))
        else:
            seen[key] = line
        if not KEY_STYLE_RE.match(key):
            problems.append((line, f"key '{key}' must be lower-case letters and digits (authorYYYYword)"))
        for field in ("title", "author", "year"):
            if field not in fields:
                problems.append((line, f"entry '{key}' has no '{field}' field"))
        if "url" not in fields and "doi" not in fields:
            problems.append((line, f"entry '{key}' needs a 'url' or a 'doi'"))
        url = fields.get("url", "").strip('{}" ')
        if url and not url.startswith("https://"):
            problems.append((line, f"entry '{key}' has a url that is not https: {url}"))
        if url and entry["type"] in WEB_TYPES and "eprint" not in fields and "urldate" not in fields:
            problems.append((line, f"entry '{key}' is a web page: add 'urldate' (the day you checked it)"))
    return problems


def on_env_check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    cited: set[str] = set()
    domain = env.get_domain("cite")
    for ref in getattr(domain, "citation_refs", []):
        for target in ref.targets:
            cited.add(target.key)
    for bibfile in app.config.bibtex_bibfiles:
        path = Path(app.srcdir) / bibfile
        entries = bib_entries(path.read_text(encoding="utf-8"))
        for line, message in check_bib_entries(entries):
            warn_at(message, bibfile, line, "bibtex")
        if app.config.book_require_all_cited:
            for entry in entries:
                if entry["key"] not in cited:
                    warn_at(
                        f"entry '{entry['key']}' is never cited: cite it or delete it",
                        bibfile,
                        entry["line"],
                        "bibtex",
                    )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_unchecked_docs", ["index", "glossary"], "env")
    app.add_config_value("book_root_non_chapters", ["README.md", "CONTRIBUTING.md", "LICENCE.md"], "env")
    app.add_config_value("book_require_all_cited", True, "env")
    app.connect("source-read", on_source_read)
    app.connect("builder-inited", on_builder_inited)
    app.connect("env-check-consistency", on_env_check_consistency)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
