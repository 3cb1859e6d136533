"""A dependency-free ASGI 3 receiver, mountable in FastAPI, Starlette or any ASGI server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ._dedupe import Deduplicator
from ._parse import DEFAULT_MAX_BODY
from ._receiver import (
    DEFAULT_READ_TIMEOUT,
    TOO_SLOW,
    UNREADABLE,
    EventCallback,
    Reply,
    WebhookReceiver,
    last_path_segment,
)

__all__ = ["WebhookASGIApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class WebhookASGIApp:
    """An ASGI application that receives Callerdesk webhooks.

    Mount it: ``app.mount("/callerdesk", WebhookASGIApp(on_event, secret="s3cret"))`` and
    configure ``https://example.com/callerdesk/s3cret`` in Callerdesk. With ``secret`` the last
    path segment must equal it (constant-time comparison), else 404; without, every path is
    accepted. Behaviour and answers are those of
    :func:`~callerdesk_async.webhooks.webhook_handler`. Handles ``lifespan`` (nothing to start)
    and refuses websockets.

    Args:
        on_event: ``async def on_event(event) -> None``.
        secret: the URL path secret, or ``None`` for none.
        dedupe: ``True`` (a new :class:`Deduplicator`), ``False`` (off) or an instance to share.
        max_body: largest body accepted, in bytes (larger → 413, without reading the rest).
        read_timeout: seconds the sender has to deliver the whole body (default 10; → 408).
    """

    def __init__(
        self,
        on_event: EventCallback,
        *,
        secret: str | None = None,
        dedupe: Deduplicator | bool = True,
        max_body: int = DEFAULT_MAX_BODY,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        self.receiver = WebhookReceiver(
            on_event, secret=secret, dedupe=dedupe, max_body=max_body, read_timeout=read_timeout
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        receiver = self.receiver
        method = str(scope.get("method", "GET"))
        headers = _headers(scope)
        early = receiver.precheck(method, last_path_segment(str(scope.get("path", ""))))
        if early is not None:
            await _send(send, early, head=method.upper() == "HEAD")
            return
        try:
            body = await asyncio.wait_for(
                _read_capped(receive, headers, receiver.max_body), receiver.read_timeout
            )
        except _ClientGone:
            return
        except _BadLength:
            await _send(send, UNREADABLE)
            return
        except asyncio.TimeoutError:  # not TimeoutError itself before 3.11
            await _send(send, TOO_SLOW)
            return
        if body is None:
            await _send(send, receiver.too_large())
            return
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        await _send(send, await receiver.handle(method, query, headers, body))


class _ClientGone(Exception):
    """The client disconnected before the body was complete."""


class _BadLength(Exception):
    """The Content-Length header is not a number of 0-9 digits."""


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        key = bytes(name).decode("latin-1").lower()
        text = bytes(value).decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


async def _read_capped(receive: Receive, headers: dict[str, str], limit: int) -> bytes | None:
    """The body, or ``None`` once it exceeds ``limit``; raises :class:`_ClientGone`."""
    declared = headers.get("content-length", "").strip()
    if declared:
        if not (declared.isascii() and declared.isdigit()):
            raise _BadLength  # e.g. "²", which str.isdigit accepts and int() refuses
        # More digits than the limit has is larger, however many (int() refuses 4,300+).
        if len(declared.lstrip("0")) > len(str(limit)) or int(declared) > limit:
            return None
    body = bytearray()
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            raise _ClientGone
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


async def _send(send: Send, reply: Reply, *, head: bool = False) -> None:
    payload = reply.text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(payload)).encode("ascii")),
    ]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message.get("type") == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message.get("type") == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
