"""PostgreSQL: managers and admins add, remove and reset staff logins through definer functions.

On SQLite (a SQLCipher store) this revision does nothing: there a user is a key slot in the
key file. On PostgreSQL a user is her own login, and only a role that may create roles can
make or change one. The functions below run as the schema's owner (who has CREATEROLE, as
`caseapp init` requires) for a caller who is an active manager or admin (a member of
caseapp_manager or caseapp_admin, asked of the server with `pg_has_role(session_user, ...)`),
and keep the rules the services keep on SQLite:

- `caseapp_add_login(username, display name, role, verifier)`: a new login in her role's group
  and her `app_user` row;
- `caseapp_remove_login(username)`: her login loses LOGIN, its password and its group, her open
  sessions end where the owner may end them, and her row is marked removed; the row and the
  role stay (records and the audit log name her). Not oneself, not the last manager;
- `caseapp_reset_login(username, verifier)`: a keyworker's new password (a manager's own too;
  anyone's for an admin).

Passwords arrive as SCRAM-SHA-256 verifiers computed by the client, never as passphrases, so
no passphrase reaches the server's statement log. Identifiers and literals are quoted by
`format('%I', '%L')`. The functions touch only caseapp staff logins (a direct member of a
caseapp group, neither superuser, role-creating nor bypassing row-level security, nor the owner
itself), whatever rows someone wrote into `app_user`. Each appends its entry to the audit chain
of 0010 in the same transaction. Changing one's own passphrase is her own `ALTER ROLE`.

Revision ID: 0011_pg_logins
Revises: 0010_postgres_access
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_pg_logins"
down_revision: str | None = "0010_postgres_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MANAGER, ADMIN = "caseapp_manager", "caseapp_admin"

# The calling login's active staff row, when she is a manager or an admin (else refused).
CALLER = """
CREATE FUNCTION caseapp_private.user_admin() RETURNS public.app_user
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me public.app_user;
BEGIN
    SELECT * INTO me FROM public.app_user AS u WHERE u.username = session_user AND u.active;
    IF me.id IS NULL OR NOT (pg_has_role(session_user, 'caseapp_manager', 'MEMBER')
                             OR pg_has_role(session_user, 'caseapp_admin', 'MEMBER')) THEN
        RAISE EXCEPTION 'You do not have permission to manage users.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END $$
