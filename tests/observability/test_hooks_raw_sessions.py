"""Event hooks (redacted read-only views; a hook's exception is its own), raw response views,
and borrowed sessions left as they were lent."""

from __future__ import annotations

from typing import Any

import aiohttp
import attrs
import pytest

from callerdesk_async import (
    CallerdeskClient,
    RawResult,
    RequestView,
    ResponseView,
    RetryPolicy,
    RetryView,
)
from callerdesk_async.errors import ServerError
from callerdesk_async.models import LiveCalls
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import AUTHCODE, BASIC_PASSWORD, BASIC_TOKEN, BASIC_USER, LocalServer

from ._live import serve_live

NO_WAIT = RetryPolicy(max_retries=2, initial=0, max_delay=0, jitter=False)


async def test_hooks_see_every_attempt_redacted_and_read_only() -> None:
    events: list[tuple[str, Any]] = []

    def on_request(view: RequestView) -> None:
        events.append(("request", view))

    async def on_response(view: ResponseView) -> None:
        events.append(("response", view))

    def on_retry(view: RetryView) -> None:
        events.append(("retry", view))
        sb.configure(fault_5xx=0.0)  # the next attempt succeeds

    async with Sandbox(SandboxConfig(authcode=AUTHCODE, calls=50, fault_5xx=1.0)) as sb:
        hooks = {"request": [on_request], "response": [on_response], "retry": [on_retry]}
        async with CallerdeskClient(
            AUTHCODE, base_url=sb.base_url, retry=NO_WAIT, event_hooks=hooks
        ) as cd:
            await cd.calls.live()
            await cd.contacts.add(number="9898989898", name="Asha")
    kinds = [kind for kind, _ in events]
    assert kinds == ["request", "response", "retry", "request", "response", "request", "response"]
    first: RequestView = events[0][1]
    assert first.endpoint == "live_call_v2" and first.attempt == 1 and first.max_attempts == 3
    assert "authcode=***" in first.url and AUTHCODE not in first.url
    assert events[3][1].attempt == 2 and events[3][1].request_id == first.request_id
    retry: RetryView = events[2][1]
    assert retry.delay == 0 and retry.status == 502 and retry.reason.startswith("ServerError")
    response: ResponseView = events[4][1]
    assert response.status == 200 and response.elapsed >= 0
    post: RequestView = events[5][1]
    assert post.method == "POST" and post.fields == ("authcode", "contact_name", "contact_num")
    assert AUTHCODE not in repr(post)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.url = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        first.headers["X-New"] = "1"  # type: ignore[index]
    with pytest.raises(TypeError):
        response.headers["X-New"] = "1"  # type: ignore[index]


async def test_basic_credentials_are_masked_in_request_views() -> None:
    seen: list[RequestView] = []
    config = SandboxConfig(
        prefix="/api_v3/", basic_user=BASIC_USER, basic_password=BASIC_PASSWORD, calls=10
    )
    async with (
        Sandbox(config) as wl,
        CallerdeskClient(
            base_url=wl.base_url,
            basic_auth=(BASIC_USER, BASIC_PASSWORD),
            event_hooks={"request": [seen.append]},
        ) as cd,
    ):
        await cd.calls.live()
    assert seen[0].headers["Authorization"] == "***"
    assert BASIC_TOKEN not in repr(seen[0]) and BASIC_PASSWORD not in repr(seen[0])


class HookFailed(ServerError):
    """A hook raising an SDK error class: still the hook's, never retried."""


@pytest.mark.parametrize("error", [RuntimeError("hook broke"), HookFailed("hook said 5xx")])
@pytest.mark.parametrize("kind", ["request", "response"])
async def test_a_hook_exception_propagates_as_itself_and_is_not_retried(
    error: Exception, kind: str
) -> None:
    def hook(view: object) -> None:
        raise error

    async with (
        Sandbox(SandboxConfig(calls=10)) as sb,
        CallerdeskClient(
            sb.authcode, base_url=sb.base_url, retry=NO_WAIT, event_hooks={kind: [hook]}
        ) as cd,
    ):
        with pytest.raises(type(error)) as raised:
            await cd.calls.live()
        assert raised.value is error
        assert sb.stats.requests_total == (0 if kind == "request" else 1)


