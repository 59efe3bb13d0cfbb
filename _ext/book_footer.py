"""The chapter footer and the contributor lists, computed from git history at build time.

``{chapter-footer}`` renders ``_templates/chapter-footer.html``: a feedback box (open an issue, edit this page
on GitHub), a comments button that loads giscus only when the reader clicks it (and only when the build is a
production build with comments configured), and the people who changed this chapter.

``{contributors}`` renders everyone who has changed the book, for the front matter.

``{book-downloads}`` links to the whole book as PDF and EPUB (``_templates/downloads.html``), which the deploy
workflow publishes next to the site; every chapter footer has the same links.

Contributors come from ``git log`` on the local checkout, so the build needs no network. A name links to a
GitHub profile only when the commit e-mail is a GitHub noreply address; e-mail addresses are never published.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from book_html import add_page_script
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

NOREPLY_RE = re.compile(
    r"^(?:\d+\+)?(?P<login>[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?)@users\.noreply\.github\.com$",
    re.IGNORECASE,
)
GISCUS_KEYS = ("repo", "repo_id", "category", "category_id")


@dataclass(frozen=True)
class Contributor:
    name: str
    commits: int
    github: str | None  # login, only from a noreply address

    @property
    def url(self) -> str | None:
        return f"https://github.com/{self.github}" if self.github else None


def github_login(email: str) -> str | None:
    match = NOREPLY_RE.match(email.strip())
    return match.group("login") if match else None


def parse_log(output: str) -> list[Contributor]:
    """Turn ``git log --format=%aN%x09%aE`` output into contributors, most commits first."""
    counts: Counter[str] = Counter()
    logins: dict[str, str] = {}
    for line in output.splitlines():
        if "\t" not in line:
            continue
        name, email = line.split("\t", 1)
        name = name.strip()
        if not name:
            continue
        counts[name] += 1
        login = github_login(email)
        if login:
            logins.setdefault(name, login)
    return [
        Contributor(name, n, logins.get(name))
        for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
    ]


_contributors: dict[tuple[str, str | None], tuple[Contributor, ...]] = {}  # (repository, path) -> contributors
_running: dict[tuple[str, str | None], subprocess.Popen[str]] = {}  # git logs started ahead, not yet read


def start_git_log(repo: str, path: str | None) -> subprocess.Popen[str] | None:
    command = ["git", "-C", repo, "log", "--format=%aN%x09%aE"]
    if path:
        command += ["--follow", "--", path]
    try:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return None


def git_contributors(repo: str, path: str | None) -> tuple[Contributor, ...]:
    """Contributors to ``path`` (or the whole repository), or none outside a git checkout."""
    key = (repo, path)
    if key not in _contributors:
        process = _running.pop(key, None) or start_git_log(repo, path)
        contributors: tuple[Contributor, ...] = ()
        if process is not None:
            try:
                stdout, _ = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
            else:
                if process.returncode == 0:
                    contributors = tuple(parse_log(stdout))
        _contributors[key] = contributors
    return _contributors[key]


def start_git_logs(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Start the git logs of the documents about to be read (and of the whole repository) all at once, so that
    git runs while Sphinx reads, rather than one log at a time when each footer is reached (about 0.4 s)."""
    repo = str(app.srcdir)
    for path in [None, *(Path(env.doc2path(d)).relative_to(app.srcdir).as_posix() for d in sorted(docnames))]:
        if (repo, path) not in _contributors and (repo, path) not in _running:
            process = start_git_log(repo, path)
            if process is not None:
                _running[repo, path] = process


def stop_git_logs(*args: Any) -> None:
    """Reap the logs started ahead that no footer asked for (a page without one)."""
    while _running:
        _, process = _running.popitem()
        process.kill()
        process.communicate()


