"""Women's records: creation, references, duplicates, editing, access by role, auditing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.services import hubs
from caseapp.services.allocation import allocate, share_woman, staff, unshare_woman
from caseapp.services.context import Ctx
from caseapp.services.women import create_woman, edit_referral, edit_woman, open_woman
from caseapp.services.women_types import PossibleDuplicate, ReferralInput, WomanInput, as_input
from tests.harness.audit import audit_actions
from tests.harness.women import add_woman


def test_new_woman_gets_the_next_reference_and_a_referral(manager: Ctx) -> None:
    first = add_woman(manager, "Jane", "Smith")
    second = add_woman(manager, "Amira", "Khan", born="1985-03-04")
    assert first.reference == "MIN-2026-00001"
    assert second.reference == "MIN-2026-00002"
    assert first.status == "referred"
    record = open_woman(manager, second.id)
    assert record.referral is not None
    assert record.referral.source == "probation"
    assert record.referral.referral_date == date(2026, 11, 2)
    assert record.woman.date_of_birth == date(1985, 3, 4)


def test_names_are_folded_for_search(manager: Ctx) -> None:
    woman = add_woman(manager, "  Zoë ", "O'BRIEN", preferred_name="Zo")
    with manager.read() as session:
        from caseapp.models import Woman

        row = session.get(Woman, woman.id)
        assert row is not None
        assert (row.first_norm, row.last_norm, row.preferred_norm) == ("zoe", "o'brien", "zo")
        assert row.first_name == "Zoë"


def test_creation_is_audited_with_field_names_only(manager: Ctx) -> None:
    woman = add_woman(manager, "Secretname", "Marker", phone="07700 900123")
    actions = audit_actions(manager, woman.id)
    assert actions[0][0] == "woman_created"
    detail = json.loads(actions[0][1])
    assert "first_name" in detail["fields"] and "phone" in detail["fields"]
    assert "Secretname" not in actions[0][1] and "07700" not in actions[0][1]


def test_possible_duplicate_by_folded_name_and_birth_date(manager: Ctx) -> None:
    held = add_woman(manager, "Zoë", "Smith", born="01/02/1990")
    with pytest.raises(PossibleDuplicate) as caught:
        add_woman(manager, "ZOE", "smith", born=date(1990, 2, 1))
    assert str(caught.value).startswith(f"Possible duplicate of {held.reference}")
    assert caught.value.references == (held.reference,)
    # Names swapped are caught too.
    with pytest.raises(PossibleDuplicate):
        add_woman(manager, "Smith", "Zoe", born="1990-02-01")
    # Same name, another birth date: not a duplicate.
    other = add_woman(manager, "Zoe", "Smith", born="02/02/1990")
    assert other.reference == "MIN-2026-00002"
    confirmed = add_woman(manager, "Zoe", "Smith", born="01/02/1990", confirm_duplicate=True)
    assert confirmed.reference == "MIN-2026-00003"
    created = [a for a in audit_actions(manager, confirmed.id) if a[0] == "woman_created"]
    assert json.loads(created[0][1])["duplicate_confirmed"] is True


def test_duplicate_check_sees_women_on_other_caseloads(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    held = add_woman(anna, "Jane", "Doe")
    with pytest.raises(PossibleDuplicate) as caught:
        add_woman(bea, "Jane", "Doe")
    assert caught.value.references == (held.reference,)


def test_every_field_problem_is_reported_at_once(manager: Ctx) -> None:
    with pytest.raises(ValidationError) as caught:
        create_woman(
            manager,
            WomanInput(
                first_name="",
                last_name="",
                date_of_birth="31/02/1990",
                phone="call me",
                borough="Atlantis",
                ethnicity="BAME",
                dependent_children="lots",
            ),
            ReferralInput(referral_date="tomorrow", source=None),
        )
    fields = caught.value.fields
    assert set(fields) >= {
        "first_name",
        "date_of_birth",
        "phone",
        "borough",
        "ethnicity",
        "dependent_children",
        "referral_date",
        "source",
    }
    assert "24/11/2026" in fields["date_of_birth"]
    assert "London borough" in fields["borough"]
    assert fields["first_name"] == "Type her first name or last name (or both)."


def test_future_birth_date_and_referral_are_refused(manager: Ctx) -> None:
    with pytest.raises(ValidationError) as caught:
        create_woman(
            manager,
            WomanInput(first_name="Jo", date_of_birth="25/11/2026"),
            ReferralInput(referral_date=date(2026, 12, 1), source="self"),
        )
    assert "future" in caught.value.fields["date_of_birth"]
    assert "future" in caught.value.fields["referral_date"]


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("x" * 10_000, "At most 200 characters (this has 10,000)."),
        ("Ja\x00ne", "Contains a NUL character; remove it."),
        ("Ja\ud800ne", "Contains an invalid character (a lone surrogate)."),
    ],
)
def test_hostile_names_are_refused_with_a_clear_message(
    manager: Ctx, value: str, hint: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        add_woman(manager, value, "Smith")
    assert caught.value.fields["first_name"] == hint
    assert "First name:" in str(caught.value)


def test_markup_and_escapes_in_names_are_stored_as_typed(manager: Ctx) -> None:
    woman = add_woman(manager, "[bold red]Jane[/]", "[@click=app.quit]x[/] \x1b[2J\u202e")
    record = open_woman(manager, woman.id)
    assert record.woman.first_name == "[bold red]Jane[/]"
    assert record.woman.last_name == "[@click=app.quit]x[/] \x1b[2J\u202e"


def test_borough_accepts_names_aliases_and_codes(manager: Ctx) -> None:
    a = add_woman(manager, "A", "One", borough="Barking")
    b = add_woman(manager, "B", "Two", borough="e09000020")
    c = add_woman(manager, "C", "Three", borough="Royal Borough of Kensington & Chelsea")
    assert [w.borough_code for w in (a, b, c)] == ["E09000002", "E09000020", "E09000020"]
    assert hubs.resolve_borough("Hackney") == "E09000012"
    assert hubs.resolve_borough("  city of westminster ") == "E09000033"
    assert hubs.resolve_borough("E09000099") is None
    assert hubs.resolve_borough("") is None


def test_edit_changes_details_and_audits_the_field_names(manager: Ctx) -> None:
    woman = add_woman(manager, "Jane", "Smith")
    details = as_input(open_woman(manager, woman.id).woman)
    from dataclasses import replace

    changed = edit_woman(
        manager,
        woman.id,
        replace(details, last_name="Smythe", ethnicity="black_african", dependent_children="2"),
    )
    assert (changed.last_name, changed.ethnicity, changed.dependent_children) == (
        "Smythe",
        "black_african",
        2,
    )
    last = audit_actions(manager, woman.id)[-1]
    assert last[0] == "woman_changed"
    assert json.loads(last[1])["fields"] == ["dependent_children", "ethnicity", "last_name"]
    assert "Smythe" not in last[1]


def test_edit_without_changes_is_not_audited(manager: Ctx) -> None:
    woman = add_woman(manager)
    details = as_input(open_woman(manager, woman.id).woman)
    before = len(audit_actions(manager))
    edit_woman(manager, woman.id, details)
    assert len(audit_actions(manager)) == before


def test_referral_can_be_corrected(manager: Ctx) -> None:
    woman = add_woman(manager)
    referral = open_woman(manager, woman.id).referral
    assert referral is not None
    fixed = edit_referral(
        manager,
        referral.id,
        ReferralInput("2026-11-01", "police_diversion", "diversion", "Met Police", "CE"),
    )
    assert (fixed.source, fixed.cj_status, fixed.police_bcu) == (
        "police_diversion",
        "diversion",
        "CE",
    )
    assert audit_actions(manager, woman.id)[-1][0] == "referral_changed"


# -- access by role ----------------------------------------------------------------------


def test_keyworker_cannot_open_another_keyworkers_woman(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    hers = add_woman(anna, "Jane", "Doe")
    assert open_woman(anna, hers.id).woman.reference == hers.reference
    with pytest.raises(PermissionDenied):
        open_woman(bea, hers.id)
    with pytest.raises(PermissionDenied):
        edit_woman(bea, hers.id, WomanInput(first_name="X"))
    denied = [a for a in audit_actions(manager, hers.id) if a[0] == "permission_denied"]
    assert len(denied) == 2
    # The manager sees everyone in the provider.
    assert open_woman(manager, hers.id).woman.id == hers.id


def test_admin_sees_no_woman(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    admin = make_user("root", role="admin")
    woman = add_woman(manager)
    with pytest.raises(PermissionDenied):
        open_woman(admin, woman.id)
    with pytest.raises(PermissionDenied):
        add_woman(admin, "A", "B")


def test_unknown_woman_is_not_found(manager: Ctx) -> None:
    with pytest.raises(NotFound):
        open_woman(manager, 999)


def test_opening_her_record_is_audited(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    woman = add_woman(anna)
    open_woman(anna, woman.id)
    last = audit_actions(manager, woman.id)[-1]
    assert last[0] == "woman_opened"


def test_keyworkers_new_woman_is_on_her_own_caseload(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna)
    assert woman.keyworker_id == anna.actor.user_id
    with pytest.raises(PermissionDenied):
        add_woman(anna, "Other", "Person", keyworker_id=bea.actor.user_id)


def test_manager_allocates_and_keyworker_cannot(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(manager)
    assert woman.keyworker_id is None
    allocated = allocate(manager, woman.id, anna.actor.user_id)
    assert allocated.keyworker_id == anna.actor.user_id
    assert open_woman(anna, woman.id).referral is not None
    assert open_woman(anna, woman.id).referral.allocated_to_id == anna.actor.user_id  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied):
        allocate(anna, woman.id, bea.actor.user_id)
    allocate(manager, woman.id, bea.actor.user_id)
    with pytest.raises(PermissionDenied):
        open_woman(anna, woman.id)
    assert open_woman(bea, woman.id).keyworker_name == "bea"
    last = [a for a in audit_actions(manager, woman.id) if a[0] == "woman_allocated"]
    assert len(last) == 2


def test_allocation_only_to_active_staff(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    admin = make_user("root", role="admin")
    woman = add_woman(manager)
    with pytest.raises(ValidationError):
        allocate(manager, woman.id, admin.actor.user_id)
    with pytest.raises(ValidationError):
        allocate(manager, woman.id, 4242)


def test_sharing_gives_and_takes_access(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    cat = make_user("cat")
    woman = add_woman(anna)
    member = share_woman(anna, woman.id, bea.actor.user_id)
    assert member.name == "bea"
    assert open_woman(bea, woman.id).shared_with[0].id == bea.actor.user_id
    # A keyworker she is shared with may not share her onwards.
    with pytest.raises(PermissionDenied):
        share_woman(bea, woman.id, cat.actor.user_id)
    unshare_woman(anna, woman.id, bea.actor.user_id)
    with pytest.raises(PermissionDenied):
        open_woman(bea, woman.id)
    with pytest.raises(ValidationError):
        share_woman(anna, woman.id, anna.actor.user_id)


def test_staff_lists_keyworkers_and_managers(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    make_user("anna")
    make_user("root", role="admin")
    names = [(m.name, m.role) for m in staff(manager)]
    assert ("anna", "keyworker") in names
    assert ("Maria Manager", "manager") in names
    assert all(role != "admin" for _n, role in names)
