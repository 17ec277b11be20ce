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
from handouts.outputs.collecting import COLLECTOR
from handouts.outputs.jobs import Outcome, failed, for_workers

DASK_HINT = ("give the address of a running `dask scheduler` (tls:// with --tls-ca-file, "
             "--tls-cert and --tls-key), or use --executor dask for a cluster on this machine")


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
            if len(jobs) > 1:  # this process builds them all, as a worker would
                COLLECTOR.start()
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


@dataclass(frozen=True)
class Tls:
    """The files of a Dask TLS security configuration for this client: the certificate
    authority that signed the scheduler's and workers' certificates, and this client's own
    certificate and key (Dask's TLS is mutual: each side proves itself to the other)."""

    ca_file: Path
    cert: Path
    key: Path


@dataclass
class Dask:
    """A Dask cluster: the scheduler at `scheduler` (tcp:// or tls://HOST:PORT), or,
    without one, a cluster of `workers` processes on this machine. Workers lay out and
    return bytes; this process writes. Dask reschedules the jobs of a worker that is lost;
    a job that has taken several workers down with it fails, alone."""

    scheduler: str | None = None
    workers: int = 1
    tls: Tls | None = None

    def run(self, jobs: Sequence, settings, stop: Stop) -> Iterator[Outcome]:
        if not jobs:
            return
        connected = self._connect(stop)
        if connected is None:  # Ctrl-C or SIGTERM while connecting
            return
        client, cluster = connected
        try:
            yield from self._run(client, job_module.run_job, jobs, for_workers(settings), stop)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _connect(self, stop: Stop):
        import logging

        from distributed import Client, LocalCluster

        for name in ("distributed", "tornado", "bokeh"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        if self.scheduler is not None:
            return self._connect_to_scheduler(stop)
        cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
        return Client(cluster, timeout=CONNECT_SECONDS), cluster

    def _connect_to_scheduler(self, stop: Stop):
        """A client of the scheduler, or a located error: nothing listening, a peer that is
        not a Dask scheduler (an HTTP server, junk, silence), a TLS handshake refused. The
        connection is made in a thread of its own, so that it ends within CONNECT_SECONDS
        and Ctrl-C or SIGTERM is honoured while it is made (None: asked to stop)."""
        from distributed import Client

        try:
            _reachable(self.scheduler)
        except OSError as exc:
            raise self._problem(f"cannot reach the Dask scheduler at {self.scheduler} "
                                f"({type(exc).__name__})") from None
        security = self._security()
        box: dict = {}

        def connect() -> None:
            try:
                box["client"] = Client(self.scheduler, timeout=CONNECT_SECONDS,
                                       security=security)
            except BaseException as exc:  # noqa: BLE001 - said below, by its type
                box["error"] = exc
        thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
        thread.start()
        deadline = time.monotonic() + CONNECT_SECONDS
        while thread.is_alive() and not stop.requested and time.monotonic() < deadline:
            thread.join(0.1)
        if thread.is_alive():
            ABANDONED.append(thread)  # it ends by its own timeout; we need not wait
            if stop.requested:
                return None
            raise self._problem(f"no Dask scheduler answered at {self.scheduler} within "
                                f"{CONNECT_SECONDS:.0f} s")
        if "error" in box:
            raise self._problem(_connect_failure(self.scheduler, box["error"])) from None
        if stop.requested:
            box["client"].close()
            return None
        return box["client"], None

    def _security(self):
        if self.tls is None:
            return None
        from distributed.security import Security

        return Security(tls_ca_file=str(self.tls.ca_file), tls_client_cert=str(self.tls.cert),
                        tls_client_key=str(self.tls.key), require_encryption=True)

    @staticmethod
    def _problem(message: str) -> HandoutError:
        return HandoutError(Problem(message, field="--scheduler", hint=DASK_HINT))

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


CONNECT_SECONDS = 10.0  # to connect and shake hands with a scheduler


def _connect_failure(address: str, exc: BaseException) -> str:
    """What a failed connection says: never the exception's text (it could quote what a
    stranger's server sent), only what kind of failure it was."""
    import ssl

    name = type(exc).__name__
    if isinstance(exc, ssl.SSLError) or "ssl" in name.lower() or "tls" in name.lower():
        return (f"the TLS handshake with the Dask scheduler at {address} failed ({name}): "
                "check that its certificate was signed by --tls-ca-file, and ours by its")
    if isinstance(exc, TimeoutError | OSError):
        return f"cannot reach the Dask scheduler at {address} ({name})"
    return f"{address} did not answer as a Dask scheduler ({name})"


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
    COLLECTOR.start()  # what it loaded lives as long as it does (see collecting.py)


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