def comments_settings(app: Sphinx) -> dict[str, str] | None:
    """The giscus settings, or None: comments are off unless this is a production build and all are set."""
    if os.environ.get(app.config.book_comments_env, "") != "1":
        return None
    settings = {key: str(value) for key, value in (app.config.book_giscus or {}).items() if value}
    for key in ("repo_id", "category_id"):  # ids may come from the deploy workflow's environment
        from_env = os.environ.get(f"GISCUS_{key.upper()}", "")
        if from_env and key not in settings:
            settings[key] = from_env
    missing = [key for key in GISCUS_KEYS if key not in settings]
    if missing:
        logger.warning(
            "comments are switched on (%s=1) but book_giscus lacks %s in _config.yml",
            app.config.book_comments_env,
            ", ".join(missing),
            type="book",
            subtype="comments",
        )
        return None
    return settings


def render_template(app: Sphinx, name: str, context: dict[str, Any]) -> list[nodes.Node]:
    """Render one of _templates/ as raw HTML (nothing for builders without templates, e.g. linkcheck)."""
    if not hasattr(app.builder, "templates"):
        return []
    return [nodes.raw("", app.builder.templates.render(name, context), format="html")]


def download_urls(app: Sphinx) -> dict[str, str]:
    """Where the deploy workflow publishes the PDF and the EPUB: next to the site, at its published address (the
    same address in the site, the PDF and the EPUB, none of which carries the other files)."""
    base = (app.config.html_baseurl or "").rstrip("/")
    base = f"{base}/" if base else ""
    pdf = getattr(app.config, "book_pdf_filename", "book.pdf")
    epub = f"{getattr(app.config, 'epub_basename', 'book')}.epub"
    return {"pdf_url": base + pdf, "epub_url": base + epub}


class ChapterFooter(SphinxDirective):
    """``{chapter-footer}``: feedback, comments and contributors for the current chapter."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        app = self.env.app
        srcdir = Path(app.srcdir)
        source = Path(self.env.doc2path(self.env.docname))
        relpath = source.relative_to(srcdir).as_posix()
        repo_url = app.config.book_repository_url.rstrip("/")
        branch = app.config.book_repository_branch
        comments = comments_settings(app)
        context = {
            "issue_url": f"{repo_url}/issues/new?title={relpath}%3A%20&labels=feedback",
            "edit_url": f"{repo_url}/edit/{branch}/{relpath}",
            "history_url": f"{repo_url}/commits/{branch}/{relpath}",
            "contributors": git_contributors(str(srcdir), relpath),
            "comments": comments,
            "term": relpath,
            **download_urls(app),
        }
        return render_template(app, "chapter-footer.html", context)


class ContributorList(SphinxDirective):
    """``{contributors}``: everyone who has changed the book."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        app = self.env.app
        return render_template(app, "contributors.html", {"contributors": git_contributors(str(app.srcdir), None)})


class BookDownloads(SphinxDirective):
    """``{book-downloads}``: links to the whole book as PDF and EPUB."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        return render_template(self.env.app, "downloads.html", download_urls(self.env.app))


def add_comments_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Only pages with a comments button (production builds with comments on) get the tiny loader."""
    if 'class="comments-load"' in context.get("body", ""):
        add_page_script(context, "comments.js")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_repository_url", "https://github.com/OWNER/REPO", "env")
    app.add_config_value("book_repository_branch", "main", "env")
    # Comments are a production-only side effect: on only when this environment variable is "1".
    app.add_config_value("book_comments_env", "BOOK_COMMENTS", "env")
    app.add_config_value("book_giscus", {}, "env")
    # Jupyter Book always passes its own `html.comments` setting as `comments_config` for the
    # sphinx-comments extension, which this book does not load (giscus above replaces it): accept it here
    # so that the strict build does not stop on an unknown setting, and ignore it.
    if "comments_config" not in app.config.values:
        app.add_config_value("comments_config", {}, "html")
    app.add_directive("chapter-footer", ChapterFooter)
    app.add_directive("contributors", ContributorList)
    app.add_directive("book-downloads", BookDownloads)
    app.connect("html-page-context", add_comments_script)
    app.connect("env-before-read-docs", start_git_logs)
    app.connect("env-updated", stop_git_logs)
    app.connect("build-finished", stop_git_logs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
