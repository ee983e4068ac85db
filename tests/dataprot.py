"""Helpers for the data-protection tests: reading a store's pages and WAL frames decrypted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from caseapp.store.engine import PAGE_SIZE

# SQLCipher 4 keeps a 16-byte IV and a 64-byte HMAC at the end of every page.
RESERVE = 80
SALT = 16


def decrypted_pages(path: Path, key: bytes) -> list[bytes]:
    """Decrypt every page of a SQLCipher 4 file with the raw key (free pages included).

    SQLCipher's own export only copies live rows; reading the pages directly also sees what
    a deletion may have left behind in freed space.
    """
    data = path.read_bytes()
    pages: list[bytes] = []
    for offset in range(0, len(data) - PAGE_SIZE + 1, PAGE_SIZE):
        page = data[offset : offset + PAGE_SIZE]
        start = SALT if offset == 0 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        pages.append(decryptor.update(page[start : PAGE_SIZE - RESERVE]) + decryptor.finalize())
    return pages


def wal_frames(path: Path, key: bytes) -> list[bytes]:
    """Decrypt every frame of a `-wal` file (32-byte header, 24-byte frame headers)."""
    wal = Path(f"{path}-wal")
    if not wal.exists():
        return []
    data = wal.read_bytes()
    frames: list[bytes] = []
    offset = 32
    while offset + 24 + PAGE_SIZE <= len(data):
        page_no = int.from_bytes(data[offset : offset + 4], "big")
        page = data[offset + 24 : offset + 24 + PAGE_SIZE]
        start = SALT if page_no == 1 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        frames.append(decryptor.update(page[start : PAGE_SIZE - RESERVE]) + decryptor.finalize())
        offset += 24 + PAGE_SIZE
    return frames


def needles(marker: str) -> list[bytes]:
    """The byte forms a marker could take in a page: UTF-8 and folded lower case."""
    return [marker.encode("utf-8"), marker.lower().encode("utf-8")]


def holds(chunks: list[bytes], marker: str) -> bool:
    """Whether any decrypted page or frame holds the marker."""
    return any(n in chunk for chunk in chunks for n in needles(marker))


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """An aware UTC datetime for tests."""
    return datetime(year, month, day, hour, tzinfo=UTC)
