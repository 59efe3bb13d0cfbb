"""Benchmarks for the book and its site, reported as medians of several runs (never asserted in tests).

    python _bench/run.py [--runs N] [--print-runs N] [--lighthouse-runs N] [--quick] [--no-lighthouse]
                         [--no-print] [--builds-only] [--live-only]

What it measures, each on a fresh copy of the tracked files in a temporary folder:

* clean-build time of the strict dirhtml build (and, within it, Pagefind's indexing time), and the same
  with the data layer switched off (``book_data_enabled: false``), alternately: the median of the paired
  differences is what tables, figures and downloads cost;
* clean-build time of the PDF (and, within it, WeasyPrint's layout time) and of the EPUB, each built strictly
  into its own folder as ``make pdf`` and ``make epub`` do;
* live-preview rebuild time: sphinx-autobuild serving the book, a sentence appended to one chapter, and the
  time until the served page shows it;
* for every page: bytes transferred (gzip) and requests before images, third-party hosts contacted, and
  Lighthouse mobile scores (the median of several audits), next to the same figures for a plain Jupyter
  Book build of the same content (Jupyter Book's default extensions and sphinx-book-theme, with the book's
  own directives).

Results go to stdout as Markdown tables and to _bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))
from sitetools import CHROMIUM, CHROMIUM_ARGS, live_command, serve, site_prefix  # noqa: E402

LIGHTHOUSE = "lighthouse@12.2.3"  # the last release that runs on Node.js 20


def copy_book(dest: Path) -> Path:
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True)
    for name in files.stdout.splitlines():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target)
    # contributors and "last updated" come from git; in a git worktree .git is a file naming the repository
    if (ROOT / ".git").is_dir():
        shutil.copytree(ROOT / ".git", dest / ".git")
    else:
        shutil.copy2(ROOT / ".git", dest / ".git")
    return dest


SEARCH_INDEX_RE = re.compile(r"search index: .* indexed by Pagefind in ([0-9.]+) s")


def build(
    book: Path, strict: bool = True, cpu: list[float] | None = None, indexing: list[float] | None = None
) -> float:
    """Wall-clock seconds of a clean build; its CPU seconds (user + system) are appended to ``cpu``, and the
    seconds Pagefind took to index the site (as _ext/book_search.py reports them) to ``indexing``."""
    shutil.rmtree(book / "_build", ignore_errors=True)
    command = [str(BIN / "jupyter-book"), "build", str(book), "--builder", "dirhtml"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"build failed in {book}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if indexing is not None:
        found = SEARCH_INDEX_RE.search(result.stdout + result.stderr)
        if found is None:
            raise SystemExit(f"build in {book} did not report its search indexing time")
        indexing.append(float(found[1]))
    return elapsed


PDF_LAYOUT_RE = re.compile(r"book_pdf: .* written by WeasyPrint in ([0-9.]+) s")


def print_build(book: Path, builder: str, cpu: list[float], layout: list[float]) -> float:
    """Wall-clock seconds of a clean, strict ``pdf`` or ``epub`` build, as ``make pdf`` and ``make epub`` run it;
    CPU seconds are appended to ``cpu`` and, for the PDF, WeasyPrint's layout seconds to ``layout``."""
    out = book / "_build" / f"{builder}-build"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        str(BIN / "jupyter-book"),
        "build",
        str(book),
        "--builder",
        "custom",
        "--custom-builder",
        builder,
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{builder} build failed in {book}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    found = PDF_LAYOUT_RE.search(result.stdout + result.stderr)
    if found:
        layout.append(float(found[1]))
    return elapsed


def edit_config(book: Path, change: Any) -> None:
    path = book / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def without_data_layer(config: dict[str, Any]) -> None:
    config["sphinx"]["config"]["book_data_enabled"] = False
    config["sphinx"]["config"]["book_require_all_cited"] = False  # table citations disappear with the tables


