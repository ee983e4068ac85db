"""Code, tests and docs cite the project's own docs/, never a folder or tracker a clone lacks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()

# What a clone holds and a newcomer reads. Snapshots are rendered screens, not prose.
FOLDERS = ("caseapp", "tests", "bench", "migrations", "docs")
FILES = ("README.md", "ARCHITECTURE.md", "Makefile", "pyproject.toml")
SKIPPED_FOLDERS = frozenset({"__pycache__", "__snapshots__", "out"})
TEXT_SUFFIXES = frozenset({".py", ".md", ".tcss", ".toml", ".cfg", ".ini", ".mako", ".txt", ""})

# The specs' old home outside the repository.
OUTSIDE = re.compile(r"\.\./shared|\bshared/(?:docs|source)\b")
# Labels from the issue tracker: "issue 4", "Issues 6, 8", "issue #12", "H7", "(S2)".
TRACKER = re.compile(r"\b[Ii]ssues?\s*#?\d+|\b[HS]\d{1,2}\b")
# A citation of a page under docs/.
DOCS_PAGE = re.compile(r"\bdocs/([A-Za-z_]+\.md)\b")
# A page of docs/ named without its folder (outside docs/ itself, where links are relative).
BARE_PAGE = re.compile(r"(?<![\w/.-])(?:domain|interchange|security|sync)\.md\b")


def _files() -> Iterator[Path]:
    for name in FILES:
        if (ROOT / name).is_file():
            yield ROOT / name
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if SKIPPED_FOLDERS & set(path.relative_to(ROOT).parts) or not path.is_file():
                continue
            if path.suffix in TEXT_SUFFIXES and path.resolve() != THIS:
                yield path


def _lines() -> Iterator[tuple[str, int, str]]:
    for path in _files():
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            yield str(path.relative_to(ROOT)), number, line


def _hits(pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{name}:{number}: {line.strip()[:120]}"
        for name, number, line in _lines()
        if pattern.search(line)
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see shared" + "/docs/domain.md", True),
        ("the spec in ../shared" + "/docs", True),
        ("(shared/source/commissioning-decision.txt)", True),
        ("a shared/exclusive lock", False),
        ("the return (issue 5)", True),
        ("Issue 6 asked for it", True),
        ("issues 6, 8", True),
        ("issue #12", True),
        ("the record screen (H3)", True),
        ("H7's services", True),
        ("see S2", True),
        ("never issued again", False),
        ("SHA-256 of each file", False),
        ("borough E09000012", False),
        ("docs/domain.md, Anonymisation rules", False),
        ("the SH badge, F1 for help", False),
    ],
)
def test_the_patterns_find_labels_and_spare_ordinary_words(text: str, found: bool) -> None:
    assert bool(OUTSIDE.search(text) or TRACKER.search(text)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("(domain.md rule 1)", True),
        ("the contract in `interchange.md`", True),
        ("security.md cases 1-8", True),
        ("docs/domain.md, The return", False),
        ("see ARCHITECTURE.md", False),
        ("[security.md](security.md)", True),
    ],
)
def test_a_bare_page_name_is_found(text: str, found: bool) -> None:
    assert bool(BARE_PAGE.search(text)) is found


def test_the_scan_reads_the_code_the_tests_and_the_docs() -> None:
    scanned = {str(path.relative_to(ROOT)) for path in _files()}
    assert "caseapp/services/returns_sql.py" in scanned
    assert "docs/domain.md" in scanned
    assert "README.md" in scanned
    assert str(THIS.relative_to(ROOT)) not in scanned


def test_nothing_cites_the_shared_folder_outside_the_project() -> None:
    assert _hits(OUTSIDE) == [], "cite docs/ (e.g. 'docs/domain.md, Anonymisation rules')"


def test_no_tracker_labels() -> None:
    assert _hits(TRACKER) == [], "name the feature, or point into docs/, instead of a label"


def test_docs_pages_are_cited_with_their_folder() -> None:
    bare = [hit for hit in _hits(BARE_PAGE) if not hit.startswith("docs/")]
    assert bare == [], "write docs/domain.md, not domain.md, so the reader can find it"


def test_every_docs_page_cited_exists() -> None:
    missing = [
        f"{name}:{number}: docs/{page}"
        for name, number, line in _lines()
        for page in DOCS_PAGE.findall(line)
        if not (ROOT / "docs" / page).is_file()
    ]
    assert missing == []


def test_links_between_docs_pages_resolve() -> None:
    broken = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert broken == []
