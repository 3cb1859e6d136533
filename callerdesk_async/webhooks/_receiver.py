"""The receiver logic both HTTP adapters share: secret check, parse, de-duplicate, call back.

Adapters (aiohttp, ASGI) only move bytes: they ask :meth:`WebhookReceiver.precheck` before
reading the body, read at most ``max_body`` bytes, and send back the :class:`Reply` that
:meth:`WebhookReceiver.handle` returns.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from contextlib import asynccontextmanager

import attrs

from ._dedupe import Deduplicator, dedupe_key
from ._errors import WebhookParseError
from ._events import WebhookEvent
from ._parse import DEFAULT_MAX_BODY, parse_event

__all__ = [
    "DEFAULT_READ_TIMEOUT",
    "EventCallback",
    "Reply",
    "SecretLogFilter",
    "WebhookReceiver",
    "rejected",
]

logger = logging.getLogger("callerdesk_async.webhooks")

EventCallback = Callable[[WebhookEvent], Awaitable[None]]
"""The user's ``async def on_event(event) -> None``."""

ALLOWED_METHODS = ("GET", "POST", "HEAD")

DEFAULT_READ_TIMEOUT = 10.0
"""Seconds a sender has to deliver the whole body (a slow sender is answered 408)."""

_LOG_VALUE_CHARS = 200


def loggable(value: object) -> str:
    """``value`` safe to put in a log line: control characters (a newline that would forge
    a line) escaped, at most 200 characters."""
    text = str(value).encode("unicode_escape").decode("ascii")
    return text if len(text) <= _LOG_VALUE_CHARS else text[:_LOG_VALUE_CHARS] + "…"


class SecretLogFilter(logging.Filter):
    """Masks a webhook path secret in every record it sees.

    aiohttp's own server logs a request it cannot parse (e.g. a request line longer than
    8,190 bytes) at ERROR with the raw line, path secret included, before any handler runs.
    Add this filter to the handlers that write those logs (or to the ``aiohttp.server`` and
    ``aiohttp.access`` loggers): ``logging.getLogger("aiohttp.server").addFilter(
    SecretLogFilter(secret))``.
    """

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        for secret in self._secrets:
            text = text.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        record.msg, record.args = text, None
        return True


@attrs.frozen(slots=True)
class Reply:
    """An HTTP answer: status, short plain-text body and extra headers."""

    status: int
    text: str
    headers: tuple[tuple[str, str], ...] = ()


OK = Reply(200, "ok")
DUPLICATE = Reply(200, "ok (duplicate)")
NOT_FOUND = Reply(404, "not found")
TOO_LARGE = Reply(413, "payload too large")
NOT_ALLOWED = Reply(405, "method not allowed", (("Allow", ", ".join(ALLOWED_METHODS)),))
CALLBACK_FAILED = Reply(500, "event handler failed; please redeliver")
UNREADABLE = Reply(400, "could not read the delivery")
TOO_SLOW = Reply(408, "body not received in time")


def rejected(reply: Reply, why: str) -> Reply:
    """``reply``, after logging the rejection at INFO (never the path: it holds the secret)."""
    logger.info("rejected webhook delivery (%d): %s", reply.status, why)
    return reply


def last_path_segment(path: str) -> str:
    """The last non-empty segment of a URL path (where the secret goes)."""
    return next((part for part in reversed(path.split("/")) if part), "")


