"""Waiting in app tests on what the app shows, never on the clock.

A fixed `pilot.pause(0.3)` passes on an idle machine and flakes on a loaded one (CI, six
engineers on two cores); these helpers poll a condition instead, with a generous upper
bound that only a real hang reaches.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from archrev.tui.app import SystemScreen

# Seconds before a wait gives up: far above any real delay, so only a bug reaches it.
WAIT_LIMIT = 30.0
_POLL = 0.01


async def wait_until(pilot, condition: Callable[[], bool], what: str = "the condition") -> None:
    """Let the app run until `condition()` holds; fail the test after WAIT_LIMIT seconds."""
    deadline = time.monotonic() + WAIT_LIMIT
    await pilot.pause()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {WAIT_LIMIT:.0f} s waiting for {what}")
        await pilot.pause(_POLL)


async def settle(pilot) -> None:
    """Let the analysis and layout workers finish and the screen catch up with them."""
    await pilot.pause()
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        # Workers hand their results back to the UI, which may start the next one: wait
        # until nothing is running and the findings are current.
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        if not (isinstance(screen, SystemScreen) and screen.analysis_pending):
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the analysis was still pending after {WAIT_LIMIT:.0f} s")
        await pilot.pause(_POLL)
    await pilot.pause()


async def wait_for_inspector(pilot) -> None:
    """Wait until the inspector shows the selected box (its debounced update has run)."""
    screen = pilot.app.screen
    assert isinstance(screen, SystemScreen)
    await wait_until(
        pilot, lambda: screen.inspector_current, "the inspector to follow the selection"
    )
