"""OpenTelemetry spans for the SDK's requests (``pip install "callerdesk-async[otel]"``).

``instrument(cd)`` gives every logical request of client ``cd`` one span named
``callerdesk <endpoint>`` (kind CLIENT), current while it runs so aiohttp instrumentation spans
nest under it. Attributes: ``callerdesk.endpoint``, ``callerdesk.request_id``,
``callerdesk.attempts``, ``callerdesk.retries``, ``callerdesk.throttled`` (429s),
``callerdesk.page`` (paged endpoints), ``http.request.method``, ``http.response.status_code``,
``url.full`` (authcode shown as ``***``) and, on failure, ``error.type``. Each attempt and retry
is an event. Nothing recorded holds the authcode, Basic credentials or a form body: URLs are
redacted, POST bodies are never read and error messages are the SDK's redacted ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from ._observe import RequestView, TraceSpan, redact_url
from ._version import __version__
from .errors import CallerdeskError

if TYPE_CHECKING:
    from ._client import CallerdeskClient

__all__ = ["instrument", "redact_url", "uninstrument"]


def instrument(client: CallerdeskClient, tracer_provider: Any = None) -> None:
    """Trace every request ``client`` (and each of its ``with_options`` views) sends.

    Args:
        client: the client to instrument.
        tracer_provider: an OpenTelemetry ``TracerProvider``; the global one by default.
    """
    tracer = trace.get_tracer("callerdesk_async", __version__, tracer_provider=tracer_provider)
    client._core.pipeline.tracer = _Tracer(tracer)


def uninstrument(client: CallerdeskClient) -> None:
    """Stop tracing ``client``'s requests."""
    client._core.pipeline.tracer = None


class _Tracer:
    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def start(self, request: RequestView, page: str | None) -> TraceSpan:
        attributes: dict[str, str | int] = {
            "callerdesk.endpoint": request.endpoint,
            "callerdesk.request_id": request.request_id,
            "http.request.method": request.method,
            "url.full": request.url,
        }
        if page is not None:
            attributes["callerdesk.page"] = int(page) if page.isdigit() else page
        span = self._tracer.start_span(
            f"callerdesk {request.endpoint}", kind=SpanKind.CLIENT, attributes=attributes
        )
        return _Span(span)


class _Span:
    def __init__(self, span: trace.Span) -> None:
        self._span = span
        self._token = trace.use_span(span, end_on_exit=False)
        self._token.__enter__()
        self._attempts = 0
        self._retries = 0
        self._throttled = 0

    def event(self, name: str, attributes: Mapping[str, str | int | float]) -> None:
        if name == "attempt":
            self._attempts += 1
            status = attributes.get("status")
            if status is not None:
                self._span.set_attribute("http.response.status_code", status)
                if status == 429:
                    self._throttled += 1
        elif name == "retry":
            self._retries += 1
        self._span.add_event(name, dict(attributes))

    def finish(self, error: BaseException | None) -> None:
        span = self._span
        span.set_attribute("callerdesk.attempts", self._attempts)
        span.set_attribute("callerdesk.retries", self._retries)
        span.set_attribute("callerdesk.throttled", self._throttled)
        if error is not None:
            span.set_attribute("error.type", type(error).__name__)
            if isinstance(error, CallerdeskError):
                # Already redacted by the pipeline; the raw exception text of anything else
                # could hold a URL, so it is not recorded.
                span.set_status(Status(StatusCode.ERROR, error.message))
            else:
                span.set_status(Status(StatusCode.ERROR))
        self._token.__exit__(None, None, None)
        span.end()
