"""Search as she types, as she feels it: keystroke to the redrawn table, the real app at 80x24.

    .venv/bin/python -m bench typing
    .venv/bin/python -m bench.bench_typing --store /tmp/large.db   # reuse a large demo store

The real `CaseApp` runs headless under Pilot on the large demo store (20,000 women, 1,000,000
contacts); the store is built once (or named by `--store` / `CASEAPP_BENCH_STORE`). Each
keystroke is timed with event hooks, never by polling and never by timing `pilot.press`:

- t0: just before the key event is posted to the app (as a terminal driver posts it);
- the caseload screen's `show_page` (the results handler) applying rows for that text;
- the caseload table drawn (`render_lines`) after that, and the app's `post_display_hook`
  after that: the first frame that shows the new results. Headless Textual skips turning a
  frame into terminal bytes, so the benchmark's app does that too, as a terminal would cost.

Between keys it waits as a person types (100-200 ms), and the results must be on screen
before the next key. A second run types at 60 ms a key regardless, and counts results built
for text already typed past and stale results shown. "Query alone" is the service call the
screen's worker makes, timed in the same run. On a machine shared with other work the wall
times include waiting for a CPU, so each keystroke's CPU time (every thread of the process)
is reported too, with the median of each step (key -> search started -> query started ->
query done -> rows applied -> frame shown) and the full garbage collections met while typing.
Targets: manager median <= 33 ms, p90 <= 50 ms; keyworker median <= 25 ms; no keystroke over
100 ms; `c` on the home screen to the caseload shown <= 100 ms median.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from sqlmodel import col, select
from textual import events
from textual._compositor import CompositorUpdate
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable, Input

from bench.bench_keyworker import BENCH_KEYWORKER, build, keyworker_with_forty
from bench.common import OUT_DIR, heading, machine_note, report, write_results
from caseapp import app as caseapp_app
from caseapp.app import CaseApp
from caseapp.models import Woman
from caseapp.services.caseload import CaseloadPage
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER
from caseapp.services.session import unlock

FOLDER = OUT_DIR / "typing"
SIZE = (80, 24)
NAMES_TYPED = 14
TYPING_GAP = (0.100, 0.200)
FAST_GAP = 0.060
OPENINGS = 15
WAIT = 10.0


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Probe:
    """Timestamps from the hooks: results applied, the table drawn, the frame displayed."""

    expected: set[str] | None = None
    applied_at: float | None = None
    drawn_at: float | None = None
    shown: asyncio.Event = field(default_factory=asyncio.Event)
    shown_at: float = 0.0
    cpu_shown_at: float = 0.0
    applied: list[tuple[float, str]] = field(default_factory=list)
    current: str = ""
    built_past: int = 0
    stamps: dict[str, float] = field(default_factory=dict)
    stages: dict[str, list[float]] = field(default_factory=dict)
    queries: list[tuple[str, float, float]] = field(default_factory=list)
    opening: bool = False

    def arm(self, expected: set[str]) -> None:
        """Wait for results for one of `expected` texts."""
        self.expected = expected
        self.applied_at = self.drawn_at = None
        self.stamps = {}
        self.opening = False
        self.shown.clear()

    def arm_opening(self, started: float) -> None:
        """Wait for the caseload table drawn with rows in it, from whatever put them there:
        a new screen's first results, or the rows a kept screen readied as she left it."""
        self.arm({""})
        self.opening = True
        self.applied_at = started

    def on_applied(self, search: str) -> None:
        """The results handler put rows for `search` in the table."""
        now = time.perf_counter()
        self.applied.append((now, search))
        if self.expected is not None and search in self.expected:
            self.applied_at, self.drawn_at = now, None

    def on_drawn(self, rows: int = 1) -> None:
        """The caseload table (holding `rows` rows) rendered lines for a frame."""
        if self.opening and not rows:
            return  # a new screen's empty table: the list is not shown yet
        if self.applied_at is not None and self.drawn_at is None:
            self.drawn_at = time.perf_counter()

    def on_display(self) -> None:
        """A frame went to the terminal."""
        if self.drawn_at is not None and not self.shown.is_set():
            self.shown_at = time.perf_counter()
            self.cpu_shown_at = time.process_time()
            self.expected = None
            self.opening = False
            self.shown.set()


PROBE: Probe | None = None


class BenchApp(CaseApp):
    """The real app, which also pays for turning each frame into terminal bytes."""

    # A CSS path is relative to the module defining the class: point at the app's own.
    CSS_PATH = str(Path(caseapp_app.__file__).with_name("app.tcss"))

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        if self.is_headless and isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)
        super()._display(screen, renderable)

    def post_display_hook(self) -> None:
        if PROBE is not None:
            PROBE.on_display()


