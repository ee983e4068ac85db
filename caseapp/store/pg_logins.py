"""Staff logins on a PostgreSQL store: add, remove, reset and one's own passphrase.

A user on PostgreSQL is her own login. Managers and admins change other people's through the
definer functions of migration 0011 (which keep the services' rules and audit each change);
she changes her own with `ALTER ROLE CURRENT_USER`. Passphrases never leave this computer: libpq
turns each into a SCRAM-SHA-256 verifier here (RFC 5802/7677, with the SASLprep the server
applies at sign-in), and only the verifier is sent, so a statement log holds no passphrase.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from caseapp.errors import CaseappError, NotFound, PermissionDenied, ValidationError

# What the functions' refusals mean to the services (their messages are written for people).
_ERRORS: dict[str, type[CaseappError]] = {
    "42501": PermissionDenied,  # insufficient_privilege
    "P0002": NotFound,  # no_data_found
    "22023": ValidationError,  # invalid_parameter_value
    "42710": ValidationError,  # duplicate_object
}


def _raw(session: Session) -> Any:
    """The psycopg connection under the session's transaction."""
    return session.connection().connection.driver_connection


def scram_verifier(session: Session, username: str, passphrase: str) -> str:
    """The SCRAM-SHA-256 verifier of `passphrase`, computed by libpq on this computer."""
    verifier = _raw(session).pgconn.encrypt_password(
        passphrase.encode("utf-8"), username.encode("utf-8"), b"scram-sha-256"
    )
    return bytes(verifier).decode("ascii")


def _call(session: Session, sql: str, params: dict[str, Any]) -> Any:
    """Run one of the functions; its refusals become the services' errors, worded by it."""
    try:
        return session.connection().execute(text(sql), params).scalar()
    except DBAPIError as exc:
        kind = _ERRORS.get(getattr(exc.orig, "sqlstate", None) or "")
        if kind is None:
            raise
        diag = getattr(exc.orig, "diag", None)
        raise kind(str(getattr(diag, "message_primary", None) or exc.orig)) from exc


def add_login(
    session: Session, username: str, display_name: str, role: str, passphrase: str
) -> int:
    """Make her login in her role's group and her staff row; returns the row's id."""
    verifier = scram_verifier(session, username, passphrase)
    return int(
        _call(
            session,
            "SELECT caseapp_add_login(:name, :display, :role, :verifier)",
            {"name": username, "display": display_name, "role": role, "verifier": verifier},
        )
    )


def remove_login(session: Session, username: str) -> None:
    """End her login (no LOGIN, no password, no group, sessions ended); her row stays."""
    _call(session, "SELECT caseapp_remove_login(:name)", {"name": username})


def reset_login(session: Session, username: str, passphrase: str) -> None:
    """Give someone else's login a new passphrase (the function checks who may)."""
    verifier = scram_verifier(session, username, passphrase)
    _call(
        session,
        "SELECT caseapp_reset_login(:name, :verifier)",
        {"name": username, "verifier": verifier},
    )


def change_own(session: Session, username: str, passphrase: str) -> None:
    """Her own new passphrase: a login may always change its own password.

    ALTER ROLE takes no bound parameters: the verifier is quoted as a literal by psycopg.
    """
    from psycopg import sql

    raw = _raw(session)
    verifier = scram_verifier(session, username, passphrase)
    statement = sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(sql.Literal(verifier))
    session.connection().exec_driver_sql(statement.as_string(raw).replace("%", "%%"))
