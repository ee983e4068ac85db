"""Roles enforced in the services: every role against every action, refusals clear and recorded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from caseapp.errors import PermissionDenied
from caseapp.models import AuditEvent
from caseapp.services import (
    activities,
    allocation,
    audit_log,
    backup,
    contacts,
    erasure,
    export_data,
    groups,
    permissions,
    retention,
    returns,
    sar,
    settings,
    users,
    women,
    women_types,
)
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from caseapp.services.interchange.load import run_import
from caseapp.services.returns_periods import month_period
from caseapp.store.keyslots import FAST_KDF

K, M, A = "keyworker", "manager", "admin"

# What docs/security.md (Roles) and the DPIA promise, written out independently of PERMISSIONS.
EXPECTED: dict[str, set[str]] = {
    "women.view": {K, M},
    "women.view_all": {M},
    "women.edit": {K, M},
    "women.allocate": {M},
    "women.share": {M},  # and her keyworker (OWNED)
    "contacts.edit_others": {M},  # and whoever logged the contact (OWNED)
    "activities.others": {M},  # and whoever recorded the activity (OWNED)
    "groups.manage": {K, M},
    "groups.others": {M},  # and the session's facilitator (OWNED)
    "activities.record": {K, M},
    "return.export": {M},
    "data.export": {M},
    "data.import": {M},
    "sar": {M},
    "erase": {M},
    "retention": {M},
    "audit.view": {M, A},
    "users.manage": {M, A},
    "settings.manage": {M},
    "backup": {M, A},
}


# Permissions over one record that its owner has too, whatever her role.
OWNED = {"women.share", "contacts.edit_others", "activities.others", "groups.others"}


def test_the_permission_table_is_the_promised_one() -> None:
    assert set(permissions.PERMISSIONS) == set(EXPECTED)
    for name, roles in EXPECTED.items():
        assert set(permissions.PERMISSIONS[name]) == roles, name
    assert permissions.OWNER_MAY_TOO == OWNED


def test_every_inline_rule_is_in_the_table() -> None:
    """Every permission a service or screen names is one the table (and this test) knows."""
    root = Path(permissions.__file__).parents[1]
    named = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= set(
            re.findall(
                r"(?:deny|require|require_for|allowed|allowed_for)\(\s*[\w.]+,\s*\"([a-z_.]+)\"",
                text,
            )
        )
    assert named and named <= set(EXPECTED), named - set(EXPECTED)


@dataclass
class Team:
    """A manager, two keyworkers and an admin, with a woman on each keyworker's caseload."""

    mgr: Ctx
    kw1: Ctx
    kw2: Ctx
    admin: Ctx
    own: int  # kw1's
    other: int  # kw2's, not shared
    shared: int  # kw2's, shared with kw1


@pytest.fixture
def team(manager: Ctx, make_user: Callable[..., Ctx]) -> Team:
    kw1, kw2, admin = make_user("kw1"), make_user("kw2"), make_user("ad1", role=A)

    def woman(ctx: Ctx, last: str) -> int:
        details = women_types.WomanInput(first_name="Test", last_name=last)
        referral = women_types.ReferralInput(source="self", cj_status="none")
        return women.create_woman(ctx, details, referral).id

    own, other, shared = woman(kw1, "Own"), woman(kw2, "Other"), woman(kw2, "Shared")
    allocation.share_woman(kw2, shared, kw1.actor.user_id)
    _log_reader[:] = [manager]
    return Team(manager, kw1, kw2, admin, own, other, shared)


# Who reads the log for `refused`: the test's manager. On PostgreSQL a keyworker's login has
# no SELECT on the audit table, so her own context could not check her refusal was recorded.
_log_reader: list[Ctx] = []


@pytest.fixture(autouse=True)
def _forget_the_log_reader() -> Iterator[None]:
    yield
    _log_reader.clear()


def _denials(ctx: Ctx) -> list[AuditEvent]:
    reader = _log_reader[-1] if _log_reader else ctx
    with reader.read() as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.action) == "permission_denied")
                .order_by(col(AuditEvent.seq))
            ).all()
        )


def refused(
    ctx: Ctx, call: Callable[[], Any], permission: str, *, subject: int | None = None
) -> str:
    """Run `call` as `ctx`; it must be refused, and the refusal must be the newest denial."""
    before = len(_denials(ctx))
    with pytest.raises(PermissionDenied) as info:
        call()
    after = _denials(ctx)
    assert len(after) == before + 1, "the refusal was not recorded"
    entry = after[-1]
    assert entry.username == ctx.actor.username and entry.role == ctx.actor.role
    assert json.loads(entry.detail)["permission"] == permission
    if subject is not None:
        assert entry.subject_id == subject and entry.subject_ref
    message = str(info.value)
    assert message and "Traceback" not in message
    return message


