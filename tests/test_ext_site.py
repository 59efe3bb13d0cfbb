"""book_html and book_polish: string-level fixes of the theme's HTML report themselves when the theme's markup changes."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))


def test_a_theme_fix_that_matches_nothing_is_named() -> None:
    """Each string-level fix of the theme's HTML must still find its markup somewhere (fixed or not); one that
    matches no page after a theme upgrade is reported instead of silently doing nothing."""
    import book_html

    page = "".join(old for old, _ in book_html.HTML_FIXES)
    assert book_html.unmatched_fixes([page]) == []
    assert book_html.unmatched_fixes([book_html.polish_html(page)]) == [], "pages already fixed count as matched"
    upgraded = page.replace('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer new">')
    assert book_html.unmatched_fixes([upgraded]) == ['<aside class="sidebar-drawer">']
    assert book_html.unmatched_fixes([upgraded], theme="alabaster") == [], (
        "furo's fixes are checked under furo only"
    )
