"""Review round 2: refusals mapped by status, no resend after 429, unbounded bodies, escapes
(OverflowError, infinite timeouts), non-ASCII digits, percent-encoded path escapes and an
empty base_url. Wire behaviour is tested over a real socket on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy, Timeout
from callerdesk_async._protocol import parse_retry_after
from callerdesk_async._validation import check_deskphone, check_id, normalize_phone
from callerdesk_async.errors import (
    APIResponseError,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
)
from tests.conftest import AUTHCODE, LocalServer

RETRY = RetryPolicy(max_retries=3, initial=0.001, max_delay=0.002)
DIAL = {"agent": "9876543210", "customer": "9876543211", "deskphone": "08062121212"}


class Scripted:
    """A server answering each request with ``reply`` and counting what it received."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.hits = 0
        self.reply: Any = None

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        await request.read()
        result: web.StreamResponse = await self.reply(request)
        return result


@pytest.fixture
async def scripted(local_server: LocalServer) -> Scripted:
    app = Scripted(local_server)
    local_server.route("*", "/api/{tail:.*}", app.handler)
    await local_server.start()
    return app


def client(server: LocalServer, **kw: Any) -> CallerdeskClient:
    kw.setdefault("retry", RETRY)
    return CallerdeskClient(AUTHCODE, base_url=server.base_url, **kw)


# -- item 21: 4xx is a refusal, mapped by status ------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (404, "<html>404 Not Found</html>", NotFoundError),
        (403, "<html>Forbidden by proxy</html>", PermissionDeniedError),
        (401, "Unauthorized", AuthenticationError),
        (401, '{"type": "error", "message": "Invalid Auth Code!"}', AuthenticationError),
        (400, "Bad Request", APIResponseError),
    ],
)
async def test_4xx_is_refused_by_status_never_retried_never_unknown(
    scripted: Scripted, status: int, body: str, kind: type[APIResponseError]
) -> None:
    async def reply(_: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="text/html")

    scripted.reply = reply
    async with client(scripted.server) as cd:
        with pytest.raises(kind) as read:
            await cd.account.profile()
        with pytest.raises(kind) as dial:
            await cd.calls.click_to_call(**DIAL)
        with pytest.raises(kind):
            await cd.request("no/such/endpoint", method="GET", idempotent=True)
    for info in (read, dial):
        assert type(info.value) is kind and not isinstance(info.value, MalformedResponseError)
        assert info.value.status == status and info.value.attempts == 1
    assert scripted.hits == 3  # one request each: nothing retried


# -- item 20: no resend of a side-effecting call after 429 -----------------------------------


async def test_click_to_call_not_resent_after_429(scripted: Scripted) -> None:
    async def reply(_: web.Request) -> web.Response:
        return web.Response(status=429, text="slow down", headers={"Retry-After": "0"})

    scripted.reply = reply
    async with client(scripted.server, retry=RetryPolicy(max_retries=25, initial=0.001)) as cd:
        with pytest.raises(RateLimitError, match="not resent") as info:
            await cd.calls.click_to_call(**DIAL)
        assert info.value.sent is True
        assert scripted.hits == 1
        await asyncio.sleep(0)
        # Reads are still resent after 429 (then give up after the budget).
        with pytest.raises(RateLimitError):
            await cd.account.profile()
    assert scripted.hits == 1 + 26


async def test_click_to_call_resent_after_429_only_when_opted_in(scripted: Scripted) -> None:
    async def reply(_: web.Request) -> web.Response:
        if scripted.hits == 1:
            return web.Response(status=429, text="", headers={"Retry-After": "0"})
        return web.json_response({"type": "success", "campid": "5"})

    scripted.reply = reply
    retry = RetryPolicy(max_retries=3, initial=0.001, resend_after_429=True)
    async with client(scripted.server, retry=retry) as cd:
        result = await cd.calls.click_to_call(**DIAL)
    assert result.campid is not None and scripted.hits == 2


async def test_cooldown_refusal_says_not_sent(scripted: Scripted) -> None:
    async def reply(_: web.Request) -> web.Response:
        return web.Response(status=429, text="", headers={"Retry-After": "3600"})

    scripted.reply = reply
    async with client(scripted.server) as cd:
        with pytest.raises(RateLimitError) as first:
            await cd.account.profile()
        with pytest.raises(RateLimitError) as second:
            await cd.calls.click_to_call(**DIAL)
    assert first.value.sent is True and second.value.sent is False
    assert scripted.hits == 1


