"""Make sphinxcontrib-bibtex fast on a book with thousands of citations.

Profiling a clean build (``python -m cProfile -m sphinx ...``) showed two hot spots, both independent of what
the book contains:

* pybtex looks plugins up through ``importlib.metadata`` entry points on every call, and
  sphinxcontrib-bibtex asks for the same plain-text backend once per citation: about 25 ms each time, over
  half the build. The lookup is cached here (and the cache cleared whenever a plugin is registered).
* ``BibtexDomain.get_filtered_entries`` rescans every citation for every entry of every bibliography
  (entries x citations x chapters). The replacement below indexes the citations once per bibliography and
  otherwise does exactly what the original does.

Both patch pinned versions (see requirements.txt); tests/test_ext_bibtex.py checks that the output is the
same with and without them.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pybtex.plugin
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinxcontrib.bibtex import domain as bibtex_domain

logger = logging.getLogger(__name__)

_original_load_entry_point = pybtex.plugin._load_entry_point
_original_register_plugin = pybtex.plugin.register_plugin
_original_get_filtered_entries = bibtex_domain.BibtexDomain.get_filtered_entries


@functools.lru_cache(maxsize=None)
def _cached_load_entry_point(group: str, name: str, use_aliases: bool = False) -> Any:
    return _original_load_entry_point(group, name, use_aliases)


def _register_plugin(*args: Any, **kwargs: Any) -> Any:
    _cached_load_entry_point.cache_clear()
    return _original_register_plugin(*args, **kwargs)


def get_filtered_entries(self: Any, bibliography_key: Any) -> Iterable[tuple[str, Any]]:
    """sphinxcontrib-bibtex 2.7's method, with the citing documents of each key computed once."""
    bibliography = self.bibliographies[bibliography_key]
    cited_docnames_by_key: dict[str, set[str]] = defaultdict(set)
    for citation_ref in self.citation_refs:
        for target in citation_ref.targets:
            cited_docnames_by_key[target.key].add(citation_ref.docname)
    for entry in self.get_entries(bibliography.bibfiles):
        key = bibliography.keyprefix + entry.key
        visitor = bibtex_domain._FilterVisitor(
            entry=entry,
            docname=bibliography_key.docname,
            cited_docnames=cited_docnames_by_key.get(key, set()),
        )
        try:
            success = visitor.visit(bibliography.filter_)
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


def enable() -> None:
    pybtex.plugin._load_entry_point = _cached_load_entry_point
    pybtex.plugin.register_plugin = _register_plugin
    bibtex_domain.BibtexDomain.get_filtered_entries = get_filtered_entries


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_bibtex_speedups", True, "env", types=[bool])
    app.connect("config-inited", lambda app, config: enable() if config.book_bibtex_speedups else None)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