@contextmanager
def hooks(probe: Probe) -> Iterator[None]:
    """Wrap the results handler, the table's drawing and the service call (class level)."""
    global PROBE
    from caseapp.screens import caseload as screen_module

    screen_cls = screen_module.CaseloadScreen
    show_page = screen_cls.show_page
    render_lines = DataTable.render_lines
    service = screen_module.caseload
    search = screen_cls.search

    def timed_search(self: Any) -> None:
        if probe.expected is not None and self.query_state.search in probe.expected:
            probe.stamps.setdefault("search", time.perf_counter())
        search(self)
        # From here the older search is cancelled: a result for it built after this is waste.
        probe.current = self.query_state.search

    def timed_show_page(self: Any, page: CaseloadPage) -> None:
        show_page(self, page)
        probe.on_applied(page.query.search)

    def timed_render_lines(self: DataTable[Any], crop: Any) -> list[Strip]:
        lines = render_lines(self, crop)
        if self.id == "caseload-table":
            probe.on_drawn(self.row_count)
        return lines

    def timed_service(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        page = service(*args, **kwargs)
        ended = time.perf_counter()
        probe.queries.append((page.query.search, started, ended))
        if probe.expected is not None and page.query.search in probe.expected:
            probe.stamps.setdefault("query", started)
            probe.stamps.setdefault("queried", ended)
        # Built although the box had already moved on (a cancelled query raises instead).
        probe.built_past += page.query.search != probe.current
        return page

    screen_cls.show_page = timed_show_page  # type: ignore[method-assign]
    screen_cls.search = timed_search  # type: ignore[method-assign]
    DataTable.render_lines = timed_render_lines  # type: ignore[method-assign]
    screen_module.caseload = timed_service  # type: ignore[assignment]
    PROBE = probe
    try:
        yield
    finally:
        screen_cls.show_page = show_page  # type: ignore[method-assign]
        screen_cls.search = search  # type: ignore[method-assign]
        DataTable.render_lines = render_lines  # type: ignore[method-assign]
        screen_module.caseload = service
        PROBE = None


def post_key(app: CaseApp, key: str, char: str | None) -> float:
    """Post a key event as the terminal driver does; return when it was posted."""
    assert app._driver is not None
    started = time.perf_counter()
    app._driver.send_message(events.Key(key, char))
    return started


def key_for(ch: str) -> tuple[str, str]:
    """The key name and character for a typed character."""
    from textual.keys import _character_to_key

    return (_character_to_key(ch) if not ch.isalnum() else ch), ch


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen catch up (between runs, never while timing)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def keystroke(
    app: CaseApp,
    probe: Probe,
    key: str,
    char: str | None,
    text: str,
    cpu: list[float] | None = None,
) -> float:
    """Post one key and wait for the frame showing results for `text`; the latency in s.

    With `cpu`, the CPU time the whole process (every thread) spent meanwhile is added to it:
    on a machine shared with other work, that is the part of the latency that is ours.
    """
    probe.arm({text})
    cpu_started = time.process_time()
    started = post_key(app, key, char)
    await asyncio.wait_for(probe.shown.wait(), WAIT)
    if cpu is not None:
        cpu.append(probe.cpu_shown_at - cpu_started)
        marks = [("key", started), *((k, probe.stamps.get(k)) for k in ("search", "query",
                 "queried")), ("applied", probe.applied_at), ("shown", probe.shown_at)]  # fmt: skip
        known = [(k, t) for k, t in marks if t is not None]
        for (name, at), (next_name, next_at) in itertools.pairwise(known):
            probe.stages.setdefault(f"{name} -> {next_name}", []).append(next_at - at)
    return probe.shown_at - started


def words_to_type(rng: random.Random, names: list[tuple[str, str]]) -> list[str]:
    """Surnames to six letters, a first name and initial, as in bench keyworker."""
    typed: list[str] = []
    for first, last in rng.sample(names, NAMES_TYPED):
        typed.append(last.lower()[:6])
        if rng.random() < 0.5:
            typed.append(f"{first.lower()} {last.lower()[:2]}")
    return typed


async def type_words(
    app: CaseApp, probe: Probe, words: list[str], rng: random.Random, cpu: list[float]
) -> list[float]:
    """Type each word key by key, then clear the box (ctrl+u); every key is timed."""
    search = app.screen.query_one(Input)
    latencies: list[float] = []
    for word in words:
        for n, ch in enumerate(word, start=1):
            key, char = key_for(ch)
            latencies.append(await keystroke(app, probe, key, char, word[:n], cpu))
            await asyncio.sleep(rng.uniform(*TYPING_GAP))
        latencies.append(await keystroke(app, probe, "ctrl+u", None, "", cpu))
        assert search.value == "", search.value
        await asyncio.sleep(rng.uniform(*TYPING_GAP))
    return latencies


async def type_fast(app: CaseApp, probe: Probe, words: list[str]) -> tuple[list[float], int, int]:
    """Type at FAST_GAP a key without waiting; (latencies, results for text typed past, stale).

    A key's latency runs to the first results applied for it or for a later key. A result
    built for text the box had already moved past counts once (a cancelled query does not).
    """
    latencies: list[float] = []
    stale = 0
    built_before = probe.built_past
    for word in words:
        probe.queries.clear()
        probe.applied.clear()
        posted: list[tuple[str, float]] = []
        for n, ch in enumerate(word, start=1):
            key, char = key_for(ch)
            posted.append((word[:n], post_key(app, key, char)))
            await asyncio.sleep(FAST_GAP)
        probe.arm({word})
        if not probe.applied or probe.applied[-1][1] != word:
            await asyncio.wait_for(probe.shown.wait(), WAIT)
        await settle_app(app)
        # Each key waits for the first applied result for its text or a later one.
        order = {text: i for i, (text, _t) in enumerate(posted)}
        for i, (_text, at) in enumerate(posted):
            done = [t for t, s in probe.applied if s in order and order[s] >= i and t >= at]
            if done:
                latencies.append(min(done) - at)
        last = -1
        for _t, s in probe.applied:
            if s in order:
                stale += order[s] < last
                last = max(last, order[s])
        await keystroke(app, probe, "ctrl+u", None, "")
        await asyncio.sleep(0.2)
    return latencies, probe.built_past - built_before, stale


async def settle_app(app: CaseApp) -> None:
    """Wait for running workers and a quiet message queue."""
    await app.workers.wait_for_complete()
    await asyncio.sleep(0.05)


async def open_caseload(app: CaseApp, probe: Probe, cpu: list[float] | None = None) -> float:
    """`c` on the home screen to the first frame showing the caseload's rows; seconds."""
    cpu_started = time.process_time()
    started = post_key(app, "c", "c")
    probe.arm_opening(started)
    await asyncio.wait_for(probe.shown.wait(), WAIT)
    if cpu is not None:
        cpu.append(probe.cpu_shown_at - cpu_started)
    return probe.shown_at - started


@contextmanager
def full_collections(pauses: list[float]) -> Iterator[None]:
    """Record how long each full (generation 2) garbage collection took, while inside."""
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append(time.perf_counter() - started.pop())

    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)


