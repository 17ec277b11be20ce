"""The door every request passes: the address it was sent to and the page it came from are
checked (another site's page may not use the form, nor a name that is not this server's),
size and time limits, a bound on the builds waiting, headers that keep patient data out of
caches, a one-line access log with no query string, form value or path the app did not
serve, and an error page, never a traceback, for anything that goes wrong inside."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable

from starlette.requests import ClientDisconnect

from handouts.errors import internal_error

MAX_BODY = 4 * 1024 * 1024  # a form with a FHIR file of a few thousand entries
DRAIN = 64 * 1024 * 1024  # read (and drop) this much of a refused body, so the browser
# sees the page that says what to do rather than a connection reset
BODY_IDLE_SECONDS = 10.0  # the longest wait for the next part of a request's body
BODY_SECONDS = 60.0  # and for all of it (4 MB at 70 KB/s)
LOG = logging.getLogger("handouts.doors.serve")
POLICY = b"content-security-policy"
HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    # not no-referrer: under it a browser sends "Origin: null" even from our own form, and
    # the Origin check below could not tell our page from a sandboxed one elsewhere
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
     b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
]
SAFE_METHODS = {"GET", "HEAD"}
REFUSED = "handouts.refused"  # the scope key where the app leaves why it refused a request
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WILDCARD = {"0.0.0.0", "::", ""}


class Rejected(Exception):
    """A request refused before it is built: status, page title, what to do."""

    def __init__(self, status: int, title: str, message: str, reason: str = ""):
        super().__init__(title)
        self.status, self.title, self.message, self.reason = status, title, message, reason


class Hosts:
    """The names a request may be addressed to: the address the server listens on (with
    its loopback aliases), at its port. A page that has re-pointed its own name at this
    machine (DNS rebinding) sends its own name, and is refused."""

    def __init__(self, host: str, port: int):
        self.port = port
        self.any_address = host in WILDCARD  # every address of this machine, by number
        self.names = LOOPBACK | {host.lower()} if host in LOOPBACK or self.any_address \
            else {host.lower()}

    def __contains__(self, header: str) -> bool:
        name, port = _split_host(header)
        if port != self.port or not name:
            return False
        return name in self.names or (self.any_address and _is_address(name))


def _split_host(header: str) -> tuple[str, int | None]:
    """'127.0.0.1:8000' -> ('127.0.0.1', 8000); '[::1]:80' -> ('::1', 80); no port: 80."""
    text = header.strip().lower()
    if text.startswith("["):
        name, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ("80" if not rest else "x")
    else:
        name, _, port_text = text.rpartition(":") if ":" in text else (text, "", "80")
    return name, int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Door:
    """ASGI middleware around the app. `page(status, title, message)` makes error pages;
    `known_paths` are the only paths the log names; at most `max_waiting` form posts are
    read, queued or built at once (the rest are told to try again: 503)."""

    def __init__(self, app, page: Callable, known_paths: set[str], hosts: Hosts,
                 max_waiting: int = 24):
        self.app, self.page, self.known_paths = app, page, known_paths
        self.hosts, self.max_waiting, self.waiting = hosts, max_waiting, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status, note = time.perf_counter(), [0], [""]

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

        body = Body(receive)
        receive = body.receive
        counted = False
        try:
            self._check_address(scope)
            await self._check_length(scope, receive)
            if scope.get("method") not in SAFE_METHODS:
                if self.waiting >= self.max_waiting:
                    raise Rejected(503, "Busy: try again in a minute", "This computer is "
                                   "building many handouts at once. Wait a minute, then "
                                   "press the button again.", "too many waiting")
                self.waiting += 1
                counted = True
            await self.app(scope, receive, send_with_headers)
        except Rejected as exc:
            note[0] = exc.reason
            await self._error(scope, body, send_with_headers, exc, status)
        except (ClientDisconnect, ConnectionError):  # the browser went away: not a bug
            note[0] = "the client went away"
        except Exception as exc:  # a bug: its type and place, never its text
            LOG.error(internal_error(exc))
            if not status[0]:
                await self._error(scope, body, send_with_headers, Rejected(
                    500, "Something went wrong", "This is a fault in this program, not in "
                    "what you entered. Try again; if it happens again, tell whoever runs "
                    "this service."), status)
        finally:
            self.waiting -= counted
            self._log(scope, status[0], started, note[0] or scope.get(REFUSED, ""))

    def _check_address(self, scope) -> None:
        """Host must be one of ours (GET too: a rebound name must not even read the form);
        a post must come from this server's own page, said by Sec-Fetch-Site or Origin.
        A client that sends neither header is not a browser, so no page sent it."""
        headers = dict(scope.get("headers", ()))
        host = headers.get(b"host", b"").decode("latin-1")
        if host not in self.hosts:
            raise Rejected(421, "Wrong address", "This server answers only at the address it "
                           "printed when it started. Open the form from there.",
                           "refused: not addressed to this server")
        if scope.get("method") in SAFE_METHODS:
            return
        site, origin = headers.get(b"sec-fetch-site"), headers.get(b"origin")
        if (site is not None and site not in (b"same-origin", b"none")) or \
                (origin is not None and origin.decode("latin-1").lower() != f"http://{host}"
                 .lower()):
            raise Rejected(403, "Refused: sent from another page", "This form takes only "
                           "what is sent from its own page. Open the form at this address "
                           "and fill it in there.", "refused: sent from another page")

    async def _error(self, scope, body: Body, send, exc: Rejected, status: list) -> None:
        if status[0]:
            return  # the response has begun; nothing more can be sent
        if exc.status != 408:
            await body.drain()
        await error_page(self.page, exc)(scope, body.receive, send)

    @staticmethod
    async def _check_length(scope, receive) -> None:
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit() and int(value) > MAX_BODY:
                raise Rejected(413, "The form is too large", _too_large(), "too large")

    def _log(self, scope, status: int, started: float, note: str) -> None:
        """Method, path (the app's own only: a path typed by hand could name someone),
        status and time. No query string, no form value, no header."""
        path = scope.get("path", "")
        shown = path if path in self.known_paths else "-"
        LOG.info('%s "%s %s" %s %.0f ms%s', (scope.get("client") or ("-",))[0],
                 scope.get("method", "-"), shown, status or "-",
                 (time.perf_counter() - started) * 1000, f" ({note})" if note else "")


def error_page(page: Callable, exc: Rejected):
    """The page for a refusal; the connection is closed after it when the rest of a body
    may still be on its way."""
    response = page(exc.status, exc.title, exc.message)
    if exc.status in (408, 413, 503):
        response.headers["connection"] = "close"
    return response


def _too_large() -> str:
    return (f"Send at most {MAX_BODY // (1024 * 1024)} MB: paste the medicine list, or "
            "upload a FHIR file with this patient's current medicines only.")


class Body:
    """The request body as the app reads it: refused past MAX_BODY even when no length was
    sent, and when it comes too slowly (a part every BODY_IDLE_SECONDS, all of it within
    BODY_SECONDS of the request)."""

    def __init__(self, receive):
        self.raw, self.seen, self.more = receive, 0, True
        self.deadline = time.monotonic() + BODY_SECONDS

    async def receive(self) -> dict:
        message = await self._next()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > MAX_BODY:
                await self.drain()
                raise Rejected(413, "The form is too large", _too_large(), "too large")
        return message

    async def drain(self) -> None:
        """Read the rest of a refused body, up to DRAIN bytes and within the time limits,
        keeping none of it, so the browser sees the page rather than a reset."""
        drained = 0
        try:
            while self.more and drained < DRAIN:
                drained += len((await self._next()).get("body", b""))
        except Rejected:  # too slow even to be drained: the page is sent all the same
            pass

    async def _next(self) -> dict:
        wait = min(BODY_IDLE_SECONDS, self.deadline - time.monotonic())
        try:
            message = await asyncio.wait_for(self.raw(), max(wait, 0.001))
        except TimeoutError:
            raise Rejected(408, "The form came too slowly", "Send the form again from the "
                           "page.", "too slow") from None
        self.more = message["type"] == "http.request" and message.get("more_body", False)
        return message
