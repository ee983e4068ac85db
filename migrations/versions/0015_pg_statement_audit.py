"""PostgreSQL: a woman's rows are audited once per statement, the same entries, one lock.

On SQLite (a SQLCipher store) this revision does nothing. On PostgreSQL, 0010's row trigger
called `caseapp_audit()` for every row written: per row an advisory lock, a look-up of the
staff row, of the last entry and of the key's pads, then the HMAC and the insert. An import
writes rows a thousand to a statement and paid all of that a thousand times, about 10x slower
than into SQLCipher.

Here the row triggers become statement triggers with transition tables (`REFERENCING NEW TABLE`
/ `OLD TABLE`): `caseapp_private.audit_rows()` runs once per statement, takes the same lock
once, reads the staff row, the last entry and the pads once, and then appends, in the order
the rows were written, exactly the entries the row trigger appended: one per row, `row.insert`
/ `row.update` / `row.delete`, her woman's id as subject, the table in `detail`, the actor
`session_user`, each entry chained to the one before by the same HMAC. What the log holds, who
may write it (no login: the function is SECURITY DEFINER and runs as the owner) and
`caseapp_audit_verify()` are unchanged. A statement that writes no row appends nothing and
takes no lock, as before. PostgreSQL allows a transition table on a trigger of one event only,
so each table has three triggers (insert, update, delete).

The downgrade puts 0010's row triggers back.

Revision ID: 0015_pg_statement_audit
Revises: 0014_pg_duplicate_skeletons
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_pg_statement_audit"
down_revision: str | None = "0014_pg_duplicate_skeletons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0010's audited tables, and the column naming each row's woman ('NULL': none on that table).
AUDITED = (
    "woman",
    "womanshare",
    "assessment",
    "closure",
    "consent",
    "engagement",
    "flag",
    "groupattendance",
    "outcome",
    "plangoal",
    "referral",
    "assessmentitem",
    "draft",
)
SUBJECT = {"woman": "id", "assessmentitem": "NULL"}
EVENTS = {"insert": "NEW", "update": "NEW", "delete": "OLD"}

AUDIT_ROWS = """
CREATE FUNCTION caseapp_private.audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e public.auditevent;
    who public.app_user;
    pads record;
    women integer[];
    woman integer;
    last_seq integer;
    last_hmac text;
    middle text;
    tail text;
    entries public.auditevent[] := '{}';
BEGIN
    -- TG_ARGV[0] names the column holding the row's woman ('NULL': none on this table). The
    -- transition table holds the statement's rows in the order they were written.
    EXECUTE format(
        'SELECT array_agg(%s) FROM %I AS r',
        CASE WHEN TG_ARGV[0] = 'NULL' THEN 'NULL::integer' ELSE format('r.%I', TG_ARGV[0]) END,
        CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END
    ) INTO women;
    IF women IS NULL THEN
        RETURN NULL;  -- no row written: nothing to audit, no lock taken
    END IF;
    -- The append of caseapp_audit() (0013), its look-ups made once for the statement's rows.
    PERFORM pg_advisory_xact_lock(hashtext('caseapp.audit'));
    SELECT * INTO who FROM public.app_user WHERE username = session_user;
    SELECT a.seq, a.hmac INTO last_seq, last_hmac
    FROM public.auditevent AS a ORDER BY a.seq DESC LIMIT 1;
    SELECT p.ipad, p.opad INTO pads FROM caseapp_private.audit_pad AS p;
    e.seq := coalesce(last_seq, 0);
    e.hmac := coalesce(last_hmac, '');
    e.user_id := who.id;
    e.username := left(session_user, 64);
    e.role := coalesce(who.role, '');
    e.action := 'row.' || lower(TG_OP);
    e.subject_ref := '';
    e.detail := TG_TABLE_NAME;
    -- caseapp_private.entry_text(e), spelt out with the fields every entry here shares built
    -- once (verify recomputes each entry through entry_text itself, so a difference shows).
    middle := concat_ws(E'\\x1f', coalesce(e.user_id::text, ''), e.username, e.role, e.action);
    tail := concat_ws(E'\\x1f', e.subject_ref, e.detail);
    FOREACH woman IN ARRAY women LOOP
        e.seq := e.seq + 1;
        e.prev_hmac := e.hmac;
        e.at := date_trunc('microseconds', clock_timestamp());
        e.subject_id := woman;
        e.hmac := encode(sha256(pads.opad || sha256(pads.ipad || convert_to(concat_ws(E'\\x1f',
            e.seq::text, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            middle, coalesce(e.subject_id::text, ''), tail, e.prev_hmac), 'UTF8'))), 'hex');
        entries := entries || e;
    END LOOP;
    INSERT INTO public.auditevent SELECT * FROM unnest(entries);
    RETURN NULL;
END $$
"""

# 0010's trigger, put back by the downgrade (its function, caseapp_private.audit_row, stays).
ROW_TRIGGER = (
    "CREATE TRIGGER caseapp_audit_row AFTER INSERT OR UPDATE OR DELETE ON public.{table}"
    " FOR EACH ROW EXECUTE FUNCTION caseapp_private.audit_row('{subject}')"
)


def _exec(sql: str) -> None:
    # Straight to the driver: the body holds colons SQLAlchemy's text() would take for binds,
    # and format()'s percent signs, which psycopg reads as placeholders unless doubled.
    op.get_bind().exec_driver_sql(sql.replace("%", "%%"))


def upgrade() -> None:
    """Statement triggers in place of the row triggers, on PostgreSQL only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _exec(AUDIT_ROWS)
    for table in AUDITED:
        subject = SUBJECT.get(table, "woman_id")
        _exec(f"DROP TRIGGER IF EXISTS caseapp_audit_row ON public.{table}")
        for event, which in EVENTS.items():
            _exec(
                f"CREATE TRIGGER caseapp_audit_{event} AFTER {event.upper()} ON public.{table}"
                f" REFERENCING {which} TABLE AS {which.lower()}_rows"
                f" FOR EACH STATEMENT EXECUTE FUNCTION caseapp_private.audit_rows('{subject}')"
            )


def downgrade() -> None:
    """0010's row triggers again."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in AUDITED:
        for event in EVENTS:
            _exec(f"DROP TRIGGER IF EXISTS caseapp_audit_{event} ON public.{table}")
        _exec(ROW_TRIGGER.format(table=table, subject=SUBJECT.get(table, "woman_id")))
    _exec("DROP FUNCTION IF EXISTS caseapp_private.audit_rows()")
