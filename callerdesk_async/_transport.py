"""The only module that touches aiohttp's client: session ownership and error mapping.

A :class:`Transport` owns (or borrows) one ``aiohttp.ClientSession`` and sends one prepared
request at a time. It knows nothing about retries or the API's envelope; it turns every
aiohttp failure into :class:`~callerdesk_async.errors.APIConnectionError` /
:class:`~callerdesk_async.errors.APITimeoutError` and records whether the request could have
reached the server, which is what decides if a side-effecting call may be retried.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import traceback
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import aiohttp
import attrs

from ._protocol import PreparedRequest, Redactor
from ._version import __version__
from .errors import (
    APIConnectionError,
    APITimeoutError,
    CallerdeskError,
    ClientStateError,
    ResponseTooLargeError,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "USER_AGENT",
    "RawResponse",
    "Timeout",
    "Transport",
    "forget_locals",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The longest response body read by default (64 MiB; a 500-row call page is about 0.5 MiB)."""

USER_AGENT = f"callerdesk-async/{__version__} (+aiohttp/{aiohttp.__version__})"


_MAX_SECONDS = 86_400.0 * 365
"""The longest limit accepted (a year): beyond it aiohttp's timers overflow."""
# Idle pooled connections are dropped after this; a caller needing another policy passes
# session= with a connector of its own.
_KEEPALIVE = 15.0


