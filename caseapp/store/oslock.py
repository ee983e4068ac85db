"""Exclusive, non-blocking locks on an open file, the same on Windows, macOS and Linux."""

from __future__ import annotations

import os
import sys

# Windows opens files in text mode unless told otherwise; the lock file holds bytes.
O_BINARY: int = getattr(os, "O_BINARY", 0)

if sys.platform == "win32":
    import msvcrt

    # Windows refuses reads of a locked byte range, so the lock sits on one byte far past
    # anything written there: the process number at the start of a lock file stays readable
    # to the second window that must name it. Locking past the end of a file is allowed.
    _LOCK_OFFSET = 1 << 30

    def _locking(fd: int, mode: int) -> None:
        where = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, mode, 1)
        finally:
            os.lseek(fd, where, os.SEEK_SET)

    def try_lock(fd: int) -> None:
        """Lock `fd` for this process, or raise `OSError` at once if another holds it."""
        _locking(fd, msvcrt.LK_NBLCK)

    def unlock(fd: int) -> None:
        """Drop the lock now (Windows frees a closed file's locks only when it gets to it)."""
        _locking(fd, msvcrt.LK_UNLCK)

else:
    import fcntl

    def try_lock(fd: int) -> None:
        """Lock `fd` for this process, or raise `OSError` at once if another holds it."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def unlock(fd: int) -> None:
        """Drop the lock now (closing the descriptor would drop it too)."""
        fcntl.flock(fd, fcntl.LOCK_UN)
