"""``CallerdeskClient``: configuration, lifecycle, resource namespaces, ``with_options`` views."""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import warnings
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import aiohttp
import attrs
from typing_extensions import Unpack

from ._dispatcher import Dispatcher, DispatcherStats, RateBackend, RateLimit
from ._observe import EventHooks, Hooks, redact_url
from ._pipeline import Pipeline, RequestOptions
from ._protocol import ENDPOINTS, EndpointSpec, ParamValue
from ._raw import RawView
from ._retry import RetryPolicy
from ._structurer import Decoding
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Timeout, Transport
from .resources import (
    AccountResource,
    AppCallsResource,
    BlocklistResource,
    CallGroupsResource,
    CallsResource,
    ContactsResource,
    MembersResource,
)
from .resources._base import CallOptions, ResourceContext, checked_call, request_options

__all__ = ["DEFAULT_BASE_URL", "CallerdeskClient", "ClientStats"]

DEFAULT_BASE_URL = "https://app.callerdesk.io/api/"
AUTHCODE_ENV = "CALLERDESK_AUTHCODE"
BASE_URL_ENV = "CALLERDESK_BASE_URL"
BASIC_USER_ENV = "CALLERDESK_BASIC_USER"
BASIC_PASSWORD_ENV = "CALLERDESK_BASIC_PASSWORD"  # noqa: S105 - a variable name


@attrs.frozen(slots=True)
class ClientStats:
    """A snapshot of a client's request machinery (see ``CallerdeskClient.stats``)."""

    in_flight: int
    queued: int
    cooldown_until: float | None
    admitted: int
    throttled: int
    retries: int
    effective_rate: float | None


def _check_base_url(base_url: str, allow_insecure_http: bool) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not carry a query string or fragment")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ValueError(
            "base_url uses plain http:// to a non-loopback host, which would send the authcode "
            "unencrypted; use https:// or pass allow_insecure_http=True if you really mean it"
        )
    return base_url if base_url.endswith("/") else base_url + "/"


def _check_basic_auth(basic_auth: tuple[str, str] | None) -> tuple[str, str] | None:
    """``basic_auth`` checked, or read from the environment when not given."""
    if basic_auth is None:
        user, password = os.environ.get(BASIC_USER_ENV), os.environ.get(BASIC_PASSWORD_ENV)
        if not user and not password:
            return None
        if not user or not password:
            raise ValueError(f"set both ${BASIC_USER_ENV} and ${BASIC_PASSWORD_ENV}, or neither")
        basic_auth = (user, password)
    if (
        not isinstance(basic_auth, tuple)
        or len(basic_auth) != 2
        or not all(isinstance(part, str) and part.strip() for part in basic_auth)
    ):
        raise ValueError("basic_auth must be a (username, password) tuple of non-empty strings")
    user, password = (part.strip() for part in basic_auth)
    if ":" in user:
        raise ValueError("the basic_auth username must not contain ':' (HTTP Basic, RFC 7617)")
    return user, password


