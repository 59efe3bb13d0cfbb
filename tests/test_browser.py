"""The built site in headless Chromium (Debian's), served from 127.0.0.1 with gzip as a host would.

Every page: no console errors, no failed or third-party requests, axe-core finds no violations in light and
dark mode, and the page stays within 300 KB and 15 requests before images. Plus search, the colour-mode
toggle, keyboard navigation, the data tables, the phone layout, comments on request, and valid HTML.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from conftest import ROOT, SITE_EXTENSIONS, Build, FixtureBook
from sitetools import serve, site_prefix

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BUDGET_BYTES = 300_000
BUDGET_REQUESTS = 15


@pytest.fixture(scope="session")
def site(book_site: Build) -> Iterator[str]:
    with serve(book_site.outdir, prefix=site_prefix()) as url:
        yield url


class PageLog:
    """What happened while a page loaded: console errors, failures, requests and bytes."""

    def __init__(self, page: Any, base: str) -> None:
        self.base_host = urlparse(base).netloc
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.third_party: list[str] = []
        self.requests: list[Any] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: self.failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        host = urlparse(request.url).netloc
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host != self.base_host:
            self.third_party.append(request.url)
        self.requests.append(request)

    def weight(self) -> tuple[int, int]:
        """(bytes, requests) before images, as transferred (compressed)."""
        total, count = 0, 0
        for request in self.requests:
            if request.resource_type in ("image", "media"):
                continue
            response = request.response()
            if response is None:
                continue
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            count += 1
        return total, count


def open_page(browser: Any, url: str, **context: Any) -> tuple[Any, Any, PageLog]:
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    log = PageLog(page, url)
    page.goto(url, wait_until="networkidle")
    return ctx, page, log


def axe_violations(page: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page: every rule, or only ``rules``."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    result = page.evaluate("async (options) => (await axe.run(document, options)).violations", options)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in result]


def pytest_generate_tests(metafunc: Any) -> None:  # noqa: D401 - pytest hook
    if "page_path" in metafunc.fixturenames:
        chapters = ["", *[f"{name}/" for name in _toc_docs() if name != "index"]]
        chapters += ["search/", "genindex/", "404.html", "references/"]
        metafunc.parametrize("page_path", chapters)


def _toc_docs() -> list[str]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for c in toc["chapters"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_loads_cleanly_within_budget_and_accessible(
    browser: Any, site: str, page_path: str, scheme: str
) -> None:
    ctx, page, log = open_page(browser, site + page_path, color_scheme=scheme)
    try:
        assert log.errors == [], f"console errors on /{page_path}"
        assert log.failed == [], f"failed requests on /{page_path}"
        assert log.third_party == [], f"third-party requests on /{page_path}"
        size, count = log.weight()
        assert count <= BUDGET_REQUESTS, f"/{page_path}: {count} requests"
        assert size <= BUDGET_BYTES, f"/{page_path}: {size} bytes"
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_colour_mode_toggle(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "licences/", color_scheme="light")
    try:
        before = page.evaluate("document.body.dataset.theme")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.locator("button.theme-toggle:visible").first.click()
        assert page.evaluate("document.body.dataset.theme") != before
        page.wait_for_timeout(300)  # let the colour transition finish
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_keyboard_skip_link_and_visible_focus(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "models/")
    try:
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "({text: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href')})"
        )
        assert "skip" in focused["text"].lower(), focused
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        box = page.evaluate("document.activeElement.getBoundingClientRect().height")
        assert outline != "none" and box > 0
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") != ""
    finally:
        ctx.close()


def test_data_table_filters_and_sorts(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "hardware/")
    try:
        table = page.locator("table.data-table").first
        table.scroll_into_view_if_needed()  # the filter field arrives as the table nears the viewport, as for a reader
        rows = table.locator("tbody tr")
        total = rows.count()
        assert total >= 15
        page.locator(".data-table-filter input").first.fill("NVIDIA")
        visible = table.locator("tbody tr:not([hidden])").count()
        assert 0 < visible < total
        page.locator(".data-table-filter input").first.fill("")
        table.locator("thead button.data-table-sort").first.click()
        first = table.locator("tbody tr td").first.inner_text()
        table.locator("thead button.data-table-sort").first.click()
        assert table.locator("tbody tr td").first.inner_text() != first
        assert table.locator("thead th").first.get_attribute("aria-sort") == "descending"
        # the filter is named by its label, and says how many rows it left
        field = page.get_by_role("searchbox", name="Filter rows").first
        field.fill("NVIDIA")
        assert page.locator(".data-table-count").first.inner_text().strip() == f"{visible} of {total} rows"
    finally:
        ctx.close()


LAYOUT_SHIFTS = """window.__shifts = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push(
  [e.value, e.sources.map((s) => s.node?.nodeName + (s.node?.id ? '#' + s.node.id : ''))]); })
  .observe({ type: "layout-shift", buffered: true });"""


def test_nothing_moves_while_a_page_loads_on_a_phone(browser: Any, site: str, page_path: str) -> None:
    ctx = browser.new_context(viewport={"width": 412, "height": 823}, is_mobile=True, device_scale_factor=1.75)
    try:
        page = ctx.new_page()
        page.add_init_script(LAYOUT_SHIFTS)
        page.goto(site + page_path, wait_until="networkidle")
        page.wait_for_timeout(500)
        shifts = page.evaluate("window.__shifts")
        assert sum(value for value, _ in shifts) < 0.001, f"/{page_path} moved while loading: {shifts}"
    finally:
        ctx.close()


def test_tables_complete_without_javascript(browser: Any, site: str, book_site: Build) -> None:
    import yaml

    ctx, page, log = open_page(browser, site + "hardware/", java_script_enabled=False)
    try:
        rows = page.locator("#tbl-hardware table.data-table tbody tr").count()
        assert rows == len(yaml.safe_load((ROOT / "_data" / "hardware.yaml").read_text(encoding="utf-8")))
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["", "models/", "licences/", "glossary/", "eval-datasets/", "search/?q=lora"])
def test_phone_layout_has_no_sideways_scroll_and_targets_a_finger_can_hit(
    browser: Any, site: str, path: str
) -> None:
    ctx, page, log = open_page(browser, site + path, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"/{path} is {overflow}px wider than the phone screen"
        # every rule, target size among them: buttons and links at least 24px or spaced apart, and a table or
        # equation that scrolls sideways on the phone reachable by keyboard
        assert axe_violations(page) == []
    finally:
        ctx.close()


STACKED_TABLES = """() => Array.from(document.querySelectorAll('table.data-table-stack')).map(t => {
  t.scrollIntoView();
  const wrapper = t.closest('.table-wrapper') || t;
  const heads = Array.from(t.querySelectorAll('thead th')).map(h => h.textContent.trim());
  const cells = Array.from(t.querySelectorAll('tbody tr:first-child td'));
  return {
    id: t.closest('[id]')?.id, overflow: wrapper.scrollWidth - wrapper.clientWidth, display: getComputedStyle(t).display,
    headVisible: t.querySelector('thead').getBoundingClientRect().height > 1, heads,
    captionShare: t.querySelector('caption').getBoundingClientRect().width / t.getBoundingClientRect().width,
    labels: cells.map(c => getComputedStyle(c, '::before').content.replace(/^"|"$/g, '')),
  };
})"""


def test_wide_data_tables_become_labelled_cards_on_a_phone(browser: Any, site: str) -> None:
    """On a 360 px screen every data table of five or more columns shows one card per row, each value labelled
    with its column's name, with nothing to scroll sideways and no accessibility violation; on a wide screen it
    stays an ordinary table with its header."""
    ctx, page, log = open_page(browser, site + "models/", viewport={"width": 360, "height": 780}, is_mobile=True)
    try:
        tables = page.evaluate(STACKED_TABLES)
        assert len(tables) >= 3
        for table in tables:
            assert table["display"] == "block" and not table["headVisible"], table["id"]
            assert table["overflow"] <= 1, f"{table['id']} scrolls {table['overflow']}px sideways on a phone"
            assert table["labels"][0] == "none", f"{table['id']}: the first cell is the card's title, unlabelled"
            assert table["captionShare"] > 0.9, f"{table['id']}: the caption spans the cards, not a narrow column"
            assert table["labels"][1:] == [f"{head}: " for head in table["heads"][1:]], table["id"]
        assert axe_violations(page) == []
        # a hidden header must not hide a focused sort button: it shows while one has focus
        page.locator("table.data-table-stack thead button.data-table-sort").first.focus()
        assert page.evaluate("document.activeElement.closest('thead').getBoundingClientRect().height > 1"), (
            "the header shows while a sort button has focus"
        )
    finally:
        ctx.close()
    ctx, page, log = open_page(browser, site + "models/", viewport={"width": 1280, "height": 900})
    try:
        for table in page.evaluate(STACKED_TABLES):
            assert table["display"] == "table" and table["headVisible"], table["id"]
    finally:
        ctx.close()


OVERHANG = """() => Array.from(document.querySelectorAll('article section.lazy-layout')).flatMap(s => {
  const box = s.getBoundingClientRect();
  return Array.from(s.querySelectorAll(':scope > h2, :scope > h3, :scope > h4, :scope > .table-wrapper'))
    .map(e => e.getBoundingClientRect())
    .filter(r => r.left < box.left - 0.5 || r.right > box.right + 0.5)
    .map(() => s.id);
})"""


def test_long_chapters_lay_out_only_what_is_near_the_screen(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "models/", viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        shown = "(selector) => document.querySelector(selector).checkVisibility({contentVisibilityAuto: true})"
        assert page.evaluate(shown, "article section section h2"), "the first section is laid out"
        assert not page.evaluate(shown, "#references .citation"), "the bibliography waits until it is near"
        # a table's filter field appears only when the table comes near, and then works
        assert page.locator("#comparison .data-table-filter input").count() == 0
        page.evaluate("document.querySelector('#comparison .data-table-filter').scrollIntoView()")
        field = page.locator("#comparison .data-table-filter input").first
        field.fill("Qwen")
        table = page.locator("#comparison table.data-table").first
        assert 0 < table.locator("tbody tr:not([hidden])").count() < table.locator("tbody tr").count()
        # sections clip what they paint, so headings' and tables' overhang must stay inside their box
        assert page.evaluate(OVERHANG) == []
        # a citation still jumps to its entry, which is then laid out and on screen
        link = page.locator("article a.reference.internal[href^='#id']").first
        entry = link.get_attribute("href")
        link.click()
        page.wait_for_function(
            "(id) => { const r = document.getElementById(id).getBoundingClientRect();"
            " return r.top >= 0 && r.top < innerHeight; }",
            arg=entry[1:],
        )
        assert page.evaluate(shown, entry)
        # and a link from elsewhere to a section near the end opens with that section at the top
        page.goto(site + "models/#what-to-watch")
        page.wait_for_timeout(1500)
        top = page.evaluate("document.getElementById('what-to-watch').getBoundingClientRect().top")
        assert 0 <= top < 150, f"#what-to-watch is {top}px from the top of the screen"
        # the glossary's definitions wait too, and a link to its last term lands on that term
        page.goto(site + "glossary/")
        last = page.evaluate("Array.from(document.querySelectorAll('dl.glossary > dt')).pop().id")
        assert not page.evaluate(shown, f"#{last} + dd > *")
        page.goto(site + f"glossary/#{last}")
        page.wait_for_timeout(1500)
        top = page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", last)
        assert 0 <= top < 150, f"#{last} is {top}px from the top of the screen"
        assert log.errors == []
    finally:
        ctx.close()


def test_on_this_page_follows_the_reader_and_back_to_top_appears(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "licences/", viewport={"width": 1400, "height": 900})
    try:
        assert page.evaluate("document.documentElement.classList.contains('no-js')") is False
        assert page.locator(".toc-tree li.scroll-current").count() == 0, (
            "nothing measured before the reader scrolls"
        )
        target = page.locator(".toc-tree a[href^='#']").nth(3).get_attribute("href")
        page.evaluate(
            "(id) => window.scrollTo(0, document.getElementById(decodeURIComponent(id))"
            ".getBoundingClientRect().top + window.scrollY - 10)",
            target[1:],
        )  # its heading at the top
        page.wait_for_function("document.querySelector('.toc-tree li.scroll-current') !== null")
        current = page.locator(".toc-tree li.scroll-current > a").first.get_attribute("href")
        assert current == target, f"scrolled to {target}, highlighted {current}"
        assert page.evaluate("document.querySelector('header').classList.contains('scrolled')")
        page.mouse.wheel(0, -300)
        page.wait_for_function("document.documentElement.classList.contains('show-back-to-top')")
        assert log.errors == []
    finally:
        ctx.close()


GISCUS = 'book_giscus = {"repo": "example/book", "repo_id": "R_1", "category": "Comments", "category_id": "C_1"}'


def test_comments_load_nothing_until_clicked(browser: Any, tmp_path: Path) -> None:
    book = FixtureBook(tmp_path / "book", extra_conf=GISCUS + f"\nhtml_static_path = [{str(ROOT / '_static')!r}]")
    book.files["conf.py"] += f"\nextensions.extend({SITE_EXTENSIONS!r})\n"
    result = book.build(env={"BOOK_COMMENTS": "1"})
    assert result.returncode == 0, result.output
    with serve(result.outdir) as url:
        ctx = browser.new_context()
        page = ctx.new_page()
        external: list[str] = []
        page.route(
            "**/*",
            lambda route: (
                (external.append(route.request.url), route.abort())
                if "giscus.app" in route.request.url
                else route.continue_()
            ),
        )
        page.goto(url + "chapter/", wait_until="networkidle")
        assert external == []
        page.locator("button.comments-load").click()
        page.wait_for_timeout(500)
        assert any(u.startswith("https://giscus.app/client.js") for u in external), external
        ctx.close()


def test_html_is_valid(book_site: Build) -> None:
    java = shutil.which("java")
    assert java, "Java is missing: run `make system-deps`"
    pages = [str(p) for p in book_site.outdir.rglob("*.html")]
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *pages], capture_output=True, text=True
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).parent.name}: {m.get('message')} [{m.get('extract', '')[:80]}]"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == [], "\n".join(errors[:30])


def test_citation_shows_its_reference_on_hover_focus_and_touch(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "fine-tuning/", viewport={"width": 1280, "height": 900})
    try:
        link = page.locator("article p a.reference.internal[href^='#id'][title]").first
        title = link.get_attribute("title")
        assert title and len(title) > 40, "hover: the browser shows the full reference from the title"
        link.focus()
        tip = page.locator("#citation-tip")
        assert tip.is_visible() and tip.text_content() == title, "keyboard focus shows the reference"
        assert link.get_attribute("aria-describedby") == "citation-tip"
        page.keyboard.press("Escape")
        assert not tip.is_visible()
        assert log.errors == []
    finally:
        ctx.close()
    ctx, page, log = open_page(
        browser, site + "fine-tuning/", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        link = page.locator("article p a.reference.internal[href^='#id'][title]").first
        link.scroll_into_view_if_needed()
        url = page.url
        link.tap()
        tip = page.locator("#citation-tip")
        assert tip.is_visible() and tip.text_content() == link.get_attribute("title"), "a first tap shows it"
        assert page.url == url, "and stays in the sentence"
        box = tip.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, "the tooltip fits the phone's screen"
        link.tap()
        page.wait_for_function("(id) => location.hash === id", arg=link.get_attribute("href"))
        assert log.errors == []
    finally:
        ctx.close()


# Search (Pagefind, _ext/book_search.py and _static/search.js). Everyday queries, each with the section of
# the book that answers it (two where two sections are both about the query); at least 90 % must come first.
SEARCH_QUERIES = [
    ("llama 4 licence", ["licences/#custom-model-licences"]),
    ("fair use", ["licences/#fair-use-fair-dealing-and-the-courts"]),
    ("pass@k", ["eval-datasets/#pass-k"]),
    (
        "KV cache",
        [
            "models/#attention-the-kv-cache-gqa-and-mla",
            "mlops-engines/#the-kv-cache-and-paged-attention",
            "mlops-engines/#kv-cache-arithmetic-how-many-users-fit",
            "glossary/#term-KV-cache",
        ],
    ),
    ("contamination", ["eval-datasets/#contamination-gaming-and-how-benchmarks-fight-back"]),
    ("EU AI Act", ["licences/#the-eu-ai-act"]),
    ("Cyber Resilience Act", ["licences/#the-cyber-resilience-act"]),
    ("Open Source AI Definition", ["licences/#the-open-source-ai-definition-1-0"]),
    ("700 million monthly active users", ["licences/#reading-the-scale-clause"]),
    (
        "LoRA",
        ["fine-tuning/#parameter-efficient-fine-tuning-lora-and-its-descendants", "fine-tuning/#lora-by-hand"],
    ),
    ("DPO", ["fine-tuning/#preference-tuning-rlhf-dpo-and-its-relatives"]),
    (
        "GRPO",
        [
            "fine-tuning/#reinforcement-learning-with-verifiable-rewards",
            "fine-tuning/#why-grpo-needed-no-critic-and-what-it-costs-instead",
        ],
    ),
    ("model merging", ["fine-tuning/#model-merging"]),
    ("fine-tuning memory", ["fine-tuning/#memory-by-method-and-model-size"]),
    ("safetensors", ["model-formats/#safetensors"]),
    ("GGUF quantisation types", ["model-formats/#gguf-and-its-quantisation-types"]),
    ("ONNX Runtime", ["model-formats/#onnx-and-onnx-runtime"]),
    ("TensorRT-LLM", ["model-formats/#tensorrt-engines-and-tensorrt-llm"]),
    ("MLX", ["model-formats/#apple-core-ml-core-ai-and-mlx"]),
    (
        "speculative decoding",
        ["model-formats/#draft-models-and-speculative-decoding", "mlops-engines/#speculative-decoding"],
    ),
    ("mixture of experts", ["models/#mixture-of-experts-and-the-two-parameter-counts"]),
    ("Qwen", ["models/#qwen-alibaba-the-default-open-family"]),
    ("DeepSeek", ["models/#deepseek-efficiency-as-a-research-programme"]),
    (
        "Elo Bradley-Terry",
        [
            "eval-datasets/#from-pairwise-votes-to-elo-and-bradley-terry-scores",
            "eval-datasets/#elo-and-bradleyterry",
        ],
    ),
    ("LLM as a judge", ["eval-datasets/#llm-as-a-judge-and-human-evaluation"]),
    ("word error rate", ["eval-datasets/#word-error-rate-and-real-time-factor"]),
    ("uncensored models", ["unaligned-models/#uncensored-and-steerable-open-models"]),
    ("malicious model files", ["unaligned-models/#poisoned-and-malicious-model-files"]),
    ("abliteration", ["glossary/#term-Abliteration"]),
    ("gradient checkpointing", ["glossary/#term-Gradient-checkpointing"]),
    (
        "vector database",
        [
            "vector-db/",
            "vector-db/#dedicated-vector-databases",
            "vector-db/#vector-search-in-the-database-you-already-run",
        ],
    ),
    ("paged attention", ["mlops-engines/#the-kv-cache-and-paged-attention", "glossary/#term-Paged-attention"]),
    ("hybrid search", ["vector-db/#hybrid-search-and-reranking", "glossary/#term-Hybrid-search"]),
    ("HNSW", ["vector-db/#hierarchical-navigable-small-worlds-hnsw", "glossary/#term-HNSW"]),
]
QUERY_BUDGET_BYTES = 110_000  # a query's index chunks and fragments; about 100 KB with 11 chapters written


def search_for(page: Any, query: str) -> list[str]:
    """Type ``query`` into the search page's box and return the result links, best first, site-relative."""
    page.fill("#book-search-q", query)
    page.press("#book-search-q", "Enter")
    page.wait_for_function(
        "q => document.getElementById('book-search-status').textContent.includes(q)", arg=query, timeout=20_000
    )
    links = page.eval_on_selector_all("#book-search-results li a", "els => els.map(e => e.getAttribute('href'))")
    return [link.split(site_prefix(), 1)[-1].lstrip("/") for link in links]


