"""What `caseapp verify` checks on a PostgreSQL store, beyond the audit chain.

Row-level security is only as good as the server's settings, which the schema's owner (or
the server's superuser) can change at any time: each check reads the catalogs as the signed-in
manager (they are readable by every login) and says in one line what it found.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# Every table holding a woman's data (migration 0010 secures each), and any table with a
# `woman_id` column the catalogs show: a table added later without row-level security fails.
WOMAN_TABLES = (
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
GROUPS = ("caseapp_keyworker", "caseapp_manager", "caseapp_admin")

_TABLES = """
SELECT t.name, c.relrowsecurity, c.relforcerowsecurity
FROM (SELECT unnest(CAST(:listed AS text[])) AS name
      UNION SELECT col.table_name::text FROM information_schema.columns AS col
      WHERE col.table_schema = 'public' AND col.column_name = 'woman_id') AS t
LEFT JOIN pg_class AS c
  ON c.relname = t.name AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
ORDER BY t.name
"""

# The group roles and every role that has their privileges (a membership that only lets its
# holder administer the group, as the owner who created it holds, gives none).
_STAFF = """
WITH RECURSIVE staff(oid) AS (
    SELECT r.oid FROM pg_roles AS r WHERE r.rolname = ANY (CAST(:groups AS text[]))
    UNION
    SELECT m.member FROM pg_auth_members AS m JOIN staff AS s ON m.roleid = s.oid
    WHERE m.inherit_option OR m.set_option
)
SELECT r.rolname::text, r.rolsuper, r.rolbypassrls,
    EXISTS (SELECT FROM pg_class AS c
            WHERE c.relowner = r.oid AND c.relnamespace = 'public'::regnamespace) AS owns
FROM staff AS s JOIN pg_roles AS r ON r.oid = s.oid
ORDER BY r.rolname
"""


def row_security(conn: Connection) -> tuple[bool, str]:
    """Row-level security enabled and forced on every table holding a woman's data."""
    rows = conn.execute(text(_TABLES), {"listed": list(WOMAN_TABLES)}).all()
    missing, off, unforced = [], [], []
    checked = 0
    for name, enabled, forced in rows:
        checked += 1
        if enabled is None:
            missing.append(name)
        elif not enabled:
            off.append(name)
        elif not forced:
            unforced.append(name)
    problems = [
        *(f"{name} is missing" for name in missing),
        *(f"{name} has row-level security off" for name in off),
        *(f"{name} does not force row-level security on its owner's policies" for name in unforced),
    ]
    if problems:
        return False, "row-level security: " + "; ".join(problems)
    return True, f"row-level security: enabled and forced on all {checked} tables of women's data"


def staff_logins(conn: Connection) -> tuple[bool, str]:
    """No caseapp role or login is a superuser, bypasses row-level security or owns a table."""
    rows = conn.execute(text(_STAFF), {"groups": list(GROUPS)}).all()
    problems = []
    for name, superuser, bypass, owns in rows:
        if superuser:
            problems.append(f"{name} is a superuser")
        if bypass:
            problems.append(f"{name} bypasses row-level security")
        if owns:
            problems.append(f"{name} owns tables")
    if problems:
        return False, "logins: " + "; ".join(problems)
    logins = len(rows) - sum(1 for row in rows if row[0] in GROUPS)
    return True, (
        f"logins: none of the {logins} caseapp logins or their groups owns a table, "
        "is a superuser or bypasses row-level security"
    )


def audit_table(conn: Connection) -> tuple[bool, str]:
    """No caseapp group may write the audit table directly (only the server's functions do)."""
    writers = [
        group
        for group in GROUPS
        if conn.execute(
            text(
                "SELECT has_table_privilege(:group, 'public.auditevent', 'INSERT, UPDATE, DELETE')"
            ),
            {"group": group},
        ).scalar()
    ]
    if writers:
        return False, f"audit table: {', '.join(writers)} may write it directly"
    return True, "audit table: written only by the server's functions"


# Migration 0015's statement triggers on each table of women's data, enabled (fired in a
# normal session: 'O'rigin or 'A'lways) and calling the audit function.
AUDIT_TRIGGERS = ("caseapp_audit_insert", "caseapp_audit_update", "caseapp_audit_delete")
_TRIGGERS = """
SELECT c.relname::text, t.tgname::text, t.tgenabled IN ('O', 'A')
FROM pg_trigger AS t
JOIN pg_class AS c ON c.oid = t.tgrelid AND c.relnamespace = 'public'::regnamespace
JOIN pg_proc AS p ON p.oid = t.tgfoid AND p.proname = 'audit_rows'
JOIN pg_namespace AS n ON n.oid = p.pronamespace AND n.nspname = 'caseapp_private'
WHERE NOT t.tgisinternal
"""


def audit_triggers(conn: Connection) -> tuple[bool, str]:
    """Every write to a table of women's data is audited: its audit triggers are in place."""
    found = {(str(r[0]), str(r[1])): bool(r[2]) for r in conn.execute(text(_TRIGGERS))}
    problems = []
    for table in WOMAN_TABLES:
        for trigger in AUDIT_TRIGGERS:
            enabled = found.get((table, trigger))
            if enabled is None:
                problems.append(f"{table}: {trigger} is missing")
            elif not enabled:
                problems.append(f"{table}: {trigger} is disabled")
    if problems:
        return False, "audit triggers: " + "; ".join(problems)
    return True, f"audit triggers: every write to the {len(WOMAN_TABLES)} tables is audited"


def server_checks(conn: Connection) -> list[tuple[bool, str]]:
    """Every check above, each with whether it passed and the line to print."""
    return [row_security(conn), staff_logins(conn), audit_table(conn), audit_triggers(conn)]
