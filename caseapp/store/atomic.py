"""Atomic file writes: a temporary file in the same folder, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

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
        os.fchmod(fd, mode)
        if fcntl is not None:
            # The lock tells other writers this file is in use; it dies with the process.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def remove_stale_temps(path: Path) -> int:
    """Remove `.<name>.<random>.tmp` files beside `path` that no live process holds; count them.

    A writer holds an exclusive lock on its temporary file until it renames or removes it, so
    a file that can be locked belongs to a writer that was killed. Without `fcntl` (Windows)
    nothing is removed: a live writer cannot be told from a dead one there.
    """
    if fcntl is None:
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
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
    try:
        # Closed only after the rename, so the temporary file stays locked while it is live.
        with os.fdopen(fd, "wb", closefd=False) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)
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
