"""The return's figures as SQL aggregates (definitions: shared/docs/domain.md, "The return").

Every query takes the period's first and last dates (both included) as bound parameters and
returns only aggregates, so a year over a million contacts never comes into Python row by row.
The functions take a plain SQLAlchemy `Connection`, so the benchmark can run exactly the same
statements on an unencrypted copy of the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text

from caseapp.models.codes import (
    AGE_BANDS,
    ATTENDED,
    CENTRE_ENGAGEMENT_TYPES,
    ETHNICITIES,
    OUTCOME_QUESTIONS,
)

# The headline metric codes, in the order of domain.md (outcomes are reported separately).
HEADLINE_CODES = (
    "new_referrals",
    "women_supported",
    "women_engaged_one_to_one",
    "women_accessed_centre",
    "one_to_one_sessions",
    "group_sessions_delivered",
    "group_attendances",
    "judiciary_training_sessions",
    "peer_mentors_trained",
    "cases_closed",
)

# "Ethnic minorities" is every known group except white_british; declining is not a group.
MINORITY_ETHNICITIES = tuple(
    code for code in ETHNICITIES if code not in ("white_british", "prefer_not_to_say")
)

# Ages are taken at the period's last day; a band is only given to a recorded adult age.
_AGE_BAND_SQL = (
    "CASE WHEN age IS NULL OR age < 18 THEN NULL "
    + " ".join(
        f"WHEN age <= {band.split('-')[1]} THEN '{band}'" for band in AGE_BANDS if "-" in band
    )
    + f" ELSE '{AGE_BANDS[-1]}' END"
)

_ATTENDED = tuple(sorted(ATTENDED))
_CENTRE = tuple(sorted(CENTRE_ENGAGEMENT_TYPES))


def _sql(statement: str, *expanding: str) -> TextClause:
    """A text statement whose named lists are bound as expanding parameters."""
    return text(statement).bindparams(*(bindparam(name, expanding=True) for name in expanding))


# One pass over the covering index ix_engagement_return for the three "distinct women" figures
# and the 1-2-1 count, plus the women on group registers. Delivery left blank means in person.
_PEOPLE = _sql(
    """
    WITH att AS MATERIALIZED (
        SELECT e.woman_id AS woman_id,
               max(e.type = 'one_to_one') AS one_to_one,
               max(e.type IN :centre
                   AND coalesce(nullif(e.delivery, ''), 'in_person') = 'in_person') AS centre,
               sum(e.type = 'one_to_one') AS one_to_one_n
        FROM engagement AS e
        WHERE e.date BETWEEN :start AND :end AND e.attendance IN :attended
        GROUP BY e.woman_id
    ),
    reg AS MATERIALIZED (
        SELECT ga.woman_id AS woman_id, max(gs.status = 'held') AS held
        FROM groupsession AS gs JOIN groupattendance AS ga ON ga.session_id = gs.id
        WHERE gs.date BETWEEN :start AND :end AND ga.attendance IN :attended
        GROUP BY ga.woman_id
    )
    SELECT
        (SELECT count(*) FROM (SELECT woman_id FROM att UNION SELECT woman_id FROM reg)),
        (SELECT count(*) FROM att WHERE one_to_one),
        (SELECT count(*) FROM (SELECT woman_id FROM att WHERE centre
                               UNION SELECT woman_id FROM reg WHERE held)),
        (SELECT coalesce(sum(one_to_one_n), 0) FROM att)
    """,
    "centre",
    "attended",
)

# A session is delivered when held and at least one woman attended or was counted anonymously.
_GROUPS = _sql(
    """
    WITH held AS MATERIALIZED (
        SELECT gs.anonymous_attendees AS heads,
               (SELECT count(*) FROM groupattendance AS ga
                WHERE ga.session_id = gs.id AND ga.attendance IN :attended) AS registered
        FROM groupsession AS gs
        WHERE gs.date BETWEEN :start AND :end AND gs.status = 'held'
    )
    SELECT count(*), coalesce(sum(registered + heads), 0)
    FROM held WHERE registered > 0 OR heads > 0
    """,
    "attended",
)

_ACTIVITIES = _sql(
    """
    SELECT coalesce(sum(CASE WHEN type = 'judiciary_training' THEN sessions END), 0),
           coalesce(sum(CASE WHEN type = 'peer_mentor_training' THEN participants END), 0)
    FROM activity WHERE date BETWEEN :start AND :end
    """
)

_NEW_REFERRALS = _sql(
    "SELECT count(DISTINCT woman_id) FROM referral WHERE referral_date BETWEEN :start AND :end"
)

# A woman closed twice in one period is one case closed, under the reason of the later closure.
_CLOSURES = _sql(
    """
    SELECT reason, count(*) FROM (
        SELECT reason, row_number() OVER (
            PARTITION BY woman_id ORDER BY closed_on DESC, id DESC) AS rn
        FROM closure WHERE closed_on BETWEEN :start AND :end
    ) WHERE rn = 1 GROUP BY reason
    """
)

# Baseline: her earliest baseline answer to the question, whenever it was given. Counted: a
# review or exit answer dated after the baseline and inside the period; the latest one wins.
_OUTCOMES = _sql(
    """
    WITH later AS MATERIALIZED (
        SELECT question, woman_id, date, score, id FROM outcome
        WHERE kind IN ('review', 'exit') AND date BETWEEN :start AND :end
    ),
    baseline AS MATERIALIZED (
        SELECT question, woman_id, date, score FROM (
            SELECT o.question, o.woman_id, o.date, o.score, row_number() OVER (
                PARTITION BY o.question, o.woman_id ORDER BY o.date, o.id) AS rn
            FROM outcome AS o
            WHERE o.kind = 'baseline'
              AND EXISTS (SELECT 1 FROM later AS l
                          WHERE l.question = o.question AND l.woman_id = o.woman_id)
        ) WHERE rn = 1
    ),
    latest AS (
        SELECT l.question, l.woman_id, l.score, b.score AS base, row_number() OVER (
            PARTITION BY l.question, l.woman_id ORDER BY l.date DESC, l.id DESC) AS rn
        FROM later AS l JOIN baseline AS b
          ON b.question = l.question AND b.woman_id = l.woman_id AND l.date > b.date
    )
    SELECT question, count(*), coalesce(sum(score > base), 0)
    FROM latest WHERE rn = 1 GROUP BY question
    """
)

# The women counted in women_supported (same rule as _PEOPLE) and in new_referrals.
_SUPPORTED_WOMEN = """
    SELECT woman_id FROM engagement
    WHERE date BETWEEN :start AND :end AND attendance IN :attended
    UNION
    SELECT ga.woman_id FROM groupattendance AS ga JOIN groupsession AS gs ON gs.id = ga.session_id
    WHERE gs.date BETWEEN :start AND :end AND ga.attendance IN :attended
