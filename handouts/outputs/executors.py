"""Where batch jobs run. An executor takes jobs and yields (Result, bytes of each format)
as they finish; it never writes a file, so the parent alone writes outputs and the manifest.

`Local` runs in this process or in a pool of worker processes on this machine. A worker
that dies takes no job with it: the jobs it held are run again once in a fresh pool, and
only a job that kills a worker twice fails.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from handouts.errors import HandoutError, Problem, internal_error
from handouts.outputs import jobs as job_module
from handouts.outputs.jobs import Outcome, failed, for_workers

DASK_HINT = "start one with `dask scheduler`, or use --executor dask for a cluster on this machine"


@dataclass
class Stop:
    """What the user asked for with Ctrl-C or SIGTERM: the first asks to finish the
    handouts in hand and stop; the second to stop now."""

    requested: bool = False
    now: bool = False
    signal: int = 0
    interruptible: bool = False  # True while this process lays out a handout itself


class Executor(Protocol):
    def run(self, jobs: Sequence, settings, stop: Stop) -> Iterator[Outcome]: ...


@dataclass
class Local:
    """This machine: in-process for one worker, else a process pool."""

    workers: int = 1
    job_runner: Callable | None = None  # the batch's run_job; looked up late for tests
    _suspects: list = field(default_factory=list)  # in flight when a worker died

    def run(self, jobs: Sequence, settings, stop: Stop) -> Iterator[Outcome]:
        runner = self.job_runner or job_module.run_job
        if self.workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                if stop.requested:
                    return
                stop.interruptible = True  # a second Ctrl-C abandons this one handout
                try:
                    outcome = runner(job, settings)
                finally:
                    stop.interruptible = False
                yield outcome
            return
        queue = list(reversed(jobs))
        settings = for_workers(settings)
        while (queue or self._suspects) and not stop.requested:
            yield from self._pool(queue, runner, settings, stop)

    def _pool(self, queue: list, runner: Callable, settings, stop: Stop) -> Iterator[Outcome]:
        """One pool, fed a few jobs at a time so a stop is quick; returns when the work is
        done, a stop is asked for, or a worker died. The jobs in flight when a worker dies
        are suspects: each is run again alone, so only the one that kills its worker
        fails."""
        pool = ProcessPoolExecutor(max_workers=self.workers, initializer=warm_worker,
                                   initargs=(settings.libraries, settings.allow_outside_paths,
                                             os.getpid()))
        inflight: dict[Future, object] = {}
        alone = False
        try:
            while True:
                try:
                    if self._suspects and not inflight and not stop.requested:
                        alone = True
                        self._submit(pool, runner, self._suspects, settings, inflight)
                    while not self._suspects and queue and not stop.requested and \
                            len(inflight) < 2 * self.workers:
                        alone = False
                        self._submit(pool, runner, queue, settings, inflight)
                except BrokenProcessPool:  # it broke before a result told us
                    self._suspects.extend(inflight.values())
                    inflight.clear()
                    return
                if not inflight:
                    return
                done, _ = wait(inflight, timeout=0.2, return_when=FIRST_COMPLETED)
                if stop.now:
                    return
                for future in done:
                    job = inflight.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        if alone:
                            yield failed(job, "a worker process stopped while building this "
                                              "handout (out of memory?); run the batch again "
                                              "to try once more")
                        else:
                            self._suspects.append(job)
                        self._suspects.extend(inflight.values())
                        inflight.clear()
                        return
        finally:
            _stop_pool(pool, stop, kill=bool(inflight))


    @staticmethod
    def _submit(pool, runner: Callable, source: list, settings, inflight: dict) -> None:
        """Move the next job of `source` into the pool (left in `source` if it cannot)."""
        future = pool.submit(runner, source[-1], settings)
        inflight[future] = source.pop()


@dataclass
class Dask:
    """A Dask cluster: the scheduler at `scheduler` (tcp://HOST:PORT), or, without one, a
    cluster of `workers` processes on this machine. Workers lay out and return bytes; this
    process writes. Dask reschedules the jobs of a worker that is lost; a job that has
    taken several workers down with it fails, alone."""

    scheduler: str | None = None
    workers: int = 1

    def run(self, jobs: Sequence, settings, stop: Stop) -> Iterator[Outcome]:
        if not jobs:
            return
        client, cluster = self._connect()
        try:
            yield from self._run(client, job_module.run_job, jobs, for_workers(settings), stop)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _connect(self):
        import logging

        from distributed import Client, LocalCluster

        for name in ("distributed", "tornado", "bokeh"):
            logging.getLogger(name).setLevel(logging.ERROR)
        cluster = None
        try:
            if self.scheduler is not None:
                _reachable(self.scheduler)
            if self.scheduler is None:
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                       processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR)
            return Client(cluster or self.scheduler, timeout=10), cluster
        except (OSError, TimeoutError, ValueError) as exc:
            if cluster is not None:
                cluster.close()
            raise HandoutError(Problem(f"cannot reach the Dask scheduler at {self.scheduler} "
                                       f"({type(exc).__name__})", field="--scheduler",
                                       hint=DASK_HINT)) from None

    def _run(self, client, runner: Callable, jobs: Sequence, settings,
             stop: Stop) -> Iterator[Outcome]:
        from distributed import as_completed

        threads = max(sum(client.nthreads().values()), 1)
        queue = list(reversed(jobs))
        futures: dict = {}
        finished = as_completed()

        def submit() -> None:
            job = queue.pop()
            future = client.submit(runner, job, settings, key=f"handout-{job.output}",
                                   pure=False)
            futures[future] = job
            finished.add(future)

        while queue and len(futures) < 4 * threads:
            submit()
        try:
            for future in finished:
                job = futures.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # KilledWorker: it took workers down with it
                    name = type(exc).__name__
                    yield failed(job, "the Dask workers running this handout stopped "
                                      "several times (out of memory?); run the batch again"
                                 if name == "KilledWorker" else internal_error(exc))
                if stop.now:
                    return
                if queue and not stop.requested:
                    submit()
        finally:
            for future in futures:
                future.cancel()


def _reachable(address: str) -> None:
    """Fail at once, not after the client's retries, when nothing listens there."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 8786),
                                  timeout=5):
        pass


