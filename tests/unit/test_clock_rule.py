"""One clock: below the UI only `caseapp/clock.py` reads the computer's date and time.

The UI reads "today" from the signed-in context (`ctx.clock`), the clock its services read,
never from a clock of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import caseapp

ROOT = Path(caseapp.__file__).parent
SCANNED = ("services", "store", "export", "models")

# The calls (or functions handed on to be called) that read the computer's clock.
FORBIDDEN = {
    ("date", "today"),
    ("datetime", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("time", "time"),
    ("time", "localtime"),
    ("time", "gmtime"),
}

# Uses that are not "today" and must stay on the real wall clock, with why.
ALLOWED = {
    # Failed-unlock back-off is counted in wall-clock seconds kept in the state file, so it
    # holds across processes and reboots; a frozen date must not lift or extend it.
    ("store/attempts.py", "time.time"),
    ("store/store.py", "time.time"),
    ("services/session.py", "time.time"),
}


def _dotted(node: ast.expr) -> tuple[str, str] | None:
    """`date.today` or `dt.date.today` as ("date", "today"); None for anything else."""
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id, node.attr
    if isinstance(owner, ast.Attribute):
        return owner.attr, node.attr
    return None


def clock_reads(source: str) -> list[tuple[int, str]]:
    """Every place in `source` that reads the computer's clock: (line, "date.today")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        name = _dotted(node)
        if name in FORBIDDEN:
            found.append((node.lineno, ".".join(name)))
    return found


def test_the_scan_finds_each_way_of_reading_the_clock() -> None:
    source = (
        "import datetime as dt, time\n"
        "from datetime import date, datetime\n"
        "a = date.today()\n"
        "b = dt.date.today()\n"
        "c = datetime.now(UTC)\n"
        "d = dt.datetime.utcnow()\n"
        "e = time.time()\n"
        "def f(clock=time.time): ...\n"
        "g = ctx.clock.today()\n"
    )
    assert [name for _line, name in clock_reads(source)] == [
        "date.today",
        "date.today",
        "datetime.now",
        "datetime.utcnow",
        "time.time",
        "time.time",
    ]


def test_only_the_clock_module_reads_the_computers_clock() -> None:
    offences = []
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for line, name in clock_reads(path.read_text(encoding="utf-8")):
                if (relative, name) not in ALLOWED:
                    offences.append(f"caseapp/{relative}:{line}: {name}")
    assert offences == [], "read ctx.clock (or caseapp.clock) instead:\n" + "\n".join(offences)


def test_the_clock_module_is_where_the_clock_is_read() -> None:
    assert clock_reads((ROOT / "clock.py").read_text(encoding="utf-8"))


UI = ("screens", "modals", "widgets", "palette")


def ui_clock_reads(source: str) -> list[tuple[int, str]]:
    """Every place in `source` that reads a clock other than the context's."""
    found = clock_reads(source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("caseapp.services", "caseapp"):
            if any(alias.name == "clock" for alias in node.names):
                found.append((node.lineno, f"{node.module}.clock"))
        elif isinstance(node, ast.ImportFrom) and node.module in (
            "caseapp.services.clock",
            "caseapp.clock",
        ):
            found.append((node.lineno, node.module))
    return found


def test_the_ui_scan_finds_a_clock_of_its_own() -> None:
    source = (
        "from caseapp.services import clock, plans\n"
        "from caseapp.clock import current\n"
        "from caseapp import clock as the_clock\n"
        "a = date.today()\n"
        "b = self.ctx.clock.today()\n"
    )
    assert sorted(name for _line, name in ui_clock_reads(source)) == [
        "caseapp.clock",
        "caseapp.clock",
        "caseapp.services.clock",
        "date.today",
    ]


def test_screens_forms_and_widgets_read_today_from_the_context() -> None:
    offences = []
    for package in UI:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for line, name in ui_clock_reads(path.read_text(encoding="utf-8")):
                offences.append(f"caseapp/{relative}:{line}: {name}")
    assert offences == [], "read self.ctx.clock instead:\n" + "\n".join(offences)


def test_no_service_takes_a_today_of_its_own() -> None:
    """A service acting for someone (`ctx` first) reads today from `ctx.clock`, never an argument.

    Tests move the frozen clock (the `clock` fixture) instead of passing a day.
    """
    offences = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            names = [a.arg for a in node.args.posonlyargs + node.args.args]
            own = {a.arg for a in node.args.args + node.args.kwonlyargs} & {"today", "now"}
            if names[:1] == ["ctx"] and own:
                offences.append(f"caseapp/{relative}:{node.name}({', '.join(sorted(own))})")
    assert offences == [], "read ctx.clock instead:\n" + "\n".join(offences)