@pytest.mark.parametrize(
    ("permission", "role"),
    [(p, r) for p in sorted(EXPECTED) for r in (K, M, A) if r not in EXPECTED[p]],
)
def test_every_refusal_names_the_role_and_is_recorded(
    permission: str, role: str, manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    ctx = manager if role == M else make_user("someone", role=role)
    _log_reader[:] = [manager]
    message = refused(ctx, lambda: permissions.require(ctx, permission), permission)
    assert role in message


# -- seeing and changing a woman ----------------------------------------------------------


def test_keyworker_sees_her_own_and_shared_women_only(team: Team) -> None:
    assert women.open_woman(team.kw1, team.own).woman.id == team.own
    assert women.open_woman(team.kw1, team.shared).woman.id == team.shared
    message = refused(
        team.kw1, lambda: women.open_woman(team.kw1, team.other), "women.view", subject=team.other
    )
    assert "not on your caseload" in message
    with team.kw1.read() as session:
        assert get_visible_woman(session, team.kw1, team.own).id == team.own


def test_manager_sees_every_woman_and_admin_none(team: Team) -> None:
    for wid in (team.own, team.other, team.shared):
        assert women.open_woman(team.mgr, wid).woman.id == wid
    refused(team.admin, lambda: women.open_woman(team.admin, team.own), "women.view")


def test_edit_own_not_another_keyworkers(team: Team) -> None:
    details = women_types.WomanInput(first_name="Changed", last_name="Own")
    assert women.edit_woman(team.kw1, team.own, details).first_name == "Changed"
    refused(
        team.kw1,
        lambda: women.edit_woman(team.kw1, team.other, details),
        "women.view",
        subject=team.other,
    )
    refused(team.admin, lambda: women.edit_woman(team.admin, team.own, details), "women.edit")
    assert women.edit_woman(team.mgr, team.other, details).first_name == "Changed"


def test_her_keyworker_or_a_manager_shares_her(team: Team) -> None:
    kw1_id = team.kw1.actor.user_id
    assert allocation.share_woman(team.kw1, team.own, team.kw2.actor.user_id).id
    message = refused(
        team.kw1,
        lambda: allocation.share_woman(team.kw1, team.shared, kw1_id),
        "women.share",
        subject=team.shared,
    )
    assert "her keyworker or a manager" in message
    assert allocation.share_woman(team.mgr, team.other, kw1_id).id == kw1_id
    assert permissions.allowed_for(team.kw1, "women.share", owner_id=kw1_id)
    assert not permissions.allowed_for(team.kw1, "women.share", owner_id=None)
    assert not permissions.allowed_for(team.admin, "women.share", owner_id=None)
    # Owning a record gives nothing beyond the permissions marked as owned.
    assert not permissions.allowed_for(team.kw1, "women.allocate", owner_id=kw1_id)


def test_whoever_logged_a_contact_or_a_manager_corrects_it(team: Team) -> None:
    theirs = contacts.log_contact(team.kw2, team.shared, contacts.ContactInput())
    fixed = contacts.ContactInput(note="corrected")
    refused(
        team.kw1,
        lambda: contacts.edit_contact(team.kw1, theirs.id, fixed),
        "contacts.edit_others",
        subject=team.shared,
    )
    assert contacts.edit_contact(team.kw2, theirs.id, fixed).note == "corrected"
    assert contacts.edit_contact(team.mgr, theirs.id, fixed).note == "corrected"


def test_whoever_recorded_an_activity_or_a_manager_changes_it(team: Team) -> None:
    entered = activities.ActivityInput("judiciary_training", "20/11/2026", 1, 12)
    theirs = activities.record_activity(team.kw2, entered)
    refused(team.kw1, lambda: activities.delete_activity(team.kw1, theirs.id), "activities.others")
    assert activities.get_activity(team.kw2, theirs.id).id == theirs.id
    activities.delete_activity(team.mgr, theirs.id)


def test_her_facilitator_or_a_manager_runs_a_group_session(team: Team) -> None:
    kw1_id, kw2_id = team.kw1.actor.user_id, team.kw2.actor.user_id
    own = groups.create_session(team.kw1, title="Art", date="20/11/2026").session.id
    made = groups.create_session(team.mgr, title="Art", date="20/11/2026", facilitator_id=kw2_id)
    theirs = made.session.id
    assert groups.get_session(team.kw1, own).facilitator_id == kw1_id
    assert [s.id for s in groups.list_sessions(team.kw1)] == [own]
    message = refused(team.kw1, lambda: groups.get_session(team.kw1, theirs), "groups.others")
    assert "facilitate" in message
    refused(
        team.kw1,
        lambda: groups.create_session(
            team.kw1, title="Art", date="20/11/2026", facilitator_id=kw2_id
        ),
        "groups.others",
    )
    assert groups.get_session(team.mgr, theirs).facilitator_id == kw2_id
    assert permissions.allowed_for(team.kw2, "groups.others", owner_id=kw2_id)
    assert not permissions.allowed_for(team.kw1, "groups.others", owner_id=kw2_id)
    assert [c.id for c in groups.session_choices(team.kw1).facilitators] == [kw1_id]


def test_only_managers_allocate(team: Team) -> None:
    refused(
        team.kw1,
        lambda: women.create_woman(
            team.kw1,
            women_types.WomanInput(last_name="X"),
            women_types.ReferralInput(source="self", cj_status="none"),
            keyworker_id=team.kw2.actor.user_id,
        ),
        "women.allocate",
    )


# -- exports, imports and data protection -------------------------------------------------


def test_return_export_managers_only(team: Team, tmp_path: Path) -> None:
    period = month_period(2026, 1)
    for ctx in (team.kw1, team.admin):
        refused(ctx, partial(returns.export, ctx, period, "csv", tmp_path / "r"), "return.export")
    assert not (tmp_path / "r").exists()
    assert returns.export(team.mgr, period, "csv", tmp_path / "r") is not None


def test_data_export_and_import_managers_only(team: Team, tmp_path: Path) -> None:
    for ctx in (team.kw1, team.admin):
        refused(ctx, partial(export_data.export_data, ctx, tmp_path / "d"), "data.export")
        refused(ctx, partial(run_import, ctx, tmp_path / "d"), "data.import")
    assert export_data.export_data(team.mgr, tmp_path / "d").folder.exists()


def test_subject_access_managers_only(team: Team, tmp_path: Path) -> None:
    ref = women.open_woman(team.mgr, team.own).woman.reference
    for ctx in (team.kw1, team.admin):
        refused(ctx, partial(sar.export_pack, ctx, ref, tmp_path / "s"), "sar")
    assert sar.export_pack(team.mgr, ref, tmp_path / "s").json_path.exists()


def test_erasure_and_retention_managers_only(team: Team) -> None:
    ref = women.open_woman(team.mgr, team.own).woman.reference
    for ctx in (team.kw1, team.admin):
        refused(ctx, partial(erasure.erase, ctx, ref, confirmation=ref), "erase")
        refused(ctx, partial(retention.review, ctx), "retention")
    assert retention.review(team.mgr).years == 6
    assert erasure.erase(team.mgr, ref, confirmation=ref).references == (ref,)


def test_audit_view_managers_and_admins(team: Team) -> None:
    refused(team.kw1, lambda: audit_log.query(team.kw1), "audit.view")
    assert audit_log.query(team.mgr).entries and audit_log.query(team.admin).entries


def test_backup_managers_and_admins(team: Team, tmp_path: Path) -> None:
    refused(team.kw1, lambda: backup.create(team.kw1, tmp_path / "kw.cabk"), "backup")
    assert backup.create(team.mgr, tmp_path / "m.cabk").rows > 0
    assert backup.create(team.admin, tmp_path / "a.cabk").rows > 0


def test_manage_users_managers_and_admins(team: Team) -> None:
    refused(
        team.kw1,
        lambda: users.add_user(team.kw1, "kw9", K, "long enough pass", kdf=FAST_KDF),
        "users.manage",
    )
    refused(team.kw1, lambda: users.remove_user(team.kw1, "kw2"), "users.manage")
    assert users.add_user(team.admin, "kw8", K, "long enough pass", kdf=FAST_KDF).role == K
    users.reset_passphrase(team.mgr, "kw8", "another long pass", kdf=FAST_KDF)
    users.remove_user(team.mgr, "kw8")


def test_settings_managers_only(team: Team) -> None:
    for ctx in (team.kw1, team.admin):
        refused(ctx, partial(settings.set_value, ctx, "retention_years", "7"), "settings.manage")
    settings.set_value(team.mgr, "retention_years", "7")
    assert settings.get_int(team.mgr, "retention_years") == 7
