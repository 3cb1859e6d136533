"""The exception tree of callerdesk_async.

Every error the SDK raises on purpose is a :class:`CallerdeskError`. Each carries the endpoint,
the HTTP status (when a response arrived), the API's message, how many attempts were made and
the request URL with the ``authcode`` redacted. Nothing in an error's ``str``/``repr`` or its
attributes holds the API key: errors are built from already-redacted values, and aiohttp
exceptions (whose text may contain a URL with the key in its query) are never chained as
``__cause__``; their redacted description is kept in :attr:`CallerdeskError.detail` instead.

Tree::

    CallerdeskError
    ├── APIResponseError          the API answered, but not with success
    │   ├── AuthenticationError   "Invalid Auth Code!" (or HTTP 401)
    │   │   ├── AccountInactiveError  "Account is Inactive please contact administrator!"
    │   │   └── PermissionDeniedError  HTTP 403
    │   ├── NotFoundError         HTTP 404: no such endpoint at this base_url
    │   ├── DuplicateMemberError  "... already register ..." (add member)
    │   ├── AgentUnavailableError "Agent on break. Call not allowed" (click-to-call)
    │   ├── NoCallGroupError      "No Callgroup is available for this Account."
    │   ├── RateLimitError        HTTP 429 that could not be waited out
    │   ├── ServerError           HTTP 5xx on a retry-safe endpoint
    │   └── MalformedResponseError  the body was not a JSON object
    │       └── ResponseTooLargeError  the body was longer than max_response_bytes
    ├── APIConnectionError        no usable answer: DNS, refused, reset, TLS
    │   └── APITimeoutError
    ├── OutcomeUnknownError       a side-effecting request may or may not have been acted on
    ├── PaginationError           the API paged inconsistently
    ├── ClientStateError          the client was used closed or from another event loop
    ├── RateBackendUnavailableError  a shared rate backend (e.g. Redis) did not answer
    └── WebhookParseError         a webhook delivery could not be read (callerdesk_async.webhooks)
"""

from __future__ import annotations

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APITimeoutError",
    "AccountInactiveError",
    "AgentUnavailableError",
    "AuthenticationError",
    "CallerdeskError",
    "ClientStateError",
    "DuplicateMemberError",
    "MalformedResponseError",
    "NoCallGroupError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaginationError",
    "PermissionDeniedError",
    "RateBackendUnavailableError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
]


class CallerdeskError(Exception):
    """Base class of every error raised by callerdesk_async.

    Attributes:
        message: what went wrong, in words (the API's own message when it sent one).
        endpoint: the API endpoint name, e.g. ``"call_list_v2"``.
        status: the HTTP status of the last response, or ``None`` when none arrived.
        attempts: how many times the request was sent (0 when it never left).
        url: the request URL with every secret replaced by ``***``.
        detail: extra redacted context (a body snippet, the underlying network error).
        request_id: the ``X-Callerdesk-Request-Id`` the request was sent with (the same on
            every attempt and in its log lines), or ``None`` when nothing was sent; quote it
            to support.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status: int | None = None,
        attempts: int = 0,
        url: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.status = status
        self.attempts = attempts
        self.url = url
        self.detail = detail
        self.request_id: str | None = None

    def __str__(self) -> str:
        parts = [self.message]
        context = []
        if self.endpoint is not None:
            context.append(f"endpoint={self.endpoint}")
        if self.status is not None:
            context.append(f"status={self.status}")
        if self.attempts:
            context.append(f"attempts={self.attempts}")
        if self.request_id:
            context.append(f"request_id={self.request_id}")
        if context:
            parts.append(f"({', '.join(context)})")
        if self.detail:
            parts.append(f"[{self.detail}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, endpoint={self.endpoint!r}, "
            f"status={self.status!r}, attempts={self.attempts!r}, url={self.url!r})"
        )


class APIResponseError(CallerdeskError):
    """The API answered, but the answer was an error or could not be read.

    Raised for ``{"type": "error", ...}`` envelopes (which Callerdesk sends with HTTP 200), for
    bodies that are not JSON (``detail`` holds a short snippet) and for unexpected statuses.
    """


class AuthenticationError(APIResponseError):
    """The ``authcode`` was rejected ("Invalid Auth Code!"). Check the key in the dashboard."""


class AccountInactiveError(AuthenticationError):
    """The account is inactive or suspended; only Callerdesk support can re-enable it."""


class DuplicateMemberError(APIResponseError):
    """The number is already a member of the account ("Mobile no of user is already register
    for this user."). Catch it to make adding a member idempotent."""


class AgentUnavailableError(APIResponseError):
    """Click-to-call refused because the agent is on a break or not an active member ("Agent
    on break. Call not allowed", "Agent on break/Inactive. Call not allowed")."""


class NoCallGroupError(APIResponseError):
    """The account has no call group ("No Callgroup is available for this Account.")."""


class RateLimitError(APIResponseError):
    """HTTP 429 that the retry policy would not wait out (or would not resend).

    Attributes:
        retry_after: seconds the server asked us to wait, when it said.
        sent: True when the request reached the server, which answered 429 (by HTTP it was
            not acted on; a side-effecting request is not resent unless
            ``RetryPolicy(resend_after_429=True)``); False when the shared cool-down refused
            it before sending.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        sent: bool = True,
        **kwargs: object,
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after
        self.sent = sent


class ServerError(APIResponseError):
    """HTTP 5xx from a retry-safe endpoint after the retry budget was spent."""


class MalformedResponseError(APIResponseError):
    """The body was not a JSON object (truncated, HTML, garbage); ``detail`` has a snippet."""


class APIConnectionError(CallerdeskError):
    """No usable answer: the connection failed, was reset, or TLS could not be established.

    Attributes:
        reached_server: False only when the request provably never left (connect failure);
            True when it may have been received before the failure.
    """

    def __init__(self, message: str, *, reached_server: bool = True, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.reached_server = reached_server


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read or total timeout)."""


class OutcomeUnknownError(CallerdeskError):
    """A side-effecting request failed after it may have reached the server.

    Click-to-call, create, update and delete requests are never retried once they could have
    been acted on (a dropped connection after sending, a read timeout, a 5xx), because a retry
    could ring a phone twice. Check the call report (match ``campid``) or the resource before
    trying again. ``timed_out`` tells whether the failure was a timeout.
    """

    def __init__(self, message: str, *, timed_out: bool = False, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.timed_out = timed_out


class PaginationError(CallerdeskError):
    """The API paged inconsistently: a repeated page, an early empty page, or too many pages."""


class ClientStateError(CallerdeskError, RuntimeError):
    """The client was used after ``aclose()`` or from an event loop other than its own."""


class RateBackendUnavailableError(CallerdeskError):
    """A shared rate backend (e.g. Redis) could not be reached, so nothing was sent.

    Raised before the request leaves, never after: a request is not sent unmetered. Opt in to
    a local fallback (``RedisRateBackend(fallback_share=...)``) to keep going at a share of the
    quota instead.
    """


class ResponseTooLargeError(MalformedResponseError):
    """The body was longer than ``max_response_bytes``; reading stopped there (never retried:
    the same request would bring the same body)."""


class PermissionDeniedError(AuthenticationError):
    """HTTP 403: the server (or a proxy in front of it) refused the request. Not retried.

    An :class:`AuthenticationError`, since white-label hosts answer wrong HTTP Basic
    credentials with 403 as well as 401."""


class NotFoundError(APIResponseError):
    """HTTP 404: no such endpoint at this ``base_url`` (a wrong URL or endpoint name, or a
    proxy's page). Not retried; the request was refused, not acted on."""
