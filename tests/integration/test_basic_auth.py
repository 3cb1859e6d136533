"""HTTP Basic for white-label ``/api_v3/`` hosts (reference section 1.2), end to end.

The sandbox, configured like such a host, checks the header on every request; servers that
echo the credentials back stand in for the worst a misbehaving host or proxy can do. Besides
the suite-wide guard in ``tests/conftest.py`` (DEBUG records of ``callerdesk_async`` and every
error the SDK creates), a handler on the root logger records everything logged anywhere
(aiohttp's and asyncio's loggers at DEBUG too).
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async.errors import (
    APIResponseError,
    AuthenticationError,
    CallerdeskError,
    MalformedResponseError,
    ServerError,
)
from callerdesk_async.export import ExportOptions, export_members
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import BASIC_PASSWORD, BASIC_TOKEN, BASIC_USER, LocalServer
from tests.reliability.test_secrets import Capture, root_capture

__all__ = ["root_capture"]  # the root-logger capture fixture, shared with the authcode tests

CREDENTIALS = (BASIC_USER, BASIC_PASSWORD)
WHITE_LABEL = SandboxConfig(
    prefix="/api_v3/", basic_user=BASIC_USER, basic_password=BASIC_PASSWORD, calls=300
)
FAST = RetryPolicy(max_retries=1, initial=0.001, max_delay=0.002)


def assert_clean(text: str) -> None:
    for secret in (BASIC_PASSWORD, BASIC_TOKEN, BASIC_USER):
        assert secret not in text, f"credential leaked: {text[:300]!r}"


def assert_error_clean(error: CallerdeskError) -> None:
    assert_clean(str(error))
    assert_clean(repr(error))
    assert_clean("".join(traceback.format_exception(error)))


async def test_basic_auth_reaches_the_white_label_sandbox_without_an_authcode() -> None:
    async with Sandbox(WHITE_LABEL) as sb:
        assert sb.base_url.endswith("/api_v3/")
        async with CallerdeskClient(base_url=sb.base_url, basic_auth=CREDENTIALS) as cd:
            profile = await cd.account.profile()
            assert profile.login_account is not None
            assert len(await cd.calls.list(per_page=100).collect()) == 300
            assert_clean(repr(cd))
        assert sb.stats.responses_by_status.get(401, 0) == 0


async def test_a_wrong_or_missing_basic_credential_is_an_authentication_error() -> None:
    async with Sandbox(WHITE_LABEL) as sb:
        async with CallerdeskClient(
            base_url=sb.base_url, basic_auth=(BASIC_USER, "wrong-password"), retry=FAST
        ) as cd:
            with pytest.raises(AuthenticationError, match="HTTP 401") as refused:
                await cd.account.profile()
            assert refused.value.status == 401
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url, retry=FAST) as cd:
            with pytest.raises(AuthenticationError):
                await cd.account.profile()
        assert sb.stats.responses_by_status[401] == 2


async def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLERDESK_AUTHCODE", raising=False)
    monkeypatch.setenv("CALLERDESK_BASIC_USER", BASIC_USER)
    monkeypatch.setenv("CALLERDESK_BASIC_PASSWORD", BASIC_PASSWORD)
    async with Sandbox(WHITE_LABEL) as sb, CallerdeskClient(base_url=sb.base_url) as cd:
        assert (await cd.account.profile()).login_account is not None
    monkeypatch.delenv("CALLERDESK_BASIC_PASSWORD")
    with pytest.raises(ValueError, match="CALLERDESK_BASIC_PASSWORD"):
        CallerdeskClient(base_url="http://127.0.0.1:9/api_v3/")


@pytest.mark.parametrize(
    "bad",
    [("user",), ("", "pw"), ("us:er", "pw"), ["user", "pw"], ("user", 7)],
    ids=["one part", "blank user", "colon", "list", "int password"],
)
def test_bad_basic_credentials_are_refused_up_front(bad: object) -> None:
    with pytest.raises(ValueError, match="basic_auth"):
        CallerdeskClient(basic_auth=bad)  # type: ignore[arg-type]


async def test_the_header_is_sent_and_no_authcode_field(local_server: LocalServer) -> None:
    seen: list[tuple[str | None, dict[str, str]]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((request.headers.get("Authorization"), dict(await request.post())))
        return web.Response(text='{"type":"success","getdeskphone":[]}')

    local_server.route("POST", "/api/getdeskphone_v2", handler)
    await local_server.start()
    async with CallerdeskClient(base_url=local_server.base_url, basic_auth=CREDENTIALS) as cd:
        assert await cd.account.deskphones() == []
    assert seen == [(f"Basic {BASIC_TOKEN}", {})]


async def test_echoed_credentials_never_reach_logs_errors_or_tracebacks(
    local_server: LocalServer, root_capture: Capture
) -> None:
    async def echo_error(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        message = f"bad credentials {header} user={BASIC_USER} password={BASIC_PASSWORD}"
        return web.Response(text=json.dumps({"type": "error", "message": message}))

    async def echo_500(request: web.Request) -> web.Response:
        return web.Response(status=500, text=f"<html>{request.headers['Authorization']}</html>")

    async def echo_garbage(request: web.Request) -> web.Response:
        return web.Response(text=f"Warning: {BASIC_TOKEN} {BASIC_PASSWORD} <br/>")

    async def echo_401(request: web.Request) -> web.Response:
        return web.Response(status=401, text=f"denied: {request.headers['Authorization']}")

    local_server.route("POST", "/api/profile_billing_v2", echo_error)
    local_server.route("POST", "/api/getdeskphone_v2", echo_500)
    local_server.route("POST", "/api/getprompt", echo_garbage)
    local_server.route("POST", "/api/dashboard_v2", echo_401)
    await local_server.start()
    errors: list[CallerdeskError] = []
    async with CallerdeskClient(
        base_url=local_server.base_url, basic_auth=CREDENTIALS, retry=FAST
    ) as cd:
        for call, kind in (
            (cd.account.profile, APIResponseError),
            (cd.account.deskphones, ServerError),
            (cd.account.prompts, MalformedResponseError),
            (cd.calls.dashboard, AuthenticationError),
        ):
            with pytest.raises(kind) as caught:
                await call()
            errors.append(caught.value)
    assert "Basic ***" in errors[0].message and "password=***" in errors[0].message
    for error in errors:
        assert_error_clean(error)
        for value in vars(error).values():
            assert_clean(str(value))
    assert root_capture.texts
    for text in root_capture.client_texts():
        assert_clean(text)


async def test_export_checkpoints_hold_no_credential(tmp_path: Path) -> None:
    checkpoint = tmp_path / "members.csv.checkpoint.json"
    snapshots: list[str] = []

    def on_progress(_: object) -> None:
        if checkpoint.exists():
            snapshots.append(checkpoint.read_text(encoding="utf-8"))

    async with (
        Sandbox(WHITE_LABEL.evolve(members=60)) as sb,
        CallerdeskClient(base_url=sb.base_url, basic_auth=CREDENTIALS) as cd,
    ):
        summary = await export_members(
            cd,
            tmp_path / "members.csv",
            per_page=5,
            checkpoint=checkpoint,
            on_progress=on_progress,
            options=ExportOptions(checkpoint_interval=0.0),
        )
    assert summary.rows == 60
    assert snapshots
    for text in snapshots:
        assert_clean(text)
    assert_clean((tmp_path / "members.csv").read_text(encoding="utf-8"))
