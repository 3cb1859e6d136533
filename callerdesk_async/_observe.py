"""What the SDK shows of its requests: ``redact_url``, event hooks and their read-only views.

Every view is built from redacted values only: the authcode never appears in a URL (its value
is ``***``), request headers show ``Authorization`` as ``***``, and form bodies are not shown at
all (only the names of the fields sent). A hook can therefore log or trace what it receives.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Literal, Protocol
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import attrs

from .errors import CallerdeskError

__all__ = [
    "EventHooks",
    "Hooks",
    "RequestRecord",
    "RequestTally",
    "RequestView",
    "ResponseView",
    "RetryView",
    "TraceSpan",
    "Tracer",
    "redact_url",
]

MASK = "***"
_SECRET_KEY = re.compile(r"authcode|api[_-]?key|password|passwd|secret|token|access_token", re.I)


def redact_url(url: object) -> str:
    """``url`` (a ``str`` or ``yarl.URL``) with every secret replaced by ``***``.

    The value of an ``authcode`` (or ``api_key``, ``password``, ``token``...) query parameter
    and any ``user:password@`` part are masked; the rest of the URL is kept as it was, so it
    still names the endpoint and its filters. Usable as the ``url_filter`` of OpenTelemetry's
    ``AioHttpClientInstrumentor``.
    """
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    key, sep, _ = pair.partition("=")
    if sep and _SECRET_KEY.fullmatch(unquote_plus(key).strip()):
        return f"{key}={MASK}"
    return pair


def frozen_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy of ``headers`` with ``Authorization`` and cookies masked."""
    secret = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
    return MappingProxyType({k: MASK if k.lower() in secret else v for k, v in headers.items()})


@attrs.frozen(slots=True)
class RequestView:
    """One attempt about to be sent, as hooks and spans see it (redacted, read-only).

    Attributes:
        endpoint: the API endpoint name, e.g. ``"click_to_call_v2"``.
        method: ``GET`` or ``POST``.
        url: the URL with its query string, the authcode shown as ``***``.
        fields: the names (never the values) of the form fields a POST sends.
        headers: the request headers, ``Authorization`` shown as ``***``.
        request_id: the ``X-Callerdesk-Request-Id`` sent; the same on every attempt.
        attempt: 1 for the first send, 2 for the first retry, ...
        max_attempts: the most attempts the retry policy allows.
    """

    endpoint: str
    method: str
    url: str
    fields: tuple[str, ...]
    headers: Mapping[str, str]
    request_id: str
    attempt: int
    max_attempts: int


@attrs.frozen(slots=True)
class ResponseView:
    """A response to one attempt (any status, before the SDK decides what it means).

    Attributes:
        request: the attempt it answers.
        status: the HTTP status.
        headers: the response headers (read-only).
        elapsed: seconds from sending the attempt to reading the whole body.
    """

    request: RequestView
    status: int
    headers: Mapping[str, str]
    elapsed: float


@attrs.frozen(slots=True)
class RetryView:
    """A retry about to be waited for.

    Attributes:
        request: the attempt that failed.
        delay: seconds the SDK waits before the next attempt.
        reason: the failure, redacted: its class name and message.
        status: the HTTP status of the failed attempt, when a response arrived.
    """

    request: RequestView
    delay: float
    reason: str
    status: int | None


HookKind = Literal["request", "response", "retry"]
Hook = Callable[[Any], "Awaitable[object] | object"]
EventHooks = Mapping[str, Sequence[Hook]]
"""``{"request": [...], "response": [...], "retry": [...]}``; plain or ``async`` callables."""