def test_search_puts_the_section_that_answers_first(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "search/")
    try:
        misses = []
        for query, expected in SEARCH_QUERIES:
            links = search_for(page, query)
            if not links or links[0] not in expected:
                misses.append(f"{query!r}: first {links[:1]}, expected {expected}")
        share = 1 - len(misses) / len(SEARCH_QUERIES)
        assert len(SEARCH_QUERIES) >= 20 and share >= 0.9, f"{share:.0%} first; misses: {misses}"
        assert log.errors == [] and log.failed == [] and log.third_party == []
    finally:
        ctx.close()


def test_search_results_name_chapter_and_section_with_an_excerpt_from_prose(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "search/?q=fair%20use")
    try:
        page.wait_for_selector("#book-search-results li", timeout=20_000)
        first = page.locator("#book-search-results li").first
        assert first.locator(".book-search-chapter").inner_text() == "Licences"
        assert first.locator(".book-search-section").inner_text() == "Fair use, fair dealing and the courts"
        assert first.locator("a").get_attribute("href").endswith("licences/#fair-use-fair-dealing-and-the-courts")
        assert first.locator(".book-search-excerpt mark").count() >= 1, "the words found are highlighted"
        definition = page.locator("#book-search-results li.book-search-definition").first
        assert definition.locator(".book-search-kind").inner_text().lower() == "definition"
        assert "glossary/#term-" in definition.locator("a").get_attribute("href")
        text = page.inner_text("#book-search-results")
        assert "Filter rows" not in text and not re.search(r"[A-Z][a-z]+ (et al\. )?20\d\d[a-z]?\]", text), text
        assert log.errors == []
    finally:
        ctx.close()


