"""The manifest that travels with every return: what, when, by whom, under which rules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from caseapp.export.tables import Table, Value


def with_files(base: Mapping[str, Any], files: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
    """The manifest plus the name, size and SHA-256 of each file written beside it."""
    manifest = dict(base)
    manifest["files"] = [
        {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in files
    ]
    return manifest


def render(manifest: Mapping[str, Any]) -> bytes:
    """The manifest file (`manifest.json`, or `<name>.manifest.json` beside one file)."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _flatten(prefix: str, value: Any, out: list[tuple[Value, ...]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _flatten(f"{prefix}.{index}", item, out)
    elif isinstance(value, bool) or value is None:
        out.append((prefix, "" if value is None else str(value).lower()))
    elif isinstance(value, int):
        out.append((prefix, value))
    else:
        out.append((prefix, str(value)))


def as_table(manifest: Mapping[str, Any]) -> Table:
    """The manifest as a sheet: one `key, value` row per entry, suppressed cells as a list."""
    rows: list[tuple[Value, ...]] = []
    _flatten("", {k: v for k, v in manifest.items() if k != "suppressed"}, rows)
    suppressed = manifest.get("suppressed", [])
    rows.append(("suppressed cells", len(suppressed)))
    if suppressed:
        rows.append(("table", "cell", "label", "reason"))
        rows.extend(
            tuple(item.get(key, "") for key in ("table", "cell", "label", "reason"))
            for item in suppressed
        )
    return Table("manifest", "Manifest", ("key", "value"), tuple(rows))
