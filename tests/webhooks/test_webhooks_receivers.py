"""Receiver behaviour, identical for the aiohttp handler (over real HTTP) and the ASGI app."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from callerdesk_async.webhooks import (
    CallReportEvent,
    Deduplicator,
    EventCallback,
    WebhookASGIApp,
    add_webhook_route,
    webhook_app,
    webhook_handler,
)

from .webhook_helpers import CALL_REPORT, LIVE_CALL, Recorder, call_asgi

JSON = {"Content-Type": "application/json"}
BODY = json.dumps(CALL_REPORT).encode()


class Send(Protocol):
    def __call__(
        self,
        method: str = ...,
        path: str = ...,
        query: str = ...,
        headers: dict[str, str] | None = ...,
        body: bytes = ...,
    ) -> Awaitable[tuple[int, str, dict[str, str]]]: ...


Make = Callable[..., Awaitable[Send]]


@pytest.fixture(params=["aiohttp", "asgi"])
async def make_receiver(request: pytest.FixtureRequest) -> AsyncIterator[Make]:
    servers: list[TestServer] = []
    session = aiohttp.ClientSession()

    async def make(on_event: EventCallback, **kwargs: Any) -> Send:
        if request.param == "aiohttp":
            app = web.Application()
            add_webhook_route(app, "/callerdesk", on_event, **kwargs)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            servers.append(server)

            async def send_http(
                method: str = "POST",
                path: str = "/callerdesk",
                query: str = "",
                headers: dict[str, str] | None = None,
                body: bytes = b"",
            ) -> tuple[int, str, dict[str, str]]:
                url = str(server.make_url(path)) + (f"?{query}" if query else "")
                async with session.request(
                    method, URL(url, encoded=True), headers=headers, data=body
                ) as response:
                    return response.status, await response.text(), dict(response.headers)

            return send_http
        asgi = WebhookASGIApp(on_event, **kwargs)

        async def send_asgi(
            method: str = "POST",
            path: str = "/callerdesk",
            query: str = "",
            headers: dict[str, str] | None = None,
            body: bytes = b"",
        ) -> tuple[int, str, dict[str, str]]:
            raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
            status, response_headers, payload = await call_asgi(
                asgi, method, path, query.encode(), raw, body, chunk=1000
            )
            return status, payload.decode(), response_headers

        return send_asgi

    yield make
    await session.close()
    for server in servers:
        await server.close()


async def test_success_then_duplicate(make_receiver: Make, recorder: Recorder) -> None:
    send = await make_receiver(recorder)
    assert (await send(headers=JSON, body=BODY))[:2] == (200, "ok")
    assert (await send(headers=JSON, body=BODY))[:2] == (200, "ok (duplicate)")
    assert recorder.calls == 1
    assert isinstance(recorder.events[0], CallReportEvent)


async def test_callback_failure_is_500_logged_and_redelivery_is_handled(
    make_receiver: Make, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(fail_times=1)
    send = await make_receiver(recorder)
    with caplog.at_level(logging.ERROR, logger="callerdesk_async.webhooks"):
        status, text, _ = await send(headers=JSON, body=BODY)
    assert status == 500
    assert "redeliver" in text
    [record] = [r for r in caplog.records if r.name == "callerdesk_async.webhooks"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "downstream database is down" in caplog.text
    assert (await send(headers=JSON, body=BODY))[:2] == (200, "ok")
    assert (await send(headers=JSON, body=BODY))[:2] == (200, "ok (duplicate)")
    assert recorder.calls == 2
    assert len(recorder.events) == 1


async def test_concurrent_duplicates_call_back_once(make_receiver: Make) -> None:
    recorder = Recorder(delay=0.05)
    send = await make_receiver(recorder)
    results = await asyncio.gather(*(send(headers=JSON, body=BODY) for _ in range(5)))
    assert sorted(r[1] for r in results) == ["ok"] + ["ok (duplicate)"] * 4
    assert recorder.calls == 1


async def test_concurrent_duplicate_retries_when_first_fails(make_receiver: Make) -> None:
    recorder = Recorder(fail_times=1, delay=0.05)
    send = await make_receiver(recorder)
    results = await asyncio.gather(*(send(headers=JSON, body=BODY) for _ in range(2)))
    assert sorted(r[0] for r in results) == [200, 500]
    assert recorder.calls == 2
    assert len(recorder.events) == 1


async def test_dedupe_can_be_disabled(make_receiver: Make, recorder: Recorder) -> None:
    send = await make_receiver(recorder, dedupe=False)
    for _ in range(3):
        assert (await send(headers=JSON, body=BODY))[0] == 200
    assert recorder.calls == 3


async def test_secret_in_path(make_receiver: Make, recorder: Recorder) -> None:
    send = await make_receiver(recorder, secret="s3cret-Ünïcode")
    assert (await send(path="/callerdesk/wrong", headers=JSON, body=BODY))[0] == 404
    assert (await send(path="/callerdesk", headers=JSON, body=BODY))[0] == 404
    assert (await send(path="/callerdesk/s3cret", headers=JSON, body=BODY))[0] == 404
    assert (await send("PUT", path="/callerdesk/wrong"))[0] == 404
    assert recorder.calls == 0
    good = "/callerdesk/s3cret-%C3%9Cn%C3%AFcode"
    # Over HTTP the path is percent-encoded; ASGI servers hand the app the decoded path.
    good = good if getattr(send, "__name__", "") == "send_http" else "/callerdesk/s3cret-Ünïcode"
    assert (await send(path=good, headers=JSON, body=BODY))[:2] == (200, "ok")
    assert (await send(path=good + "/", query="x=1", headers=JSON, body=BODY))[0] == 200
    assert recorder.calls == 1


async def test_oversized_body_is_413(make_receiver: Make, recorder: Recorder) -> None:
    send = await make_receiver(recorder, max_body=1024)
    body = json.dumps({**CALL_REPORT, "pad": "x" * 2000}).encode()
    status, text, _ = await send(headers=JSON, body=body)
    assert (status, text) == (413, "payload too large")
    assert (await send(headers=JSON, body=BODY))[0] == 200
    assert recorder.calls == 1


async def test_wrong_method_is_405(make_receiver: Make, recorder: Recorder) -> None:
    send = await make_receiver(recorder)
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        status, _, headers = await send(method, headers=JSON, body=BODY)
        assert status == 405
        assert headers.get("Allow", headers.get("allow")) == "GET, POST, HEAD"
    assert (await send("HEAD"))[0] == 200
    assert recorder.calls == 0


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (JSON, b"{oops", 400),
        (JSON, b"[]", 400),
        ({"Content-Type": "application/octet-stream"}, b"\x00\x01\x02", 415),
        ({"Content-Type": "application/xml"}, b'<call type="call_report" id="1"/>', 415),
        ({"Content-Type": "multipart/form-data; boundary=zz"}, b"--zz\r\nbroken", 400),
    ],
)
async def test_bad_input_is_4xx_with_reason(
    make_receiver: Make, recorder: Recorder, headers: dict[str, str], body: bytes, status: int
) -> None:
    send = await make_receiver(recorder)
    got, text, response_headers = await send(headers=headers, body=body)
    assert got == status
    assert text
    assert response_headers.get(
        "Content-Type", response_headers.get("content-type", "")
    ).startswith("text/plain")
    assert recorder.calls == 0


async def test_get_delivery_with_mangled_query(make_receiver: Make, recorder: Recorder) -> None:
    send = await make_receiver(recorder)
    query = "token=abc?type=live_call&CallSid=42&Status=Ringing&StartTime=2020-04-09n13:46:56"
    assert (await send("GET", query=query))[0] == 200
    [event] = recorder.events
    assert event.type == "live_call"
    assert event.extra == {"token": "abc"}


async def test_shared_deduplicator_across_receivers(make_receiver: Make) -> None:
    shared = Deduplicator()
    first, second = Recorder(), Recorder()
    send_a = await make_receiver(first, dedupe=shared)
    send_b = await make_receiver(second, dedupe=shared)
    assert (await send_a(headers=JSON, body=BODY))[1] == "ok"
    assert (await send_b(headers=JSON, body=BODY))[1] == "ok (duplicate)"
    assert (first.calls, second.calls) == (1, 0)


async def test_live_events_of_one_call_are_all_delivered(
    make_receiver: Make, recorder: Recorder
) -> None:
    send = await make_receiver(recorder)
    for status in ("Ringing", "Answered by Agent", "Ringing"):
        await send(headers=JSON, body=json.dumps({**LIVE_CALL, "Status": status}).encode())
    assert [getattr(e, "status", None) for e in recorder.events] == ["Ringing", "Answered by Agent"]


# --- adapter specifics ----------------------------------------------------------------------


async def test_aiohttp_sub_app_and_plain_handler(recorder: Recorder) -> None:
    app = web.Application()
    app.add_subapp("/cd", webhook_app(recorder, secret="k3y"))
    app.router.add_route("*", "/plain/{anything}", webhook_handler(recorder, secret="tok"))
    app.add_subapp("/open", webhook_app(recorder))
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:

        async def post(path: str, fields: dict[str, str]) -> int:
            async with session.post(server.make_url(path), json=fields) as response:
                return response.status

        assert await post("/cd/k3y", {**LIVE_CALL, "CallSid": "1"}) == 200
        assert await post("/cd/nope", {**LIVE_CALL, "CallSid": "2"}) == 404
        assert await post("/plain/tok", {**LIVE_CALL, "CallSid": "3"}) == 200
        assert await post("/plain/bad", {**LIVE_CALL, "CallSid": "4"}) == 404
        assert await post("/open/", {**LIVE_CALL, "CallSid": "5"}) == 200
    assert [e.raw["CallSid"] for e in recorder.events] == ["1", "3", "5"]


async def test_asgi_lifespan_and_websocket(recorder: Recorder) -> None:
    app = WebhookASGIApp(recorder)
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    sent.clear()
    incoming[:] = [{"type": "websocket.connect"}]
    await app({"type": "websocket", "path": "/"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]


async def test_asgi_client_disconnect_mid_body(recorder: Recorder) -> None:
    app = WebhookASGIApp(recorder)
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": BODY[:10], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await app({"type": "http", "method": "POST", "path": "/", "headers": []}, receive, send)
    assert sent == []
    assert recorder.calls == 0


async def test_asgi_rejects_by_content_length_without_reading(recorder: Recorder) -> None:
    app = WebhookASGIApp(recorder, max_body=10)
    status, _, _ = await call_asgi(app, headers=[(b"content-length", b"11")], body=b"a=1")
    assert status == 413


async def test_asgi_mounted_path_with_root_path(recorder: Recorder) -> None:
    # Starlette's Mount passes the full path and sets root_path; the secret is the last segment.
    app = WebhookASGIApp(recorder, secret="abc")
    status, _, _ = await call_asgi(
        app, path="/callerdesk/abc", headers=[(b"content-type", b"application/json")], body=BODY
    )
    assert status == 200
    assert recorder.calls == 1


def test_receiver_argument_validation() -> None:
    async def cb(event: object) -> None:
        return None

    with pytest.raises(ValueError, match="non-empty"):
        WebhookASGIApp(cb, secret="")
    with pytest.raises(ValueError, match="must not contain"):
        WebhookASGIApp(cb, secret="a/b")
    with pytest.raises(ValueError, match="max_body"):
        webhook_handler(cb, max_body=0)
    with pytest.raises(TypeError):
        WebhookASGIApp("not callable")  # type: ignore[arg-type]


async def test_every_rejection_is_logged_at_info_without_the_secret(
    make_receiver: Make, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    # docs/webhooks.md: "Rejections are logged at INFO" -- 404, 405 and 413 included.
    send = await make_receiver(recorder, secret="hush-7", max_body=1024)
    caplog.set_level(logging.INFO, logger="callerdesk_async.webhooks")
    good = "/callerdesk/hush-7"
    big = json.dumps({**CALL_REPORT, "pad": "x" * 2000}).encode()
    xml = {"Content-Type": "application/xml"}
    cases = [
        (await send(path="/callerdesk/nope", headers=JSON, body=BODY), 404),
        (await send("PUT", path=good, headers=JSON, body=BODY), 405),
        (await send(path=good, headers=JSON, body=big), 413),
        (await send(path=good, headers=xml, body=b'<a b="1"/>'), 415),
        (await send(path=good, headers=JSON, body=b"{oops"), 400),
    ]
    assert [reply[0] for reply, _ in cases] == [status for _, status in cases]
    records = [r for r in caplog.records if r.name == "callerdesk_async.webhooks"]
    assert [(r.levelno, r.getMessage().split(")")[0]) for r in records] == [
        (logging.INFO, f"rejected webhook delivery ({status}") for _, status in cases
    ]
    assert "body larger than 1024 bytes" in records[2].getMessage()
    assert all("hush-7" not in r.getMessage() and "nope" not in r.getMessage() for r in records)
    assert recorder.calls == 0
