"""Contacts: defaults, validation, newest first, status change, closed cases, corrections."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

import pytest

from caseapp.errors import PermissionDenied, ValidationError
from caseapp.services import hubs
from caseapp.services.contacts import (
    ContactInput,
    as_input,
    edit_contact,
    list_contacts,
    log_contact,
)
from caseapp.services.context import Ctx
from caseapp.services.women import close_woman, open_woman
from tests.harness.audit import audit_actions
from tests.harness.clock import NOW, TODAY
from tests.harness.women import add_woman


def test_defaults_are_an_attended_one_to_one_in_person_now(manager: Ctx) -> None:
    hub = hubs.add_hub(manager, "HACK", "Hackney Hub")
    woman = add_woman(manager, hub_id=hub.id)
    contact = log_contact(manager, woman.id)
    assert (contact.date, contact.time) == (TODAY, NOW)
    assert (contact.type, contact.attendance, contact.delivery) == (
        "one_to_one",
        "attended",
        "in_person",
    )
    assert contact.hub_name == "Hackney Hub"
    assert contact.keyworker_name == "Maria Manager"
    assert contact.attended


def test_first_attended_contact_makes_her_active(manager: Ctx) -> None:
    woman = add_woman(manager)
    log_contact(manager, woman.id, ContactInput(attendance="did_not_attend"))
    assert open_woman(manager, woman.id).woman.status == "referred"
    log_contact(manager, woman.id, ContactInput(attendance="late"))
    assert open_woman(manager, woman.id).woman.status == "active"
    logged = [json.loads(d) for a, d in audit_actions(manager, woman.id) if a == "contact_logged"]
    assert logged[0]["fields"] == ["contact"]
    assert logged[1]["fields"] == ["contact", "status"]


def test_dates_and_times_typed_many_ways(manager: Ctx) -> None:
    woman = add_woman(manager)
    for typed_date, typed_time, want_date, want_time in [
        ("yesterday", "14:30", date(2026, 11, 23), time(14, 30)),
        ("24/11/2026", "2:05pm", TODAY, time(14, 5)),
        ("2026-11-20", "0915", date(2026, 11, 20), time(9, 15)),
        ("t", "", TODAY, None),
    ]:
        contact = log_contact(manager, woman.id, ContactInput(date=typed_date, time=typed_time))
        assert (contact.date, contact.time) == (want_date, want_time)


def test_every_problem_is_named_with_what_to_type(manager: Ctx) -> None:
    woman = add_woman(manager)
    with pytest.raises(ValidationError) as caught:
        log_contact(
            manager,
            woman.id,
            ContactInput(
                date="32/11/2026",
                time="25:00",
                type="tea",
                attendance="",
                duration_minutes="ninety",
                delivery="pigeon",
                need_areas=("ACC", "XYZ"),
                note="ok\x00",
            ),
        )
    fields = caught.value.fields
    assert set(fields) == {
        "date",
        "time",
        "type",
        "attendance",
        "duration_minutes",
        "delivery",
        "need_areas",
        "note",
    }
    assert fields["time"] == "Type a time such as 14:30, 2:30pm or now."
    assert fields["duration_minutes"] == "Type a whole number from 1 to 720 minutes."
    assert "24/11/2026" in fields["date"]
    assert open_woman(manager, woman.id).contact_count == 0


def test_future_contacts_are_refused(manager: Ctx) -> None:
    woman = add_woman(manager)
    with pytest.raises(ValidationError) as caught:
        log_contact(manager, woman.id, ContactInput(date="25/11/2026"))
    assert "future" in caught.value.fields["date"]


def test_a_five_megabyte_note_is_refused_with_the_limit(manager: Ctx) -> None:
    woman = add_woman(manager)
    with pytest.raises(ValidationError) as caught:
        log_contact(manager, woman.id, ContactInput(note="x" * 5_000_000))
    assert caught.value.fields["note"] == "At most 20,000 characters (this has 5,000,000)."


def test_contacts_are_listed_newest_first(manager: Ctx) -> None:
    woman = add_woman(manager)
    for day, at in [("2026-11-01", "10:00"), ("2026-11-20", "09:00"), ("2026-11-20", "15:00")]:
        log_contact(manager, woman.id, ContactInput(date=day, time=at))
    listed = list_contacts(manager, woman.id)
    assert [(c.date.day, c.time) for c in listed] == [
        (20, time(15, 0)),
        (20, time(9, 0)),
        (1, time(10, 0)),
    ]
    record = open_woman(manager, woman.id)
    assert [c.id for c in record.contacts] == [c.id for c in listed]
    assert record.last_contact == date(2026, 11, 20)
    assert audit_actions(manager, woman.id)[-2][0] == "woman_opened"


def test_need_areas_are_kept_in_the_code_lists_order(manager: Ctx) -> None:
    woman = add_woman(manager)
    contact = log_contact(manager, woman.id, ContactInput(need_areas=("DA", "ACC", "DA")))
    assert contact.need_areas == ("ACC", "DA")


def test_no_contact_on_a_closed_case(manager: Ctx) -> None:
    woman = add_woman(manager)
    close_woman(manager, woman.id, "moved_away")
    with pytest.raises(ValidationError, match="reopen"):
        log_contact(manager, woman.id)


def test_keyworker_cannot_log_for_another_keyworkers_woman(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna)
    with pytest.raises(PermissionDenied):
        log_contact(bea, woman.id)
    with pytest.raises(PermissionDenied):
        list_contacts(bea, woman.id)
    assert open_woman(anna, woman.id).contact_count == 0


def test_correcting_a_contact(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna)
    contact = log_contact(anna, woman.id)
    fixed = edit_contact(
        anna,
        contact.id,
        replace(as_input(contact), duration_minutes="45", note="corrected"),
    )
    assert (fixed.duration_minutes, fixed.note) == (45, "corrected")
    changed = json.loads(audit_actions(manager, woman.id)[-1][1])["fields"]
    assert changed == ["duration_minutes", "note"]
    # Another keyworker she is shared with may read it but not correct it.
    from caseapp.services.allocation import share_woman

    share_woman(anna, woman.id, bea.actor.user_id)
    with pytest.raises(PermissionDenied):
        edit_contact(bea, contact.id, as_input(contact))
    # A manager may.
    edit_contact(manager, contact.id, as_input(contact))
