"""The return's figures as SQL aggregates (definitions: docs/domain.md, "Metrics").

Every query takes the period's first and last dates (both included) as bound parameters and
returns only aggregates, so a year over a million contacts never comes into Python row by row.
The functions take a plain SQLAlchemy `Connection`, so the benchmark can run exactly the same
statements on an unencrypted copy of the store.
"""

from __future__ import annotations

import functools
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
from caseapp.services.sql_dialect import age_in_years

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


# One pass over the covering index ix_engagement_return collects each woman's distinct kinds of
# attended contact (1-2-1 or not, at the centre or not), plus the women on group registers;
# the distinct-women figures are then counted over that small set. (A GROUP BY or UNION over
# the year's contacts would sort every one of them: four times slower on the large store.)
# Delivery left blank means in person. A register counts only on a held session: a cancelled
# session counts for nothing, in any figure. The kinds are 1 or 0, not booleans: PostgreSQL
# has no UNION of a boolean with an integer (SQLite's booleans are integers anyway).
_ATTENDED_KINDS = """
    SELECT DISTINCT e.woman_id AS woman_id,
           CASE WHEN e.type = 'one_to_one' THEN 1 ELSE 0 END AS one_to_one,
           CASE WHEN e.type IN :centre
                 AND coalesce(nullif(e.delivery, ''), 'in_person') = 'in_person'
                THEN 1 ELSE 0 END AS centre
    FROM engagement AS e
    WHERE e.date BETWEEN :start AND :end AND e.attendance IN :attended
    UNION ALL
    SELECT DISTINCT ga.woman_id, 0, 1
    FROM groupsession AS gs JOIN groupattendance AS ga ON ga.session_id = gs.id
    WHERE gs.date BETWEEN :start AND :end AND gs.status = 'held'
      AND ga.attendance IN :attended
"""

# The three distinct-women figures, counted over `att`.
_PEOPLE_COUNTS = """
    SELECT 'women_supported', count(DISTINCT woman_id) FROM att
    UNION ALL SELECT 'women_engaged_one_to_one', count(DISTINCT woman_id) FROM att
        WHERE one_to_one = 1
    UNION ALL SELECT 'women_accessed_centre', count(DISTINCT woman_id) FROM att WHERE centre = 1
"""

PEOPLE = _sql(
    f"WITH att AS MATERIALIZED ({_ATTENDED_KINDS}) {_PEOPLE_COUNTS}",
    "centre",
    "attended",
)

ONE_TO_ONE_SESSIONS = _sql(
    """
    SELECT count(*) FROM engagement
    WHERE date BETWEEN :start AND :end AND attendance IN :attended AND type = 'one_to_one'
    """,
    "attended",
)

# The same count as SQLite runs it. The covering index ix_engagement_return starts (date, type,
# attendance), so each day of the period is looked up for its attended 1-2-1s rather than every
# contact of the period read to count some of them (a year of the large store: 193,000 read
# instead of 538,000, 0.19 -> 0.08 s of CPU from a cold cache). Dates are stored as ISO days,
# so a day's text equals the column's; a period ending before it starts has no day.
_ONE_TO_ONE_BY_DAY = _sql(
    """
    WITH RECURSIVE day(d) AS (
        SELECT :start WHERE :start <= :end
        UNION ALL SELECT date(d, '+1 day') FROM day WHERE d < :end
    )
    SELECT count(*) FROM day JOIN engagement AS e ON e.date = day.d
    WHERE e.type = 'one_to_one' AND e.attendance IN :attended
    """,
    "attended",
)


def one_to_one_statement(dialect: str) -> TextClause:
    """How `dialect` counts one-to-one sessions: day by day on SQLite, as defined elsewhere."""
    return _ONE_TO_ONE_BY_DAY if dialect == "sqlite" else ONE_TO_ONE_SESSIONS


