"""Bar 6: whatever the server answers, only ``CallerdeskError`` subclasses come out.

A real aiohttp server on 127.0.0.1 answers each request with what hypothesis draws: random
bytes, HTML, truncated JSON, real payloads (taken from the sandbox) with any field of a row, a
member or a total replaced by junk of any type, huge and non-finite numbers, deep nesting,
random statuses and headers (a ``Content-Encoding`` that lies, junk ``Retry-After``). Each
public call under test must return normally or raise a ``CallerdeskError``; a ``KeyError``,
``TypeError``, ``ValueError``, ``AttributeError``, ``IndexError`` or ``RecursionError`` from
inside is a bug.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async.errors import CallerdeskError
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import AUTHCODE, LocalServer

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

Reply = tuple[int, dict[str, str], bytes]

# Real answers of each endpoint, fetched once from the sandbox (the shapes to mutate).
TEMPLATE_CALLS = {
    "call_list_v2": ("POST", {"per_page": "3", "current_page": "1"}),
    "getmemberlist_V2": ("POST", {"per_page": "3", "current_page": "1"}),
    "profile_billing_v2": ("POST", {}),
    "live_call_v2": ("GET", {}),
}
_templates: dict[str, dict[str, Any]] = {}


async def templates() -> dict[str, dict[str, Any]]:
    if _templates:
        return _templates
    config = SandboxConfig(seed=9, calls=50, start_date=date(2026, 1, 1), end_date=date(2026, 1, 2))
    async with Sandbox(config) as sb, aiohttp.ClientSession() as http:
        for name, (method, params) in TEMPLATE_CALLS.items():
            fields = {"authcode": sb.authcode, **params}
            if method == "GET":
                response = await http.get(sb.base_url + name, params=fields)
            else:
                response = await http.post(sb.base_url + name, data=fields)
            async with response:
                _templates[name] = json.loads(await response.read())
        live = await http.get(sb.base_url + "live_call_v2", params={"authcode": sb.authcode})
        async with live:
            assert live.status == 200
    _templates["live_call_v2"]["live_calls"] = [
        {
            "id": "1",
            "caller_num": "09876543210",
            "startdatetime": "2026-01-02 10:00:00",
            "callstatus": "Ringing",
            "member_num": "09876500001",
            "deskphone": "08061234567",
        }
    ]
    _templates["click_to_call_v2"] = {
        "type": "success",
        "message": "Call to Customer Initiate Successfully..",
        "campid": 11387001,
        "callerid": "08061234567",
    }
    return _templates


class Hostile:
    """The server's next answer, set per example."""

    def __init__(self) -> None:
        self.reply: Reply = (200, {}, b"{}")


@pytest.fixture
async def hostile(local_server: LocalServer) -> AsyncIterator[tuple[Hostile, CallerdeskClient]]:
    state = Hostile()

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        status, headers, body = state.reply
        return web.Response(status=status, headers=headers, body=body)

    local_server.route("*", "/api/{tail:.*}", handler)
    await local_server.start()
    retry = RetryPolicy(max_retries=0, max_retry_after=0.0)
    async with CallerdeskClient(
        AUTHCODE, base_url=local_server.base_url, retry=retry, timeout=5.0
    ) as cd:
        yield state, cd


junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1.5",
            "abc",
            "0000-00-00 00:00:00",
            "2026-13-45 99:99:99",
            "9" * 40,
            "1e999",
            "NaN",
            "null",
            "[]",
            "{}",
            "\x00",
            "success",
            "error",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def mutate(data: st.DataObject, template: dict[str, Any]) -> dict[str, Any]:
    """Replace some fields (top level, or inside any row of any list) with junk."""
    payload: dict[str, Any] = json.loads(json.dumps(template))
    for _ in range(data.draw(st.integers(1, 4))):
        target: dict[str, Any] = payload
        lists: list[list[Any]] = [v for v in payload.values() if isinstance(v, list) and v]
        in_a_row: bool = data.draw(st.booleans())
        if lists and in_a_row:
            rows = data.draw(st.sampled_from(lists))
            index = data.draw(st.integers(0, len(rows) - 1))
            if not isinstance(rows[index], dict):
                rows[index] = data.draw(junk)
                continue
            target = rows[index]
        keys = sorted(target) or ["type"]
        key = data.draw(st.sampled_from(keys) | st.text(max_size=6))
        if data.draw(st.integers(0, 9)) == 0:
            target.pop(key, None)
        else:
            target[key] = data.draw(junk)
    return payload


