"""Check only the external links that a pull request adds or changes: the fast, blocking half of linkcheck.

The full Sphinx linkcheck (``make linkcheck``) visits every link in the book, over a thousand, and some hosts are
slow or flaky on any given day; a pull request should not fail because a link it never touched timed out. This
script takes the diff between the pull request and its base, collects the URLs on added lines of the book's
sources (chapters, references.bib and the data files), and checks just those. The full check still runs, as a
report on pull requests and weekly on main.

    python .ci/changed_links.py --base origin/main        # what CI runs (make linkcheck-changed)
    python .ci/changed_links.py --base origin/main --list # print the URLs without checking them

A link counts as broken when the host does not resolve or answers 404 or 410. Other failures (403, 429, 5xx,
timeouts) are reported as warnings: hosts refuse robots, rate-limit and go down for reasons that say nothing about
the link. Requests to github.com and api.github.com carry $GITHUB_TOKEN when it is set, as the workflow does, so
that GitHub's rate limit for anonymous requests does not fail the job. Patterns in ``linkcheck_ignore`` in
_config.yml are honoured, as in the full check.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("*.md", "references.bib", "_data/*.yaml")
URL_RE = re.compile(r"https?://[^\s<>\"'`{}|\\^\[\]]+")
TRAILING = ".,;:!?)"
BROKEN_STATUSES = {404, 410}
USER_AGENT = "state-of-open-source-ai-linkcheck/1.0 (+https://github.com/premAI-io/state-of-open-source-ai)"


def clean(url: str) -> str:
    """A URL as found in prose or BibTeX, without the punctuation that ends the sentence or field around it."""
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def urls_in(text: str) -> list[str]:
    """Every http(s) URL in a piece of text, in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in URL_RE.finditer(text):
        seen.setdefault(clean(match.group(0)), None)
    return [url for url in seen if url]


def added_urls(diff: str) -> list[str]:
    """URLs on lines a unified diff adds that are not on any line it removes (a moved line is not a new link)."""
    added, removed = [], set()
    for line in diff.splitlines():
        if line.startswith("+++") or line.startswith("---"):
            continue
        if line.startswith("+"):
            added.extend(urls_in(line[1:]))
        elif line.startswith("-"):
            removed.update(urls_in(line[1:]))
    return [url for url in dict.fromkeys(added) if url not in removed]


def git_diff(base: str, root: Path = ROOT) -> str:
    """The diff of the book's sources between the merge base with `base` and the working tree's HEAD."""
    return subprocess.run(
        ["git", "diff", "--unified=0", f"{base}...HEAD", "--", *SOURCES],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def ignore_patterns(root: Path = ROOT) -> list[re.Pattern[str]]:
    """The linkcheck_ignore patterns from _config.yml, so that the fast check skips what the full check skips."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    patterns = ((config.get("sphinx") or {}).get("config") or {}).get("linkcheck_ignore") or []
    return [re.compile(pattern) for pattern in patterns]


def verdict(status: int | None, error: str | None = None) -> str:
    """'ok', 'broken' or 'warning' for an HTTP status (None when the request failed before a response)."""
    if status is None:
        return (
            "broken"
            if error
            and (
                "Name or service not known" in error
                or "nodename nor servname" in error
                or "No address associated" in error
            )
            else "warning"
        )
    if status in BROKEN_STATUSES:
        return "broken"
    if status >= 400:
        return "warning"
    return "ok"


def headers_for(url: str) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT}
    token = os.environ.get("GITHUB_TOKEN")
    host = urllib.parse.urlparse(url).hostname or ""
    if token and host in {"github.com", "api.github.com"}:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def fetch(url: str, timeout: float = 30) -> tuple[int | None, str | None]:
    """HEAD first, then GET for hosts that refuse HEAD; the status, or the error when there was no response."""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers_for(url))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, None
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in {403, 405, 501}:
                continue
            return exc.code, None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            if method == "HEAD":
                continue
            return None, str(getattr(exc, "reason", exc))
    return None, "no response"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="origin/main", help="the branch the pull request merges into")
    parser.add_argument("--list", action="store_true", help="print the added URLs and stop")
    args = parser.parse_args(argv)
    ignored = ignore_patterns()
    urls = [url for url in added_urls(git_diff(args.base)) if not any(p.match(url) for p in ignored)]
    if args.list:
        print("\n".join(urls))
        return 0
    if not urls:
        print("changed-links: the change adds no external links")
        return 0
    broken = 0
    for url in urls:
        status, error = fetch(url)
        result = verdict(status, error)
        broken += result == "broken"
        print(f"changed-links: {result:7} {status or error}  {url}")
    print(f"changed-links: {len(urls)} added links checked, {broken} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
