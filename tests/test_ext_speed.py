"""book_speed: the speed-ups leave the output exactly as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import docutils.nodes
import pytest

from conftest import GOOD_CHAPTER, ROOT, Build, FixtureBook, build_real_book

sys.path.insert(0, str(ROOT / "_ext"))
import book_speed  # noqa: E402

MORE_BIB = """
@online{roe2023other,
  title = {Another page},
  author = {Roe, Rick},
  year = {2023},
  url = {https://example.org/other},
  urldate = {2026-11-27},
}
@online{poe2025third,
  title = {A third page: {GPT}--style models, 50\\% faster},
  author = {Poe, Ann},
  year = {2025},
  url = {https://example.org/third},
  urldate = {2026-11-27},
}
"""


TABLE = """
```{list-table} A table to refer to
:name: tbl-one

* - cell
```
"""


def build(path: Path, speedups: bool) -> dict[str, str]:
    book = FixtureBook(
        path,
        extensions=("book_speed",),
        extra_conf=f"book_speedups = {speedups}\n"
        "suppress_warnings = ['bibtex.duplicate_citation', 'bibtex.duplicate_label']",
    )
    book.files["references.bib"] += MORE_BIB
    book.files["chapter.md"] = GOOD_CHAPTER.replace(
        "A claim {cite}`doe2024thing`", "Claims {cite}`doe2024thing,roe2023other`"
    )
    book.files["second.md"] = (
        GOOD_CHAPTER.replace(
            "A claim {cite}`doe2024thing`",
            "More {cite}`roe2023other` and {cite:t}`poe2025third`, as {numref}`tbl-one` shows",
        )
        .replace("## Background", TABLE + "\n## Background")
        .replace(
            "Some text with",
            'It\'s "quoted" -- and so on... A plain block.\n\nA block with nothing to educate.\n\nSome text with',
        )
    )
    book.files["_toc.yml"] += "  - file: second\n"
    result = book.build()
    assert result.returncode == 0, result.output
    return {
        name: (result.outdir / name / "index.html").read_text(encoding="utf-8") for name in ("chapter", "second")
    }


def test_output_is_identical_with_and_without_speedups(tmp_path: Path) -> None:
    fast, plain = build(tmp_path / "fast", True), build(tmp_path / "plain", False)
    for name in fast:
        assert fast[name] == plain[name], name
    assert "Another page" in fast["chapter"] and "A third page" not in fast["chapter"], "local bibliographies"
    assert "A third page" in fast["second"]
    assert "GPT–style models, 50% faster" in fast["second"], "LaTeX in a title still decoded"
    assert "Table 1" in fast["second"], "numref resolved"
    assert "It’s “quoted” – and so on…" in fast["second"], "smart quotes, dashes and ellipses still applied"


def test_plain_text_skips_the_latex_decoder_with_the_same_result() -> None:
    """Every name and field in the book's bibliography, and some edge cases, decode as pybtex decodes them."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text
    from pybtex.scanner import PybtexSyntaxError

    values = {
        "",
        "it's",
        "a--b",
        "a---b",
        "50%",
        "a  b",
        " lead",
        "tail ",
        "x\ny",
        "x''y",
        "``q''",
        "?`",
        "Zoë",
        "{GPT}",
        "{{x}}",
        "a {B} c",
        "\\emph{x}",
        "a~b",
        "$x$",
        "a_b",
        "a & b",
    }
    bibliography = parse_file(str(ROOT / "references.bib"))
    for entry in bibliography.entries.values():
        values.update(entry.fields.values())
        for person in (p for people in entry.persons.values() for p in people):
            values.update(person.first_names + person.middle_names + person.prelast_names + person.last_names)
    skipped = 0
    for value in values:
        plain = book_speed._original_from_latex(Text, value)
        fast = book_speed.from_latex(Text, value)
        assert (repr(fast), fast) == (repr(plain), plain), value
        skipped += book_speed._LATEX_SPECIAL.search(value) is None
    assert skipped > len(values) / 2, "most fields take the fast path"
    for broken in ("{unbalanced", "a}b"):
        for decode in (book_speed._original_from_latex, book_speed.from_latex):
            with pytest.raises(PybtexSyntaxError):
                decode(Text, broken)


def test_rich_text_is_built_as_pybtex_builds_it() -> None:
    """pybtex's rich text objects built by the faster constructor have the same parts and length: every entry of the
    book's bibliography formatted both ways, and some edge cases (nesting, merging, empty parts, a wrong type)."""
    import book_citations
    import pybtex.plugin
    from pybtex.database import parse_file
    from pybtex.richtext import BaseMultipartText, HRef, Protected, String, Symbol, Tag, Text

    def built(init: object) -> list[str]:
        BaseMultipartText.__init__ = init  # type: ignore[method-assign]
        cases = [
            Text(),
            Text("", ""),
            Text("Word", ""),
            Text(Text("Multi", " "), Tag("em", "part"), Text(" ", Text("text!"))),
            Text("Multi", Tag("em", "part"), Text(Tag("em", " ", "text!"))),
            Text("Please ", HRef("/", "click"), HRef("/", " here"), "."),
            Tag("strong", Text(), String(""), Protected("a", Protected("b")), Symbol("ndash"), "c"),
        ]
        entries = parse_file(str(ROOT / "references.bib")).entries
        style = pybtex.plugin.find_plugin("pybtex.style.formatting", "book")()
        texts = [*cases, *(style.format_entry("", entry).text for entry in entries.values())]
        with pytest.raises(TypeError):
            Text("a", 1)
        return [f"{text!r} {len(text)} {[type(part).__name__ for part in text.parts]}" for text in texts]

    pybtex.plugin.register_plugin("pybtex.style.labels", "authoryear", book_citations.AuthorYearLabelStyle)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "book", book_citations.BookStyle)
    original = BaseMultipartText.__dict__["__init__"]
    try:
        plain, fast = built(original), built(book_speed.multipart_text_init)
    finally:
        BaseMultipartText.__init__ = original  # type: ignore[method-assign]
    assert len(plain) > 1000
    assert fast == plain


class RecordingApp:
    """Records the domains ``book_speed.enable`` registers, as Sphinx's ``app.add_domain`` would take them."""

    def __init__(self) -> None:
        self.domains: list[tuple[type, bool]] = []

    def add_domain(self, domain: type, override: bool = False) -> None:
        self.domains.append((domain, override))


DOMAIN_METHODS = ("get_filtered_entries", "get_formatted_entries", "resolve_xref")


def test_each_patch_group_steps_aside_on_a_version_it_was_not_written_for() -> None:
    """A patch of private code is applied only on the version it was written for; on any other it is skipped
    with one warning naming the package, so an upgrade makes the build slower, never different. The citation
    domain's faster methods come in a subclass registered through Sphinx, never assigned onto the library's
    class."""
    from sphinxcontrib.bibtex.domain import BibtexDomain

    groups = book_speed._patches()
    absent = object()  # an attribute the owner inherits (Node.__new__, object's), given one of its own by a patch
    originals = {
        (owner, name): owner.__dict__.get(name, absent)
        for patches in groups.values()
        for owner, name, _ in patches
    }
    library_methods = {name: BibtexDomain.__dict__[name] for name in DOMAIN_METHODS}
    try:
        app = RecordingApp()
        skipped = book_speed.enable(app, installed=lambda package: "0.0.1")
        assert skipped == list(groups), "every group steps aside on an unknown version"
        for (owner, name), original in originals.items():
            assert owner.__dict__.get(name, absent) is original, f"{owner.__name__}.{name} was patched anyway"
        assert app.domains == [], "the library's own citation domain is kept"
        newer = {"sphinx": "99.0"}
        skipped = book_speed.enable(app, installed=lambda p: newer.get(p, book_speed.PATCHED_FOR[p]))
        assert skipped == ["sphinx"], "only the group whose package changed steps aside"
        assert app.domains == [(book_speed.FastBibtexDomain, True)], "the subclass replaces the library's domain"
        assert issubclass(book_speed.FastBibtexDomain, BibtexDomain)
        for name in DOMAIN_METHODS:
            assert BibtexDomain.__dict__[name] is library_methods[name], f"BibtexDomain.{name} was assigned onto"
            assert book_speed.FastBibtexDomain.__dict__[name] is getattr(book_speed, name)
    finally:
        for (owner, name), original in originals.items():
            if original is not absent:
                setattr(owner, name, original)
            elif name == "__new__":
                owner.__new__ = OBJECT_NEW  # deleting it would leave the class calling object's with arguments
            elif name in owner.__dict__:
                delattr(owner, name)


SHOW_DOMAIN = (
    "book_require_all_cited = False\n"
    "suppress_warnings = ['bibtex.duplicate_citation', 'bibtex.duplicate_label']\n"
    "def setup(app):\n"
    "    app.connect('env-updated', lambda app, env: print('cite domain:', type(env.get_domain('cite')).__name__))\n"
)


def test_the_citation_domain_is_the_subclass_and_survives_an_incremental_build(tmp_path: Path) -> None:
    """Built with the speed-ups, the book's ``cite`` domain is book_speed's subclass, registered after the
    library's own; its data is pickled with the environment, and a later incremental build (a chapter edited
    to cite another source, as in the live preview) gives the pages that a clean build without the speed-ups
    gives."""
    book = FixtureBook(tmp_path / "book", extensions=("book_speed",), extra_conf=SHOW_DOMAIN)
    book.files["references.bib"] += MORE_BIB
    first = book.build(fresh=False)
    assert first.returncode == 0, first.output
    assert "cite domain: FastBibtexDomain" in first.output
    assert (book.path / "_build" / "dirhtml" / ".doctrees" / book_speed.TEXT_CACHE).is_file()
    book.files["chapter.md"] = book.files["chapter.md"].replace(
        "A claim {cite}`doe2024thing`", "{cite:t}`roe2023other`"
    )
    edited = book.build(fresh=False)
    assert edited.returncode == 0, edited.output
    assert "loading pickled environment... done" in edited.output, edited.output
    assert "cite domain: FastBibtexDomain" in edited.output
    assert "bibliography: 3 entries as formatted before, 0 again" in edited.output, "the texts come from the cache"
    # an edited entry is formatted again; the others still come from the cache
    book.files["references.bib"] = book.files["references.bib"].replace("{Another page}", "{Another page, edited}")
    edited = book.build(fresh=False)
    assert edited.returncode == 0, edited.output
    assert "bibliography: 2 entries as formatted before, 1 again" in edited.output
    assert "Another page, edited" in (edited.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    clean = FixtureBook(tmp_path / "clean", extensions=("book_speed",), extra_conf=SHOW_DOMAIN)
    clean.files = {**book.files, "conf.py": clean.files["conf.py"] + "book_speedups = False\n"}
    plain = clean.build()
    assert plain.returncode == 0, plain.output
    assert "cite domain: BibtexDomain" in plain.output
    for page in ("chapter/index.html", "index.html", "glossary/index.html"):
        fast = (edited.outdir / page).read_text(encoding="utf-8")
        assert fast == (plain.outdir / page).read_text(encoding="utf-8"), page
    assert "Roe" in (edited.outdir / "chapter" / "index.html").read_text(encoding="utf-8"), "the edit is shown"


def test_kept_labels_follow_an_edited_entry(tmp_path: Path) -> None:
    """The sort orders and labels kept between builds serve a bibliography only while its entries are the same:
    an incremental build after an author's name is edited labels the entry afresh, and cites it by the new label
    (a cache keyed on anything less would show the old one)."""
    book = FixtureBook(tmp_path / "book", extensions=("book_speed",), extra_conf=SHOW_DOMAIN)
    book.files["references.bib"] += MORE_BIB
    book.files["chapter.md"] = book.files["chapter.md"].replace(
        "A claim {cite}`doe2024thing`", "Claims {cite:t}`doe2024thing,roe2023other`"
    )
    first = book.build(fresh=False)
    assert first.returncode == 0, first.output
    assert (book.path / "_build" / "dirhtml" / ".doctrees" / book_speed.LABEL_CACHE).is_file()
    assert "Roe23" in (first.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    book.files["index.md"] += "\nAn edit elsewhere.\n"  # a rebuild with the labels served from the cache
    again = book.build(fresh=False)
    assert again.returncode == 0, again.output
    assert "Roe23" in (again.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    book.files["references.bib"] = book.files["references.bib"].replace("Roe, Rick", "Zed, Rick")
    edited = book.build(fresh=False)
    assert edited.returncode == 0, edited.output
    html = (edited.outdir / "chapter" / "index.html").read_text(encoding="utf-8")
    assert "Zed23" in html and "Roe23" not in html


CAPTIONED_TABLE = """
```{list-table} An earlier table
:name: tbl-earlier

* - cell
```
"""


def test_kept_figure_numbers_follow_an_edited_chapter(tmp_path: Path) -> None:
    """Figure numbering replays what it found in documents that were not read again: a table added to the first
    chapter renumbers the second chapter's table in an incremental build, as in a clean build with the
    speed-ups off."""
    pages = build(tmp_path / "fast", True)
    assert "Table 1" in pages["second"]
    book = FixtureBook(
        tmp_path / "book",
        extensions=("book_speed",),
        extra_conf="suppress_warnings = ['bibtex.duplicate_citation', 'bibtex.duplicate_label']",
    )
    book.files["references.bib"] += MORE_BIB
    book.files["chapter.md"] = GOOD_CHAPTER.replace(
        "A claim {cite}`doe2024thing`", "Claims {cite}`doe2024thing,roe2023other`"
    )
    book.files["second.md"] = GOOD_CHAPTER.replace(
        "A claim {cite}`doe2024thing`", "More {cite:t}`poe2025third`, as {numref}`tbl-one` shows"
    ).replace("## Background", TABLE + "\n## Background")
    book.files["_toc.yml"] += "  - file: second\n"
    first = book.build(fresh=False)
    assert first.returncode == 0, first.output
    assert (book.path / "_build" / "dirhtml" / ".doctrees" / book_speed.FIGURE_CACHE).is_file()
    assert "Table 1" in (first.outdir / "second" / "index.html").read_text(encoding="utf-8")
    book.files["chapter.md"] = book.files["chapter.md"].replace(
        "## Background", CAPTIONED_TABLE + "\n## Background"
    )
    edited = book.build(fresh=False)
    assert edited.returncode == 0, edited.output
    assert "Table 2" in (edited.outdir / "second" / "index.html").read_text(encoding="utf-8")
    clean = FixtureBook(tmp_path / "clean", extensions=("book_speed",))
    clean.files = {**book.files, "conf.py": book.files["conf.py"] + "book_speedups = False\n"}
    plain = clean.build()
    assert plain.returncode == 0, plain.output
    for page in ("chapter/index.html", "second/index.html"):
        assert (edited.outdir / page).read_text(encoding="utf-8") == (plain.outdir / page).read_text(
            encoding="utf-8"
        ), page


def test_the_whole_book_is_identical_with_and_without_speedups(book_site: Build, tmp_path: Path) -> None:
    """The real book, built again with every speed-up switched off (BOOK_SPEEDUPS=0), gives the same HTML on every
    page: the patches make the build faster, never different. No difference is accepted."""
    plain = build_real_book(tmp_path / "plain", BOOK_SPEEDUPS="0")
    assert plain.returncode == 0, plain.output[-3000:]
    fast_pages = sorted(p.relative_to(book_site.outdir) for p in book_site.outdir.rglob("*.html"))
    plain_pages = sorted(p.relative_to(plain.outdir) for p in plain.outdir.rglob("*.html"))
    assert fast_pages == plain_pages and len(fast_pages) > 15
    different = [
        str(page)
        for page in fast_pages
        if (book_site.outdir / page).read_bytes() != (plain.outdir / page).read_bytes()
    ]
    assert different == [], f"pages that differ with the speed-ups on: {different}"


def test_an_entry_fingerprint_changes_with_anything_its_text_shows() -> None:
    """The cache of formatted texts serves an entry only while its fingerprint is the same: a change to a field, a
    name or the type must change it; parsing the same text again must not."""
    from pybtex.database import parse_string

    source = "@online{k, title = {T}, author = {Doe, Jane and van Roe, Rick}, year = {2024}}"

    def fingerprint(text: str):
        return book_speed._fingerprint(parse_string(text, "bibtex").entries["k"])

    same = fingerprint(source)
    assert fingerprint(source) == same
    for edited in (
        source.replace("{T}", "{T2}"),
        source.replace("Jane", "J."),
        source.replace("van Roe", "Roe"),
        source.replace("@online", "@article"),
        source.replace("year = {2024}", "year = {2024}, note = {x}"),
    ):
        assert fingerprint(edited) != same, edited


def test_background_formatting_gives_the_same_texts() -> None:
    """The forked process formats every entry of the book's bibliography exactly as this process would, and
    hands each text to the entry object it was formatted from."""
    import book_citations
    import pybtex.plugin
    from pybtex.database import parse_file

    pybtex.plugin.register_plugin("pybtex.style.labels", "authoryear", book_citations.AuthorYearLabelStyle)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "book", book_citations.BookStyle)
    entries = parse_file(str(ROOT / "references.bib")).entries
    book_speed._texts.clear()
    book_speed._BackgroundFormatting(entries, ["book"]).collect()
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "book")()
    assert len(book_speed._texts) == len(entries)
    for key, entry in entries.items():
        formatted_from, text = book_speed._texts["book", key]
        assert formatted_from is entry
        here = style.format_entry("", entry).text
        assert (repr(text), text) == (repr(here), here), key
    book_speed._texts.clear()


def test_findall_visits_what_docutils_visits_even_when_the_tree_changes() -> None:
    """The faster traversal yields the same nodes in the same order as docutils' own, for every kind of
    call, on a tree that the caller changes as it goes (children added to a leaf it holds, a sibling removed,
    a node replaced)."""
    from docutils import nodes

    def tree() -> nodes.Element:
        return nodes.section(
            "",
            nodes.title("", "Title"),
            nodes.paragraph("", "a ", nodes.emphasis("", "b"), nodes.inline()),
            nodes.paragraph("", "", nodes.reference("", "c"), nodes.inline(), nodes.Text("d")),
            nodes.bullet_list("", nodes.list_item("", nodes.paragraph("", "e"))),
            nodes.target(),
        )

    def walk(findall, root, condition=None, mutate=False, **options):
        seen = []
        for node in findall(root, condition, **options):
            seen.append(node.astext() if isinstance(node, nodes.Text) else node.tagname)
            if mutate and isinstance(node, nodes.inline) and not node.children:
                node += nodes.strong("", "added")  # a leaf gains children while it is held
            if mutate and isinstance(node, nodes.reference) and len(node.parent.children) > 2:
                node.parent.remove(node.parent.children[-1])  # a later sibling goes
            if mutate and isinstance(node, nodes.title):
                node.parent.replace(node.parent.children[1], nodes.paragraph("", "replaced"))
        return seen

    calls = [
        {},
        {"condition": nodes.Text},
        {"condition": nodes.inline},
        {"condition": nodes.TextElement},
        {"condition": lambda n: isinstance(n, nodes.paragraph)},
        {"condition": lambda n: isinstance(n, (nodes.inline, nodes.reference, nodes.title, nodes.Text))},
        {"include_self": False},
        {"condition": nodes.paragraph, "siblings": True},
        {"ascend": True},
        {"descend": False},
    ]
    for call in calls:
        for mutate in (False, True):
            root_plain, root_fast = tree(), tree()
            start_plain = root_plain if "siblings" not in call and "ascend" not in call else root_plain[1]
            start_fast = root_fast if "siblings" not in call and "ascend" not in call else root_fast[1]
            plain = walk(book_speed._original_findall, start_plain, mutate=mutate, **call)
            fast = walk(book_speed.findall, start_fast, mutate=mutate, **call)
            assert fast == plain, (call, mutate)
            assert root_fast.pformat() == root_plain.pformat()


# object.__new__, as a class uses it when it has no __new__ of its own; a class given one cannot have it deleted again
# (CPython would go on calling object.__new__ with the constructor's arguments, which it refuses), so tests that
# give docutils' Node one put this back instead.
OBJECT_NEW = staticmethod(lambda cls, *args, **kwargs: object.__new__(cls))


class Unseen(docutils.nodes.Element):
    """Node kinds that no other test makes, for the test of findall's skip below (module level, to be pickled)."""


class UnseenChild(Unseen):
    pass


class UnseenText(docutils.nodes.Text):
    pass


def test_findall_skips_only_kinds_of_which_no_node_was_made() -> None:
    """A findall for a kind of node of which none was made finds nothing without walking; a node of the kind (or
    of a subclass) made in any way, parsed, unpickled, copied or before the speed-ups were in place, is found."""
    import copy
    import pickle

    from docutils import nodes

    own = nodes.Node.__dict__.get("__new__")
    nodes.Node.__new__ = OBJECT_NEW  # type: ignore[method-assign]  # as before the speed-ups
    made_before = UnseenChild("", nodes.Text("before"))
    pickled = pickle.dumps(nodes.section("", UnseenChild("", nodes.Text("pickled"))), pickle.HIGHEST_PROTOCOL)
    nodes.Node.__new__ = staticmethod(book_speed._node_new)  # type: ignore[method-assign]
    try:
        for cls in (Unseen, UnseenChild, UnseenText):
            book_speed._made.discard(cls)
            book_speed._made_or_ancestor.discard(cls)

        def found(tree: nodes.Node, cls: type) -> list[str]:
            fast = [node.astext() for node in book_speed.findall(tree, cls)]
            assert fast == [node.astext() for node in book_speed._original_findall(tree, cls)], cls
            return fast

        tree = nodes.section("", nodes.paragraph("", "text"))
        assert book_speed._none_made(Unseen) and found(tree, Unseen) == []
        assert not book_speed._none_made(UnseenText), "text nodes are made by a __new__ of their own"
        tree += UnseenText("text made")
        assert found(tree, UnseenText) == ["text made"]

        assert found(pickle.loads(pickled), Unseen) == ["pickled"], "a node unpickled is noted"
        book_speed._made.clear()
        book_speed._made_or_ancestor.clear()
        assert found(copy.deepcopy(nodes.section("", made_before)), UnseenChild) == ["before"], "a node copied"
        book_speed._made.clear()
        book_speed._made_or_ancestor.clear()
        tree += made_before  # made before the speed-ups, and not noted ...
        book_speed._note_nodes_made_before()  # ... until they look for nodes made before them
        assert found(tree, Unseen) == ["before"]
    finally:
        nodes.Node.__new__ = own if own is not None else OBJECT_NEW  # type: ignore[method-assign]


def test_git_dates_asked_ahead_are_taken_only_for_the_same_call(tmp_path: Path) -> None:
    """sphinx-last-updated-by-git's call made ahead in a thread gives what the call gives; the library takes it only
    for exactly the same folder and files, once, so a later call (after a new commit) asks git again, and an error
    is raised where the library makes the call."""
    import subprocess

    def git(*args: str, date: str = "2026-01-01T00:00:00") -> None:
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, env=env)

    git("init", "-q")
    git("config", "user.email", "a@example.org")
    git("config", "user.name", "A")
    for name, date in (("a.md", "2026-01-01T00:00:00"), ("b.md", "2026-02-01T00:00:00")):
        (tmp_path / name).write_text(name)
        git("add", name)
        git("commit", "-q", "-m", name, date=date)

    def dates(*names: str) -> dict[str, object]:
        file_dates: dict[str, object] = dict.fromkeys(names)
        book_speed.update_file_dates(tmp_path, set(), file_dates)
        return file_dates

    def direct(*names: str) -> dict[str, object]:
        file_dates: dict[str, object] = dict.fromkeys(names)
        book_speed._original_update_file_dates(tmp_path, set(), file_dates)
        return file_dates

    book_speed._ask_git_ahead(tmp_path, set(), {"a.md"})
    assert dates("a.md", "b.md") == direct("a.md", "b.md"), "other files: git is asked as before"
    assert len(book_speed._git_dates_ahead) == 1, "the call made ahead is kept for its own files"
    first = dates("a.md")
    assert first == direct("a.md") and book_speed._git_dates_ahead == {}, "taken once"
    (tmp_path / "a.md").write_text("edited")
    git("commit", "-q", "-am", "edit", date="2026-03-01T00:00:00")
    assert dates("a.md") == direct("a.md") != first, "a later call sees the new commit"

    book_speed._ask_git_ahead(tmp_path / "missing", set(), {"c.md"})
    with pytest.raises((subprocess.CalledProcessError, FileNotFoundError, NotADirectoryError)):
        book_speed.update_file_dates(tmp_path / "missing", set(), {"c.md": None})
    book_speed.forget_git_asked_ahead()


def test_walkabout_visits_and_departs_as_docutils_does() -> None:
    """The writers' traversal without debug messages visits and departs the same nodes, with docutils' ways
    of skipping a node, its departure, its children or its siblings, and of stopping."""
    from docutils import frontend, nodes, utils

    document = utils.new_document("test", frontend.get_default_settings())
    document += nodes.section(
        "",
        nodes.title("", "skip-children"),
        nodes.paragraph("", "skip-node"),
        nodes.paragraph("", "skip-departure", nodes.emphasis("", "inner")),
        nodes.paragraph("", "skip-siblings"),
        nodes.paragraph("", "never"),
    )
    document += nodes.section("", nodes.paragraph("", "stop"), nodes.paragraph("", "after stop"))
    signals = {
        "skip-children": nodes.SkipChildren,
        "skip-node": nodes.SkipNode,
        "skip-departure": nodes.SkipDeparture,
        "skip-siblings": nodes.SkipSiblings,
        "stop": nodes.StopTraversal,
    }

    class Visitor(nodes.GenericNodeVisitor):
        def __init__(self, document: nodes.document) -> None:
            super().__init__(document)
            self.seen: list[str] = []

        def default_visit(self, node: nodes.Node) -> None:
            self.seen.append(f"visit {node.astext()[:14]}")
            if isinstance(node, nodes.Text) and str(node) in signals:
                raise signals[str(node)]

        def default_departure(self, node: nodes.Node) -> None:
            self.seen.append(f"depart {node.astext()[:14]}")

    for debug in (False, True):
        document.reporter.debug_flag = debug
        plain, fast = Visitor(document), Visitor(document)
        stopped = (book_speed._original_walkabout(document, plain), book_speed.walkabout(document, fast))
        assert fast.seen == plain.seen and stopped[0] == stopped[1] and "visit after stop" not in fast.seen


EXIT_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import book_speed

class Node:
    def __del__(self):
        print("freed at exit")

if sys.argv[2] == "build":
    book_speed.freeze_what_lives()  # what a build with the speed-ups does when its builder is set up
    book_speed.freeze_what_lives()  # and again in a second build in the same process
a, b = Node(), Node()
a.other, b.other = b, a  # a cycle, as every docutils node makes with its parent
print("done")
"""


@pytest.mark.parametrize("run", ["build", "no build"])
def test_objects_left_at_exit_are_not_collected_after_a_build(tmp_path: Path, run: str) -> None:
    """After a build, Python's final collections at exit skip what is still alive (a cycle is not freed, so its
    __del__ does not run); without one, the same script frees it as usual. The exit status and output stand."""
    import subprocess

    script = tmp_path / "exit.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(ROOT / "_ext"), run], capture_output=True, text=True, check=True
    )
    freed = "freed at exit" in result.stdout
    assert result.stdout.startswith("done") and freed == (run == "no build"), result.stdout + result.stderr
