"""What the synthetic provider looks like: hubs, staff, sizes and the proportions it draws from.

Proportions follow the commissioning document's reference year (most women improve on the
outcome questions; about a tenth never engage).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

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


class Weighted:
    """A fixed weighted choice, drawn many times quickly through cumulative weights."""

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def one(self, rng: random.Random) -> Any:
        return self.values[bisect_left(self.cum, rng.random() * self.total)]

    def many(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.values, cum_weights=self.cum, k=k)


AGE_BANDS = Weighted(
    [((18, 24), 12), ((25, 34), 33), ((35, 44), 30), ((45, 54), 17), ((55, 64), 6), ((65, 72), 2)]
)
ETHNICITY = Weighted(
    [
        ("white_british", 44), ("white_irish", 3), ("white_gypsy_traveller", 1),
        ("white_roma", 0.5), ("white_other", 8), ("mixed_white_black_caribbean", 3),
        ("mixed_white_black_african", 1), ("mixed_white_asian", 1), ("mixed_other", 1),
        ("asian_indian", 2), ("asian_pakistani", 2), ("asian_bangladeshi", 4),
        ("asian_chinese", 0.5), ("asian_other", 1), ("black_caribbean", 9), ("black_african", 8),
        ("black_other", 2), ("other_arab", 1.5), ("other_any", 2), ("prefer_not_to_say", 4),
    ]
)  # fmt: skip
SOURCES = Weighted(
    [
        ("probation", 34), ("court", 6), ("liaison_diversion", 8), ("police_diversion", 12),
        ("police_oocd", 5), ("prison", 7), ("self", 12), ("voluntary_org", 5),
        ("social_care", 4), ("health", 3), ("housing", 2), ("dwp", 1), ("other", 1),
    ]
)  # fmt: skip
CJ_BY_SOURCE = {
    "probation": Weighted(
        [
            ("community_order", 45),
            ("suspended_sentence", 20),
            ("licence", 20),
            ("post_sentence_supervision", 15),
        ]
    ),
    "court": Weighted([("pre_sentence", 60), ("community_order", 25), ("suspended_sentence", 15)]),
    "liaison_diversion": Weighted([("diversion", 50), ("pre_sentence", 30), ("none", 20)]),
    "police_diversion": Weighted([("diversion", 1)]),
    "police_oocd": Weighted([("out_of_court_disposal", 1)]),
    "prison": Weighted([("licence", 60), ("remand", 15), ("post_sentence_supervision", 25)]),
    "self": Weighted([("none", 50), ("community_order", 15), ("unknown", 35)]),
}
CJ_OTHER = Weighted([("none", 55), ("unknown", 35), ("community_order", 10)])
ENGAGEMENT_TYPES = Weighted(
    [
        ("one_to_one", 45), ("phone", 22), ("drop_in", 10), ("advocacy", 6),
        ("court_support", 3), ("outreach", 5), ("video", 4), ("peer_mentoring", 5),
    ]
)  # fmt: skip
ATTENDANCE = Weighted(
    [
        ("attended", 74),
        ("late", 6),
        ("did_not_attend", 12),
        ("cancelled_by_woman", 5),
        ("cancelled_by_service", 3),
    ]
)
MISSED_ATTENDANCE = Weighted([("did_not_attend", 70), ("cancelled_by_woman", 20), ("attended", 10)])
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
CLOSURE_REASONS = Weighted(
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
CHILDREN = Weighted([(0, 40), (1, 22), (2, 20), (3, 10), (4, 5), (5, 3)])
DISABILITY = Weighted([("yes", 35), ("no", 55), ("prefer_not_to_say", 10)])
GENDER_SAME = Weighted([("yes", 88), ("no", 2), ("prefer_not_to_say", 4), (None, 6)])
ORIENTATION = Weighted(
    [
        ("heterosexual", 78),
        ("gay_lesbian", 5),
        ("bisexual", 7),
        ("other", 1),
        ("prefer_not_to_say", 6),
        (None, 3),
    ]
)
RELIGION = Weighted(
    [
        ("none", 38), ("christian", 36), ("muslim", 6), ("hindu", 1), ("sikh", 1),
        ("jewish", 1), ("buddhist", 1), ("other", 2), ("prefer_not_to_say", 9), (None, 5),
    ]
)  # fmt: skip
RELIGION_MUSLIM = Weighted([("muslim", 80), ("none", 8), ("prefer_not_to_say", 12)])
RELIGION_INDIAN = Weighted([("hindu", 45), ("sikh", 30), ("christian", 10), ("none", 15)])
FOREIGN_CHANCE = {
    "east_european": 0.6,
    "south_east_asian": 0.4,
    "west_african": 0.25,
    "somali": 0.2,
    "mediterranean_latin": 0.35,
    "arab": 0.3,
}
