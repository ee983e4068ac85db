"""The footer's right edge shows nothing of the keys that did not fit (a manager's caseload)."""

from __future__ import annotations

from caseapp.services.context import Ctx
from tests.harness.app import make_app
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.ui.test_keyworker_caseload import open_caseload


async def test_the_palette_key_ends_the_footer_with_nothing_showing_past_it(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        bottom = "".join(segment.text for segment in app.screen._compositor.render_strips()[-1])
        # The manager's keys overflow 80 columns; the last column once showed a letter of them.
        assert bottom.rstrip().endswith("^p palette"), bottom
