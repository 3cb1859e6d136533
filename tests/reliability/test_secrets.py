"""Bar 5: the authcode never shows in DEBUG logs, exception text or formatted tracebacks.

Every error path the SDK has is triggered with a distinctive authcode (with characters that
URL-encode differently under every encoder), while a handler on the *root* logger at DEBUG
records everything (aiohttp's and asyncio's loggers included; the loop runs in debug mode).
Servers that echo the request back (the URL, the form body, the key alone in each encoding)
stand in for the worst a misbehaving API or proxy can do.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async._pagination import PageState
from callerdesk_async.errors import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    AuthenticationError,
    CallerdeskError,
    ClientStateError,
    MalformedResponseError,
    OutcomeUnknownError,
    PaginationError,
    RateLimitError,
    ServerError,
)
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import LocalServer
from tests.conftest import exception_chain as chain

SECRET = "Rel1ab-SECRET/k+9 ä~x"
HEX_SECRET = "9f2c0e7ab41d4e6f8a3b5c7d9e1f2a4b"
FAST = RetryPolicy(max_retries=2, initial=0.001, max_delay=0.002)


def all_forms(secret: str) -> list[str]:
    """The key as it can appear in text: raw, and URL-encoded by every common encoder
    (``quote_plus`` for form bodies, ``quote`` with ``/`` kept as yarl does in URLs)."""
    return sorted(
        {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), quote(secret, "/+")}
    )


def forms(secret: str) -> list[str]:
    """The forms checked everywhere: all of them."""
    return all_forms(secret)


class Capture(logging.Handler):
    """Everything logged anywhere, formatted with tracebacks, as one list of strings."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))

    def client_texts(self) -> list[str]:
        """All but the test servers' own logs (their access log records the query string)."""
        server_side = ("aiohttp.access ", "aiohttp.server ", "aiohttp.web ")
        return [t for t in self.texts if not t.startswith(server_side)]


