"""Edited styles and scripts reach the pages, in ``make build`` and in the live preview.

Sphinx copies ``_static/`` only when some page is out of date, and every page names each asset with a checksum
of its content (``book.css?v=…``). So when a file under ``html_static_path`` differs from its copy in the
output, every page is written again (the sources are not re-read): an edit to ``_static/book.css`` shows at
once, and no browser keeps the old version.
"""

from __future__ import annotations

import filecmp
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def changed_static_files(app: Sphinx) -> list[str]:
    """The project's own files under html_static_path that are missing from the output or differ from it.
    Extensions' static folders (also on html_static_path) change only with the package, and files ending in
    ``_t`` are templates that are rendered rather than copied, so neither is compared."""
    out = Path(app.outdir) / "_static"
    confdir = Path(app.confdir).resolve()
    changed: list[str] = []
    for entry in dict.fromkeys(app.config.html_static_path):
        source = (confdir / entry).resolve()
        if not source.is_relative_to(confdir):
            continue
        files = [source] if source.is_file() else sorted(f for f in source.rglob("*") if f.is_file())
        for file in files:
            if file.name.endswith("_t"):
                continue
            target = out / (file.name if file == source else file.relative_to(source))
            if not target.is_file() or not filecmp.cmp(file, target, shallow=False):
                changed.append(file.relative_to(confdir).as_posix())
    return changed


def rewrite_pages_when_static_files_change(app: Sphinx) -> None:
    builder = app.builder
    if builder.format != "html" or not Path(app.outdir, ".buildinfo").exists():
        return  # a first build writes everything anyway
    own = builder.get_outdated_docs

    def get_outdated_docs() -> Iterator[str] | str:
        changed = changed_static_files(app)
        if not changed:
            return own()
        shown = ", ".join(changed[:3]) + (" and others" if len(changed) > 3 else "")
        logger.info("%s changed: writing every page again", shown)
        return iter(sorted(app.env.found_docs))

    builder.get_outdated_docs = get_outdated_docs  # type: ignore[method-assign]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", rewrite_pages_when_static_files_change)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
