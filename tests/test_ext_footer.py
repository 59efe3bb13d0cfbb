"""book_footer: contributors from git history, feedback links, comments only on request."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, FixtureBook

sys.path.insert(0, str(ROOT / "_ext"))
import book_footer  # noqa: E402


def test_github_login_only_from_noreply_addresses() -> None:
    assert book_footer.github_login("12345+octo-cat@users.noreply.github.com") == "octo-cat"
    assert book_footer.github_login("octocat@users.noreply.github.com") == "octocat"
    assert book_footer.github_login("octocat@github.com") is None
    assert book_footer.github_login("someone@example.org") is None
    assert book_footer.github_login("-bad@users.noreply.github.com") is None


def test_parse_log_counts_and_orders() -> None:
    log = "Ann\tann@example.org\nBob\t7+bob@users.noreply.github.com\nAnn\tann@example.org\n\tno-name@x.org\n"
    people = book_footer.parse_log(log)
    assert [(p.name, p.commits, p.url) for p in people] == [
        ("Ann", 2, None),
        ("Bob", 1, "https://github.com/bob"),
    ]


def _git(path, *args: str, email: str = "a@b.c", name: str = "A") -> None:
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "HOME": str(path),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, env=env)


def test_footer_lists_chapter_contributors_without_emails(fixture_book: FixtureBook) -> None:
    fixture_book.write()
    path = fixture_book.path
    _git(path, "init", "-q", "-b", "main")
    _git(path, "add", ".")
    _git(path, "commit", "-qm", "start", email="ann.private@example.org", name="Ann Writer")
    (path / "chapter.md").write_text(fixture_book.files["chapter.md"] + "\n", encoding="utf-8")
    fixture_book.files["chapter.md"] += "\n"
    _git(path, "commit", "-qam", "edit", email="99+bobgh@users.noreply.github.com", name="Bob Editor")
    result = fixture_book.build()
    assert result.returncode == 0, result.output
    html = (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    assert "Ann Writer" in html and "Bob Editor" in html
    assert '<a href="https://github.com/bobgh">Bob Editor</a>' in html
    assert "ann.private@example.org" not in html and "noreply" not in html
    assert "https://github.com/example/book/edit/main/chapter.md" in html
    assert "https://github.com/example/book/issues/new?title=chapter.md" in html


def test_comments_are_off_by_default(fixture_book: FixtureBook) -> None:
    result = fixture_book.build()
    html = (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    assert "comments-load" not in html and "comments.js" not in html


GISCUS = 'book_giscus = {"repo": "example/book", "repo_id": "R_1", "category": "Comments", "category_id": "C_1"}'


def test_comments_button_only_in_production_build(tmp_path) -> None:
    book = FixtureBook(tmp_path / "book", extra_conf=GISCUS + f"\nhtml_static_path = [{str(ROOT / '_static')!r}]")
    result = book.build(env={"BOOK_COMMENTS": "1"})
    assert result.returncode == 0, result.output
    chapter = (result.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    assert 'class="comments-load"' in chapter and 'data-repo-id="R_1"' in chapter
    assert "comments.js" in chapter
    assert "giscus.app" not in chapter, "giscus may only be requested by comments.js after a click"
    glossary = (result.outdir / "glossary" / "index.html").read_text(encoding="utf-8")
    assert "comments.js" not in glossary


def test_comments_switched_on_without_settings_is_an_error(fixture_book: FixtureBook) -> None:
    result = fixture_book.build(env={"BOOK_COMMENTS": "1"})
    assert result.returncode != 0
    assert "book_giscus lacks repo, repo_id, category, category_id" in result.output


def test_git_logs_started_ahead_give_what_one_log_at_a_time_gives(monkeypatch) -> None:
    """The logs started before reading give each chapter the contributors a log run when its footer is reached
    gives (the real repository, with renames followed); logs no footer asked for are reaped."""
    from types import SimpleNamespace

    repo = str(ROOT)
    chapters = ["licences", "models", "glossary"]
    monkeypatch.setattr(book_footer, "_contributors", {})
    one_at_a_time = {name: book_footer.git_contributors(repo, f"{name}.md") for name in chapters}
    whole = book_footer.git_contributors(repo, None)
    assert all(one_at_a_time.values()) and whole

    monkeypatch.setattr(book_footer, "_contributors", {})
    app = SimpleNamespace(srcdir=ROOT)
    env = SimpleNamespace(doc2path=lambda docname: ROOT / f"{docname}.md")
    book_footer.start_git_logs(app, env, [*chapters, "index"])
    assert len(book_footer._running) == len(chapters) + 2  # and the whole repository's
    for name in chapters:
        assert book_footer.git_contributors(repo, f"{name}.md") == one_at_a_time[name]
    assert book_footer.git_contributors(repo, None) == whole
    running = list(book_footer._running.values())
    book_footer.stop_git_logs()
    assert book_footer._running == {} and all(process.returncode is not None for process in running)
