"""The services on a PostgreSQL store: each person signs in with her own login (SCRAM).

The services run unchanged on `PgStore`; what a keyworker may reach is the database's
decision (row-level security), and the audit entries are the server's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from caseapp.errors import NotFound, PassphraseIncorrect, PermissionDenied
from caseapp.models import User
from caseapp.services import audit, caseload, contacts, users, women
from caseapp.services.context import Ctx
from caseapp.services.women_types import ReferralInput, WomanInput
from caseapp.store.pgstore import PgStore, is_pg_url, open_pg_store
from tests.pg.conftest import LOGINS, PASSWORD, PgServer

REFERRAL = ReferralInput(source="probation")


@pytest.fixture
def staff(pg_engine: Engine) -> dict[str, int]:
    """A staff row for each login, written by the schema's owner."""
    with Session(pg_engine) as s:
        rows = {name: User(username=name, role=group[8:]) for name, group in LOGINS.items()}
        s.add_all(rows.values())
        s.commit()
        return {name: int(row.id or 0) for name, row in rows.items()}


@pytest.fixture
def sign_in(
    pg_server: PgServer, pg_db: str, staff: dict[str, int]
) -> Iterator[Callable[[str], Ctx]]:
    """Sign in as a login: her own PostgreSQL connection, her staff row as the actor."""
    opened: list[PgStore] = []

    def make(name: str) -> Ctx:
        store = open_pg_store(pg_server.url(pg_db), name, PASSWORD)
        opened.append(store)
        return Ctx(store, users.actor_for(store, staff[name], name))

    yield make
    for store in opened:
        store.close()


def test_a_url_is_a_postgresql_store(pg_server: PgServer, pg_db: str) -> None:
    assert is_pg_url(pg_server.url(pg_db))
    assert not is_pg_url("/home/amina/caseapp.db")


def test_a_wrong_passphrase_is_refused_by_the_server(
    pg_server: PgServer, pg_db: str, staff: dict[str, int]
) -> None:
    with pytest.raises(PassphraseIncorrect):
        open_pg_store(pg_server.url(pg_db), "kw_amina", "not her passphrase")


def test_keyworkers_work_on_their_own_women_only(sign_in: Callable[[str], Ctx]) -> None:
    amina, beth, maria = sign_in("kw_amina"), sign_in("kw_beth"), sign_in("mgr_maria")
    hers = women.create_woman(amina, WomanInput(first_name="Ada", last_name="Lovelace"), REFERRAL)
    # Beth cannot see Amina's woman, yet her new woman's reference is the next one.
    theirs = women.create_woman(
        beth, WomanInput(first_name="Mary", last_name="Somerville"), REFERRAL
    )
    assert (hers.reference, theirs.reference) == ("MIN-2026-00001", "MIN-2026-00002")
    contacts.log_contact(amina, hers.id, contacts.ContactInput(note="first visit"))
    assert len(contacts.list_contacts(amina, hers.id)) == 1
    # Refused and audited, as on SQLite (the server tells the services she exists).
    with pytest.raises(PermissionDenied):
        women.open_woman(beth, hers.id)
    with pytest.raises(PermissionDenied):
        contacts.log_contact(beth, hers.id, contacts.ContactInput(note="not hers"))
    with pytest.raises(NotFound):
        women.open_woman(beth, hers.id + 100)
    # Search as she types runs on the folded columns (collation "C" on PostgreSQL).
    assert [row.reference for row in caseload.search(amina, "lov")] == [hers.reference]
    assert caseload.search(beth, "lov") == []
    assert [row.reference for row in caseload.search(maria, "som")] == [theirs.reference]
    record = women.open_woman(maria, hers.id)
    assert (record.woman.reference, record.contact_count) == (hers.reference, 1)


def test_the_services_audit_entries_are_the_servers(sign_in: Callable[[str], Ctx]) -> None:
    amina, maria = sign_in("kw_amina"), sign_in("mgr_maria")
    hers = women.create_woman(amina, WomanInput(first_name="Ada", last_name="Lovelace"), REFERRAL)
    with maria.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT username, role, action, subject_ref FROM auditevent"
            " WHERE action = 'woman_created'"
        )
        assert [tuple(r) for r in rows] == [
            ("kw_amina", "keyworker", "woman_created", hers.reference)
        ]
        checked, bad = (
            session.connection().exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
        )
    assert bad is None and checked >= 3  # her woman, her referral (rows) and the service's entry
    report = audit.verify_chain(maria.store)  # the services' check asks the server
    assert report.ok and report.checked == checked
