"""Home counts a group session she attended as contact: she is not "no attended contact"."""

from __future__ import annotations

from datetime import timedelta

from caseapp.services import group_register, groups
from caseapp.services.context import Ctx
from caseapp.services.waiting import waiting_for_me
from tests.harness.clock import TODAY
from tests.harness.women import add_woman


def _section(ctx: Ctx, code: str) -> dict[str, str]:
    found = {s.code: s for s in waiting_for_me(ctx).sections}
    return {item.woman.name: item.why for item in found[code].items}


def test_a_woman_at_todays_group_is_not_waiting_for_contact(manager: Ctx) -> None:
    from caseapp.services.contacts import ContactInput, log_contact

    at_group = add_woman(manager, "Gina", "Group")
    away = add_woman(manager, "Alma", "Away")
    for woman in (at_group, away):  # both active, last seen two months ago
        log_contact(manager, woman.id, ContactInput(date=TODAY - timedelta(days=60)))
    session = groups.create_session(manager, title="Craft club", date=TODAY)
    group_register.add_to_register(manager, session.session.id, [at_group.id, away.id])
    group_register.mark_register(manager, session.session.id, {away.id: "did_not_attend"})
    overdue = _section(manager, "overdue")
    assert "Gina Group" not in overdue
    assert "Alma Away" in overdue
    assert _section(manager, "active")["Gina Group"].startswith(f"last seen {TODAY:%d/%m/%Y}")


def test_a_cancelled_session_is_no_contact(manager: Ctx) -> None:
    from caseapp.services.contacts import ContactInput, log_contact

    woman = add_woman(manager, "Cara", "Cancelled")
    log_contact(manager, woman.id, ContactInput(date=TODAY - timedelta(days=60)))
    session = groups.create_session(manager, title="Walk", date=TODAY)
    group_register.add_to_register(manager, session.session.id, [woman.id])
    groups.cancel_session(manager, session.session.id)
    assert "Cara Cancelled" in _section(manager, "overdue")
