"""Keys that can be taken back and history that cannot be rewound: a missing cipher, key
rotation, generations and restores that re-apply erasures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.errors import StoreDamaged
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store, open_store
from tests.conftest import MANAGER, PASSPHRASE


@pytest.fixture
def plain_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard library's sqlite3 standing in for sqlcipher3 (it ignores PRAGMA key)."""
    monkeypatch.setattr("caseapp.store.engine.sqlcipher3", sqlite3)
    monkeypatch.setattr("caseapp.store.store.calibrate", lambda: FAST_KDF)


def test_missing_cipher_refuses_init_and_demo_and_creates_nothing(
    plain_sqlite: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "fresh"
    folder.mkdir()
    assert main(["init", "--store", str(folder / "s.db"), "--user", MANAGER]) == 3
    assert "SQLCipher is not available" in capsys.readouterr().err
    assert main(["demo", "--store", str(folder / "demo.db"), "--create-only"]) == 3
    assert "SQLCipher is not available" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == []


def test_missing_cipher_refuses_to_open_an_existing_store(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _code = create_store(store_path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    monkeypatch.setattr("caseapp.store.engine.sqlcipher3", sqlite3)
    with pytest.raises(StoreDamaged, match="SQLCipher is not available"):
        open_store(store_path, MANAGER, PASSPHRASE)


def test_a_plain_sqlite_file_in_place_of_the_store_is_refused_unchanged(store_path: Path) -> None:
    store, _code = create_store(store_path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    store_path.unlink()
    plain = sqlite3.connect(store_path)
    plain.execute("CREATE TABLE woman (name TEXT)")
    plain.commit()
    plain.close()
    before = store_path.read_bytes()
    with pytest.raises(StoreDamaged, match="plain, unencrypted SQLite file"):
        open_store(store_path, MANAGER, PASSPHRASE)
    assert store_path.read_bytes() == before
