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

import random
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import Connection, func, select

from caseapp.clock import current
from caseapp.errors import ValidationError
from caseapp.models import (
    Activity,
    Assessment,
    AssessmentItem,
    Closure,
    Consent,
    Engagement,
    Flag,
    GroupAttendance,
    GroupSession,
    Hub,
    HubBorough,
    Outcome,
    PlanGoal,
    Referral,
    User,
    Woman,
)
from caseapp.models.codes import NEED_AREAS
from caseapp.services import audit
from caseapp.services.demo_names import (
    ACTIVITY_DESCRIPTIONS,
    BCU,
    CONTACT_NOTES,
    GOALS,
    GROUP_TITLES,
    HERITAGE,
    MISSED_NOTES,
    NAME_POOLS,
    NICKNAMES,
    SAFE_CONTACT_NOTES,
)
from caseapp.services.interchange.bulk import Row, insert_rows, next_id, table_of
from caseapp.services.interchange.status import refresh_status
from caseapp.services.validation import fold
from caseapp.store.store import Store

DEMO_KEYWORKER_PASSPHRASE = "demo-passphrase"
# Keyworkers who can sign in to the demo (the others exist for allocation only; a key slot
# costs a calibrated Argon2id derivation each).
KEYWORKERS_WITH_SLOTS = ("kw.amina", "kw.beth")
KEYWORKERS = (
    ("kw.amina", "Amina Rahman"),
    ("kw.beth", "Beth Okafor"),
    ("kw.chloe", "Chloe Walsh"),
    ("kw.dee", "Deepa Sharma"),
    ("kw.esther", "Esther Mensah"),
    ("kw.funmi", "Funmi Adeyemi"),
    ("kw.grace", "Grace Campbell"),
    ("kw.hana", "Hana Nowak"),
)

# code, name, boroughs served (GSS).
HUBS = (
    (
        "HACKNEY",
        "Hackney Women's Centre",
        ("E09000012", "E09000030", "E09000019", "E09000001", "E09000025", "E09000031"),
    ),
    ("BRIXTON", "Brixton Hub", ("E09000022", "E09000028", "E09000023", "E09000032", "E09000011")),
    (
        "CROYDON",
        "Croydon Hub",
        ("E09000008", "E09000029", "E09000024", "E09000006", "E09000004", "E09000021"),
    ),
    (
        "EALING",
        "Ealing Hub",
        ("E09000009", "E09000018", "E09000017", "E09000005", "E09000015", "E09000013"),
    ),
)
OTHER_BOROUGHS = (
    "E09000003", "E09000007", "E09000010", "E09000014", "E09000016",
    "E09000020", "E09000026", "E09000027", "E09000002", "E09000033",
)  # fmt: skip


@dataclass(frozen=True)
class SizePlan:
    """How big a demo provider is."""

    women: int
    contacts: int
    extra_keyworkers: int


SIZES = {
    "small": SizePlan(women=400, contacts=9_000, extra_keyworkers=0),
    "large": SizePlan(women=20_000, contacts=1_000_000, extra_keyworkers=40),
}

WINDOW_DAYS = 730


@dataclass(frozen=True)
class DemoSummary:
    """What `populate` created: row counts by table name."""

    counts: tuple[tuple[str, int], ...]

    def count(self, table: str) -> int:
        """Rows created in one table (0 if none)."""
        return dict(self.counts).get(table, 0)


class _Weighted:
    """A fixed weighted choice, drawn many times quickly through cumulative weights."""

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def one(self, rng: random.Random) -> Any:
        return self.values[bisect_left(self.cum, rng.random() * self.total)]

    def many(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.values, cum_weights=self.cum, k=k)