"""
# A supported woman's referral source is that of her latest referral up to the period's end.
_SUPPORTED_SOURCE = """
    (SELECT r.source FROM referral AS r WHERE r.woman_id = w.id AND r.referral_date <= :end
     ORDER BY r.referral_date DESC, r.id DESC LIMIT 1)
"""
_REFERRED_WOMEN = """
    SELECT woman_id, source FROM (
        SELECT woman_id, source, row_number() OVER (
            PARTITION BY woman_id ORDER BY referral_date DESC, id DESC) AS rn
        FROM referral WHERE referral_date BETWEEN :start AND :end
    ) WHERE rn = 1
"""
_REFERRED_SOURCE = "pop_ids.source"

_BREAKDOWN_TEMPLATE = """
    WITH pop_ids AS MATERIALIZED ({population}),
    people AS MATERIALIZED (
        SELECT w.borough_code AS borough, w.ethnicity AS ethnicity, w.nationality AS nationality,
               w.pregnant AS pregnant, w.dependent_children AS children,
               {source} AS source,
               CASE WHEN w.date_of_birth IS NULL THEN NULL ELSE
                   CAST(strftime('%Y', :end) AS INTEGER)
                   - CAST(strftime('%Y', w.date_of_birth) AS INTEGER)
                   - (strftime('%m-%d', :end) < strftime('%m-%d', w.date_of_birth))
               END AS age
        FROM woman AS w JOIN pop_ids ON pop_ids.woman_id = w.id
    )
    SELECT 'borough', borough, count(*) FROM people GROUP BY borough
    UNION ALL SELECT 'source', source, count(*) FROM people GROUP BY source
    UNION ALL SELECT 'ethnicity', ethnicity, count(*) FROM people GROUP BY ethnicity
    UNION ALL SELECT 'age_band', {age_band}, count(*) FROM people GROUP BY 2
    UNION ALL SELECT 'characteristics', 'ethnic_minorities', count(*) FROM people
        WHERE ethnicity IN :minorities
    UNION ALL SELECT 'characteristics', 'young_adults', count(*) FROM people
        WHERE age BETWEEN 18 AND 24
    UNION ALL SELECT 'characteristics', 'foreign_nationals', count(*) FROM people
        WHERE nationality = 'foreign'
    UNION ALL SELECT 'characteristics', 'pregnant', count(*) FROM people WHERE pregnant = 'yes'
    UNION ALL SELECT 'characteristics', 'with_dependent_children', count(*) FROM people
        WHERE children > 0
