"""What keeps the server reachable and its log short when a client misbehaves: a bound on
open connections (the oldest idle one gives way to a new one), a deadline for a request's
head, and one log line, not a traceback a millisecond, when the process runs out of file
descriptors.

uvicorn bounds neither the number of connections nor the time a connection may sit without
sending a request: 1,100 idle connections used to take every descriptor of a desktop's
usual limit of 1,024, and asyncio then logged a traceback for each failed accept.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
import traceback
from pathlib import Path

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 64  # a browser opens six per site; far below 1,024 descriptors
HEAD_SECONDS = 10.0  # to send a request's head, from connecting or the last response
QUIET_SECONDS = 60.0  # the same fault is logged once in this time
LOG = logging.getLogger("handouts.doors.serve")
OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class BoundedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a bound on connections and on the time a
    connection may hold a slot without sending a whole request head."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.opened = time.monotonic()
        if len(self.connections) >= MAX_CONNECTIONS and not close_idle(self.connections, 1):
            transport.abort()  # every slot is busy with a request: this one waits its turn
            return
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._await_head()

    @property
    def idle(self) -> bool:
        """No request in progress: waiting for a head (or a slow one) or kept alive."""
        return self.cycle is None or self.cycle.response_complete

    def handle_events(self) -> None:
        super().handle_events()
        if not self.idle and self._head_timer is not None:  # a whole head has come
            self._head_timer.cancel()
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_head_timer", None) is not None:
            self._head_timer.cancel()
        if self.transport is not None:
            super().connection_lost(exc)

    def _await_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(HEAD_SECONDS, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.idle and not self.transport.is_closing():
            self.transport.abort()


def close_idle(connections, count: int) -> int:
    """Close up to `count` of the connections that have no request in progress, the
    longest-open first; how many were closed."""
    idle = sorted((c for c in connections if getattr(c, "idle", False)
                   and not c.transport.is_closing()), key=lambda c: c.opened)
    for connection in idle[:count]:
        connection.transport.abort()
        connections.discard(connection)
    return len(idle[:count])


class LoopFaults:
    """The event loop's exception handler: each kind of fault once a minute, by its type
    and place (never a traceback or an exception's text); out of file descriptors, it
    closes idle connections so that the next accept can succeed."""

    def __init__(self, connections):
        self.connections = connections
        self.said: dict[str, float] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in OUT_OF_FILES:
            # connections accepted in the same burst are not yet in the set: the next
            # try, a second later, finds them and closes a quarter of the idle ones
            close_idle(self.connections, max(1, len(self.connections) // 4))
            self._once("files", "out of file descriptors: idle connections are closed to "
                       "make room, and new ones wait (said once a minute)")
        elif exc is not None:  # by its type and place, never its text
            frames = traceback.extract_tb(exc.__traceback__)
            where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames \
                else ""
            self._once(type(exc).__name__, "a fault in the server's event loop (%s%s)",
                       type(exc).__name__, where)
        else:
            self._once("message", "a fault in the server's event loop")

    def _once(self, kind: str, message: str, *args) -> None:
        now = time.monotonic()
        if now - self.said.get(kind, -QUIET_SECONDS) >= QUIET_SECONDS:
            self.said[kind] = now
            LOG.error(message, *args)