@dataclass
class Run:
    """What one signed-in person's session measured."""

    typing: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    collections: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)
    queries: list[float] = field(default_factory=list)
    fast: list[float] = field(default_factory=list)
    built_past: int = 0
    stale: int = 0
    openings: list[float] = field(default_factory=list)
    openings_cpu: list[float] = field(default_factory=list)


async def session(store: Path, username: str, passphrase: str, words: list[str], *,
                  fast: bool, openings: int) -> Run:  # fmt: skip
    """Unlock as `username`, open the caseload and type; time everything asked for."""
    from caseapp.screens.caseload import CaseloadScreen
    from caseapp.screens.home import HomeScreen

    probe = Probe()
    run = Run()
    rng = random.Random(17)
    app = BenchApp(store, username=username)
    with hooks(probe):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press(*passphrase, "enter")
            for _ in range(50):
                await settle(pilot)
                if isinstance(app.screen, HomeScreen):
                    break
            assert isinstance(app.screen, HomeScreen), app.screen
            await asyncio.sleep(0.5)
            for _ in range(openings):
                run.openings.append(await open_caseload(app, probe, run.openings_cpu))
                assert isinstance(app.screen, CaseloadScreen)
                await settle(pilot)
                await pilot.press("escape")
                await settle(pilot)
                await asyncio.sleep(0.3)
            await open_caseload(app, probe)
            await settle(pilot)
            await type_words(app, probe, words[:2], rng, [])  # warm the caches
            probe.queries.clear()
            with full_collections(run.collections):
                run.typing = await type_words(app, probe, words, rng, run.cpu)
            run.queries = [end - start for _s, start, end in probe.queries]
            run.stages = dict(probe.stages)
            if fast:
                run.fast, run.built_past, run.stale = await type_fast(app, probe, words)
            await settle(pilot)
    return run


