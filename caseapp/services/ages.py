"""Ages that are possible but unlikely for a woman referred to a women's centre."""

from __future__ import annotations

from datetime import date

YOUNGEST = 16
OLDEST = 110


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def unlikely_age(born: date | None, referred: date | None) -> int | None:
    """Her age at referral when it is below 16 or above 110 (a mistyped year?), else None."""
    if born is None or referred is None or born >= referred:
        return None
    age = age_on(born, referred)
    return age if age < YOUNGEST or age > OLDEST else None


def unlikely_age_message(age: int) -> str:
    """The warning shown in the form and the import report."""
    return f"makes her {age} at referral (expected {YOUNGEST} to {OLDEST}): check the year"
