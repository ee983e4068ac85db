"""Where caseapp keeps its store, key file, logs and config by default (platform folders)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "caseapp"


def default_store_path() -> Path:
    """Return `$CASEAPP_STORE` or the store in the platform's user data folder."""
    env = os.environ.get("CASEAPP_STORE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "caseapp.db"


def log_dir() -> Path:
    """Return the platform's user log folder for caseapp (holds no personal data)."""
    env = os.environ.get("CASEAPP_LOG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def key_file_path(store: Path) -> Path:
    """The key-slot file that sits beside a store."""
    return store.with_name(store.name + ".keys")


def state_file_path(store: Path) -> Path:
    """The unlock-attempt state file that sits beside a store (failure counters only)."""
    return store.with_name(store.name + ".state")


def lock_file_path(store: Path) -> Path:
    """The single-writer lock file that sits beside a store."""
    return store.with_name(store.name + ".lock")
