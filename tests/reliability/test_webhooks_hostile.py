"""Bar 6 for the webhook receivers, over a real socket: they answer 4xx, never 5xx.

``tests/webhooks/test_webhooks_properties.py`` drives the handler in-process with arbitrary
bodies; this adds what only a real server shows: raw HTTP framing written by hand (lying
``Content-Length``, broken chunked encoding, compressed bodies and a gzip bomb, odd methods and
paths, header junk), through ``add_webhook_route`` on a live aiohttp server, and an ASGI client
that disconnects mid-body.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import zlib
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from callerdesk_async.webhooks import WebhookASGIApp, add_webhook_route
from tests.conftest import LocalServer

SECRET = "hookSecret7f3a9c"
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
REPORT = {
    "type": "call_report",
    "CallSid": "17000.1",
    "SourceNumber": "09876543210",
    "Status": "ANSWER",
    "StartTime": "2026-01-02 10:00:00",
}


class Events:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, event: object) -> None:
        self.count += 1


@pytest.fixture
async def receiver(local_server: LocalServer) -> int:
    add_webhook_route(local_server.app, "/hook", Events(), secret=SECRET, max_body=4096)
    await local_server.start()
    return local_server.port


async def raw_exchange(port: int, request: bytes) -> int | None:
    """Write ``request`` as is; the status of the answer, or None if the server hung up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout=5)
    except (ConnectionError, asyncio.IncompleteReadError):
        return None
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    parts = line.split()
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def gzip_bomb() -> bytes:
    return gzip.compress(b"0" * 20_000_000, compresslevel=9)


bodies = st.one_of(
    st.binary(max_size=600),
    st.just(json.dumps(REPORT).encode()),
    st.dictionaries(st.sampled_from([*REPORT, "x"]), st.text(max_size=20)).map(
        lambda d: json.dumps(d).encode()
    ),
)


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["POST", "POST", "GET", "PUT", "HEAD", "DELETE", "PATCH"]))
    path = draw(
        st.sampled_from(
            [
                f"/hook/{SECRET}",
                f"/hook/{SECRET}/",
                "/hook/nope",
                f"/hook/{SECRET}?type=call_report?x=1",
                f"/hook/{SECRET}?%zz",
                f"/hook/{SECRET}?" + "a=b&" * 300,
            ]
        )
    )
    body = draw(bodies)
    encoding = draw(st.sampled_from(["", "", "gzip", "deflate", "gzip-bad", "bomb", "br"]))
    if encoding == "gzip":
        body = gzip.compress(body)
    elif encoding == "deflate":
        body = zlib.compress(body)
    elif encoding == "bomb":
        body, encoding = gzip_bomb(), "gzip"
    elif encoding == "gzip-bad":
        body, encoding = b"\x1f\x8b\x08\x00junk" + body, "gzip"
    headers = ["Host: 127.0.0.1", "Connection: close"]
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=zz",
                "text/plain",
                "",
            ]
        )
    )
    if content_type:
        headers.append(f"Content-Type: {content_type}")
    if encoding:
        headers.append(f"Content-Encoding: {encoding}")
    framing = draw(st.sampled_from(["length", "short-length", "chunked", "bad-chunked", "none"]))
    if framing == "length":
        headers.append(f"Content-Length: {len(body)}")
        payload = body
    elif framing == "short-length":
        cut = draw(st.integers(0, len(body)))
        headers.append(f"Content-Length: {cut}")
        payload = body  # the rest reads as a second (garbage) request
    elif framing == "chunked":
        headers.append("Transfer-Encoding: chunked")
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    elif framing == "bad-chunked":
        headers.append("Transfer-Encoding: chunked")
        payload = b"zz\r\n" + body + b"\r\n"
    else:
        payload = b""
    junk_headers = draw(
        st.lists(
            st.sampled_from(
                [
                    "X-Junk: \x01\x02",
                    "Transfer-Encoding: gzip",
                    ": empty",
                    "Content-Type: multipart/form-data",
                    "Expect: 100-continue",
                ]
            ),
            max_size=2,
        )
    )
    head = "\r\n".join([f"{method} {path} HTTP/1.1", *headers, *junk_headers]) + "\r\n\r\n"
    return head.encode("latin-1") + payload


@SETTINGS
@given(request=raw_requests())
async def test_raw_http_never_gets_a_5xx(receiver: int, request: bytes) -> None:
    status = await raw_exchange(receiver, request)
    event(f"status {status}")
    assert status is None or status < 500, (status, request[:200])


async def test_gzip_bomb_is_refused_with_413(receiver: int) -> None:
    body = gzip_bomb()
    head = (
        f"POST /hook/{SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    assert await raw_exchange(receiver, head.encode() + body) == 413


# Regression (found by this suite, fixed in b4bfc4d): aiohttp's RequestPayloadError escaped
# the handler and became a 500.
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_corrupt_compressed_body_gets_400_not_500(receiver: int, encoding: str) -> None:
    body = b"\x1f\x8b\x08\x00junk" + json.dumps(REPORT).encode()
    head = (
        f"POST /hook/{SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Encoding: {encoding}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    status = await raw_exchange(receiver, head.encode() + body)
    assert status is not None and 400 <= status < 500, status


async def test_a_good_delivery_over_the_socket_is_accepted(receiver: int) -> None:
    body = json.dumps(REPORT).encode()
    head = (
        f"POST /hook/{SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    assert await raw_exchange(receiver, head.encode() + body) == 200


@pytest.mark.parametrize("cut", [0, 1, 10, 100])
async def test_asgi_client_gone_mid_body_gets_no_5xx(cut: int) -> None:
    app = WebhookASGIApp(Events(), secret=SECRET)
    body = json.dumps(REPORT).encode()
    messages: list[MutableMapping[str, Any]] = [
        {"type": "http.request", "body": body[:cut], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/hook/{SECRET}",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    await app(scope, receive, send)
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert all(isinstance(s, int) and s < 500 for s in statuses), statuses


async def test_webhook_app_in_a_real_server_answers_unknown_methods_4xx(
    local_server: LocalServer,
) -> None:
    add_webhook_route(local_server.app, "/hook", Events(), secret=SECRET)
    await local_server.start()
    for method in ("TRACE", "CONNECT", "PROPFIND", "OPTIONS"):
        request = f"{method} /hook/{SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        status = await raw_exchange(local_server.port, request.encode())
        assert status is not None and 400 <= status < 500, (method, status)