async def test_raw_response_view_reports_status_headers_attempts_and_request_id() -> None:
    def heal(view: RetryView) -> None:
        sb.configure(fault_5xx=0.0)

    async with Sandbox(SandboxConfig(calls=10, fault_5xx=1.0)) as sb:
        async with CallerdeskClient(
            sb.authcode, base_url=sb.base_url, retry=NO_WAIT, event_hooks={"retry": [heal]}
        ) as cd:
            raw = await cd.with_raw_response.calls.live()
            plain = await cd.calls.live()
            by_name = await cd.with_raw_response.request(
                "live_call_v2", method="GET", idempotent=True
            )
            assert isinstance(by_name, RawResult) and by_name.endpoint == "live_call_v2"
            assert by_name.parsed["type"] == "success" and by_name.attempts == 1
            with pytest.raises(AttributeError, match="not an API method"):
                cd.with_raw_response.base_url  # noqa: B018
        assert isinstance(raw, RawResult) and isinstance(raw.parsed, LiveCalls)
        assert raw.parsed == plain
        assert raw.status == 200 and raw.attempts == 2 and raw.endpoint == "live_call_v2"
        assert raw.headers["Content-Type"].startswith("text/html")
        assert raw.elapsed > 0
        assert sb.stats.recent_request_ids[:2] == [raw.request_id] * 2
        with pytest.raises(TypeError):
            raw.headers["X"] = "1"  # type: ignore[index]


async def test_each_page_of_a_paginator_carries_its_raw_response() -> None:
    healed = 0

    def heal(view: RetryView) -> None:
        nonlocal healed
        healed += 1
        sb.configure(fault_5xx=0.0)

    async with (
        Sandbox(SandboxConfig(members=5)) as sb,
        CallerdeskClient(
            sb.authcode, base_url=sb.base_url, retry=NO_WAIT, event_hooks={"retry": [heal]}
        ) as cd,
    ):
        first = await cd.members.list(per_page=2)
        sb.configure(fault_5xx=1.0)  # the next first page fails once, then heals
        pages = [page async for page in cd.with_raw_response.members.list(per_page=2).pages()]
        members = await cd.members.list(per_page=2).collect()
        for name in ("with_options", "aclose", "__aenter__", "stats"):
            with pytest.raises(AttributeError, match="not an API method"):
                getattr(cd.with_raw_response, name)
        assert not cd.closed
    assert healed == 1 and [m for page in pages for m in page.items] == members
    assert first.raw is not None and first.raw.attempts == 1
    raws = [page.raw for page in pages]
    assert all(raw is not None for raw in raws) and len(raws) == 3
    assert [raw.attempts for raw in raws if raw] == [2, 1, 1]
    assert {raw.status for raw in raws if raw} == {200}
    assert all(raw.endpoint == first.raw.endpoint for raw in raws if raw)
    assert all(raw.headers["Content-Type"].startswith("text/html") for raw in raws if raw)
    received = sb.stats.recent_request_ids
    ids = [raw.request_id for raw in raws if raw]
    assert len(set(ids)) == 3 and set(ids) <= set(received)
    assert received.count(ids[0]) == 2  # the retried page kept its request id


def test_aiohttp_still_has_the_private_attribute_the_sdk_sets() -> None:
    """Fails on an aiohttp upgrade that renames ``_retry_connection``: the SDK turns aiohttp's
    silent one-time GET re-send off with it on its own session (click-to-call is a GET that
    rings phones), and would otherwise silently stop doing so."""
    assert "_retry_connection" in aiohttp.ClientSession.ATTRS


async def test_a_borrowed_session_is_not_changed_and_lends_its_headers(
    local_server: LocalServer,
) -> None:
    received = await serve_live(local_server)
    async with aiohttp.ClientSession(headers={"X-Team": "billing"}) as borrowed:
        before = {name: getattr(borrowed, name, None) for name in aiohttp.ClientSession.ATTRS}
        async with CallerdeskClient(
            AUTHCODE, base_url=local_server.base_url, session=borrowed
        ) as cd:
            await cd.calls.live()
            sdk_session = cd._core.transport.session
            assert sdk_session is not None and sdk_session is not borrowed
            assert sdk_session.connector is borrowed.connector
            assert sdk_session._retry_connection is False
        after = {name: getattr(borrowed, name, None) for name in aiohttp.ClientSession.ATTRS}
        assert after == before and borrowed._retry_connection is True
        assert not borrowed.closed and borrowed.connector is not None
        assert not borrowed.connector.closed
        async with borrowed.get(local_server.base_url + "live_call_v2") as answer:
            assert answer.status == 200  # still usable after the client closed
    assert received[0].headers["X-Team"] == "billing"
