"""The command palette's view of a screen: each of its actions in words, with its key.

A screen lists its actions in `ACTION_HELP` (action -> what it does); the provider pairs each
with the key currently bound to it (after the user's keymap), so the palette teaches the keys.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


class ScreenActions(Provider):
    """Base for one screen's palette entries; subclasses name the screen class."""

    screen_type: ClassVar[type[Screen]]
    # Leave out actions the screen refuses right now (e.g. triage before a review exists).
    only_available: ClassVar[bool] = False

    def _actions(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        if not isinstance(screen, self.screen_type):
            return []
        keys: dict[str, str] = {}
        for key, bindings in screen._bindings.key_to_bindings.items():
            for binding in bindings:
                keys.setdefault(binding.action, self.app.get_key_display(binding) or key)
        help_texts: dict[str, str] = getattr(screen, "ACTION_HELP", {})
        return [
            (action, help_text, keys.get(action, ""))
            for action, help_text in help_texts.items()
            if not self.only_available or screen.check_action(action.split("(")[0], ()) is not False
        ]

    async def discover(self) -> Hits:
        for action, help_text, key in self._actions():
            yield DiscoveryHit(
                help_text, partial(self.screen.run_action, action), help=f"key: {key}"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, help_text, key in self._actions():
            score = matcher.match(help_text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(help_text),
                    partial(self.screen.run_action, action),
                    help=f"key: {key}",
                )
