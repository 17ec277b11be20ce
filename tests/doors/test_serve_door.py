"""The web app's door and pool without a browser: what a fault, a cookie or an oversized
request becomes, and a worker that dies."""

from __future__ import annotations

import asyncio
import logging
import os

from starlette.responses import HTMLResponse, Response

from handouts.doors.serve.door import MAX_BODY, Door, Hosts
from handouts.doors.serve.pool import Pool


def _page(status: int, title: str, message: str) -> HTMLResponse:
    return HTMLResponse(f"<h1>{title}</h1><p>{message}</p>", status_code=status)


def _call(app, headers=(), body=b"") -> tuple[int, dict, bytes]:
    """One request through the door: (status, headers, body)."""
    sent = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/check", "query_string": b"x=1",
             "headers": [(b"host", b"127.0.0.1:8000"), *headers],
             "client": ("127.0.0.1", 5000)}
    asyncio.run(Door(app, _page, {"/check"}, Hosts("127.0.0.1", 8000))(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_fault_is_a_page_and_a_log_line_without_its_text(caplog):
    async def faulty(scope, receive, send):
        raise ValueError("Jane Doe takes sertraline")
    with caplog.at_level(logging.INFO, logger="handouts.doors.serve"):
        status, headers, body = _call(faulty)
    assert status == 500 and b"Something went wrong" in body and b"Jane" not in body
    assert headers[b"cache-control"] == b"no-store"
    log = caplog.text
    assert "internal error (ValueError" in log and "Jane" not in log and "sertraline" not in log
    assert '"POST /check" 500' in log and "x=1" not in log


def test_cookies_are_dropped_and_every_answer_is_no_store():
    async def cookie(scope, receive, send):
        await Response("hi", headers={"set-cookie": "a=b", "cache-control": "max-age=60"})(
            scope, receive, send)
    status, headers, _ = _call(cookie)
    assert status == 200 and b"set-cookie" not in headers
    assert headers[b"cache-control"] == b"no-store"


def test_a_body_longer_than_the_limit_never_reaches_the_app():
    async def app(scope, receive, send):
        raise AssertionError("the app was called")
    status, _, body = _call(app, [(b"content-length", str(MAX_BODY + 1).encode())])
    assert status == 413 and b"Send at most 4 MB" in body


def _die(_):
    os._exit(1)


def _alive(_):
    return "alive"


def test_a_worker_that_dies_costs_one_request_and_the_pool_is_renewed():
    pool = Pool(1)
    try:
        outcome = asyncio.run(pool.run(_die, None))
        assert outcome.internal and "worker process stopped" in outcome.problems[0].message
        assert asyncio.run(pool.run(_alive, None)) == "alive"
    finally:
        pool.close()
