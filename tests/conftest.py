"""Shared fixtures: the real book built once, strictly and offline, and tiny fixture books."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = Path(__file__).resolve().parent / "offline"
BIN = Path(sys.executable).parent
# The extensions that shape the site's pages beyond their text, in the order _config.yml lists them: a fixture
# book that should look like the site lists these
SITE_EXTENSIONS = ("book_static", "book_assets", "book_cards", "book_lazy_layout", "book_polish", "book_exports")


def offline_command(command: list[str]) -> list[str]:
    """Run ``command`` without a network namespace where the kernel allows it (``unshare -rn``)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn", *command]
    return command


def offline_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(OFFLINE), env.get("PYTHONPATH", "")]))
    env.pop("BOOK_COMMENTS", None)
    env.update(extra)
    return env


@dataclass
class Build:
    returncode: int
    output: str
    outdir: Path


def build_real_book(outdir: Path, builder: str = "dirhtml", every_page: bool = True, **env: str) -> Build:
    """Build the real book strictly and offline into ``outdir``; ``every_page=False`` rebuilds only what changed,
    as `make build` and the live preview do."""
    command = offline_command(
        [
            str(BIN / "jupyter-book"),
            "build",
            str(ROOT),
            "--builder",
            "custom",
            "--custom-builder",
            builder,
            "--path-output",
            str(outdir),
            "-W",
            "-n",
            "--keep-going",
            *(["--all"] if every_page else []),
        ]
    )
    result = subprocess.run(command, capture_output=True, text=True, env=offline_env(**env), cwd=ROOT)
    return Build(result.returncode, result.stdout + result.stderr, outdir / "_build" / builder)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session: Playwright's sync API allows one driver per thread."""
    from sitetools import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def book_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real book, built once per test session, strictly (-W -n) and with the network cut off."""
    result = build_real_book(tmp_path_factory.mktemp("book"))
    if result.returncode != 0:
        pytest.fail(f"strict offline build failed:\n{result.output[-6000:]}")
    return result


FIXTURE_CONF = """
import sys
sys.path.insert(0, {ext!r})
project = "Fixture"
extensions = ["myst_parser", "sphinx_external_toc", "sphinxcontrib.bibtex", "book_checks", "book_footer"{more}]
external_toc_path = "_toc.yml"
bibtex_bibfiles = ["references.bib"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
templates_path = [{templates!r}]
exclude_patterns = ["_build", "_data"]
nitpicky = True
numfig = True
book_repository_url = "https://github.com/example/book"
{extra}
"""

GOOD_CHAPTER = """\
# A chapter

:::{admonition} TL;DR
:class: tldr

- A claim {cite}`doe2024thing`.
:::

## Background

Some text with a {term}`Token`.

```{chapter-footer}
```

## References

```{bibliography}
:filter: docname in docnames
```
"""

GOOD_INDEX = """\
# Fixture book

Front matter.

```{chapter-footer}
```
"""

GOOD_GLOSSARY = """\
# Glossary

```{glossary}
:sorted:

Token
  A unit of text.
```
"""

GOOD_BIB = """\
@online{doe2024thing,
  title = {A thing},
  author = {Doe, Jane},
  year = {2024},
  url = {https://example.org/thing},
  urldate = {2026-11-27},
}
"""

GOOD_TOC = """\
format: jb-book
root: index
chapters:
  - file: chapter
  - file: glossary
"""


class FixtureBook:
    """A tiny book in ``tmp_path`` using the book's own extensions; edit files, then ``build()``."""

    def __init__(self, path: Path, extensions: tuple[str, ...] = (), extra_conf: str = "") -> None:
        self.path = path
        more = "".join(f", {name!r}" for name in extensions)
        self.files = {
            "conf.py": FIXTURE_CONF.format(
                ext=str(ROOT / "_ext"), templates=str(ROOT / "_templates"), more=more, extra=extra_conf
            ),
            "_toc.yml": GOOD_TOC,
            "index.md": GOOD_INDEX,
            "chapter.md": GOOD_CHAPTER,
            "glossary.md": GOOD_GLOSSARY,
            "references.bib": GOOD_BIB,
        }

    def write(self) -> None:
        for name, text in self.files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            content = textwrap.dedent(text) if name != "conf.py" else text
            if not target.is_file() or target.read_text(encoding="utf-8") != content:  # keep mtimes of the rest
                target.write_text(content, encoding="utf-8")

    def build(self, builder: str = "dirhtml", env: dict[str, str] | None = None, fresh: bool = True) -> Build:
        """Build strictly; ``fresh=False`` builds incrementally on the last build, as ``make build`` does."""
        self.write()
        outdir = self.path / "_build" / builder
        command = [
            str(BIN / "python"),
            "-m",
            "sphinx",
            "-b",
            builder,
            "-W",
            "--keep-going",
            *(["-q", "-E"] if fresh else []),
            str(self.path),
            str(outdir),
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=offline_env(**(env or {})))
        return Build(result.returncode, result.stdout + result.stderr, outdir)


@pytest.fixture
def fixture_book(tmp_path: Path) -> FixtureBook:
    return FixtureBook(tmp_path / "book")
