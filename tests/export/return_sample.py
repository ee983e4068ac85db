"""A small, fixed store for export tests: every table has data, and identifiers are planted.

The markers below are typed into every free-text and identifying field the store has; no
output of the return may contain any of them.
"""

from __future__ import annotations

from datetime import date, timedelta

from caseapp.services.returns_periods import Period, month_period
from caseapp.store.store import Store
from tests.fixtures.returns_builder import Rows

PERIOD: Period = month_period(2026, 10)
NAME_MARKER = "Zqxname"
NOTE_MARKER = "ZQX-NOTE-MARKER"
PHONE = "07700 900461"
POSTCODE = "SW1A 2AA"
REFERENCE_PREFIX = "MIN-2026-"
DOB = date(1937, 3, 29)
MARKERS = (
    NAME_MARKER,
    NOTE_MARKER,
    PHONE,
    PHONE.replace(" ", ""),
    POSTCODE,
    REFERENCE_PREFIX,
    "1937-03-29",
    "29/03/1937",
)

_BOROUGHS = ("E09000007", "E09000012", "E09000025", "E09000030", None)
_ETHNICITIES = ("white_british", "black_african", "asian_bangladeshi", "white_other", None)


def build(store: Store) -> None:
    """Forty women with contacts, groups, referrals, outcomes, needs and closures in October."""
    rows = Rows(store)
    day = PERIOD.start
    women = []
    for index in range(40):
        her = rows.woman(
            dob=DOB if index == 0 else date(1960 + index, 1 + index % 12, 1 + index % 27),
            borough=_BOROUGHS[index % 5] if index < 30 else "E09000007",
            ethnicity=_ETHNICITIES[index % 5] if index < 32 else "white_british",
            nationality="foreign" if index % 4 == 0 else "uk",
            pregnant="yes" if index % 13 == 0 else "no",
            children=index % 3,
            first=f"{NAME_MARKER}{index}",
            last=f"O'{NAME_MARKER}",
            phone=PHONE,
            reference=f"{REFERENCE_PREFIX}{index + 1:05d}",
            safe_contact_note=f"{NOTE_MARKER} {POSTCODE}",
        )
        women.append(her)
        when = day + timedelta(days=index % 31)
        rows.referral(her, when, ("probation", "court", "self", "police_diversion")[index % 4])
        kind = ("one_to_one", "drop_in", "phone", "one_to_one", "advocacy")[index % 5]
        rows.contact(her, when, kind, note=f"{NOTE_MARKER} met at {POSTCODE}")
        if index % 7 == 0:
            rows.contact(her, when, "one_to_one", "did_not_attend", note=NOTE_MARKER)
        rows.outcome(her, date(2026, 1, 5), "felt_safe", "baseline", 2)
        rows.outcome(her, when, "felt_safe", "review", 2 + index % 3)
        if index < 12:
            rows.outcome(her, date(2026, 1, 5), "parenting", "baseline", 3)
            rows.outcome(her, when, "parenting", "exit", 3 + index % 2)
        rows.assessment(
            her,
            when,
            {"MH": ("high", "medium", "low")[index % 3], "DA": "high" if index < 4 else "none"},
            note=NOTE_MARKER,
        )
        if index >= 34:
            rows.closure(her, when, ("goals_met", "moved_away")[index % 2], note=NOTE_MARKER)
    rows.group(
        day + timedelta(days=3),
        register={w: "attended" for w in women[:11]},
        heads=2,
        title=f"{NAME_MARKER} group",
    )
    rows.group(day + timedelta(days=10), status="cancelled", title=NOTE_MARKER)
    rows.activity(
        day + timedelta(days=5), "judiciary_training", sessions=2, participants=25, note=NOTE_MARKER
    )
    rows.activity(day + timedelta(days=6), "peer_mentor_training", participants=4)
    rows.save()