AGE_BANDS = _Weighted(
    [((18, 24), 12), ((25, 34), 33), ((35, 44), 30), ((45, 54), 17), ((55, 64), 6), ((65, 72), 2)]
)
ETHNICITY = _Weighted(
    [
        ("white_british", 44), ("white_irish", 3), ("white_gypsy_traveller", 1),
        ("white_roma", 0.5), ("white_other", 8), ("mixed_white_black_caribbean", 3),
        ("mixed_white_black_african", 1), ("mixed_white_asian", 1), ("mixed_other", 1),
        ("asian_indian", 2), ("asian_pakistani", 2), ("asian_bangladeshi", 4),
        ("asian_chinese", 0.5), ("asian_other", 1), ("black_caribbean", 9), ("black_african", 8),
        ("black_other", 2), ("other_arab", 1.5), ("other_any", 2), ("prefer_not_to_say", 4),
    ]
)  # fmt: skip
SOURCES = _Weighted(
    [
        ("probation", 34), ("court", 6), ("liaison_diversion", 8), ("police_diversion", 12),
        ("police_oocd", 5), ("prison", 7), ("self", 12), ("voluntary_org", 5),
        ("social_care", 4), ("health", 3), ("housing", 2), ("dwp", 1), ("other", 1),
    ]
)  # fmt: skip
CJ_BY_SOURCE = {
    "probation": _Weighted(
        [
            ("community_order", 45),
            ("suspended_sentence", 20),
            ("licence", 20),
            ("post_sentence_supervision", 15),
        ]
    ),
    "court": _Weighted([("pre_sentence", 60), ("community_order", 25), ("suspended_sentence", 15)]),
    "liaison_diversion": _Weighted([("diversion", 50), ("pre_sentence", 30), ("none", 20)]),
    "police_diversion": _Weighted([("diversion", 1)]),
    "police_oocd": _Weighted([("out_of_court_disposal", 1)]),
    "prison": _Weighted([("licence", 60), ("remand", 15), ("post_sentence_supervision", 25)]),
    "self": _Weighted([("none", 50), ("community_order", 15), ("unknown", 35)]),
}
CJ_OTHER = _Weighted([("none", 55), ("unknown", 35), ("community_order", 10)])
ENGAGEMENT_TYPES = _Weighted(
    [
        ("one_to_one", 45), ("phone", 22), ("drop_in", 10), ("advocacy", 6),
        ("court_support", 3), ("outreach", 5), ("video", 4), ("peer_mentoring", 5),
    ]
)  # fmt: skip
ATTENDANCE = _Weighted(
    [
        ("attended", 74),
        ("late", 6),
        ("did_not_attend", 12),
        ("cancelled_by_woman", 5),
        ("cancelled_by_service", 3),
    ]
)
MISSED_ATTENDANCE = _Weighted(
    [("did_not_attend", 70), ("cancelled_by_woman", 20), ("attended", 10)]
)
DURATIONS = {
    "one_to_one": (30, 45, 60, 60, 60, 75, 90),
    "phone": (5, 10, 15, 15, 20, 30),
    "drop_in": (60, 90, 120, 180),
    "advocacy": (60, 120, 180, 240),
    "court_support": (120, 180, 240, 300),
    "outreach": (45, 60, 90),
    "video": (30, 45, 60),
    "peer_mentoring": (45, 60, 90),
}
CLOSURE_REASONS = _Weighted(
    [
        ("goals_met", 45), ("chose_to_end", 10), ("moved_away", 8), ("transferred", 7),
        ("needs_met_elsewhere", 8), ("returned_to_custody", 6), ("ineligible", 2),
        ("duplicate", 1), ("died", 0.5), ("other", 3),
    ]
)  # fmt: skip
# Reasons after which she has an exit assessment and exit outcome answers.
PLANNED_EXITS = frozenset(
    {"goals_met", "chose_to_end", "moved_away", "transferred", "needs_met_elsewhere"}
)
NEED_CHANCE = {
    "MH": 0.7, "DA": 0.6, "FIN": 0.55, "ACC": 0.45, "ATB": 0.45,
    "PH": 0.4, "ETE": 0.4, "SM": 0.35, "PAR": 0.6, "SW": 0.06,
}  # fmt: skip
# Chance that her latest answer beats her baseline (the reference year's percentages).
IMPROVES = {"felt_safe": 0.94, "health_wellbeing": 0.92, "financial_management": 0.82}
IMPROVES_PARENTING = 0.79
CHILDREN = _Weighted([(0, 40), (1, 22), (2, 20), (3, 10), (4, 5), (5, 3)])
DISABILITY = _Weighted([("yes", 35), ("no", 55), ("prefer_not_to_say", 10)])
GENDER_SAME = _Weighted([("yes", 88), ("no", 2), ("prefer_not_to_say", 4), (None, 6)])
ORIENTATION = _Weighted(
    [
        ("heterosexual", 78),
        ("gay_lesbian", 5),
        ("bisexual", 7),
        ("other", 1),
        ("prefer_not_to_say", 6),
        (None, 3),
    ]
)
RELIGION = _Weighted(
    [
        ("none", 38), ("christian", 36), ("muslim", 6), ("hindu", 1), ("sikh", 1),
        ("jewish", 1), ("buddhist", 1), ("other", 2), ("prefer_not_to_say", 9), (None, 5),
    ]
)  # fmt: skip
RELIGION_MUSLIM = _Weighted([("muslim", 80), ("none", 8), ("prefer_not_to_say", 12)])
RELIGION_INDIAN = _Weighted([("hindu", 45), ("sikh", 30), ("christian", 10), ("none", 15)])
FOREIGN_CHANCE = {
    "east_european": 0.6,
    "south_east_asian": 0.4,
    "west_african": 0.25,
    "somali": 0.2,
    "mediterranean_latin": 0.35,
    "arab": 0.3,
}


