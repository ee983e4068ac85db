"""The server's name skeletons (for the duplicate check under row-level security) match Python's."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from caseapp.services.skeleton import skeleton
from tests.pg.conftest import PgServer

NAMES = [
    "Jane Smith",
    "Jаne Smith",  # Cyrillic а
    "Jane\u200b  Smith",
    "Ja\u00adne Smi\u200dth",
    "\u202eJane Smith\u202c",
    "Ｊａｎｅ Ｓｍｉｔｈ",
    "  Zoë   Ó Briain ",
    "ÉLODIE Müller",
    "Straße",
    "ǅemal Ǉubić",
    "Ⅸ Ⅻ",
    "Ἀθηνᾶ",
    "Ольга Іванова",
    "محمد",
    "Nguyễn Thị Ánh",
    "Amira\tKhan\n",
    "",
]


def test_the_server_computes_the_same_skeleton_as_python(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        got = [
            conn.exec_driver_sql("SELECT caseapp_private.skeleton(%(n)s)", {"n": name}).scalar_one()
            for name in NAMES
        ]
    assert got == [skeleton(name) for name in NAMES]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM caseapp_private.skeleton_char",
        "SELECT caseapp_private.skeleton('Jane')",
    ],
)
def test_a_login_cannot_reach_the_private_skeleton_objects(
    pg_server: PgServer, pg_db: str, sql: str
) -> None:
    engine = pg_server.engine(pg_db, user="kw_amina")
    try:
        with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
