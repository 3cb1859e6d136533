"""Client behaviour with aioresponses (no sockets): decoding, retries, validation, lifecycle."""

from __future__ import annotations

import asyncio
import gc
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async.errors import (
    APIConnectionError,
    AuthenticationError,
    ClientStateError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
)
from tests.conftest import AUTHCODE, sent_form

BASE = "https://app.callerdesk.io/api/"
CALLS_URL = BASE + "call_list_v2"
FAST = RetryPolicy(max_retries=3, initial=0.001, max_delay=0.002)


def payload(obj: Any) -> str:
    return json.dumps(obj)


@pytest.fixture
async def cd() -> AsyncIterator[CallerdeskClient]:
    async with CallerdeskClient(AUTHCODE, retry=FAST) as client:
        yield client


@pytest.fixture
def mocked() -> Any:
    with aioresponses() as m:
        yield m


async def test_http_200_error_envelope_raises_authentication_error(
    cd: CallerdeskClient, mocked: Any
) -> None:
    mocked.post(
        CALLS_URL,
        body=payload({"type": "error", "message": "Invalid Auth Code!"}),
        content_type="text/html",
    )
    with pytest.raises(AuthenticationError) as info:
        await cd.calls.list().collect()
    err = info.value
    assert err.status == 200
    assert err.endpoint == "call_list_v2"
    assert err.attempts == 1
    assert err.url == CALLS_URL
    assert AUTHCODE not in repr(err)


async def test_text_html_json_body_is_parsed(cd: CallerdeskClient, mocked: Any) -> None:
    rows = [{"id": "1", "total_duration": "12", "startdatetime": "2026-01-01 09:00:00"}]
    mocked.post(
        CALLS_URL,
        body=payload({"type": "success", "total": 1, "result": rows}),
        content_type="text/html",
    )
    calls = await cd.calls.list().collect()
    assert [c.total_duration for c in calls] == [12]


async def test_post_sends_authcode_and_filters_as_form(cd: CallerdeskClient, mocked: Any) -> None:
    mocked.post(CALLS_URL, body=payload({"type": "success", "total": 0, "result": []}))
    await cd.calls.list(
        start_date="2026-01-01",
        end_date="2026-01-31",
        caller_num="+91 98765 43210",
        flow_type="IVR",
        per_page=50,
    ).collect()
    ((key, calls),) = mocked.requests.items()
    assert key[0] == "POST"
    sent = sent_form(calls[0].kwargs)
    assert sent == {
        "authcode": AUTHCODE,
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
        "caller_num": "9876543210",
        "Flow_type": "IVR",
        "current_page": "1",
        "per_page": "50",
    }


async def test_idempotent_read_retries_5xx_then_succeeds(cd: CallerdeskClient, mocked: Any) -> None:
    mocked.post(CALLS_URL, status=503, body="busy")
    mocked.post(CALLS_URL, body="<html>truncated", content_type="text/html")
    mocked.post(CALLS_URL, body=payload({"type": "success", "total": 0, "result": []}))
    assert await cd.calls.list().collect() == []
    assert cd.stats.retries == 2


async def test_idempotent_read_gives_up_after_budget(cd: CallerdeskClient, mocked: Any) -> None:
    for _ in range(4):
        mocked.post(CALLS_URL, status=500, body="x")
    with pytest.raises(ServerError) as info:
        await cd.calls.list().collect()
    assert info.value.attempts == 4


async def test_click_to_call_not_retried_after_5xx(cd: CallerdeskClient, mocked: Any) -> None:
    url = re.compile(r"^https://app\.callerdesk\.io/api/click_to_call_v2\?.*$")
    mocked.get(url, status=502, body="bad gateway")
    mocked.get(url, payload={"type": "success", "campid": 1})
    with pytest.raises(OutcomeUnknownError) as info:
        await cd.calls.click_to_call(agent="9999999999", customer="8888888888", deskphone="0806")
    assert info.value.status == 502
    assert sum(len(v) for v in mocked.requests.values()) == 1


async def test_click_to_call_retried_after_connect_failure(
    cd: CallerdeskClient, mocked: Any
) -> None:
    url = re.compile(r"^https://app\.callerdesk\.io/api/click_to_call_v2\?.*$")
    mocked.get(
        url,
        exception=aiohttp.ClientConnectorError(
            aiohttp.client_reqrep.ConnectionKey("h", 443, True, True, None, None, None),
            OSError(111, "refused"),
        ),
    )
    mocked.get(
        url,
        payload={
            "type": "success",
            "message": "Call to Customer Initiate Successfully..",
            "campid": 11387004,
            "callerid": "0091806xxxxxxx",
        },
    )
    result = await cd.calls.click_to_call(
        agent="9999999999", customer="8888888888", deskphone="0806"
    )
    assert result.campid == 11387004
    assert sum(len(v) for v in mocked.requests.values()) == 2


