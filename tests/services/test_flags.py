"""Flags, consent, closing and reopening, and what is waiting on the home screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from caseapp.clock import FrozenClock
from caseapp.errors import PermissionDenied, ValidationError
from caseapp.services.consent import (
    ConsentInput,
    consent_history,
    record_consent,
    withdraw_consent,
)
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from caseapp.services.flags import clear_flag, flag_history, raise_flag
from caseapp.services.plans import add_goal
from caseapp.services.waiting import waiting_for_me
from caseapp.services.women import close_woman, open_woman, reopen_woman
from caseapp.services.women_types import ReferralInput
from tests.harness.audit import audit_actions
from tests.harness.clock import TODAY
from tests.harness.women import add_woman


def test_raise_and_clear_a_flag_keeps_history(manager: Ctx) -> None:
    woman = add_woman(manager)
    flag = raise_flag(manager, woman.id, "marac", "Heard at MARAC", raised_on="t")
    assert flag.active and flag.raised_on == TODAY and flag.raised_by == "Maria Manager"
    assert [f.type for f in open_woman(manager, woman.id).active_flags] == ["marac"]
    cleared = clear_flag(manager, flag.id, "No longer high risk")
    assert not cleared.active and cleared.cleared_on == TODAY
    assert open_woman(manager, woman.id).active_flags == ()
    history = flag_history(manager, woman.id)
    assert [(f.type, f.clear_reason) for f in history] == [("marac", "No longer high risk")]
    actions = [a for a, _ in audit_actions(manager, woman.id)]
    assert "flag_raised" in actions and "flag_cleared" in actions
    raised = next(d for a, d in audit_actions(manager, woman.id) if a == "flag_raised")
    assert "Heard at MARAC" not in raised


def test_flag_needs_a_type_and_a_reason(manager: Ctx) -> None:
    woman = add_woman(manager)
    with pytest.raises(ValidationError) as caught:
        raise_flag(manager, woman.id, "unicorn", "  ")
    assert set(caught.value.fields) == {"type", "reason"}
    flag = raise_flag(manager, woman.id, "self_harm", "disclosed")
    with pytest.raises(ValidationError) as caught:
        clear_flag(manager, flag.id, "")
    assert "reason" in caught.value.fields


def test_one_active_flag_per_type(manager: Ctx) -> None:
    woman = add_woman(manager)
    flag = raise_flag(manager, woman.id, "pregnancy", "12 weeks")
    with pytest.raises(ValidationError, match="already has an active Pregnancy flag"):
        raise_flag(manager, woman.id, "pregnancy", "again")
    clear_flag(manager, flag.id, "baby born")
    raise_flag(manager, woman.id, "pregnancy", "again")
    with pytest.raises(ValidationError, match="already been cleared"):
        clear_flag(manager, flag.id, "twice")


def test_flag_cannot_be_cleared_before_it_was_raised(manager: Ctx) -> None:
    woman = add_woman(manager)
    flag = raise_flag(manager, woman.id, "marac", "why", raised_on="2026-11-20")
    with pytest.raises(ValidationError) as caught:
        clear_flag(manager, flag.id, "why", cleared_on="2026-11-19")
    assert "20/11/2026" in caught.value.fields["date"]


def test_flags_of_another_keyworkers_woman(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna)
    flag = raise_flag(anna, woman.id, "marac", "why")
    with pytest.raises(PermissionDenied):
        raise_flag(bea, woman.id, "self_harm", "why")
    with pytest.raises(PermissionDenied):
        clear_flag(bea, flag.id, "why")
    with pytest.raises(PermissionDenied):
        flag_history(bea, woman.id)


def test_consent_record_and_withdraw(manager: Ctx) -> None:
    woman = add_woman(manager)
    assert open_woman(manager, woman.id).consent is None
    given = record_consent(
        manager,
        woman.id,
        ConsentInput(given_on="2026-11-02", sharing=True, sharing_agencies="Probation; GP"),
    )
    assert given.current and given.privacy_notice_version == "1.0"
    assert given.taken_by == "Maria Manager"
    assert open_woman(manager, woman.id).consent == given
    withdrawn = withdraw_consent(manager, given.id, "asked us to stop sharing")
    assert withdrawn.withdrawn_on == TODAY and not withdrawn.current
    assert open_woman(manager, woman.id).consent is None
    assert [c.id for c in consent_history(manager, woman.id)] == [given.id]
    with pytest.raises(ValidationError, match="already been withdrawn"):
        withdraw_consent(manager, given.id)
    actions = [a for a, _ in audit_actions(manager, woman.id)]
    assert "consent_recorded" in actions and "consent_withdrawn" in actions


def test_consent_checks(manager: Ctx) -> None:
    woman = add_woman(manager)
    with pytest.raises(ValidationError) as caught:
        record_consent(
            manager,
            woman.id,
            ConsentInput(given_on="soon", service=False, data_processing=False, sharing=True),
        )
    assert set(caught.value.fields) == {"given_on", "sharing_agencies"}
    with pytest.raises(ValidationError) as caught:
        record_consent(
            manager,
            woman.id,
            ConsentInput(service=False, data_processing=False, sharing=False),
        )
    assert "service" in caught.value.fields
    given = record_consent(manager, woman.id, ConsentInput(given_on="2026-11-20"))
    with pytest.raises(ValidationError) as caught:
        withdraw_consent(manager, given.id, withdrawn_on="2026-11-19")
    assert "20/11/2026" in caught.value.fields["withdrawn_on"]


def test_close_and_reopen(manager: Ctx) -> None:
    woman = add_woman(manager)
    log_contact(manager, woman.id, ContactInput(date="2026-11-03"))
    closed = close_woman(
        manager, woman.id, "goals_met", closed_on="2026-11-20", note="Planned exit"
    )
    assert (closed.status, closed.closed_on, closed.closure_reason) == (
        "closed",
        date(2026, 11, 20),
        "goals_met",
    )
    with pytest.raises(ValidationError, match="already closed"):
        close_woman(manager, woman.id, "goals_met")
    record = open_woman(manager, woman.id)
    assert record.closures[0].reason == "goals_met" and record.closures[0].note == "Planned exit"
    with pytest.raises(ValidationError) as caught:
        reopen_woman(manager, woman.id, reopened_on="2026-11-19")
    assert "20/11/2026" in caught.value.fields["reopened_on"]
    reopened = reopen_woman(manager, woman.id)
    # She had attended before, so she is active again.
    assert (reopened.status, reopened.closed_on, reopened.closure_reason) == ("active", None, None)
    assert open_woman(manager, woman.id).closures[0].reopened_on == TODAY
    with pytest.raises(ValidationError, match="open already"):
        reopen_woman(manager, woman.id)
    fields = [json.loads(d)["fields"] for a, d in audit_actions(manager, woman.id) if "closed" in a]
    assert fields == [["closed_on", "closure_reason", "status"]]


def test_reopen_with_a_new_referral(manager: Ctx) -> None:
    woman = add_woman(manager)
    log_contact(manager, woman.id)
    close_woman(manager, woman.id, "not_engaged")
    reopened = reopen_woman(
        manager,
        woman.id,
        referral=ReferralInput(source="court", cj_status="licence"),
    )
    assert reopened.status == "referred"
    record = open_woman(manager, woman.id)
    assert [r.source for r in record.referrals] == ["court", "probation"]


def test_close_needs_a_reason_and_not_before_her_referral(manager: Ctx) -> None:
    woman = add_woman(manager)
    with pytest.raises(ValidationError) as caught:
        close_woman(manager, woman.id, None, closed_on="2026-10-01")
    assert set(caught.value.fields) == {"reason", "closed_on"}
    assert "02/11/2026" in caught.value.fields["closed_on"]


# -- waiting for me ----------------------------------------------------------------------


def section(waiting: object, code: str) -> list[str]:
    for s in waiting.sections:  # type: ignore[attr-defined]
        if s.code == code:
            return [item.woman.name for item in s.items]
    raise AssertionError(f"no section {code}")


def test_waiting_for_a_keyworker(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    new = add_woman(anna, "New", "Referral", referred="2026-11-20")
    seen = add_woman(anna, "Seen", "Recently", born="1980-01-01")
    stale = add_woman(anna, "Stale", "Contact", born="1981-01-01")
    add_woman(bea, "Not", "Mine", born="1982-01-01")
    log_contact(anna, seen.id, ContactInput(date="2026-11-20"))
    log_contact(anna, stale.id, ContactInput(date="2026-10-01"))
    raise_flag(anna, stale.id, "risk_to_staff", "threatened staff")
    record_consent(anna, seen.id)
    waiting = waiting_for_me(anna)
    assert section(waiting, "referred") == ["New Referral"]
    assert section(waiting, "overdue") == ["Stale Contact"]
    assert section(waiting, "flagged") == ["Stale Contact"]
    assert section(waiting, "consent") == ["Stale Contact", "New Referral"]
    assert section(waiting, "active") == ["Stale Contact", "Seen Recently"]
    assert [s.code for s in waiting.sections] == [
        "referred",
        "overdue",
        "flagged",
        "consent",
        "goals",
        "active",
    ]
    overdue = next(s for s in waiting.sections if s.code == "overdue").items[0]
    assert overdue.why == "last seen 01/10/2026 (54 days)"
    referred = next(s for s in waiting.sections if s.code == "referred").items[0]
    assert referred.why == "referred 20/11/2026"
    flagged = next(s for s in waiting.sections if s.code == "flagged").items[0]
    assert flagged.why == "RTS"
    assert new.id == referred.woman.id


def test_waiting_for_a_manager_with_a_keyworker_filter(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    add_woman(anna, "Anna's", "Woman")
    add_woman(manager, "Nobody's", "Woman", born="1970-01-01")
    everyone = waiting_for_me(manager)
    assert section(everyone, "unallocated") == ["Nobody's Woman"]
    assert section(everyone, "referred") == ["Anna's Woman", "Nobody's Woman"]
    annas = waiting_for_me(manager, keyworker_id=anna.actor.user_id)
    assert section(annas, "referred") == ["Anna's Woman"]
    assert "unallocated" not in [s.code for s in annas.sections]
    # A keyworker cannot use the filter to look at someone else's caseload.
    assert section(waiting_for_me(anna, keyworker_id=1), "referred") == ["Anna's Woman"]


def test_waiting_counts_beyond_the_limit(manager: Ctx) -> None:
    for i in range(4):
        add_woman(manager, f"W{i}", "Many", born=f"197{i}-01-01")
    waiting = waiting_for_me(manager, limit=2)
    referred = next(s for s in waiting.sections if s.code == "referred")
    assert len(referred.items) == 2 and referred.total == 4
    assert not waiting.empty


def test_nothing_waiting(manager: Ctx) -> None:
    assert waiting_for_me(manager).empty


def test_overdue_support_plan_goals_wait_on_home(
    manager: Ctx, make_user: Callable[..., Ctx], clock: FrozenClock
) -> None:
    anna = make_user("anna")
    late = add_woman(anna, "Late", "Goal")
    on_time = add_woman(anna, "Future", "Goal", born="1979-01-01")
    add_woman(manager, "Other", "Keyworker", born="1978-01-01")
    clock.set(day=date(2026, 10, 1))  # set in October, when 01/11 was still ahead
    add_goal(
        anna,
        late.id,
        need_area="ACC",
        description="Tenancy",
        target_date="2026-11-01",
    )
    clock.set(day=TODAY)
    add_goal(
        anna,
        on_time.id,
        need_area="FIN",
        description="Budget",
        target_date="2026-12-20",
    )
    waiting = waiting_for_me(anna)
    goals = next(s for s in waiting.sections if s.code == "goals")
    assert [item.woman.name for item in goals.items] == ["Late Goal"]
    assert goals.items[0].why == "goal due 01/11/2026 (23 days overdue)"
    # A closed case's goals no longer wait for anyone.
    close_woman(anna, late.id, "goals_met", closed_on=TODAY)
    assert section(waiting_for_me(anna), "goals") == []
