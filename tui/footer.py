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

    def drop_overflow(self) -> None:
        keys = list(self.query(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        right = palette[0].region.x if palette else self.region.right
        for key in keys:
            if key in palette:
                continue
            # A key is cut when its right edge (its margin included) passes the limit.
            if key.region.right + key.styles.margin.right > right:
                key.display = False
