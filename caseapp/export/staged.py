"""Export files written in full under temporary names, and given their final names together.

An export that leaves the building must be on record (the audit log, the export register and,
for a return, the release register the next return is checked against). Files written under
their final names before the store has committed that record would be an export with no
record if the process were killed in between. So an export stages its files first, commits
its record, and only then publishes them: a kill before the commit leaves only temporary files
(removed by the next export of the same names), a kill after it leaves a record whose files
may not have landed, the safe way round.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from caseapp.errors import ExportError
from caseapp.store.atomic import RENAME_WHILE_OPEN, fsync_dir, temp_beside


class StagedFiles:
    """Temporary files beside their targets, renamed to them by `publish` (or all removed).

    Use as a context manager: leaving the block without `publish` (an error, a refusal)
    removes every temporary file. The last file staged is renamed last, and its old copy is
    removed before any rename, so a manifest staged last always matches the files beside it.
    """

    def __init__(self, mode: int = 0o600) -> None:
        self.mode = mode
        self._staged: list[tuple[str, Path]] = []
        # Each temporary file stays open (and so locked) until renamed: another export's
        # clean-up of stale temporary files must not take a live one.
        self._held: list[int] = []
        self.published = False

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release()
        if not self.published:
            _remove(tmp for tmp, _target in self._staged)

    @contextlib.contextmanager
    def open(self, target: Path) -> Iterator[IO[bytes]]:
        """A binary file staged for `target`, flushed to disk when the block ends.

        Raises:
            ExportError: it could not be written (a full disk); nothing is left behind.
        """
        try:
            fd, tmp = temp_beside(target, self.mode)
        except OSError as exc:
            raise _not_written(target, exc) from exc
        self._staged.append((tmp, target))
        if RENAME_WHILE_OPEN:
            self._held.append(fd)
        try:
            # Windows can neither rename nor remove a file still open: closed once written.
            with os.fdopen(fd, "wb", closefd=not RENAME_WHILE_OPEN) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _not_written(target, exc) from exc

    def write(self, target: Path, data: bytes) -> str:
        """Stage `data` for `target`; return its SHA-256."""
        with self.open(target) as handle:
            handle.write(data)
        return hashlib.sha256(data).hexdigest()

    def publish(self) -> None:
        """Give every staged file its final name, the last one last.

        Raises:
            ExportError: a rename failed; the files already renamed are removed again.
        """
        done: list[Path] = []
        try:
            if self._staged:
                Path(self._staged[-1][1]).unlink(missing_ok=True)
            for tmp, target in self._staged:
                os.replace(tmp, target)
                done.append(target)
        except OSError as exc:
            _remove(tmp for tmp, _target in self._staged)
            _remove(str(path) for path in done)
            raise ExportError(
                f"Could not finish the export: {exc.strerror or exc}. No file was left under "
                "its final name; the attempt stays in the audit log."
            ) from exc
        self.published = True
        self._release()
        for folder in {target.parent for _tmp, target in self._staged}:
            fsync_dir(folder)

    def _release(self) -> None:
        held, self._held = self._held, []
        for fd in held:
            with contextlib.suppress(OSError):
                os.close(fd)


def _not_written(target: Path, exc: OSError) -> ExportError:
    del target  # the reason is what she can act on (a full disk, a read-only folder)
    return ExportError(
        f"Could not write the export: {exc.strerror or exc}. Nothing was left behind."
    )


def _remove(paths: Iterable[str]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
