"""Readers for a folder of CSV files, a zip of one, or an XLSX workbook, with limits.

Nothing is read whole before it is checked: file sizes are checked before opening, archive
members by their declared sizes and compression ratio (zip bombs), and the bytes actually
produced are counted while reading so a lying header cannot get past the limit. XLSX parts are
scanned for DOCTYPE and ENTITY declarations before the XML parser sees them, and formulas come
back as their text (`=SUM(A1:A3)`), never as a computed value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import IO, Any

from caseapp.errors import ValidationError
from caseapp.services.interchange.spec import TABLES

# A note may be 20,000 characters; allow a little more so the length check, not the CSV
# parser, reports an over-long cell.
csv.field_size_limit(100_000)


@dataclass(frozen=True)
class Limits:
    """What an import accepts; tests pass smaller limits to exercise the refusals."""

    file_bytes: int = 512 * 1024 * 1024
    total_bytes: int = 1024 * 1024 * 1024
    members: int = 200
    ratio: int = 200
    # Below this uncompressed size a member may compress as well as it likes.
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = Limits()


class Refused(Exception):
    """A source that must not be read further (a bomb, an entity, an oversize file)."""

    def __init__(self, file: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.message = message


@dataclass
class Part:
    """One table's rows from one file or sheet; `rows()` yields (line, cells), header first.

    `sha256` is the file's hash, known once its rows have been read (a sheet carries the
    workbook's hash).
    """

    display: str
    table: str
    size: int
    reader: Callable[[Part], Iterator[tuple[int, list[str]]]]
    sha256: str = ""
    notes: list[tuple[int, str, str]] = field(default_factory=list)  # line, column, message

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Read the file again from the start."""
        return self.reader(self)


@dataclass
class Bundle:
    """What a source holds: its parts, the files it was read from, and refusals so far."""

    source: str
    parts: list[Part] = field(default_factory=list)
    files: list[tuple[str, str, int]] = field(default_factory=list)  # name, sha256, bytes
    problems: list[Refused] = field(default_factory=list)


class _Counted(io.RawIOBase):
    """A binary stream that hashes what passes and refuses to give more than `limit` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, display: str) -> None:
        self.raw = raw
        self.limit = limit
        self.display = display
        self.count = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.raw.read(len(buffer))
        self.count += len(chunk)
        if self.count > self.limit:
            raise Refused(self.display, f"is larger than the limit of {_size(self.limit)}")
        self.digest.update(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def table_for(name: str) -> str | None:
    """The table a file or sheet name stands for (`Women.CSV` -> `women`), if any."""
    stem = name.strip().casefold()
    if stem.endswith(".csv"):
        stem = stem[:-4]
    return stem if stem in TABLES else None


def _decoded_lines(raw: IO[bytes], display: str, position: list[int]) -> Iterator[str]:
    """Decode a byte stream line by line so an encoding error names its physical line."""
    for number, data in enumerate(raw, start=1):
        position[0] = number
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused(display, "is not UTF-8 text (save it as CSV UTF-8)", number) from exc


def _csv_rows(
    opener: Callable[[], IO[bytes]], limit: int, part: Part
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, cells) from a UTF-8 CSV; the line is where the record starts."""
    display = part.display
    position = [0]
    with opener() as raw:
        counted = _Counted(raw, limit, display)
        buffered = io.BufferedReader(counted, 1 << 16)
        reader = csv.reader(_decoded_lines(buffered, display, position), strict=False)
        line = 1
        try:
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1
        except csv.Error as exc:
            raise Refused(display, f"cannot be read as CSV ({exc})", position[0]) from exc
        part.sha256 = counted.digest.hexdigest()


