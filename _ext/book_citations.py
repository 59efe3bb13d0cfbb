"""Citation labels a reader can read aloud: author-year ("Dettmers et al. 2023", "Meta 2024b").

pybtex's ``alpha`` labels (``DPHZ23``, ``G+24``, ``HighCoJoEaWalesCDivision25`` for an organisation) are compact
but cannot be read aloud. This module registers with pybtex, through its own plugin registry:

* the label style ``authoryear``: the first author's surname, "and" and the second surname for two authors,
  "et al." for three or more (or where the list ends in "and others"), then the year. Organisations, written
  in double braces in ``references.bib``, keep their whole name unless the entry has a ``shortauthor`` field,
  which wins. Labels that would be equal within one bibliography get ``a``, ``b``, ... as alpha's do;
* the formatting style ``book``: pybtex's ``alpha`` formatting with those labels, which ``_config.yml`` makes
  the default (``bibtex_default_style``).

An entry with no author, editor or ``shortauthor`` stops the build with its key, because its label would say
nothing. ``LABEL_RE`` is the house style that the tests check every label in the built site against.

On the page, sphinxcontrib-bibtex gives each citation link the formatted reference as its ``title``, which
browsers show on hover. ``_static/citations.js`` shows the same text on keyboard focus and on a first tap on a
touch screen (a second tap follows the link to the bibliography), and ``book.css`` styles that tooltip.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import pybtex.plugin
from book_html import add_page_script
from pybtex.database import Entry, Person
from pybtex.richtext import Text
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

# One or more names (letters, digits, spaces and common punctuation), an optional "et al.", a year (or n.d.)
# and an optional disambiguating letter.
LABEL_RE = re.compile(r"^(?=.{6,60}$)[^\[\]+]*[^\W\d_][^\[\]+]*(?: et al\.)? (?:\d{4}|n\.d\.)[a-z]?$")


CITATION_LINK_RE = re.compile(r'<a class="reference internal" href="#id\d+" title="')


def plain(latex: str) -> str:
    """A BibTeX field value as the text a reader sees: braces and LaTeX escapes removed."""
    return Text.from_latex(latex).render_as("text").strip()


def surname(person: Person) -> str:
    return plain(" ".join([*person.prelast_names, *person.last_names]) or str(person))


def names(entry: Entry) -> str:
    """The author part of an entry's label."""
    if "shortauthor" in entry.fields:
        return plain(entry.fields["shortauthor"])
    persons = list(entry.persons.get("author") or entry.persons.get("editor") or [])
    named = [p for p in persons if str(p) != "others"]
    if not named:
        raise ExtensionError(
            f"references.bib entry '{entry.key}' has no author, editor or shortauthor: its citation label would "
            "be empty. Add an author (an organisation in double braces, e.g. {{Hugging Face}})."
        )
    if len(named) == 1 and len(persons) == 1:
        return surname(named[0])
    if len(named) == 2 and len(persons) == 2:
        return f"{surname(named[0])} and {surname(named[1])}"
    return f"{surname(named[0])} et al."


def year(entry: Entry) -> str:
    value = plain(entry.fields.get("year", "")) or "n.d."
    return value


class AuthorYearLabelStyle(BaseLabelStyle):
    """``Surname 2023``, ``Surname and Other 2023``, ``Surname et al. 2023``, with ``a``/``b`` when needed."""

    def format_label(self, entry: Entry) -> str:
        return f"{names(entry)} {year(entry)}"

    def format_labels(self, sorted_entries: Iterable[Entry]) -> Iterator[str]:
        labels = [self.format_label(entry) for entry in sorted_entries]
        count = Counter(labels)
        seen: Counter[str] = Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


class BookStyle(AlphaStyle):
    """pybtex's alpha formatting, with author-year labels."""

    default_label_style = "authoryear"


def add_citation_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """The focus-and-touch tooltip script, only on pages that cite something."""
    if CITATION_LINK_RE.search(context.get("body", "")):
        add_page_script(context, "citations.js")


def setup(app: Sphinx) -> dict[str, Any]:
    pybtex.plugin.register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabelStyle)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "book", BookStyle)
    app.connect("html-page-context", add_citation_script)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
