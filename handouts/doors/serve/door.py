"""The door every request passes: a size limit, headers that keep patient data out of
caches, a one-line access log with no query string or form value, and an error page, never
a traceback, for anything that goes wrong inside."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from handouts.errors import internal_error

MAX_BODY = 4 * 1024 * 1024  # a form with a FHIR file of a few thousand entries
DRAIN = 64 * 1024 * 1024  # read (and drop) this much of a refused body, so the browser
# sees the page that says what to do rather than a connection reset
LOG = logging.getLogger("handouts.doors.serve")
POLICY = b"content-security-policy"
HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
     b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
]


class Rejected(Exception):
    """A request refused before it is built: status, page title, what to do."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(title)
        self.status, self.title, self.message = status, title, message


class Door:
    """ASGI middleware around the app. `page(status, title, message)` makes error pages."""

    def __init__(self, app, page: Callable, known_paths: set[str]):
        self.app, self.page, self.known_paths = app, page, known_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [0]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                given = message.get("headers", [])
                # a route may set a stricter policy of its own (the HTML twin's); the
                # other headers are always ours, and cookies are always dropped
                own_policy = any(k.lower() == POLICY for k, _ in given)
                ours = [h for h in HEADERS if not (own_policy and h[0] == POLICY)]
                replaced = {h for h, _ in ours} | {b"set-cookie"}
                message = {**message, "headers": [
                    (k, v) for k, v in given if k.lower() not in replaced] + ours}
            await send(message)

        try:
            await self._check_length(scope, receive)
            await self.app(scope, _limited(receive), send_with_headers)
        except Rejected as exc:
            await self._error(scope, receive, send_with_headers, exc, status)
        except Exception as exc:  # a bug: its type and place, never its text
            LOG.error(internal_error(exc))
            if not status[0]:
                await self._error(scope, receive, send_with_headers, Rejected(
                    500, "Something went wrong", "This is a fault in this program, not in "
                    "what you entered. Try again; if it happens again, tell whoever runs "
                    "this service."), status)
        finally:
            self._log(scope, status[0], started)

    async def _error(self, scope, receive, send, exc: Rejected, status: list) -> None:
        if status[0]:
            return  # the response has begun; nothing more can be sent
        await self.page(exc.status, exc.title, exc.message)(scope, receive, send)

    @staticmethod
    async def _check_length(scope, receive) -> None:
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit() and int(value) > MAX_BODY:
                await _drain(receive, {"more_body": True})
                raise Rejected(413, "The form is too large", _too_large())

    def _log(self, scope, status: int, started: float) -> None:
        """Method, path (known routes only: a path typed by hand could name someone), status
        and time. No query string, no form value, no header."""
        path = scope.get("path", "")
        shown = path if path in self.known_paths or path.startswith("/static/") else "-"
        LOG.info('%s "%s %s" %s %.0f ms', (scope.get("client") or ("-",))[0],
                 scope.get("method", "-"), shown, status or "-",
                 (time.perf_counter() - started) * 1000)


def _too_large() -> str:
    return (f"Send at most {MAX_BODY // (1024 * 1024)} MB: paste the medicine list, or "
            "upload a FHIR file with this patient's current medicines only.")


def _limited(receive):
    """The request body, refused past MAX_BODY even when no length was sent."""
    seen = 0

    async def wrapped():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                await _drain(receive, message)
                raise Rejected(413, "The form is too large", _too_large())
        return message
    return wrapped


async def _drain(receive, message: dict) -> None:
    """Read the rest of a refused body, up to DRAIN bytes, keeping none of it."""
    drained = 0
    while message.get("more_body") and drained < DRAIN:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
