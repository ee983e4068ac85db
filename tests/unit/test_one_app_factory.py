"""The app is built one way: only `caseapp.app.build_app` calls the `CaseApp` constructor.

The command line, the benchmarks and every UI test go through it, so a test drives the app
as `caseapp` builds it and changes it only through the factory's arguments.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r"\bCaseApp\(")


def test_only_build_app_constructs_the_app() -> None:
    callers = sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("caseapp", "bench", "tests")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CALL.search(line) and not line.lstrip().startswith("class ")
    )
    assert len(callers) == 1 and callers[0].startswith("caseapp/app.py:"), callers
