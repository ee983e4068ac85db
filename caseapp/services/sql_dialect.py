"""The few fragments of hand-written SQL that SQLite and PostgreSQL spell differently."""

from __future__ import annotations


def age_in_years(dialect: str, at: str, born: str) -> str:
    """Whole years from `born` (a date column) to `at` (an ISO date parameter or column).

    Both spellings compute the same thing: the difference of the years, less one when the
    month and day of `at` come before those of `born` (so 29 February turns a year older on
    1 March in a year without one). SQLite keeps dates as ISO text and has `strftime`;
    PostgreSQL has typed dates and `extract`/`to_char`.
    """
    if dialect == "postgresql":
        end = f"CAST({at} AS DATE)"
        return (
            f"(CAST(extract(year FROM {end}) AS INTEGER)"
            f" - CAST(extract(year FROM {born}) AS INTEGER)"
            f" - CASE WHEN to_char({end}, 'MM-DD') < to_char({born}, 'MM-DD')"
            " THEN 1 ELSE 0 END)"
        )
    return (
        f"(CAST(strftime('%Y', {at}) AS INTEGER)"
        f" - CAST(strftime('%Y', {born}) AS INTEGER)"
        f" - (strftime('%m-%d', {at}) < strftime('%m-%d', {born})))"
    )
