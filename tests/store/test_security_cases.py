"""docs/security.md cases 1-8 and 21 (store and keys; two instances) on real encrypted stores."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from caseapp import paths
from caseapp.errors import PassphraseIncorrect, StoreDamaged, StoreInUse, StoreNotFound
from caseapp.models import AuditEvent, User, Woman
from caseapp.services import users
from caseapp.services.audit import verify_chain
from caseapp.services.context import Ctx
from caseapp.services.session import lock, unlock
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store, change_passphrase, create_store, open_store
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.store import file_hashes, fill

MARKER = "Qz7Wintermute"

# Runs in its own process so that TMPDIR and the log folder are fixed before SQLite and
# logging first look at them; prints OPEN and waits while the parent scans the files.
MARKER_SCRIPT = """
import sys
from pathlib import Path
from sqlalchemy.exc import IntegrityError
from caseapp import logsetup
from caseapp.models import Woman
from caseapp.services import audit, users
from caseapp.services.context import Actor, Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store

path, marker = Path(sys.argv[1]), sys.argv[2]
logsetup.configure()
store, _code = create_store(path, "mgr", "pass phrase one", kdf=FAST_KDF)
users.create_first_manager(store, "mgr")
ctx = Ctx(store, Actor(1, "mgr", "manager"))
with ctx.write() as session:
    woman = Woman(reference="CASE-1", first_name=marker, last_name=marker,
                  safe_contact_note="she said " + marker + " twice: " + marker)
    session.add(woman)
    session.flush()
    audit.record(session, ctx, "woman_created", subject_id=woman.id,
                 subject_ref=woman.reference, fields=["first_name", "safe_contact_note"])
try:  # a failed write: SQLAlchemy's message quotes the marker; the log must not
    with ctx.write() as session:
        session.add(Woman(reference="CASE-1", first_name=marker))
        session.flush()
except IntegrityError as exc:
    logsetup.log_exception("duplicate reference", exc)
