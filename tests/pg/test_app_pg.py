"""The app itself with `--store postgresql://...`: the unlock screen signs her in to the server."""

from __future__ import annotations

from caseapp.app import build_app
from caseapp.screens.home import HomeScreen
from caseapp.screens.unlock import UnlockScreen, shorten_path
from caseapp.store.store import Store
from tests.conftest import MANAGER
from tests.harness.app import SIZE, screen_text, settle, type_text
from tests.pg.conftest import PASSWORD, PgServer


def test_a_server_url_is_shown_without_a_password_written_into_it() -> None:
    url = "postgresql://maria:secret@db.example.org:5433/centre?sslmode=require&password=x"
    assert shorten_path(url, width=80) == "postgresql://db.example.org:5433/centre?sslmode=require"


async def test_a_manager_unlocks_the_app_on_a_postgresql_store(
    pg_server: PgServer, pg_db: str, store: Store
) -> None:
    url = pg_server.url(pg_db)
    app = build_app(url)  # as `caseapp --store URL` builds it: the real unlock, no hook
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        shown = screen_text(app)
        assert f"{pg_db}?host=" in shown
        assert "No store at" not in shown  # a URL is not a missing file
        assert "PostgreSQL server" in screen.help_text()
        await type_text(pilot, MANAGER)
        await pilot.press("enter")
        await type_text(pilot, "not the passphrase")
        await pilot.press("enter")
        await settle(pilot)
        assert "The username or passphrase is not right." in screen_text(app)
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.ctx is not None and app.ctx.actor.username == MANAGER
