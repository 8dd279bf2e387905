"""The key footer, showing whole bindings only.

Textual's footer clips the row of keys at the right edge, or at the command-palette key
docked there: at 80 columns the reader saw `m Miti` and `^z` with no label. This footer
drops the keys that do not fit, whole; every one of them stays in the command palette.
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    """A footer that hides, from the right, the keys it has no room for."""

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self.drop_overflow)

    def on_resize(self) -> None:
        # Keys dropped at a smaller width come back: compose them all, then measure again.
        self.call_after_refresh(self.recompose)

    @staticmethod
    def key_width(key: FooterKey) -> int:
        """The columns a key takes, measured from its text, not from its laid-out region:
        a footer behind a modal screen is composed again without being laid out."""
        return key.render().cell_len + key.styles.gutter.width + key.styles.margin.width

    def drop_overflow(self) -> None:
        keys = list(self.query(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        room = self.size.width - sum(self.key_width(k) for k in palette)
        used = 0
        for key in keys:
            if key in palette:
                continue
            used += self.key_width(key)
            # Once one key does not fit, the ones after it go too: the order stays.
            key.display = used <= room
            if used > room:
                used = room + 1