async def test_click_to_call_not_resent_after_429_by_default(
    cd: CallerdeskClient, mocked: Any
) -> None:
    url = re.compile(r"^https://app\.callerdesk\.io/api/click_to_call_v2\?.*$")
    mocked.get(url, status=429, headers={"Retry-After": "0"})
    mocked.get(url, payload={"type": "success", "campid": 7})
    with pytest.raises(RateLimitError, match="not resent") as info:
        await cd.calls.click_to_call(agent="9999999999", customer="8888888888", deskphone="0806")
    assert info.value.sent is True and info.value.attempts == 1
    assert sum(len(calls) for calls in mocked.requests.values()) == 1


async def test_click_to_call_resent_after_429_when_asked(mocked: Any) -> None:
    url = re.compile(r"^https://app\.callerdesk\.io/api/click_to_call_v2\?.*$")
    mocked.get(url, status=429, headers={"Retry-After": "0"})
    mocked.get(url, payload={"type": "success", "campid": 7})
    retry = RetryPolicy(initial=0.001, resend_after_429=True)
    async with CallerdeskClient(AUTHCODE, retry=retry) as cd:
        result = await cd.calls.click_to_call(
            agent="9999999999", customer="8888888888", deskphone="0806"
        )
        assert (cd.stats.throttled, cd.stats.retries) == (1, 1)  # the 429 counted once
    assert result.campid == 7


async def test_retry_after_longer_than_cap_raises(mocked: Any) -> None:
    mocked.post(CALLS_URL, status=429, headers={"Retry-After": "3600"})
    async with CallerdeskClient(AUTHCODE, retry=RetryPolicy(max_retry_after=10)) as cd:
        with pytest.raises(RateLimitError) as info:
            await cd.calls.list().collect()
    assert info.value.retry_after == 3600


async def test_malformed_body_after_retries(cd: CallerdeskClient, mocked: Any) -> None:
    for _ in range(4):
        mocked.post(CALLS_URL, body="<html>oops</html>", content_type="text/html")
    with pytest.raises(MalformedResponseError) as info:
        await cd.calls.list().collect()
    assert info.value.detail is not None and "oops" in info.value.detail


async def test_bad_inputs_send_nothing(cd: CallerdeskClient, mocked: Any) -> None:
    with pytest.raises(ValueError, match="start_date"):
        cd.calls.list(start_date="2026-02-01", end_date="2026-01-01")
    with pytest.raises(ValueError, match="per_page"):
        cd.calls.list(per_page=0)
    with pytest.raises(ValueError, match="caller_num"):
        cd.calls.list(caller_num="12345")
    with pytest.raises(ValueError, match="flow_type"):
        cd.calls.list(flow_type="OUT")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="agent"):
        await cd.calls.click_to_call(agent="123456789", customer="8888888888", deskphone="0806")
    assert mocked.requests == {}


def test_authcode_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLERDESK_AUTHCODE", raising=False)
    with pytest.raises(ValueError, match="authcode"):
        CallerdeskClient()


async def test_env_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLERDESK_AUTHCODE", AUTHCODE)
    monkeypatch.setenv("CALLERDESK_BASE_URL", "https://white.label.example/api_v3")
    async with CallerdeskClient() as cd:
        assert cd.base_url == "https://white.label.example/api_v3/"
        assert AUTHCODE not in repr(cd)


def test_plain_http_refused_unless_loopback_or_opt_in() -> None:
    with pytest.raises(ValueError, match="http://"):
        CallerdeskClient(AUTHCODE, base_url="http://app.callerdesk.io/api/")
    CallerdeskClient(AUTHCODE, base_url="http://127.0.0.1:8080/api/")
    CallerdeskClient(AUTHCODE, base_url="http://localhost/api/")
    CallerdeskClient(AUTHCODE, base_url="http://10.0.0.5/api/", allow_insecure_http=True)


def test_tls_verification_cannot_be_disabled() -> None:
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="verification"):
        CallerdeskClient(AUTHCODE, ssl_context=ctx)


async def test_closed_client_raises_clear_error(mocked: Any) -> None:
    cd = CallerdeskClient(AUTHCODE)
    await cd.aclose()
    await cd.aclose()  # idempotent
    with pytest.raises(ClientStateError, match="closed"):
        await cd.calls.list().collect()


