"""aiohttp receivers: a request handler, a route helper and a mountable sub-application."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

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
    rejected,
)

__all__ = ["add_webhook_route", "webhook_app", "webhook_handler"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _response(reply: Reply) -> web.Response:
    response = web.Response(status=reply.status, text=reply.text, content_type="text/plain")
    for name, value in reply.headers:
        response.headers[name] = value
    return response


async def _read_capped(request: web.Request, limit: int) -> bytes | None:
    """The body, or ``None`` as soon as it is longer than ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while True:
        chunk = await request.content.read(64 * 1024)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            return None


def webhook_handler(
    on_event: EventCallback,
    *,
    secret: str | None = None,
    dedupe: Deduplicator | bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> Handler:
    """An aiohttp request handler that receives Callerdesk webhooks.

    Register it for GET and POST (or ``"*"``): ``app.router.add_route("*", "/cd/{secret}",
    webhook_handler(on_event, secret="..."))``. With ``secret`` set, the route's ``{secret}``
    match (else the last path segment) must equal it, compared in constant time; otherwise the
    answer is 404.

    Answers: 200 on success and for a recognised duplicate (the callback is not called again);
    400/405/413/414/415 with a short plain-text reason for bad input; 500 when ``on_event``
    raised (the exception is logged on ``callerdesk_async.webhooks``), so the platform can
    redeliver.

    Args:
        on_event: ``async def on_event(event) -> None``.
        secret: the URL path secret, or ``None`` for none.
        dedupe: ``True`` (a new :class:`Deduplicator`), ``False`` (off) or an instance to share.
        max_body: largest body accepted, in bytes (larger → 413).
        read_timeout: seconds the sender has to deliver the whole body (default 10; → 408).
    """
    receiver = WebhookReceiver(
        on_event, secret=secret, dedupe=dedupe, max_body=max_body, read_timeout=read_timeout
    )

    async def handle_webhook(request: web.Request) -> web.StreamResponse:
        candidate = request.match_info.get("secret")
        if candidate is None and receiver.has_secret:
            candidate = last_path_segment(request.path)
        early = receiver.precheck(request.method, candidate)
        if early is not None:
            return _response(early)
        try:
            body = await asyncio.wait_for(_read_capped(request, max_body), receiver.read_timeout)
        except asyncio.TimeoutError:  # not TimeoutError itself before 3.11
            return _response(TOO_SLOW)
        except web.RequestPayloadError:
            # e.g. a Content-Encoding that does not decode: the sender's fault, not ours.
            return _response(rejected(UNREADABLE, "the body could not be read or decoded"))
        if body is None:
            return _response(receiver.too_large())
        reply = await receiver.handle(
            request.method, request.rel_url.raw_query_string, request.headers, body
        )
        return _response(reply)

    return handle_webhook


def add_webhook_route(
    app: web.Application,
    path: str,
    on_event: EventCallback,
    *,
    secret: str | None = None,
    dedupe: Deduplicator | bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> None:
    """Add the webhook receiver to ``app`` at ``path`` for every method (others get 405).

    With ``secret``, the route is ``path + "/{secret}"`` (with and without a trailing slash),
    so the URL to configure in Callerdesk is e.g. ``https://example.com/callerdesk/<secret>``.
    """
    handler = webhook_handler(
        on_event, secret=secret, dedupe=dedupe, max_body=max_body, read_timeout=read_timeout
    )
    base = path.rstrip("/")
    if secret is None:
        app.router.add_route("*", path or "/", handler)
        return
    app.router.add_route("*", base + "/{secret}", handler)
    app.router.add_route("*", base + "/{secret}/", handler)


def webhook_app(
    on_event: EventCallback,
    *,
    secret: str | None = None,
    dedupe: Deduplicator | bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> web.Application:
    """A sub-application receiving webhooks, to mount with ``app.add_subapp(prefix, ...)``.

    ``app.add_subapp("/callerdesk", webhook_app(on_event, secret="s3cret"))`` receives at
    ``/callerdesk/s3cret``; without a secret at ``/callerdesk/``.
    """
    sub = web.Application()
    add_webhook_route(
        sub,
        "/",
        on_event,
        secret=secret,
        dedupe=dedupe,
        max_body=max_body,
        read_timeout=read_timeout,
    )
    return sub
