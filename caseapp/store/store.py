"""Create, unlock and close an encrypted store; manage the key slots beside it."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from caseapp import paths
from caseapp.errors import (
    PassphraseIncorrect,
    PermissionDenied,
    StoreDamaged,
    StoreExists,
    StoreNotFound,
    StoreWriteFailed,
)
from caseapp.store import generations, migrate, rotation
from caseapp.store.attempts import Attempts, AttemptState
from caseapp.store.cipher import refuse_plain, require_cipher
from caseapp.store.engine import PAGE_SIZE, checkpoint_and_dispose, forget_key, make_engine
from caseapp.store.keyslots import (
    RECOVERY_USER,
    KdfParams,
    KeyFile,
    Slot,
    calibrate,
    new_data_key,
    new_recovery_code,
    normalise_recovery_code,
)
from caseapp.store.lock import StoreLock

# Above this size the full page-by-page check is left to `caseapp verify` so unlock stays fast.
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024

DAMAGED = (
    "The store is damaged ({what}). Restore it from your latest backup; "
    "caseapp will not create a new store over it."
)


class NestedWrite(RuntimeError):
    """A programming error: `write()` was entered again while its thread already writes."""


class Store:
    """An unlocked store: the engine, the key file and the writer lock, until `close()`."""

    def __init__(
        self, path: Path, engine: Engine, key_file: KeyFile, data_key: bytes, lock: StoreLock
    ) -> None:
        self.path = path
        self.engine = engine
        self.key_file = key_file
        self._data_key: bytes | None = data_key
        # Keys that outlive a change of data key (the audit chain, tombstones): see rotation.
        self.stable = rotation.engine_stable_keys(engine, data_key)
        self.audit_key = self.stable["audit hmac"]
        self.generation = 0
        self._lock = lock
        # Reentrant only for the key-slot methods below, which may run inside a write.
        self._write_lock = threading.RLock()
        self._writer: int | None = None
        self.pending_head: dict[str, Any] | None = None

    @property
    def is_open(self) -> bool:
        """Whether the store still holds its key and connections."""
        return self._data_key is not None

    @property
    def data_key(self) -> bytes:
        """The raw data key (only while open)."""
        if self._data_key is None:
            raise StoreNotFound("The store is locked.")
        return self._data_key

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; objects stay usable after it ends (no expiry)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @property
    def writing(self) -> bool:
        """Whether the calling thread is inside `write()` (so it must not open another)."""
        return self._writer == threading.get_ident()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one unit of work, committed at the end, one writer at a time.

        After the commit, the audit head recorded during the work is written to the key file,
        so a cut-off tail of the log can be detected. Opening a write inside a write raises
        `NestedWrite`: the inner one would wait on the outer's lock and fail as "busy".
        A refusal inside is audited after the rollback (`_unit_of_work`).
        """
        if self.writing:
            raise NestedWrite(
                "Store.write() was opened inside another write() on the same thread; "
                "pass the open session down instead."
            )
        with self._write_lock:
            self._writer = threading.get_ident()
            try:
                with self._unit_of_work() as session:
                    yield session
            finally:
                self._writer = None

    @contextlib.contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        """One transaction; a refusal's audit entry commits after its rollback (any store)."""
        try:
            with self._transaction() as session:
                yield session
        except PermissionDenied as exc:
            follow_up, exc.after_rollback = exc.after_rollback, None
            if follow_up is not None:
                with self._transaction() as session:
                    follow_up(session)
            raise

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            self.pending_head = None
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                self.pending_head = None
                raise storage_error(exc) from exc
            except BaseException:
                session.rollback()
                self.pending_head = None
                raise
        if self.pending_head is not None:
            self.key_file.audit_head = self.pending_head
            self.pending_head = None
            self.save_key_file()

    def save_key_file(self) -> None:
        """Rewrite the key file (atomically, with a fresh MAC)."""
        try:
            self.key_file.absorb(paths.key_file_path(self.path), self.data_key)
            self.key_file.save(paths.key_file_path(self.path), self.data_key)
        except OSError as exc:
            raise StoreWriteFailed(
                f"caseapp cannot write the key file in {self.path.parent} (read-only or no space)."
            ) from exc

    def set_slot(
        self, user_id: int | None, username: str, passphrase: str, params: KdfParams | None = None
    ) -> None:
        """Wrap the data key for a user under a new passphrase; the store is not touched."""
        if params is None:
            existing = self.key_file.find(username)
            if existing is None and self.key_file.slots:
                existing = self.key_file.slots[0]
            params = existing.params() if existing else calibrate()
        slot = Slot.seal(
            self.key_file.store_id, user_id, username, passphrase, self.data_key, params
        )
        with self._write_lock:
            self.key_file.put(slot)
            self.save_key_file()

    def remove_slot(self, username: str) -> bool:
        """Remove a user's slot so she can no longer unlock; others are unaffected."""
        with self._write_lock:
            slot = self.key_file.find(username)
            removed = self.key_file.remove(username)
            if slot is not None and slot.user_id is not None:
                self.key_file.removed.append(slot.user_id)
            if removed:
                # Saved with her slot's removal: a crash before the rekey still changes the key
                # at the next unlock (she may have kept the old key).
                self.key_file.rotation_due = True
                self.save_key_file()
            return removed

    def new_recovery_code(self) -> str:
        """Replace the recovery slot and return its new code (shown once)."""
        code = new_recovery_code()
        params = self.key_file.slots[0].params() if self.key_file.slots else calibrate()
        with self._write_lock:
            self.key_file.recovery = Slot.seal(
                self.key_file.store_id, None, RECOVERY_USER, code, self.data_key, params
            )
            self.save_key_file()
        return code

    def rekey(self, progress: rotation.Progress = rotation.quiet) -> None:
        """Change the data key (crash-safe, see `rotation`); the store stays open and locked."""
        with self._write_lock:
            checkpoint_and_dispose(self.engine)
            forget_key(self.engine)
            old_key = self.data_key
            try:
                new_key = rotation.rotate(self.path, self.key_file, old_key, progress)
            except BaseException:
                # Failed before the rekey committed (a full disk): go on with the old key.
                self.engine = make_engine(self.path, old_key)
                raise
            self.engine = make_engine(self.path, new_key)
            self._data_key = new_key

    def twin(self) -> Store:
        """A second handle on this open store: its own connections, the same key file and writer.

        Whoever holds the twin may close it (its connections, key and lock handle) while this
        handle stays open. Writes through either wait for the same writer lock, so the audit
        chain stays one chain. The UI tests hand one to the app they drive, which closes it.
        """
        twin = Store(
            self.path,
            make_engine(self.path, self.data_key),
            self.key_file,
            self.data_key,
            StoreLock(paths.lock_file_path(self.path)),
        )
        twin.generation = self.generation
        twin._write_lock = self._write_lock
        return twin

    def close(self) -> None:
        """Checkpoint the WAL, drop every connection and the key, release the lock."""
        if self._data_key is None:
            return
        kf = self.key_file
        generations.record(
            kf.store_id, self.generation, kf.generation, kf.erasures, kf.removed, at=self.path
        )
        try:
            with contextlib.suppress(DatabaseError, OperationalError):
                checkpoint_and_dispose(self.engine)
        finally:
            self.engine.dispose()
            forget_key(self.engine)
            self._data_key = None
            self.audit_key = b""
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Unlocked:
    """What a successful unlock gives: the store, whose slot opened it, and failures since."""

    store: Store
    user_id: int | None
    username: str
    failures_since_last: int
    pending_failures: tuple[dict[str, object], ...]
    older: str = ""  # the refusal an `accept_older` unlock overrode (to audit), else ""


