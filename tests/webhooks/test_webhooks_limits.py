"""Review round 2, webhook items: bounded correlator and de-duplicator memory, a read
deadline on both receivers, log lines that cannot be forged or blown up, the path secret kept
out of aiohttp's own logs, and Content-Length values that used to give the ASGI app a 500."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode

import pytest

from callerdesk_async.webhooks import (
    CallCorrelator,
    Deduplicator,
    WebhookASGIApp,
    event_from_fields,
    webhook_handler,
)
from callerdesk_async.webhooks._receiver import SecretLogFilter
from tests.conftest import LocalServer

from .webhook_helpers import LIVE_CALL, call_asgi

SECRET = "hook5ecret9f2c0e7ab41d"


async def ignore(event: object) -> None:
    return None


def test_correlator_keeps_a_bounded_number_of_events_per_call() -> None:
    correlator = CallCorrelator()
    call = None
    for k in range(2000):
        event = event_from_fields({**LIVE_CALL, "CallSid": "77.1", "Status": f"{k}" + "s" * 60_000})
        call = correlator.add(event)
    assert call is not None and len(call.events) == correlator.max_events_per_call == 32
    assert call.events[-1].get("Status", "").startswith("1999")


def test_correlator_does_not_file_absurd_ids() -> None:
    correlator = CallCorrelator()
    for k in range(100):
        event = event_from_fields({**LIVE_CALL, "CallSid": f"{k}" + "9" * 60_000})
        assert correlator.add(event) is None
    assert len(correlator) == 0


def test_deduplicator_keeps_long_keys_as_digests() -> None:
    dedupe = Deduplicator(max_entries=1000)
    keys = [("call_report", f"{k}" + "x" * 60_000) for k in range(1000)]
    for key in keys:
        dedupe.mark(key)
    assert all(dedupe.seen(key) for key in keys)
    assert not dedupe.seen(("call_report", "0" + "x" * 59_999 + "y"))
    stored = list(dedupe._seen)
    assert all(len(key) <= 64 for key in stored), "a 60 KB key was kept whole"
    dedupe.forget(keys[0])
    assert not dedupe.seen(keys[0])
    short = ("call_report", "1.2")
    dedupe.mark(short)
    assert short in dedupe._seen  # short keys stay readable


async def test_slow_sender_gets_408_from_the_aiohttp_receiver(local_server: LocalServer) -> None:
    handler = webhook_handler(ignore, secret=SECRET, read_timeout=0.05)
    local_server.route("*", "/hook/{secret}", handler)
    await local_server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", local_server.port)
    # Promise 100 bytes, send 10, then nothing: only the deadline can end this request.
    writer.write(
        f"POST /hook/{SECRET} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\ntype=live_".encode()
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert status_line.split()[1] == b"408"


async def test_slow_sender_gets_408_from_the_asgi_receiver() -> None:
    app = WebhookASGIApp(ignore, read_timeout=0.05)
    sent: list[dict[str, object]] = []
    never = asyncio.Event()

    async def receive() -> dict[str, object]:
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": []}
    await app(scope, receive, send)
    assert sent[0]["status"] == 408


@pytest.mark.parametrize(("length", "status"), [("²", 400), ("٣", 400), ("9" * 5000, 413)])
async def test_asgi_odd_content_length_is_a_4xx(length: str, status: int) -> None:
    app = WebhookASGIApp(ignore)
    headers = [(b"content-length", length.encode())]
    got, _, _ = await call_asgi(app, "POST", "/", b"", headers, b"type=x")
    assert got == status


async def test_log_values_are_escaped_and_truncated(caplog: pytest.LogCaptureFixture) -> None:
    async def boom(event: object) -> None:
        raise RuntimeError("callback failed")

    app = WebhookASGIApp(boom, dedupe=False)
    forged = "1.2\n2026-01-01 ERROR forged line" + "A" * 60_000
    query = urlencode({**LIVE_CALL, "CallSid": forged}).encode()
    with caplog.at_level(logging.INFO, logger="callerdesk_async.webhooks"):
        status, _, _ = await call_asgi(app, "GET", "/", query)
    assert status == 500
    messages = [r.getMessage() for r in caplog.records if r.name == "callerdesk_async.webhooks"]
    assert messages
    for message in messages:
        assert "\n" not in message and len(message) < 1000


async def test_secret_filter_keeps_the_path_secret_out_of_aiohttp_logs(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An 8 KB+ request line is refused by aiohttp's parser (400, before any handler: the
    receivers' 414 is for query strings over ``max_body`` that fit aiohttp's line limit) and
    logged at ERROR with the line; the shipped filter masks the secret."""
    local_server.route("*", "/hook/{secret}", webhook_handler(ignore, secret=SECRET))
    await local_server.start()
    server_log = logging.getLogger("aiohttp.server")
    log_filter = SecretLogFilter(SECRET)

    async def long_line() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", local_server.port)
        writer.write(f"GET /hook/{SECRET}?x={'y' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        return line

    with caplog.at_level(logging.DEBUG, logger="aiohttp.server"):
        assert (await long_line()).split()[1] == b"400"
        assert any(SECRET in r.getMessage() + (r.exc_text or "") for r in caplog.records) or any(
            SECRET in logging.Formatter().format(r) for r in caplog.records
        ), "aiohttp no longer logs the line: the filter's premise is gone"
        caplog.clear()
        for handler in [*logging.getLogger().handlers, caplog.handler]:
            handler.addFilter(log_filter)
        try:
            assert (await long_line()).split()[1] == b"400"
        finally:
            for handler in [*logging.getLogger().handlers, caplog.handler]:
                handler.removeFilter(log_filter)
    assert caplog.records
    for record in caplog.records:
        assert SECRET not in logging.Formatter().format(record)
    assert server_log is logging.getLogger("aiohttp.server")


def test_secret_filter_masks_args_and_exceptions() -> None:
    record = logging.LogRecord("aiohttp.server", logging.ERROR, "f", 1, "bad %s", (SECRET,), None)
    try:
        raise ValueError(f"line /hook/{SECRET}")
    except ValueError as exc:
        record.exc_info = (ValueError, exc, exc.__traceback__)
    assert SecretLogFilter(SECRET).filter(record)
    assert SECRET not in logging.Formatter().format(record)