def test_client_used_from_another_loop_raises() -> None:
    with aioresponses() as m:
        m.post(CALLS_URL, body=payload({"type": "success", "total": 0, "result": []}), repeat=True)
        cd = CallerdeskClient(AUTHCODE)
        asyncio.run(cd.calls.list().collect())
        with pytest.raises(ClientStateError, match="event loop"):
            asyncio.run(cd.calls.list().collect())

        async def close() -> None:
            # The session belongs to the first (now closed) loop; drop it without awaiting.
            session = cd._core.transport.session
            assert session is not None
            session._connector = None
            await cd.aclose()

        asyncio.run(close())


async def test_unclosed_client_warns_resource_warning(mocked: Any) -> None:
    mocked.post(CALLS_URL, body=payload({"type": "success", "total": 0, "result": []}))
    cd = CallerdeskClient(AUTHCODE)
    await cd.calls.list().collect()
    session = cd._core.transport.session
    assert session is not None
    holder = [cd]
    del cd

    def release() -> None:  # the last reference goes (no cycle holds the client), then GC
        holder.clear()
        gc.collect()

    with pytest.warns(ResourceWarning, match="CallerdeskClient"):
        release()
    await session.close()


async def test_borrowed_session_is_not_closed(mocked: Any) -> None:
    mocked.post(CALLS_URL, body=payload({"type": "success", "total": 0, "result": []}))
    async with aiohttp.ClientSession() as session:
        async with CallerdeskClient(AUTHCODE, session=session) as cd:
            await cd.calls.list().collect()
        assert not session.closed


async def test_with_options_shares_pool_and_dispatcher(cd: CallerdeskClient, mocked: Any) -> None:
    mocked.post(CALLS_URL, body=payload({"type": "success", "total": 0, "result": []}))
    view = cd.with_options(timeout=5, retry=RetryPolicy(max_retries=0), priority=20)
    assert view._core is cd._core
    assert view.options.retry.max_retries == 0
    assert view.options.timeout.total == 5
    assert view.options.priority == 20
    assert await view.calls.list().collect() == []
    assert cd.stats.admitted == 1


async def test_raw_request_escape_hatch(cd: CallerdeskClient, mocked: Any) -> None:
    mocked.post(BASE + "some_new_endpoint", payload={"type": "success", "x": "1"})
    assert await cd.request("some_new_endpoint", {"a": 1}) == {"type": "success", "x": "1"}
    mocked.post(BASE + "extension/list", payload={"type": "success"})
    assert await cd.request("extension/list") == {"type": "success"}
    for bad in ("https://evil.example/x", "//evil.example/x", "../admin", "a?authcode=x", ""):
        with pytest.raises(ValueError, match="relative to base_url"):
            await cd.request(bad)


async def test_connection_error_on_read_is_api_connection_error(
    cd: CallerdeskClient, mocked: Any
) -> None:
    for _ in range(4):
        mocked.post(CALLS_URL, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(APIConnectionError) as info:
        await cd.calls.list().collect()
    assert info.value.reached_server
    assert info.value.attempts == 4


async def test_callback_sees_request_id_stable_across_retries(
    cd: CallerdeskClient, mocked: Any
) -> None:
    seen: list[str] = []

    def record(url: Any, **kwargs: Any) -> CallbackResult:
        seen.append(kwargs["headers"]["X-Callerdesk-Request-Id"])
        if len(seen) == 1:
            return CallbackResult(status=500, body="x")
        return CallbackResult(body=payload({"type": "success", "total": 0, "result": []}))

    mocked.post(CALLS_URL, callback=record, repeat=True)
    await cd.calls.list().collect()
    assert len(seen) == 2 and seen[0] == seen[1]


async def test_long_cooldown_fails_fast_for_later_requests(mocked: Any) -> None:
    mocked.post(CALLS_URL, status=429, headers={"Retry-After": "3600"})
    async with CallerdeskClient(AUTHCODE, retry=RetryPolicy(max_retry_after=10)) as cd:
        with pytest.raises(RateLimitError):
            await cd.calls.list().collect()
        with pytest.raises(RateLimitError, match="not sent") as info:
            await cd.calls.list().collect()
    assert info.value.retry_after is not None
    assert info.value.retry_after > 3000
    assert sum(len(v) for v in mocked.requests.values()) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_concurrency": 0}, "max_concurrency must be an int >= 1, got 0"),
        ({"max_concurrency": True}, "max_concurrency must be an int >= 1, got True"),
        ({"max_concurrency": 2.0}, "max_concurrency must be an int >= 1, got 2.0"),
        ({"prefetch": -1}, "prefetch must be an integer >= 0, got -1"),
        ({"prefetch": 1.5}, "prefetch must be an integer >= 0, got 1.5"),
    ],
)
def test_bad_pool_sizes_rejected_at_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CallerdeskClient(AUTHCODE, **kwargs)