def storage_error(exc: OperationalError) -> Exception:
    """Turn SQLite's storage failures into messages a person can act on; nothing was saved."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "full" in text:
        return StoreWriteFailed("The disk is full: nothing was saved. Free some space and retry.")
    if "readonly" in text or "read-only" in text:
        return StoreWriteFailed("The store is read-only here: nothing was saved.")
    if "locked" in text or "busy" in text:
        return StoreWriteFailed("The store is busy: nothing was saved. Try again.")
    if "i/o" in text or "disk i/o" in text:
        return StoreWriteFailed(
            "The disk is full or reported an error: nothing was saved. Free some space "
            "and check the disk, then retry."
        )
    return exc


def _check_files(path: Path) -> None:
    require_cipher()
    refuse_plain(path)
    if not path.exists():
        raise StoreNotFound(f"No store at {path}. Create one with `caseapp init`.")
    size = path.stat().st_size
    if size == 0 or size % PAGE_SIZE != 0:
        raise StoreDamaged(DAMAGED.format(what="its size is not a whole number of pages"))


def check_integrity(engine: Engine, *, full: bool, structure: bool = True) -> list[str]:
    """Return a list of problems: SQLCipher's page HMAC check and SQLite's quick check.

    `full` checks every page's HMAC, which catches any changed byte on disk; `structure` adds
    SQLite's quick check of the b-trees (as long again, so unlock leaves it to `verify`).
    """
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
            if full:
                for row in conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall():
                    problems.append(str(row[0]))
            if full and structure:
                result = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check")]
                if result != ["ok"]:
                    problems.extend(result[:10])
            conn.rollback()
    except (DatabaseError, OperationalError) as exc:
        problems.append(str(getattr(exc, "orig", exc)))
    return problems


def _sidecars(path: Path) -> tuple[Path, Path]:
    return Path(f"{path}-wal"), Path(f"{path}-shm")


def _open_engine(path: Path, data_key: bytes, *, full_check: bool | None) -> Engine:
    existed = [p for p in _sidecars(path) if p.exists()]
    engine = make_engine(path, data_key)
    full = path.stat().st_size <= FULL_CHECK_MAX_BYTES if full_check is None else full_check
    problems = check_integrity(engine, full=full, structure=False)
    if problems:
        engine.dispose()
        _remove_new_sidecars(path, existed)
        raise StoreDamaged(DAMAGED.format(what="pages fail their integrity check"))
    return engine


def _remove_new_sidecars(path: Path, existed: list[Path]) -> None:
    # A refused store is left exactly as found: SQLite cannot checkpoint a damaged file on
    # close, so the empty -wal and the -shm it made for this attempt would otherwise stay.
    wal, shm = _sidecars(path)
    if wal not in existed and wal.exists() and wal.stat().st_size == 0:
        wal.unlink()
    if shm not in existed and not wal.exists():
        with contextlib.suppress(FileNotFoundError):
            shm.unlink()


def _known_name(key_file: KeyFile, typed: str) -> str:
    """The username to record for a failed attempt: only one that exists.

    What was typed stays out of the state file and the audit log otherwise: people do type
    their passphrase into the username field.
    """
    slot = key_file.find(typed)
    return slot.username if slot is not None else "(unknown username)"


def _unwrap(key_file: KeyFile, slot: Slot | None, secret: str) -> bytes:
    if slot is None:
        # Derive anyway so a wrong username costs the same time as a wrong passphrase.
        probe = key_file.slots[0] if key_file.slots else None
        if probe is not None:
            with contextlib.suppress(PassphraseIncorrect):
                probe.open(key_file.store_id + "-no-such-user", secret)
        raise PassphraseIncorrect("Username or passphrase incorrect.")
    try:
        return slot.open(key_file.store_id, secret)
    except PassphraseIncorrect as exc:
        raise PassphraseIncorrect("Username or passphrase incorrect.") from exc


def open_store(
    path: Path,
    username: str,
    passphrase: str,
    *,
    clock: Callable[[], float] = time.time,
    full_check: bool | None = None,
    accept_older: bool = False,
) -> Unlocked:
    """Unlock a store with a username and passphrase and bring its schema up to date.

    A rotation cut short is finished (or undone) and a due one runs; a store or key file
    older than seen on this computer is refused unless `accept_older`, in which case the
    generations are left for the caller to advance once it has checked and audited.

    Raises:
        StoreNotFound, StoreDamaged, StoreInUse, TooManyAttempts, PassphraseIncorrect,
        OlderGeneration.
    """
    path = Path(path)
    _check_files(path)
    key_file = KeyFile.load(paths.key_file_path(path))
    attempts = Attempts(paths.state_file_path(path), clock)
    attempts.check()
    lock = StoreLock(paths.lock_file_path(path))
    lock.acquire()
    try:
        try:
            data_key = _unwrap(key_file, key_file.find(username), passphrase)
        except PassphraseIncorrect:
            attempts.failed(_known_name(key_file, username))
            raise
        key_file.check_mac(data_key)
        slot = key_file.find(username)
        assert slot is not None
        data_key = rotation.settle(
            path,
            key_file,
            data_key,
            lambda: _unwrap(key_file, key_file.find_next(username), passphrase),
        )
        if not slot.rewrappable:  # an old-kind slot becomes a key pair now the passphrase is known
            key_file.put(
                Slot.seal(
                    key_file.store_id,
                    slot.user_id,
                    slot.username,
                    passphrase,
                    data_key,
                    slot.params(),
                )
            )
            key_file.save(paths.key_file_path(path), data_key)
        data_key, rotated = rotation.rotate_if_due(path, key_file, data_key)
        if rotated:
            attempts.note("key_changed", slot.username)
        engine = _open_engine(path, data_key, full_check=full_check)
        migrate.upgrade(engine)
        generation, older = generations.check(engine, key_file, path, accept_older=accept_older)
        if not older:
            generation = generations.advance(engine, key_file, path, data_key)
    except BaseException:
        if "engine" in locals():
            engine.dispose()
        lock.release()
        raise
    before: AttemptState = attempts.succeeded()
    store = Store(path, engine, key_file, data_key, lock)
    store.generation = generation
    return Unlocked(
        store, slot.user_id, slot.username, before.since_success, tuple(before.pending), older
    )


def open_with_recovery(path: Path, code: str, *, full_check: bool | None = None) -> Store:
    """Unlock with the recovery code (to reset a manager's passphrase)."""
    path = Path(path)
    _check_files(path)
    key_file = KeyFile.load(paths.key_file_path(path))
    attempts = Attempts(paths.state_file_path(path))
    attempts.check()
    lock = StoreLock(paths.lock_file_path(path))
    lock.acquire()
    try:
        try:
            data_key = _unwrap(key_file, key_file.recovery, normalise_recovery_code(code))
        except PassphraseIncorrect as exc:
            attempts.failed(RECOVERY_USER)
            raise PassphraseIncorrect("Recovery code incorrect.") from exc
        key_file.check_mac(data_key)
        code = normalise_recovery_code(code)
        data_key = rotation.settle(
            path, key_file, data_key, lambda: _unwrap(key_file, key_file.next_slots()[1], code)
        )
        data_key, _rotated = rotation.rotate_if_due(path, key_file, data_key)
        engine = _open_engine(path, data_key, full_check=full_check)
        migrate.upgrade(engine)
        generation, _older = generations.check(engine, key_file, path, accept_older=False)
        generation = generations.advance(engine, key_file, path, data_key)
    except BaseException:
        if "engine" in locals():
            engine.dispose()
        lock.release()
        raise
    # Recovery runs without a user: queued failures wait for the next unlock's audit.
    attempts.reset_keeping_events()
    store = Store(path, engine, key_file, data_key, lock)
    store.generation = generation
    return store


def open_raw(path: Path, data_key: bytes) -> Store:
    """Open with a known data key (restore checks, benchmarks); takes the writer lock."""
    path = Path(path)
    _check_files(path)
    key_file = KeyFile.load(paths.key_file_path(path))
    key_file.check_mac(data_key)
    lock = StoreLock(paths.lock_file_path(path))
    lock.acquire()
    try:
        engine = _open_engine(path, data_key, full_check=False)
        migrate.upgrade(engine)
    except BaseException:
        lock.release()
        raise
    return Store(path, engine, key_file, data_key, lock)


def change_passphrase(
    path: Path,
    username: str,
    old: str,
    new: str,
    *,
    kdf: KdfParams | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    """Rewrite one user's slot under a new passphrase without opening the store.

    The store's bytes stay as they are; the change is queued for the audit log and written
    there at the next unlock.
    """
    path = Path(path)
    _check_files(path)
    key_path = paths.key_file_path(path)
    key_file = KeyFile.load(key_path)
    attempts = Attempts(paths.state_file_path(path), clock)
    attempts.check()
    lock = StoreLock(paths.lock_file_path(path))
    lock.acquire()
    try:
        slot = key_file.find(username)
        try:
            data_key = _unwrap(key_file, slot, old)
        except PassphraseIncorrect:
            attempts.failed(_known_name(key_file, username))
            raise
        assert slot is not None
        key_file.check_mac(data_key)
        was = generations.seen(key_file.store_id)
        if key_file.generation < was.keys:
            at = generations.last_opened_at(key_file.store_id)
            raise generations.OlderGeneration(
                generations.older_message(was.store, key_file.generation, was, at, path)
            )
        # A rotation cut short is settled first, so the new slot is sealed to the live key.
        data_key = rotation.settle(
            path, key_file, data_key, lambda: _unwrap(key_file, key_file.find_next(username), old)
        )
        params = kdf or slot.params()
        key_file.put(
            Slot.seal(key_file.store_id, slot.user_id, slot.username, new, data_key, params)
        )
        key_file.save(key_path, data_key)
        generations.record(key_file.store_id, 0, key_file.generation, at=path)
        attempts.note("passphrase_changed", slot.username)
    finally:
        lock.release()


def create_store(
    path: Path,
    username: str,
    passphrase: str,
    *,
    kdf: KdfParams | None = None,
    revision: str = "head",
) -> tuple[Store, str]:
    """Create an empty store with one key slot and a recovery slot.

    Returns the open store and the recovery code, which is shown once and never stored.
    The caller adds the first user row (see `services.users.create_first_manager`).
    """
    path = Path(path)
    require_cipher()  # before anything is made: no cipher, no store
    key_path = paths.key_file_path(path)
    if path.exists() or key_path.exists():
        raise StoreExists(f"A store already exists at {path}; caseapp will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = StoreLock(paths.lock_file_path(path))
    lock.acquire()
    params = kdf or calibrate()
    data_key = new_data_key()
    try:
        # Made empty and private first: SQLite keeps an existing file's mode, and gives the
        # -wal and -shm the same mode, so no part of the store is readable by other accounts.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        key_file = KeyFile(store_id=secrets.token_hex(16))
        engine = make_engine(path, data_key)
        migrate.upgrade(engine, revision)
        code = new_recovery_code()
        key_file.recovery = Slot.seal(
            key_file.store_id, None, RECOVERY_USER, code, data_key, params
        )
        # The first user's id is 1: the store is empty and the caller inserts her next.
        key_file.put(Slot.seal(key_file.store_id, 1, username, passphrase, data_key, params))
        key_file.save(key_path, data_key)
    except BaseException:
        lock.release()
        for leftover in (path, key_path, *_sidecars(path)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    return Store(path, engine, key_file, data_key, lock), code