"""

# Whether `name` is a caseapp staff login these functions may change: never the owner, a
# superuser or any role with powers beyond its group's, whatever `app_user` says.
STAFF_LOGIN = """
CREATE FUNCTION caseapp_private.staff_login(name text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (
        SELECT FROM pg_roles AS r
        WHERE r.rolname = name AND r.rolname <> current_user
          AND NOT r.rolsuper AND NOT r.rolcreaterole AND NOT r.rolbypassrls
          AND NOT r.rolreplication
          AND EXISTS (
              SELECT FROM pg_auth_members AS m JOIN pg_roles AS g ON g.oid = m.roleid
              WHERE m.member = r.oid
                AND g.rolname IN ('caseapp_keyworker', 'caseapp_manager', 'caseapp_admin')))
$$
"""

CHECK_VERIFIER = """
CREATE FUNCTION caseapp_private.check_verifier(verifier text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF verifier IS NULL OR verifier !~
        '^SCRAM-SHA-256\\$[0-9]+:[A-Za-z0-9+/]+=*\\$[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$' THEN
        RAISE EXCEPTION 'A SCRAM-SHA-256 verifier is expected here, never a passphrase.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$
"""

ADD = """
CREATE FUNCTION public.caseapp_add_login(
    p_username text, p_display_name text, p_role text, p_verifier text
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    grp text;
    new_id integer;
BEGIN
    PERFORM caseapp_private.user_admin();
    grp := CASE p_role WHEN 'keyworker' THEN 'caseapp_keyworker'
                       WHEN 'manager' THEN 'caseapp_manager'
                       WHEN 'admin' THEN 'caseapp_admin' END;
    IF grp IS NULL THEN
        RAISE EXCEPTION 'Role must be one of: keyworker, manager, admin.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_username IS NULL OR octet_length(p_username) NOT BETWEEN 1 AND 63 THEN
        RAISE EXCEPTION 'Username: 1 to 63 bytes on PostgreSQL (the length of a login name).'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM caseapp_private.check_verifier(p_verifier);
    -- One user change at a time: the checks below and the insert see no other in between.
    PERFORM pg_advisory_xact_lock(hashtext('caseapp.users'));
    IF EXISTS (SELECT FROM public.app_user AS u WHERE lower(u.username) = lower(p_username)) THEN
        RAISE EXCEPTION 'There is already a user called %.', p_username
            USING ERRCODE = 'duplicate_object';
    END IF;
    -- Logins belong to the whole server: another database's (or the server's own) are not hers.
    IF EXISTS (SELECT FROM pg_roles AS r WHERE lower(r.rolname::text) = lower(p_username)) THEN
        RAISE EXCEPTION 'The server already has a login called %: choose another username.',
            p_username USING ERRCODE = 'duplicate_object';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN IN ROLE %I PASSWORD %L', p_username, grp, p_verifier);
    INSERT INTO public.app_user (username, display_name, role, active, created_at)
    VALUES (p_username, coalesce(nullif(p_display_name, ''), p_username), p_role, true,
            date_trunc('microseconds', clock_timestamp() AT TIME ZONE 'UTC'))
    RETURNING id INTO new_id;
    PERFORM public.caseapp_audit('user_added', NULL, '',
        jsonb_build_object('target', p_username, 'target_role', p_role)::text);
    RETURN new_id;
END $$
"""

REMOVE = """
CREATE FUNCTION public.caseapp_remove_login(p_username text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    target public.app_user;
    grp text;
BEGIN
    PERFORM caseapp_private.user_admin();
    PERFORM pg_advisory_xact_lock(hashtext('caseapp.users'));
    SELECT * INTO target FROM public.app_user AS u
    WHERE lower(u.username) = lower(p_username) AND u.active;
    IF target.id IS NULL THEN
        RAISE EXCEPTION 'No active user called %.', p_username USING ERRCODE = 'no_data_found';
    END IF;
    IF target.username = session_user THEN
        RAISE EXCEPTION 'You cannot remove yourself; ask another manager.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF target.role = 'manager' AND (SELECT count(*) FROM public.app_user AS u
                                    WHERE u.role = 'manager' AND u.active) <= 1 THEN
        RAISE EXCEPTION 'You cannot remove the last manager.'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE public.app_user SET active = false,
        removed_at = date_trunc('microseconds', clock_timestamp() AT TIME ZONE 'UTC')
    WHERE id = target.id;
    IF caseapp_private.staff_login(target.username) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN PASSWORD NULL', target.username);
        -- Out of her group, a session she still has open can read nothing more.
        FOR grp IN
            SELECT g.rolname FROM pg_auth_members AS m
            JOIN pg_roles AS g ON g.oid = m.roleid JOIN pg_roles AS r ON r.oid = m.member
            WHERE r.rolname = target.username
              AND g.rolname IN ('caseapp_keyworker', 'caseapp_manager', 'caseapp_admin')
        LOOP
            EXECUTE format('REVOKE %I FROM %I', grp, target.username);
        END LOOP;
        BEGIN
            PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity AS a
            WHERE a.usename = target.username;
        EXCEPTION WHEN insufficient_privilege THEN
            NULL;  -- the owner may not signal her backends; they have lost their group anyway
        END;
    END IF;
    PERFORM public.caseapp_audit('user_removed', NULL, '',
        jsonb_build_object('target', target.username)::text);
END $$
"""

RESET = """
CREATE FUNCTION public.caseapp_reset_login(p_username text, p_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me public.app_user;
    target public.app_user;
BEGIN
    me := caseapp_private.user_admin();
    PERFORM caseapp_private.check_verifier(p_verifier);
    SELECT * INTO target FROM public.app_user AS u
    WHERE lower(u.username) = lower(p_username) AND u.active;
    IF target.id IS NULL OR NOT caseapp_private.staff_login(target.username) THEN
        RAISE EXCEPTION 'No active user called %.', p_username USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT (target.username = session_user
            OR pg_has_role(session_user, 'caseapp_admin', 'MEMBER')
            OR (pg_has_role(target.username, 'caseapp_keyworker', 'MEMBER')
                AND NOT pg_has_role(target.username, 'caseapp_manager', 'MEMBER')
                AND NOT pg_has_role(target.username, 'caseapp_admin', 'MEMBER'))) THEN
        RAISE EXCEPTION 'Managers reset keyworkers'' passphrases; another manager''s needs an admin.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', target.username, p_verifier);
    PERFORM public.caseapp_audit('passphrase_reset', NULL, '',
        jsonb_build_object('target', target.username)::text);
END $$
"""

FUNCTIONS = {
    "caseapp_add_login(text, text, text, text)": ADD,
    "caseapp_remove_login(text)": REMOVE,
    "caseapp_reset_login(text, text)": RESET,
}
PRIVATE = (
    "user_admin()",
    "staff_login(text)",
    "check_verifier(text)",
)


def _exec(sql: str) -> None:
    # Straight to the driver: the bodies hold colons SQLAlchemy's text() would take for binds,
    # and format()'s percent signs, which psycopg reads as placeholders unless doubled.
    op.get_bind().exec_driver_sql(sql.replace("%", "%%"))


def upgrade() -> None:
    """The user administration functions, on PostgreSQL only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in (CALLER, STAFF_LOGIN, CHECK_VERIFIER):
        _exec(sql)
    for signature, sql in FUNCTIONS.items():
        _exec(sql)
        _exec(f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        _exec(f"GRANT EXECUTE ON FUNCTION public.{signature} TO {MANAGER}, {ADMIN}")


def downgrade() -> None:
    """Drop the functions (the logins they made stay: they belong to the server)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for signature in FUNCTIONS:
        _exec(f"DROP FUNCTION IF EXISTS public.{signature}")
    for signature in PRIVATE:
        _exec(f"DROP FUNCTION IF EXISTS caseapp_private.{signature}")
