"""Backups: one file holding an encrypted snapshot of the store and its key file, checked twice.

A backup is a zip (stored, not compressed: the pages are ciphertext) of three members: the
store as SQLCipher pages under the same data key, the key file (wrapped keys only, with its
MAC), and a manifest with the SHA-256 of both, the row count of every table and the audit head.
The snapshot is taken with SQLite's online backup inside one read transaction, so it holds the
last commit (including commits still in the WAL) while the app keeps working. It is opened and
checked (SQLCipher's page HMACs, SQLite's quick check, row counts, the audit head) before the
zip is written, and the zip is read back before it takes its final name. A restore checks all
of that again, and the audit chain, before it replaces anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy import table as sa_table
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from caseapp import __version__, paths
from caseapp.errors import (
    ExportError,
    PassphraseIncorrect,
    PermissionDenied,
    StoreDamaged,
    StoreExists,
    ValidationError,
)
from caseapp.export.files import FileExists, check_out_file
from caseapp.models.base import utcnow
from caseapp.services import audit, backup_record, erasure, restore_history
from caseapp.services.backup_record import Step, describe, quiet
from caseapp.services.context import Ctx
from caseapp.services.permissions import PERMISSIONS, require
from caseapp.services.users import actor_for, reapply_removals
from caseapp.store import generations, rotation
from caseapp.store.atomic import fsync_dir
from caseapp.store.attempts import Attempts
from caseapp.store.engine import raw_connect
from caseapp.store.keyslots import KeyFile, subkey
from caseapp.store.lock import StoreLock
from caseapp.store.store import open_raw

FORMAT = "caseapp-backup"
VERSION = 1
DB_MEMBER = "store.db"
KEYS_MEMBER = "store.db.keys"
MANIFEST_MEMBER = "manifest.json"
MEMBERS = frozenset({DB_MEMBER, KEYS_MEMBER, MANIFEST_MEMBER})
SMALL_MEMBER_LIMIT = 1 << 20
BLOCK = 1 << 20

NOT_A_BACKUP = "{name} is not a caseapp backup (or it is damaged): nothing was changed."
STEPS = 5  # how often `create` calls its `step` (a screen's progress line counts them)
__all__ = ["describe"]  # the command line's one line about a backup, kept here for it


@dataclass(frozen=True)
class BackupInfo:
    """A written or checked backup: where, when, its digest, rows per table, the audit head."""

    path: Path
    created_at: str
    size: int
    sha256: str
    counts: tuple[tuple[str, int], ...]
    audit_seq: int

    @property
    def rows(self) -> int:
        """Rows across every table."""
        return sum(n for _, n in self.counts)


# -- the snapshot -------------------------------------------------------------------------


def _counts(conn: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    # A table name cannot be a bound parameter: SQLAlchemy quotes it as an identifier.
    return {n: int(conn.execute(_count_sql(n)).fetchone()[0]) for n in names}


def _count_sql(name: str) -> str:
    statement = sa_select(func.count()).select_from(sa_table(name))
    return str(statement.compile(dialect=sqlite_dialect()))


def _last_audit(conn: Any) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hmac FROM auditevent ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _check_pages(conn: Any) -> None:
    problems = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
    quick = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    if problems or quick != ["ok"]:
        raise StoreDamaged("The copy fails its integrity check: nothing was kept.")


def _snapshot(
    source: Path, key: bytes, head: dict[str, Any], dest: Path, step: Step = quiet
) -> dict[str, int]:
    """Copy the last commit of `source` into `dest` and check the copy; return its row counts."""
    src = raw_connect(source, key)
    try:
        # One read transaction: the counts and the copy see the same commit.
        src.execute("BEGIN")
        counts = _counts(src)
        seq, last_hmac = _last_audit(src)
        recorded_seq = int(head.get("seq", 0))
        if seq < recorded_seq:
            raise StoreDamaged(
                "The audit log ends before its recorded head; run `caseapp verify`. "
                "No backup was written."
            )
        dst = raw_connect(dest, key)
        step("Copying the store's last commit")
        try:
            src.backup(dst)
        finally:
            dst.close()
        src.execute("ROLLBACK")
    finally:
        src.close()
    step("Checking the copy's pages and rows")
    copy = raw_connect(dest, key)
    try:
        _check_pages(copy)
        if _counts(copy) != counts or _last_audit(copy) != (seq, last_hmac):
            raise StoreDamaged("The copy does not match the store: nothing was kept.")
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        copy.close()
    return counts


# -- the container ------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _manifest_mac(key: bytes, body: dict[str, Any]) -> str:
    unsigned = {k: v for k, v in body.items() if k != "mac"}
    return hmac.new(
        subkey(key, "backup manifest"), _canonical(unsigned), hashlib.sha256
    ).hexdigest()


@contextlib.contextmanager
def _work_folder(beside: Path) -> Iterator[Path]:
    """A private scratch folder on the target's filesystem (renames stay atomic), removed after."""
    folder = Path(tempfile.mkdtemp(prefix=".caseapp-work-", dir=beside))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_backup(
    source: Path, key: bytes, key_file: KeyFile, target: Path, step: Step = quiet
) -> BackupInfo:
    """Snapshot `source`, check it, package it with its key file, check the package, rename.

    `key_file` is the key file as it was before the snapshot began; the copy's key file gets
    the snapshot's own audit head so the backup verifies on its own. A full disk or an
    unwritable folder raises `ExportError`, with nothing left under the target's name.
    """
    try:
        return _write_backup(source, key, key_file, target, step)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except sqlcipher3.OperationalError as exc:
        reason = str(exc)  # "database or disk is full" while copying the pages
    raise ExportError(f"Could not write the backup {target.name}: {reason}. Nothing was kept.")


