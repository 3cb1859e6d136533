"""1,000 events with deliberate duplicates over real HTTP on 127.0.0.1, to both receivers.

Each distinct event must reach the callback exactly once. The deliveries are sent from the
test with aiohttp (the platform's habits: ``?`` appended to a URL that already has a query,
JSON / form / multipart POSTs and legacy GETs with the ``n`` date separator).
``test_webhooks_sandbox.py`` does the same with the sandbox's emitter.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from callerdesk_async.webhooks import (
    CallReportEvent,
    LiveCallEvent,
    MemberEvent,
    WebhookASGIApp,
    WebhookEvent,
    add_webhook_route,
)

from .webhook_helpers import (
    CALL_REPORT,
    DELIVERY_MODES,
    LIVE_CALL,
    Recorder,
    deliver,
    uvicorn_server,
)

SECRET = "t0ps3cret"


def make_events(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    events: list[dict[str, str]] = []
    for i in range(count):
        roll = i % 10
        if roll < 6:
            fields = {**CALL_REPORT, "CallSid": f"1700000000.{i}", "Uniqueid": f"1700000000.{i}"}
            fields["TalkDuration"] = str(rng.randint(0, 600))
            fields["Status"] = rng.choice(["ANSWER", "NOANSWER(19)", " No Answer", "BUSY", ""])
        elif roll < 9:
            fields = {**LIVE_CALL, "CallSid": f"1700000000.{i}"}
        else:
            fields = {"type": "update_member", "member_id": str(i), "member_name": f"Agent {i}"}
        events.append({k: str(v) for k, v in fields.items()})
    return events


def identity(event: WebhookEvent) -> str:
    if isinstance(event, (CallReportEvent, LiveCallEvent)):
        return f"{event.kind}:{event.call_id}"
    assert isinstance(event, MemberEvent)
    return f"member:{event.member.member_id}"


def expected_identity(fields: dict[str, str]) -> str:
    if fields["type"] == "update_member":
        return f"member:{fields['member_id']}"
    return f"{fields['type']}:{fields['CallSid']}"


async def blast(url: str, events: list[dict[str, str]], duplicate_rate: float) -> Counter[int]:
    """Deliver every event (cycling the delivery modes) plus duplicates, 16 at a time.

    Half the duplicates follow their original at once (so both may be in flight together),
    the other half are re-sent at the end, after the original was acknowledged.
    """
    rng = random.Random(11)
    plan: list[tuple[dict[str, str], str]] = []
    late: list[tuple[dict[str, str], str]] = []
    for i, fields in enumerate(events):
        mode = DELIVERY_MODES[i % len(DELIVERY_MODES)]
        plan.append((fields, mode))
        if rng.random() < duplicate_rate:
            (plan if rng.random() < 0.5 else late).append((fields, mode))
    gate = asyncio.Semaphore(16)
    statuses: Counter[int] = Counter()
    async with aiohttp.ClientSession() as session:

        async def one(fields: dict[str, str], mode: str) -> None:
            async with gate:
                status, _ = await deliver(session, url, fields, mode)
            statuses[status] += 1

        await asyncio.gather(*(one(f, m) for f, m in plan))
        await asyncio.gather(*(one(f, m) for f, m in late))
    assert sum(statuses.values()) == len(plan) + len(late) > len(events)
    return statuses


@pytest.fixture(params=["aiohttp", "asgi"])
async def receiver_url(
    request: pytest.FixtureRequest, recorder: Recorder
) -> AsyncIterator[tuple[str, Recorder]]:
    # Configured with its own query string, which the platform will mangle.
    path = f"/callerdesk/{SECRET}?token=abc"
    if request.param == "aiohttp":
        app = web.Application()
        add_webhook_route(app, "/callerdesk", recorder, secret=SECRET)
        async with TestServer(app, host="127.0.0.1") as server:
            yield str(server.make_url("/")).rstrip("/") + path, recorder
    else:  # the ASGI app under a real ASGI server
        async with uvicorn_server(WebhookASGIApp(recorder, secret=SECRET)) as base:
            yield base + path, recorder


async def test_thousand_events_each_delivered_once(receiver_url: tuple[str, Recorder]) -> None:
    url, recorder = receiver_url
    events = make_events(1000)
    statuses = await blast(url, events, duplicate_rate=0.15)
    assert set(statuses) == {200}
    seen = Counter(identity(e) for e in recorder.events)
    assert len(recorder.events) == 1000
    assert max(seen.values()) == 1
    assert set(seen) == {expected_identity(f) for f in events}
    reports = [e for e in recorder.events if isinstance(e, CallReportEvent)]
    assert all(e.start_time is not None and e.start_time.utcoffset() for e in reports)
    assert all(e.extra == {"token": "abc"} for e in reports)