def figures(who: str, run: Run, median_target: float, *, p90_target: float | None) -> bool:
    """Report one person's figures; True when every target was met."""
    ms = [t * 1000 for t in run.typing]
    query = statistics.median(run.queries) * 1000 if run.queries else None
    median, p90, worst = statistics.median(ms), percentile(ms, 90), max(ms)
    ok_median = median <= median_target
    report(f"keystroke -> redrawn, {who} (median, n={len(ms)})", median, "ms", None,
           target=f"<= {median_target:.0f} ms", ok=ok_median)  # fmt: skip
    ok_p90 = p90_target is None or p90 <= p90_target
    report(f"keystroke -> redrawn, {who} (p90)", p90, "ms", None,
           target=f"<= {p90_target:.0f} ms" if p90_target else "",
           ok=ok_p90 if p90_target else None)  # fmt: skip
    report(f"keystroke -> redrawn, {who} (max)", worst, "ms", None, target="<= 100 ms",
           ok=worst <= 100)  # fmt: skip
    if query is not None:
        report(f"query alone, {who} (median, in the worker)", query, "ms")
    if run.cpu:
        report(f"CPU per keystroke, {who} (median, all threads)",
               statistics.median(run.cpu) * 1000, "ms")  # fmt: skip
    for stage, times in run.stages.items():
        report(f"  of which {stage}, {who} (median)", statistics.median(times) * 1000, "ms")
    gcs = run.collections
    report(f"full garbage collections while typing, {who}", len(gcs), "n")
    if gcs:
        report(f"longest full garbage collection, {who}", max(gcs) * 1000, "ms")
    return ok_median and ok_p90 and worst <= 100


def main(argv: list[str] | None = None) -> int:
    """Build (once) the large store, then type as a manager and as a keyworker of 40."""
    parser = argparse.ArgumentParser(description=__doc__)
    default = os.environ.get("CASEAPP_BENCH_STORE") or str(FOLDER / "large.db")
    parser.add_argument("--store", type=Path, default=Path(default))
    parser.add_argument("--fresh", action="store_true", help="rebuild the large store")
    parser.add_argument("--openings", type=int, default=OPENINGS)
    args = parser.parse_args(argv)
    heading("Search as she types, keystroke to redrawn table, 80x24, large store")
    machine_note()
    build(args.store, args.fresh)
    manager = unlock(args.store, DEMO_USER, DEMO_PASSPHRASE).ctx
    try:
        keyworker = keyworker_with_forty(manager)
        with manager.read() as s:
            women = s.exec(select(Woman).order_by(col(Woman.id))).all()
        everyone = [(w.first_name, w.last_name) for w in women]
        hers = [(w.first_name, w.last_name) for w in women
                if w.keyworker_id == keyworker.actor.user_id]  # fmt: skip
    finally:
        manager.store.close()
    rng = random.Random(2026)
    words = words_to_type(rng, everyone)
    # A keyworker looks for her own women mostly, and sometimes for someone she cannot see.
    her_words = words_to_type(rng, hers)[: len(words) * 2 // 3] + words[: len(words) // 3]
    ok = True
    managed = asyncio.run(session(args.store, DEMO_USER, DEMO_PASSPHRASE, words, fast=True,
                                  openings=args.openings))  # fmt: skip
    ok &= figures("manager, whole provider", managed, 33, p90_target=50)
    fast_ms = [t * 1000 for t in managed.fast]
    if fast_ms:
        report(f"typing at {FAST_GAP * 1000:.0f} ms a key, key -> rows applied (median)",
               statistics.median(fast_ms), "ms")  # fmt: skip
        report(f"typing at {FAST_GAP * 1000:.0f} ms a key, key -> rows applied (max)",
               max(fast_ms), "ms", target="<= 100 ms", ok=max(fast_ms) <= 100)  # fmt: skip
        report("results built for text already typed past", managed.built_past, "n",
               target="0", ok=managed.built_past == 0)  # fmt: skip
        report("stale results shown after newer ones", managed.stale, "n", target="0",
               ok=managed.stale == 0)  # fmt: skip
        ok &= max(fast_ms) <= 100 and managed.stale == 0
    opened = [t * 1000 for t in managed.openings]
    if opened:
        # The first `c` of a session builds the screen; later ones find it kept and ready.
        median = statistics.median(opened)
        report(f"c on home -> caseload shown, manager (median, n={len(opened)})", median, "ms",
               target="<= 100 ms", ok=median <= 100)  # fmt: skip
        report("c on home -> caseload shown, manager (first of the session)", opened[0], "ms")
        report("c on home -> caseload shown, manager (max)", max(opened), "ms")
        report("CPU for c -> caseload shown, manager (median, all threads)",
               statistics.median(managed.openings_cpu) * 1000, "ms")  # fmt: skip
        ok &= median <= 100
    kw = asyncio.run(session(args.store, BENCH_KEYWORKER, "bench-passphrase", her_words, fast=False,
                             openings=0))  # fmt: skip
    ok &= figures("keyworker, caseload of 40", kw, 25, p90_target=None)
    write_results("typing")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
