"""The live preview behind `make live`: sphinx-autobuild, started so that it works in a Codespace too.

This is the one module under _ext/ that is not a Sphinx extension: it is the launcher `make live` runs.

* **The reload socket.** sphinx-autobuild 2025.8.25 injects ``new WebSocket("ws://HOST:PORT/websocket-reload")``
  into every page, with the host and port it was started on. In a GitHub Codespace the browser reaches the
  server through a forwarded https address (``https://NAME-8000.app.github.dev/``), so that script points at
  port 8000 on the reader's own machine, and an https page may not open a plain ``ws://`` socket anyway: the
  page never reloads. The script below builds the address from the page's own location (``wss:`` on https),
  which is the same server locally and through any forwarded port. On another version of sphinx-autobuild the
  patch steps aside with one warning (the preview then reloads only where the original script works).
  No upstream issue is known yet.
* **Search is not indexed again on each rebuild.** The launcher sets ``BOOK_LIVE_PREVIEW=1`` for the builds it
  runs, and book_search then keeps the Pagefind index of the preview's first build (about a second a rebuild).
* **One server per port.** The dev container runs `make live` each time an editor attaches. If a live
  preview is already answering on the port, a second one is not started: the launcher says where the running
  one is and exits successfully.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import socket
import sys
import warnings

PATCHED_FOR = "2025.8.25"

RELOAD_SCRIPT = """
<script>
(() => {
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + window.location.host + "/websocket-reload");
  ws.onmessage = () => window.location.reload();
})();
</script>
"""


def reload_script(ws_url: str) -> str:
    """The script sphinx-autobuild injects, with the socket's address taken from the page, not from ``ws_url``."""
    return RELOAD_SCRIPT


def patch_reload_script() -> bool:
    """Make sphinx-autobuild inject :func:`reload_script`; False (with a warning) on an unknown version."""
    version = importlib.metadata.version("sphinx-autobuild")
    if version != PATCHED_FOR:
        warnings.warn(
            f"book_live: written for sphinx-autobuild {PATCHED_FOR}, found {version}; the reload script is left "
            "as it is, so the preview may not reload through a forwarded port (a Codespace)",
            stacklevel=2,
        )
        return False
    import sphinx_autobuild.middleware

    sphinx_autobuild.middleware.web_socket_script = reload_script
    return True


def already_serving(host: str, port: int) -> bool:
    """True if something accepts connections on ``host:port`` (a preview started by an earlier attach)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    known, _ = parser.parse_known_args(argv)
    if already_serving(known.host, known.port):
        print(
            f"make live: a preview is already serving http://{known.host}:{known.port}/ (it rebuilds on save); "
            "not starting a second one. To restart it, stop the first (Ctrl-C in its terminal) and run make live."
        )
        return 0
    patch_reload_script()
    os.environ["BOOK_LIVE_PREVIEW"] = "1"  # for the builds sphinx-autobuild runs: book_search keeps its index
    from sphinx_autobuild.__main__ import main as autobuild

    autobuild(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
