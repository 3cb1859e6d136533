"""End to end: the sandbox's webhook emitter delivers to both receivers over real HTTP.

``Sandbox.emit_webhooks`` sends each call's ``call_report`` and ``live_call`` events the way
the platform does (``?`` appended to a URL that already has a query; ``n`` date separator for
GET) and re-sends some verbatim; every distinct event must reach the callback exactly once.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AsyncExitStack
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from callerdesk_async import sandbox
from callerdesk_async.webhooks import (
    CallReportEvent,
    LiveCallEvent,
    WebhookASGIApp,
    add_webhook_route,
)

from .webhook_helpers import Recorder, uvicorn_server

SECRET = "t0ps3cret"


@pytest.mark.parametrize(
    ("kind", "delivery", "count"),
    [
        ("aiohttp", "json", 1000),
        ("asgi", "get", 1000),
        ("aiohttp", "multipart", 200),
        ("asgi", "form", 200),
    ],
)
async def test_sandbox_emitter_reaches_callback_once(kind: str, delivery: str, count: int) -> None:
    recorder = Recorder()
    async with AsyncExitStack() as stack:
        if kind == "aiohttp":
            app = web.Application()
            add_webhook_route(app, "/callerdesk", recorder, secret=SECRET)
            server = await stack.enter_async_context(TestServer(app, host="127.0.0.1"))
            base = str(server.make_url("/")).rstrip("/")
        else:  # the ASGI app under uvicorn
            asgi = WebhookASGIApp(recorder, secret=SECRET)
            base = await stack.enter_async_context(uvicorn_server(asgi))
        sb = await stack.enter_async_context(sandbox.Sandbox(calls=2000))
        url = f"{base}/callerdesk/{SECRET}?token=abc"
        report: Any = await sb.emit_webhooks(
            url, count=count, delivery=delivery, duplicate_rate=0.1
        )
    assert report.failures == 0
    assert report.duplicates > 0
    assert report.statuses == {200: report.sent}
    assert len(recorder.events) == report.distinct == report.sent - report.duplicates
    keys = Counter((e.kind, getattr(e, "call_id", None)) for e in recorder.events)
    assert max(keys.values()) == 1
    assert {type(e) for e in recorder.events} == {CallReportEvent, LiveCallEvent}
    for event in recorder.events:
        assert isinstance(event, (CallReportEvent, LiveCallEvent))
        assert event.start_time is not None
        assert event.start_time.utcoffset() is not None
        assert event.status is not None