@attrs.frozen(slots=True)
class Timeout:
    """Per-attempt time limits in seconds (``None`` disables one; ``sock_read`` never is).

    With ``total=None`` only ``sock_read`` bounds a response: it fires on silence, so a server
    that trickles a byte every few seconds can hold the attempt until ``max_response_bytes``
    arrive. Keep a ``total`` (the default 60 s) unless you bound the call yourself.

    Attributes:
        total: the whole attempt: connect, send, and read the full body.
        connect: getting a connection, from the pool or a new one (DNS + TCP + TLS).
        sock_read: the longest silence while reading the response; stops a stalled server.
    """

    total: float | None = 60.0
    connect: float | None = 10.0
    sock_read: float = 30.0

    def __attrs_post_init__(self) -> None:
        for name in ("total", "connect", "sock_read"):
            value = getattr(self, name)
            if value is not None and not 0 < value < _MAX_SECONDS:
                raise ValueError(
                    f"Timeout.{name} must be > 0 and finite seconds (at most {_MAX_SECONDS:g}; "
                    f"None for no total or connect limit), got {value!r}"
                )

    @classmethod
    def of(cls, value: float | Timeout) -> Timeout:
        """A ``Timeout`` from a number of seconds (the total, capping the other two) or itself."""
        if isinstance(value, Timeout):
            return value
        seconds = float(value)
        return cls(total=seconds, connect=min(10.0, seconds), sock_read=min(30.0, seconds))

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent ``aiohttp.ClientTimeout``."""
        return aiohttp.ClientTimeout(
            total=self.total, connect=self.connect, sock_read=self.sock_read
        )


@attrs.frozen(slots=True)
class RawResponse:
    """What came back: status, the headers the pipeline reads, and the whole body."""

    status: int
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    retry_after: str | None
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)


class Transport:
    """Owns the connection pool; sends prepared requests; maps aiohttp errors.

    Args:
        max_connections: connector limit (the dispatcher keeps in-flight requests below it).
        session: a caller-owned session whose connector (pool, proxy settings), headers,
            cookies and trace configs are used; it is never changed nor closed by us (requests
            go through a session of our own over its connector).
        proxy: an HTTP(S) proxy URL for every request.
        trust_env: read ``HTTP(S)_PROXY``/``NO_PROXY`` and ``~/.netrc`` like aiohttp does.
        user_agent_suffix: appended to the SDK's ``User-Agent`` (e.g. ``"myapp/2.1"``).
        trace_configs: aiohttp ``TraceConfig`` objects added to the SDK's session.
        ssl_context: a custom TLS context (e.g. a private CA). Verification cannot be disabled.
    """

    def __init__(
        self,
        *,
        max_connections: int,
        session: aiohttp.ClientSession | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        user_agent_suffix: str | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        if ssl_context is not None and (
            ssl_context.verify_mode != ssl.CERT_REQUIRED or not ssl_context.check_hostname
        ):
            raise ValueError(
                "ssl_context has certificate or hostname verification disabled; "
                "callerdesk_async does not allow that. Pass a context that trusts your CA "
                "instead (ssl.create_default_context(cafile=...))."
            )
        self._borrowed = session
        self._session: aiohttp.ClientSession | None = None
        self._proxy = proxy
        self._trust_env = trust_env
        self._user_agent = (
            USER_AGENT if not user_agent_suffix else f"{USER_AGENT} {user_agent_suffix}"
        )
        self._trace_configs = list(trace_configs)
        self._max_connections = max_connections
        self._ssl: ssl.SSLContext | None = ssl_context
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """True after :meth:`aclose`."""
        return self._closed

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The live session, or ``None`` before the first request."""
        return self._session

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientStateError(
                "this CallerdeskClient is closed; create a new client (or use it inside "
                "'async with CallerdeskClient(...) as cd:')"
            )
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise ClientStateError(
                "this CallerdeskClient was opened in another event loop; create one client per "
                "event loop (e.g. inside the coroutine you pass to asyncio.run)"
            )
        if self._session is None and self._borrowed is not None:
            self._session = _sibling(self._borrowed, self._trace_configs)
            _disable_silent_get_retry(self._session)
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=self._max_connections,
                ttl_dns_cache=300,
                keepalive_timeout=_KEEPALIVE,
                # A context of our own when given one; else aiohttp's verifying default (the
                # requests below pass ours, so the connector's choice never decides).
                ssl=self._ssl if self._ssl is not None else True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self._user_agent, "Accept": "application/json, text/html"},
                raise_for_status=False,
                auto_decompress=True,
                trust_env=self._trust_env,
                trace_configs=self._trace_configs or None,
            )
            _disable_silent_get_retry(self._session)
        return self._session

    async def send(
        self,
        request: PreparedRequest,
        *,
        timeout: Timeout,
        headers: Mapping[str, str],
        redactor: Redactor,
        max_body: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> RawResponse:
        """Send one request and read its whole body (at most ``max_body`` bytes).

        Whatever leaves this method (a mapped error, ``CancelledError``, ``TimeoutError``
        thrown in by ``asyncio.timeout``) leaves with the local variables of every finished
        frame below it cleared: aiohttp's frames hold the URL with the authcode in its query
        and the encoded form body, which tracebacks rendered with locals would print.

        Raises:
            APIConnectionError: the connection failed; ``reached_server`` says whether the
                request may have been received (False only when it provably was not).
            APITimeoutError: a time limit was hit (``reached_server`` as above).
            ResponseTooLargeError: the body was longer than ``max_body``.
        """
        try:
            return await self._send(request, timeout, headers, redactor, max_body)
        except BaseException as exc:
            forget_locals(exc)
            raise

    async def _send(
        self,
        request: PreparedRequest,
        timeout: Timeout,
        headers: Mapping[str, str],
        redactor: Redactor,
        max_body: int,
    ) -> RawResponse:
        session = self._ensure_session()
        data: bytes | None = None
        if request.form is not None:
            # The body aiohttp would build from the dict, minus its FormData machinery (a
            # measurable share of a request's CPU).
            data = urlencode(request.form).encode()
            headers = {**headers, "Content-Type": _FORM}
        try:
            async with session.request(
                request.method,
                request.url,
                params=request.query or None,
                data=data,
                headers=headers,
                timeout=timeout.to_aiohttp(),
                allow_redirects=False,
                proxy=self._proxy,
                # Per request as well, so a borrowed session whose connector was built with
                # ssl=False cannot switch verification off for our requests (nor for the hop to
                # an https proxy it may use). Only our own session's plain-http requests (no
                # proxy: trust_env=False) skip it, so they never load the trust store.
                ssl=True
                if self._borrowed is None
                and request.url.startswith("http:")
                and self._proxy is None
                and not self._trust_env
                else self._tls_context(),
            ) as response:
                body = await _read_capped(response, max_body)
                if body is not None:
                    return RawResponse(
                        status=response.status,
                        body=body,
                        retry_after=response.headers.get("Retry-After"),
                        headers=response.headers,
                    )
                status = response.status
        except asyncio.CancelledError:
            raise
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as exc:
            # Never connected (DNS, refused, TLS handshake, connect timeout): nothing was sent.
            error: CallerdeskError = _connection_error(exc, request, redactor, reached_server=False)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = _connection_error(exc, request, redactor, reached_server=True)
        else:
            # Leaving the block released the connection unread: the excess is never read.
            error = ResponseTooLargeError(
                f"response body longer than max_response_bytes={max_body}; reading stopped "
                "there (raise the limit with CallerdeskClient(max_response_bytes=...) or "
                "with_options(max_response_bytes=...) if the API really sends that much)",
                status=status,
                url=redactor(request.url),
            )
        # Raised outside the except blocks so the aiohttp exception is not even kept as a
        # suppressed __context__: its text and attributes (a ClientResponseError's url) hold
        # the authcode of a GET.
        raise error

    def _tls_context(self) -> ssl.SSLContext:
        return self._ssl if self._ssl is not None else _system_tls_context()

    async def aclose(self) -> None:
        """Close the owned session (idempotent); a borrowed session is left open."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()  # ours; a borrowed session's connector stays open


_FORM = "application/x-www-form-urlencoded"


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The whole (decoded) body, or ``None`` as soon as it is longer than ``limit``.

    Reads as the data arrives, never more than ``limit + 1`` bytes of ours, so an endless or
    huge body (or a compression bomb) costs at most ``limit`` of memory.
    """
    length = response.content_length
    if length is not None and length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    content = response.content
    while True:
        chunk = await content.read(limit - size + 1)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def forget_locals(exc: BaseException) -> None:
    """Clear the local variables of the finished frames ``exc`` (and its chain) went through.

    The frames still executing (the one handling ``exc`` and its callers) cannot be cleared
    and are skipped; the exception itself, its traceback's line numbers and its chain are
    kept, so nothing is swallowed or converted.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        traceback.clear_frames(item.__traceback__)
        todo += [item.__cause__, item.__context__]


@functools.cache
def _system_tls_context() -> ssl.SSLContext:
    """The system trust store with full verification, built once per process on first use
    (loading the store costs ~20 ms of CPU; our own session's plain-http requests never use
    it)."""
    return ssl.create_default_context()


def _sibling(
    borrowed: aiohttp.ClientSession, trace_configs: Sequence[aiohttp.TraceConfig]
) -> aiohttp.ClientSession:
    """A session of our own over a borrowed session's connector (its pool, proxy settings,
    headers, cookies and trace configs), so the borrowed session itself is never changed."""
    if borrowed.closed or borrowed.connector is None:
        raise ClientStateError("the session passed as session= is closed")
    # OpenTelemetry's instrumentation adds its trace config to every new session, ours too.
    inherited = [
        config
        for config in borrowed.trace_configs
        if not getattr(config, "_is_instrumented_by_opentelemetry", False)
    ]
    return aiohttp.ClientSession(
        connector=borrowed.connector,
        connector_owner=False,
        headers=borrowed.headers,
        cookie_jar=borrowed.cookie_jar,
        auth=borrowed.auth,
        trust_env=borrowed.trust_env,
        auto_decompress=borrowed.auto_decompress,
        raise_for_status=False,
        trace_configs=[*inherited, *trace_configs] or None,
    )


def _disable_silent_get_retry(session: aiohttp.ClientSession) -> None:
    # aiohttp (3.10+) silently re-sends a GET once when the connection drops after sending.
    # Click-to-call is a GET that rings phones, so that hidden retry could double-dial; retry
    # decisions belong to our pipeline, which knows which endpoints are safe to repeat.
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False


def _connection_error(
    exc: BaseException, request: PreparedRequest, redactor: Redactor, *, reached_server: bool
) -> APIConnectionError:
    kind = type(exc).__name__
    text = redactor(str(exc)) if str(exc) else ""
    detail = f"{kind}: {text}" if text else kind
    url = redactor(request.url)
    timed_out = isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError))
    error_type = APITimeoutError if timed_out else APIConnectionError
    message = "request timed out" if timed_out else "connection failed"
    return error_type(message, url=url, detail=detail, reached_server=reached_server)
