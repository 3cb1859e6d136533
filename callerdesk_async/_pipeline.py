"""The one request path: encode → dispatcher → transport → decode → retry.

Every API call of the SDK, wrapped or raw (``cd.request``), goes through
:meth:`Pipeline.request`, so rate limiting, retries, error mapping, logging and redaction hold
everywhere alike.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

import attrs

from ._dispatcher import Dispatcher, Priority
from ._observe import (
    Hooks,
    RequestRecord,
    RequestView,
    ResponseView,
    RetryView,
    Tracer,
    TraceSpan,
    frozen_headers,
    last_request_id,
    recording,
    redact_url,
    tallies,
)
from ._protocol import (
    EndpointSpec,
    ParamValue,
    PreparedRequest,
    Redactor,
    basic_auth_header,
    decode_response,
    encode_request,
)
from ._retry import RetryPolicy, next_delay
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, RawResponse, Timeout, Transport
from .errors import (
    APIResponseError,
    CallerdeskError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
)

__all__ = ["REQUEST_ID_HEADER", "Pipeline", "RequestOptions"]

logger = logging.getLogger("callerdesk_async")
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})

REQUEST_ID_HEADER = "X-Callerdesk-Request-Id"
"""Sent with every request; stays the same across the retries of one logical request."""


@attrs.frozen(slots=True)
class RequestOptions:
    """Per-request settings; a client view from ``with_options`` carries its own."""

    timeout: Timeout = Timeout()
    retry: RetryPolicy = RetryPolicy()
    priority: int | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    headers: tuple[tuple[str, str], ...] = ()


class Pipeline:
    """Sends requests for one client: shared by every view of that client."""

    def __init__(
        self,
        *,
        transport: Transport,
        dispatcher: Dispatcher,
        authcode: str | None,
        base_url: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self.transport = transport
        self.dispatcher = dispatcher
        self.base_url = base_url
        self._auth_headers, basic_secrets = basic_auth_header(basic_auth)
        self.redactor = Redactor(authcode or "", *basic_secrets)
        self._authcode = authcode
        self._sleep = sleep
        self.retries = 0
        self.hooks = Hooks()
        self.tracer: Tracer | None = None

    def __repr__(self) -> str:
        return f"Pipeline(base_url={self.base_url!r}, authcode='***')"

    async def request(
        self,
        spec: EndpointSpec,
        params: Mapping[str, ParamValue],
        options: RequestOptions,
    ) -> dict[str, Any]:
        """Send ``spec`` with ``params``; return the decoded payload or raise a CallerdeskError."""
        prepared = encode_request(spec, self.base_url, self._authcode, params)
        request_id = uuid.uuid4().hex
        last_request_id.set(request_id)
        headers = {**dict(options.headers), REQUEST_ID_HEADER: request_id, **self._auth_headers}
        # The redacted URL and headers are only for hooks and spans; building them for every
        # request would cost page-fetch CPU for nothing.
        observed = self.tracer is not None or bool(self.hooks)
        view = RequestView(
            endpoint=spec.name,
            method=spec.method,
            url=self._view_url(prepared) if observed else "",
            fields=tuple(sorted(prepared.form or ())) if observed else (),
            headers=frozen_headers(headers) if observed else _NO_HEADERS,
            request_id=request_id,
            attempt=1,
            max_attempts=options.retry.max_retries + 1,
        )
        if self.tracer is None:
            return await self._send(spec, prepared, headers, options, view, None)
        span = self.tracer.start(view, str(params.get("current_page") or "") or None)
        try:
            payload = await self._send(spec, prepared, headers, options, view, span)
        except BaseException as error:
            span.finish(error)
            raise
        span.finish(None)
        return payload

    async def _send(
        self,
        spec: EndpointSpec,
        prepared: PreparedRequest,
        headers: dict[str, str],
        options: RequestOptions,
        view: RequestView,
        span: TraceSpan | None,
    ) -> dict[str, Any]:
        priority = options.priority
        if priority is None:
            priority = Priority.NORMAL if spec.idempotent else Priority.INTERACTIVE
        delays = options.retry.delays()
        request_id = view.request_id
        first_started = time.perf_counter()
        ticket = self.dispatcher.ticket()  # retries keep the first attempt's place in line
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:
                view = attrs.evolve(view, attempt=attempt)
            if self.hooks.request:
                await self.hooks.fire("request", view)
            started = time.perf_counter()
            raw: RawResponse | None = None
            admitted_at: float | None = None
            try:
                self._check_cooldown(options.retry)
                async with self.dispatcher.slot(priority, ticket) as admitted_at:
                    raw = await self.transport.send(
                        prepared,
                        timeout=options.timeout,
                        headers=headers,
                        redactor=self.redactor,
                        max_body=options.max_response_bytes,
                    )
                payload = decode_response(
                    spec,
                    raw.status,
                    raw.body,
                    retry_after=raw.retry_after,
                    redactor=self.redactor,
                )
            except CallerdeskError as error:
                # Its frames hold the raw request and body as local variables, which
                # tracebacks rendered with locals (Sentry, rich) would print, authcode included.
                error.__traceback__ = None
                error.endpoint = spec.name
                error.attempts = attempt
                error.request_id = request_id
                error.url = self.redactor(prepared.url)  # only errors need it
                self.redactor.error(error)
                if isinstance(error, RateLimitError):
                    self.dispatcher.throttled(
                        error.retry_after, options.retry.max_retry_after, admitted_at
                    )
                    if raw is not None:
                        for tally in tallies.get():
                            tally.throttled += 1
                elif isinstance(error, APIResponseError) and not isinstance(
                    error, (ServerError, MalformedResponseError)
                ):
                    self.dispatcher.succeeded(admitted_at)  # healthy, even if it says "error"
                self._log_attempt(view, started, raw, error, span)
                if raw is not None:
                    await self._responded(view, raw, started)
                try:
                    delay = next_delay(
                        error,
                        policy=options.retry,
                        idempotent=spec.idempotent,
                        attempt=attempt,
                        delays=delays,
                    )
                except CallerdeskError as final:
                    final.request_id = request_id
                    if span is not None:
                        span.event("gave_up", {"attempts": attempt})
                    raise
                self.retries += 1
                for tally in tallies.get():
                    tally.retries += 1
                reason = f"{type(error).__name__}: {error.message}"
                logger.info(
                    "retrying %s (request_id=%s): attempt %d of %d failed with %s; "
                    "next attempt in %.3fs",
                    spec.name,
                    request_id,
                    attempt,
                    view.max_attempts,
                    reason,
                    delay,
                )
                if span is not None:
                    span.event("retry", {"attempt": attempt, "delay_s": delay, "reason": reason})
                await self.hooks.fire(
                    "retry",
                    RetryView(request=view, delay=delay, reason=reason, status=error.status),
                )
                await self._sleep(delay)
                continue
            self.dispatcher.succeeded(admitted_at)
            self._log_attempt(view, started, raw, None, span)
            await self._responded(view, raw, started)
            record = recording.get()
            if record is not None:
                record.append(
                    RequestRecord(
                        endpoint=spec.name,
                        request_id=request_id,
                        status=raw.status,
                        headers=MappingProxyType(dict(raw.headers)),
                        elapsed=time.perf_counter() - first_started,
                        attempts=attempt,
                    )
                )
            return payload

    async def _responded(self, view: RequestView, raw: RawResponse, started: float) -> None:
        if self.hooks.response:
            elapsed = time.perf_counter() - started
            await self.hooks.fire(
                "response",
                ResponseView(
                    request=view,
                    status=raw.status,
                    headers=MappingProxyType(dict(raw.headers)),
                    elapsed=elapsed,
                ),
            )

    def _view_url(self, prepared: PreparedRequest) -> str:
        query = "?" + urlencode(prepared.query) if prepared.query else ""
        return self.redactor(redact_url(prepared.url + query))

    def _check_cooldown(self, retry: RetryPolicy) -> None:
        remaining = self.dispatcher.requested_pause()
        if remaining > retry.max_retry_after:
            raise RateLimitError(
                f"the server asked to pause for {remaining:.0f}s, longer than "
                f"max_retry_after={retry.max_retry_after:g}s; not sent",
                retry_after=remaining,
                sent=False,
            )

    def _log_attempt(
        self,
        view: RequestView,
        started: float,
        raw: RawResponse | None,
        error: CallerdeskError | None,
        span: TraceSpan | None,
    ) -> None:
        status = None if raw is None else raw.status
        outcome = "ok" if error is None else f"{type(error).__name__}: {error.message}"
        if span is not None:
            attributes: dict[str, str | int | float] = {"attempt": view.attempt, "outcome": outcome}
            if status is not None:
                attributes["status"] = status
            span.event("attempt", attributes)
        if not logger.isEnabledFor(logging.DEBUG):
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug(
            "%s %s request_id=%s attempt=%d/%d status=%s latency=%.1fms %s",
            view.method,
            view.endpoint,
            view.request_id,
            view.attempt,
            view.max_attempts,
            status,
            elapsed_ms,
            outcome,
        )
