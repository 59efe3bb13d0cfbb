"""A local HTTP server for a built site, compressing text as a real host does, and a headless Chromium.

Shared by the browser tests and the benchmark script. Chromium comes from Debian (/usr/bin/chromium); the
launch flags keep it from reaching out to Google's services on start.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
COMPRESS = {".html", ".css", ".js", ".svg", ".json", ".txt", ".xml", ".md", ".csv"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".md": "text/markdown; charset=utf-8",
        ".svg": "image/svg+xml",
    }

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if self.prefix != "/" and path.startswith(self.prefix):
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the base class redirects /dir to /dir/
            path = path / "index.html"
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        if not path.is_file() or path.suffix not in COMPRESS or not gzip_ok:
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def site_prefix() -> str:
    """The path the site is published under (the 404 page's links are absolute and include it)."""
    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parent.parent / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"].get("notfound_urls_prefix", "/")


@contextmanager
def serve(directory: Path, host: str = "127.0.0.1", prefix: str = "/") -> Iterator[str]:
    """Serve ``directory`` on a free loopback port under ``prefix``; yields the base URL."""
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer((host, 0), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def live_command(book: Path, out: Path, port: int, ignore: list[str]) -> list[str]:
    """The command ``make live`` runs (the preview server of _ext/book_live.py) for ``book``, writing to ``out``,
    serving 127.0.0.1:``port`` and ignoring the ``ignore`` patterns; the tests and the benchmark both start it."""
    command = [sys.executable, str(Path(__file__).resolve().parent.parent / "_ext" / "book_live.py"), str(book)]
    command += [str(out), "-b", "dirhtml", "--host", "127.0.0.1", "--port", str(port)]
    for pattern in ignore:
        command += ["--ignore", pattern]
    return command