def _write_backup(
    source: Path, key: bytes, key_file: KeyFile, target: Path, step: Step
) -> BackupInfo:
    head = dict(key_file.audit_head)
    with _work_folder(target.parent) as work:
        db = work / DB_MEMBER
        counts = _snapshot(source, key, head, db, step)
        seq, last_hmac = _read_last_audit(db, key)
        keys = work / KEYS_MEMBER
        dataclasses.replace(key_file, audit_head={"seq": seq, "hmac": last_hmac}).save(keys, key)
        created = utcnow().isoformat(timespec="seconds")
        body: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "app_version": __version__,
            "created_at": created,
            "store_id": key_file.store_id,
            "members": {
                DB_MEMBER: {"size": db.stat().st_size, "sha256": _sha256(db)},
                KEYS_MEMBER: {"size": keys.stat().st_size, "sha256": _sha256(keys)},
            },
            "counts": counts,
            "audit_head": {"seq": seq, "hmac": last_hmac},
        }
        body["mac"] = _manifest_mac(key, body)
        step("Packing the backup file")
        packed = work / "backup.zip"
        fd = os.open(packed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
                archive.writestr(MANIFEST_MEMBER, json.dumps(body, indent=1, sort_keys=True))
                archive.write(keys, KEYS_MEMBER)
                archive.write(db, DB_MEMBER)
            handle.flush()
            os.fsync(handle.fileno())
        # Read the package back: it must hold exactly the bytes that were checked.
        step("Reading the backup back")
        manifest = _read_manifest(packed)
        with zipfile.ZipFile(packed) as archive:
            for name, expected in body["members"].items():
                if _member_sha256(archive, name) != expected["sha256"]:
                    raise StoreDamaged("The backup did not read back as written: nothing kept.")
        if manifest != body:
            raise StoreDamaged("The backup did not read back as written: nothing kept.")
        os.replace(packed, target)
        fsync_dir(target.parent)
    return BackupInfo(
        target,
        created,
        target.stat().st_size,
        _sha256(target),
        tuple(sorted(counts.items())),
        seq,
    )


def _read_last_audit(db: Path, key: bytes) -> tuple[int, str]:
    conn = raw_connect(db, key)
    try:
        return _last_audit(conn)
    finally:
        conn.close()


def _member_sha256(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(file: Path) -> dict[str, Any]:
    """Open a backup and return its manifest after checking the zip's shape."""
    bad = ValidationError(NOT_A_BACKUP.format(name=file.name))
    try:
        with zipfile.ZipFile(file) as archive:
            infos = {i.filename: i for i in archive.infolist()}
            if set(infos) != MEMBERS or len(archive.infolist()) != len(MEMBERS):
                raise bad
            for name in (MANIFEST_MEMBER, KEYS_MEMBER):
                if infos[name].file_size > SMALL_MEMBER_LIMIT:
                    raise bad
            body = json.loads(archive.read(MANIFEST_MEMBER).decode("utf-8"))
    except (OSError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise bad from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise bad
    if body.get("version") != VERSION:
        raise ValidationError(f"{file.name} is a backup of a format this caseapp cannot read.")
    return body


# -- taking a backup ----------------------------------------------------------------------


def create(ctx: Ctx, out: Path, *, replace: bool = True, step: Step = quiet) -> BackupInfo:
    """Back up the open store to `out` (managers and admins); the backup is audited.

    Args:
        ctx: who is acting; needs the `backup` permission.
        out: the backup file to write; its folder must exist. An existing file is replaced
            (only once the new backup has been written and checked) if `replace`, else
            refused with `FileExists`.
        step: called with what is being done, `STEPS` times in all.
    """
    require(ctx, "backup")
    target = check_out_file(Path(out))
    if target.resolve() in _store_files(ctx.store.path):
        raise ValidationError("Choose a backup file that is not one of the store's own files.")
    if not replace and target.exists():
        raise FileExists(f"{target.name} is already there: nothing was written.")
    info = write_backup(ctx.store.path, ctx.store.data_key, ctx.store.key_file, target, step)
    kf = ctx.store.key_file
    kf.absorb(paths.key_file_path(ctx.store.path), ctx.store.data_key)
    counted = kf.backups
    kf.backups = number = counted + 1  # saved with the entry's audit head
    step("Recording it in the audit log")
    try:
        with ctx.write() as session:
            audit.record(
                session,
                ctx,
                backup_record.ACTION,
                file=target.name,
                folder=str(target.parent),
                sha256=info.sha256,
                audit_seq=info.audit_seq,
                number=number,
            )
    except BaseException:
        kf.backups = counted
        raise
    return info


def create_beside_running_app(path: Path, username: str, passphrase: str, out: Path) -> BackupInfo:
    """Back up a store that another caseapp window has open, without taking its lock.

    The snapshot is an ordinary reader beside the running app. The backup cannot be written
    to the audit log from here (one writer per store), so it is queued like a failed unlock
    and recorded at the next unlock.
    """
    path = Path(path)
    key_file = KeyFile.load(paths.key_file_path(path))
    attempts = Attempts(paths.state_file_path(path))
    attempts.check()
    slot = key_file.find(username)
    try:
        if slot is None:
            raise PassphraseIncorrect("Username or passphrase incorrect.")
        key = slot.open(key_file.store_id, passphrase)
    except PassphraseIncorrect as exc:
        attempts.failed(username)
        raise PassphraseIncorrect("Username or passphrase incorrect.") from exc
    key_file.check_mac(key)
    role = _role_of(path, key, slot.user_id)
    if role not in PERMISSIONS["backup"]:
        raise PermissionDenied(f"Your role ({role or 'none'}) may not back up the store.")
    target = check_out_file(Path(out))
    if target.resolve() in _store_files(path):
        raise ValidationError("Choose a backup file that is not one of the store's own files.")
    info = write_backup(path, key, key_file, target)
    # Counted in the key file now (the running app keeps the higher count when it saves) and
    # queued with a MAC, so the entry can be neither edited nor removed unnoticed.
    key_file.backups = number = key_file.backups + 1
    key_file.save(paths.key_file_path(path), key)
    detail: dict[str, Any] = {"file": target.name, "sha256": info.sha256, "number": number}
    detail["folder"] = str(target.parent)  # where, for the app's Backup screen
    queue_key = _stable_keys(path, key)[backup_record.PURPOSE]
    attempts.note(
        backup_record.ACTION, slot.username, backup_record.sealed_detail(queue_key, detail)
    )
    return info


def _stable_keys(path: Path, key: bytes) -> dict[str, bytes]:
    conn = raw_connect(path, key)
    try:
        return rotation.stable_keys(conn, key)
    finally:
        conn.close()


def _role_of(path: Path, key: bytes, user_id: int | None) -> str:
    conn = raw_connect(path, key)
    try:
        row = conn.execute(
            "SELECT role FROM app_user WHERE id = ? AND active = 1", (user_id,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else ""


def _store_files(path: Path) -> set[Path]:
    store = Path(path).resolve()
    return {
        store,
        paths.key_file_path(store),
        paths.state_file_path(store),
        paths.lock_file_path(store),
        Path(f"{store}-wal"),
        Path(f"{store}-shm"),
    }


# -- restoring ----------------------------------------------------------------------------


def inspect(file: Path) -> dict[str, Any]:
    """The manifest of a backup file (its shape checked; nothing is decrypted)."""
    file = Path(file)
    if not file.is_file():
        raise ValidationError(f"No backup file at {file}.")
    return _read_manifest(file)


def _extract(archive: zipfile.ZipFile, name: str, dest: Path, expected: dict[str, Any]) -> None:
    digest = hashlib.sha256()
    size = 0
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with archive.open(name) as source, os.fdopen(fd, "wb") as handle:
        for block in iter(lambda: source.read(BLOCK), b""):
            size += len(block)
            if size > int(expected.get("size", -1)):
                break
            digest.update(block)
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise StoreDamaged(f"The backup's {name} is damaged: nothing was changed.")


def _check_restored_copy(db: Path, key: bytes, manifest: dict[str, Any]) -> None:
    conn = raw_connect(db, key)
    try:
        try:
            _check_pages(conn)
            counts = _counts(conn)
        except sqlcipher3.DatabaseError as exc:
            raise StoreDamaged("The backup's store fails its integrity check.") from exc
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    if counts != manifest.get("counts"):
        raise StoreDamaged("The backup's row counts do not match its manifest.")


@dataclass(frozen=True)
class RestoreReport:
    """What a restore put in place."""

    store: Path
    created_at: str
    counts: tuple[tuple[str, int], ...]
    audit_seq: int
    reerased: tuple[str, ...] = ()  # women erased after the backup, erased again
    replaced_audit_seq: int = 0  # the replaced store's audit head, recorded in the log
    superseded: str = ""  # another folder holding this store, now an older copy of it


def restore(
    file: Path, target: Path, username: str, passphrase: str, *, replace: bool = False
) -> RestoreReport:
    """Check a backup in full, then put it in place of `target` (never over an open store).

    Args:
        file: the backup file.
        target: where the store should be; its folder must exist.
        username, passphrase: a manager or admin whose key slot is in the backup.
        replace: allow replacing an existing store at `target`.

    Raises:
        ValidationError (not a backup, or a store exists and `replace` is False),
        PassphraseIncorrect, StoreDamaged (any check failed), StoreInUse, PermissionDenied.
    """
    file, target = Path(file), Path(target)
    manifest = inspect(file)
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    keys_target = paths.key_file_path(target)
    if (target.exists() or keys_target.exists()) and not replace:
        raise StoreExists(
            f"A store already exists at {target}. Pass --replace to replace it with the backup."
        )
    lock = StoreLock(paths.lock_file_path(target))
    lock.acquire()  # refuses a store that is open in a caseapp window
    try:
        with _work_folder(target.parent) as work, zipfile.ZipFile(file) as archive:
            members = manifest.get("members", {})
            db, keys = work / DB_MEMBER, work / KEYS_MEMBER
            _extract(archive, KEYS_MEMBER, keys, members.get(KEYS_MEMBER, {}))
            _extract(archive, DB_MEMBER, db, members.get(DB_MEMBER, {}))
            key_file = KeyFile.load(keys)
            slot = key_file.find(username)
            if slot is None:
                raise PassphraseIncorrect("Username or passphrase incorrect for this backup.")
            try:
                key = slot.open(key_file.store_id, passphrase)
            except PassphraseIncorrect as exc:
                raise PassphraseIncorrect(
                    "Username or passphrase incorrect for this backup."
                ) from exc
            key_file.check_mac(key)
            if not hmac.compare_digest(str(manifest.get("mac", "")), _manifest_mac(key, manifest)):
                raise StoreDamaged("The backup's manifest has been altered: nothing was changed.")
            _check_restored_copy(db, key, manifest)
            replaced = restore_history.replaced(target, key_file.store_id)
            superseded = restore_history.elsewhere(target, key_file.store_id)
            seq, again = _record_restore(
                db, key, slot.user_id, slot.username, file, manifest, replaced, target
            )
            _swap_in(work, target)
            # The checked copy was opened in a work folder: the store now lives at `target`.
            generations.record(key_file.store_id, 0, 0, at=target)
    finally:
        lock.release()
    return RestoreReport(
        target,
        str(manifest.get("created_at", "")),
        tuple(sorted(manifest["counts"].items())),
        seq,
        again,
        int(replaced.audit_head.get("seq", 0)),
        superseded,
    )


def _record_restore(
    db: Path,
    key: bytes,
    user_id: int | None,
    username: str,
    file: Path,
    manifest: dict[str, Any],
    replaced: restore_history.Replaced,
    target: Path,
) -> tuple[int, tuple[str, ...]]:
    """Check the copy's audit chain and the person's role, erase again whoever was erased
    after the backup, audit the restore in the copy and move its generations past the
    replaced store's. Returns the restore entry's number and the references erased again."""
    with open_raw(db, key) as store:
        chain = audit.verify_chain(store)
        if not chain.ok:
            raise StoreDamaged(f"The backup's audit log is damaged: {chain.message}.")
        actor = actor_for(store, user_id, username)
        ctx = Ctx(store, actor)
        if actor.role not in PERMISSIONS["backup"]:
            raise PermissionDenied(f"Your role ({actor.role}) may not restore the store.")
        again = erasure.reapply(ctx, set(replaced.erasures))
        gone = reapply_removals(ctx, replaced.removed)
        if gone:
            store.rekey()  # the backup's key was known to those just removed again
        with ctx.write() as session:
            entry = audit.record(
                session,
                ctx,
                "restored",
                file=file.name,
                backup_created_at=str(manifest.get("created_at", "")),
                backup_audit_seq=int(manifest.get("audit_head", {}).get("seq", 0)),
                replaced_generation={
                    "store": replaced.store_generation,
                    "key_file": replaced.keys_generation,
                },
                replaced_audit_head=replaced.audit_head,
                erasures_reapplied=len(again),
                users_removed_again=list(gone),
            )
        kf = store.key_file
        kf.erasures = sorted(set(kf.erasures) | replaced.erasures)
        kf.generation = max(kf.generation, replaced.keys_generation)
        store.generation = generations.advance(
            store.engine, kf, db, store.data_key, record_at=target
        )
        return entry.seq, again


def _swap_in(work: Path, target: Path) -> None:
    """Move the checked copy into place: stale journal files first, then store, then keys."""
    for leftover in (f"{DB_MEMBER}-wal", f"{DB_MEMBER}-shm", f"{DB_MEMBER}.lock"):
        with contextlib.suppress(FileNotFoundError):
            (work / leftover).unlink()
    # A -wal left by the old store would be replayed onto the new file and corrupt it.
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    os.replace(work / DB_MEMBER, target)
    os.replace(work / KEYS_MEMBER, paths.key_file_path(target))
    fsync_dir(target.parent)
