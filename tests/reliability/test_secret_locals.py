"""Review round 2, items 1-3: the authcode stays out of tracebacks rendered with local
variables (Sentry, rich ``show_locals``, ``pytest -l``) on cancellation and timeouts, out of
cut body snippets, and out of suppressed exception contexts.

Each case runs over a real socket against a server that never answers (or answers a broken
head), on a GET endpoint (the key in the URL's query) and a POST endpoint (the key in the
form body), and renders what the caller receives with
``traceback.TracebackException(capture_locals=True)``.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async._protocol import Redactor, _snippet
from callerdesk_async.errors import APIConnectionError
from tests.conftest import LocalServer

KEY = "9f2c0e7ab41d4e6f8a3b5c7d9e1f2a4b"
NO_RETRY = RetryPolicy(max_retries=0)


def _server_side(handle: asyncio.TimerHandle) -> bool:
    """Whether a timer belongs to the test's aiohttp server (e.g. its keep-alive check)."""
    owner = getattr(handle._callback, "__self__", None)  # type: ignore[attr-defined]
    return type(owner).__module__.startswith("aiohttp.web")


def rendered(exc: BaseException) -> str:
    """What Sentry/rich show: the whole chain, every frame's local variables included."""
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


@pytest.fixture
async def stalled(local_server: LocalServer) -> AsyncIterator[LocalServer]:
    """A server that reads each request and then never answers (until the test ends)."""
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        await release.wait()
        return web.Response(text="{}")

    local_server.route("*", "/api/{tail:.*}", handler)
    await local_server.start()
    yield local_server
    release.set()


Call = Callable[[CallerdeskClient], Awaitable[object]]
CALLS: dict[str, Call] = {
    "GET live_call_v2": lambda cd: cd.calls.live(),
    "GET click_to_call": lambda cd: cd.calls.click_to_call(
        agent="9876543210", customer="9876543211", deskphone="08062121212"
    ),
    "POST profile": lambda cd: cd.account.profile(),
}


async def _sent(server: LocalServer) -> None:
    """Until the server holds a connection (the request is in aiohttp's frames)."""
    while not server.runner or not any(
        s.connections for s in [server.runner.server] if s is not None
    ):
        await asyncio.sleep(0.005)


async def _by_timeout(cd: CallerdeskClient, call: Call, server: LocalServer) -> BaseException:
    loop = asyncio.get_running_loop()

    async def run() -> None:
        async with asyncio.timeout(None) as scope:  # type: ignore[attr-defined, unused-ignore]
            task = asyncio.ensure_future(call(cd))
            await _sent(server)
            scope.reschedule(loop.time())  # the deadline passes now, not after a real wait
            await task

    with pytest.raises(TimeoutError) as info:
        await run()
    return info.value


async def _by_wait_for(cd: CallerdeskClient, call: Call, server: LocalServer) -> BaseException:
    loop = asyncio.get_running_loop()
    waiter = asyncio.ensure_future(asyncio.wait_for(call(cd), timeout=3600))
    await _sent(server)
    # Fire wait_for's own timer now (the handle an hour ahead), not after a real wait.
    # (aiohttp >= 3.14's server also keeps a keep-alive handle that far ahead: not ours.)
    timers = [
        h
        for h in loop._scheduled  # type: ignore[attr-defined]
        if h.when() > loop.time() + 3000 and not _server_side(h)
    ]
    assert len(timers) == 1
    timers[0]._run()
    timers[0].cancel()
    with pytest.raises(TimeoutError) as info:
        await waiter
    return info.value


async def _by_cancel(cd: CallerdeskClient, call: Call, server: LocalServer) -> BaseException:
    task = asyncio.ensure_future(call(cd))
    await _sent(server)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    return info.value


STOPS = {"wait_for": _by_wait_for, "task.cancel": _by_cancel}
if hasattr(asyncio, "timeout"):  # Python 3.11+
    STOPS["asyncio.timeout"] = _by_timeout


@pytest.mark.parametrize("stop", list(STOPS))
@pytest.mark.parametrize("call", list(CALLS))
async def test_cancelled_or_timed_out_call_shows_no_key_in_locals(
    stalled: LocalServer, call: str, stop: str
) -> None:
    async with CallerdeskClient(KEY, base_url=stalled.base_url, retry=NO_RETRY) as cd:
        exc = await STOPS[stop](cd, CALLS[call], stalled)
        text = rendered(exc)
        # The cancellation really went through the SDK's and aiohttp's frames.
        assert "_transport.py" in text and "aiohttp" in text, text[-2000:]
        assert KEY not in text
        assert cd.stats.in_flight == 0


@pytest.mark.parametrize("call", list(CALLS))
async def test_pool_wait_timeout_shows_no_key_in_locals(stalled: LocalServer, call: str) -> None:
    """A borrowed session with one connection: the second request waits for the pool (the
    dispatcher keeps requests within the connector's limit) when it is cancelled."""
    connector = aiohttp.TCPConnector(limit=1)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        CallerdeskClient(KEY, base_url=stalled.base_url, retry=NO_RETRY, session=session) as cd,
    ):
        holder = asyncio.ensure_future(CALLS[call](cd))
        await _sent(stalled)
        waiting = asyncio.ensure_future(CALLS[call](cd))
        while cd.stats.queued < 1:
            await asyncio.sleep(0.005)
        exc = await _by_cancel_task(waiting)
        text = rendered(exc)
        assert "_dispatcher.py" in text and KEY not in text
        await _by_cancel_task(holder)


async def _by_cancel_task(task: asyncio.Future[Any]) -> BaseException:
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    return info.value


@pytest.mark.parametrize("offset", range(150, 215))
def test_snippet_redacts_before_cutting(offset: int) -> None:
    """Item 2: a key echoed across the 200-character cut used to survive in part (up to 28
    of its 32 characters)."""
    body = ("x" * offset + KEY + " tail" * 100).encode()
    text = _snippet(body, Redactor(KEY))
    for start in range(len(KEY) - 7):
        assert KEY[start : start + 8] not in text, text


def test_snippet_of_a_huge_body_drops_a_key_split_by_the_read_window() -> None:
    body = (" " * 5000 + "x" * 10 + KEY).encode()
    redactor = Redactor(KEY)
    for cut in range(len(body) - 40, len(body)):
        text = _snippet(body[:cut] + b"!" * 10_000, redactor)
        assert KEY[:8] not in text, (cut, text)


async def test_malformed_head_keeps_no_aiohttp_error_in_the_context(
    local_server: LocalServer,
) -> None:
    """Item 3: a broken response head on a GET raised aiohttp's ClientResponseError (its
    ``url`` holding ``?authcode=KEY``), kept as the suppressed ``__context__``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}")
        request.transport.close()
        return web.Response()

    local_server.route("*", "/api/{tail:.*}", handler)
    await local_server.start()
    async with CallerdeskClient(KEY, base_url=local_server.base_url, retry=NO_RETRY) as cd:
        for call in (cd.calls.live, cd.account.profile):
            with pytest.raises(APIConnectionError) as info:
                await call()
            exc = info.value
            assert exc.__cause__ is None and exc.__context__ is None
            assert KEY not in rendered(exc)