SPECIAL_BODIES = [
    b"",
    b"null",
    b"[]",
    b'"success"',
    b"[" * 500 + b"]" * 500,
    b'{"type":"success","total":1' + b"0" * 5_000 + b',"result":[]}',
    b'{"type":"success","total":1e999,"total_record":-1e999,"result":[],"getmember":[]}',
    b'{"type":"success","total":NaN,"result":[{"id":NaN}]}',
    b'{"type":"error"}',
    b'{"type":"error","message":{"nested":["junk"]}}',
    b'{"type":"error","message":null}',
    b'{"type":["success"]}',
    b'{"type":"success","result":"no list","getmember":{"a":1},"live_calls":7}',
    b"\xff\xfe\x00{\x00}",
    b"\xef\xbb\xbf{}",
    b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    b'<br />\n<b>Warning</b>: Undefined index in <b>/var/www/api.php</b><br />{"type":"success"}',
]


def bodies(data: st.DataObject, template: dict[str, Any]) -> bytes:
    choice = data.draw(st.integers(0, 7))
    if choice == 0:
        return data.draw(st.binary(max_size=300))
    if choice == 1:
        return data.draw(st.sampled_from(SPECIAL_BODIES))
    if choice == 2:
        return data.draw(junk.map(lambda v: json.dumps(v).encode()))
    text = json.dumps(mutate(data, template) if choice >= 3 else template).encode()
    if choice == 3:
        return text[: data.draw(st.integers(0, len(text)))]  # truncated
    return text


def replies(data: st.DataObject, template: dict[str, Any]) -> Reply:
    status = data.draw(st.sampled_from([200] * 16 + [201, 204, 301, 400, 404, 418, 429, 500, 503]))
    headers: dict[str, str] = {
        "Content-Type": data.draw(
            st.sampled_from(
                ["text/html; charset=UTF-8", "application/json", "text/plain", "application/x-junk"]
            )
        )
    }
    if data.draw(st.integers(0, 9)) == 0:
        headers["Content-Encoding"] = data.draw(st.sampled_from(["gzip", "deflate", "br", "zz"]))
    if status in (429, 503) or data.draw(st.integers(0, 9)) == 0:
        headers["Retry-After"] = data.draw(
            st.sampled_from(
                ["0", "1", "-5", "abc", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT", "", "99999"]
            )
        )
    if status == 204:
        return status, headers, b""
    return status, headers, bodies(data, template)


Action = Callable[[CallerdeskClient], Awaitable[object]]
ACTIONS: dict[str, tuple[str, Action]] = {
    "calls.list": ("call_list_v2", lambda cd: cd.calls.list(per_page=3, max_pages=4).collect()),
    "members.list": ("getmemberlist_V2", lambda cd: cd.members.list(per_page=3).collect()),
    "click_to_call": (
        "click_to_call_v2",
        lambda cd: cd.calls.click_to_call(
            agent="9876500001", customer="9876543210", deskphone="08061234567"
        ),
    ),
    "account.profile": ("profile_billing_v2", lambda cd: cd.account.profile()),
    "calls.live": ("live_call_v2", lambda cd: cd.calls.live()),
}


async def check(
    state: Hostile, cd: CallerdeskClient, action: Action, reply: Reply, *, record: bool = True
) -> None:
    state.reply = reply
    cd._core.dispatcher._backend._cooldown = None  # type: ignore[attr-defined]  # 429s: no wait
    outcome = "ok"
    try:
        await action(cd)
    except CallerdeskError as exc:
        outcome = type(exc).__name__
    if record:
        event(outcome)


@pytest.mark.parametrize("name", list(ACTIONS))
@SETTINGS
@given(data=st.data())
async def test_only_callerdesk_errors_escape(
    hostile: tuple[Hostile, CallerdeskClient], name: str, data: st.DataObject
) -> None:
    state, cd = hostile
    endpoint, action = ACTIONS[name]
    template = (await templates())[endpoint]
    await check(state, cd, action, replies(data, template))


@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize("body", SPECIAL_BODIES, ids=lambda b: repr(b[:24]))
async def test_special_bodies_raise_callerdesk_errors(
    hostile: tuple[Hostile, CallerdeskClient], name: str, body: bytes
) -> None:
    state, cd = hostile
    await check(state, cd, ACTIONS[name][1], (200, {}, body), record=False)


DEEP_BODIES = [b"[" * 100_000, b'{"a":' * 50_000, b"[" * 50_000 + b"]" * 50_000]


# Found by this suite: json.loads raises RecursionError on deep nesting, which once escaped
# decode_response (fixed in 6fd7d76); kept as a regression test over every call.
@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize("body", DEEP_BODIES, ids=["open-arrays", "open-objects", "balanced"])
async def test_deeply_nested_bodies_raise_callerdesk_errors(
    hostile: tuple[Hostile, CallerdeskClient], name: str, body: bytes
) -> None:
    state, cd = hostile
    await check(state, cd, ACTIONS[name][1], (200, {}, body), record=False)
