"""The app is imported with the garbage collector paused, and what it loaded is frozen after."""

from __future__ import annotations

import json
import subprocess
import sys

# In a fresh Python: note whether the collector runs while caseapp.app is imported.
PROBE = """
import gc, json, sys
seen = []

class Probe:
    def find_spec(self, name, path=None, target=None):
        if name == "caseapp.app":
            seen.append(gc.isenabled())
        return None

sys.meta_path.insert(0, Probe())
from caseapp.cli.main import _load_app
run_app = _load_app()
print(json.dumps([seen, gc.isenabled(), gc.get_freeze_count() > 10000, run_app.__name__]))
"""


def test_the_app_loads_without_collections_and_stays_out_of_them() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out) == [[False], True, True, "run_app"]
