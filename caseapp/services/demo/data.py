"""A realistic synthetic provider for the demo and benchmark stores, reproducible from a seed.

Four hubs, keyworkers, women referred over the last two years with their referral, consent,
flags, contacts, assessments, support plans, outcome answers and closures; weekly groups with
registers and head counts; training for the judiciary and peer mentors. Proportions follow the
commissioning document's reference year (most women improve on the outcome questions; about a
tenth never engage). Every woman is marked `is_synthetic`.

`size="large"` builds the benchmark store (20,000 women, 1,000,000 contacts) through the same
Core bulk path as the import. Dates are relative to `today` (default: the real today, so the demo
looks current); pass `today` for byte-for-byte reproducible data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from caseapp.clock import current
from caseapp.errors import ValidationError
from caseapp.models import User, Woman
from caseapp.services import audit
from caseapp.services.demo.groups import add_activities, add_groups
from caseapp.services.demo.provider import Provider
from caseapp.services.demo.shape import SIZES
from caseapp.services.interchange.bulk import table_of
from caseapp.services.interchange.status import refresh_status
from caseapp.store.store import Store

DEMO_KEYWORKER_PASSPHRASE = "demo-passphrase"


@dataclass(frozen=True)
class DemoSummary:
    """What `populate` created: row counts by table name."""

    counts: tuple[tuple[str, int], ...]

    def count(self, table: str) -> int:
        """Rows created in one table (0 if none)."""
        return dict(self.counts).get(table, 0)


def populate(
    store: Store,
    *,
    seed: int,
    size: str = "small",
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty store with a synthetic provider, in one transaction with one audit entry.

    Args:
        store: an open store with no women yet (its first manager already added).
        seed: the same seed and `today` give the same records.
        size: "small" (a few hundred women) or "large" (the benchmark store).
        today: the date the provider's two years end on (default: today).
        progress: called with a short message as each stage starts (for the CLI).

    Returns:
        The number of rows created in each table.
    """
    if size not in SIZES:
        raise ValidationError(f"Size must be one of: {', '.join(SIZES)}.")
    say = progress or (lambda _message: None)
    day = today or current().today()
    with store.write() as session:
        conn = session.connection()
        if conn.execute(select(func.count()).select_from(table_of(Woman))).scalar():
            raise ValidationError("The store already holds women; demo data goes in a new store.")
        provider = Provider(conn, seed, SIZES[size], day)
        say("hubs and staff")
        slots = provider.hubs_and_staff()
        say("women")
        provider.plan_women()
        provider.write_women()
        say("groups and activities")
        add_groups(provider)
        add_activities(provider)
        refresh_status(conn, (her.id for her in provider.women))
        manager = conn.execute(
            select(table_of(User).c.id, table_of(User).c.username)
            .where(table_of(User).c.role == "manager")
            .order_by(table_of(User).c.id)
            .limit(1)
        ).first()
        summary = DemoSummary(tuple(sorted(provider.counts.items())))
        audit.append(
            session,
            store,
            "demo_populated",
            user_id=manager[0] if manager else None,
            username=manager[1] if manager else "",
            role="manager" if manager else "",
            detail={"seed": seed, "size": size, "today": day.isoformat(), "rows": provider.counts},
        )
    # Slots after the commit: a failed population leaves no key slot for a missing user.
    for user_id, username in slots:
        store.set_slot(user_id, username, DEMO_KEYWORKER_PASSPHRASE)
    return summary
