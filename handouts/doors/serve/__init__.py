"""`handouts serve`: the clinician's door, a small local web app over build.py and report.py.

Starlette (routes, forms), Jinja2 (pages), uvicorn (the server); builds run in a pool of warm
worker processes. Patient data arrives only in POST bodies, is built in memory and goes back
in the response: it is never written to disk, logged, or kept between requests.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from pathlib import Path

from handouts.errors import HandoutError, Problem


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
        sites_dir: Path | None = Path("specs/sites"), libraries: tuple[Path, ...] = (),
        specs_dir: Path | None = Path("specs")) -> None:
    """Load everything a build needs, start the warm workers, then serve until Ctrl-C."""
    import uvicorn  # the web extra: loaded only when the app starts

    # the app's modules need the web extra too (Starlette, Jinja2)
    from handouts.doors.serve.app import create_app
    from handouts.doors.serve.door import Hosts  # the web extra (Starlette)
    from handouts.doors.serve.limits import BoundedProtocol  # the web extra (uvicorn)
    from handouts.doors.serve.offers import Sites, Standards
    from handouts.doors.serve.pool import Pool

    library = warm_parent(libraries)
    sites, problems = Sites.read(sites_dir)
    for problem in problems:  # every bad site file, each named; the others are offered
        print(f"warning: {problem} (this clinic is not offered)", file=sys.stderr, flush=True)
    standards, problems = Standards.read(specs_dir, libraries)
    for problem in problems:
        print(f"warning: {problem} (this handout is not offered for a visit packet)",
              file=sys.stderr, flush=True)
    listening = _bind(host, port)
    bound = listening.getsockname()
    pool = Pool(workers, libraries)
    pool.warm()
    _log_to_stderr()
    app = create_app(library, sites, pool, Hosts(host, bound[1]), libraries, standards)
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False,
                            lifespan="off", timeout_graceful_shutdown=5, http=BoundedProtocol)
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    print(f"handouts serve: http://{shown}:{bound[1]}/ ({workers} build workers, "
          f"{len(sites.entries)} clinic{'' if len(sites.entries) == 1 else 's'}, "
          f"{len(standards.entries)} standard handout"
          f"{'' if len(standards.entries) == 1 else 's'}); "
          "Ctrl-C stops it", flush=True)
    try:
        asyncio.run(_serve(uvicorn.Server(config), listening))
    finally:
        pool.close()


async def _serve(server, listening: socket.socket) -> None:
    """uvicorn's own serve(), with the event loop's faults said once, not a traceback each
    (see limits.LoopFaults)."""
    from handouts.doors.serve.limits import LoopFaults  # uvicorn: the web extra

    asyncio.get_running_loop().set_exception_handler(LoopFaults(server.server_state.connections))
    await server.serve(sockets=[listening])


def warm_parent(libraries: tuple[Path, ...]):
    """What every build uses, loaded once before the workers are forked from this process:
    the library and its parsed sections, the fonts, ReportLab and the PNG renderer."""
    # Loaded here on purpose, at start-up, so that the workers forked later inherit them.
    from handouts.outputs.executors import warm_process
    from handouts.render.pdf import render  # noqa: F401  (imported for the workers to inherit)

    library = warm_process(libraries)
    for ident in library.topic_ids + library.comedication_ids:
        library.section(ident)
    library.drugs  # noqa: B018  (the vocabulary, memory-mapped)
    import pypdfium2  # noqa: F401
    return library


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a port in use is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise HandoutError(Problem(f"cannot listen on {host}:{port} ({exc.strerror})",
                                   field="--port", hint="choose another --port, or stop "
                                   "what is using it")) from None
    sock.listen(128)
    return sock


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PlainFormatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("handouts.doors.serve")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class PlainFormatter(logging.Formatter):
    """Each record on one line of printable text: a control character (a newline that would
    forge a line, a terminal escape) is written as an escape, never as itself."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def printable(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)