class WebhookReceiver:
    """Framework-independent webhook receiver.

    Args:
        on_event: ``async def on_event(event) -> None``, called once per distinct event.
        secret: if set, the request path's secret segment must equal it (else 404).
        dedupe: ``True`` for a fresh :class:`Deduplicator`, ``False`` to call back for every
            delivery, or a :class:`Deduplicator` to share.
        max_body: largest body accepted, in bytes (larger → 413).
        read_timeout: seconds the sender has to deliver the whole body (else 408).
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
        if not callable(on_event):
            raise TypeError("on_event must be an async callable")
        if secret is not None and not secret:
            raise ValueError("secret must be a non-empty string (or None)")
        if secret is not None and "/" in secret:
            raise ValueError("secret must not contain '/'")
        if max_body < 1:
            raise ValueError("max_body must be positive")
        self.on_event = on_event
        self.max_body = max_body
        if not 0 < read_timeout < 86_400:
            raise ValueError(f"read_timeout must be > 0 and < 86400 seconds, got {read_timeout!r}")
        self.read_timeout = read_timeout
        self._secret = secret.encode("utf-8") if secret is not None else None
        self.deduplicator: Deduplicator | None
        if dedupe is True:
            self.deduplicator = Deduplicator()
        elif dedupe is False:
            self.deduplicator = None
        else:
            self.deduplicator = dedupe
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}

    @property
    def has_secret(self) -> bool:
        """Whether a path secret is required."""
        return self._secret is not None

    def secret_matches(self, candidate: str | None) -> bool:
        """Constant-time comparison of a path segment with the secret (``True`` if none set)."""
        if self._secret is None:
            return True
        given = (candidate or "").encode("utf-8", "surrogatepass")
        return hmac.compare_digest(given, self._secret)

    def precheck(self, method: str, secret_candidate: str | None) -> Reply | None:
        """The answer to give without reading the body, or ``None`` to go on.

        Wrong or missing secret → 404 (the URL does not reveal that a receiver is there); a
        method other than GET, POST or HEAD → 405; HEAD → 200 (a reachability probe).
        """
        if not self.secret_matches(secret_candidate):
            return rejected(NOT_FOUND, "wrong or missing path secret")
        verb = method.upper()
        if verb not in ALLOWED_METHODS:
            return rejected(NOT_ALLOWED, f"method {verb[:20]!r} not allowed")
        if verb == "HEAD":
            return OK
        return None

    def too_large(self) -> Reply:
        """The 413 for a body longer than ``max_body`` (logged like every rejection)."""
        return rejected(TOO_LARGE, f"body larger than {self.max_body} bytes")

    async def handle(
        self, method: str, query_string: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        """Parse a delivery and hand the event to the callback once.

        Returns 200 on success or for a known duplicate, 4xx for a delivery that cannot be
        read, 500 when the callback raised (logged on ``callerdesk_async.webhooks``).
        """
        try:
            event = parse_event(method, query_string, headers, body, max_body=self.max_body)
        except WebhookParseError as exc:
            logger.info("rejected webhook delivery (%d): %s", exc.status, loggable(exc.reason))
            return Reply(exc.status, exc.reason)
        except Exception:
            # A bug in parsing must still not turn bad input into a 5xx.
            logger.exception("unexpected error while parsing a webhook delivery")
            return UNREADABLE
        return await self.deliver(event)

    async def deliver(self, event: WebhookEvent) -> Reply:
        """Call back for ``event`` unless it is a duplicate of one already handled.

        A duplicate arriving while the first delivery is still in the callback waits for it:
        if that succeeded the duplicate is acknowledged, if it failed the duplicate is tried.
        """
        dedupe = self.deduplicator
        if dedupe is None:
            return await self._call(event)
        key = dedupe_key(event)
        async with self._key_lock(key):
            if dedupe.seen(key):
                logger.debug("duplicate webhook delivery %s ignored", loggable(key[0]))
                return DUPLICATE
            reply = await self._call(event)
            if reply is OK:
                dedupe.mark(key)
            return reply

    async def _call(self, event: WebhookEvent) -> Reply:
        try:
            await self.on_event(event)
        except Exception:
            logger.exception(
                "webhook callback failed for %s event (call id %s); answered 500 so that "
                "Callerdesk can redeliver",
                loggable(event.kind),
                loggable(getattr(event, "call_id", None)),
            )
            return CALLBACK_FAILED
        return OK

    @asynccontextmanager
    async def _key_lock(self, key: Hashable) -> AsyncIterator[None]:
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = (asyncio.Lock(), [0])
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]
