"""Bar 3 and the per-call options: extra_params reach the server and the typed result still
comes back; colliding or forbidden extras raise before sending; extra_headers, timeout,
proxy, trust_env and user_agent_suffix over a real socket."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy, resources
from callerdesk_async.errors import APIResponseError, APITimeoutError
from callerdesk_async.models import LiveCalls
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import AUTHCODE, LocalServer

from ._live import serve_live

UNKNOWN = "field_from_tomorrow"


async def test_an_unknown_extra_field_reaches_the_sandbox_and_the_model_comes_back() -> None:
    async with (
        Sandbox(SandboxConfig(calls=50)) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd,
    ):
        # Strict mode refuses undeclared fields by name: the field arrived.
        with pytest.raises(APIResponseError, match=UNKNOWN):
            await cd.calls.live(extra_params={UNKNOWN: "1"})
        sb.configure(strict_params=False)
        live = await cd.calls.live(extra_params={UNKNOWN: "1"})
        assert isinstance(live, LiveCalls)
        # POST form fields and paginators take them too.
        sb.configure(strict_params=True)
        with pytest.raises(APIResponseError, match=UNKNOWN):
            await cd.members.list(extra_params={UNKNOWN: 2}).collect()
        sb.configure(strict_params=False)
        members = await cd.members.list(extra_params={UNKNOWN: 2}).collect()
        assert members and members[0].member_num


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda cd: cd.blocklist.block(number="9812345678", extra_params={"caller_number": "1"}),
         "caller_number"),
        (lambda cd: cd.calls.live(extra_params={"AuthCode": "x"}), "authcode"),
        (lambda cd: cd.members.list(extra_params={"current_page": 3}).collect(), "current_page"),
        (lambda cd: cd.calls.live(extra_params={"x": [1]}), r"extra_params\['x'\]"),
        (lambda cd: cd.calls.live(extra_headers={"Authorization": "Bearer x"}), "Authorization"),
        (lambda cd: cd.calls.live(extra_headers={"X-Callerdesk-Request-Id": "x"}), "Request-Id"),
        (lambda cd: cd.calls.live(extra_headers={"X-A": "1\r\nX-B: 2"}), "one-line"),
        (lambda cd: cd.calls.live(extra_headers={"bad name": "1"}), "header name"),
        (lambda cd: cd.calls.live(timeout=0), "must be > 0"),
        (lambda cd: cd.calls.live(timeout="5"), "timeout"),
    ],
    ids=["collides", "authcode", "page field", "bad value", "authorization", "request id",
         "header injection", "header name", "zero timeout", "str timeout"],
)  # fmt: skip
async def test_bad_per_call_options_raise_before_sending(call: Any, match: str) -> None:
    async with Sandbox(SandboxConfig(calls=50)) as sb:
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd:
            with pytest.raises(ValueError, match=match):
                await call(cd)
        assert sb.stats.requests_total == 0


async def test_an_unknown_per_call_keyword_is_a_type_error() -> None:
    async with CallerdeskClient(AUTHCODE, base_url="http://127.0.0.1:9/api/") as cd:
        with pytest.raises(TypeError, match="extra_param"):
            await cd.calls.live(extra_param={"x": 1})  # type: ignore[call-arg]


async def test_extra_headers_user_agent_suffix_and_a_per_call_timeout(
    local_server: LocalServer,
) -> None:
    seen: list[dict[str, str]] = []
    stall = asyncio.Event()

    async def live(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        if "slow" in request.headers.get("X-Trace", ""):
            await stall.wait()  # set only after the client gave up: the timeout ends it
        return web.Response(text='{"type":"success","live_call":[]}')

    local_server.route("GET", "/api/live_call_v2", live)
    await local_server.start()
    async with CallerdeskClient(
        AUTHCODE,
        base_url=local_server.base_url,
        user_agent_suffix="myapp/2.1",
        retry=RetryPolicy(max_retries=0),
    ) as cd:
        await cd.calls.live(extra_headers={"X-Trace": "abc"})
        await cd.calls.live()
        with pytest.raises(APITimeoutError):
            await cd.calls.live(extra_headers={"X-Trace": "slow"}, timeout=0.05)
    stall.set()  # let the stalled handler finish, so the server stops at once
    assert seen[0]["X-Trace"] == "abc" and "X-Trace" not in seen[1]
    assert seen[0]["User-Agent"].startswith("callerdesk-async/")
    assert seen[0]["User-Agent"].endswith(" myapp/2.1")


async def test_requests_go_through_the_proxy(local_server: LocalServer) -> None:
    proxied = await serve_live(local_server)
    # Nothing listens on the target's port: only the proxy can answer.
    target = "http://127.0.0.1:9/api/"
    proxy_url = f"http://127.0.0.1:{local_server.port}"
    async with CallerdeskClient(AUTHCODE, base_url=target, proxy=proxy_url) as cd:
        assert isinstance(await cd.calls.live(), LiveCalls)
    assert len(proxied) == 1


async def test_trust_env_reads_the_proxy_from_the_environment(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hits = await serve_live(local_server)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{local_server.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    target = "http://127.0.0.1:9/api/"
    async with CallerdeskClient(AUTHCODE, base_url=target, trust_env=True) as cd:
        assert isinstance(await cd.calls.live(), LiveCalls)
    assert [request.path for request in hits] == ["/api/live_call_v2"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"proxy": "socks5://127.0.0.1:1080"}, "proxy"),
        ({"trust_env": "yes"}, "trust_env"),
        ({"user_agent_suffix": "a\nb"}, "user_agent_suffix"),
        ({"trace_configs": [object()]}, "TraceConfig"),
        ({"event_hooks": {"reqest": []}}, "reqest"),
    ],
)
def test_bad_client_options_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CallerdeskClient(AUTHCODE, **kwargs)


def test_every_typed_method_takes_the_per_call_options() -> None:
    checked = 0
    for cls_name in resources.__all__:
        cls = getattr(resources, cls_name)
        if not cls_name.endswith("Resource") or cls_name == "Resource":
            continue
        for attr, method in vars(cls).items():
            if attr.startswith("_") or not callable(method):
                continue
            options = list(inspect.signature(method).parameters.values())[-1]
            assert options.kind is options.VAR_KEYWORD, f"{cls_name}.{attr}"
            assert options.annotation == "Unpack[CallOptions]", f"{cls_name}.{attr}"
            checked += 1
    assert checked >= 30


async def test_with_options_extra_headers_apply_to_every_call_of_the_view(
    local_server: LocalServer,
) -> None:
    received = await serve_live(local_server)
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        team = cd.with_options(extra_headers={"X-Team": "billing"})
        await team.calls.live(extra_headers={"X-Trace": "1"})
        await cd.calls.live()
        with pytest.raises(ValueError, match="must not set 'authorization'"):
            cd.with_options(extra_headers={"authorization": "Basic x"})
    first, second = (request.headers for request in received)
    assert first["X-Team"] == "billing" and first["X-Trace"] == "1"
    assert "X-Team" not in second


async def test_the_untyped_request_takes_the_per_call_options(local_server: LocalServer) -> None:
    received = await serve_live(local_server)
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        payload = await cd.request(
            "live_call_v2",
            {"agent": "1"},
            method="GET",
            idempotent=True,
            extra_params={UNKNOWN: "7"},
            extra_headers={"X-Trace": "raw-1"},
            timeout=5,
        )
    assert payload["type"] == "success"
    (request,) = received
    assert request.query[UNKNOWN] == "7" and request.query["agent"] == "1"
    assert request.headers["X-Trace"] == "raw-1"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"params": {"a": "1"}, "extra_params": {"a": "2"}}, "'a', which a typed parameter"),
        ({"extra_params": {"AUTHCODE": "x"}}, "must not carry authcode"),
        ({"params": {"AuthCode": "x"}}, "params must not carry authcode"),
        ({"extra_headers": {"User-Agent": "x"}}, "must not set 'User-Agent'"),
        ({"timeout": "5"}, "timeout"),
    ],
    ids=["collides", "extra authcode", "params authcode", "own header", "bad timeout"],
)
async def test_the_untyped_request_checks_its_options_before_sending(
    kwargs: dict[str, Any], match: str
) -> None:
    async with Sandbox(SandboxConfig(calls=5)) as sb:
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd:
            with pytest.raises(ValueError, match=match):
                await cd.request("live_call_v2", method="GET", **kwargs)
            with pytest.raises(TypeError, match="extra_param"):
                await cd.request("live_call_v2", extra_param={"x": 1})  # type: ignore[call-arg]
        assert sb.stats.requests_total == 0


async def test_a_view_can_decode_strictly_while_the_client_stays_lenient(
    local_server: LocalServer,
) -> None:
    async def profile(request: web.Request) -> web.Response:
        return web.Response(text='{"type":"success","plan_details":"not a list"}')

    local_server.route("POST", "/api/{name}", profile)
    await local_server.start()
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        strict = cd.with_options(strict_decoding=True)
        await cd.account.profile()  # lenient: the odd value is kept aside
        with pytest.raises(APIResponseError, match="plan_details"):
            await strict.account.profile()
        await strict.with_options(strict_decoding=False).account.profile()
        await cd.account.profile()


@pytest.mark.parametrize(
    "option",
    ["proxy", "trust_env", "ssl_context", "session", "max_concurrency", "rate_limit",
     "rate_backend", "user_agent_suffix", "trace_configs", "event_hooks", "no_such_option"],
)  # fmt: skip
async def test_with_options_refuses_pool_level_options(option: str) -> None:
    async with CallerdeskClient(AUTHCODE, base_url="http://127.0.0.1:9/api/") as cd:
        with pytest.raises(TypeError, match=rf"\['{option}'\]: only per-request options"):
            cd.with_options(**{option: None})
        for bad in ({"strict_decoding": "yes"}, {"prefetch": -1}, {"prefetch": True}):
            with pytest.raises(ValueError, match=next(iter(bad))):
                cd.with_options(**bad)  # type: ignore[arg-type]
