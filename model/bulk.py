"""Building many objects at once: a model of 10,000 components is some 300,000 of them.

CPython's cyclic garbage collector runs every few hundred allocations and, as the heap
grows, walks every live object again; while a large model file or workspace is read it
would spend more time there than on the reading itself. What archrev builds in bulk (YAML
values, pydantic models) holds no reference cycles, so reference counting alone frees it:
the collector is paused while building and resumed after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def building_many_objects() -> Iterator[None]:
    """Pause cyclic garbage collection for the block (nested uses are fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
