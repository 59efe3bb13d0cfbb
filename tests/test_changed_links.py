"""The fast half of linkcheck: only the links a pull request adds are checked, and a move is not an addition."""

from __future__ import annotations

import importlib.util
import subprocess

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("changed_links", ROOT / ".ci" / "changed_links.py")
cl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cl)


def test_urls_are_found_in_bibtex_markdown_and_prose() -> None:
    text = (
        "  url = {https://arxiv.org/abs/2401.00001},\n"
        "See [the card](https://huggingface.co/org/model). Also https://example.org/page, and "
        "https://en.wikipedia.org/wiki/Python_(programming_language)."
    )
    assert cl.urls_in(text) == [
        "https://arxiv.org/abs/2401.00001",
        "https://huggingface.co/org/model",
        "https://example.org/page",
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
    ]


def test_only_links_on_added_lines_count_and_moved_lines_do_not() -> None:
    diff = (
        "--- a/x.md\n+++ b/x.md\n"
        "-Old text https://moved.example/a and https://gone.example/b\n"
        "+New text https://moved.example/a and https://new.example/c\n"
        "+Again https://new.example/c\n"
    )
    assert cl.added_urls(diff) == ["https://new.example/c"]


def test_the_diff_is_taken_against_the_merge_base(tmp_path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (tmp_path / "chapter.md").write_text("Intro https://old.example/x\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("https://not-a-source.example/\n", encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "pr")
    (tmp_path / "chapter.md").write_text(
        "Intro https://old.example/x\nNew https://new.example/y\n", encoding="utf-8"
    )
    (tmp_path / "notes.txt").write_text("https://still-not-a-source.example/\n", encoding="utf-8")
    git("commit", "-qam", "change")
    assert cl.added_urls(cl.git_diff("main", root=tmp_path)) == ["https://new.example/y"]


@pytest.mark.parametrize(
    "status, error, expected",
    [
        (200, None, "ok"),
        (301, None, "ok"),
        (404, None, "broken"),
        (410, None, "broken"),
        (403, None, "warning"),
        (429, None, "warning"),
        (503, None, "warning"),
        (None, "[Errno -2] Name or service not known", "broken"),
        (None, "timed out", "warning"),
    ],
)
def test_only_missing_pages_and_hosts_fail_the_check(status, error, expected) -> None:
    assert cl.verdict(status, error) == expected


def test_github_requests_carry_the_workflow_token_and_others_do_not(monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    assert cl.headers_for("https://github.com/org/repo")["Authorization"] == "Bearer secret"
    assert "Authorization" not in cl.headers_for("https://example.org/")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert "Authorization" not in cl.headers_for("https://github.com/org/repo")


def test_the_ignore_list_is_the_full_checks_own() -> None:
    assert isinstance(cl.ignore_patterns(), list)
