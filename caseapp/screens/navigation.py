"""The places caseapp can go, for the home screen menu and the command palette.

Each feature adds one `Destination` here; `screen` is "module:Class" so this file imports
nothing heavy and the home screen and palette stay in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True)
class Destination:
    """A top-level screen: its key on the home screen, title, class and who may open it."""

    name: str
    key: str
    title: str
    screen: str
    roles: frozenset[str]
    help: str
    kept: bool = False
    """One screen kept for the whole session, made fresh at each visit (not built anew)."""


def back_home(app: App[Any]) -> None:
    """Close every screen above the home screen: the one way back home, or to lock.

    Textual's default screen is at the bottom of the stack and home (or the unlock screen)
    above it, so whatever is above those two goes.
    """
    while len(app.screen_stack) > 2:
        app.pop_screen()


KEYWORKERS_AND_MANAGERS = frozenset({"keyworker", "manager"})
MANAGERS = frozenset({"manager"})
STAFF_ADMIN = frozenset({"manager", "admin"})

DESTINATIONS: tuple[Destination, ...] = (
    Destination(
        "caseload",
        "c",
        "Caseload",
        "caseapp.screens.caseload:CaseloadScreen",
        KEYWORKERS_AND_MANAGERS,
        "Search and filter the women you may see; Enter opens one",
        kept=True,
    ),
    Destination(
        "new_woman",
        "n",
        "New woman",
        "caseapp.screens.new_woman:NewWomanScreen",
        KEYWORKERS_AND_MANAGERS,
        "Add a woman with her referral (a duplicate check runs first)",
    ),
    Destination(
        "groups",
        "g",
        "Groups",
        "caseapp.screens.groups:GroupsScreen",
        KEYWORKERS_AND_MANAGERS,
        "Group sessions and their registers: new session, take the register",
    ),
    Destination(
        "activities",
        "a",
        "Activities",
        "caseapp.screens.activities:ActivitiesScreen",
        KEYWORKERS_AND_MANAGERS,
        "Non-client outputs: training for the judiciary and professionals, peer mentors",
    ),
    Destination(
        "returns",
        "r",
        "Returns",
        "caseapp.screens.returns:ReturnsScreen",
        MANAGERS,
        "The commissioner's return: choose a period, check it, export it anonymised",
    ),
    Destination(
        "audit",
        "l",
        "Audit log",
        "caseapp.screens.audit:AuditScreen",
        STAFF_ADMIN,
        "Who opened or changed what: filter by user, woman, action and dates",
    ),
    Destination(
        "retention",
        "t",
        "Retention",
        "caseapp.screens.retention:RetentionScreen",
        MANAGERS,
        "Records past the retention period; erase them with a typed confirmation",
    ),
    Destination(
        "import",
        "i",
        "Import records",
        "caseapp.screens.import_screen:ImportScreen",
        MANAGERS,
        "Bring records in from CSV files, a zip or an XLSX workbook, checked first",
    ),
    Destination(
        "requests",
        "d",
        "Subject requests",
        "caseapp.screens.subject_requests:SubjectRequestsScreen",
        MANAGERS,
        "A woman's subject access pack, or erasure of her record",
    ),
    Destination(
        "backup",
        "b",
        "Backup",
        "caseapp.screens.backup:BackupScreen",
        STAFF_ADMIN,  # the `backup` permission's roles
        "Take an encrypted, checked backup of the store; see the latest ones",
    ),
)
