"""Retry policy: which failures are retried, and how long to wait. The only user of ``backoff``.

The rule that keeps phones from ringing twice: a request to a side-effecting endpoint
(``idempotent=False``) is retried only when it provably never reached the server (a connect
failure); after a 429 only with ``RetryPolicy(resend_after_429=True)``. Once it may have been
acted on (a dropped connection after sending, a read timeout, a 5xx, a garbled answer) the
caller gets :class:`~callerdesk_async.errors.OutcomeUnknownError` instead of a retry. A 4xx is
a refusal: raised as is, never retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import backoff

from .errors import (
    APIConnectionError,
    APITimeoutError,
    CallerdeskError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)

__all__ = ["RetryPolicy", "next_delay"]


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen(slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial: the first backoff delay in seconds; each later one doubles.
        max_delay: the cap on one backoff delay.
        jitter: spread backoff delays randomly over ``[0, delay]`` ("full jitter"). A
            server-given ``Retry-After`` is never jittered or shortened.
        max_retry_after: the longest ``Retry-After`` the SDK waits out; a longer one raises
            :class:`~callerdesk_async.errors.RateLimitError` with ``retry_after`` set.
        resend_after_429: resend side-effecting requests (click-to-call, writes) after a
            429. Off by default: by HTTP a 429 was not acted on, but a gateway that executes
            and then answers 429 would ring the customer again on every resend, and the SDK
            promises at most one execution. Reads are always resent after a 429.
    """

    max_retries: int = attrs.field(default=3, validator=_non_negative)
    initial: float = attrs.field(default=0.5, validator=_non_negative)
    max_delay: float = attrs.field(default=8.0, validator=_non_negative)
    jitter: bool = True
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative)
    resend_after_429: bool = False

    def delays(self) -> Iterator[float]:
        """The backoff delays for one request's retries, in order."""
        expo = backoff.expo(base=2, factor=self.initial, max_value=self.max_delay)
        next(expo)  # backoff's generators must be primed before the first value
        for value in expo:
            yield backoff.full_jitter(value) if self.jitter else value


def next_delay(
    error: CallerdeskError,
    *,
    policy: RetryPolicy,
    idempotent: bool,
    attempt: int,
    delays: Iterator[float],
) -> float:
    """Seconds to wait before retrying after ``error`` on attempt ``attempt`` (1-based).

    Raises the error to give up: ``error`` itself, :class:`OutcomeUnknownError` for a
    side-effecting request that may have been acted on, or :class:`RateLimitError` when the
    server asks for a longer wait than ``policy.max_retry_after``.
    """
    if isinstance(error, RateLimitError):
        if error.sent and not idempotent and not policy.resend_after_429:
            error.message += (
                "; a side-effecting request is not resent after 429 (it may have been "
                "executed by something in front of the API); RetryPolicy(resend_after_429="
                "True) resends it"
            )
            error.args = (error.message,)
            raise error
        if error.retry_after is not None and error.retry_after > policy.max_retry_after:
            raise error
        if attempt > policy.max_retries:
            raise error
        backoff_delay = next(delays)
        return error.retry_after if error.retry_after is not None else backoff_delay
    if isinstance(error, ResponseTooLargeError) and idempotent:
        raise error  # the same request would bring the same body
    may_have_acted = isinstance(error, (ServerError, MalformedResponseError)) or (
        isinstance(error, APIConnectionError) and error.reached_server
    )
    retryable = isinstance(error, (APIConnectionError, ServerError, MalformedResponseError))
    if not retryable:
        raise error
    if may_have_acted and not idempotent:
        raise OutcomeUnknownError(
            "the request may have reached Callerdesk and been acted on, so it was not "
            "retried; check the call report or the resource before trying again",
            timed_out=isinstance(error, APITimeoutError),
            endpoint=error.endpoint,
            status=error.status,
            attempts=error.attempts,
            url=error.url,
            detail=f"{type(error).__name__}: {error}",
        )
    if attempt > policy.max_retries:
        raise error
    return next(delays)