@dataclass
class _Her:
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


def _stamp(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


class _Provider:
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
        self.women: list[_Her] = []
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
        created = _stamp(self.start - timedelta(days=30), 9)
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
            her = _Her(
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

    def _woman(self, her: _Her, rows: dict[Any, list[Row]]) -> None:
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
        made = _stamp(her.referral)
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
                "updated_at": _stamp(her.closed_on) if her.closed_on else made,
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

    def _flags(self, her: _Her, safe_note: bool, rows: dict[Any, list[Row]]) -> None:
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

    def _contacts(self, her: _Her, rows: dict[Any, list[Row]]) -> None:
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

    def _assessments(self, her: _Her, rows: dict[Any, list[Row]]) -> None:
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
                    "created_at": _stamp(day, 14),
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

    def _goals(self, her: _Her, baseline: date, rows: dict[Any, list[Row]]) -> None:
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
            changed = _stamp(min(target, her.end, self.today), 15)
            rows.setdefault(PlanGoal, []).append(
                {
                    "woman_id": her.id,
                    "need_area": area,
                    "description": rng.choice(GOALS[area]),
                    "target_date": target,
                    "status": status,
                    "created_by_id": her.keyworker,
                    "created_at": _stamp(baseline, 15),
                    "updated_at": changed if status != "open" else _stamp(baseline, 15),
                }
            )

    def _outcomes(
        self, her: _Her, dates: list[tuple[date, str]], rows: dict[Any, list[Row]]
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
                        "recorded_at": _stamp(day, 16),
                    }
                )

    # -- groups and outputs -------------------------------------------------------------

    def groups(self) -> None:
        """One weekly group per hub with a register, and now and then a cancelled week."""
        rng = self.rng
        by_hub: dict[int, list[_Her]] = {}
        for her in self.women:
            if not her.not_engaged:
                by_hub.setdefault(her.hub, []).append(her)
        session_id = next_id(self.conn, GroupSession)
        sessions: list[Row] = []
        registers: list[Row] = []
        numbers: dict[int, int] = {}
        for hub_index, hub in enumerate(self.hub_ids):
            day = self.start + timedelta(days=(hub_index + 1 - self.start.weekday()) % 7)
            week = 0
            while day < self.today:
                numbers[day.year] = numbers.get(day.year, 0) + 1
                held = rng.random() > 0.05
                register: list[Row] = []
                if held:
                    register = self._register(session_id, day, by_hub.get(hub, []))
                sessions.append(
                    {
                        "id": session_id,
                        "reference": f"GS-{day.year}-{numbers[day.year]:04d}",
                        "title": GROUP_TITLES[(week // 6 + hub_index) % len(GROUP_TITLES)],
                        "date": day,
                        "hub_id": hub,
                        "facilitator_id": rng.choice(self.hub_keyworkers[hub]),
                        "status": "held" if held else "cancelled",
                        "anonymous_attendees": rng.choice((0, 0, 0, 1, 2, 3)) if held else 0,
                        "created_at": _stamp(day, 12),
                    }
                )
                registers += register
                session_id += 1
                week += 1
                day += timedelta(days=7)
        self.add(GroupSession, sessions)
        self.add(GroupAttendance, registers)

    def _register(self, session_id: int, day: date, pool: list[_Her]) -> list[Row]:
        rng = self.rng
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

    def activities(self) -> None:
        """Training for the judiciary and professionals, and peer-mentor courses."""
        rng = self.rng
        rows: list[Row] = []
        every = {"judiciary_training": 20, "professional_training": 15, "peer_mentor_training": 91}
        cohort = 0
        for kind, gap in every.items():
            day = self.start + timedelta(days=rng.randint(0, gap))
            while day < self.today:
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
                        "hub_id": rng.choice(self.hub_ids),
                        "description": description,
                        "created_by_id": None,
                        "created_at": _stamp(day, 16),
                    }
                )
                day += timedelta(days=gap + rng.randint(-4, 4))
        rows.sort(key=lambda r: r["date"])
        self.add(Activity, rows)


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
        provider = _Provider(conn, seed, SIZES[size], day)
        say("hubs and staff")
        slots = provider.hubs_and_staff()
        say("women")
        provider.plan_women()
        provider.write_women()
        say("groups and activities")
        provider.groups()
        provider.activities()
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
