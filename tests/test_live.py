"""The live preview (`make live`, _ext/book_live.py) reloads the page through a forwarded port, as in a Codespace,
and a second start on the same port does not start a second server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, FixtureBook, offline_env
from sitetools import live_command

pytestmark = pytest.mark.browser

# A plain TCP forwarder, as a Codespace's port forwarding is to the browser: another address, same server.
FORWARDER = """
import asyncio, sys
listen, target = int(sys.argv[1]), int(sys.argv[2])
async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
async def handle(reader, writer):
    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing answered at {url} within {seconds} s")


def launch(book: Path, out: Path, port: int) -> list[str]:
    return live_command(book, out, port, [f"{out}/*"])


def test_live_preview_reloads_through_a_forwarded_port_and_starts_once(browser: Any, tmp_path: Path) -> None:
    book = FixtureBook(tmp_path / "book")
    book.write()
    out = tmp_path / "live"
    port, forwarded = free_port(), free_port()
    env = offline_env()
    server = subprocess.Popen(
        launch(book.path, out, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    forwarder = subprocess.Popen([sys.executable, "-c", FORWARDER, str(forwarded), str(port)])
    try:
        wait_for(f"http://127.0.0.1:{port}/chapter/")

        second = subprocess.run(launch(book.path, out, port), capture_output=True, text=True, env=env, timeout=60)
        assert second.returncode == 0 and "already serving" in second.stdout, second.stdout + second.stderr

        sockets: list[str] = []
        context = browser.new_context()
        try:
            page: Any = context.new_page()
            page.on("websocket", lambda ws: sockets.append(ws.url))
            page.goto(f"http://127.0.0.1:{forwarded}/chapter/")
            page.wait_for_timeout(1500)
            assert sockets and all(f":{forwarded}/websocket-reload" in url for url in sockets), (
                f"the reload socket must use the address the page came from, not the server's: {sockets}"
            )

            chapter = book.path / "chapter.md"
            chapter.write_text(
                chapter.read_text(encoding="utf-8") + "\nA sentence added while previewing.\n", encoding="utf-8"
            )
            page.wait_for_function(
                "document.body.innerText.includes('A sentence added while previewing')", timeout=90_000
            )
        finally:
            context.close()
    finally:
        forwarder.kill()
        forwarder.wait()
        server.terminate()
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
    assert os.path.isdir(out)


WARM_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import book_live
status, modules = book_live.build_in_fork(sys.argv[2:])
before = set(sys.modules)
book_live.warm_up(modules)
print(json.dumps({"status": status, "built": [m for m, _ in modules], "warmed": sorted(set(sys.modules) - before)}))
"""


def warm_build(book: Path, out: Path, *args: str) -> dict[str, Any]:
    import json

    script = book.parent / "warm.py"
    script.write_text(WARM_SCRIPT, encoding="utf-8")
    command = [sys.executable, str(script), str(ROOT / "_ext"), str(book), str(out), "-b", "dirhtml", "-q", *args]
    result = subprocess.run(command, capture_output=True, text=True, env=offline_env(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_builds_run_in_a_fork_that_reports_its_status_and_warms_up_the_launcher(tmp_path: Path) -> None:
    """A build forked from the launcher writes the site and returns sphinx-build's status (non-zero when a strict
    build fails); the launcher then imports the installed modules that build used, never the book's own
    extensions (each build imports those afresh, so an edit to one takes effect), and no process is left."""
    book = FixtureBook(tmp_path / "book")
    book.write()
    good = warm_build(book.path, tmp_path / "out", "-W")
    assert good["status"] == 0 and (tmp_path / "out" / "chapter" / "index.html").exists()
    assert "book_checks" in good["built"] and "myst_parser" in good["built"]
    assert "myst_parser" in good["warmed"] and "sphinx.application" in good["warmed"]
    assert [name for name in good["warmed"] if name.startswith("book_") or name == "conf"] == []

    chapter = book.path / "chapter.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nSee {ref}`no-such-label`.\n", encoding="utf-8")
    bad = warm_build(book.path, tmp_path / "out-bad", "-W")
    assert bad["status"] != 0


def test_the_live_preview_builds_warm_only_on_the_version_it_was_written_for(monkeypatch: Any) -> None:
    sys.path.insert(0, str(ROOT / "_ext"))
    import book_live
    import sphinx_autobuild.__main__

    monkeypatch.setattr(book_live, "_launcher", [])
    monkeypatch.setattr(sphinx_autobuild.__main__, "Builder", sphinx_autobuild.__main__.Builder)
    monkeypatch.setattr(book_live.importlib.metadata, "version", lambda name: "0.0.1")
    assert book_live.use_warm_builds() is False
    assert sphinx_autobuild.__main__.Builder is not book_live.WarmBuilder
    monkeypatch.setattr(book_live.importlib.metadata, "version", lambda name: book_live.PATCHED_FOR)
    assert book_live.use_warm_builds() is True
    assert sphinx_autobuild.__main__.Builder is book_live.WarmBuilder
