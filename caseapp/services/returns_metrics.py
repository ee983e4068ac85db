"""The return's metrics in one registry: code, label, the definition's words, and its query.

Read it beside the metrics table of docs/domain.md: one entry per row, in the same order, with
the definition in the same words. `query` is the statement in `returns_sql` that counts it
(some statements count several metrics in one pass, and `column` says which of their results
is this one); `counts_women` says whether the small-number rule applies (docs/domain.md,
anonymisation rule 2) or the figure counts sessions, attendances or trainings and stays exact.
Every output names metrics by `code`, and every screen and file takes the label from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import TextClause

from caseapp.models.codes import OUTCOME_QUESTIONS
from caseapp.services import returns_sql as q


@dataclass(frozen=True)
class Metric:
    """One figure of the return."""

    code: str
    label: str
    definition: str
    query: TextClause
    column: str
    counts_women: bool


HEADLINE: tuple[Metric, ...] = (
    Metric(
        "new_referrals",
        "New referrals (women referred in the period)",
        "women whose referral date is in the period",
        q.NEW_REFERRALS,
        "count(DISTINCT woman_id)",
        counts_women=True,
    ),
    Metric(
        "women_supported",
        "Women supported (at least one attended contact)",
        "distinct women with at least one attended contact of any kind in the period (an "
        "engagement with attendance attended or late, or attended/late on the register of a "
        "held group session; a cancelled session counts for nothing)",
        q.PEOPLE,
        "women_supported",
        counts_women=True,
    ),
    Metric(
        "women_engaged_one_to_one",
        "Women engaged in 1-2-1 support",
        "distinct women with at least one attended one_to_one engagement in the period",
        q.PEOPLE,
        "women_engaged_one_to_one",
        counts_women=True,
    ),
    Metric(
        "women_accessed_centre",
        "Women accessing women's-centre provision",
        "distinct women with at least one attended contact in the period at a women's centre "
        "or hub: an engagement of type one_to_one, drop_in or peer_mentoring delivered in "
        "person (in person is the default when delivery is not recorded), or an attended "
        "entry on the register of a held group session",
        q.PEOPLE,
        "women_accessed_centre",
        counts_women=True,
    ),
    Metric(
        "one_to_one_sessions",
        "1-2-1 sessions attended",
        "attended one_to_one engagements in the period",
        q.ONE_TO_ONE_SESSIONS,
        "count(*)",
        counts_women=False,
    ),
    Metric(
        "group_sessions_delivered",
        "Group sessions delivered",
        "group sessions in the period that were held (not cancelled) and had at least one "
        "attendee or head count",
        q.GROUPS,
        "count(*)",
        counts_women=False,
    ),
    Metric(
        "group_attendances",
        "Group attendances (register and head count)",
        "attended register entries plus anonymous head counts on those sessions",
        q.GROUPS,
        "sum(registered + heads)",
        counts_women=False,
    ),
    Metric(
        "judiciary_training_sessions",
        "Training sessions for the judiciary",
        "sum of sessions on activities of type judiciary_training in the period",
        q.ACTIVITIES,
        "judiciary_training sessions",
        counts_women=False,
    ),
    Metric(
        "peer_mentors_trained",
        "Peer mentors trained",
        "sum of people trained on activities of type peer_mentor_training in the period",
        q.ACTIVITIES,
        "peer_mentor_training participants",
        counts_women=False,
    ),
    Metric(
        "cases_closed",
        "Cases closed",
        "women whose closure date is in the period, with a breakdown by closure reason",
        q.CLOSURES,
        "count(*) by reason, summed",
        counts_women=True,
    ),
)

# The base of the needs profile: published as the first row of the needs_profile table.
WOMEN_ASSESSED = Metric(
    "women_assessed",
    "Women assessed in the period",
    "the women with at least one needs assessment dated in the period (the base of the needs "
    "profile)",
    q.NEEDS,
    "count(*) FROM latest",
    counts_women=True,
)

OUTCOME_DEFINITION = (
    "a woman's baseline is her earliest baseline answer to the question (whenever it was "
    "given); the denominator is the women who have a baseline and at least one review or exit "
    "answer dated after it and inside the period; the numerator is those whose latest such "
    "answer in the period scores higher than the baseline. Answers dated the same day are "
    "ordered by kind (baseline, then review, then exit), then by the time they were recorded. "
    "Reported as numerator, denominator and a whole-number percentage (half rounds up; null "
    "when the denominator is 0)"
)

OUTCOMES: tuple[Metric, ...] = tuple(
    Metric(
        f"outcome_{question}",
        label,
        OUTCOME_DEFINITION,
        q.OUTCOMES,
        question,
        counts_women=True,
    )
    for question, label in OUTCOME_QUESTIONS.items()
)

# In the order of the docs' table.
ALL: tuple[Metric, ...] = (*HEADLINE, WOMEN_ASSESSED, *OUTCOMES)
METRICS = MappingProxyType({metric.code: metric for metric in ALL})
HEADLINE_CODES = tuple(metric.code for metric in HEADLINE)
WOMEN_COUNTS = tuple(metric.code for metric in HEADLINE if metric.counts_women)


def label(code: str) -> str:
    """The label of a metric."""
    return METRICS[code].label
