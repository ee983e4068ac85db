"""PostgreSQL: the duplicate check compares names by skeleton, as on SQLite.

On SQLite (a SQLCipher store) this revision does nothing: the services read the women born
that day and compare skeletons in Python. On PostgreSQL row-level security hides other
caseloads from a keyworker's login, so 0010's `caseapp_possible_duplicates()` (a definer
function returning references only) compared folded names, and a name written with a
look-alike letter or an invisible character (a Cyrillic а, a zero-width space) was missed.
Here the server computes the same skeleton:

- `caseapp_private.skeleton_char`: each character whose part of a skeleton is not itself,
  with that part (`caseapp.services.skeleton.character_skeletons`, about 18,000 rows from the
  Unicode confusables data); in the private schema, which no login can read;
- `caseapp_private.skeleton(text)`: NFKC, each character replaced from the table, runs of
  spaces made one and trimmed;
- `caseapp_possible_duplicates_by_skeleton(first, last, born, exclude)`: SECURITY DEFINER,
  references (never names) of the women born that day whose skeletons match in either order;
  the services pass the skeletons they computed in Python.

Revision ID: 0014_pg_duplicate_skeletons
Revises: 0013_pg_policy_speed
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from caseapp.services.skeleton import character_skeletons

revision: str = "0014_pg_duplicate_skeletons"
down_revision: str | None = "0013_pg_policy_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "caseapp_keyworker, caseapp_manager"
SIGNATURE = "caseapp_possible_duplicates_by_skeleton(text, text, date, integer)"

SKELETON = r"""
CREATE FUNCTION caseapp_private.skeleton(t text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT btrim(regexp_replace(
        coalesce(string_agg(coalesce(m.part, c.ch), '' ORDER BY c.n), ''), ' +', ' ', 'g'
    ), ' ')
    FROM regexp_split_to_table(normalize(coalesce(t, ''), NFKC), '') WITH ORDINALITY AS c(ch, n)
    LEFT JOIN caseapp_private.skeleton_char AS m ON m.ch = c.ch
$$
"""

BY_SKELETON = """
CREATE FUNCTION public.caseapp_possible_duplicates_by_skeleton(
    f text, l text, born date, exclude integer
) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT w.reference
    FROM public.woman AS w,
         LATERAL (SELECT caseapp_private.skeleton(w.first_name) AS sf,
                         caseapp_private.skeleton(w.last_name) AS sl) AS s
    WHERE w.date_of_birth = born
      AND (exclude IS NULL OR w.id <> exclude)
      AND ((s.sf = f AND s.sl = l) OR (s.sf = l AND s.sl = f))
    ORDER BY w.reference
$$
"""


def _exec(sql: str) -> None:
    # Straight to the driver: function bodies hold colons text() would take for parameters.
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    """The skeleton table and functions, on PostgreSQL only."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _exec("CREATE TABLE caseapp_private.skeleton_char (ch text PRIMARY KEY, part text NOT NULL)")
    rows = [{"ch": ch, "part": part} for ch, part in character_skeletons().items()]
    bind.exec_driver_sql(
        "INSERT INTO caseapp_private.skeleton_char (ch, part) VALUES (%(ch)s, %(part)s)", rows
    )
    _exec(SKELETON)
    _exec("REVOKE ALL ON FUNCTION caseapp_private.skeleton(text) FROM PUBLIC")
    _exec(BY_SKELETON)
    _exec(f"REVOKE ALL ON FUNCTION public.{SIGNATURE} FROM PUBLIC")
    _exec(f"GRANT EXECUTE ON FUNCTION public.{SIGNATURE} TO {STAFF}")


def downgrade() -> None:
    """Drop the functions and the table."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _exec(f"DROP FUNCTION IF EXISTS public.{SIGNATURE}")
    _exec("DROP FUNCTION IF EXISTS caseapp_private.skeleton(text)")
    _exec("DROP TABLE IF EXISTS caseapp_private.skeleton_char")
