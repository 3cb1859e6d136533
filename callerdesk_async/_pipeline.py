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
from typing import Any

import attrs

from ._dispatcher import Dispatcher, Priority
from ._protocol import (
    EndpointSpec,
    ParamValue,
    Redactor,
    basic_auth_header,
    decode_response,
    encode_request,
)
from ._retry import RetryPolicy, next_delay
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Timeout, Transport
from .errors import (
    APIResponseError,
    CallerdeskError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
)

__all__ = ["REQUEST_ID_HEADER", "Pipeline", "RequestOptions"]

logger = logging.getLogger("callerdesk_async")

REQUEST_ID_HEADER = "X-Callerdesk-Request-Id"
"""Sent with every request; stays the same across the retries of one logical request."""


@attrs.frozen(slots=True)
class RequestOptions:
    """Per-request settings; a client view from ``with_options`` carries its own."""

    timeout: Timeout = Timeout()
    retry: RetryPolicy = RetryPolicy()
    priority: int | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


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
        self.throttled = 0

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
        headers = {REQUEST_ID_HEADER: uuid.uuid4().hex, **self._auth_headers}
        priority = options.priority
        if priority is None:
            priority = Priority.NORMAL if spec.idempotent else Priority.INTERACTIVE
        delays = options.retry.delays()
        ticket = self.dispatcher.ticket()  # retries keep the first attempt's place in line
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            status: int | None = None
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
                status = raw.status
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
                error.url = self.redactor(prepared.url)  # only errors need it
                self.redactor.error(error)
                if isinstance(error, RateLimitError):
                    self.throttled += 1
                    self.dispatcher.throttled(
                        error.retry_after, options.retry.max_retry_after, admitted_at
                    )
                elif isinstance(error, APIResponseError) and not isinstance(
                    error, (ServerError, MalformedResponseError)
                ):
                    self.dispatcher.succeeded(admitted_at)  # healthy, even if it says "error"
                self._log_attempt(spec, attempt, started, status, error)
                delay = next_delay(
                    error,
                    policy=options.retry,
                    idempotent=spec.idempotent,
                    attempt=attempt,
                    delays=delays,
                )
                self.retries += 1
                logger.debug(
                    "retrying %s in %.3fs after %s (attempt %d)",
                    spec.name,
                    delay,
                    type(error).__name__,
                    attempt,
                )
                await self._sleep(delay)
                continue
            self.dispatcher.succeeded(admitted_at)
            self._log_attempt(spec, attempt, started, status, None)
            return payload

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
        spec: EndpointSpec,
        attempt: int,
        started: float,
        status: int | None,
        error: CallerdeskError | None,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        outcome = "ok" if error is None else f"{type(error).__name__}: {error.message}"
        logger.debug(
            "%s %s attempt=%d status=%s latency=%.1fms %s",
            spec.method,
            spec.name,
            attempt,
            status,
            elapsed_ms,
            outcome,
        )
