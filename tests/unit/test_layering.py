"""The layers below the UI never load Textual or Rich (checked in a clean subprocess)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS = [
    "caseapp.services",
    "caseapp.sync",
    "caseapp.store",
    "caseapp.export",
    "caseapp.models",
]


@pytest.mark.parametrize("package", HEADLESS)
def test_package_loads_without_textual(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{package} loaded {result.stdout.strip()}"
