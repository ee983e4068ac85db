"""Safe output files: checked destinations, atomic writes, CSV cells that cannot become formulas."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from caseapp.errors import ExportError
from caseapp.export.staged import StagedFiles
from caseapp.store.atomic import atomic_write_bytes
from caseapp.textsafe import visible

# A spreadsheet treats a cell starting with these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileExists(ExportError):
    """An output file is already there and replacing it was not asked for."""


def refuse_existing(paths: Iterable[Path]) -> None:
    """Raise `FileExists` naming what is already there (nothing has been written)."""
    there = [p.name for p in paths if p.exists() or p.is_symlink()]
    if there:
        more = " ..." if len(there) > 3 else ""
        raise FileExists(
            f"{', '.join(there[:3])}{more} already there: nothing was written. Replace it only "
            "on purpose (--force on the command line; export again to confirm in the app)."
        )


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with `'`; leave numbers alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def check_out_dir(folder: Path, *, create: bool = False) -> Path:
    """Return the resolved folder if it exists, is a real folder and is writable; else refuse."""
    folder = Path(folder)
    if create and not folder.exists() and folder.parent.is_dir():
        try:
            folder.mkdir(mode=0o700)
        except OSError as exc:
            raise ExportError(f"Cannot create the folder {folder}: {exc.strerror}.") from exc
    if folder.is_symlink():
        raise ExportError(f"{folder} is a symbolic link; choose a real folder.")
    if not folder.is_dir():
        raise ExportError(f"The folder {folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"The folder {folder} is read-only.")
    return folder.resolve()


# Names Windows reserves for devices, with any extension (`CON`, `aux.csv`, `COM1.txt`).
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{kind}{n}" for kind in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


def name_problem(name: str) -> str:
    """Why `name` cannot be a file caseapp writes ("" when it can)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        return "is not a plain file name"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        # Control characters and format characters (bidi overrides, zero-width) make a name
        # show as something else in a file manager: `report\u202excl.csv`.
        return "contains control or invisible formatting characters"
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_DEVICES:
        return "is a name Windows reserves for a device"
    if name[-1] in ". ":
        return "ends in a dot or space, which Windows drops"
    return ""


def check_target(folder: Path, name: str) -> Path:
    """The final path for `name` inside `folder`; refuse names that escape it or symlinks,
    Windows device names, and control or bidi characters."""
    problem = name_problem(name)
    if problem:
        raise ExportError(f"{visible(name)!r} {problem}: choose another name.")
    target = folder / name
    if target.is_symlink():
        raise ExportError(f"{target} is a symbolic link; caseapp will not write through it.")
    if target.resolve().parent != folder.resolve():
        raise ExportError(f"{name!r} would be written outside {folder}.")
    return target


def check_out_file(path: Path) -> Path:
    """Check a single output file path given by the user (`--out report.xlsx`)."""
    path = Path(path)
    if ".." in path.parts:
        raise ExportError(f"{path} contains '..'; give a path without it.")
    folder = check_out_dir(path.parent if str(path.parent) else Path("."))
    return check_target(folder, path.name)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV (RFC 4180, CRLF) with every text cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def write_bytes(target: Path, data: bytes) -> str:
    """Write atomically; return the SHA-256 of what was written. A full disk leaves nothing."""
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise ExportError(
            f"Could not write {target.name}: {exc.strerror or exc}. Nothing was left behind."
        ) from exc
    return hashlib.sha256(data).hexdigest()


def write_all(
    files: Sequence[tuple[Path, bytes]],
    *,
    mode: int = 0o600,
    before_publish: Callable[[], object] | None = None,
) -> list[str]:
    """Write several files so that all of them appear under their final names, or none do.

    Every file is first written in full to a temporary file beside its target and flushed to
    disk (`StagedFiles`); then `before_publish` runs (an export commits its record there, so
    no file is published before the store knows of it: if it raises, nothing is published);
    only then are they renamed, one after another. A failure while writing (a full disk)
    removes every temporary file; a failure while renaming removes the files already renamed.
    The last file is the manifest: its old copy goes before any rename and the new one is
    renamed last, so even after a `kill -9` a manifest on disk matches the files beside it.
    Temporary files a killed export left are removed by the next export of the same names.
    Returns the SHA-256 of each file in order.
    """
    with StagedFiles(mode) as staged:
        hashes = [staged.write(target, data) for target, data in files]
        if before_publish is not None:
            before_publish()
        staged.publish()
    return hashes


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
