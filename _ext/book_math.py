"""Maths rendered to MathML at build time (latex2mathml), so pages need no MathJax and no network.

MathML Core is rendered natively by current Chromium, Firefox and Safari. A formula that latex2mathml cannot
convert is reported with its file and line and left as plain TeX, rather than breaking the build silently.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def formula_fallback(latex: str, node: nodes.Element, failure: str, error: Exception) -> str:
    """Report a formula a converter could not draw, with its file and line, and keep it as plain TeX."""
    logger.warning("%s (%s): %s", failure, error, latex.strip(), location=node, type="book", subtype="math")
    return f'<code class="math-tex">{html.escape(latex)}</code>'


def to_mathml(latex: str, display: str, node: nodes.Element) -> str:
    try:
        return convert(latex.strip(), display=display)
    except Exception as error:  # latex2mathml raises many exception types for bad input
        return formula_fallback(latex, node, "cannot convert this formula to MathML", error)


def visit_math(self: Any, node: nodes.Element) -> None:
    self.body.append(to_mathml(node.astext(), "inline", node))
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.Element) -> None:
    latex = node.astext()
    ids = " ".join(node.get("ids", []))
    number = ""
    if node.get("number"):
        number = f'<span class="eqno">({node["number"]})</span>'
    id_attr = f' id="{ids.split()[0]}"' if ids else ""
    self.body.append(f'<div class="math-display"{id_attr}>{to_mathml(latex, "block", node)}{number}</div>')
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
