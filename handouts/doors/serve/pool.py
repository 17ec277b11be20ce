"""Builds run in a pool of warm worker processes: the engine is CPU-bound, so the server
stays free to answer while up to N builds run and the rest wait their turn."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from handouts.doors.serve import jobs
from handouts.errors import Problem
from handouts.outputs.executors import warm_worker


class Pool:
    def __init__(self, workers: int, libraries: tuple[Path, ...] = ()):
        self.workers, self.libraries = workers, libraries
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        # fork: workers start with the library, fonts and ReportLab the server loaded
        return ProcessPoolExecutor(self.workers, multiprocessing.get_context("fork"),
                                   initializer=warm_worker,
                                   initargs=(self.libraries, False, os.getpid()))

    def warm(self) -> None:
        """Start every worker now, not on the first request."""
        wait([self.executor.submit(jobs.warm) for _ in range(self.workers)])

    async def run(self, job, order) -> jobs.Outcome:
        executor = self.executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, job, order)
        except BrokenProcessPool:  # a worker died (out of memory?): a fresh pool, once
            if self.executor is executor:  # not yet replaced by another request
                executor.shutdown(wait=False, cancel_futures=True)
                self.executor = self._new()
            return jobs.Outcome(problems=(Problem("a worker process stopped while building "
                                                  "(out of memory?)"),), internal=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
