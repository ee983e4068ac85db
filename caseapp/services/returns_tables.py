"""Lay the return's exact figures out as labelled breakdown tables and the links between them.

Every table lists every category of its code list (zero included) plus `not_recorded`, so
the same cells appear in every period and a code that is not in the list can never carry
free text out of the store: it is counted as not recorded.
"""

from __future__ import annotations

from collections.abc import Mapping

from caseapp.export.anonymise import CellRef, Link, RawTable
from caseapp.models.codes import (
    AGE_BANDS,
    BOROUGH_NAMES,
    CLOSURE_REASONS,
    ETHNICITIES,
    NEED_AREAS,
    REFERRAL_SOURCES,
)
from caseapp.services.returns_metrics import WOMEN_ASSESSED
from caseapp.services.returns_sql import MINORITY_ETHNICITIES, Figures

NOT_RECORDED = ("not_recorded", "Not recorded")

POPULATIONS = (
    ("women_supported", "Women supported"),
    ("new_referrals", "New referrals"),
)

# dimension → (table-name suffix, title, categories)
DIMENSIONS: Mapping[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "borough": ("by_borough", "by home borough", tuple(BOROUGH_NAMES.items())),
    "source": ("by_source", "by referral source", tuple(REFERRAL_SOURCES.items())),
    "ethnicity": ("by_ethnicity", "by ethnicity group", tuple(ETHNICITIES.items())),
    "age_band": (
        "by_age_band",
        "by age band (age on the period's last day)",
        tuple((band, band) for band in AGE_BANDS),
    ),
}

CHARACTERISTICS = (
    ("ethnic_minorities", "Ethnic minorities (every known group except White British)"),
    ("young_adults", "Young adults (18-24)"),
    ("foreign_nationals", "Foreign nationals"),
    ("pregnant", "Pregnant"),
    ("with_dependent_children", "With dependent children"),
)


def _cells(
    categories: tuple[tuple[str, str], ...], counts: Mapping[str | None, int]
) -> tuple[tuple[str, str, int], ...]:
    known = {code for code, _label in categories}
    unrecorded = sum(count for code, count in counts.items() if code not in known)
    return (
        *((code, label, int(counts.get(code, 0))) for code, label in categories),
        (*NOT_RECORDED, unrecorded),
    )


def table_name(population: str, dimension: str) -> str:
    """The name of a population's breakdown table (also its CSV file and XLSX sheet)."""
    if dimension == "characteristics":
        return f"{population}_characteristics"
    return f"{population}_{DIMENSIONS[dimension][0]}"


BREAKDOWN_TABLES = (
    *(
        table_name(population, dimension)
        for population, _title in POPULATIONS
        for dimension in (*DIMENSIONS, "characteristics")
    ),
    "cases_closed_by_reason",
    "needs_profile",
)


def raw_tables(figures: Figures) -> tuple[RawTable, ...]:
    """Every breakdown of people, before suppression, in output order."""
    tables: list[RawTable] = []
    for population, title in POPULATIONS:
        counts = figures.breakdowns.get(population, {})
        for dimension, (_suffix, caption, categories) in DIMENSIONS.items():
            tables.append(
                RawTable(
                    table_name(population, dimension),
                    f"{title} {caption}",
                    _cells(categories, counts.get(dimension, {})),
                    total=CellRef("headline", population),
                )
            )
        found = counts.get("characteristics", {})
        tables.append(
            RawTable(
                table_name(population, "characteristics"),
                f"{title}: characteristics",
                tuple((code, label, int(found.get(code, 0))) for code, label in CHARACTERISTICS),
                adds_up=False,
            )
        )
    tables.append(
        RawTable(
            "cases_closed_by_reason",
            "Cases closed by reason",
            _cells(tuple(CLOSURE_REASONS.items()), figures.closures_by_reason),
            total=CellRef("headline", "cases_closed"),
        )
    )
    tables.append(
        RawTable(
            "needs_profile",
            "Women assessed in the period with each need at medium or high",
            # Women assessed is a count of women too: one woman assessed, shown exactly beside
            # a [c] need, would give her need away (rule 2).
            (
                (WOMEN_ASSESSED.code, WOMEN_ASSESSED.label, figures.women_assessed),
                *(
                    (code, label, int(figures.needs.get(code, 0)))
                    for code, label in NEED_AREAS.items()
                ),
            ),
            adds_up=False,
        )
    )
    assert tuple(table.name for table in tables) == BREAKDOWN_TABLES
    return tuple(tables)


def links() -> tuple[Link, ...]:
    """Cells that add up to a figure shown elsewhere, beyond each table's own total."""
    result: list[Link] = []
    for population, _title in POPULATIONS:
        ethnicity = table_name(population, "ethnicity")
        ages = table_name(population, "age_band")
        characteristics = table_name(population, "characteristics")
        minorities = CellRef(characteristics, "ethnic_minorities")
        result.append(
            Link(
                tuple(CellRef(ethnicity, code) for code in MINORITY_ETHNICITIES),
                minorities,
                "ethnic minorities are the sum of the minority groups",
            )
        )
        result.append(
            Link(
                (
                    minorities,
                    CellRef(ethnicity, "white_british"),
                    CellRef(ethnicity, "prefer_not_to_say"),
                    CellRef(ethnicity, NOT_RECORDED[0]),
                ),
                None,
                "ethnic minorities, White British, prefer not to say and not recorded add up "
                "to the total",
            )
        )
        result.append(
            Link(
                (CellRef(ages, "18-24"),),
                CellRef(characteristics, "young_adults"),
                "young adults are the 18-24 age band",
            )
        )
    return tuple(result)
