"""The synthetic provider's weekly groups with their registers, and its training activities."""

from __future__ import annotations

from datetime import date, timedelta

from caseapp.models import Activity, GroupAttendance, GroupSession
from caseapp.services.demo.names import ACTIVITY_DESCRIPTIONS, GROUP_TITLES
from caseapp.services.demo.provider import Her, Provider, stamp
from caseapp.services.interchange.bulk import Row, next_id


def add_groups(provider: Provider) -> None:
    """One weekly group per hub with a register, and now and then a cancelled week."""
    rng = provider.rng
    by_hub: dict[int, list[Her]] = {}
    for her in provider.women:
        if not her.not_engaged:
            by_hub.setdefault(her.hub, []).append(her)
    session_id = next_id(provider.conn, GroupSession)
    sessions: list[Row] = []
    registers: list[Row] = []
    numbers: dict[int, int] = {}
    for hub_index, hub in enumerate(provider.hub_ids):
        day = provider.start + timedelta(days=(hub_index + 1 - provider.start.weekday()) % 7)
        week = 0
        while day < provider.today:
            numbers[day.year] = numbers.get(day.year, 0) + 1
            held = rng.random() > 0.05
            register: list[Row] = []
            if held:
                register = _register(provider, session_id, day, by_hub.get(hub, []))
            sessions.append(
                {
                    "id": session_id,
                    # The format new sessions get (groups._next_reference), so a session
                    # added to the demo continues its numbering.
                    "reference": f"GRP-{day.year}-{numbers[day.year]:04d}",
                    "title": GROUP_TITLES[(week // 6 + hub_index) % len(GROUP_TITLES)],
                    "date": day,
                    "hub_id": hub,
                    "facilitator_id": rng.choice(provider.hub_keyworkers[hub]),
                    "status": "held" if held else "cancelled",
                    "anonymous_attendees": rng.choice((0, 0, 0, 1, 2, 3)) if held else 0,
                    "created_at": stamp(day, 12),
                }
            )
            registers += register
            session_id += 1
            week += 1
            day += timedelta(days=7)
    provider.add(GroupSession, sessions)
    provider.add(GroupAttendance, registers)


def _register(provider: Provider, session_id: int, day: date, pool: list[Her]) -> list[Row]:
    rng = provider.rng
    wanted = rng.randint(2, 9)
    chosen: dict[int, Row] = {}
    for _ in range(wanted * 6):
        if len(chosen) >= wanted or not pool:
            break
        her = rng.choice(pool)
        if her.first_contact <= day <= her.end and her.id not in chosen:
            attendance = rng.choices(("attended", "late", "did_not_attend"), (85, 5, 10))[0]
            chosen[her.id] = {
                "session_id": session_id,
                "woman_id": her.id,
                "attendance": attendance,
            }
    return list(chosen.values())


def add_activities(provider: Provider) -> None:
    """Training for the judiciary and professionals, and peer-mentor courses."""
    rng = provider.rng
    rows: list[Row] = []
    every = {"judiciary_training": 20, "professional_training": 15, "peer_mentor_training": 91}
    cohort = 0
    for kind, gap in every.items():
        day = provider.start + timedelta(days=rng.randint(0, gap))
        while day < provider.today:
            if kind == "peer_mentor_training":
                cohort += 1
                sessions, people = rng.randint(6, 10), rng.randint(4, 10)
                description = f"Peer mentor course (cohort {cohort})"
            else:
                sessions = 1 if rng.random() < 0.8 else 2
                people = rng.randint(6, 30)
                description = rng.choice(ACTIVITY_DESCRIPTIONS[kind])
            rows.append(
                {
                    "date": day,
                    "type": kind,
                    "sessions": sessions,
                    "participants": people,
                    "hub_id": rng.choice(provider.hub_ids),
                    "description": description,
                    "created_by_id": None,
                    "created_at": stamp(day, 16),
                }
            )
            day += timedelta(days=gap + rng.randint(-4, 4))
    rows.sort(key=lambda r: r["date"])
    provider.add(Activity, rows)
