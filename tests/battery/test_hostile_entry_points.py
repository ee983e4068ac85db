"""Hostile input battery: docs/security.md cases 10-19 through every entry point.

Forms (as the services behind them), import (CSV and XLSX), search, the exports (return,
export-data, the import report), the subject access pack, and the screens that show the text
at 80x24. Each hostile string is either refused at the boundary with a clear message or kept
exactly (as the form's own trimming leaves it) and shown literally: never markup, never an
escape sequence reaching the terminal, never a formula, never SQL.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func
from sqlmodel import col, select

from caseapp.errors import ValidationError
from caseapp.export.files import FORMULA_STARTS
from caseapp.models import Woman
from caseapp.services import (
    activities,
    caseload,
    contacts,
    export_data,
    flags,
    group_register,
    groups,
    returns,
    sar,
    women,
)
from caseapp.services.activities import ActivityInput
from caseapp.services.caseload import CaseloadQuery
from caseapp.services.context import Ctx
from caseapp.services.interchange.load import run_import
from caseapp.services.interchange.report import write_report_csv
from caseapp.services.returns_periods import parse_year
from caseapp.services.women_types import WomanInfo, as_input
from caseapp.textsafe import visible
from tests.battery.hostile import BIDI, ESCAPES, MARKUP, SQLISH
from tests.harness.clock import TODAY
from tests.harness.clock import fixed_clock as fixed_clock  # autouse: 24/11/2026 10:30
from tests.harness.women import add_woman
from tests.services.import_kit import write_csv

# Cases 10, 11, 12 and 15 (see hostile.py); case 16: spreadsheet formulas; HTML for the
# subject access page.
FORMULAS = ["=1+1", "+44 20", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")']
HTMLISH = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&amp; &lt;"]
# Text that looks like a date but is not one (the subject access page once crashed on it).
DATELIKE = ["2025-13-45", "2025-02-30", "٢٠٢٥-٠١-٠١"]
ACCEPTED = [*MARKUP, *ESCAPES, *BIDI, *SQLISH, "O'Brien", *FORMULAS, *HTMLISH, *DATELIKE]

# Cases 13 and 14: refused at the boundary, with the reason named.
REFUSED = [
    ("Ja\x00ne", "NUL"),
    ("bad \ud800 text", "surrogate"),
    ("y" * 5_000_000, "at most"),  # a pasted 5 MB note
]
# A 10,000-character name: over a name's limit (refused, limit stated), within a note's.
TEN_THOUSAND = "x" * 10_000

# What a terminal must never receive from data: OSC (titles, clipboard, links), BEL, DCS,
# 8-bit CSI/OSC, a bidi override, and a screen clear.
FORBIDDEN_OUTPUT = ("\x1b]", "\x07", "\x1bP", "\x9b", "\x9d", "\u202e", "\x1b[2J")

_serial = count(1)


def stored(text: str, *, multiline: bool) -> str:
    """What a form keeps of `text`: trimmed, and on one line unless the field has several."""
    if not multiline:
        text = text.replace("\r", " ").replace("\n", " ")
    return text.strip()


# -- forms: every text field behind a form, through its service -------------------------------


def _woman(ctx: Ctx, **details: Any) -> WomanInfo:
    details.setdefault("first", "Hostile")
    details.setdefault("last", f"Case{next(_serial)}")
    return add_woman(ctx, confirm_duplicate=True, **details)


def first_name(ctx: Ctx, text: str) -> str:
    woman = _woman(ctx, first=text)
    return women.open_woman(ctx, woman.id).woman.first_name


def edited_last_name(ctx: Ctx, text: str) -> str:
    woman = _woman(ctx)
    details = as_input(woman)
    women.edit_woman(ctx, woman.id, details.__class__(**{**details.__dict__, "last_name": text}))
    return women.open_woman(ctx, woman.id).woman.last_name


def safe_contact_note(ctx: Ctx, text: str) -> str:
    woman = _woman(ctx, safe_contact_note=text)
    return women.open_woman(ctx, woman.id).woman.safe_contact_note


def contact_note(ctx: Ctx, text: str) -> str:
    woman = _woman(ctx)
    entered = contacts.ContactInput(note=text)
    logged = contacts.log_contact(ctx, woman.id, entered)
    return contacts.list_contacts(ctx, woman.id)[0].note if logged else ""


def flag_reason(ctx: Ctx, text: str) -> str:
    woman = _woman(ctx)
    flags.raise_flag(ctx, woman.id, "marac", text)
    return flags.flag_history(ctx, woman.id)[0].reason


def group_title(ctx: Ctx, text: str) -> str:
    register = groups.create_session(ctx, title=text, date=TODAY)
    return groups.get_session(ctx, register.session.id).title


def activity_description(ctx: Ctx, text: str) -> str:
    entered = ActivityInput(type="judiciary_training", date=TODAY, description=text)
    recorded = activities.record_activity(ctx, entered)
    return activities.get_activity(ctx, recorded.id).description


# (entry point, whether the field keeps several lines, its length limit)
FORMS: list[tuple[Callable[[Ctx, str], str], bool, int]] = [
    (first_name, False, 200),
    (edited_last_name, False, 200),
    (safe_contact_note, True, 2000),
    (contact_note, True, 20_000),
    (flag_reason, True, 2000),
    (group_title, False, 200),
    (activity_description, True, 2000),
]
FORM_IDS = [entry.__name__ for entry, _multiline, _limit in FORMS]


@pytest.mark.parametrize(("entry", "multiline", "limit"), FORMS, ids=FORM_IDS)
def test_form_keeps_hostile_text_exactly(
    manager: Ctx, entry: Callable[[Ctx, str], str], multiline: bool, limit: int
) -> None:
    for text in ACCEPTED:
        expected = stored(text, multiline=multiline)
        if not expected:
            continue  # only whitespace: nothing to keep (and a required field says so)
        assert entry(manager, text) == expected, repr(text)


@pytest.mark.parametrize(("entry", "multiline", "limit"), FORMS, ids=FORM_IDS)
def test_form_refuses_nul_surrogates_and_huge_text_clearly(
    manager: Ctx, entry: Callable[[Ctx, str], str], multiline: bool, limit: int
) -> None:
    for text, reason in REFUSED:
        with pytest.raises(ValidationError) as refused:
            entry(manager, text)
        message = str(refused.value)
        assert reason.casefold() in message.casefold(), message
        assert len(message) < 300  # the limit is stated, the text is not echoed back
    if limit >= len(TEN_THOUSAND):
        assert entry(manager, TEN_THOUSAND) == TEN_THOUSAND
    else:
        with pytest.raises(ValidationError) as refused:
            entry(manager, TEN_THOUSAND)
        assert f"at most {limit:,} characters" in str(refused.value).casefold()
    with manager.read() as session:  # nothing half-saved: only the women made to carry text
        names = session.exec(select(col(Woman.first_name))).all()
    assert set(names) <= {"Hostile", TEN_THOUSAND}


# -- properties: arbitrary text through the services -----------------------------------------

HOSTILE_CHARS = "[]/@=\\ab x\x1b\x07\x00\u202e;:%_'\r\n\t<>&"
# One store serves every example of a property: each example adds its own woman.
FIXTURE_REUSED = HealthCheck.function_scoped_fixture
ANY_TEXT = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=st.sampled_from(list(HOSTILE_CHARS)), max_size=40),
    st.sampled_from(ACCEPTED),
)


@pytest.mark.parametrize(
    ("entry", "multiline", "label"),
    [(first_name, False, "First name:"), (contact_note, True, "Note:")],
    ids=["first_name", "contact_note"],
)
@given(text=ANY_TEXT)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[FIXTURE_REUSED, HealthCheck.too_slow]
)
def test_any_text_is_refused_clearly_or_kept_exactly(
    manager: Ctx, entry: Callable[[Ctx, str], str], multiline: bool, label: str, text: str
) -> None:
    try:
        kept = entry(manager, text)
    except ValidationError as exc:
        assert str(exc).startswith(label), str(exc)
        assert len(exc.fields) == 1
    else:
        assert kept == stored(text, multiline=multiline)


# -- search (case 15) ------------------------------------------------------------------------------


def test_search_matches_sql_and_wildcards_literally_within_her_caseload(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna, bea = make_user("anna"), make_user("bea")
    add_woman(anna, "%Percent", "Anna")
    add_woman(anna, "_Under", "Anna")
    add_woman(anna, "Plain", "Anna")
    add_woman(anna, "'; DROP TABLE woman;--", "Anna")
    add_woman(bea, "%Other", "Bea")
    add_woman(bea, "_Hers", "Bea")

    def names(ctx: Ctx, typed: str) -> set[str]:
        found = {row.name for row in caseload.search(ctx, typed)}
        listed = caseload.caseload(ctx, CaseloadQuery(search=typed, status="all")).rows
        assert found == {row.name for row in listed}
        return found

    assert names(anna, "%") == {"%Percent Anna"}
    assert names(anna, "_") == {"_Under Anna"}
    assert names(manager, "%") == {"%Percent Anna", "%Other Bea"}
    assert names(anna, "'; DROP TABLE woman;--") == set()
    assert names(anna, "';") == {"'; DROP TABLE woman;-- Anna"}
    # The register's search for women to add follows the same rule.
    picks = {p.name for p in group_register.search_women(anna, "%")}
    assert picks == {"%Percent Anna"}
    with manager.read() as session:  # the table is still there, all six in it
        assert session.exec(select(func.count()).select_from(Woman)).one() == 6


# -- import: CSV and XLSX (cases 10-16, 19) ---------------------------------------------------


def _women_rows() -> list[list[str]]:
    header = ["woman_ref", "first_name", "last_name", "safe_contact_note", "referral_date"]
    rows = [header]
    for i, text in enumerate(ACCEPTED):
        rows.append([f"H-{i:03d}", text, f"Row{i}", f"note {text}", "2025-01-06"])
    return rows


def _imported(ctx: Ctx) -> dict[str, tuple[str, str]]:
    with ctx.read() as session:
        rows = session.exec(
            select(col(Woman.reference), col(Woman.first_name), col(Woman.safe_contact_note))
        ).all()
    return {ref: (first, note) for ref, first, note in rows}


def _expect_imported() -> dict[str, tuple[str, str]]:
    expected = {}
    for i, text in enumerate(ACCEPTED):
        if not stored(text, multiline=False):
            continue
        expected[f"H-{i:03d}"] = (stored(text, multiline=False), f"note {text}".strip())
    return expected


def test_csv_import_keeps_hostile_text_exactly(manager: Ctx, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    rows = [r for r in _women_rows() if r[1].strip() or r[0] == "woman_ref"]
    write_csv(folder, "women.csv", rows)
    report = run_import(manager, folder)
    assert report.ok and report.committed, report.lines()
    got = _imported(manager)
    for ref, (first, note) in _expect_imported().items():
        assert got[ref][0] == first, ref
        assert got[ref][1] == note.replace("\r", " ") or got[ref][1] == note, ref


def test_xlsx_import_reads_formulas_as_text_never_their_result(
    manager: Ctx, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "women"
    # A workbook cannot hold control characters at all (openpyxl refuses them, as Excel does).
    rows = [
        r
        for r in _women_rows()
        if r[0] == "woman_ref" or (r[1].strip() and not ILLEGAL_CHARACTERS_RE.search(r[1]))
    ]
    for row in rows:
        sheet.append(row)  # openpyxl stores "=1+1" as a real formula cell
    path = tmp_path / "in.xlsx"
    book.save(path)
    report = run_import(manager, path)
    assert report.ok and report.committed, report.lines()
    got = _imported(manager)
    formula_ref = next(r[0] for r in rows if r[1] == "=1+1")
    assert got[formula_ref][0] == "=1+1"  # the formula's text, not 2
    for ref, (first, _note) in _expect_imported().items():
        if ref in got:
            assert got[ref][0] in (first, stored(first, multiline=False)), ref


def test_malformed_hostile_import_reports_every_problem_writes_nothing_report_is_safe(
    manager: Ctx, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    write_csv(
        folder,
        "women.csv",
        [
            ["woman_ref", "first_name", "referral_date", "date_of_birth"],
            ["B-1", "Ja\x00ne", "2025-01-06", ""],
            ["B-2", "[bold red]x[/]", '=HYPERLINK("http://x","y")', ""],
            ["B-3", "Ok", "2025-02-30", "2090-01-01"],
            ["B-3", "Dup", "2025-01-06", ""],
        ],
    )
    report = run_import(manager, folder)
    assert not report.committed
    text = "\n".join(report.lines())
    for expected in ("NUL", "women.csv:3", "women.csv:4", "women.csv:5"):
        assert expected in text, text
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 0
    out = tmp_path / "report.csv"
    write_report_csv(report, out)
    for row in csv.reader(io.StringIO(out.read_text("utf-8"), newline="")):
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row


# -- exports (cases 16, 17) ------------------------------------------------------------------------


def _hostile_caseload(ctx: Ctx) -> list[WomanInfo]:
    """Women whose every text field is hostile, each with a contact in the return's year."""
    made = []
    for i, text in enumerate(ACCEPTED):
        if not text.strip():
            continue
        woman = add_woman(
            ctx,
            text,
            f"Zqx{i}",
            born="02/03/1985",
            phone="+44 20 7946 0" + f"{i:03d}",
            safe_contact_note=f"Zqxnote {text}",
            referred=date(2025, 6, 2),
            confirm_duplicate=True,
        )
        entered = contacts.ContactInput(date=date(2025, 6, 3), note=f"Zqxcontact {text}")
        contacts.log_contact(ctx, woman.id, entered)
        made.append(woman)
    return made


