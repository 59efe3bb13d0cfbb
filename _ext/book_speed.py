"""Profiled speed-ups for a book with thousands of citations and long chapters.

Profiling a clean build (``python -m cProfile -m sphinx ...``) showed these hot spots, all independent of
what the book contains; each grows with the number of citations, entries or chapters. The first seven are in
sphinxcontrib-bibtex and pybtex, the next two in Sphinx, then four in docutils, one in sphinx-last-updated-by-git
and the last in Python's garbage collector:

* pybtex looks plugins up through ``importlib.metadata`` entry points on every call, and
  sphinxcontrib-bibtex asks for the same plain-text backend once per citation: about 25 ms each time, over
  half the build. The lookup is cached here (and the cache cleared whenever a plugin is registered).
* ``BibtexDomain.get_filtered_entries`` rescans every citation for every entry of every bibliography
  (entries x citations x chapters). The replacement below indexes the citations once per bibliography and
  otherwise does exactly what the original does.
* ``BibtexDomain.get_formatted_entries`` formats each entry twice (once for the list, once for its hover
  tooltip, with the same style) and again in every chapter that cites it; pybtex takes about 6 ms an entry.
  The replacement formats an entry once per style (the label is set beside the text, which does not depend
  on it) and reuses the result, which pybtex's renderers only read. Formatting still took about 1.3 s, so a
  forked process formats every entry while this one reads the chapters, and sends the texts back pickled
  (a tenth of the cost); where processes cannot be forked, or the child fails, entries are formatted here.
* ``BibtexDomain.resolve_xref`` scans every formatted citation of the book twice for each citation in the
  text, and renders the hover title of the entry afresh each time. The replacement indexes the citations by
  key (keeping their order, so the result is the same), renders each title once, and reuses the result for
  the same citation in the same document (a licence cited in every row of a table).
* pybtex decodes every field with latexcodec's tokenizer (``Text.from_latex``), about half of formatting
  time, although most fields hold no LaTeX at all. Text with no LaTeX command or special character, no
  ligature (``--``, ``''``) and no irregular whitespace decodes to itself, so it skips the tokenizer.
* pybtex builds about a hundred thousand rich text objects to format the bibliography, each through a chain of
  generators that merges similar parts even when there is only one; ``BaseMultipartText.__init__`` is one loop
  here, and merges only two parts or more.
* ``BibtexDomain.get_filtered_entries`` evaluates the ``:filter:`` for every entry of the bibliography file in
  every bibliography; a filter that names only where entries are cited (the book's ``docname in docnames``) is
  evaluated once per set of citing documents instead.
* ``BibliographyTransform.run`` finds each entry's back-references by scanning every citation of the book
  (entries x citations); the replacement indexes a document's citations once.
* Sphinx's ``:numref:`` resolution unpickles the whole target document for every reference (about 0.2 s for
  a long chapter), and figure numbering unpickles every document once more, only to read it.
  Both are given shared read-only copies instead: the document as read, while Sphinx still holds it for
  writing, or else one unpickled copy per pickle.
* docutils' ``Node.findall``, with which some sixty transforms each walk every document, wraps a recursive
  generator in another and starts one generator per node, half of them text leaves: about a fifth of the
  build. The replacement hands out the traversal directly and yields leaves without a generator of their
  own (also for a function as condition, as sphinx-design and MyST-NB pass), visiting exactly the same nodes
  in the same order, even when the caller changes the tree as it goes.
* A third of those walks look for kinds of node that this book never makes (the C and C++ domains' aliases,
  MyST-NB's glue references, doctest blocks, footnotes ...). ``Node.__new__`` notes the class of every node made
  (parsed, copied or unpickled), and a ``findall`` for a kind of which no node, nor one of a subclass, was made
  returns at once: it would have found nothing.
* docutils' ``Node.walkabout``, with which writers visit every node, formats two debug messages for each
  node, which the reporter drops; they are formatted only when debug messages are reported.
* docutils' ``SmartQuotes`` transform runs its tokenizer over every block of text and replaces every text node
  of the document with an equal copy. Blocks with no quote, backtick, double dash, ellipsis, backslash,
  null escape or ampersand come out as they went in, so they are skipped, and only changed text nodes are
  replaced.
* sphinx-last-updated-by-git asks git for the dates of the documents read once reading has ended, one folder
  after the other (about 0.4 s for the chapters alone). The same calls are made ahead in threads: the chapters'
  when reading starts, every folder of dependencies at once when it ends; the library takes the result of a call
  made ahead with exactly its arguments, or calls git itself.
* Python's cyclic garbage collector spent about a fifth of the build rescanning every object (each docutils
  node points to its parent, so doctrees are full of cycles). ``gc.freeze()`` once the builder is set up
  leaves the modules and Sphinx's own objects out of later scans; from when the extensions are set up, the young
  generation is collected less often and the older ones, where the doctrees and the environment soon live, only
  after a thousand young collections (never, in this book's build). Short-lived cycles that outlive one young
  collection are then left until the process ends (about 20 MB more at the peak): only time and memory change.
  At interpreter exit the final collections scanned and freed the whole environment once more (about 1.5 s
  after the build had finished, also in each rebuild of the live preview); an ``atexit`` handler freezes
  what is left instead, and the operating system reclaims it with the process.

Three caches serve the live preview's rebuilds, where every chapter is resolved again after an edit to one. Each
sits beside Sphinx's environment, is keyed by the content it was made from and the code that made it, and is
tested by an edit that must show through it:

* the formatted text of each entry (``TEXT_CACHE``, above);
* each bibliography's sort order and labels (``LABEL_CACHE``), by the fingerprints of its entries;
* what figure numbering found in each document (``FIGURE_CACHE``), by when the document was read, so that only
  documents read again are unpickled and walked.

The three ``BibtexDomain`` methods are overridden in a subclass, ``FastBibtexDomain``, that Sphinx registers in
place of the library's domain (``app.add_domain(..., override=True)``); the others are assigned onto the code
they replace, which no API reaches. All of them are written for pinned versions (``PATCHED_FOR`` below, as in
requirements.txt): on any other version a group steps aside with one warning. tests/test_ext_speed.py checks
that the output is the same with and without them. The patches belong upstream; no upstream issue or pull
request for them is known yet.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docutils.nodes
import docutils.transforms.universal
import docutils.utils as docutils_utils
import pybtex.plugin
import pybtex.richtext
import sphinx_last_updated_by_git as last_updated_by_git
from book_html import html_writer
from docutils.utils import smartquotes
from pybtex.database import Entry
from pybtex.richtext import Tag
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle
from pybtex.style.template import FieldIsMissing
from sphinx import addnodes as sphinx_addnodes
from sphinx.application import Sphinx
from sphinx.domains import Domain
from sphinx.domains.std import StandardDomain
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging, url_re
from sphinx.util.matching import Matcher
from sphinxcontrib.bibtex import domain as bibtex_domain
from sphinxcontrib.bibtex import nodes as bibtex_nodes
from sphinxcontrib.bibtex import transforms as bibtex_transforms
from sphinxcontrib.bibtex.citation_target import parse_citation_targets
from sphinxcontrib.bibtex.directives import BibliographyKey
from sphinxcontrib.bibtex.style.referencing import format_references
from sphinxcontrib.bibtex.style.template import SphinxReferenceInfo

logger = logging.getLogger(__name__)

_original_load_entry_point = pybtex.plugin._load_entry_point
_original_register_plugin = pybtex.plugin.register_plugin
_original_bibliography_transform_run = bibtex_transforms.BibliographyTransform.run
_original_resolve_numref_xref = StandardDomain._resolve_numref_xref
_original_assign_figure_numbers = TocTreeCollector.assign_figure_numbers


@functools.cache
def _cached_load_entry_point(group: str, name: str, use_aliases: bool = False) -> Any:
    return _original_load_entry_point(group, name, use_aliases)


def _register_plugin(*args: Any, **kwargs: Any) -> Any:
    _cached_load_entry_point.cache_clear()
    return _original_register_plugin(*args, **kwargs)


# The names a filter expression can read that say where an entry is cited, not what the entry holds.
_CITATION_NAMES = frozenset({"docname", "docnames", "cited"})


def _reads_only_citations(filter_: Any) -> bool:
    """Whether a parsed ``:filter:`` names nothing but where entries are cited (``docname in docnames``, the
    book's filter, or ``cited``): its outcome for an entry then depends only on the documents citing it."""
    import ast

    return all(node.id in _CITATION_NAMES for node in ast.walk(filter_) if isinstance(node, ast.Name))


def get_filtered_entries(self: Any, bibliography_key: Any) -> Iterable[tuple[str, Any]]:
    """sphinxcontrib-bibtex 2.7's method, with the citing documents of each key computed once, and a filter that
    reads only where entries are cited evaluated once per set of citing documents (not once per entry: every
    entry that no document cites shares one outcome)."""
    bibliography = self.bibliographies[bibliography_key]
    cited_docnames_by_key: dict[str, set[str]] = defaultdict(set)
    for citation_ref in self.citation_refs:
        for target in citation_ref.targets:
            cited_docnames_by_key[target.key].add(citation_ref.docname)
    outcomes: dict[frozenset[str], Any] | None = {} if _reads_only_citations(bibliography.filter_) else None
    citing = {key: frozenset(docnames) for key, docnames in cited_docnames_by_key.items()}
    nowhere: frozenset[str] = frozenset()
    for entry in self.get_entries(bibliography.bibfiles):
        key = bibliography.keyprefix + entry.key
        if outcomes is not None:
            outcome = outcomes.get(citing.get(key, nowhere), outcomes)  # the dict itself: not evaluated yet
            if outcome is not outcomes:
                if outcome or entry.key in bibliography.keys:
                    yield key, entry
                continue
        cited_docnames = cited_docnames_by_key.get(key, set())
        visitor = bibtex_domain._FilterVisitor(
            entry=entry,
            docname=bibliography_key.docname,
            cited_docnames=cited_docnames,
        )
        try:
            success = visitor.visit(bibliography.filter_)
            if outcomes is not None:
                outcomes[citing.get(key, nowhere)] = success
        except ValueError as err:
            logger.warning(
                "syntax error in :filter: expression; %s" % err,
                location=(bibliography_key.docname, bibliography.line),
                type="bibtex",
                subtype="filter_syntax_error",
            )
            success = bool(cited_docnames_by_key.get(key))
        if success or entry.key in bibliography.keys:
            yield key, entry


_LATEX_SPECIAL = re.compile(r"[\\$~%&#^_]|--|''|``|[?!]`")  # what latexcodec would change; braces it keeps
_original_from_latex = pybtex.richtext.Text.from_latex.__func__


def from_latex(cls: type, latex: str) -> Any:
    """pybtex's ``Text.from_latex``, without the LaTeX decoder for text that has nothing to decode (braces,
    which protect case, are still parsed)."""
    if latex and not _LATEX_SPECIAL.search(latex) and latex == " ".join(latex.split()):
        if "{" in latex or "}" in latex:
            from pybtex.markup import LaTeXParser

            return LaTeXParser(latex).parse()
        return cls(pybtex.richtext.String(latex))
    return _original_from_latex(cls, latex)


def multipart_text_init(self: Any, *parts: Any) -> None:
    """pybtex's ``BaseMultipartText.__init__`` (Text, Tag, HRef, Protected), with its chain of generators made one
    loop, and the merging of similar parts (``_merge_similar``) skipped when there are fewer than two, where it
    gives them back as they are. Formatting builds about a hundred thousand of these: this takes a sixth off it."""
    unpacked: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            part = pybtex.richtext.String(part)
        elif not isinstance(part, pybtex.richtext.BaseText):
            pybtex.richtext.ensure_text(part)  # raises pybtex's TypeError
        if part:
            unpacked.extend(part._unpack())
    self.parts = unpacked if len(unpacked) < 2 else list(self._merge_similar(unpacked))
    self.length = sum(len(part) for part in self.parts)


_texts: dict[tuple[str, str], tuple[Entry, Any]] = {}  # (style, key) -> (the entry formatted, its text)


class _BackgroundFormatting:
    """Every entry of the bibliography formatted in a forked process, while this one reads the chapters.

    The formatted text of an entry depends only on the entry and the style (the label is set beside it), so
    the child formats each entry once per style and sends the texts back pickled, which costs a tenth of
    formatting them. An entry that fails to format (a missing field) is left out and formatted here, where
    the failure is reported as before. Where processes cannot be forked, nothing runs in the background."""

    def __init__(self, entries: dict[str, Entry], style_names: list[str]) -> None:
        import multiprocessing

        self.entries = dict(entries)  # the parsed entries the child formats (kept to check identity)
        self.style_names = style_names
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=self._child, args=(sender,), daemon=True)
        self.process.start()
        sender.close()

    def _child(self, sender: Any) -> None:
        import pickle

        texts: dict[tuple[str, str], Any] = {}
        for style_name in self.style_names:
            style = pybtex.plugin.find_plugin("pybtex.style.formatting", style_name)()
            for key, entry in self.entries.items():
                try:
                    texts[style_name, key] = style.format_entry("", entry).text
                except Exception:  # formatted, and reported, by the main process
                    continue
        sender.send_bytes(pickle.dumps(texts, protocol=pickle.HIGHEST_PROTOCOL))
        sender.close()

    def collect(self) -> None:
        """Wait for the child's texts and add them to ``_texts`` (nothing, if the child failed)."""
        import pickle

        try:
            texts = pickle.loads(self.receiver.recv_bytes())
        except (EOFError, OSError):
            texts = {}
        self.stop()
        for (style_name, key), text in texts.items():
            _texts[style_name, key] = (self.entries[key], text)

    def stop(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


_background: list[_BackgroundFormatting] = []  # the one running, if any


# The caches below sit beside Sphinx's environment as pickles of (version, payload): the version names the code and
# inputs that made the payload, so a file written by other code, or an unreadable one, is ignored and written again.
def read_cache(path: str | os.PathLike[str], version: Any) -> Any:
    """The payload an earlier build wrote to ``path`` under the same ``version``; None if there is none."""
    import pickle

    try:
        with open(path, "rb") as file:
            cached_version, payload = pickle.load(file)
    except Exception:  # no file yet, an older format or a broken one
        return None
    return payload if cached_version == version else None


def write_cache(path: str | os.PathLike[str], version: Any, payload: Any) -> None:
    """Write ``payload`` under ``version``, atomically (a concurrent build reads the old file or the new one)."""
    import pickle

    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "wb") as file:
        pickle.dump((version, payload), file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


# Formatted texts kept between builds, beside Sphinx's environment: an incremental build (the live preview after
# an edit) formats again only the entries that changed, not the whole bibliography (about 3 s).
TEXT_CACHE = "book_speed_texts.pickle"


def _fingerprint(entry: Entry) -> tuple[Any, ...]:
    """Everything about a parsed entry that its formatted text can depend on: type, fields and names."""
    people = tuple(
        (
            role,
            tuple(
                (*map(tuple, (p.first_names, p.middle_names, p.prelast_names, p.last_names, p.lineage_names)),)
                for p in persons
            ),
        )
        for role, persons in entry.persons.items()
    )
    return entry.key, entry.type, tuple(entry.fields.items()), people


def _code_version(style_names: list[str]) -> tuple[Any, ...]:
    """What the texts of a style depend on besides the entry: the installed pybtex and latexcodec, and the source
    of every module of the style's classes (the book's own style in _ext/book_citations.py) and of this one."""
    import hashlib
    import inspect
    import sys

    files = {__file__}
    for name in style_names:
        for cls in pybtex.plugin.find_plugin("pybtex.style.formatting", name).__mro__:
            module = sys.modules.get(cls.__module__)
            if module is not None and getattr(module, "__file__", None):
                files.add(inspect.getfile(module))
    digest = hashlib.sha256()
    for file in sorted(files):
        with open(file, "rb") as source:
            digest.update(file.encode() + b"\0" + source.read())
    return _installed("pybtex"), _installed("latexcodec"), tuple(style_names), digest.hexdigest()


_cache_state: dict[str, Any] = {}  # the cache file, its code version, and how many texts came from it


def load_text_cache(app: Sphinx, entries: dict[str, Entry], styles: list[str]) -> None:
    """Put the cached texts of entries that are unchanged since they were formatted into ``_texts``. A build
    with a fresh environment (every clean build) reads no cache, and formats every entry as before."""
    path = os.path.join(app.doctreedir, TEXT_CACHE)
    version = _code_version(styles)
    _cache_state.clear()
    _cache_state.update(path=path, version=version, hits=0)
    texts = read_cache(path, version) if app.env.all_docs else None
    if texts is None:
        return
    for (style_name, key), (fingerprint, text) in texts.items():
        entry = entries.get(key)
        if entry is not None and style_name in styles and _fingerprint(entry) == fingerprint:
            _texts[style_name, key] = (entry, text)
            _cache_state["hits"] += 1


def save_text_cache(app: Sphinx, exception: Exception | None) -> None:
    """Write the texts of the current entries, if any of them was formatted in this build."""
    path = _cache_state.get("path")
    if exception is not None or path is None or not isinstance(app.env.get_domain("cite"), FastBibtexDomain):
        return
    entries = app.env.get_domain("cite").bibdata.data.entries
    current = {
        style_key: (_fingerprint(entry), text)
        for style_key, (entry, text) in _texts.items()
        if entries.get(style_key[1]) is entry
    }
    if len(current) == _cache_state["hits"]:
        return  # nothing new: the file already holds every text
    write_cache(path, _cache_state["version"], current)


def format_in_background(app: Sphinx) -> None:
    """Start formatting the parsed bibliography in the background (sphinxcontrib-bibtex has parsed it on
    builder-inited), in every style that a bibliography or tooltip takes by default: every entry in a clean
    build, only the entries that are not in the cache of texts in an incremental one."""
    import multiprocessing

    stop_background_formatting()
    _cache_state.clear()
    _order_state.clear()
    if not isinstance(app.env.get_domain("cite"), FastBibtexDomain):
        return  # the speed-ups are off, or stepped aside for another version of sphinxcontrib-bibtex
    entries = app.env.get_domain("cite").bibdata.data.entries
    styles = list(
        dict.fromkeys(
            [app.config.bibtex_default_style, app.config.bibtex_tooltips_style or app.config.bibtex_default_style]
        )
    )
    load_text_cache(app, entries, styles)
    load_label_cache(app, _cache_state["version"])
    missing = {
        key: entry
        for key, entry in entries.items()
        if any(_texts.get((style, key), (None,))[0] is not entry for style in styles)
    }
    if _cache_state.get("hits"):
        logger.info(
            f"bibliography: {len(entries) - len(missing)} entries as formatted before, {len(missing)} again"
        )
    if missing and "fork" in multiprocessing.get_all_start_methods():
        _background.append(_BackgroundFormatting(missing, styles))


def stop_background_formatting(*args: Any) -> None:
    while _background:
        _background.pop().stop()


def _format(style: BaseStyle, style_name: str, label: str, entry: Entry) -> FormattedEntry:
    """``style.format_entry(label, entry)``, with the text of each entry formatted once per style (by the
    background process if it has), for as long as the parsed entry is the same object (an edited
    bibliography is parsed afresh, so its entries are new objects and are formatted again)."""
    memo_key = (style_name, entry.key)
    cached = _texts.get(memo_key)
    if (cached is None or cached[0] is not entry) and _background:
        _background.pop().collect()
        cached = _texts.get(memo_key)
    if cached is None or cached[0] is not entry:
        cached = _texts[memo_key] = (entry, style.format_entry(label, entry).text)
    return FormattedEntry(entry.key, cached[1], label)


# Each bibliography's sort order and labels, kept between builds beside Sphinx's environment: in the live preview,
# every chapter's bibliography is sorted and labelled again after any edit (about 0.4 s), although only the edited
# chapter's can have changed. Keyed by the style and the fingerprints of the bibliography's entries, in the order
# the filter gives them, so that an edited entry, or a source cited or no longer cited, sorts and labels again.
LABEL_CACHE = "book_speed_labels.pickle"
_orders: dict[tuple[str, tuple[Any, ...]], tuple[list[int], list[str]]] = {}  # key -> (sort order, labels)
_order_state: dict[str, Any] = {}  # the cache file, its code version, the keys read from it and the keys used


def load_label_cache(app: Sphinx, version: tuple[Any, ...]) -> None:
    """Read the sort orders and labels of an earlier build, if they were made by the same code (a clean build,
    with a fresh environment, reads none)."""
    path = os.path.join(app.doctreedir, LABEL_CACHE)
    _orders.clear()
    _order_state.clear()
    _order_state.update(path=path, version=version, read=set(), used=set())
    orders = read_cache(path, version) if app.env.all_docs else None
    if orders is not None:
        _orders.update(orders)
        _order_state["read"] = set(orders)


def save_label_cache(app: Sphinx, exception: Exception | None) -> None:
    """Write the sort orders and labels this build used, unless the file already holds exactly those."""
    if exception is not None or not _order_state or _order_state["used"] == _order_state["read"]:
        return
    orders = {key: _orders[key] for key in _order_state["used"]}
    write_cache(_order_state["path"], _order_state["version"], orders)


def _sorted_and_labelled(style: BaseStyle, style_name: str, entries: list[Entry]) -> tuple[list[Entry], list[str]]:
    """``style.sort(entries)`` and ``style.format_labels`` of the result, as an earlier build with the same entries
    made them if it did: both depend only on the entries (fingerprints) and the style (its name and code)."""
    if not _order_state:  # no build has set the cache up: sorted and labelled as the library does
        sorted_entries = style.sort(entries)
        return sorted_entries, list(style.format_labels(sorted_entries))
    key = (style_name, tuple(_fingerprint(entry) for entry in entries))
    cached = _orders.get(key)
    if cached is None:
        sorted_entries = style.sort(entries)
        position = {id(entry): number for number, entry in enumerate(entries)}
        cached = _orders[key] = (
            [position[id(e)] for e in sorted_entries],
            list(style.format_labels(sorted_entries)),
        )
    _order_state["used"].add(key)
    return [entries[number] for number in cached[0]], cached[1]


def get_formatted_entries(
    self: Any, bibliography_key: Any, docnames: list[str], tooltips: bool, tooltips_style: str
) -> Iterable[tuple[Any, Any, Any]]:
    """sphinxcontrib-bibtex 2.7's method, with each entry formatted once per style and label, and each
    bibliography's sort order and labels as an earlier build made them for the same entries."""
    bibliography = self.bibliographies[bibliography_key]
    entries = dict(self.get_sorted_entries(bibliography_key, docnames))
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", bibliography.style)()
    style2_name = (tooltips_style or bibliography.style) if tooltips else None
    style2 = None
    if style2_name:
        style2 = (
            pybtex.plugin.find_plugin("pybtex.style.formatting", tooltips_style)() if tooltips_style else style
        )
    sorted_entries, labels = _sorted_and_labelled(style, bibliography.style, list(entries.values()))
    for label, entry in zip(labels, sorted_entries):
        full_label = bibliography.labelprefix + label
        try:
            yield (
                entry,
                _format(style, bibliography.style, full_label, entry),
                _format(style2, style2_name, full_label, entry) if style2 else None,
            )
        except FieldIsMissing as exc:
            logger.warning(
                str(exc),
                location=(bibliography_key.docname, bibliography.line),
                type="bibtex",
                subtype="missing_field",
            )
            yield entry, FormattedEntry(entry.key, Tag("b", str(exc)), full_label), None


class _CitationIndex:
    """The domain's citations by key, each with its position in ``domain.citations``, and their titles."""

    def __init__(self, domain: Any) -> None:
        self.source = domain.citations
        self.size = len(domain.citations)
        self.by_key: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        for position, citation in enumerate(domain.citations):
            if domain.bibliographies[citation.bibliography_key].list_ == "citation":
                self.by_key[citation.key].append((position, citation))
        self.titles: dict[int, str | None] = {}
        self.resolved: dict[tuple[str, str, str], Any] = {}  # (document, role, target) -> pristine node

    def current(self, domain: Any) -> bool:
        return self.source is domain.citations and self.size == len(domain.citations)

    def title(self, citation: Any, plaintext: Any) -> str | None:
        if citation.tooltip_entry is None:
            return None
        if id(citation) not in self.titles:
            self.titles[id(citation)] = citation.tooltip_entry.text.render(plaintext).replace("\\url ", "")
        return self.titles[id(citation)]


_citation_indexes: dict[int, _CitationIndex] = {}


def resolve_xref(
    self: Any, env: Any, fromdocname: str, builder: Any, typ: str, target: str, node: Any, contnode: Any
) -> Any:
    """sphinxcontrib-bibtex 2.7's method, with citations looked up by key instead of by a scan."""
    index = _citation_indexes.get(id(self))
    if index is None or not index.current(self):
        index = _citation_indexes[id(self)] = _CitationIndex(self)
    memo_key = (fromdocname, typ, target)
    if memo_key in index.resolved:  # the same citation again in the same document (a licence in a table)
        return index.resolved[memo_key].deepcopy()
    targets = parse_citation_targets(target)
    keys = {target2.key: target2 for target2 in targets}
    matching = [
        citation
        for _, citation in sorted(
            (item for key in keys for item in index.by_key.get(key, ())), key=lambda item: item[0]
        )
    ]  # the citations the original's scan would visit, in the same order
    citations_local = {cit.key: cit for cit in matching if cit.bibliography_key.docname == fromdocname}
    citations = citations_local | {cit.key: cit for cit in matching if cit.key not in citations_local}
    found = True
    for key in keys:
        if key not in citations:
            found = False
            logger.warning(
                'could not find bibtex key "%s"' % key, location=node, type="bibtex", subtype="key_not_found"
            )
    plaintext = pybtex.plugin.find_plugin("pybtex.backends", "plaintext")()
    references = [
        (
            citation.entry,
            citation.formatted_entry,
            SphinxReferenceInfo(
                builder=builder,
                fromdocname=fromdocname,
                todocname=citation.bibliography_key.docname,
                citation_id=citation.citation_id,
                title=index.title(citation, plaintext),
                pre_text=keys[citation.key].pre,
                post_text=keys[citation.key].post,
            ),
        )
        for citation in citations.values()
    ]
    formatted_references = format_references(self.reference_style, typ, references)
    result_node = docutils.nodes.inline(rawsource=target)
    result_node["classes"].append("bibtex-citation")
    result_node += formatted_references.render(self.backend)
    if found:  # a missing key is reported at every place it is cited
        index.resolved[memo_key] = result_node.deepcopy()
    return result_node


class FastBibtexDomain(bibtex_domain.BibtexDomain):
    """sphinxcontrib-bibtex's ``cite`` domain with the three faster methods above; registered in place of the
    library's own (``app.add_domain(..., override=True)``) when sphinxcontrib-bibtex is the version they were
    written for. Its data, which Sphinx pickles with the environment, is the library's, unchanged."""

    get_filtered_entries = get_filtered_entries
    get_formatted_entries = get_formatted_entries
    resolve_xref = resolve_xref


def bibliography_transform_run(self: Any, **kwargs: Any) -> None:
    """sphinxcontrib-bibtex 2.7's ``BibliographyTransform.run``, with each entry's back-references (the
    citations of it in the same document) looked up in an index rather than by scanning every citation of
    the book for every entry."""
    env = self.document.settings.env
    domain = env.get_domain("cite")
    backrefs_by_key: dict[str, dict[str, list[str]]] = {}  # document -> key -> citation ids, in order

    def backrefs(docname: str, key: str) -> list[str]:
        if docname not in backrefs_by_key:
            index: dict[str, list[str]] = defaultdict(list)
            for citation_ref in domain.citation_refs:
                if citation_ref.docname == docname:
                    for target_key in {target.key for target in citation_ref.targets}:
                        index[target_key].append(citation_ref.citation_ref_id)
            backrefs_by_key[docname] = index
        return backrefs_by_key[docname].get(key, [])

    for bibnode in self.document.findall(bibtex_nodes.bibliography):
        bib_key = BibliographyKey(docname=bibnode["docname"], id_=bibnode["ids"][0])
        bibliography = domain.bibliographies[bib_key]
        citations = [citation for citation in domain.citations if citation.bibliography_key == bib_key]
        nodes: docutils.nodes.Element
        if bibliography.list_ == "enumerated":
            nodes = docutils.nodes.enumerated_list()
            nodes["enumtype"] = bibliography.enumtype
            if bibliography.start >= 1:
                nodes["start"] = bibliography.start
                env.temp_data["bibtex_enum_count"] = bibliography.start
            else:
                nodes["start"] = env.temp_data.setdefault("bibtex_enum_count", 1)
        elif bibliography.list_ == "bullet":
            nodes = docutils.nodes.bullet_list()
        else:
            nodes = docutils.nodes.container()
        for citation in citations:
            citation_node = bibliography.citation_nodes[citation.key]
            if bibliography.list_ in {"enumerated", "bullet"}:
                citation_node += self.backend.paragraph(citation.formatted_entry)
            else:
                refs = backrefs(bib_key.docname, citation.key)
                if refs:
                    citation_node["backrefs"] = list(refs)
                citation_node += docutils.nodes.label(
                    "", citation.formatted_entry.label, support_smartquotes=False
                )
                citation_node += self.backend.paragraph(citation.formatted_entry)
            citation_node["docname"] = bib_key.docname
            bibtex_transforms.node_text_transform(citation_node)
            nodes.append(citation_node)
            if bibliography.list_ == "enumerated":
                env.temp_data["bibtex_enum_count"] += 1
        if citations:
            bibnode.replace_self(nodes)
        else:
            bibnode.replace_self(docutils.nodes.target())


class FreezeBibliographies(SphinxPostTransform):
    """Once citations are resolved, write each bibliography (a container of citation nodes) as one raw HTML
    node with the HTML writer's own translator: the transforms, search indexer and writer that come later
    then pass over one node instead of the ten or so that each of a chapter's hundreds of entries makes."""

    default_priority = 11  # after Sphinx's ReferencesResolver (10), so back-references are final
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        if not self.app.config.book_speedups:
            return
        lists = [
            node
            for node in self.document.findall(docutils.nodes.container)
            if node.children and all(isinstance(child, docutils.nodes.citation) for child in node.children)
        ]
        if lists:
            write = html_writer(self.app, self.document)
            for node in lists:
                node.replace_self(docutils.nodes.raw("", write(node), format="html"))


# What any of SmartQuotes' actions could change in a text, or the escapes it reads: quotes, backticks, dashes,
# ellipses, backslash and null escapes, and entities (its escapes are restored from "&#92;" and the like).
_SMARTQUOTES_ACTIVE = re.compile(r"""["'`\\\x00&]|--|\.\.\.|\. \. \.""")


def smart_quotes_apply(self: Any) -> None:
    """docutils 0.21's ``SmartQuotes.apply`` (which Sphinx's ``SphinxSmartQuotes`` calls), skipping the blocks of
    text that hold nothing it would change, and replacing only the text nodes that it did change (it replaced
    every text node of the document with an equal copy)."""
    smart_quotes = self.document.settings.setdefault("smart_quotes", False)
    if not smart_quotes:
        return
    try:
        alternative = smart_quotes.startswith("alt")
    except AttributeError:
        alternative = False

    document_language = self.document.settings.language_code
    lc_smartquotes = self.document.settings.smartquotes_locales
    if lc_smartquotes:
        smartquotes.smartchars.quotes.update(dict(lc_smartquotes))
    may_skip = self.smartquotes_action != "-1"  # "stupefy" changes other characters too

    for node in self.document.findall(docutils.nodes.TextElement):
        if isinstance(node, self.nodes_to_skip):
            continue
        if isinstance(node.parent, docutils.nodes.TextElement):
            continue
        txtnodes = [
            txtnode
            for txtnode in node.findall(docutils.nodes.Text)
            if not isinstance(txtnode.parent, docutils.nodes.option_string)
        ]
        lang = node.get_language_code(document_language)
        if alternative:
            if "-x-altquot" in lang:
                lang = lang.replace("-x-altquot", "")
            else:
                lang += "-x-altquot"
        for tag in docutils_utils.normalize_language_tag(lang):
            if tag in smartquotes.smartchars.quotes:
                lang = tag
                break
        else:
            if lang not in self.unsupported_languages:
                self.document.reporter.warning('No smart quotes defined for language "%s".' % lang, base_node=node)
            self.unsupported_languages.add(lang)
            lang = ""
        if may_skip and not _SMARTQUOTES_ACTIVE.search("".join(txtnodes)):
            continue  # every text would come out as it went in
        teacher = smartquotes.educate_tokens(
            self.get_tokens(txtnodes), attr=self.smartquotes_action, language=lang
        )
        for txtnode, newtext in zip(txtnodes, teacher):
            if newtext != txtnode:
                txtnode.parent.replace(txtnode, docutils.nodes.Text(newtext))

    self.unsupported_languages.clear()


_original_findall = docutils.nodes.Node.findall


def _fast_findall(node: Any, cls: type) -> Iterator[Any]:
    """docutils' ``Node._fast_findall``, without a generator for each leaf (half the nodes are text). A leaf
    that gains children while the caller holds it is still descended into, as the original would."""
    if isinstance(node, cls):
        yield node
    for child in node.children:
        if child.children:
            yield from _fast_findall(child, cls)
        elif isinstance(child, cls):
            yield child
            for grandchild in child.children:
                yield from _fast_findall(grandchild, cls)


def _superfast_findall(node: Any) -> Iterator[Any]:
    """docutils' ``Node._superfast_findall``, in the same way."""
    yield node
    for child in node.children:
        if child.children:
            yield from _superfast_findall(child)
        else:
            yield child
            for grandchild in child.children:
                yield from _superfast_findall(grandchild)


def _findall_matching(node: Any, condition: Any) -> Iterator[Any]:
    """docutils' ``Node.findall`` for a function as condition, in the same way (it goes through an element's
    children by index, as docutils does there)."""
    if condition(node):
        yield node
    if len(node.children):
        for child in node:
            if child.children:
                yield from _findall_matching(child, condition)
            elif condition(child):
                yield child
                if len(child.children):
                    for grandchild in child:
                        yield from _findall_matching(grandchild, condition)


def findall(
    self: Any,
    condition: Any = None,
    include_self: bool = True,
    descend: bool = True,
    siblings: bool = False,
    ascend: bool = False,
) -> Iterator[Any]:
    """docutils 0.21's ``Node.findall``, handing out the traversal itself rather than a generator around it."""
    if include_self and descend and not siblings and not ascend:
        if condition is None:
            return _superfast_findall(self)
        if isinstance(condition, type):
            if condition not in _made_or_ancestor and not isinstance(self, condition) and _none_made(condition):
                return iter(())  # no node of the kind exists, so no tree holds one
            return _fast_findall(self, condition)
        return _findall_matching(self, condition)
    return _original_findall(self, condition, include_self, descend, siblings, ascend)


# The classes of which a node has been made in this process, and all their ancestors. Some sixty transforms each
# walk every document looking for one kind of node, and a third of those walks look for kinds that this book never
# makes (the C and C++ domains' aliases, MyST-NB's glue references and execution statistics, doctest blocks,
# substitution references, footnotes ...). Every node, whether parsed, copied or unpickled, is made by its class's
# ``__new__`` (only ``Text`` has one of its own, so text classes are never skipped), so a kind that is not here,
# nor any of its subclasses, has no node anywhere: a walk looking for it would find nothing and is not made.
_made: set[type] = set()
_made_or_ancestor: set[type] = set()


def _node_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``Node.__new__`` (object's), noting the class of every node made."""
    if cls not in _made:
        _made.add(cls)
        _made_or_ancestor.update(cls.__mro__)
    return object.__new__(cls)


def _none_made(cls: type) -> bool:
    """Whether no node of ``cls`` or of a subclass has been made: none is among the classes noted, and each of
    them makes its nodes through ``_node_new`` (so it would have been noted)."""
    if cls in _made_or_ancestor:
        return False
    classes = [cls]
    while classes:
        each = classes.pop()
        if each.__new__ is not _node_new:
            return False  # a class with a __new__ of its own (Text), or not a node class at all
        classes.extend(type.__subclasses__(each))
    return True


def _note_nodes_made_before() -> None:
    """Note the classes of the nodes made before ``_node_new`` was in place (by extensions as they loaded). Objects
    frozen before then are not listed by ``gc.get_objects()``: in the live preview, what the launcher imported
    before it forked the build; those modules make no node but three text nodes, which are never skipped."""
    for obj in gc.get_objects():
        if isinstance(obj, docutils.nodes.Node) and type(obj) not in _made:
            _made.add(type(obj))
            _made_or_ancestor.update(type(obj).__mro__)


_original_walkabout = docutils.nodes.Node.walkabout


def walkabout(self: Any, visitor: Any) -> bool:
    """docutils 0.21's ``Node.walkabout``, which writers use to visit every node, without formatting two debug
    messages for each node that the reporter then drops (unless it is reporting debug messages)."""
    if visitor.document.reporter.debug_flag:
        return _original_walkabout(self, visitor)
    call_depart = True
    stop = False
    try:
        try:
            visitor.dispatch_visit(self)
        except docutils.nodes.SkipNode:
            return stop
        except docutils.nodes.SkipDeparture:
            call_depart = False
        children = self.children
        try:
            for child in children[:]:
                if child.walkabout(visitor):
                    stop = True
                    break
        except docutils.nodes.SkipSiblings:
            pass
    except docutils.nodes.SkipChildren:
        pass
    except docutils.nodes.StopTraversal:
        stop = True
    if call_depart:
        visitor.dispatch_departure(self)
    return stop


_read_only_doctrees: dict[str, tuple[bytes | None, Any]] = {}


@contextmanager
def _read_only_doctrees_of(env: Any, current: tuple[str, Any] | None = None) -> Iterator[None]:
    """While it lasts, ``env.get_doctree`` hands out shared copies that the caller must only read: the
    document being written (``current``: its name and doctree), the document as read (still in Sphinx's
    write cache) or else one unpickled copy per pickle."""
    real_get_doctree = env.get_doctree

    def get_doctree(docname: str) -> Any:
        if current is not None and docname == current[0] and current[1] is not None:
            return current[1]
        unwritten = env._write_doc_doctree_cache.get(docname)
        if unwritten is not None:
            return unwritten
        serialised = env._pickled_doctree_cache.get(docname)
        cached = _read_only_doctrees.get(docname)
        if cached is not None and serialised is not None and cached[0] is serialised:
            return cached[1]
        doctree = real_get_doctree(docname)
        _read_only_doctrees[docname] = (env._pickled_doctree_cache.get(docname), doctree)
        return doctree

    env.get_doctree = get_doctree
    try:
        yield
    finally:
        del env.get_doctree  # back to the class's method


def _resolve_numref_xref(
    self: Any, env: Any, fromdocname: str, builder: Any, typ: str, target: str, node: Any, contnode: Any
) -> Any:
    """Sphinx 7.4's method, which only reads the target document, given a shared copy of it."""
    with _read_only_doctrees_of(env, current=(fromdocname, node.document)):
        return _original_resolve_numref_xref(self, env, fromdocname, builder, typ, target, node, contnode)


# What figure numbering found in each document, kept between builds beside Sphinx's environment: after any edit,
# Sphinx numbers the figures of the whole book again, unpickling and walking every document (about 0.5 s in the
# live preview), although only the documents read again can have changed.
FIGURE_CACHE = "book_speed_figures.pickle"


def _numbering_code(env: Any) -> tuple[Any, ...]:
    """What decides which nodes are numbered, besides the documents: Sphinx's version, the domains and the node
    types registered as numbered, and the source of the book's own extensions (which register some)."""
    import hashlib
    import sys

    std = env.domains["std"]
    digest = hashlib.sha256()
    for name in sorted(env.app.extensions):
        file = getattr(sys.modules.get(name), "__file__", None) or ""
        if file and os.path.abspath(file).startswith(os.path.abspath(env.srcdir) + os.sep):
            with open(file, "rb") as source:
                digest.update(file.encode() + b"\0" + source.read())
    enumerable = sorted(
        f"{cls.__module__}.{cls.__qualname__}:{figtype}" for cls, (figtype, _) in std.enumerable_nodes.items()
    )
    return _installed("sphinx"), tuple(sorted(env.domains)), tuple(enumerable), digest.hexdigest()


def _doctree_version(env: Any, docname: str) -> tuple[Any, ...]:
    """When the document was read, and its pickled doctree's size and time: reading it again changes them."""
    stat = os.stat(os.path.join(env.doctreedir, docname + ".doctree"))
    return env.all_docs.get(docname), stat.st_size, stat.st_mtime_ns


def assign_figure_numbers(self: Any, env: Any) -> list[str]:
    """Sphinx 7.4's figure numbering (``TocTreeCollector.assign_figure_numbers``), walking each document only
    if it was read again since the last build. A walk records, in order, the numbered nodes (type, id and the
    section number in force) and the documents its toctrees go on to: what the original's walk does in that
    document, which depends only on the doctree, the section number it starts with and the document's section
    numbers. The record of an unchanged document, kept from the last build, is replayed instead (the counters
    run through every document as before), and a walk reads shared copies of the doctrees and asks only the domains
    that can number a node of its class."""
    if not env.config.numfig:
        return _original_assign_figure_numbers(self, env)
    path = os.path.join(env.doctreedir, FIGURE_CACHE)
    code = _numbering_code(env)
    kept: dict[tuple[Any, ...], list[tuple[Any, ...]]] = (read_cache(path, code) if env.all_docs else None) or {}
    used: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}

    generated_docnames = frozenset(env.domains["std"]._virtual_doc_names)
    rewrite_needed = []
    assigned: set[str] = set()
    old_fignumbers = env.toc_fignumbers
    env.toc_fignumbers = {}
    fignum_counter: dict[str, dict[tuple[int, ...], int]] = {}

    # The domains that can number a node of a class, in order: one that keeps Sphinx's own method numbers only the
    # classes it lists (the others say None, which the loop below skips), so it is asked about those only.
    candidates_by_class: dict[type, list[Any]] = {}

    def get_figtype(node: Any) -> str | None:
        candidates = candidates_by_class.get(node.__class__)
        if candidates is None:
            candidates = candidates_by_class[node.__class__] = [
                domain
                for domain in env.domains.values()
                if type(domain).get_enumerable_node_type is not Domain.get_enumerable_node_type
                or node.__class__ in domain.enumerable_nodes
            ]
        for domain in candidates:
            figtype = domain.get_enumerable_node_type(node)
            if domain.name == "std" and not domain.get_numfig_title(node):
                continue  # Skip if uncaptioned node
            if figtype:
                return figtype
        return None

    def get_section_number(docname: str, section: Any) -> tuple[int, ...]:
        anchorname = "#" + section["ids"][0]
        secnumbers = env.toc_secnumbers.get(docname, {})
        if anchorname in secnumbers:
            secnum = secnumbers.get(anchorname)
        else:
            secnum = secnumbers.get("")
        return secnum or ()

    def get_next_fignumber(figtype: str, secnum: tuple[int, ...]) -> tuple[int, ...]:
        counter = fignum_counter.setdefault(figtype, {})
        secnum = secnum[: env.config.numfig_secnum_depth]
        counter[secnum] = counter.get(secnum, 0) + 1
        return (*secnum, counter[secnum])

    def record(docname: str, doctree: Any, secnum: tuple[int, ...], events: list[tuple[Any, ...]]) -> None:
        for subnode in doctree.children:
            if isinstance(subnode, docutils.nodes.section):
                next_secnum = get_section_number(docname, subnode)
                record(docname, subnode, next_secnum if next_secnum else secnum, events)
            elif isinstance(subnode, sphinx_addnodes.toctree):
                for _title, subdocname in subnode["entries"]:
                    if url_re.match(subdocname) or subdocname == "self" or subdocname in generated_docnames:
                        continue
                    events.append(("doc", subdocname, secnum))
            elif isinstance(subnode, docutils.nodes.Element):
                figtype = get_figtype(subnode)
                if figtype and subnode["ids"]:
                    events.append(("figure", figtype, subnode["ids"][0], secnum))
                record(docname, subnode, secnum, events)

    def walk_doc(docname: str, secnum: tuple[int, ...]) -> None:
        if docname in assigned:
            return
        assigned.add(docname)
        secnumbers = tuple(sorted(env.toc_secnumbers.get(docname, {}).items()))
        key = (docname, _doctree_version(env, docname), secnum, secnumbers)
        events = kept.get(key)
        if events is None:
            events = []
            record(docname, env.get_doctree(docname), secnum, events)
        used[key] = events
        for event in events:
            if event[0] == "doc":
                walk_doc(event[1], event[2])
            else:
                _, figtype, figure_id, at = event
                fignumbers = env.toc_fignumbers.setdefault(docname, {}).setdefault(figtype, {})
                fignumbers[figure_id] = get_next_fignumber(figtype, at)

    with _read_only_doctrees_of(env):
        walk_doc(env.config.root_doc, ())
    for docname, fignums in env.toc_fignumbers.items():
        if fignums != old_fignumbers.get(docname):
            rewrite_needed.append(docname)
    if used != kept:
        write_cache(path, code, used)
    return rewrite_needed


# sphinx-last-updated-by-git asks git for the dates of the documents read, once the last of them is read: one
# ``git log`` per folder, one after the other, walking the history until every file asked for is found (about 0.4 s
# for the chapters, then one folder of dependencies at a time). The same calls, with the same files, are made ahead
# in threads instead: the chapters' when reading starts (the documents to read are those it will ask about), and
# every folder of dependencies at once when reading ends, just before the library asks. The library then takes
# the result of a call made ahead with exactly the same arguments (folder, files and excluded commits), or
# calls git itself as before. Only the time changes: the commands are the same, and git answers them from the
# same commits (unless one is made during the build).
_original_update_file_dates = last_updated_by_git.update_file_dates
_git_dates_ahead: dict[tuple[Any, frozenset[str], frozenset[bytes]], Future[dict[str, Any]]] = {}


def _ask_git_ahead(git_dir: Any, exclude_commits: set[bytes], files: set[str]) -> None:
    key = (git_dir, frozenset(files), frozenset(exclude_commits))
    if key in _git_dates_ahead or not files:
        return
    future: Future[dict[str, Any]] = Future()

    def ask() -> None:
        file_dates: dict[str, Any] = dict.fromkeys(files)
        try:
            _original_update_file_dates(git_dir, set(exclude_commits), file_dates)
        except BaseException as error:  # raised again where the library makes the call, as it would be
            future.set_exception(error)
        else:
            future.set_result(file_dates)

    _git_dates_ahead[key] = future
    threading.Thread(target=ask, name="book-speed-git", daemon=True).start()


def update_file_dates(git_dir: Any, exclude_commits: set[bytes], file_dates: dict[str, Any]) -> None:
    """sphinx-last-updated-by-git 0.3.8's ``update_file_dates``, taking the result of the same call made ahead."""
    future = _git_dates_ahead.pop((git_dir, frozenset(file_dates), frozenset(exclude_commits)), None)
    if future is None:
        return _original_update_file_dates(git_dir, exclude_commits, file_dates)
    file_dates.update(future.result())
    return None


def _git_asks_ahead(app: Sphinx) -> bool:
    """Whether to ask ahead: the patch is in place, and no commit is excluded (the library then warns, which only
    the main thread should do)."""
    return (
        "sphinx_last_updated_by_git" in app.extensions
        and last_updated_by_git.update_file_dates is update_file_dates
        and not app.config.git_exclude_commits
    )


def ask_git_for_documents_ahead(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """When reading starts: the call the library will make for the folder of each document about to be read (those
    are the documents it asks about: each has no date yet)."""
    if not _git_asks_ahead(app):
        return
    excluded = Matcher(app.config.git_exclude_patterns)
    by_folder: dict[Any, set[str]] = defaultdict(set)
    for docname in docnames:
        if not excluded(env.doc2path(docname, False)):
            source = Path(env.doc2path(docname)).resolve()
            by_folder[source.parent].add(source.name)
    for git_dir, files in by_folder.items():
        _ask_git_ahead(git_dir, set(), files)


def ask_git_for_dependencies_ahead(app: Sphinx, env: Any) -> None:
    """When reading has ended, just before the library asks: the call it will make for each folder of the
    dependencies of the documents read, all at once (the library makes them one after the other)."""
    if not _git_asks_ahead(app) or not app.config.git_untracked_check_dependencies:
        return
    excluded = Matcher(app.config.git_exclude_patterns)
    by_folder: dict[Any, set[str]] = defaultdict(set)
    for docname, data in env.git_last_updated.items():
        if data is not None or excluded(env.doc2path(docname, False)):
            continue
        for dep in env.dependencies[docname]:
            if excluded(dep):
                continue
            depfile = Path(env.srcdir, dep).resolve()
            if depfile.exists():
                by_folder[depfile.parent].add(depfile.name)
    for git_dir, files in by_folder.items():
        _ask_git_ahead(git_dir, set(), files)


def forget_git_asked_ahead(*args: Any) -> None:
    _git_dates_ahead.clear()


# Python's default is (700, 10, 10). The young generation is still collected, if less often; the older ones, into
# which the doctrees, the parsed bibliography and the environment soon pass, only after a thousand young collections
# (none in this book's build): each of the sixteen the build made rescanned about a hundred thousand objects, for
# 0.2-0.3 s in all, to free what about 20 MB of short-lived cycles held (the peak memory goes from 263 to 285 MB).
COLLECTION_THRESHOLDS = (5000, 1000, 1000)


def collect_less_often() -> None:
    """When the extensions are set up (config-inited): collect less often from now on, so that parsing the
    bibliography, among others, no longer sets off a full collection of everything imported."""
    gc.set_threshold(*COLLECTION_THRESHOLDS)


def freeze_what_lives() -> None:
    """When the builder is set up: leave what is alive now out of every later collection."""
    gc.freeze()  # everything alive now (modules, the application) lives for the whole build (a full collection
    # first found some forty objects to free, for 0.1 s)
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    if not _exit_registered:
        atexit.register(skip_collection_at_exit)
        _exit_registered.append(True)


_exit_registered: list[bool] = []  # atexit.register done, once per process


def skip_collection_at_exit() -> None:
    """At interpreter exit (after the command has finished and printed everything), leave what is still alive
    out of Python's final garbage collections: the doctrees and the environment, nearly a million objects full
    of cycles, took about 1.5 s to scan and free, which the operating system does at once when the process
    ends. Files and processes are closed by then (atexit handlers registered before this one still run); only
    the ``__del__`` of objects in cycles no longer runs, which Python never promises at exit anyway."""
    gc.freeze()


# Each group of patches replaces private code of one package, and was written and tested against one version of
# it (pinned in requirements.txt). On any other version the group steps aside with one warning: the build is
# then slower, never different. After an upgrade, compare the replaced methods with the new release, re-run
# tests/test_ext_speed.py (output identical with and without), and update the version here. Where the library
# offers a way in, the group uses it (a domain subclass registered through Sphinx, ``_domains``) rather than
# assigning onto the library's class.
PATCHED_FOR = {
    "pybtex": "0.26.1",
    "sphinxcontrib-bibtex": "2.7.0",
    "sphinx": "7.4.7",
    "docutils": "0.21.2",
    "sphinx-last-updated-by-git": "0.3.8",
}


def _installed(package: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(package)


def _domains() -> dict[str, list[type]]:
    """Domain subclasses registered in place of a library's domain of the same name, by the package whose
    domain they replace."""
    return {"sphinxcontrib-bibtex": [FastBibtexDomain]}


def _patches() -> dict[str, list[tuple[Any, str, Any]]]:
    """(owner, attribute, replacement) for each patch of a library's code that no API reaches, by the package
    whose code it replaces. sphinxcontrib-bibtex's post-transform is registered by the library's setup, and Sphinx
    has no way to replace a registered post-transform, so its ``run`` is patched."""
    return {
        "pybtex": [
            (pybtex.plugin, "_load_entry_point", _cached_load_entry_point),
            (pybtex.plugin, "register_plugin", _register_plugin),
            (pybtex.richtext.Text, "from_latex", classmethod(from_latex)),
            (pybtex.richtext.BaseMultipartText, "__init__", multipart_text_init),
        ],
        "sphinxcontrib-bibtex": [
            (bibtex_transforms.BibliographyTransform, "run", bibliography_transform_run),
        ],
        "sphinx": [
            (StandardDomain, "_resolve_numref_xref", _resolve_numref_xref),
            (TocTreeCollector, "assign_figure_numbers", assign_figure_numbers),
        ],
        "docutils": [
            (docutils.transforms.universal.SmartQuotes, "apply", smart_quotes_apply),
            (docutils.nodes.Node, "__new__", staticmethod(_node_new)),
            (docutils.nodes.Node, "findall", findall),
            (docutils.nodes.Node, "walkabout", walkabout),
        ],
        "sphinx-last-updated-by-git": [
            (last_updated_by_git, "update_file_dates", update_file_dates),
        ],
    }


def enable(app: Sphinx, installed: Any = _installed) -> list[str]:
    """Apply every group of patches whose package is at the version it was written for, and register its domain
    subclasses; return the packages whose patches stepped aside (each with one warning). Called when the
    configuration is read, after every extension's setup (so after the library registered its own domain) and
    before the environment creates the domains."""
    skipped = []
    for package, patches in _patches().items():
        version = installed(package)
        if version != PATCHED_FOR[package]:
            skipped.append(package)
            logger.warning(
                f"book_speed: {package} is {version}, but its speed-ups were written for {PATCHED_FOR[package]}; "
                "they are switched off (the build is slower, not different). Review them against the new version "
                "and update PATCHED_FOR in _ext/book_speed.py.",
                type="book",
                subtype="speed",
            )
            continue
        for owner, attribute, replacement in patches:
            setattr(owner, attribute, replacement)
        if package == "docutils":
            _note_nodes_made_before()
        for domain in _domains().get(package, []):
            app.add_domain(domain, override=True)
    return skipped


def setup(app: Sphinx) -> dict[str, Any]:
    # BOOK_SPEEDUPS=0 in the environment switches them off (tests compare the whole book with and without)
    app.add_config_value("book_speedups", os.environ.get("BOOK_SPEEDUPS", "1") != "0", "env", types=[bool])
    app.setup_extension("sphinxcontrib.bibtex")  # its domain is registered first, whatever the extensions' order
    app.add_post_transform(FreezeBibliographies)
    app.connect("config-inited", lambda app, config: enable(app) if config.book_speedups else None)
    app.connect("config-inited", lambda app, config: collect_less_often() if config.book_speedups else None)
    app.connect("builder-inited", lambda app: freeze_what_lives() if app.config.book_speedups else None)
    app.connect("builder-inited", format_in_background, priority=600)  # after sphinxcontrib-bibtex parses (500)
    app.connect("build-finished", stop_background_formatting)
    app.connect("build-finished", save_text_cache)
    app.connect("build-finished", save_label_cache)
    app.connect("env-before-read-docs", ask_git_for_documents_ahead)
    app.connect("env-updated", ask_git_for_dependencies_ahead, priority=400)  # before the library asks (500)
    app.connect("build-finished", forget_git_asked_ahead)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
