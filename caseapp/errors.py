"""Errors that carry a message fit to show a person: one clear line, never a key or a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session


class CaseappError(Exception):
    """Base for errors whose `str()` is safe and meaningful to show to the user.

    `exit_code` is the command line's status, from the README's table: 2 passphrase or
    attempts, 3 damage, 4 store in use, 5 permission, 6 invalid input (the default: what was
    asked cannot be done as asked), 7 not found, 8 export failed, 74 a file cannot be used.
    tests/cli/test_exit_codes.py checks every subclass against the README.
    """

    exit_code = 6


class StoreNotFound(CaseappError):
    """No store exists at the given path."""

    exit_code = 7


class StoreExists(CaseappError):
    """A store already exists where a new one was asked for."""

    exit_code = 6


class StoreDamaged(CaseappError):
    """The store or its key file fails an integrity check."""

    exit_code = 3


class StoreInUse(CaseappError):
    """Another caseapp process holds the store's writer lock."""

    exit_code = 4


class StoreWriteFailed(CaseappError):
    """A write could not be saved (full disk, read-only store); the transaction was rolled back."""

    exit_code = 74  # a file caseapp needs cannot be used: the message names it


class PassphraseIncorrect(CaseappError):
    """The username and passphrase do not open a key slot."""

    exit_code = 2


class TooManyAttempts(CaseappError):
    """Unlocking is paused after repeated failures."""

    exit_code = 2

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        minutes, seconds = divmod(wait_seconds, 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        super().__init__(f"Too many failed attempts: try again in {wait}.")


class PermissionDenied(CaseappError):
    """The signed-in user's role does not allow the action (always audited).

    `after_rollback` records the refusal: the store's `write()` runs it in a transaction of
    its own once the work the refusal interrupted has been rolled back.
    """

    exit_code = 5

    def __init__(
        self, message: str, *, after_rollback: Callable[[Session], object] | None = None
    ) -> None:
        super().__init__(message)
        self.after_rollback = after_rollback


class ValidationError(CaseappError):
    """Input that cannot be saved; `fields` maps a field name to what to type instead."""

    exit_code = 6

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class NotFound(CaseappError):
    """A record that does not exist, or that the user may not see."""

    exit_code = 7


class ExportError(CaseappError):
    """An export could not be written; nothing was left under the final name."""

    exit_code = 8