def _stop_pool(pool: ProcessPoolExecutor, stop: Stop, kill: bool) -> None:
    """Shut the pool down and wait for its workers to go; kill them at once if asked to
    stop now (even while waiting), or if jobs are still in flight (no one will collect
    them). Ctrl-C never raises in the middle of this (a pool half shut down would hang the
    interpreter's exit): a press only asks for the kill."""
    processes = list(getattr(pool, "_processes", {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    while any(p.is_alive() for p in processes):
        if kill or stop.now:
            for process in processes:
                if process.is_alive():
                    process.kill()
        time.sleep(0.05)
    if manager is not None:
        manager.join(timeout=MANAGER_GRACE)
        if manager.is_alive():  # stuck on a result a killed worker had half sent
            ABANDONED.append(manager)


MANAGER_GRACE = 10.0  # seconds a pool's manager thread may take to finish after shutdown
# Pool manager threads that will never end: a worker killed while sending its result leaves
# the manager reading a pipe whose other end this process holds, and Python's exit would
# wait for it for ever. `leave` ends the process without waiting for them.
ABANDONED: list[threading.Thread] = []


def leave(status: int) -> None:
    """End the batch with `status`: normally, or, when a pool thread is stuck (see
    ABANDONED), at once, once everything is written and the output flushed."""
    if any(thread.is_alive() for thread in ABANDONED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    if status:
        sys.exit(status)


def warm_worker(libraries: tuple[Path, ...], allow_outside: bool, parent: int) -> None:
    """Load the library and register fonts once per worker, not once per handout.

    Ctrl-C is for the parent: it stops handing out work and waits for each worker to
    finish the handout in hand (a second or less), so no worker dies mid-file. A worker
    whose parent has gone (killed with SIGKILL, say) exits within a second."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    warm_process(libraries, allow_outside)


def warm_process(libraries: tuple[Path, ...], allow_outside: bool = False):
    """What every build in this process uses, loaded once: the library and the fonts."""
    # Here, not at the top: the batch's own process imports this module to hand out jobs
    # and never lays out a page itself unless it runs them (start-up time).
    from handouts.library.load import open_library
    from handouts.render.fonts import FALLBACK, FAMILIES, family

    library = open_library(libraries, allow_outside)
    for family_id in (*FAMILIES, FALLBACK):
        family(family_id)
    return library


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
