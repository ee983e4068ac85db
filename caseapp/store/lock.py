"""The single-writer lock: one caseapp process per store, others told clearly."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from caseapp.errors import StoreInUse, StoreWriteFailed
from caseapp.store import oslock


class StoreLock:
    """An exclusive lock on `<store>.lock`, released when the process ends (any system)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `StoreInUse` naming the other process."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | oslock.O_BINARY, 0o600)
        except OSError as exc:
            raise StoreWriteFailed(
                f"caseapp cannot write in {self.path.parent} (read-only or no space): "
                "the store can only be opened where its lock file can be written."
            ) from exc
        try:
            oslock.try_lock(fd)
        except OSError as exc:
            try:
                other = os.read(fd, 32).decode("ascii", "replace").strip()
            except OSError:
                other = ""
            os.close(fd)
            who = f" (process {other})" if other.isdigit() else ""
            raise StoreInUse(
                f"This store is open in another caseapp window{who}. Close it there first."
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Release the lock and close the file."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                oslock.unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None
