"""Receive Callerdesk webhooks: typed events, a parser, and aiohttp / ASGI receivers.

::

    from callerdesk_async.webhooks import CallReportEvent, WebhookASGIApp, webhook_app

    async def on_event(event):
        if isinstance(event, CallReportEvent):
            print(event.call_sid, event.status, event.talk_duration)

    app.add_subapp("/callerdesk", webhook_app(on_event, secret="long-random-string"))  # aiohttp
    fastapi_app.mount("/callerdesk", WebhookASGIApp(on_event, secret="long-random-string"))

This package does not use the API client; it only needs aiohttp for :func:`webhook_handler`
and friends (the ASGI app and the parser are plain Python). See ``docs/webhooks.md``.
"""

from ._aiohttp import add_webhook_route, webhook_app, webhook_handler
from ._asgi import WebhookASGIApp
from ._correlate import CallCorrelator, CorrelatedCall, campid_key
from ._dedupe import Deduplicator, dedupe_key
from ._errors import WebhookParseError, WebhookPayloadTooLarge
from ._events import (
    AppCallReportEvent,
    CallGroupEvent,
    CallReportEvent,
    LiveCallEvent,
    MemberEvent,
    SecurityActivityEvent,
    UnknownEvent,
    WebhookEvent,
    event_from_fields,
)
from ._parse import DEFAULT_MAX_BODY, parse_event, parse_fields, parse_query
from ._receiver import DEFAULT_READ_TIMEOUT, EventCallback, Reply, SecretLogFilter, WebhookReceiver
from ._status import CallStatus, normalize_status, split_status

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_READ_TIMEOUT",
    "AppCallReportEvent",
    "CallCorrelator",
    "CallGroupEvent",
    "CallReportEvent",
    "CallStatus",
    "CorrelatedCall",
    "Deduplicator",
    "EventCallback",
    "LiveCallEvent",
    "MemberEvent",
    "Reply",
    "SecretLogFilter",
    "SecurityActivityEvent",
    "UnknownEvent",
    "WebhookASGIApp",
    "WebhookEvent",
    "WebhookParseError",
    "WebhookPayloadTooLarge",
    "WebhookReceiver",
    "add_webhook_route",
    "campid_key",
    "dedupe_key",
    "event_from_fields",
    "normalize_status",
    "parse_event",
    "parse_fields",
    "parse_query",
    "split_status",
    "webhook_app",
    "webhook_handler",
]
