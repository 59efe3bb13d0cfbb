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
* **Rebuilds start warm.** sphinx-autobuild runs each rebuild as a fresh ``python -m sphinx build``, which spends
  over a second importing Sphinx, docutils, MyST, pybtex and the other extensions' packages before it reads a
  file, and more than a second freeing everything when it exits. Here each build runs in a child forked from
  the launcher, with the same arguments (a ``multiprocessing`` process, which leaves with ``os._exit`` once the
  build has finished and its output is flushed). After the first build the launcher imports every installed
  module that build imported (not the book's own extensions, which each build imports afresh, so that an edit
  to them takes effect), so the rebuilds, forked from it, start with them. Where processes cannot be forked, or on another version of
  sphinx-autobuild, builds run as before.
* **One server per port.** The dev container runs `make live` each time an editor attaches. If a live
  preview is already answering on the port, a second one is not started: the launcher says where the running
  one is and exits successfully.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.metadata
import os
import socket
import sys
import warnings
from pathlib import Path
from typing import Any

from sphinx_autobuild.build import Builder
from sphinx_autobuild.utils import show_command, show_message

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


def _build(sphinx_args: list[str], listing: str) -> None:
    """The child of :func:`build_in_fork`: the build, then the modules it imported written to ``listing``."""
    from sphinx.cmd.build import main as sphinx_build

    try:
        status = sphinx_build(list(sphinx_args))
    finally:
        with open(listing, "w", encoding="utf-8") as file:
            for name, module in list(sys.modules.items()):
                file.write(f"{name}\t{getattr(module, '__file__', None) or ''}\n")
    sys.exit(status)


def build_in_fork(sphinx_args: list[str]) -> tuple[int, list[tuple[str, str]]]:
    """``python -m sphinx build SPHINX_ARGS`` in a child forked from this process: its exit status, and the
    modules the child had imported when it finished (name and file). The child is a ``multiprocessing``
    process, which shuts down what the build started (sphinx-sitemap's manager), flushes its output and
    leaves without tearing down the rest."""
    import multiprocessing
    import tempfile

    sys.stdout.flush()
    sys.stderr.flush()
    handle, listing = tempfile.mkstemp(prefix="book-live-modules-", text=True)
    os.close(handle)
    try:
        child = multiprocessing.get_context("fork").Process(target=_build, args=(sphinx_args, listing))
        child.start()
        child.join()
        with open(listing, encoding="utf-8") as file:
            modules = [tuple(line.rstrip("\n").split("\t", 1)) for line in file if "\t" in line]
    finally:
        os.unlink(listing)
    return child.exitcode if child.exitcode is not None else 1, modules  # type: ignore[return-value]


def warm_up(modules: list[tuple[str, str]]) -> None:
    """Import the installed modules (the standard library's and site-packages') that a build imported, so that
    the builds forked from this process start with them. The book's own extensions are left out: each build
    imports them afresh, so that an edit to one takes effect."""
    import sysconfig

    installed = {Path(sysconfig.get_path(k)).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    for name, file in modules:
        if name in sys.modules or name.startswith("__"):
            continue
        if file and not any(Path(file).resolve().is_relative_to(folder) for folder in installed):
            continue
        with contextlib.suppress(Exception):  # a module that fails here is imported, or reported, by the build
            importlib.import_module(name)
    gc.collect()
    gc.freeze()  # what every build inherits stays out of its collections (and its pages shared with this one)


_launcher: list[int] = []  # the launcher's process id


class WarmBuilder(Builder):  # type: ignore[misc]
    """sphinx-autobuild 2025.8.25's ``Builder``, running sphinx-build in a child forked from this process (see
    :func:`build_in_fork`) rather than in a new interpreter. Everything else is as the original does it. (At
    module level: sphinx-autobuild hands it pickled to the process that runs a rebuild.)"""

    def __call__(self, *, changed_paths: Any) -> None:
        if changed_paths:
            cwd = Path.cwd()
            rel_paths = []
            for changed_path in changed_paths[:5]:
                if not changed_path.exists():
                    continue
                with contextlib.suppress(ValueError):
                    changed_path = changed_path.relative_to(cwd)
                rel_paths.append(changed_path.as_posix())
            if rel_paths:
                show_message(f"Detected changes ({', '.join(rel_paths)})")
            show_message("Rebuilding...")
        if self._run_commands(self.pre_build_commands, "pre-build") != 0:
            return
        show_command(["python", "-m", "sphinx", "build", *self.sphinx_args])
        status, modules = build_in_fork(self.sphinx_args)
        if status == 0 and _launcher and _launcher[0] == os.getpid():  # the first build, run by the launcher
            warm_up(modules)
        if status != 0:
            print(f"Sphinx exited with exit code: {status}")
            print(
                "The server will continue serving the build folder, but the contents being served are no "
                "longer in sync with the documentation sources. Please fix the cause of the error above or "
                "press Ctrl+C to stop the server."
            )
        else:
            self._run_commands(self.post_build_commands, "post-build")
        show_message(f"Serving on {self.uri}")


def use_warm_builds() -> bool:
    """Make sphinx-autobuild build in forked children of this process, with the build's packages imported;
    False where it cannot (no ``os.fork``, or another version of sphinx-autobuild, which was warned about)."""
    if not hasattr(os, "fork") or importlib.metadata.version("sphinx-autobuild") != PATCHED_FOR:
        return False
    import sphinx_autobuild.__main__

    _launcher.append(os.getpid())
    sphinx_autobuild.__main__.Builder = WarmBuilder
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
    use_warm_builds()
    from sphinx_autobuild.__main__ import main as autobuild

    autobuild(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