# -- item 5: response body limit -------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_body_longer_than_the_limit_fails_without_reading_it(
    scripted: Scripted, chunked: bool
) -> None:
    sent = {"bytes": 0}
    limit = 256 * 1024

    async def reply(request: web.Request) -> web.StreamResponse:
        total = 64 * limit  # 16 MiB, far more than the client may buffer
        response = web.StreamResponse()
        if not chunked:
            response.content_length = total
        await response.prepare(request)
        block = b"x" * 65536
        try:
            while sent["bytes"] < total:
                await response.write(block)
                sent["bytes"] += len(block)
        except (ConnectionResetError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    scripted.reply = reply
    async with client(scripted.server, max_response_bytes=limit) as cd:
        with pytest.raises(ResponseTooLargeError, match="max_response_bytes") as read:
            await cd.account.profile()
        with pytest.raises(OutcomeUnknownError):
            await cd.calls.click_to_call(**DIAL)
        # A view with a larger limit for one big report.
        roomy = cd.with_options(max_response_bytes=limit * 1000)
        assert roomy.options.max_response_bytes == limit * 1000
    assert isinstance(read.value, MalformedResponseError)
    assert scripted.hits == 2  # the read was not retried
    with pytest.raises(ValueError, match="max_response_bytes"):
        CallerdeskClient(AUTHCODE, max_response_bytes=0)


async def test_body_within_the_limit_is_read(scripted: Scripted) -> None:
    async def reply(_: web.Request) -> web.Response:
        return web.json_response({"type": "success", "x": "y" * 5000})

    scripted.reply = reply
    async with client(scripted.server, max_response_bytes=5100) as cd:
        assert (await cd.request("anything", idempotent=True))["type"] == "success"


# -- item 12: nothing but CallerdeskError escapes; timeouts finite ----------------------------


@pytest.mark.parametrize(
    "value", ["1e999", "inf", "nan", "Fri, 31 Dec 9999 23:59:59 -2359", "Mon, 1 Jan 1 0:0:0 +9999"]
)
def test_absurd_retry_after_is_ignored_not_raised(value: str) -> None:
    result = parse_retry_after(value)
    assert result is None or 0 <= result < float("inf")


async def test_400_digit_integer_in_a_float_field_never_escapes_as_overflow(
    scripted: Scripted,
) -> None:
    async def reply(_: web.Request) -> web.Response:
        body = '{"type":"success","total":1,"result":[{"id":"1","coin_deducted":' + "9" * 400
        return web.Response(text=body + "}]}")

    scripted.reply = reply
    async with client(scripted.server) as cd:  # lenient decoding: the odd value goes to extra
        (call,) = await cd.calls.list().collect()
    assert call.coin_deducted is None
    assert call.extra["coin_deducted"] == int("9" * 400)
    async with client(scripted.server, strict_decoding=True) as cd:
        with pytest.raises(APIResponseError):
            await cd.calls.list().collect()


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), 1e300, 0, -1])
def test_infinite_or_absurd_timeouts_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        Timeout(total=bad)
    with pytest.raises(ValueError, match="finite"):
        CallerdeskClient(AUTHCODE, timeout=bad)


# -- item 13: ASCII digits only --------------------------------------------------------------


@pytest.mark.parametrize(
    "digits", ["٩٨٧٦٥٤٣٢١٠", "９８７６５４３２１０", "98765432¹⁰", "९८७६५४३२१०"]
)
async def test_non_ascii_digits_are_refused_before_sending(scripted: Scripted, digits: str) -> None:
    for check in (normalize_phone, check_deskphone):
        with pytest.raises(ValueError, match="0-9"):
            check(digits)
    with pytest.raises(ValueError, match="positive integer"):
        check_id("٤٢", "member_id")
    async with client(scripted.server) as cd:
        with pytest.raises(ValueError, match="0-9"):
            await cd.calls.click_to_call(agent=digits, customer="9876543211", deskphone="0806")
        with pytest.raises(ValueError, match="0-9"):
            await cd.calls.click_to_call(
                agent="9876543210", customer="9876543211", deskphone=digits
            )
    assert scripted.hits == 0


# -- item 14: no escape from base_url after percent-decoding ---------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "%2e%2e/%2e%2e/admin",
        "%2E%2E/admin",
        "a/%2e%2e/%2e%2e/x",
        "%252e%252e/x",
        "%2fadmin",
        "a\\..\\b",
    ],
)
async def test_percent_encoded_escape_is_refused(scripted: Scripted, path: str) -> None:
    async with client(scripted.server) as cd:
        with pytest.raises(ValueError, match="relative to base_url"):
            await cd.request(path)
    assert scripted.hits == 0


# -- item 22: an empty base_url is refused ---------------------------------------------------


def test_empty_base_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="base_url is empty"):
        CallerdeskClient(AUTHCODE, base_url="")
    with pytest.raises(ValueError, match="base_url is empty"):
        CallerdeskClient(AUTHCODE, base_url="  ")
    monkeypatch.setenv("CALLERDESK_BASE_URL", "")
    with pytest.raises(ValueError, match="CALLERDESK_BASE_URL is empty"):
        CallerdeskClient(AUTHCODE)