@pytest.fixture
def root_capture() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("aiohttp", "aiohttp.client", "aiohttp.server", "aiohttp.access", "asyncio"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def assert_clean(text: str, where: str, secret: str = SECRET) -> None:
    for form in forms(secret):
        assert form not in text, f"authcode ({form!r}) leaked in {where}: {text[:400]!r}"


def assert_exception_clean(exc: BaseException, secret: str = SECRET) -> None:
    assert_clean("".join(traceback.format_exception(exc)), "formatted traceback", secret)
    for item in chain(exc):
        name = type(item).__name__
        assert_clean(str(item), f"str({name})", secret)
        assert_clean(repr(item), f"repr({name})", secret)
        assert_clean(repr(item.args), f"{name}.args", secret)
        for key, value in vars(item).items():
            assert_clean(repr(value), f"{name}.{key}", secret)


async def expect(
    kind: type[BaseException], action: Callable[[], Awaitable[object]], secret: str = SECRET
) -> BaseException:
    with pytest.raises(kind) as info:
        await action()
    assert_exception_clean(info.value, secret)
    return info.value


@pytest.fixture
async def echo(local_server: LocalServer) -> tuple[LocalServer, dict[str, Any]]:
    """A server whose every answer echoes the request: URL, query, form body and the key in
    each encoding. ``mode["status"]``/``["kind"]`` choose the shape of the answer."""
    mode: dict[str, Any] = {"status": 200, "kind": "envelope"}

    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        form = await request.post() if request.method == "POST" else {}
        key = str(form.get("authcode") or request.query.get("authcode") or "")
        echoed = " | ".join(
            [str(request.url), request.query_string, body.decode("latin-1"), *all_forms(key)]
        )
        kind = mode["kind"]
        if kind == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(text="")
        if kind == "sleep":
            await asyncio.sleep(3.0)
        if kind == "envelope":
            import json

            text = json.dumps({"type": "error", "message": f"Invalid Auth Code! {echoed}"})
        elif kind == "html":
            text = f"<html><body><pre>{echoed}</pre></body></html>"
        elif kind == "repeat":
            text = '{"type":"success","total":500,"result":[{"id":"1"},{"id":"2"}]}'
        elif kind == "badrows":
            import json

            text = json.dumps({"type": "success", "total": echoed, "result": [echoed]})
        else:
            text = echoed
        headers = {"Retry-After": mode.get("retry_after", "1")}
        return web.Response(status=mode["status"], text=text, headers=headers)

    local_server.route("*", "/api/{tail:.*}", handler)
    await local_server.start()
    return local_server, mode


def client_for(server: LocalServer, secret: str = SECRET, **kw: Any) -> CallerdeskClient:
    kw.setdefault("retry", FAST)
    return CallerdeskClient(secret, base_url=server.base_url, **kw)


@pytest.mark.parametrize("secret", [SECRET, HEX_SECRET], ids=["special-chars", "hex"])
async def test_every_error_path_keeps_the_authcode_out(
    echo: tuple[LocalServer, dict[str, Any]], root_capture: Capture, secret: str
) -> None:
    server, mode = echo
    asyncio.get_running_loop().set_debug(True)
    seen: list[type[BaseException]] = []

    async def check(kind: type[BaseException], action: Callable[[], Awaitable[object]]) -> None:
        error = await expect(kind, action, secret)
        seen.append(type(error))

    # Nothing below sleeps: a generous timeout, so a loaded machine cannot turn an answer
    # into a timeout.
    async with client_for(server, secret, timeout=30) as cd:
        calls = cd.calls
        # The API's error envelope, echoing everything, on a read and on click-to-call (GET).
        await check(AuthenticationError, cd.account.profile)
        await check(
            AuthenticationError,
            lambda: calls.click_to_call(
                agent="9876543210", customer="9876543211", deskphone="08062121212", campid="12"
            ),
        )
        # 4xx and 5xx with HTML bodies that echo the request.
        mode.update(kind="html", status=403)
        await check(APIResponseError, cd.account.profile)
        mode.update(status=503)
        await check(ServerError, cd.account.profile)
        await check(ServerError, calls.live)  # a GET read: the key is in the URL
        await check(
            OutcomeUnknownError,
            lambda: calls.click_to_call(
                agent="9876543210", customer="9876543211", deskphone="08062121212"
            ),
        )
        # Malformed: the raw echo, not JSON.
        mode.update(kind="raw", status=200)
        await check(MalformedResponseError, cd.account.profile)
        # Rows and totals of the wrong type, echoing the key.
        mode.update(kind="badrows")
        await check(APIResponseError, lambda: calls.list(per_page=10).collect())
        # A server that ignores current_page.
        mode.update(kind="repeat")
        await check(PaginationError, lambda: calls.list(per_page=2).collect())
        # 429 asking for longer than the policy waits.
        mode.update(kind="envelope", status=429, retry_after="999")
        await check(RateLimitError, cd.account.profile)
        # The shared cool-down that 429 started refuses the next request before sending.
        await check(RateLimitError, calls.live)
    # The sleeping server outlasts the timeout threefold; the quick answers have a second.
    async with client_for(server, secret, timeout=1.0) as cd:
        # Dropped connection after sending: a read retries and gives up, a write is unknown.
        mode.update(kind="drop", status=200)
        await check(APIConnectionError, cd.account.profile)
        await check(
            OutcomeUnknownError,
            lambda: cd.calls.click_to_call(
                agent="9876543210", customer="9876543211", deskphone="08062121212"
            ),
        )
        # Timeouts.
        mode.update(kind="sleep")
        await check(APITimeoutError, cd.account.profile)
        await check(APITimeoutError, cd.calls.live)
        unknown = await expect(
            OutcomeUnknownError,
            lambda: cd.calls.click_to_call(
                agent="9876543210", customer="9876543211", deskphone="08062121212"
            ),
            secret,
        )
        assert isinstance(unknown, OutcomeUnknownError) and unknown.timed_out
        # Validation errors (raised before anything is sent).
        await check(
            ValueError, lambda: cd.calls.click_to_call(agent="12", customer="x", deskphone="y")
        )
        state = PageState(endpoint="call_list_v2", params={"start_date": "2026-01-01"}, per_page=10)
        with pytest.raises(ValueError, match="filters") as info:
            cd.calls.list(start_date=date(2026, 2, 1), resume=state)
        assert_exception_clean(info.value, secret)
    # Used after close.
    await check(ClientStateError, cd.account.profile)
    # Connection refused (nothing listens on the port any more).
    port = server.port
    await server.stop()
    refused = CallerdeskClient(secret, base_url=f"http://127.0.0.1:{port}/api/", retry=FAST)
    async with refused:
        await check(APIConnectionError, refused.account.profile)
        await check(APIConnectionError, lambda: refused.calls.list().collect())
    assert len(seen) >= 18
    assert {AuthenticationError, ServerError, RateLimitError, PaginationError} <= set(seen)
    for text in root_capture.client_texts():
        assert_clean(text, "a log record", secret)
    assert any("attempt=" in text for text in root_capture.texts)  # DEBUG logs did flow


async def test_sandbox_auth_failure_and_faults_keep_the_authcode_out(
    root_capture: Capture,
) -> None:
    """The same against the sandbox (real API look-alike) with every fault on: a wrong key,
    then the right (distinctive) key through 5xx, resets, malformed bodies and 429s."""
    config = SandboxConfig(
        seed=5,
        calls=2_000,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 1, 31),
        authcode=SECRET,
        fault_5xx=0.15,
        fault_reset_before=0.1,
        fault_reset_after=0.1,
        fault_malformed=0.1,
        fault_429=0.03,
        retry_after_seconds=0.001,
    )
    errors: list[BaseException] = []
    async with Sandbox(config) as sb:
        async with CallerdeskClient(SECRET + "x", base_url=sb.base_url, retry=FAST) as wrong:
            for _ in range(5):
                try:
                    await wrong.account.profile()
                except CallerdeskError as exc:
                    errors.append(exc)
        async with CallerdeskClient(SECRET, base_url=sb.base_url, retry=FAST) as cd:
            for k in range(45):
                try:
                    if k % 3 == 0:
                        await cd.calls.list(per_page=50).collect(limit=200)
                    elif k % 3 == 1:
                        await cd.account.profile()
                    else:
                        await cd.calls.click_to_call(
                            agent="9876543210", customer="9876543211", deskphone="08062121212"
                        )
                except CallerdeskError as exc:
                    errors.append(exc)
    kinds = {type(e) for e in errors}
    assert {AuthenticationError, OutcomeUnknownError} <= kinds, kinds
    for error in errors:
        assert_exception_clean(error)
        assert_exception_clean(error, SECRET + "x")
    for text in root_capture.client_texts():
        assert_clean(text, "a log record")