@attrs.frozen(slots=True)
class Hooks:
    """The client's event hooks, checked once; each kind runs its callables in order."""

    request: tuple[Hook, ...] = ()
    response: tuple[Hook, ...] = ()
    retry: tuple[Hook, ...] = ()

    @classmethod
    def of(cls, event_hooks: EventHooks | None) -> Hooks:
        """Validate ``event_hooks`` (known kinds, callables) into a ``Hooks``."""
        if event_hooks is None:
            return cls()
        if not isinstance(event_hooks, Mapping):
            raise ValueError("event_hooks must be a mapping like {'request': [callable, ...]}")
        kinds: dict[str, tuple[Hook, ...]] = {}
        for kind, hooks in event_hooks.items():
            if kind not in ("request", "response", "retry"):
                raise ValueError(
                    f"unknown event hook kind {kind!r}; use 'request', 'response' or 'retry'"
                )
            if callable(hooks) or not isinstance(hooks, (list, tuple)):
                raise ValueError(f"event_hooks[{kind!r}] must be a list of callables")
            listed = tuple(hooks)
            for hook in listed:
                if not callable(hook):
                    raise ValueError(f"event_hooks[{kind!r}] holds {hook!r}, not a callable")
            kinds[kind] = listed
        return cls(**kinds)

    def __bool__(self) -> bool:
        return bool(self.request or self.response or self.retry)

    async def fire(self, kind: HookKind, view: object) -> None:
        """Call each hook of ``kind`` with ``view``; an exception raised by one propagates."""
        for hook in getattr(self, kind):
            result = hook(view)
            if inspect.isawaitable(result):
                await result


class TraceSpan(Protocol):
    """One logical request's span, as the pipeline feeds it (see ``callerdesk_async.otel``)."""

    def event(self, name: str, attributes: Mapping[str, str | int | float]) -> None:
        """Record a point in time (an attempt, a retry) with redacted attributes."""

    def finish(self, error: BaseException | None) -> None:
        """End the span; ``error`` is what the request raised (CallerdeskErrors are redacted)."""


class Tracer(Protocol):
    """Starts a :class:`TraceSpan` per logical request."""

    def start(self, request: RequestView, page: str | None) -> TraceSpan:
        """Open the span of ``request`` (its first attempt's view); ``page`` is current_page."""


@attrs.frozen(slots=True)
class RequestRecord:
    """How one logical request went: what a raw response view reports beside the model.

    Attributes:
        endpoint: the API endpoint name.
        request_id: the ``X-Callerdesk-Request-Id`` sent (the same on every attempt).
        status: the HTTP status of the final response.
        headers: its headers (read-only).
        elapsed: seconds from the first attempt to the final body, retries and waits included.
        attempts: how many times the request was sent.
    """

    endpoint: str
    request_id: str
    status: int
    headers: Mapping[str, str]
    elapsed: float
    attempts: int


recording: ContextVar[list[RequestRecord] | None] = ContextVar("callerdesk_recording", default=None)
"""Set by raw response views: the pipeline appends the record of each request it completes."""

last_request_id: ContextVar[str | None] = ContextVar("callerdesk_last_request_id", default=None)
"""The id of the request this task sent last: errors raised while reading its answer (after the
pipeline returned it) are tagged with it."""


@attrs.define(slots=True)
class RequestTally:
    """How the requests sent inside one :func:`tallied` block went (one export's, say).

    Attributes:
        retries: attempts that failed and were retried.
        throttled: HTTP 429 answers received.
    """

    retries: int = 0
    throttled: int = 0


tallies: ContextVar[tuple[RequestTally, ...]] = ContextVar("callerdesk_tallies", default=())
"""The tallies the pipeline adds each retry and 429 to: those of every :func:`tallied` block
the current task (or the task that created it) is inside."""


@contextmanager
def tallied() -> Iterator[RequestTally]:
    """Count the retries and 429s of the requests this task, and the tasks it creates inside
    the block, send: a count of their own, whatever else shares the client meanwhile."""
    tally = RequestTally()
    token = tallies.set((*tallies.get(), tally))
    try:
        yield tally
    finally:
        tallies.reset(token)


@contextmanager
def tagged_with_request_id() -> Iterator[None]:
    """Give a CallerdeskError raised inside (while reading an answer) the request's id."""
    try:
        yield
    except CallerdeskError as error:
        if error.request_id is None:
            error.request_id = last_request_id.get()
        raise