def test_search_loads_nothing_on_chapter_pages_and_a_query_stays_small(browser: Any, site: str) -> None:
    for path in ("", "models/", "fine-tuning/"):
        ctx, page, log = open_page(browser, site + path)
        try:
            assert not [r.url for r in log.requests if "/pagefind/" in r.url or "searchindex" in r.url], path
        finally:
            ctx.close()
    ctx, page, log = open_page(browser, site + "search/")
    try:
        loaded = [r.url for r in log.requests if "/pagefind/" in r.url]
        assert any(url.endswith("pagefind.js") for url in loaded), "the engine loads with the search page"
        assert not [url for url in loaded if url.endswith((".pf_index", ".pf_fragment"))], "but no index yet"
        for query in ("GGUF quantisation types", "reinforcement learning with verifiable rewards"):
            before = len(log.requests)
            search_for(page, query)
            page.wait_for_load_state("networkidle")
            fetched = [r for r in log.requests[before:] if "/pagefind/" in r.url]
            assert any(r.url.endswith(".pf_index") for r in fetched), "the index arrives in chunks, on demand"
            size = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in fetched)
            assert size <= QUERY_BUDGET_BYTES, f"{query!r} transferred {size} bytes"
    finally:
        ctx.close()


def test_search_from_the_sidebar_and_through_the_results_by_keyboard(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "licences/")
    try:
        for _ in range(12):  # Tab through the header to the search box
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "q":
                break
        assert page.evaluate("document.activeElement.name") == "q", "the search box is reachable with Tab"
        page.keyboard.type("model merging")
        page.keyboard.press("Enter")
        page.wait_for_selector("#book-search-results li", timeout=20_000)
        assert "/search/?q=model+merging" in page.url
        page.focus("#book-search-q")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.closest('#book-search-results') !== null"), "arrow to results"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowUp")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        assert href.endswith("fine-tuning/#model-merging"), href
        page.keyboard.press("Enter")
        page.wait_for_url("**/fine-tuning/#model-merging")
        assert log.errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_results_are_accessible(browser: Any, site: str, scheme: str) -> None:
    ctx, page, log = open_page(browser, site + "search/?q=lora", color_scheme=scheme)
    try:
        page.wait_for_selector("#book-search-results li", timeout=20_000)
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_search_page_without_javascript_says_how_to_search(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "search/", java_script_enabled=False)
    try:
        assert "Searching without JavaScript" in page.inner_text("article")
        link = page.locator("article a[href$='llms-full.txt']")
        assert link.is_visible() and link.inner_text() == "the whole book in one text file"
    finally:
        ctx.close()


