"""Whole-store checks: SQLCipher's page check, SQLite's quick check, the audit chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from caseapp.services import audit, backup_record
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.session import lock, unlock
from caseapp.store import migrate
from caseapp.store.pgstore import is_pg_url
from caseapp.store.store import check_integrity


@dataclass
class VerifyReport:
    """What `caseapp verify` found."""

    ok: bool
    summary: str
    lines: list[str] = field(default_factory=list)


def verify(
    path: Path | str,
    username: str,
    passphrase: str,
    *,
    accept_older: bool = False,
    extra: Callable[[Ctx], list[tuple[bool, str]]] | None = None,
) -> VerifyReport:
    """Unlock (which already refuses a damaged or older store) and run every check in full.

    `extra` adds checks from a layer above this one (sync's copies of hubs' audit chains):
    each gives whether it passed and a line to print.
    """
    if is_pg_url(path):
        return _verify_pg(str(path), username, passphrase, extra)
    outcome = unlock(path, username, passphrase, full_check=True, accept_older=accept_older)
    ctx = outcome.ctx
    try:
        lines: list[str] = []
        problems = check_integrity(ctx.store.engine, full=True)
        lines.append("pages and structure: " + ("ok" if not problems else "DAMAGED"))
        chain = audit.verify_chain(ctx.store)
        lines.append(f"audit log: {chain.message}")
        lines.append(
            f"generations: store {ctx.store.generation}, key file "
            f"{ctx.store.key_file.generation} (none older than seen on this computer)"
        )
        missing = backup_record.missing_numbers(ctx.store)
        counted = ctx.store.key_file.backups
        if missing:
            lines.append(
                f"backups: {counted} counted, but backup number(s) "
                f"{', '.join(map(str, missing))} left no audit entry (removed from the state file?)"
            )
        else:
            lines.append(f"backups: {counted} counted, each with its audit entry")
        more = extra(ctx) if extra is not None else []
        lines.extend(line for _good, line in more)
        failed = [line for good, line in more if not good]
        ok = not problems and chain.ok and not missing and not failed
        if ok:
            return VerifyReport(True, "Store verified: no damage found.", lines)
        if not problems and chain.ok and failed:
            return VerifyReport(False, f"Damage found: {failed[0]}", lines)
        if not problems and chain.ok:
            return VerifyReport(
                False,
                f"Audit log incomplete: backup number {missing[0]} was taken, but its queued "
                "audit entry was removed before it reached the log.",
                lines,
            )
        what = "pages fail their integrity check" if problems else chain.message
        return VerifyReport(
            False, f"Store damaged: {what}. Restore from your latest backup.", lines
        )
    finally:
        lock(ctx, reason="verify")


def _verify_pg(
    url: str,
    username: str,
    passphrase: str,
    extra: Callable[[Ctx], list[tuple[bool, str]]] | None = None,
) -> VerifyReport:
    """A PostgreSQL store: the schema at head (signing in refuses any other), the server's
    audit chain, and the server's settings that row-level security depends on (managers and
    admins, who may read the audit log)."""
    from caseapp.store.pg_checks import server_checks

    ctx = unlock(url, username, passphrase).ctx
    try:
        require(ctx, "audit.view")
        lines = [f"schema: at revision {migrate.head_revision()}, the one this caseapp needs"]
        chain = audit.verify_chain(ctx.store)
        lines.append(f"audit log: {chain.message}")
        with ctx.store.read() as session:
            checks = server_checks(session.connection())
        checks += extra(ctx) if extra is not None else []  # hubs' audit copies, for a centre
        lines.extend(line for _good, line in checks)
        failed = [line for good, line in checks if not good]
        if not chain.ok:
            failed.insert(0, chain.message)
        if failed:
            return VerifyReport(False, f"Damage found: {failed[0]}", lines)
        return VerifyReport(True, "Store verified: no damage found.", lines)
    finally:
        lock(ctx, reason="verify")
