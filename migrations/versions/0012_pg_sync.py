"""PostgreSQL: sync's capture triggers, so a PostgreSQL store can be a centre.

On SQLite (a SQLCipher store) this revision does nothing: there `caseapp sync enrol` or `join`
installs SQLite triggers of its own. On PostgreSQL a manager's login owns no table and cannot
create a trigger, so the schema's owner installs them here, on every synced table, whether or
not the store ever syncs:

- `caseapp_sync_capture()`, one PL/pgSQL function for every table, SECURITY DEFINER (owned by
  the schema's owner): while `sync_self` is empty (the store takes no part in sync) it returns
  at once, one primary-key look-up per row written; otherwise it notes the row's old and new
  values (`to_jsonb`, so columns added later are captured too) in `sync_pending` with the
  login that wrote it (`session_user`) as the change's author. It runs as the owner because a
  keyworker's login may neither read nor write the sync tables, yet her writes must be logged;
  the manager's unit of work that next stamps the pending rows logs them under her name.
- Stamps' milliseconds and the change numbers built on them pass 2**31: `sync_self.hlc_wall`,
  `sync_self.next_seq`, `sync_change.seq` and `sync_clock.seq` become bigint; the peers' last
  stamps (53 characters) take varchar(80) (SQLite ignores both limits).

Revision ID: 0012_pg_sync
Revises: 0011_pg_logins
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_pg_sync"
down_revision: str | None = "0011_pg_logins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNCED = (
    "woman",
    "referral",
    "consent",
    "flag",
    "closure",
    "womanshare",
    "engagement",
    "assessment",
    "assessmentitem",
    "plangoal",
    "outcome",
    "groupsession",
    "groupattendance",
    "activity",
)
WIDE = (
    ("sync_self", "hlc_wall"),
    ("sync_self", "next_seq"),
    ("sync_change", "seq"),
    ("sync_clock", "seq"),
)
STAMPS = (("sync_peer", "last_sent"), ("sync_peer", "last_received"))

CAPTURE = """
CREATE FUNCTION public.caseapp_sync_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who jsonb := jsonb_build_object('__caseapp_by', session_user::text);
    old_row text;
    new_row text;
    rid bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.sync_self) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := (to_jsonb(OLD) || who)::text;
        rid := coalesce((to_jsonb(OLD) ->> 'id')::bigint, 0);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := (to_jsonb(NEW) || who)::text;
        rid := coalesce((to_jsonb(NEW) ->> 'id')::bigint, 0);
    END IF;
    INSERT INTO public.sync_pending (tbl, rid, op, old, new)
    VALUES (TG_TABLE_NAME, rid, left(TG_OP, 1), old_row, new_row);
    RETURN NULL;
END $$
"""


def _exec(sql: str) -> None:
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    """The capture function and triggers, and wider columns, on PostgreSQL only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in WIDE:
        _exec(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bigint")
    for table, column in STAMPS:
        _exec(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(80)")
    _exec(CAPTURE)
    _exec("REVOKE ALL ON FUNCTION public.caseapp_sync_capture() FROM PUBLIC")
    for table in SYNCED:
        _exec(
            f"CREATE TRIGGER caseapp_sync_capture AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION public.caseapp_sync_capture()"
        )


def downgrade() -> None:
    """Drop the triggers and the function; the columns stay wide (values may need it)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SYNCED:
        _exec(f"DROP TRIGGER IF EXISTS caseapp_sync_capture ON {table}")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_sync_capture()")
