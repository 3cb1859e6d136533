"""The :class:`Sandbox`: a local server that behaves like the Callerdesk API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from ._app import build_app
from ._config import SandboxConfig, WebhookDelivery
from ._core import SandboxCore
from ._stats import SandboxStats
from ._webhooks import EVENTS, EmitReport, deliver, emit_webhooks, webhook_request

__all__ = ["Sandbox"]

_FIXED = ("host", "port", "prefix")


class Sandbox:
    """A Callerdesk look-alike on 127.0.0.1, for tests, demos and benchmarks.

    ``async with Sandbox(SandboxConfig(calls=1000)) as sb:`` starts it on an ephemeral port;
    point a client at ``sb.base_url`` with ``sb.authcode``. Keyword knobs may be given instead
    of (or on top of) a config: ``Sandbox(seed=3, fault_5xx=0.1)``.

    ``clock`` (default :func:`time.time`) is what the sandbox reads as "now": live-traffic
    arrivals, call timestamps and the rate limiter follow it, so a test can drive live traffic
    deterministically with a clock it advances itself.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        clock: Callable[[], float] | None = None,
        **knobs: Any,
    ) -> None:
        base = config or SandboxConfig()
        config = base.evolve(**knobs) if knobs else base
        self.core = SandboxCore(config) if clock is None else SandboxCore(config, clock)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._session: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Sandbox:
        """Bind and start serving; returns ``self``."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        config = self.config
        runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        self._port = server.sockets[0].getsockname()[1]
        self.core.reset()
        return self

    async def stop(self) -> None:
        """Stop serving, finish webhook deliveries in flight, release everything."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self.wait_webhooks()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- where and what ----------------------------------------------------------------

    @property
    def config(self) -> SandboxConfig:
        """The knobs in force."""
        return self.core.config

    @property
    def port(self) -> int:
        """The bound port (only while running)."""
        if self._port is None:
            raise RuntimeError("the sandbox is not running; use 'async with' or start()")
        return self._port

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:53121/``."""
        return f"http://{self.config.host}:{self.port}/"

    @property
    def base_url(self) -> str:
        """What a client's ``base_url`` should be: the root plus the API prefix."""
        return f"http://{self.config.host}:{self.port}{self.config.prefix}"

    @property
    def authcode(self) -> str:
        """The API key the sandbox accepts."""
        return self.config.authcode

    @property
    def stats(self) -> SandboxStats:
        """A snapshot of the counters (requests, statuses, faults, executions, ...)."""
        return self.core.stats()

    def reset(self) -> None:
        """Back to the seeded data and account; all counters to zero."""
        self.core.reset()

    def configure(self, **changes: Any) -> SandboxConfig:
        """Change knobs while running (not host, port or prefix); returns the new config."""
        fixed = [k for k in _FIXED if k in changes and changes[k] != getattr(self.config, k)]
        if fixed and self._runner is not None:
            raise ValueError(f"cannot change {', '.join(fixed)} while running")
        self.core.configure(self.config.evolve(**changes))
        return self.config

    # --- webhooks ----------------------------------------------------------------------

    def call_placed(self, payloads: Sequence[Mapping[str, str]]) -> None:
        """Deliver a click-to-call's webhooks (if a webhook URL is configured)."""
        url = self.config.webhook_url
        if not url:
            return
        task = asyncio.get_running_loop().create_task(
            self._deliver(url, self.config.webhook_delivery, payloads)
        )
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(
        self, url: str, delivery: WebhookDelivery, payloads: Sequence[Mapping[str, str]]
    ) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        counters = self.core.counters
        for payload in payloads:
            counters.webhooks_sent += 1
            try:
                status = await deliver(self._session, webhook_request(url, payload, delivery))
            except (aiohttp.ClientError, asyncio.TimeoutError):
                counters.webhook_failures += 1
                continue
            if not 200 <= status < 300:
                counters.webhook_failures += 1

    async def wait_webhooks(self) -> None:
        """Wait until every click-to-call webhook delivery in flight is done."""
        while self._deliveries:
            await asyncio.gather(*list(self._deliveries), return_exceptions=True)

    async def emit_webhooks(
        self,
        url: str | None = None,
        *,
        count: int = 10,
        delivery: WebhookDelivery | None = None,
        events: Sequence[str] = EVENTS,
        duplicate_rate: float = 0.0,
        rows: Iterable[Mapping[str, Any]] | None = None,
    ) -> EmitReport:
        """Deliver events for the ``count`` newest calls of this sandbox's report.

        ``url`` and ``delivery`` default to the configured webhook URL and delivery mode.
        See :func:`callerdesk_async.sandbox.emit_webhooks` for the rest.
        """
        target = url or self.config.webhook_url
        if not target:
            raise ValueError("no webhook URL: pass url= or configure webhook_url")
        if rows is None:
            rows = self.core.calls.newest_rows(count)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return await emit_webhooks(
            target,
            count=count,
            delivery=delivery or self.config.webhook_delivery,
            events=events,
            duplicate_rate=duplicate_rate,
            seed=self.config.seed,
            rows=rows,
            session=self._session,
        )