async def test_webhook_errors_keep_the_path_secret_out(root_capture: Capture) -> None:
    """Webhook receivers have a secret too (the URL path): a failing callback and rejected
    deliveries are logged, but never with the secret."""
    from aiohttp.test_utils import make_mocked_request

    from callerdesk_async.webhooks import webhook_handler

    async def boom(event: object) -> None:
        raise RuntimeError("callback failed")

    handler = webhook_handler(boom, secret=HEX_SECRET)
    good = f"/hook/{HEX_SECRET}?type=call_report&CallSid=1&SourceNumber=9876543210"
    for path in (good, f"/hook/{HEX_SECRET}?garbage=%zz", f"/hook/{HEX_SECRET}x"):
        response = await handler(make_mocked_request("GET", path))
        assert response.status < 600
    assert any("callback failed" in t for t in root_capture.texts)
    for text in root_capture.texts:
        assert_clean(text, "a webhook log record", HEX_SECRET)


# Regression (found by this suite, fixed in b4bfc4d): PreparedRequest's repr held the key,
# so tracebacks rendered with local variables (Sentry's default, rich) showed it.
async def test_tracebacks_with_local_variables_keep_the_authcode_out(
    echo: tuple[LocalServer, dict[str, Any]],
) -> None:
    server, mode = echo
    mode.update(kind="html", status=503)
    async with client_for(server, HEX_SECRET) as cd:
        with pytest.raises(OutcomeUnknownError) as info:
            await cd.calls.click_to_call(
                agent="9876543210", customer="9876543211", deskphone="08062121212"
            )
    rendered = "".join(
        traceback.TracebackException.from_exception(info.value, capture_locals=True).format()
    )
    assert_clean(rendered, "a traceback with locals", HEX_SECRET)


# Regression (fixed in b4bfc4d): only the raw and quote(safe='') forms used to be masked.
async def test_key_echoed_in_any_url_encoding_is_masked(
    echo: tuple[LocalServer, dict[str, Any]],
) -> None:
    server, mode = echo
    mode.update(kind="envelope", status=200)
    async with client_for(server, SECRET) as cd:
        with pytest.raises(AuthenticationError) as info:
            await cd.account.profile()
    text = str(info.value)
    for form in all_forms(SECRET):
        assert form not in text, form


# Regression (fixed in b4bfc4d): the 'authcode=' pattern ran before the literal key was
# replaced and stopped at whitespace, leaving 'authcode=*** <rest of key>'.
async def test_key_with_a_space_is_masked_whole(echo: tuple[LocalServer, dict[str, Any]]) -> None:
    server, mode = echo
    mode.update(kind="envelope", status=200)
    async with client_for(server, SECRET) as cd:
        with pytest.raises(AuthenticationError) as info:
            await cd.calls.live()  # a GET: the server echoes the decoded query string
    tail = SECRET.split(" ", 1)[1]
    assert tail not in str(info.value)