def _check_max_response_bytes(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_response_bytes must be a positive integer, got {value!r}")


def _check_prefetch(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"prefetch must be an integer >= 0, got {value!r}")


_VIEW_OPTIONS = ("timeout", "retry", "priority", "max_response_bytes", "extra_headers",
                 "strict_decoding", "prefetch")  # fmt: skip


def _escapes_base_url(endpoint: str) -> bool:
    """Whether ``endpoint`` could leave ``base_url``'s path, as sent or once a server (or a
    proxy) percent-decodes it (``%2e%2e/`` is ``../``), decoded until it stops changing."""
    seen = endpoint
    while True:
        if (
            seen.startswith(("/", "\\"))
            or any(char in seen for char in ":?#\\")
            or any(part in (".", "..") for part in seen.split("/"))
        ):
            return True
        decoded = unquote(seen)
        if decoded == seen:
            return False
        seen = decoded


def _transport_options(
    proxy: str | None,
    trust_env: bool,
    user_agent_suffix: str | None,
    trace_configs: Sequence[aiohttp.TraceConfig],
) -> dict[str, Any]:
    """The transport's network options, checked."""
    if proxy is not None:
        parts = urlsplit(proxy) if isinstance(proxy, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"proxy must be an http:// or https:// URL, got {redact_url(str(proxy))!r}"
            )
    if not isinstance(trust_env, bool):
        raise ValueError("trust_env must be True or False")
    if user_agent_suffix is not None and (
        not isinstance(user_agent_suffix, str)
        or not user_agent_suffix.strip()
        or any(ch in user_agent_suffix for ch in "\r\n\0")
    ):
        raise ValueError("user_agent_suffix must be a non-empty one-line string")
    configs = list(trace_configs)
    for config in configs:
        if not isinstance(config, aiohttp.TraceConfig):
            raise ValueError(f"trace_configs must hold aiohttp.TraceConfig objects, got {config!r}")
    return {
        "proxy": proxy,
        "trust_env": trust_env,
        "user_agent_suffix": user_agent_suffix.strip() if user_agent_suffix else None,
        "trace_configs": configs,
    }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Core:
    """What every view of one client shares: the pool, the dispatcher, the pipeline."""

    def __init__(self, pipeline: Pipeline, transport: Transport, dispatcher: Dispatcher) -> None:
        self.pipeline = pipeline
        self.transport = transport
        self.dispatcher = dispatcher


def _warn_unclosed(transport: Transport) -> None:
    if transport.session is not None and not transport.closed:
        warnings.warn(
            "CallerdeskClient was garbage-collected without being closed; use "
            "'async with CallerdeskClient(...) as cd:' or 'await cd.aclose()'",
            ResourceWarning,
            stacklevel=1,
        )


class CallerdeskClient:
    """Async client for the Callerdesk API. Use it as ``async with CallerdeskClient(...) as cd:``.

    Args:
        authcode: the account's API key; defaults to ``$CALLERDESK_AUTHCODE``.
        base_url: the prefix endpoint names are joined to; defaults to ``$CALLERDESK_BASE_URL``
            or ``https://app.callerdesk.io/api/`` (white-label hosts use e.g. ``/api_v3/``).
        rate_limit: a client-side cap such as ``RateLimit(10, per=1.0)``; none by default (the
            API documents no limit), but a 429 always triggers a shared cool-down.
        max_concurrency: requests in flight at once (and the connection-pool size).
        retry: the :class:`RetryPolicy` (side-effecting calls are never retried once sent).
        timeout: seconds per attempt, or a :class:`Timeout` for connect/read/total limits.
        session: an aiohttp session you own; it is used as is and never closed by the client.
        ssl_context: a TLS context (e.g. trusting a private CA); verification stays on.
        allow_insecure_http: permit ``http://`` to a non-loopback host (off by default).
        prefetch: pages fetched ahead by paginators (defaults to ``max_concurrency``).
        basic_auth: ``(username, password)`` for white-label ``/api_v3/`` hosts, which
            authenticate with HTTP Basic; sent as an ``Authorization: Basic`` header and
            redacted like the authcode. Defaults to ``$CALLERDESK_BASIC_USER`` /
            ``$CALLERDESK_BASIC_PASSWORD``. With it, ``authcode`` becomes optional (not sent
            when absent).
        strict_decoding: fail a call when a field's value cannot be converted
            (:class:`APIResponseError`). Off by default: the attribute is ``None``, the value
            is kept in the model's ``extra`` and a WARNING names the field once per client.
        rate_backend: where ``rate_limit``'s quota and the 429 cool-down live, e.g. a
            :class:`callerdesk_async.redis.RedisRateBackend` shared by many processes; in memory
            for this client by default. The client does not close it.
        max_response_bytes: the longest response body read (64 MiB by default); a longer
            one raises :class:`~callerdesk_async.errors.ResponseTooLargeError` once that much
            arrived, without reading the rest.
        event_hooks: ``{"request": [...], "response": [...], "retry": [...]}``, callables
            (plain or async) called with read-only, redacted views of each attempt (see
            docs/observability.md). An exception a hook raises propagates as itself.
        proxy: an ``http://`` or ``https://`` proxy URL every request goes through.
        trust_env: use the proxy from ``HTTP(S)_PROXY``/``NO_PROXY`` (and ``~/.netrc``).
        user_agent_suffix: text appended to the ``User-Agent`` header (e.g. ``"myapp/2.1"``).
        trace_configs: aiohttp ``TraceConfig`` objects for the SDK's session.
    """

    def __init__(
        self,
        authcode: str | None = None,
        *,
        base_url: str | None = None,
        rate_limit: RateLimit | None = None,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        timeout: float | Timeout = Timeout(),
        session: aiohttp.ClientSession | None = None,
        ssl_context: ssl.SSLContext | None = None,
        allow_insecure_http: bool = False,
        prefetch: int | None = None,
        basic_auth: tuple[str, str] | None = None,
        strict_decoding: bool = False,
        rate_backend: RateBackend | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        event_hooks: EventHooks | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        user_agent_suffix: str | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        authcode = authcode if authcode is not None else os.environ.get(AUTHCODE_ENV)
        basic = _check_basic_auth(basic_auth)
        if basic is None and (not authcode or not authcode.strip()):
            raise ValueError(
                f"authcode is required: pass authcode=... or set ${AUTHCODE_ENV} "
                "(Callerdesk dashboard → API & Integration); white-label /api_v3/ hosts take "
                "basic_auth=(username, password) instead"
            )
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL)
            source = f"${BASE_URL_ENV}"
        else:
            source = "base_url"
        if not base_url.strip():
            # An empty value is a mistake (an unset template variable), never "production".
            raise ValueError(
                f"{source} is empty; pass the API's URL (e.g. {DEFAULT_BASE_URL!r}) or leave "
                "base_url out (and $CALLERDESK_BASE_URL unset) for the production host"
            )
        base_url = _check_base_url(base_url, allow_insecure_http)
        if prefetch is not None:
            _check_prefetch(prefetch)
        _check_max_response_bytes(max_response_bytes)
        # The dispatcher validates max_concurrency, so it is built before the transport.
        dispatcher = Dispatcher(
            max_concurrency=max_concurrency, rate_limit=rate_limit, backend=rate_backend
        )
        transport = Transport(
            max_connections=max_concurrency,
            session=session,
            ssl_context=ssl_context,
            **_transport_options(proxy, trust_env, user_agent_suffix, trace_configs),
        )
        pipeline = Pipeline(
            transport=transport,
            dispatcher=dispatcher,
            authcode=authcode.strip() if authcode and authcode.strip() else None,
            base_url=base_url,
            basic_auth=basic,
        )
        pipeline.hooks = Hooks.of(event_hooks)
        self._core = _Core(pipeline, transport, dispatcher)
        self._options = RequestOptions(
            timeout=Timeout.of(timeout),
            retry=retry if retry is not None else RetryPolicy(),
            max_response_bytes=max_response_bytes,
        )
        self._prefetch = max_concurrency if prefetch is None else prefetch
        if not isinstance(strict_decoding, bool):
            raise ValueError("strict_decoding must be True or False")
        self._decoding = Decoding(strict=strict_decoding)
        finalizer = weakref.finalize(self, _warn_unclosed, transport)
        finalizer.atexit = False

    @classmethod
    def _view(cls, parent: CallerdeskClient, options: RequestOptions) -> CallerdeskClient:
        view = cls.__new__(cls)
        view._core = parent._core
        view._options = options
        view._prefetch = parent._prefetch
        view._decoding = parent._decoding
        return view

    def __repr__(self) -> str:
        return f"CallerdeskClient(base_url={self.base_url!r}, authcode='***', closed={self.closed})"

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> CallerdeskClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (idempotent). Views share it: closing one closes all."""
        await self._core.transport.aclose()

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._core.transport.closed

    @property
    def base_url(self) -> str:
        """The prefix endpoint paths are joined to."""
        return self._core.pipeline.base_url

    @property
    def options(self) -> RequestOptions:
        """The timeout, retry policy and priority this view sends with."""
        return self._options

    @property
    def stats(self) -> ClientStats:
        """In-flight and queued requests, cool-down, and retry/429 counters."""
        d: DispatcherStats = self._core.dispatcher.stats
        pipeline = self._core.pipeline
        return ClientStats(
            in_flight=d.in_flight,
            queued=d.queued,
            cooldown_until=d.cooldown_until,
            admitted=d.admitted,
            throttled=d.throttled,
            retries=pipeline.retries,
            effective_rate=d.effective_rate,
        )

    def with_options(
        self,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
        priority: int | None = None,
        max_response_bytes: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        strict_decoding: bool | None = None,
        prefetch: int | None = None,
        **pool_level: object,
    ) -> CallerdeskClient:
        """A view with other per-request settings that shares this client's pool and limits
        (e.g. a larger ``max_response_bytes`` for one big report).

        ``extra_headers`` are added to every request of the view (the SDK's own headers cannot
        be set); per call, every typed method also takes ``extra_headers=``/``timeout=``.
        The connection pool's and dispatcher's options (``proxy``, ``trust_env``,
        ``ssl_context``, ``session``, ``max_concurrency``, ``rate_limit``, ``rate_backend``,
        ``user_agent_suffix``, ...) are shared by every view and raise ``TypeError`` here.
        """
        if pool_level:
            raise TypeError(
                f"with_options() got {sorted(pool_level)}: only per-request options can differ "
                f"per view ({', '.join(_VIEW_OPTIONS)}); pool-level options are set once on "
                "CallerdeskClient(...) (make another client to change them)"
            )
        options = self._options
        if timeout is not None:
            options = attrs.evolve(options, timeout=Timeout.of(timeout))
        if retry is not None:
            options = attrs.evolve(options, retry=retry)
        if priority is not None:
            options = attrs.evolve(options, priority=priority)
        if max_response_bytes is not None:
            _check_max_response_bytes(max_response_bytes)
            options = attrs.evolve(options, max_response_bytes=max_response_bytes)
        if extra_headers is not None:
            options = request_options(options, {"extra_headers": extra_headers})
        view = CallerdeskClient._view(self, options)
        if strict_decoding is not None:
            if not isinstance(strict_decoding, bool):
                raise ValueError("strict_decoding must be True or False")
            view._decoding = Decoding(strict=strict_decoding, _warned=self._decoding._warned)
        if prefetch is not None:
            _check_prefetch(prefetch)
            view._prefetch = prefetch
        return view

    @property
    def with_raw_response(self) -> Any:
        """This client's API methods, returning a :class:`RawResult` (the parsed model plus
        status, headers, elapsed, attempts and request id): ``await
        cd.with_raw_response.calls.live()``."""
        return RawView(self)

    # -- requests ------------------------------------------------------------------------

    async def request(
        self,
        endpoint: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        method: Literal["GET", "POST"] = "POST",
        idempotent: bool = False,
        **call: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Call an endpoint the SDK does not wrap yet, through the same pipeline.

        The payload dict is returned as decoded (``type: "error"`` still raises). Leave
        ``idempotent=False`` for anything that changes state or places a call. The per-call
        ``extra_params``/``extra_headers``/``timeout`` are checked as on typed methods: an
        extra that repeats a key of ``params``, or ``authcode``, raises before sending.
        """
        if not endpoint or _escapes_base_url(endpoint):
            raise ValueError(
                f"endpoint must be a path relative to base_url (e.g. 'extension/list'), "
                f"got {endpoint!r}"
            )
        if method not in ("GET", "POST"):
            raise ValueError(f"method must be 'GET' or 'POST', got {method!r}")
        if any(isinstance(key, str) and key.lower() == "authcode" for key in params or {}):
            raise ValueError("params must not carry authcode; the client sends it")
        options, merged = checked_call(self._options, params or {}, call)
        spec = EndpointSpec(name=endpoint, path=endpoint, method=method, idempotent=idempotent)
        return await self._core.pipeline.request(spec, merged, options)

    async def _call(self, name: str, params: Mapping[str, ParamValue]) -> dict[str, Any]:
        return await self._core.pipeline.request(ENDPOINTS[name], params, self._options)

    # -- resource namespaces -------------------------------------------------------------

    def _resource_context(self) -> ResourceContext:
        return ResourceContext(
            pipeline=self._core.pipeline,
            options=self._options,
            decoding=self._decoding,
            prefetch=self._prefetch,
        )

    @functools.cached_property
    def calls(self) -> CallsResource:
        """Call reports, live calls and click-to-call."""
        return CallsResource(self._resource_context())

    @functools.cached_property
    def app_calls(self) -> AppCallsResource:
        """The mobile-app call report."""
        return AppCallsResource(self._resource_context())

    @functools.cached_property
    def members(self) -> MembersResource:
        """Team members."""
        return MembersResource(self._resource_context())

    @functools.cached_property
    def call_groups(self) -> CallGroupsResource:
        """Call groups."""
        return CallGroupsResource(self._resource_context())

    @functools.cached_property
    def contacts(self) -> ContactsResource:
        """Contacts."""
        return ContactsResource(self._resource_context())

    @functools.cached_property
    def blocklist(self) -> BlocklistResource:
        """The number blacklist."""
        return BlocklistResource(self._resource_context())

    @functools.cached_property
    def account(self) -> AccountResource:
        """Profile, balance, IVR numbers, prompts and settings."""
        return AccountResource(self._resource_context())