print("OPEN", flush=True)
sys.stdin.readline()
store.close()
print("CLOSED", flush=True)
"""


def _needles(marker: str) -> list[bytes]:
    return [
        marker.encode("utf-8"),
        marker.lower().encode("utf-8"),
        marker.upper().encode("utf-8"),
        marker.encode("utf-16-le"),
    ]


def _files_holding(folders: list[Path], marker: str) -> list[str]:
    found = []
    for folder in folders:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                data = file.read_bytes()
                if any(needle in data for needle in _needles(marker)):
                    found.append(str(file))
    return found


def test_scanner_finds_a_plain_marker(tmp_path: Path) -> None:
    # The negative results below mean something only if the scan does find a marker.
    (tmp_path / "plain.txt").write_text(f"x {MARKER.lower()} y", "utf-8")
    assert _files_holding([tmp_path], MARKER) == [str(tmp_path / "plain.txt")]


def test_case1_marker_never_on_disk_in_plain_text(tmp_path: Path) -> None:
    store_dir, tmp_dir, log_dir = tmp_path / "s", tmp_path / "tmp", tmp_path / "log"
    for folder in (store_dir, tmp_dir, log_dir):
        folder.mkdir(exist_ok=True)
    path = store_dir / "caseapp.db"
    env = {**os.environ, "TMPDIR": str(tmp_dir), "CASEAPP_LOG_DIR": str(log_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-c", MARKER_SCRIPT, str(path), MARKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        assert proc.stdout.readline().strip() == "OPEN"
        wal = Path(f"{path}-wal")
        assert wal.exists() and wal.stat().st_size > 0, "the writes should sit in the WAL"
        assert _files_holding([store_dir, tmp_dir, log_dir], MARKER) == []
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "CLOSED"
    finally:
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert MARKER not in err
    assert (log_dir / "caseapp.log").read_text("utf-8").count("IntegrityError") == 1
    assert _files_holding([store_dir, tmp_dir, log_dir], MARKER) == []
    # The row really is there: unlock and read it back.
    outcome = unlock(path, "mgr", "pass phrase one")
    with outcome.ctx.read() as session:
        woman = session.exec(select(Woman)).one()
    lock(outcome.ctx)
    assert woman.first_name == MARKER


def test_case2_plain_sqlite_cannot_read(closed_store: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(closed_store).execute("SELECT count(*) FROM sqlite_master").fetchall()
    if shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 command on this machine; the stdlib check above passed")
    result = subprocess.run(
        ["sqlite3", str(closed_store), "SELECT count(*) FROM sqlite_master;"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "file is not a database" in result.stderr


def test_case3_wrong_passphrase_is_plain_and_changes_nothing(closed_store: Path) -> None:
    before = file_hashes(closed_store)
    with pytest.raises(PassphraseIncorrect) as caught:
        open_store(closed_store, MANAGER, "not the passphrase")
    assert str(caught.value) == "Username or passphrase incorrect."
    with pytest.raises(PassphraseIncorrect):
        open_store(closed_store, "nobody", PASSPHRASE)
    assert file_hashes(closed_store) == before
    assert not Path(f"{closed_store}-shm").exists()


@pytest.mark.parametrize("where", ["first page", "middle", "last page"])
def test_case4_flipped_byte_is_damage(closed_store: Path, where: str) -> None:
    data = bytearray(closed_store.read_bytes())
    assert len(data) > 200 * 4096, "the store should span hundreds of pages"
    offset = {"first page": 100, "middle": len(data) // 2 + 17, "last page": len(data) - 50}[where]
    data[offset] ^= 0x01
    closed_store.write_bytes(bytes(data))
    before = file_hashes(closed_store)
    with pytest.raises(StoreDamaged) as caught:
        open_store(closed_store, MANAGER, PASSPHRASE)
    message = str(caught.value)
    assert "damaged" in message and "backup" in message
    assert "will not create a new store" in message
    assert file_hashes(closed_store) == before
    leftovers = {p.name for p in closed_store.parent.iterdir()}
    assert leftovers == {closed_store.name + s for s in ("", ".keys", ".lock")}


@pytest.mark.parametrize("cut", [4096, 100, "half", "all"])
def test_case5_truncated_store_is_refused(closed_store: Path, cut: int | str) -> None:
    data = closed_store.read_bytes()
    keep = {"half": (len(data) // 2) // 4096 * 4096, "all": 0}.get(str(cut), 0)
    if isinstance(cut, int):
        keep = len(data) - cut
    closed_store.write_bytes(data[:keep])
    before = file_hashes(closed_store)
    with pytest.raises(StoreDamaged, match=r"damaged.*backup"):
        open_store(closed_store, MANAGER, PASSPHRASE)
    assert file_hashes(closed_store) == before
    assert not Path(f"{closed_store}-wal").exists()


def test_case5_missing_key_file_is_refused(closed_store: Path) -> None:
    paths.key_file_path(closed_store).unlink()
    before = file_hashes(closed_store)
    with pytest.raises(StoreDamaged, match=r"key file .* is missing: restore it"):
        open_store(closed_store, MANAGER, PASSPHRASE)
    assert file_hashes(closed_store) == before
    assert not paths.key_file_path(closed_store).exists()


def _edit_key_file(path: Path, change: Callable[[dict], None], *, fix_checksum: bool) -> None:
    import hashlib

    key_path = paths.key_file_path(path)
    body = json.loads(key_path.read_text("utf-8"))
    change(body)
    if fix_checksum:
        body.pop("checksum")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
        body["checksum"] = hashlib.sha256(canonical).hexdigest()
    key_path.write_text(json.dumps(body), "utf-8")


def _roll_back_audit_head(body: dict) -> None:
    body["audit_head"] = {"seq": 1, "hmac": "0" * 64}


def _weaken_kdf(body: dict) -> None:
    body["slots"][0]["kdf"]["t"] = 2
    body["slots"][0]["kdf"]["m"] = 19 * 1024 + 1


def _inflate_kdf(body: dict) -> None:
    body["slots"][0]["kdf"]["m"] = 64 * 1024 * 1024


def _swap_wrapped(body: dict) -> None:
    body["slots"][0]["wrapped"] = body["recovery"]["wrapped"]


@pytest.mark.parametrize(
    ("change", "fix_checksum", "error", "message"),
    [
        (_roll_back_audit_head, False, StoreDamaged, "damaged or altered"),
        (_roll_back_audit_head, True, StoreDamaged, "key file has been altered"),
        (_weaken_kdf, True, PassphraseIncorrect, "incorrect"),
        (_inflate_kdf, True, StoreDamaged, "impossible parameters"),
        (_swap_wrapped, True, PassphraseIncorrect, "incorrect"),
    ],
)
def test_case5_altered_key_file_is_refused(
    closed_store: Path,
    change: Callable[[dict], None],
    fix_checksum: bool,
    error: type[Exception],
    message: str,
) -> None:
    _edit_key_file(closed_store, change, fix_checksum=fix_checksum)
    before = file_hashes(closed_store)
    with pytest.raises(error, match=message):
        open_store(closed_store, MANAGER, PASSPHRASE)
    assert file_hashes(closed_store) == before


def test_case5_garbage_key_file_is_refused(closed_store: Path) -> None:
    paths.key_file_path(closed_store).write_bytes(b"\x00\xffnot json")
    with pytest.raises(StoreDamaged, match="damaged or altered"):
        open_store(closed_store, MANAGER, PASSPHRASE)


def test_missing_store_is_not_found_and_not_created(store_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="caseapp init"):
        open_store(store_path, MANAGER, PASSPHRASE)
    assert not store_path.exists()


def test_case6_passphrase_change_leaves_store_bytes(closed_store: Path) -> None:
    before = file_hashes(closed_store)
    change_passphrase(closed_store, MANAGER, PASSPHRASE, "a brand new passphrase")
    after = file_hashes(closed_store)
    assert after["store"] == before["store"]
    assert after["wal"] is None
    assert after["keys"] != before["keys"]
    with pytest.raises(PassphraseIncorrect):
        open_store(closed_store, MANAGER, PASSPHRASE)
    outcome = unlock(closed_store, MANAGER, "a brand new passphrase")
    with outcome.ctx.read() as session:
        actions = list(session.exec(select(col(AuditEvent.action))))
        women = len(session.exec(select(col(Woman.id))).all())
    lock(outcome.ctx)
    assert women == 3000
    # The change happened with the store shut, so it reaches the audit log at the next unlock.
    assert "passphrase_changed" in actions


def test_case6_wrong_old_passphrase_changes_nothing(closed_store: Path) -> None:
    before = file_hashes(closed_store)
    with pytest.raises(PassphraseIncorrect):
        change_passphrase(closed_store, MANAGER, "wrong", "a brand new passphrase")
    assert file_hashes(closed_store) == before


def test_case7_removed_user_is_locked_out_and_nobody_else(
    manager: Ctx, make_user: Callable[..., Ctx], store: Store, store_path: Path
) -> None:
    make_user("ada", passphrase="ada's passphrase")
    make_user("bea", passphrase="bea's passphrase")
    make_user("cat", role="manager", passphrase="cat's passphrase")
    users.remove_user(manager, "ada")
    store.close()
    with pytest.raises(PassphraseIncorrect):
        open_store(store_path, "ada", "ada's passphrase")
    for name, secret in (("bea", "bea's passphrase"), ("cat", "cat's passphrase")):
        outcome = unlock(store_path, name, secret)
        assert outcome.ctx.actor.username == name
        lock(outcome.ctx)
    outcome = unlock(store_path, MANAGER, PASSPHRASE)
    with outcome.ctx.read() as session:
        ada = session.exec(select(User).where(col(User.username) == "ada")).one()
    assert verify_chain(outcome.ctx.store).ok
    lock(outcome.ctx)
    assert not ada.active and ada.removed_at is not None


NFC_E = unicodedata.normalize("NFC", "café crème brûlée")
NFD_E = unicodedata.normalize("NFD", NFC_E)

AWKWARD = [
    pytest.param("it's \"quoted\" 'twice'", "it's \"quoted\" 'twice'", id="quotes"),
    pytest.param("a; DROP TABLE woman;--", "a; DROP TABLE woman;--", id="semicolons"),
    pytest.param("🔐 key 🗝️ and 👩🏽‍💻", "🔐 key 🗝️ and 👩🏽‍💻", id="emoji"),
    pytest.param("x" * 999 + "é", "x" * 999 + "é", id="1000-chars"),
    pytest.param(NFC_E, NFD_E, id="nfc-then-nfd"),
    pytest.param(NFD_E, NFC_E, id="nfd-then-nfc"),
    pytest.param("x'00'; PRAGMA key = 'y'", "x'00'; PRAGMA key = 'y'", id="pragma-like"),
]


@pytest.mark.parametrize(("created_with", "typed"), AWKWARD)
def test_case8_awkward_passphrases(store_path: Path, created_with: str, typed: str) -> None:
    assert len("x" * 999 + "é") == 1000
    store, _code = create_store(store_path, "zoë", created_with, kdf=FAST_KDF)
    users.create_first_manager(store, "zoë")
    store.close()
    outcome = unlock(store_path, unicodedata.normalize("NFD", "Zoë"), typed)
    assert outcome.ctx.actor.username == "zoë"
    lock(outcome.ctx)
    change_passphrase(store_path, "zoë", typed, created_with + "!")
    with pytest.raises(PassphraseIncorrect):
        open_store(store_path, "zoë", created_with)
    opened = open_store(store_path, "zoë", typed + "!")
    opened.store.close()


def test_case21_second_instance_is_told_store_in_use(store: Store, store_path: Path) -> None:
    before = file_hashes(store_path)
    in_use = rf"open in another caseapp window \(process {os.getpid()}\)"
    with pytest.raises(StoreInUse, match=in_use):
        open_store(store_path, MANAGER, PASSPHRASE)
    with pytest.raises(StoreInUse):
        change_passphrase(store_path, MANAGER, PASSPHRASE, "something else entirely")
    assert file_hashes(store_path)["keys"] == before["keys"]
    store.close()
    opened = open_store(store_path, MANAGER, PASSPHRASE)
    opened.store.close()


def test_close_checkpoints_so_a_copy_is_whole(
    store: Store, store_path: Path, tmp_path: Path
) -> None:
    fill(store, 500)
    assert Path(f"{store_path}-wal").stat().st_size > 0
    store.close()
    assert not Path(f"{store_path}-wal").exists()
    copy = tmp_path / "copy" / "caseapp.db"
    copy.parent.mkdir()
    shutil.copy(store_path, copy)
    shutil.copy(paths.key_file_path(store_path), paths.key_file_path(copy))
    outcome = unlock(copy, MANAGER, PASSPHRASE)
    with outcome.ctx.read() as session:
        count = len(session.exec(select(col(Woman.id))).all())
    lock(outcome.ctx)
    assert count == 500


def test_store_files_are_private(closed_store: Path) -> None:
    for file in closed_store.parent.iterdir():
        assert file.stat().st_mode & 0o077 == 0, f"{file.name} is readable by others"