"""

_BREAKDOWNS = MappingProxyType(
    {
        "women_supported": _sql(
            _BREAKDOWN_TEMPLATE.format(
                population=_SUPPORTED_WOMEN, source=_SUPPORTED_SOURCE, age_band=_AGE_BAND_SQL
            ),
            "attended",
            "minorities",
        ),
        "new_referrals": _sql(
            _BREAKDOWN_TEMPLATE.format(
                population=_REFERRED_WOMEN, source=_REFERRED_SOURCE, age_band=_AGE_BAND_SQL
            ),
            "minorities",
        ),
    }
)

# Needs: each woman's latest assessment in the period, and which areas it rated medium or high.
_NEEDS = _sql(
    """
    WITH latest AS MATERIALIZED (
        SELECT id FROM (
            SELECT id, row_number() OVER (
                PARTITION BY woman_id ORDER BY date DESC, id DESC) AS rn
            FROM assessment WHERE date BETWEEN :start AND :end
        ) WHERE rn = 1
    )
    SELECT NULL, count(*) FROM latest
    UNION ALL
    SELECT ai.need_area, count(*)
    FROM latest JOIN assessmentitem AS ai ON ai.assessment_id = latest.id
    WHERE ai.level IN ('medium', 'high') GROUP BY ai.need_area
    """
)


@dataclass(frozen=True)
class OutcomeCount:
    """One outcome question: women counted (denominator) and those who improved (numerator)."""

    question: str
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Figures:
    """The exact figures for one period, before anonymisation (these never leave caseapp)."""

    start: date
    end: date
    headline: Mapping[str, int]
    outcomes: tuple[OutcomeCount, ...]
    closures_by_reason: Mapping[str | None, int]
    # population → dimension → category code (None when not recorded) → women
    breakdowns: Mapping[str, Mapping[str, Mapping[str | None, int]]]
    women_assessed: int
    needs: Mapping[str, int] = field(default_factory=dict)


def _params(start: date, end: date, **extra: Any) -> dict[str, Any]:
    # Dates are stored as ISO text, so ISO strings compare in date order.
    return {"start": start.isoformat(), "end": end.isoformat(), **extra}


def headline(conn: Connection, start: date, end: date) -> dict[str, int]:
    """The headline service totals for one period (exact; no anonymisation applies)."""
    params = _params(start, end, attended=_ATTENDED, centre=_CENTRE)
    supported, one_to_one_women, centre, one_to_one_n = conn.execute(_PEOPLE, params).one()
    delivered, attendances = conn.execute(_GROUPS, params).one()
    judiciary, mentors = conn.execute(_ACTIVITIES, params).one()
    referrals = conn.execute(_NEW_REFERRALS, params).scalar_one()
    closed = sum(count for _reason, count in conn.execute(_CLOSURES, params))
    values = {
        "new_referrals": referrals,
        "women_supported": supported,
        "women_engaged_one_to_one": one_to_one_women,
        "women_accessed_centre": centre,
        "one_to_one_sessions": one_to_one_n,
        "group_sessions_delivered": delivered,
        "group_attendances": attendances,
        "judiciary_training_sessions": judiciary,
        "peer_mentors_trained": mentors,
        "cases_closed": closed,
    }
    return {code: int(values[code] or 0) for code in HEADLINE_CODES}


def outcomes(conn: Connection, start: date, end: date) -> tuple[OutcomeCount, ...]:
    """Numerator and denominator for every outcome question (zero when nobody qualifies)."""
    found = {
        str(question): (int(numerator), int(denominator))
        for question, denominator, numerator in conn.execute(_OUTCOMES, _params(start, end))
    }
    return tuple(
        OutcomeCount(question, *found.get(question, (0, 0))) for question in OUTCOME_QUESTIONS
    )


def breakdowns(
    conn: Connection, start: date, end: date
) -> dict[str, dict[str, dict[str | None, int]]]:
    """Counts of women by borough, source, ethnicity, age band and characteristics."""
    params = _params(start, end, attended=_ATTENDED, minorities=MINORITY_ETHNICITIES)
    result: dict[str, dict[str, dict[str | None, int]]] = {}
    for population, statement in _BREAKDOWNS.items():
        tables: dict[str, dict[str | None, int]] = {}
        for dimension, code, count in conn.execute(statement, params):
            cells = tables.setdefault(str(dimension), {})
            cells[code] = cells.get(code, 0) + int(count)
        result[population] = tables
    return result


def figures(conn: Connection, start: date, end: date) -> Figures:
    """Everything the return needs for one period."""
    params = _params(start, end)
    closures = {reason: int(count) for reason, count in conn.execute(_CLOSURES, params)}
    needs: dict[str, int] = {}
    assessed = 0
    for area, count in conn.execute(_NEEDS, params):
        if area is None:
            assessed = int(count)
        else:
            needs[str(area)] = int(count)
    return Figures(
        start=start,
        end=end,
        headline=MappingProxyType(headline(conn, start, end)),
        outcomes=outcomes(conn, start, end),
        closures_by_reason=MappingProxyType(closures),
        breakdowns=MappingProxyType(breakdowns(conn, start, end)),
        women_assessed=assessed,
        needs=MappingProxyType(needs),
    )
