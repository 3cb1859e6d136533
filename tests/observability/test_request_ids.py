"""Bar 2: a failed call's exception and log lines carry the request id the sandbox received;
retries are logged at INFO with attempt n of m, the wait, the reason and the endpoint."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async._pipeline import REQUEST_ID_HEADER
from callerdesk_async.errors import (
    APIResponseError,
    AuthenticationError,
    OutcomeUnknownError,
    ServerError,
)
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import AUTHCODE, LocalServer

NO_WAIT = RetryPolicy(max_retries=2, initial=0, max_delay=0, jitter=False)


def lines_of(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if request_id in r.getMessage()]


async def test_a_retried_failure_names_the_request_id_the_sandbox_received(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with (
        Sandbox(SandboxConfig(calls=50, fault_5xx=1.0)) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url, retry=NO_WAIT) as cd,
    ):
        caplog.clear()
        with pytest.raises(ServerError) as failed:
            await cd.calls.live()
        error = failed.value
        assert error.request_id is not None and len(error.request_id) == 32
        # The sandbox saw that id once per attempt, and nothing else.
        assert (
            sb.stats.recent_request_ids
            == [error.request_id] * 3
            == [error.request_id] * (error.attempts)
        )
        assert f"request_id={error.request_id}" in str(error)
        ours = [r for r in caplog.records if r.name == "callerdesk_async"]
        assert ours and ours == lines_of(caplog, error.request_id)
        retries = [r for r in ours if r.levelno == logging.INFO]
        assert [r.getMessage().split(": attempt ")[1].split(" failed")[0] for r in retries] == [
            "1 of 3",
            "2 of 3",
        ]
        first = retries[0].getMessage()
        assert "retrying live_call_v2" in first
        assert "ServerError: server error (HTTP 502)" in first
        assert "next attempt in 0.000s" in first
        assert len([r for r in ours if r.levelno == logging.DEBUG]) == 3  # one per attempt


async def test_business_errors_and_outcome_unknown_carry_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with Sandbox(SandboxConfig(calls=50)) as sb:
        async with CallerdeskClient("not-the-authcode", base_url=sb.base_url) as wrong:
            with pytest.raises(AuthenticationError) as refused:
                await wrong.account.profile()
        assert sb.stats.recent_request_ids[-1] == refused.value.request_id
        assert lines_of(caplog, str(refused.value.request_id))
        sb.configure(fault_5xx=1.0)
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url, retry=NO_WAIT) as cd:
            member = "9812345678"
            with pytest.raises(OutcomeUnknownError) as unknown:
                await cd.blocklist.block(number=member)  # side-effecting: never retried
        assert unknown.value.request_id == sb.stats.recent_request_ids[-1]
        assert sb.stats.recent_request_ids.count(unknown.value.request_id) == 1


async def test_an_error_raised_before_sending_has_no_request_id() -> None:
    async with CallerdeskClient("x" * 12, base_url="http://127.0.0.1:9/api/") as cd:
        with pytest.raises(ValueError, match="extra_params"):
            await cd.calls.live(extra_params={"authcode": "other"})


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda cd: cd.account.deskphones(), '{"type":"success","getdeskphone":"not a list"}'),
        (lambda cd: cd.account.profile(), '{"type":"success","plan_details":"not a list"}'),
        (lambda cd: cd.members.list().collect(), '{"type":"success","other":[]}'),
    ],
    ids=["items not a list", "strict decoding", "page without its list"],
)
async def test_errors_reading_an_answer_carry_its_request_id(
    call: Any, body: str, local_server: LocalServer
) -> None:
    received: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        received.append(request.headers[REQUEST_ID_HEADER])
        return web.Response(text=body)

    local_server.route("POST", "/api/{name}", answer)
    await local_server.start()
    async with CallerdeskClient(
        AUTHCODE, base_url=local_server.base_url, strict_decoding=True
    ) as cd:
        with pytest.raises(APIResponseError) as failed:
            await call(cd)
    assert received and failed.value.request_id == received[-1]


def test_sandbox_reads_the_header_the_sdk_sends():
    from callerdesk_async.sandbox._app import REQUEST_ID_HEADER as SANDBOX_HEADER

    assert SANDBOX_HEADER == REQUEST_ID_HEADER == "X-Callerdesk-Request-Id"