def plain_jupyter_book(config: dict[str, Any]) -> None:
    """Jupyter Book's defaults (extensions, sphinx-book-theme, MathJax), keeping the book's own directives."""
    sphinx = config["sphinx"]["config"]
    ours = [e for e in sphinx.pop("extensions") if e.startswith("book_")]
    for key in (
        "html_theme",
        "html_theme_options",
        "html_math_renderer",
        "pygments_style",
        "html_css_files",
        "html_permalinks_icon",
    ):
        sphinx.pop(key, None)
    # plain Jupyter Book keeps its theme's pages as they are, with Sphinx's search
    site = ("book_static", "book_assets", "book_cards", "book_lazy_layout", "book_polish", "book_exports")
    # and MathJax, so not book_math, which registers a second math renderer
    ours = [e for e in ours if e not in (*site, "book_search", "book_math")]
    config["sphinx"]["extra_extensions"] = ["sphinxcontrib.bibtex", *ours]
    config["sphinx"]["local_extensions"] = {e: "_ext/" for e in ours}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_rebuild_times(book: Path, runs: int) -> list[float]:
    subprocess.run(["make", "-C", str(book), "conf", f"VENV={ROOT / '.venv'}"], check=True, capture_output=True)
    port = free_port()
    out = book / "_build" / "live"
    server = subprocess.Popen(
        live_command(book, out, port, [str(book / "_build"), str(book / "conf.py")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=book,
    )
    url = f"http://127.0.0.1:{port}/licences/"
    try:
        wait_for(url, lambda body: True, timeout=600)
        times = []
        for n in range(runs):
            marker = f"benchmark-marker-{n}-{time.time_ns()}"
            start = time.perf_counter()
            with (book / "licences.md").open("a", encoding="utf-8") as chapter:
                chapter.write(f"\n<!-- {marker} -->\n")  # a comment lands in the page as an HTML comment
            wait_for(url, lambda body, m=marker: m in body, timeout=300)
            times.append(time.perf_counter() - start)
        return times
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for(url: str, ready: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                if ready(response.read().decode("utf-8", "replace")):
                    return
        except (OSError, http.client.HTTPException):  # not up yet, or mid-rebuild
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {url}")


def page_paths(site: Path) -> list[str]:
    paths = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if not rel.startswith("_"):
            paths.append("" if rel == "." else f"{rel}/")
    return paths


def weigh_pages(site: Path, paths: list[str]) -> dict[str, dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, Any]] = {}
    with serve(site, prefix=site_prefix()) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in paths:
            context = browser.new_context()
            page = context.new_page()
            requests: list[Any] = []

            def record(request: Any, requests: list[Any] = requests) -> None:
                # Playwright tags each handler with an attribute, so a bound builtin such as list.append cannot be one
                requests.append(request)

            page.on("request", record)
            page.goto(base + path, wait_until="networkidle")
            host = base.split("/")[2]
            size = count = 0
            third_party = set()
            for request in requests:
                request_host = request.url.split("/")[2] if "://" in request.url else host
                if request_host != host:
                    third_party.add(request_host)
                if request.resource_type in ("image", "media") or request.response() is None:
                    continue
                sizes = request.sizes()
                size += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                count += 1
            results[path or "/"] = {
                "kb": round(size / 1000, 1),
                "requests": count,
                "third_party": sorted(third_party),
            }
            context.close()
        browser.close()
    return results


def lighthouse(site: Path, paths: list[str], runs: int = 3) -> dict[str, dict[str, Any]]:
    """Lighthouse's mobile scores for each page: the median of ``runs`` audits per category, since one audit's
    performance score moves by several points from run to run; the performance scores of every run too."""
    npx = shutil.which("npx")
    if not npx:
        return {}
    audits: dict[str, list[dict[str, int]]] = {path or "/": [] for path in paths}
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    flags = "--headless=new " + " ".join(CHROMIUM_ARGS)
    with serve(site, prefix=site_prefix()) as base:
        for _ in range(runs):  # round by round, so that a slow spell of the machine spreads over the pages
            for path in paths:
                with tempfile.NamedTemporaryFile(suffix=".json") as report:
                    result = subprocess.run(
                        [
                            npx,
                            "--yes",
                            LIGHTHOUSE,
                            base + path,
                            "--quiet",
                            "--output=json",
                            f"--output-path={report.name}",
                            "--only-categories=performance,accessibility,best-practices,seo",
                            f"--chrome-flags={flags}",
                        ],
                        capture_output=True,
                        text=True,
                        env=env,
                        timeout=300,
                    )
                    if result.returncode == 0:
                        categories = json.loads(Path(report.name).read_text())["categories"]
                        audits[path or "/"].append(
                            {k: round((v["score"] or 0) * 100) for k, v in categories.items()}
                        )
    scores: dict[str, dict[str, Any]] = {}
    for page, results in audits.items():
        if not results:
            scores[page] = {"error": 1}
            continue
        scores[page] = {k: statistics.median_low([r[k] for r in results]) for k in results[0]}
        scores[page]["performance_runs"] = [r["performance"] for r in results]
    return scores


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (default 3)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="weigh and audit only five pages (front page, models, glossary, licences, search)",
    )
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument(
        "--lighthouse-runs", type=int, default=3, help="audits per page (default 3; median reported)"
    )
    parser.add_argument("--builds-only", action="store_true", help="time the builds, skip live preview and pages")
    parser.add_argument("--print-runs", type=int, default=1, help="runs per PDF and EPUB timing (default 1)")
    parser.add_argument("--no-print", action="store_true", help="skip the PDF and EPUB builds")
    parser.add_argument(
        "--live-only", action="store_true", help="time only the live preview's rebuild after a one-chapter edit"
    )
    args = parser.parse_args()
    report: dict[str, Any] = {"runs": args.runs}
    if args.live_only:
        with tempfile.TemporaryDirectory() as tmp:
            times = live_rebuild_times(copy_book(Path(tmp) / "ours"), args.runs)
        report["live_rebuild_s"] = median(times)
        report["live_rebuild_times_s"] = [round(t, 2) for t in times]
        return finish(report)
    with tempfile.TemporaryDirectory() as tmp:
        ours = copy_book(Path(tmp) / "ours")
        bare = copy_book(Path(tmp) / "no-data")
        edit_config(bare, without_data_layer)
        # Alternate the two builds, so that a machine that slows down or speeds up during the benchmark
        # affects both alike; the data layer's cost is the median of the paired differences.
        # CPU time is reported too: on a shared machine it varies much less than wall-clock time.
        clean, no_data, clean_cpu, no_data_cpu, indexing = [], [], [], [], []
        for _ in range(args.runs):
            clean.append(build(ours, cpu=clean_cpu, indexing=indexing))
            no_data.append(build(bare, strict=False, cpu=no_data_cpu))
        report["clean_build_s"] = median(clean)
        report["clean_build_without_data_layer_s"] = median(no_data)
        report["search_indexing_s"] = median(indexing)
        report["data_layer_cost_s"] = median([a - b for a, b in zip(clean, no_data)])
        report["data_layer_cost_cpu_s"] = median([a - b for a, b in zip(clean_cpu, no_data_cpu)])
        report["build_times_s"] = {
            "with_data": [round(t, 2) for t in clean],
            "without": [round(t, 2) for t in no_data],
            "with_data_cpu": [round(t, 2) for t in clean_cpu],
            "without_cpu": [round(t, 2) for t in no_data_cpu],
        }
        if not args.no_print:
            for builder in ("pdf", "epub"):
                times: list[float] = []
                cpu: list[float] = []
                layout: list[float] = []
                for _ in range(args.print_runs):
                    times.append(print_build(ours, builder, cpu, layout))
                report[f"{builder}_build_s"] = median(times)
                report[f"{builder}_build_cpu_s"] = median(cpu)
                if layout:
                    report[f"{builder}_layout_s"] = median(layout)
        build(ours)  # leave a strict build of the book for the page measurements
        site = ours / "_build" / "dirhtml"
        keep = Path(tmp) / "site-ours"
        shutil.copytree(site, keep)
        if args.builds_only:
            return finish(report)

        report["live_rebuild_s"] = median(live_rebuild_times(ours, args.runs))

        plain = copy_book(Path(tmp) / "plain")
        edit_config(plain, plain_jupyter_book)
        # and the theme's own search page and sidebar box, which search with Sphinx's index
        (plain / "_templates" / "search.html").unlink()
        shutil.rmtree(plain / "_templates" / "sidebar")
        build(plain, strict=False)
        plain_site = plain / "_build" / "dirhtml"

        paths = page_paths(keep)
        if args.quick:
            paths = [p for p in paths if p in ("", "models/", "glossary/", "licences/", "search/")]
        report["pages"] = {"ours": weigh_pages(keep, paths), "plain_jupyter_book": weigh_pages(plain_site, paths)}
        if not args.no_lighthouse:
            report["lighthouse"] = {
                "ours": lighthouse(keep, paths, args.lighthouse_runs),
                "plain_jupyter_book": lighthouse(plain_site, paths, args.lighthouse_runs),
            }

    return finish(report)


def finish(report: dict[str, Any]) -> int:
    out = ROOT / "_bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    print(f"\n## Build ({report['runs']} runs, medians)\n")
    print("| measure | seconds |\n| --- | --- |")
    for key in (
        "clean_build_s",
        "search_indexing_s",
        "clean_build_without_data_layer_s",
        "data_layer_cost_s",
        "data_layer_cost_cpu_s",
        "pdf_build_s",
        "pdf_build_cpu_s",
        "pdf_layout_s",
        "epub_build_s",
        "epub_build_cpu_s",
        "live_rebuild_s",
    ):
        if key in report:
            print(f"| {key} | {report[key]} |")
    if "live_rebuild_times_s" in report:
        print(f"\nLive rebuilds, each run (s): {', '.join(map(str, report['live_rebuild_times_s']))}")
    if "pages" not in report:
        return
    print("\n## Pages (gzip, before images)\n")
    print(
        "| page | ours KB | ours requests | ours 3rd-party | plain JB KB | plain JB requests | plain JB 3rd-party |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    ours, plain = report["pages"]["ours"], report["pages"]["plain_jupyter_book"]
    for page, o in ours.items():
        p = plain.get(page, {})
        print(
            f"| {page} | {o['kb']} | {o['requests']} | {len(o['third_party'])} | {p.get('kb')} | "
            f"{p.get('requests')} | {len(p.get('third_party', []))} |"
        )
    if report.get("lighthouse"):
        print("\n## Lighthouse, mobile (medians: performance / accessibility / best practices / SEO)\n")
        print("| page | ours | ours, performance per run | plain Jupyter Book |\n| --- | --- | --- | --- |")

        def fmt(s: dict[str, Any]) -> str:
            return "/".join(str(s.get(k, "-")) for k in ("performance", "accessibility", "best-practices", "seo"))

        for page, scores in report["lighthouse"]["ours"].items():
            runs = ", ".join(map(str, scores.get("performance_runs", [])))
            print(
                f"| {page} | {fmt(scores)} | {runs} | {fmt(report['lighthouse']['plain_jupyter_book'].get(page, {}))} |"
            )


if __name__ == "__main__":
    sys.exit(main())
