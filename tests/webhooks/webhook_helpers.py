"""Helpers for the webhook tests: sample payloads, delivery encoders, uvicorn for ASGI apps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from contextlib import asynccontextmanager, nullcontext
from typing import Any
from urllib.parse import urlencode

import aiohttp
import uvicorn
from yarl import URL

from callerdesk_async.webhooks import WebhookEvent

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]

# The official POST sample's fields (reference §8.2) with plausible values.
CALL_REPORT: dict[str, Any] = {
    "type": "call_report",
    "SourceNumber": "09000000001",
    "DestinationNumber": "01204567890",
    "DialWhomNumber": "9281234567",
    "CallDuration": "18",
    "TalkDuration": "12",
    "coins": "1.5",
    "Status": "Leg B Answer",
    "callstatus": "ANSWER",
    "StartTime": "2023-01-02 14:32:30",
    "EndTime": "2023-01-02 14:32:48",
    "CallSid": "1672649960.9601",
    "Uniqueid": "1672649960.9601",
    "campid": "11387004",
    "CallRecordingUrl": "https://newcallrecords.callerdesk.io/outgoing/01_2023/x.wav",
    "Direction": "WEBOBD",
    "call_group": "TestGroup",
    "receiver_name": "Ashish",
    "error_code": "0",
    "LegA_Picked_time": "2023-01-02 14:32:35",
    "LegB_Start_time": "2023-01-02 14:32:36",
    "LegB_Picked_time": "2023-01-02 14:32:44",
    "key_press": "",
    "hangup_cause": "ANSWER(16-customer)",
}

LIVE_CALL: dict[str, Any] = {
    "type": "live_call",
    "SourceNumber": "9988776655",
    "DestinationNumber": "01204567890",
    "DialWhomNumber": "9281234567",
    "Status": "Answered by Agent",
    "StartTime": "2023-01-02 14:32:30",
    "CallSid": "1672649960.9602",
    "Direction": "IVR",
    "call_group": "Sales",
}

# Legacy GET sample (reference §8.4): no type, `n` separator, empty campid.
LEGACY_GET_QUERY = (
    "SourceNumber=9988776655&DestinationNumber=01204567890&DialWhomNumber=9281234567"
    "&CallDuration=40&coins=1&Status=NOANSWER(19)&StartTime=2020-04-09n13:46:56"
    "&EndTime=2020-04-09n13:47:36&CallSid=8397472&CallRecordingUrl=&Direction=IVR"
    "&campid=&TalkDuration=0"
)

DELIVERY_MODES = ("json", "form", "multipart", "get")


def multipart_body(fields: Mapping[str, Any], boundary: str = "cdBoundary42") -> bytes:
    """A multipart/form-data body the way curl/PHP/axios send it (CRLF, form-data parts)."""
    out = bytearray()
    for key, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
        out += str(value).encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


async def deliver(
    session: aiohttp.ClientSession,
    url: str,
    fields: Mapping[str, Any],
    mode: str,
) -> tuple[int, str]:
    """Send one delivery like Callerdesk would (appending `?params` even after a query)."""
    joiner = "?"  # the platform appends '?' even when the URL already has a query
    if mode == "get":
        target = URL(url + joiner + urlencode({k: str(v) for k, v in fields.items()}), encoded=True)
        async with session.get(target) as response:
            return response.status, await response.text()
    target = URL(url + joiner + urlencode({"type": str(fields.get("type", ""))}), encoded=True)
    if mode == "json":
        kwargs: dict[str, Any] = {
            "data": json.dumps(dict(fields)),
            "headers": {"Content-Type": "application/json"},
        }
    elif mode == "form":
        kwargs = {"data": {k: str(v) for k, v in fields.items()}}
    elif mode == "multipart":
        form = aiohttp.FormData(default_to_multipart=True)
        for key, value in fields.items():
            form.add_field(key, str(value))
        kwargs = {"data": form}
    else:
        raise ValueError(mode)
    async with session.post(target, **kwargs) as response:
        return response.status, await response.text()


@asynccontextmanager
async def uvicorn_server(app: ASGIApp) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (ephemeral port); yields ``http://host:port``."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        ws="none",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    server.capture_signals = nullcontext  # type: ignore[method-assign]  # leave pytest's alone
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # startup failed: raise its error
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        (listener,) = server.servers
        host, port = listener.sockets[0].getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task


async def call_asgi(
    app: ASGIApp,
    method: str = "POST",
    path: str = "/",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    chunk: int = 1 << 30,
) -> tuple[int, dict[str, str], bytes]:
    """Call an ASGI app in-process; the body is fed in ``chunk``-sized http.request messages."""
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    queue: list[Message] = [
        {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers or [],
    }
    await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    response_headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], response_headers, sent[1]["body"]


class Recorder:
    """An ``on_event`` callback that records events (and can be told to fail)."""

    def __init__(self, fail_times: int = 0, delay: float = 0.0) -> None:
        self.events: list[WebhookEvent] = []
        self.fail_times = fail_times
        self.delay = delay
        self.calls = 0

    async def __call__(self, event: WebhookEvent) -> None:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("downstream database is down")
        self.events.append(event)
