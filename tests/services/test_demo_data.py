"""The synthetic demo provider: reproducible, believable, synthetic, and written in one go."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from caseapp.errors import ValidationError
from caseapp.models import (
    AuditEvent,
    Engagement,
    Hub,
    HubBorough,
    Outcome,
    PlanGoal,
    User,
    Woman,
)
from caseapp.models.codes import ATTENDED
from caseapp.services import returns, users
from caseapp.services.context import Ctx
from caseapp.services.demo import DEMO_PASSPHRASE, create_demo_store
from caseapp.services.demo.data import populate
from caseapp.services.demo.shape import KEYWORKERS_WITH_SLOTS, SIZES
from caseapp.services.export_data import export_data
from caseapp.services.returns_periods import financial_year
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store, create_store, open_store
from tests.conftest import MANAGER, PASSPHRASE
from tests.services.import_kit import TODAY, counts


def _provider(path: Path, seed: int) -> Store:
    """Another store holding the small provider for `seed` as of TODAY (left open)."""
    other, _code = create_store(path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    users.create_first_manager(other, MANAGER)
    populate(other, seed=seed, size="small", today=TODAY)
    return other


@pytest.fixture
def demo(store: Store) -> Store:
    """The manager's store filled with the small provider as of TODAY."""
    populate(store, seed=2026, size="small", today=TODAY)
    return store


def test_sizes_and_synthetic_marking(demo: Store) -> None:
    found = counts(demo)
    assert found["woman"] == SIZES["small"].women == 400
    assert found["engagement"] == SIZES["small"].contacts
    assert found["hub"] == 4 and found["app_user"] == 9
    for table in ("referral", "assessment", "outcome", "plangoal", "groupsession", "activity"):
        assert found[table] > 0, table
    with demo.read() as session:
        assert session.exec(select(func.count()).where(col(Woman.is_synthetic) == False)).one() == 0  # noqa: E712
        refs = session.exec(select(Woman.reference)).all()
    assert len(set(refs)) == len(refs)
    assert all(re.fullmatch(r"MIN-20\d\d-\d{5}", r) for r in refs)


def test_reproducible_from_the_seed(demo: Store, manager: Ctx, tmp_path: Path) -> None:
    first = export_data(manager, tmp_path / "a")
    other = _provider(tmp_path / "other.db", seed=2026)
    try:
        second = export_data(Ctx(other, manager.actor), tmp_path / "b")
    finally:
        other.close()
    assert [f.sha256 for f in first.files] == [f.sha256 for f in second.files]


def test_another_seed_gives_another_provider(store: Store, tmp_path: Path) -> None:
    populate(store, seed=1, size="small", today=TODAY)
    with store.read() as session:
        names = session.exec(select(Woman.first_name).order_by(col(Woman.id)).limit(20)).all()
    other = _provider(tmp_path / "other.db", seed=2)
    try:
        with other.read() as session:
            others = session.exec(select(Woman.first_name).order_by(col(Woman.id)).limit(20)).all()
    finally:
        other.close()
    assert names != others


def test_believable_proportions(demo: Store) -> None:
    with demo.read() as session:
        women = session.exec(select(Woman)).all()
        attendance = Counter(session.exec(select(Engagement.attendance)).all())
        goals = session.exec(select(func.count()).select_from(PlanGoal)).one()
    status = Counter(w.status for w in women)
    assert status["closed"] > 100 and status["active"] > 80 and status["referred"] > 0
    reasons = Counter(w.closure_reason for w in women if w.closure_reason)
    assert reasons.most_common(1)[0][0] == "goals_met"
    assert 0.05 < reasons["not_engaged"] / status["closed"] < 0.3
    attended = sum(attendance[a] for a in ATTENDED) / sum(attendance.values())
    assert 0.65 < attended < 0.9
    ages = [(TODAY - w.date_of_birth).days / 365.25 for w in women if w.date_of_birth]
    assert min(ages) >= 18 and 30 < sum(ages) / len(ages) < 45
    assert 0.35 < sum(w.ethnicity == "white_british" for w in women) / len(women) < 0.55
    assert len({w.borough_code for w in women}) > 20
    assert goals > len(women)
    # Active caseloads per keyworker are within the domain's 15-40 (a few under while new).
    active = Counter(w.keyworker_id for w in women if w.status != "closed")
    assert all(5 <= n <= 45 for n in active.values()), active


def test_dates_within_the_two_years(demo: Store) -> None:
    with demo.read() as session:
        first, last = session.exec(
            select(func.min(Engagement.date), func.max(Engagement.date))
        ).one()
        closed = session.exec(select(func.max(Woman.closed_on))).one()
    assert date(2024, 11, 24) <= first and last <= TODAY
    assert closed is not None and closed < TODAY


def test_outcomes_mostly_improve(demo: Store) -> None:
    with demo.read() as session:
        rows = session.exec(
            select(Outcome.woman_id, Outcome.question, Outcome.kind, Outcome.score).order_by(
                col(Outcome.date)
            )
        ).all()
    first: dict[tuple[int, str], int] = {}
    last: dict[tuple[int, str], int] = {}
    for woman, question, kind, score in rows:
        if kind == "baseline":
            first.setdefault((woman, question), score)
        else:
            last[(woman, question)] = score
    improved = sum(last[k] > first[k] for k in last if k in first) / len(last)
    assert 0.7 < improved < 0.98


def test_groups_hubs_and_staff(demo: Store) -> None:
    with demo.read() as session:
        served = session.exec(select(func.count()).select_from(HubBorough)).one()
        hubs = session.exec(select(Hub.name)).all()
        staff = session.exec(select(User.username).where(col(User.role) == "keyworker")).all()
    assert served >= 20 and "Hackney Women's Centre" in hubs
    assert len(staff) == 8
    for username in KEYWORKERS_WITH_SLOTS:
        assert demo.key_file.find(username) is not None


def test_one_audit_entry(demo: Store) -> None:
    with demo.read() as session:
        entries = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "demo_populated")
        ).all()
    assert len(entries) == 1
    detail = json.loads(entries[0].detail)
    assert detail["seed"] == 2026 and detail["rows"]["engagement"] == 9000


def test_the_return_has_figures(demo: Store, manager: Ctx) -> None:
    result = returns.compute(manager, financial_year(2025))
    headline = {row.code: row.value for row in result.headline}
    for code in ("new_referrals", "women_supported", "one_to_one_sessions", "cases_closed"):
        value = headline[code]
        assert isinstance(value, int) and value > 0, code
    training = headline["judiciary_training_sessions"]
    assert isinstance(training, int) and training > 10
    assert all(isinstance(row.denominator, int) and row.denominator > 0 for row in result.outcomes)


def test_refuses_a_store_with_women_and_unknown_sizes(demo: Store) -> None:
    with pytest.raises(ValidationError, match="already holds women"):
        populate(demo, seed=1, today=TODAY)
    with pytest.raises(ValidationError, match="Size must be one of"):
        populate(demo, seed=1, size="huge", today=TODAY)


def test_demo_keyworker_can_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    create_demo_store(path, kdf=FAST_KDF)
    opened = open_store(path, "kw.amina", DEMO_PASSPHRASE)
    try:
        assert opened.username == "kw.amina" and opened.user_id is not None
    finally:
        opened.store.close()