def _check_member_name(archive: str, info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's path if it may be read; None for folders and macOS litter; else refuse."""
    name = info.filename
    if name.startswith("__MACOSX/") or name.endswith("/"):
        return None
    path = PurePosixPath(name)
    if "\\" in name or path.is_absolute() or ".." in path.parts or len(path.parts) > 2:
        raise Refused(archive, f"holds {name!r}, a nested or unsafe path; zip one folder only")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise Refused(archive, f"holds {name!r}, a symbolic link")
    if info.flag_bits & 0x1:
        raise Refused(archive, f"holds {name!r}, which is encrypted")
    if path.suffix.casefold() in (".zip", ".xlsx", ".gz", ".7z", ".rar"):
        raise Refused(archive, f"holds {name!r}, an archive inside the archive")
    return path


def _check_archive(archive: str, zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Refuse bombs before reading: member count, declared sizes and compression ratio."""
    infos = zf.infolist()
    if len(infos) > limits.members:
        raise Refused(archive, f"has {len(infos):,} members; the limit is {limits.members}")
    if any(PurePosixPath(i.filename).name.casefold() == "vbaproject.bin" for i in infos):
        # Macros, whatever the file is called (an .xlsm renamed .xlsx): never opened.
        raise Refused(archive, "contains macros (vbaProject.bin); save it without macros first")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.file_bytes:
            raise Refused(
                archive,
                f"member {info.filename!r} would be {_size(info.file_size)} unpacked; "
                f"the limit is {_size(limits.file_bytes)}",
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise Refused(
                archive,
                f"member {info.filename!r} unpacks {info.file_size // max(info.compress_size, 1):,}"
                f" times larger than it is packed (a zip bomb?); the limit is {limits.ratio}",
            )
    if total > limits.total_bytes:
        raise Refused(
            archive,
            f"would be {_size(total)} unpacked; the limit is {_size(limits.total_bytes)}",
        )
    return infos


def _claim(bundle: Bundle, display: str, name: str, what: str) -> str | None:
    """The table a file or sheet holds, or None (and a problem) if unknown or given twice."""
    table = table_for(name)
    if table is None:
        listed = ", ".join(f"{t}.csv" if what == "files" else t for t in TABLES)
        bundle.problems.append(Refused(display, f"is not one of the interchange {what} ({listed})"))
    elif any(p.table == table for p in bundle.parts):
        bundle.problems.append(Refused(display, f"gives {table} a second time; give it once"))
        table = None
    return table


def _add(
    bundle: Bundle, display: str, opener: Callable[[], IO[bytes]], size: int, limit: int
) -> None:
    table = _claim(bundle, display, PurePosixPath(display).name, "files")
    if table is None:
        return
    bundle.parts.append(
        Part(
            display=PurePosixPath(display).name,
            table=table,
            size=size,
            reader=lambda part: _csv_rows(opener, limit, part),
        )
    )


def read_folder(path: Path, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """The CSV files in a folder (other files are left alone)."""
    bundle = Bundle(source=path.name)
    for entry in sorted(path.iterdir()):
        if entry.suffix.casefold() != ".csv" or not entry.is_file():
            continue
        size = entry.stat().st_size
        if size > limits.file_bytes:
            bundle.problems.append(
                Refused(entry.name, f"is {_size(size)}; the limit is {_size(limits.file_bytes)}")
            )
            continue
        _add(bundle, entry.name, _file_opener(entry), size, limits.file_bytes)
    return bundle


def read_csv_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """A single CSV file named after its table."""
    bundle = Bundle(source=path.name)
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise Refused(path.name, f"is {_size(size)}; the limit is {_size(limits.file_bytes)}")
    _add(bundle, path.name, _file_opener(path), size, limits.file_bytes)
    return bundle


def _file_opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")


def _member_opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: zf.open(info)


def read_zip(path: Path, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """The CSV files in a zip of one folder."""
    bundle = Bundle(source=path.name)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refused(path.name, "is not a readable zip file") from exc
    infos = _check_archive(path.name, zf, limits)
    for info in infos:
        member = _check_member_name(path.name, info)
        if member is None or member.suffix.casefold() != ".csv":
            continue
        _add(
            bundle,
            f"{path.name}/{info.filename}",
            _member_opener(zf, info),
            info.file_size,
            limits.file_bytes,
        )
    return bundle


# -- XLSX ----------------------------------------------------------------------------------

_FORBIDDEN_XML = (b"<!doctype", b"<!entity")


def _scan_xml(archive: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> None:
    """Refuse an XML part that declares a DOCTYPE or ENTITY (billion laughs, external files)."""
    with zf.open(info) as raw:
        counted = _Counted(raw, limit, archive)
        head = counted.read(4) or b""
        utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:4] in (
            b"<\x00?\x00",
            b"\x00<\x00?",
        )
        if utf16:
            raise Refused(archive, f"part {info.filename!r} is UTF-16 XML, which is not accepted")
        tail = head.lower()
        while True:
            block = counted.read(1 << 16)
            if not block:
                break
            window = tail + block.lower()
            if any(marker in window for marker in _FORBIDDEN_XML):
                raise Refused(
                    archive,
                    f"part {info.filename!r} declares a DOCTYPE or ENTITY; it is not a plain "
                    "spreadsheet and was not opened",
                )
            tail = window[-16:]


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold; formulas stay as their text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """The sheets of a workbook, one per table, named like the CSV files without `.csv`."""
    bundle = Bundle(source=path.name)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refused(path.name, "is not a readable XLSX workbook") from exc
    with zf:
        infos = _check_archive(path.name, zf, limits)
        for info in infos:
            if PurePosixPath(info.filename).suffix.casefold() in (".xml", ".rels", ".vml"):
                _scan_xml(path.name, zf, info, limits.file_bytes)
    import openpyxl  # here: only the import path needs it, and it is slow to load

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # any parser failure means "not a workbook"
        raise Refused(path.name, "cannot be read as an XLSX workbook") from exc
    for sheet in book.worksheets:
        display = f"{path.name}[{sheet.title}]"
        if table_for(sheet.title) is None and not _has_values(sheet):
            continue  # an empty "Sheet1" is what a new workbook holds; leave it alone
        table = _claim(bundle, display, sheet.title, "sheets")
        if table is None:
            continue
        bundle.parts.append(Part(display, table, 0, _sheet_reader(sheet)))
    return bundle


def _sheet_reader(sheet: Any) -> Callable[[Part], Iterator[tuple[int, list[str]]]]:
    from openpyxl.utils import get_column_letter

    def rows(part: Part) -> Iterator[tuple[int, list[str]]]:
        part.notes.clear()
        header: list[str] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [_cell_text(getattr(cell, "value", None)) for cell in cells]
            for index, cell in enumerate(cells):
                if getattr(cell, "data_type", "") == "f":
                    # The formula is never run: its text is what is imported, and said so.
                    where = f"{get_column_letter(index + 1)}{number}"
                    column = header[index] if index < len(header) else ""
                    part.notes.append(
                        (number, column, f"cell {where} held a formula; imported as its text")
                    )
            if number == 1:
                header = values
            yield number, values

    return rows


def _has_values(sheet: Any) -> bool:
    for values in sheet.iter_rows(values_only=True, max_row=5):
        if any(v not in (None, "") for v in values):
            return True
    return False


def open_source(path: Path, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Read a folder, a `.zip`, an `.xlsx` or a single `.csv`; the hash of the file(s) given.

    Raises:
        ValidationError: the path does not exist or is not one of the accepted kinds.
        Refused: the source is unsafe or too large to read.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path} does not exist.")
    if path.is_dir():
        return read_folder(path, limits)
    suffix = path.suffix.casefold()
    if suffix not in (".zip", ".xlsx", ".csv"):
        raise ValidationError(
            f"{path.name}: give a folder of CSV files, a .zip of one, or an .xlsx workbook."
        )
    size = path.stat().st_size
    if size > limits.total_bytes:
        raise Refused(path.name, f"is {_size(size)}; the limit is {_size(limits.total_bytes)}")
    if suffix == ".csv":
        return read_csv_file(path, limits)
    bundle = read_zip(path, limits) if suffix == ".zip" else read_xlsx(path, limits)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    bundle.files.append((path.name, digest.hexdigest(), size))
    return bundle
