"""Logging to a file in the platform's log folder: events and code locations, no personal data."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from caseapp import paths

_LOGGER = logging.getLogger("caseapp")


def configure() -> Path | None:
    """Log to `caseapp.log` in the log folder; return its path (None if unwritable)."""
    if _LOGGER.handlers:
        handler = _LOGGER.handlers[0]
        return Path(getattr(handler, "baseFilename", "")) or None
    try:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "caseapp.log"
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3)
    except OSError:
        _LOGGER.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    _LOGGER.addHandler(handler)
    _LOGGER.setLevel(logging.INFO)
    return path


def log_exception(where: str, exc: BaseException) -> None:
    """Log an unexpected error by type and code location only.

    Exception messages are left out on purpose: a database error's message can quote the
    parameters of the statement, which may be a woman's name.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    location = " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in frames[-8:])
    _LOGGER.error("%s: %s at %s", where, type(exc).__name__, location)
