"""The cyclic garbage collector, paused while the bot is imported.

Importing the bot makes some 100,000 objects (modules, classes, functions, SQLAlchemy's and
PTB's tables) that live as long as the process. The collector runs whenever enough new objects
pile up, and a full collection walks all of them: during the import that was a sixth to a
quarter of its CPU time (docs/performance.md, "Start-up"), and afterwards every full collection
would walk them again. So the collector is off while the bot is imported, and what the import
made is then frozen (`gc.freeze`: kept out of every later collection; it is never garbage
anyway).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Around the imports of a start: the collector is off inside, frozen and back on after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