# A session is delivered when held and at least one woman attended or was counted anonymously.
GROUPS = _sql(
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

ACTIVITIES = _sql(
    """
    SELECT coalesce(sum(CASE WHEN type = 'judiciary_training' THEN sessions END), 0),
           coalesce(sum(CASE WHEN type = 'peer_mentor_training' THEN participants END), 0)
    FROM activity WHERE date BETWEEN :start AND :end
    """
)

NEW_REFERRALS = _sql(
    "SELECT count(DISTINCT woman_id) FROM referral WHERE referral_date BETWEEN :start AND :end"
)

# A woman closed twice in one period is one case closed, under the reason of the later closure.
CLOSURES = _sql(
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
# Answers of one day are ordered by kind (baseline, review, exit), then by when they were
# recorded (unknown first), then as inserted: never by insertion order alone, which an
# export and import would change.
# Both answers are found per woman and question through the index on (question, woman_id,
# date), for the women who answered in the period only. The latest answer is materialised:
# it is both filtered on and compared, and a plain CTE looked it up twice per woman and
# question (0.45 -> 0.3 s of CPU on the large store's year).
OUTCOMES = _sql(
    """
    WITH pair AS MATERIALIZED (
        SELECT DISTINCT question, woman_id FROM outcome
        WHERE kind IN ('review', 'exit') AND date BETWEEN :start AND :end
    ),
    baseline AS MATERIALIZED (
        SELECT pair.question, pair.woman_id, b.date, b.score
        FROM pair JOIN outcome AS b ON b.id = (
            SELECT o.id FROM outcome AS o
            WHERE o.question = pair.question AND o.woman_id = pair.woman_id
              AND o.kind = 'baseline'
            ORDER BY o.date, o.recorded_at, o.id LIMIT 1)
    ),
    latest AS MATERIALIZED (
        SELECT baseline.question, baseline.score AS base, (
            SELECT o.score FROM outcome AS o
            WHERE o.question = baseline.question AND o.woman_id = baseline.woman_id
              AND o.kind IN ('review', 'exit') AND o.date > baseline.date
              AND o.date BETWEEN :start AND :end
            ORDER BY o.date DESC, o.kind = 'exit' DESC, o.recorded_at DESC, o.id DESC
            LIMIT 1) AS score
        FROM baseline
    )
    SELECT question, count(*), coalesce(sum(CASE WHEN score > base THEN 1 ELSE 0 END), 0)
    FROM latest WHERE score IS NOT NULL GROUP BY question
    """
)

# The women counted in women_supported (the same set as PEOPLE) and in new_referrals. The
# supported women's statement also returns the distinct-women figures (as 'people' rows), so a
# full return scans the period's contacts once.
_SUPPORTED_WOMEN = "SELECT DISTINCT woman_id FROM att"
# A supported woman's referral source is that of her latest referral up to the period's end;
# one referred only after the period (contacts recorded before the referral) keeps her
# recorded source, that of her first referral, rather than counting as not recorded.
_SUPPORTED_SOURCE = """
    (SELECT r.source FROM referral AS r WHERE r.woman_id = w.id
     ORDER BY r.referral_date > :end,
              CASE WHEN r.referral_date <= :end THEN r.referral_date END DESC,
              r.referral_date,
              CASE WHEN r.referral_date <= :end THEN -r.id ELSE r.id END
     LIMIT 1)
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
    WITH {before}
    pop_ids AS MATERIALIZED ({population}),
    people AS MATERIALIZED (
        SELECT w.borough_code AS borough, w.ethnicity AS ethnicity, w.nationality AS nationality,
               w.pregnant AS pregnant, w.dependent_children AS children,
               {source} AS source,
               CASE WHEN w.date_of_birth IS NULL THEN NULL ELSE {age} END AS age
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
    {after}
"""


@functools.cache
def _breakdowns(dialect: str) -> Mapping[str, TextClause]:
    """The two breakdown statements in `dialect` (only the age's date arithmetic differs)."""
    age = age_in_years(dialect, ":end", "w.date_of_birth")
    return MappingProxyType(
        {
            "women_supported": _sql(
                _BREAKDOWN_TEMPLATE.format(
                    before=f"att AS MATERIALIZED ({_ATTENDED_KINDS}),",
                    population=_SUPPORTED_WOMEN,
                    source=_SUPPORTED_SOURCE,
                    age=age,
                    age_band=_AGE_BAND_SQL,
                    after=f"UNION ALL SELECT 'people', * FROM ({_PEOPLE_COUNTS})",
                ),
                "attended",
                "centre",
                "minorities",
            ),
            "new_referrals": _sql(
                _BREAKDOWN_TEMPLATE.format(
                    before="",
                    population=_REFERRED_WOMEN,
                    source=_REFERRED_SOURCE,
                    age=age,
                    age_band=_AGE_BAND_SQL,
                    after="",
                ),
                "minorities",
            ),
        }
    )


# Needs: each woman's latest assessment in the period, and which areas it rated medium or high;
# assessments of one day are ordered as outcome answers are (kind, then when recorded).
NEEDS = _sql(
    """
    WITH latest AS MATERIALIZED (
        SELECT id FROM (
            SELECT id, row_number() OVER (
                PARTITION BY woman_id ORDER BY date DESC,
                    CASE kind WHEN 'exit' THEN 2 WHEN 'review' THEN 1 ELSE 0 END DESC,
                    created_at DESC, id DESC) AS rn
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


def _services(
    conn: Connection, params: dict[str, Any]
) -> tuple[dict[str, int], dict[str | None, int]]:
    """Every headline figure except the distinct-women ones, and closures by reason."""
    delivered, attendances = conn.execute(GROUPS, params).one()
    judiciary, mentors = conn.execute(ACTIVITIES, params).one()
    closures = {reason: int(count) for reason, count in conn.execute(CLOSURES, params)}
    values = {
        "new_referrals": conn.execute(NEW_REFERRALS, params).scalar_one(),
        "one_to_one_sessions": conn.execute(
            one_to_one_statement(conn.dialect.name), params
        ).scalar_one(),
        "group_sessions_delivered": delivered,
        "group_attendances": attendances,
        "judiciary_training_sessions": judiciary,
        "peer_mentors_trained": mentors,
        "cases_closed": sum(closures.values()),
    }
    return {code: int(value or 0) for code, value in values.items()}, closures


def headline(conn: Connection, start: date, end: date) -> dict[str, int]:
    """The headline service totals for one period (exact; no anonymisation applies)."""
    params = _params(start, end, attended=_ATTENDED, centre=_CENTRE)
    people = {str(code): int(count) for code, count in conn.execute(PEOPLE, params)}
    services, _closures = _services(conn, params)
    return {**people, **services}


def outcomes(conn: Connection, start: date, end: date) -> tuple[OutcomeCount, ...]:
    """Numerator and denominator for every outcome question (zero when nobody qualifies)."""
    found = {
        str(question): (int(numerator), int(denominator))
        for question, denominator, numerator in conn.execute(OUTCOMES, _params(start, end))
    }
    return tuple(
        OutcomeCount(question, *found.get(question, (0, 0))) for question in OUTCOME_QUESTIONS
    )


def breakdowns(
    conn: Connection, start: date, end: date
) -> dict[str, dict[str, dict[str | None, int]]]:
    """Counts of women by borough, source, ethnicity, age band and characteristics.

    The supported women's tables also hold a `people` table: the distinct-women headline
    figures, counted from the same scan of the period's contacts.
    """
    params = _params(
        start, end, attended=_ATTENDED, centre=_CENTRE, minorities=MINORITY_ETHNICITIES
    )
    result: dict[str, dict[str, dict[str | None, int]]] = {}
    for population, statement in _breakdowns(conn.dialect.name).items():
        tables: dict[str, dict[str | None, int]] = {}
        for dimension, code, count in conn.execute(statement, params):
            cells = tables.setdefault(str(dimension), {})
            cells[code] = cells.get(code, 0) + int(count)
        result[population] = tables
    return result


def figures(conn: Connection, start: date, end: date) -> Figures:
    """Everything the return needs for one period."""
    params = _params(start, end, attended=_ATTENDED)
    found = breakdowns(conn, start, end)
    people = {str(code): count for code, count in found["women_supported"].pop("people").items()}
    services, closures = _services(conn, params)
    needs: dict[str, int] = {}
    assessed = 0
    for area, count in conn.execute(NEEDS, params):
        if area is None:
            assessed = int(count)
        else:
            needs[str(area)] = int(count)
    return Figures(
        start=start,
        end=end,
        headline=MappingProxyType({**people, **services}),
        outcomes=outcomes(conn, start, end),
        closures_by_reason=MappingProxyType(closures),
        breakdowns=MappingProxyType(found),
        women_assessed=assessed,
        needs=MappingProxyType(needs),
    )