def test_the_2023_address_of_a_moved_page_leads_to_its_successor(browser: Any, site: str) -> None:
    ctx, page, log = open_page(browser, site + "vector-stores/")
    try:
        page.wait_for_url("**/vector-db/", timeout=10_000)
        assert page.locator("h1").first.inner_text().startswith("Vector databases")
    finally:
        ctx.close()


def smallest_font(svg: str) -> float:
    sizes = [float(s) for s in re.findall(r'font-size[=:]\s*"?([0-9.]+)', svg)]
    return min(sizes)


def test_drawn_figures_are_readable_on_a_phone(browser: Any, site: str) -> None:
    """At 360 px wide, every drawn figure's smallest label renders at 10 CSS px or more (scrolling sideways if
    need be), where scaling the figure to the screen would shrink it to about 5 px."""
    checked = 0
    for figure in sorted((ROOT / "_static" / "figures").glob("*.svg")):
        chapter = next(
            md.stem
            for md in sorted(ROOT.glob("*.md"))
            if f"_static/figures/{figure.name}" in md.read_text(encoding="utf-8")
        )
        svg = figure.read_text(encoding="utf-8")
        view_width = float(re.search(r'viewBox="[0-9.]+ [0-9.]+ ([0-9.]+)', svg).group(1))
        ctx, page, log = open_page(
            browser, site + f"{chapter}/", viewport={"width": 360, "height": 780}, is_mobile=True
        )
        try:
            image = page.locator(f'figure img[src$="{figure.name}"]').first
            image.scroll_into_view_if_needed()
            page.wait_for_function("(i) => i.complete && i.naturalWidth > 0", arg=image.element_handle())
            width = image.evaluate("(i) => i.getBoundingClientRect().width")
            rendered = smallest_font(svg) * width / view_width
            assert rendered >= 10, f"{figure.name}: smallest label {rendered:.1f} px on a 360 px screen"
            caption = page.locator(f'figure:has(img[src$="{figure.name}"]) figcaption').first
            assert caption.evaluate("(c) => c.getBoundingClientRect().width") <= 360, (
                "the caption wraps to the screen"
            )
            checked += 1
        finally:
            ctx.close()
    assert checked >= 8
