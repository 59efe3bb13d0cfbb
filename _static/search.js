// The search page: section-level results from the Pagefind index in ../pagefind/ (see _ext/book_search.py).
// Nothing is fetched until a reader searches: the index loads in chunks on the first query, and each query
// fetches only the chunks and result fragments it needs. Results are sections, best first.
const root = new URL("../", import.meta.url);
const form = document.getElementById("book-search");
const input = document.getElementById("book-search-q");
const status = document.getElementById("book-search-status");
const list = document.getElementById("book-search-results");
const RESULTS = 10;   // sections shown (each needs its small fragment of text fetched)
let latest = 0;

// The search engine (Pagefind's script and WebAssembly, about 90 KB compressed) loads with this page,
// once, so that a query fetches only the index chunks for its words and the text of the sections shown.
let engine = null;
function load() {
  if (!engine) {
    engine = import(new URL("pagefind/pagefind.js", root).href).then(async (pagefind) => {
      await pagefind.options({ baseUrl: root.pathname, excerptLength: 26 });
      await pagefind.init();
      return pagefind;
    });
  }
  return engine;
}

// Every record in the index is one section (see _ext/book_search.py), so Pagefind's order is already an
// order of sections. On top of it, a section whose heading names the query's words moves up: a section
// titled "Model merging" answers "model merging" better than a chapter opening that mentions it in
// passing. A chapter's own title counts only when the query names just the chapter ("vector database").
// A glossary definition is short, so it scores high for its term; it comes second to the chapter section
// that explains the term, and still above passing mentions.
const DEFINITION_WEIGHT = 0.5;
const STOP = new Set(["a", "an", "and", "as", "for", "in", "is", "of", "on", "or", "the", "to", "with"]);
const stems = (query) =>
  query.toLowerCase().split(/[^\p{L}\p{N}@+#.-]+/u).filter((w) => w && !STOP.has(w))
    .map((w) => w.slice(0, Math.max(3, w.length - 2)));

function section(result, data, terms) {
  const meta = data.meta || {};
  const heading = (meta.title || "").toLowerCase();
  let named = terms.length ? terms.filter((term) => heading.includes(term)).length / terms.length : 0;
  if (!meta.anchor && named < 1) named = 0;
  // ... and a heading that is mostly the query ("safetensors") beats one that names it among other things.
  const words = heading.split(/[^\p{L}\p{N}@+#.-]+/u).filter((w) => w && !STOP.has(w));
  const precise = words.length ? words.filter((w) => terms.some((term) => w.includes(term))).length / words.length : 0;
  const url = new URL(meta.page || "", root);
  if (meta.anchor) url.hash = meta.anchor;
  return {
    title: meta.title || "", chapter: meta.chapter || "", glossary: meta.page === "glossary/" && !!meta.anchor,
    url: url.pathname + url.hash, excerpt: data.excerpt,
    score: result.score * (1 + named) * (1 + precise / 4) * (meta.page === "glossary/" ? DEFINITION_WEIGHT : 1),
  };
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(query, sections, total) {
  list.replaceChildren();
  for (const section of sections) {
    const item = element("li", "book-search-hit");
    const link = element("a");
    link.href = section.url;
    const where = element("span", "book-search-where");
    const sectionTitle = section.title === section.chapter ? "" : section.title.replace(/ \(definition\)$/, "");
    if (section.glossary) item.classList.add("book-search-definition");
    where.append(element("span", "book-search-chapter", section.chapter));
    if (sectionTitle) {
      where.append(document.createTextNode(" › "));
      where.append(element("span", "book-search-section", sectionTitle));
    }
    link.append(where);
    if (section.glossary) link.append(" ", element("span", "book-search-kind", "definition"));
    item.append(link);
    const excerpt = element("p", "book-search-excerpt");
    excerpt.innerHTML = section.excerpt || "";  // Pagefind's excerpt: escaped text with <mark> around matches
    item.append(excerpt);
    list.append(item);
  }
  const shown = total > sections.length ? `; the best ${sections.length} are shown` : "";
  status.textContent = total
    ? `${total} section${total === 1 ? "" : "s"} match “${query}”${shown}.`
    : `Nothing in the book matches “${query}”. Try fewer or simpler words.`;
}

async function run(query) {
  const ticket = ++latest;
  query = query.trim();
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  const engine = await load();
  const search = await engine.search(query);
  if (ticket !== latest || !search) return;  // a newer query has started
  const top = search.results.slice(0, RESULTS);
  const data = await Promise.all(top.map((result) => result.data()));
  if (ticket !== latest) return;
  const terms = stems(query);
  // Array sorting is stable, so sections that score alike keep Pagefind's order.
  const sections = top.map((result, i) => section(result, data[i], terms)).sort((a, b) => b.score - a.score);
  render(query, sections, search.results.length);
}

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 250);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  run(input.value);
});

// Arrow keys move between the search box and the results; Escape returns to the box.
document.addEventListener("keydown", (event) => {
  const links = [...list.querySelectorAll("a")];
  const at = links.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && (document.activeElement === input || at >= 0)) {
    event.preventDefault();
    (links[at + 1] || links[at] || input).focus();
  } else if (event.key === "ArrowUp" && at >= 0) {
    event.preventDefault();
    (at === 0 ? input : links[at - 1]).focus();
  } else if (event.key === "Escape" && at >= 0) {
    input.focus();
  }
});

const initial = new URL(location.href).searchParams.get("q");
if (initial) {
  input.value = initial;
  run(initial);
} else {
  load();
}
