"""The synthetic provider's generator: hubs, staff, and each woman with everything on her record.

Rows go in chunks through the same Core bulk path as the import (`interchange.bulk`); weekly
groups and training are added by `demo.groups`; `demo.data.populate` runs the whole.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from caseapp.models import (
    Assessment,
    AssessmentItem,
    Closure,
    Consent,
    Engagement,
    Flag,
    Hub,
    HubBorough,
    Outcome,
    PlanGoal,
    Referral,
    User,
    Woman,
)
from caseapp.models.codes import NEED_AREAS
from caseapp.services.demo.names import (
    BCU,
    CONTACT_NOTES,
    GOALS,
    HERITAGE,
    MISSED_NOTES,
    NAME_POOLS,
    NICKNAMES,
    SAFE_CONTACT_NOTES,
)
from caseapp.services.demo.shape import (
    AGE_BANDS,
    ATTENDANCE,
    CHILDREN,
    CJ_BY_SOURCE,
    CJ_OTHER,
    CLOSURE_REASONS,
    DISABILITY,
    DURATIONS,
    ENGAGEMENT_TYPES,
    ETHNICITY,
    FOREIGN_CHANCE,
    GENDER_SAME,
    HUBS,
    IMPROVES,
    IMPROVES_PARENTING,
    KEYWORKERS,
    KEYWORKERS_WITH_SLOTS,
    MISSED_ATTENDANCE,
    NEED_CHANCE,
    ORIENTATION,
    OTHER_BOROUGHS,
    PLANNED_EXITS,
    RELIGION,
    RELIGION_INDIAN,
    RELIGION_MUSLIM,
    SOURCES,
    WINDOW_DAYS,
    SizePlan,
)
from caseapp.services.interchange.bulk import Row, insert_rows, next_id, table_of
from caseapp.services.validation import fold


@dataclass
class Her:
    """One synthetic woman while she is being generated."""

    id: int
    reference: str
    hub: int
    keyworker: int
    borough: str
    referral: date
    first_contact: date
    end: date
    closed_on: date | None
    closure_reason: str | None
    not_engaged: bool
    heritage: str
    ethnicity: str
    children: int
    pregnant: str | None
    foreign: bool
    needs: dict[str, str]
    contacts: int = 0
    weight: float = 0.0
    flags: list[str] = field(default_factory=list)


def stamp(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


class Provider:
    """Generates one provider's rows and writes them in chunks through the bulk path."""

    def __init__(self, conn: Connection, seed: int, plan: SizePlan, today: date) -> None:
        self.conn = conn
        self.rng = random.Random(seed)
        self.plan = plan
        self.today = today
        self.start = today - timedelta(days=WINDOW_DAYS)
        self.counts: dict[str, int] = {}
        self.hub_ids: list[int] = []
        self.hub_keyworkers: dict[int, list[int]] = {}
        self.women: list[Her] = []
        self.next_assessment = next_id(conn, Assessment)

    def add(self, model: Any, rows: list[Row]) -> None:
        if rows:
            name = table_of(model).name
            self.counts[name] = self.counts.get(name, 0) + insert_rows(self.conn, model, rows)

    # -- staff and places ---------------------------------------------------------------

    def hubs_and_staff(self) -> list[tuple[int, str]]:
        """Insert hubs and keyworkers; return (user id, username) of those who get slots."""
        hub_id = next_id(self.conn, Hub)
        hubs, links = [], []
        for offset, (code, name, boroughs) in enumerate(HUBS):
            self.hub_ids.append(hub_id + offset)
            hubs.append({"id": hub_id + offset, "code": code, "name": name, "active": True})
            links += [{"hub_id": hub_id + offset, "gss_code": g} for g in boroughs]
        self.add(Hub, hubs)
        self.add(HubBorough, links)
        staff = list(KEYWORKERS)
        firsts = NAME_POOLS["british"][0] + NAME_POOLS["west_african"][0]
        lasts = NAME_POOLS["british"][1] + NAME_POOLS["caribbean"][1]
        for n in range(self.plan.extra_keyworkers):
            first, last = firsts[n % len(firsts)], lasts[(n * 7) % len(lasts)]
            staff.append((f"kw.{fold(first)}{n + 1}", f"{first} {last}"))
        user_id = next_id(self.conn, User)
        created = stamp(self.start - timedelta(days=30), 9)
        rows, slots = [], []
        for offset, (username, display) in enumerate(staff):
            uid = user_id + offset
            rows.append(
                {
                    "id": uid,
                    "username": username,
                    "display_name": display,
                    "role": "keyworker",
                    "active": True,
                    "created_at": created,
                }
            )
            hub = self.hub_ids[offset % len(self.hub_ids)]
            self.hub_keyworkers.setdefault(hub, []).append(uid)
            if username in KEYWORKERS_WITH_SLOTS:
                slots.append((uid, username))
        self.add(User, rows)
        return slots

    # -- women ----------------------------------------------------------------------------

    def plan_women(self) -> None:
        """Decide who each woman is and how her time with the service went."""
        rng = self.rng
        first_id = next_id(self.conn, Woman)
        numbers: dict[int, int] = {}
        referrals = sorted(
            self.start + timedelta(days=rng.randrange(WINDOW_DAYS)) for _ in range(self.plan.women)
        )
        for offset, referral in enumerate(referrals):
            numbers[referral.year] = numbers.get(referral.year, 0) + 1
            hub = rng.choice(self.hub_ids)
            ethnicity = ETHNICITY.one(rng)
            heritage = rng.choice(HERITAGE[ethnicity]) if rng.random() < 0.85 else "british"
            children = CHILDREN.one(rng)
            needs = self._needs(children)
            not_engaged = rng.random() < 0.11
            first_contact = referral + timedelta(days=rng.randint(1, 14))
            length = rng.randint(42, 90) if not_engaged else int(rng.triangular(60, 540, 210))
            closed_on: date | None = referral + timedelta(days=length)
            assert closed_on is not None
            reason: str | None = "not_engaged" if not_engaged else CLOSURE_REASONS.one(rng)
            if closed_on >= self.today:
                closed_on, reason = None, None
            end = closed_on or self.today
            her = Her(
                id=first_id + offset,
                reference=f"MIN-{referral.year}-{numbers[referral.year]:05d}",
                hub=hub,
                keyworker=rng.choice(self.hub_keyworkers[hub]),
                borough=self._borough(hub),
                referral=referral,
                first_contact=first_contact,
                end=end,
                closed_on=closed_on,
                closure_reason=reason,
                not_engaged=not_engaged,
                heritage=heritage,
                ethnicity=ethnicity,
                children=children,
                pregnant=None if rng.random() < 0.06 else ("yes" if rng.random() < 0.04 else "no"),
                foreign=rng.random() < FOREIGN_CHANCE.get(heritage, 0.03),
                needs=needs,
            )
            span = (end - first_contact).days
            her.weight = 0.0 if span < 0 else (span + 1) * rng.uniform(0.4, 1.6)
            if not_engaged:
                her.weight *= 0.15
            self.women.append(her)
        self._allot_contacts()

    def _borough(self, hub: int) -> str:
        if self.rng.random() < 0.88:
            return self.rng.choice(HUBS[self.hub_ids.index(hub)][2])
        return self.rng.choice(OTHER_BOROUGHS)

    def _needs(self, children: int) -> dict[str, str]:
        rng = self.rng
        needs: dict[str, str] = {}
        for area, chance in NEED_CHANCE.items():
            if area == "PAR" and not children:
                continue
            if rng.random() < chance:
                needs[area] = rng.choice(("low", "medium", "medium", "high", "high"))
        while len(needs) < 2:
            needs[rng.choice(("MH", "FIN", "ACC"))] = "medium"
        return needs

    def _allot_contacts(self) -> None:
        """Share the planned number of contacts out by time in service and engagement."""
        total = sum(h.weight for h in self.women)
        if total <= 0:
            return
        target = self.plan.contacts
        for her in self.women:
            her.contacts = int(target * her.weight / total)
        short = target - sum(h.contacts for h in self.women)
        eligible = [h for h in self.women if h.weight > 0]
        for her in self.rng.choices(eligible, weights=[h.weight for h in eligible], k=short):
            her.contacts += 1

    def write_women(self, chunk: int = 500) -> None:
        """Generate and insert each block of women with everything that hangs off them."""
        for begin in range(0, len(self.women), chunk):
            rows: dict[Any, list[Row]] = {}
            for her in self.women[begin : begin + chunk]:
                self._woman(her, rows)
            for model in (
                Woman,
                Referral,
                Consent,
                Closure,
                Flag,
                Engagement,
                Assessment,
                AssessmentItem,
                PlanGoal,
                Outcome,
            ):
                self.add(model, rows.get(model, []))

    def _woman(self, her: Her, rows: dict[Any, list[Row]]) -> None:
        rng = self.rng
        pool_first, pool_last = NAME_POOLS[her.heritage]
        first = rng.choice(pool_first)
        last = rng.choice(pool_last)
        preferred = NICKNAMES.get(first, "") if rng.random() < 0.7 else ""
        low, high = AGE_BANDS.one(rng)
        born = her.referral - timedelta(days=rng.randint(low * 365 + 1, high * 365 + 360))
        safe_note = rng.choice(SAFE_CONTACT_NOTES) if rng.random() < 0.25 else ""
        religion_pick = (
            RELIGION_MUSLIM
            if her.heritage in ("south_asian_muslim", "somali", "arab")
            else RELIGION_INDIAN
            if her.heritage == "indian"
            else RELIGION
        )
        made = stamp(her.referral)
        rows.setdefault(Woman, []).append(
            {
                "id": her.id,
                "reference": her.reference,
                "first_name": first,
                "last_name": last,
                "preferred_name": preferred,
                "first_norm": fold(first),
                "last_norm": fold(last),
                "preferred_norm": fold(preferred),
                "date_of_birth": born,
                "phone": f"07700 900{rng.randrange(1000):03d}" if rng.random() < 0.8 else "",
                "safe_contact_note": safe_note,
                "borough_code": her.borough,
                "hub_id": her.hub,
                "keyworker_id": her.keyworker,
                "status": "referred",  # set from her contacts by refresh_status
                "ethnicity": her.ethnicity,
                "disability": DISABILITY.one(rng),
                "gender_identity_same": GENDER_SAME.one(rng),
                "sexual_orientation": ORIENTATION.one(rng),
                "religion": religion_pick.one(rng),
                "nationality": "foreign" if her.foreign else "uk",
                "pregnant": her.pregnant,
                "dependent_children": her.children,
                "closed_on": her.closed_on,
                "closure_reason": her.closure_reason,
                "is_synthetic": True,
                "created_at": made,
                "updated_at": stamp(her.closed_on) if her.closed_on else made,
            }
        )
        source = SOURCES.one(rng)
        rows.setdefault(Referral, []).append(
            {
                "woman_id": her.id,
                "referral_date": her.referral,
                "source": source,
                "cj_status": CJ_BY_SOURCE.get(source, CJ_OTHER).one(rng),
                "referrer_org": "London Probation Service" if source == "probation" else "",
                "police_bcu": BCU.get(her.borough, "") if source.startswith("police") else "",
                "allocated_to_id": her.keyworker,
                "created_at": made,
            }
        )
        if her.first_contact <= her.end and rng.random() < 0.93:
            withdrawn = her.end if her.closed_on and rng.random() < 0.015 else None
            rows.setdefault(Consent, []).append(
                {
                    "woman_id": her.id,
                    "given_on": her.first_contact,
                    "scope_service": True,
                    "scope_data_processing": True,
                    "scope_sharing": rng.random() < 0.45,
                    "sharing_agencies": "Probation; GP",
                    "privacy_notice_version": "2024.1" if her.referral.year < 2025 else "2025.1",
                    "taken_by_id": her.keyworker,
                    "withdrawn_on": withdrawn,
                    "withdrawn_reason": "She asked us to stop" if withdrawn else "",
                }
            )
        if her.closed_on is not None:
            rows.setdefault(Closure, []).append(
                {
                    "woman_id": her.id,
                    "closed_on": her.closed_on,
                    "reason": her.closure_reason,
                    "note": "",
                    "closed_by_id": her.keyworker,
                    "reopened_on": None,
                    "reopened_by_id": None,
                }
            )
        self._flags(her, bool(safe_note), rows)
        self._contacts(her, rows)
        self._assessments(her, rows)

    def _flags(self, her: Her, safe_note: bool, rows: dict[Any, list[Row]]) -> None:
        rng = self.rng
        wanted: list[tuple[str, str]] = []
        if "DA" in her.needs and rng.random() < 0.2:
            wanted.append(("marac", "Heard at MARAC; high risk from ex-partner."))
        if her.children and rng.random() < 0.12:
            wanted.append(("child_safeguarding", "Children on a child protection plan."))
        if "MH" in her.needs and rng.random() < 0.15:
            wanted.append(("self_harm", "History of self-harm; check in at each contact."))
        if rng.random() < 0.02:
            wanted.append(("risk_to_staff", "Meet at the centre only, two staff present."))
        if safe_note:
            wanted.append(("safe_contact_only", "Follow the safe contact instruction."))
        if her.pregnant == "yes":
            wanted.append(("pregnancy", "Due in the spring."))
        if her.foreign and rng.random() < 0.3:
            wanted.append(("interpreter_needed", "Interpreter for appointments."))
        if her.foreign and rng.random() < 0.15:
            wanted.append(("no_recourse_public_funds", "NRPF: check before housing referrals."))
        for kind, reason in wanted:
            raised = her.referral + timedelta(days=rng.randint(0, 20))
            raised = min(raised, self.today)
            cleared = raised + timedelta(days=rng.randint(60, 200))
            clears = kind in ("marac", "self_harm", "pregnancy") and rng.random() < 0.35
            cleared_on = cleared if clears and cleared <= her.end else None
            rows.setdefault(Flag, []).append(
                {
                    "woman_id": her.id,
                    "type": kind,
                    "reason": reason,
                    "raised_on": raised,
                    "raised_by_id": her.keyworker,
                    "cleared_on": cleared_on,
                    "cleared_by_id": her.keyworker if cleared_on else None,
                    "clear_reason": "Risk reviewed and reduced." if cleared_on else "",
                }
            )

    def _contacts(self, her: Her, rows: dict[Any, list[Row]]) -> None:
        if her.contacts <= 0:
            return
        rng = self.rng
        span = (her.end - her.first_contact).days
        days = sorted(rng.randrange(span + 1) for _ in range(her.contacts))
        kinds = ENGAGEMENT_TYPES.many(rng, her.contacts)
        pick_attendance = MISSED_ATTENDANCE if her.not_engaged else ATTENDANCE
        attendances = pick_attendance.many(rng, her.contacts)
        areas = list(her.needs)
        out = rows.setdefault(Engagement, [])
        for offset, kind, attendance in zip(days, kinds, attendances, strict=True):
            day = her.first_contact + timedelta(days=offset)
            at = time(9 + rng.randrange(8), rng.choice((0, 15, 30, 45)))
            attended = attendance in ("attended", "late")
            if kind in ("phone", "video"):
                delivery = kind
            elif kind == "one_to_one" and rng.random() < 0.15:
                delivery = "phone" if rng.random() < 0.7 else "video"
            else:
                delivery = "in_person"
            if attended:
                chosen = rng.sample(areas, k=min(len(areas), rng.randint(1, 2)))
                need_areas = ";".join(sorted(chosen)) if rng.random() < 0.85 else ""
                note = rng.choice(CONTACT_NOTES[chosen[0]]) if rng.random() < 0.6 else ""
                duration: int | None = rng.choice(DURATIONS[kind])
            else:
                need_areas, note, duration = "", rng.choice(MISSED_NOTES), None
            out.append(
                {
                    "woman_id": her.id,
                    "date": day,
                    "time": at,
                    "type": kind,
                    "attendance": attendance,
                    "duration_minutes": duration,
                    "delivery": delivery,
                    "hub_id": her.hub,
                    "need_areas": need_areas,
                    "keyworker_id": her.keyworker,
                    "note": note,
                    "created_at": datetime.combine(day, at, tzinfo=UTC),
                }
            )

    def _assessments(self, her: Her, rows: dict[Any, list[Row]]) -> None:
        """Baseline soon after she starts, reviews every few months, exit at a planned close."""
        rng = self.rng
        if her.not_engaged or her.first_contact > her.end:
            return
        baseline = her.first_contact + timedelta(days=rng.randint(0, 14))
        if baseline > her.end:
            return
        dates = [(baseline, "baseline")]
        review = baseline + timedelta(days=rng.randint(84, 120))
        while review < her.end - timedelta(days=14):
            dates.append((review, "review"))
            review += timedelta(days=rng.randint(84, 120))
        if her.closed_on and her.closure_reason in PLANNED_EXITS and her.closed_on > baseline:
            dates.append((her.closed_on, "exit"))
        others = [a for a in NEED_AREAS if a not in her.needs]
        assessed = dict(her.needs)
        for area in rng.sample(others, k=min(2, len(others))):
            assessed[area] = rng.choice(("none", "low"))
        start_score = {"none": 9, "low": 7, "medium": 5, "high": 3}
        progress = rng.uniform(0.3, 1.0)
        for step, (day, kind) in enumerate(dates):
            assessment_id = self.next_assessment
            self.next_assessment += 1
            rows.setdefault(Assessment, []).append(
                {
                    "id": assessment_id,
                    "woman_id": her.id,
                    "date": day,
                    "kind": kind,
                    "assessor_id": her.keyworker,
                    "note": "",
                    "created_at": stamp(day, 14),
                }
            )
            for area, level in assessed.items():
                gain = int(step * progress * 1.5 + rng.random())
                score = max(1, min(10, start_score[level] + gain + rng.randint(-1, 1)))
                now_level = (
                    "none" if score >= 9 else "low" if score >= 7 else "medium"
                    if score >= 4 else "high"
                )  # fmt: skip
                rows.setdefault(AssessmentItem, []).append(
                    {
                        "assessment_id": assessment_id,
                        "need_area": area,
                        "level": now_level,
                        "score": score,
                        "note": "",
                    }
                )
        self._goals(her, baseline, rows)
        self._outcomes(her, dates, rows)

    def _goals(self, her: Her, baseline: date, rows: dict[Any, list[Row]]) -> None:
        rng = self.rng
        for area, level in her.needs.items():
            if level == "low":
                continue
            target = baseline + timedelta(days=rng.randint(90, 180))
            if her.closed_on is None and target > self.today:
                status = "open"
            elif her.closure_reason == "goals_met":
                status = rng.choice(("achieved", "achieved", "achieved", "partly_achieved"))
            else:
                status = rng.choice(("achieved", "partly_achieved", "not_achieved", "open"))
            changed = stamp(min(target, her.end, self.today), 15)
            rows.setdefault(PlanGoal, []).append(
                {
                    "woman_id": her.id,
                    "need_area": area,
                    "description": rng.choice(GOALS[area]),
                    "target_date": target,
                    "status": status,
                    "created_by_id": her.keyworker,
                    "created_at": stamp(baseline, 15),
                    "updated_at": changed if status != "open" else stamp(baseline, 15),
                }
            )

    def _outcomes(
        self, her: Her, dates: list[tuple[date, str]], rows: dict[Any, list[Row]]
    ) -> None:
        rng = self.rng
        chances = dict(IMPROVES)
        if her.children:
            chances["parenting"] = IMPROVES_PARENTING
        out = rows.setdefault(Outcome, [])
        for question, chance in chances.items():
            base = rng.choice((1, 2, 2, 3, 3))
            improves = rng.random() < chance
            final = (
                min(5, base + rng.randint(1, 2)) if improves else max(1, base - rng.randint(0, 1))
            )
            for step, (day, kind) in enumerate(dates):
                if step == 0:
                    score = base
                elif step == len(dates) - 1:
                    score = final
                else:
                    score = base + round((final - base) * step / (len(dates) - 1))
                out.append(
                    {
                        "woman_id": her.id,
                        "date": day,
                        "kind": kind,
                        "question": question,
                        "score": score,
                        "recorded_by_id": her.keyworker,
                        "recorded_at": stamp(day, 16),
                    }
                )
