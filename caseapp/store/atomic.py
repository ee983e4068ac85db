"""Atomic file writes: a temporary file in the same folder, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from caseapp.store import oslock

# Windows cannot rename a file this process still has open (Python opens files without
# FILE_SHARE_DELETE), so there a temporary file is closed, and its lock dropped, just before
# its rename; elsewhere it stays open and locked until it has its final name.
RENAME_WHILE_OPEN = sys.platform != "win32"

# mkstemp's random part: eight characters from this alphabet.
_RANDOM = re.compile(r"[a-z0-9_]{8}")


def temp_beside(path: Path, mode: int = 0o600) -> tuple[int, str]:
    """Create `.<name>.<random>.tmp` beside `path`, locked while this process writes it.

    Temporary files of the same name that a killed writer left behind are removed first, so a
    crash costs at most one stale file per target until the next write of that target.
    """
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if sys.platform != "win32":
            # Windows has no mode bits to set (mkstemp's file is already private there).
            os.fchmod(fd, mode)
            # The lock tells other writers this file is in use; it dies with the process.
            oslock.try_lock(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def remove_stale_temps(path: Path) -> int:
    """Remove `.<name>.<random>.tmp` files beside `path` that no live process holds; count them.

    A writer holds an exclusive lock on its temporary file until it renames or removes it, so
    a file that can be locked belongs to a writer that was killed. On Windows nothing is
    removed: a writer there drops its lock before the rename, so a live writer cannot be told
    from a dead one.
    """
    if sys.platform == "win32":
        return 0
    prefix = f".{path.name}."
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        if not _RANDOM.fullmatch(name[len(prefix) : -len(".tmp")]):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            oslock.try_lock(fd)
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue  # locked by a live writer, or already gone
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def atomic_open(path: Path, mode: int = 0o600) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces `path` only if the block finishes without error.

    The temporary file lives beside the target so the rename is atomic on one filesystem; a
    failure (including a full disk) removes it, leaving nothing half-written under `path`.
    """
    path = Path(path)
    fd, tmp = temp_beside(path, mode)
    open_fd: int | None = fd
    try:
        # Closed only after the rename where the system allows, so the temporary file stays
        # locked while it is live.
        with os.fdopen(fd, "wb", closefd=False) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if not RENAME_WHILE_OPEN:
            os.close(fd)
            open_fd = None
        os.replace(tmp, path)
    except BaseException:
        # Closed before the unlink: Windows cannot remove a file that is still open.
        if open_fd is not None:
            os.close(open_fd)
            open_fd = None
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        if open_fd is not None:
            os.close(open_fd)
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` atomically."""
    with atomic_open(path, mode) as handle:
        handle.write(data)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries: a rename is only durable once the directory is on disk."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
