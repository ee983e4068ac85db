"""No module under caseapp/ grows past 600 lines: a file that big holds two concerns."""

from __future__ import annotations

from pathlib import Path

import caseapp

LIMIT = 600
ROOT = Path(caseapp.__file__).parent


def test_no_caseapp_module_is_over_the_limit() -> None:
    sizes = {
        path.relative_to(ROOT.parent).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in ROOT.rglob("*.py")
    }
    assert len(sizes) > 50  # the walk found the package, not an empty folder
    over = {name: lines for name, lines in sorted(sizes.items()) if lines > LIMIT}
    assert over == {}, f"split these by concern (limit {LIMIT} lines): {over}"
