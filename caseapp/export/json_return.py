"""The return as one JSON document: period, metrics, breakdowns, suppressed cells, manifest."""

from __future__ import annotations

import json

from caseapp.export.tables import ReturnDocument


def render(doc: ReturnDocument) -> bytes:
    """The JSON format (see the README's "The monthly return"); UTF-8, stable key order."""
    body = {
        "period": {"from": doc.period_from, "to": doc.period_to},
        "metrics": dict(doc.metrics),
        "breakdowns": dict(doc.breakdowns),
        "suppressed": [dict(item) for item in doc.suppressed],
        "manifest": dict(doc.manifest),
    }
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
