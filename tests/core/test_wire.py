"""Behaviour over a real socket (127.0.0.1): what aioresponses cannot show.

Retries, disconnects, timeouts, cancellation, pooling and the shared 429 cool-down, each against
a small aiohttp.web server whose handlers misbehave on purpose.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy, Timeout
from callerdesk_async.errors import (
    APIConnectionError,
    APITimeoutError,
    OutcomeUnknownError,
)
from tests.conftest import AUTHCODE, LocalServer

OK_C2C = {
    "type": "success",
    "message": "Call to Customer Initiate Successfully..",
    "campid": 42,
    "callerid": "08061234567",
}


def client(server: LocalServer, **kw: object) -> CallerdeskClient:
    kw.setdefault("retry", RetryPolicy(max_retries=3, initial=0.01, max_delay=0.02))
    return CallerdeskClient(AUTHCODE, base_url=server.base_url, **kw)  # type: ignore[arg-type]


def json_response(obj: object) -> web.Response:
    return web.Response(text=json.dumps(obj), content_type="text/html")


async def test_twenty_tasks_wait_out_one_429_together(local_server: LocalServer) -> None:
    state = {"throttled_until": 0.0, "answered_429": 0, "ok": 0}

    async def handler(request: web.Request) -> web.Response:
        now = time.monotonic()
        if state["throttled_until"] == 0.0:
            state["throttled_until"] = now + 1.0
        if now < state["throttled_until"]:
            state["answered_429"] += 1
            return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")
        state["ok"] += 1
        return json_response({"type": "success", "getdeskphone": []})

    local_server.route("POST", "/api/getdeskphone_v2", handler)
    await local_server.start()
    async with client(local_server, max_concurrency=8) as cd:
        results = await asyncio.gather(
            *(cd.request("getdeskphone_v2", idempotent=True) for _ in range(20))
        )
    assert len(results) == 20
    assert state["ok"] == 20
    print("answered 429:", state["answered_429"])
    assert state["answered_429"] <= 2, state


async def test_click_to_call_sent_once_when_server_drops_after_receiving(
    local_server: LocalServer,
) -> None:
    executed = []

    async def handler(request: web.Request) -> web.Response:
        executed.append(dict(request.query))
        assert request.transport is not None
        request.transport.close()  # acted on it, then the connection dies without an answer
        await asyncio.sleep(0.05)
        return json_response(OK_C2C)

    local_server.route("GET", "/api/click_to_call_v2", handler)
    await local_server.start()
    async with client(local_server) as cd:
        with pytest.raises(OutcomeUnknownError) as info:
            await cd.calls.click_to_call(
                agent="09999900001", customer="+919888800002", deskphone="08061234567"
            )
    assert len(executed) == 1
    assert executed[0]["calling_party_a"] == "9999900001"
    assert executed[0]["calling_party_b"] == "9888800002"
    assert executed[0]["call_from_did"] == "1"
    assert info.value.attempts == 1


async def test_click_to_call_read_timeout_is_outcome_unknown(local_server: LocalServer) -> None:
    executed = []

    async def handler(request: web.Request) -> web.Response:
        executed.append(1)
        await asyncio.sleep(2)
        return json_response(OK_C2C)

    local_server.route("GET", "/api/click_to_call_v2", handler)
    await local_server.start()
    async with client(local_server, timeout=Timeout(total=5, connect=1, sock_read=0.2)) as cd:
        with pytest.raises(OutcomeUnknownError) as info:
            await cd.calls.click_to_call(
                agent="9999900001", customer="9888800002", deskphone="08061234567"
            )
    assert info.value.timed_out
    assert executed == [1]


async def test_stalled_read_endpoint_times_out_after_retries(local_server: LocalServer) -> None:
    calls = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(1)
        await asyncio.sleep(2)
        return json_response({"type": "success"})

    local_server.route("POST", "/api/profile_billing_v2", handler)
    await local_server.start()
    async with client(
        local_server,
        timeout=Timeout(total=5, connect=1, sock_read=0.1),
        retry=RetryPolicy(max_retries=1, initial=0.01),
    ) as cd:
        with pytest.raises(APITimeoutError) as info:
            await cd.request("profile_billing_v2", idempotent=True)
    assert info.value.attempts == 2
    assert len(calls) == 2


async def test_connect_failure_is_retried_even_for_click_to_call() -> None:
    # A port nobody listens on: the request provably never reached a server.
    server = LocalServer()
    await server.start()
    url = server.base_url
    await server.stop()
    async with CallerdeskClient(
        AUTHCODE, base_url=url, retry=RetryPolicy(max_retries=2, initial=0.01)
    ) as cd:
        with pytest.raises(APIConnectionError) as info:
            await cd.calls.click_to_call(
                agent="9999900001", customer="9888800002", deskphone="08061234567"
            )
    assert not info.value.reached_server
    assert info.value.attempts == 3
    assert not isinstance(info.value, OutcomeUnknownError)


async def test_cancel_during_backoff_sleep_propagates_promptly(local_server: LocalServer) -> None:
    hits = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(1)
        return web.Response(status=503, text="down")

    local_server.route("POST", "/api/profile_billing_v2", handler)
    await local_server.start()
    async with client(
        local_server, retry=RetryPolicy(max_retries=5, initial=30, max_delay=30, jitter=False)
    ) as cd:
        task = asyncio.ensure_future(cd.request("profile_billing_v2", idempotent=True))
        while not hits:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # now inside the 30 s backoff sleep
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        elapsed = time.monotonic() - started
        assert cd.stats.in_flight == 0
    assert len(hits) == 1
    # Far below the 30 s sleep it interrupted, and no upper bound a loaded machine could race.
    assert elapsed < 15.0


async def test_pool_reuses_connections(local_server: LocalServer) -> None:
    peers: set[object] = set()

    async def handler(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        await asyncio.sleep(0.005)
        return json_response({"type": "success"})

    local_server.route("POST", "/api/profile_billing_v2", handler)
    await local_server.start()
    async with client(local_server, max_concurrency=4) as cd:
        for _ in range(5):
            await asyncio.gather(
                *(cd.request("profile_billing_v2", idempotent=True) for _ in range(12))
            )
    assert 1 <= len(peers) <= 4
