"""Garbage collection fit for a process that builds many handouts, one after another.

Python's collector is tuned for long programs that allocate steadily: a handout makes
hundreds of thousands of short-lived objects, so it ran about 13 young collections and a
full one every ten handouts, scanning the library, the fonts and the layout caches each
time (a fifth of a batch worker's CPU). A worker instead freezes what it loaded when it
warmed up (it lives as long as the process), collects nothing while a handout is built,
and after each handout collects its young objects once (ReportLab's canvas and document
hold cycles); every FULL_EVERY handouts it collects everything and freezes what is left
(the caches), so a long batch keeps a flat memory and no pass rescans the same heap.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FULL_EVERY = 50  # handouts between full collections


class Collector:
    """The collection policy of a process that runs jobs (off until `start`)."""

    def __init__(self) -> None:
        self.on = False
        self.jobs = 0

    def start(self) -> None:
        """After warm-up: what is loaded now lives as long as the process."""
        gc.collect()
        gc.freeze()
        self.on = True

    @contextmanager
    def job(self) -> Iterator[None]:
        """No collection while one handout is built; its garbage collected after it."""
        if not self.on or not gc.isenabled():
            yield
            return
        gc.disable()
        try:
            yield
        finally:
            gc.enable()
            self.jobs += 1
            if self.jobs % FULL_EVERY == 0:
                gc.collect()
                gc.freeze()
            else:
                gc.collect(1)


COLLECTOR = Collector()
