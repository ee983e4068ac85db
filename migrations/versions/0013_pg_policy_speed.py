"""PostgreSQL: the same row-level security, answered by index look-ups; a cheaper audit append.

On SQLite (a SQLCipher store) this revision does nothing, as 0010. On PostgreSQL, 0010's
policies asked of every row of a woman's tables `woman_id IN (SELECT w.id FROM woman w)`: the
server answered it by reading every woman (20,000 on the large demo, about 25 ms a query, a
manager's too) to build a hash, and opening a record runs a dozen such queries. Who sees what
does not change here (the access matrix test and a comparison on the large demo show the
same rows per login); how the server finds out does:

- a manager's login sees every woman and so every row of a woman's tables (each row's
  `woman_id` is NOT NULL and a foreign key to `woman`): a second permissive policy `manager`,
  `TO caseapp_manager USING (true)`, on `woman` and each of those tables says so, and the
  planner folds `true OR ...` away, so her queries carry no condition at all. Drafts keep
  their one policy: a draft is its author's only, a manager's too;
- `woman`'s `staff` policy for a keyworker is her own women or those shared with her, without
  the manager test (the `manager` policy holds it now), and the shares are read into an array
  once per statement: both halves are then index conditions (`keyworker_id`, the primary key)
  and the planner can combine them, rather than filtering every woman;
- a woman's rows follow her by `EXISTS (SELECT 1 FROM woman w WHERE w.id = <table>.woman_id)`
  (an assessment's items by their assessment), so a row's check is a look-up by primary key,
  through `woman`'s own policy as before.

`caseapp_audit()` (0010) is replaced by the same append, cheaper per entry: without its
`SET TimeZone` clause (a settings switch on every call, about a quarter of an append's time;
the entry's text already reads the time `AT TIME ZONE 'UTC'`, and a test writes in other zones
and verifies); reading the last entry's number and HMAC in one look-up instead of two; and
with the key's HMAC pads (RFC 2104) made once here, in `caseapp_private.audit_pad` beside the
key (readable by no login), rather than by a 64-step loop on every entry. The chain, the lock
and what each entry holds are unchanged; `caseapp_audit_verify()` still recomputes every HMAC
from the key itself.

Revision ID: 0013_pg_policy_speed
Revises: 0012_pg_sync
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0013_pg_policy_speed"
down_revision: str | None = "0012_pg_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYWORKER, MANAGER = "caseapp_keyworker", "caseapp_manager"
STAFF = f"{KEYWORKER}, {MANAGER}"
ME = "(SELECT u.id FROM public.app_user AS u WHERE u.username = current_user)"


def _follows(table: str) -> str:
    return f"EXISTS (SELECT 1 FROM public.woman AS w WHERE w.id = {table}.woman_id)"


# Every table holding a woman's rows (0010's list), with the new condition tying a row to her.
FOLLOW_WOMAN = {
    table: _follows(table)
    for table in (
        "assessment",
        "closure",
        "consent",
        "engagement",
        "flag",
        "groupattendance",
        "outcome",
        "plangoal",
        "referral",
    )
}
FOLLOW_WOMAN["assessmentitem"] = (
    "EXISTS (SELECT 1 FROM public.assessment AS a WHERE a.id = assessmentitem.assessment_id)"
)
DRAFT = f"user_id = {ME} AND (woman_id IS NULL OR {_follows('draft')})"
WOMAN = (
    f"keyworker_id = {ME} OR id = ANY (ARRAY(SELECT s.woman_id FROM public.womanshare AS s"
    f" WHERE s.user_id = {ME}))"
)
# Tables a manager sees whole (drafts are each author's own, a manager's too).
MANAGER_SEES_ALL = ("woman", *FOLLOW_WOMAN)

APPEND = """
CREATE OR REPLACE FUNCTION public.caseapp_audit(
    p_action text, p_subject_id integer DEFAULT NULL, p_subject_ref text DEFAULT '',
    p_detail text DEFAULT ''
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e public.auditevent;
    who public.app_user;
    last_seq integer;
    last_hmac text;
    pads record;
BEGIN
    -- One appender at a time per database, until this transaction ends: the next seq and
    -- the previous HMAC are read and written with no other writer in between.
    PERFORM pg_advisory_xact_lock(hashtext('caseapp.audit'));
    -- session_user is the login that authenticated: SET ROLE cannot change it.
    SELECT * INTO who FROM public.app_user WHERE username = session_user;
    SELECT a.seq, a.hmac INTO last_seq, last_hmac
    FROM public.auditevent AS a ORDER BY a.seq DESC LIMIT 1;
    e.seq := coalesce(last_seq, 0) + 1;
    e.prev_hmac := coalesce(last_hmac, '');
    -- A point in time (timestamptz): the entry's text reads it AT TIME ZONE 'UTC', so the
    -- session's zone changes neither the value nor the HMAC.
    e.at := date_trunc('microseconds', clock_timestamp());
    e.user_id := who.id;
    e.username := left(session_user, 64);
    e.role := coalesce(who.role, '');
    e.action := left(p_action, 40);
    e.subject_id := p_subject_id;
    e.subject_ref := left(coalesce(p_subject_ref, ''), 40);
    e.detail := left(coalesce(p_detail, ''), 4000);
    -- HMAC-SHA256 (RFC 2104) from the key's pads, made once by this migration.
    SELECT p.ipad, p.opad INTO pads FROM caseapp_private.audit_pad AS p;
    e.hmac := encode(sha256(pads.opad || sha256(pads.ipad || caseapp_private.entry_text(e))),
                     'hex');
    INSERT INTO public.auditevent SELECT e.*;
    RETURN e.seq;
END $$
"""


# The key's inner and outer pads (RFC 2104), which 0010's hmac_sha256() rebuilt on every
# entry with a 64-step loop; kept beside the key, readable by no login.
PAD = """
CREATE FUNCTION caseapp_private.hmac_pad(key bytea, x integer) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    k bytea := key;
    pad bytea;
BEGIN
    IF length(k) > 64 THEN
        k := sha256(k);
    END IF;
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    pad := k;
    FOR i IN 0..63 LOOP
        pad := set_byte(pad, i, get_byte(k, i) # x);
    END LOOP;
    RETURN pad;
END $$
"""
PADS = """
CREATE TABLE caseapp_private.audit_pad AS
SELECT caseapp_private.hmac_pad(a.key, 54) AS ipad, caseapp_private.hmac_pad(a.key, 92) AS opad
FROM caseapp_private.audit_key AS a
"""


def _exec(sql: str) -> None:
    # Straight to the driver: the function body holds colons text() would take for binds.
    op.get_bind().exec_driver_sql(sql)


def _policy(table: str, condition: str) -> None:
    _exec(f"DROP POLICY IF EXISTS staff ON public.{table}")
    _exec(
        f"CREATE POLICY staff ON public.{table} TO {STAFF} USING ({condition})"
        f" WITH CHECK ({condition})"
    )


def _revision_0010() -> ModuleType:
    """0010's module, whose policies and append function the downgrade puts back."""
    path = Path(__file__).with_name("0010_postgres_access.py")
    spec = importlib.util.spec_from_file_location("caseapp_migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    """The faster policies and append, on PostgreSQL only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _policy("woman", WOMAN)
    for table, condition in FOLLOW_WOMAN.items():
        _policy(table, condition)
    _policy("draft", DRAFT)
    for table in MANAGER_SEES_ALL:
        _exec(
            f"CREATE POLICY manager ON public.{table} TO {MANAGER} USING (true) WITH CHECK (true)"
        )
    _exec(PAD)
    _exec(PADS)
    _exec(APPEND)


def downgrade() -> None:
    """0010's policies and append function again."""
    if op.get_bind().dialect.name != "postgresql":
        return
    old = _revision_0010()
    for table in MANAGER_SEES_ALL:
        _exec(f"DROP POLICY IF EXISTS manager ON public.{table}")
    _policy("woman", old.WOMAN)
    for table, condition in old.FOLLOW_WOMAN.items():
        _policy(table, condition)
    _exec(old.APPEND.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    _exec("DROP TABLE IF EXISTS caseapp_private.audit_pad")
    _exec("DROP FUNCTION IF EXISTS caseapp_private.hmac_pad(bytea, integer)")