def _export_text(path: Path) -> str:
    """Every character an export file holds (an XLSX is its XML parts)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            return "\n".join(zf.read(name).decode("utf-8") for name in zf.namelist())
    return path.read_text("utf-8")


def test_return_in_every_format_holds_no_identifier_or_free_text(
    manager: Ctx, tmp_path: Path
) -> None:
    made = _hostile_caseload(manager)
    period = parse_year("2025")
    written: list[Path] = []
    for fmt in returns.FORMATS:
        result = returns.export(manager, period, fmt, tmp_path / f"ret-{fmt}")
        written += [*result.files, result.manifest]
    everything = "\n".join(_export_text(p) for p in written)
    assert "Zqx" not in everything  # no surname, note or contact note
    for identifier in ("7946 0", "1985-03-02", "02/03/1985", "MIN-"):  # phone, birth, reference
        assert identifier not in everything, identifier
    for woman in made:
        assert woman.reference not in everything
    xlsx = next(p for p in written if p.suffix == ".xlsx")
    book = load_workbook(xlsx)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"


def test_export_data_neutralises_formulas_and_round_trips_exactly(
    manager: Ctx, tmp_path: Path
) -> None:
    _hostile_caseload(manager)
    out = tmp_path / "data"
    export_data.export_data(manager, out)
    for file in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(file.read_text("utf-8"), newline="")):
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row), (file.name, row)
    first_names = [
        row["first_name"]
        for row in csv.DictReader(io.StringIO((out / "women.csv").read_text("utf-8"), newline=""))
    ]
    assert "'=1+1" in first_names and "'@SUM(A1)" in first_names


# -- subject access pack ------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Collects the tags and attributes of a page, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table"}
PAGE_TAGS |= {"thead", "tbody", "tr", "th", "td", "br"}
PAGE_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "class", "colspan"}


def _page(html_text: str) -> _Tags:
    parser = _Tags()
    parser.feed(html_text)
    parser.close()
    return parser


def test_subject_access_pack_shows_markup_as_text(manager: Ctx, tmp_path: Path) -> None:
    woman = add_woman(
        manager,
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        safe_contact_note="[bold red]x[/] \x1b]0;t\x07 &amp;",
    )
    entered = contacts.ContactInput(note="2025-02-30")  # looks like a date, is not one
    contacts.log_contact(manager, woman.id, entered)
    flags.raise_flag(manager, woman.id, "marac", "</td></tr></table><h1>fake</h1>")
    result = sar.export_pack(manager, woman.reference, tmp_path / "sar")
    page = result.html_path.read_text("utf-8")
    assert "<script" not in page and "<img" not in page and "<h1>fake" not in page
    parsed = _page(page)
    assert parsed.tags <= PAGE_TAGS and parsed.attributes <= PAGE_ATTRIBUTES
    shown = "".join(parsed.text)
    assert "<script>alert(1)</script>" in shown and "</td></tr></table><h1>fake</h1>" in shown
    assert "2025-02-30" in shown
    assert "\x1b" not in page and "\x07" not in page
    # The JSON holds the values exactly as stored.
    pack = json.loads(result.json_path.read_text("utf-8"))
    assert pack["woman"]["first_name"] == "<script>alert(1)</script>"


@given(text=ANY_TEXT)
@settings(max_examples=150, deadline=None)
def test_subject_access_page_renders_any_text_as_text(text: str) -> None:
    pack = _SAMPLE_PACK | {
        "woman": {**_SAMPLE_PACK["woman"], "first_name": text},
        "contacts": [{"date": "2025-06-03", "note": text}],
    }
    page = sar.render_html(pack)
    parsed = _page(page)
    assert parsed.tags <= PAGE_TAGS and parsed.attributes <= PAGE_ATTRIBUTES
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    if text.strip() and "\x00" not in text:
        shown = visible(text, keep_newlines=True)
        assert html.escape(shown).replace("\n", "<br>") in page


# A pack shaped as `sar.collect` builds it, small enough to need no store.
_SAMPLE_PACK: dict[str, Any] = {
    "reference": "MIN-2026-00001",
    "provider": "Provider",
    "generated_at": "2026-11-24T10:30:00+00:00",
    "generated_by": "Maria Manager",
    "woman": {"first_name": "Jane", "last_name": "Smith", "date_of_birth": "1990-02-01"},
    "shared_with": [],
    "referrals": [],
    "consents": [],
    "flags": [],
    "closures": [],
    "contacts": [{"date": "2025-06-03", "note": "Met at the hub"}],
    "assessments": [],
    "plan_goals": [],
    "outcomes": [],
    "group_sessions": [],
    "audit": [],
    "exports": [],
}


# -- every screen that shows the text, at 80x24 ------------------------------------------------

# CSI sequences Textual itself writes (colours, cursor moves, modes); anything else that
# starts with ESC would have come from data.
_TEXTUAL_CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")
SCREEN_NAMES = [
    ("[@click=app.quit]x[/]", "[bold red]Jane[/]"),
    ("\x1b[2J\x1b]0;title\x07", "\x1b]52;c;aGk=\x07"),
    ("Am\u202eina", "فاطمة"),
    ("[link=https://example.invalid]x[/link]", "\\[x] [b ] [0]"),
    ("x" * 200, "<script>alert(1)</script>"),  # the longest name a form takes
]


def terminal_output(app: Any) -> str:
    """Exactly what the app would write to a terminal to draw its current screen now.

    Textual's compositor renders the screen to the string its driver sends; reading it
    here is the only way to see the bytes a headless test run never writes anywhere.
    """
    update = app.screen._compositor.render_full_update()
    return str(update.render_segments(app.console))


def assert_nothing_escapes(app: Any, where: str) -> None:
    """The app still runs, and no escape, bell or bidi override from data reaches the terminal."""
    assert app.is_running, f"{where}: the app stopped"
    output = terminal_output(app)
    for sequence in FORBIDDEN_OUTPUT:
        assert sequence not in output, f"{where}: {sequence!r} reached the terminal"
    leftover = _TEXTUAL_CSI.sub("", output)
    assert "\x1b" not in leftover, f"{where}: {leftover[leftover.index(chr(27)) :][:20]!r}"


def _hostile_store(ctx: Ctx) -> tuple[int, int]:
    """Women with hostile names, notes, a flag and a group session; (a woman, the session)."""
    ids = []
    for first, last in SCREEN_NAMES:
        woman = add_woman(
            ctx,
            first,
            last,
            confirm_duplicate=True,
            safe_contact_note="[@click=app.quit]call[/] \x1b]0;t\x07",
        )
        note = "\x1b[2J[bold]note[/] \x07 Am\u202eina " + "line\n" * 3
        if first == "x" * 200:
            note = ("a pasted page of notes " * 900)[:20_000]  # the longest note a form takes
        contacts.log_contact(ctx, woman.id, contacts.ContactInput(note=note))
        ids.append(woman.id)
    flags.raise_flag(ctx, ids[0], "marac", "[@click=app.quit]why[/] \x1b]52;c;aGk=\x07")
    register = groups.create_session(ctx, title="[@click=app.quit]Art[/] \x1b]0;t\x07", date=TODAY)
    group_register.add_to_register(ctx, register.session.id, ids)
    description = "[@click=app.quit]Bench[/] \x1b]52;c;aGk=\x07 Am\u202eina"
    entered = ActivityInput(type="judiciary_training", date=TODAY, description=description)
    activities.record_activity(ctx, entered)
    return ids[0], register.session.id


@pytest.mark.slow
async def test_screens_show_hostile_text_literally_and_never_obey_it(manager: Ctx) -> None:
    from textual.widgets import DataTable

    from caseapp.screens.caseload import CaseloadScreen
    from caseapp.screens.groups import GroupsScreen
    from caseapp.screens.home import HomeScreen
    from caseapp.screens.register import RegisterScreen
    from caseapp.screens.woman import WomanScreen
    from tests.harness.app import make_app, screen_text, settle, unlock

    _hostile_store(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert_nothing_escapes(app, "home")

        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert_nothing_escapes(app, "caseload")
        listed = screen_text(app)
        # Long names are cut with an ellipsis in the table; what shows is the literal text.
        assert "[@click=app.qui" in listed and "[link=https://e" in listed
        assert "Am\u2426ina فاطمة" in listed  # the override shown as a marker, not obeyed

        # Open each woman's record in turn, clicking on her name as a mouse user would.
        table = app.screen.query_one(DataTable)
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, WomanScreen)
            assert_nothing_escapes(app, f"record {row}")
            await pilot.click("#woman-name")
            await settle(pilot)
            assert_nothing_escapes(app, f"record {row} after a click on her name")
            for tab in ("2", "3", "4"):  # contacts, flags and the other tabs
                await pilot.press(tab)
                await settle(pilot)
                assert_nothing_escapes(app, f"record {row}, tab {tab}")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, CaseloadScreen)

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GroupsScreen)
        assert_nothing_escapes(app, "groups")
        assert "[@click=app.quit]Art[/" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert_nothing_escapes(app, "register")
        await pilot.click(DataTable)  # on the first woman's hostile name
        await settle(pilot)
        assert_nothing_escapes(app, "register after a click")
        shown = screen_text(app)
        assert "[@click=app.quit]Art[/] \u241b]0;t\u2407" in shown  # ESC and BEL as pictures
        assert "Am\u2426ina فاطمة" in shown

        # Activities and the audit log show descriptions and names too.
        for key, where in (("a", "activities"), ("l", "audit log")):
            while not isinstance(app.screen, HomeScreen):
                await pilot.press("escape")
                await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, HomeScreen), where
            assert_nothing_escapes(app, where)
            if where == "activities":
                assert "[@click=app.quit]B" in screen_text(app)  # cut to fit the column
            await pilot.click(DataTable)
            await settle(pilot)
            assert_nothing_escapes(app, f"{where} after a click")
        assert app.is_running
