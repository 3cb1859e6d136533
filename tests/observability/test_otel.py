"""Bar 1: tracing over a real socket never records a secret, and the SDK's spans say enough.

OpenTelemetry's aiohttp instrumentation (with ``redact_url`` as its ``url_filter``) and the
SDK's own spans (``callerdesk_async.otel``) both run; after GET and POST endpoints, business
errors, 5xx retries and 429 retries, against the sandbox with an authcode and a white-label one
with HTTP Basic, no span name, attribute, event or status holds a secret in any encoding.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from callerdesk_async import CallerdeskClient, RetryPolicy, redact_url
from callerdesk_async import otel as cd_otel
from callerdesk_async.errors import AuthenticationError, RateLimitError, ServerError
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import AUTHCODE, BASIC_PASSWORD, BASIC_TOKEN, BASIC_USER, SECRETS

WRONG = "wrong-SECRET-authcode-d41e"
NO_WAIT = RetryPolicy(max_retries=2, initial=0, max_delay=0, jitter=False)


def encodings(secret: str) -> set[str]:
    """A secret as sent and in every encoding a URL, header or body could carry it."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}
    forms |= {base64.b64encode(f.encode()).decode() for f in list(forms)}
    return forms


FORBIDDEN = sorted(
    set().union(*(encodings(s) for s in (*SECRETS, WRONG)))
    | encodings(f"{BASIC_USER}:{BASIC_PASSWORD}")
    | {BASIC_TOKEN}
)


def span_texts(span: ReadableSpan) -> Iterator[str]:
    yield span.name
    yield str(span.status.description or "")
    for key, value in (span.attributes or {}).items():
        yield f"{key}={value}"
    for event in span.events:
        yield event.name
        for key, value in (event.attributes or {}).items():
            yield f"{key}={value}"


def leaks(spans: tuple[ReadableSpan, ...]) -> list[str]:
    return [
        f"{span.name}: {text[:120]}"
        for span in spans
        for text in span_texts(span)
        for secret in FORBIDDEN
        if secret in text
    ]


@pytest.fixture
def exporter() -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield memory, provider
    provider.shutdown()


@pytest.fixture
def aiohttp_traced(
    exporter: tuple[InMemorySpanExporter, TracerProvider],
) -> Iterator[InMemorySpanExporter]:
    memory, provider = exporter
    instrumentor = AioHttpClientInstrumentor()
    instrumentor.instrument(tracer_provider=provider, url_filter=redact_url)
    yield memory
    instrumentor.uninstrument()


@pytest.fixture
async def sandboxes() -> AsyncIterator[tuple[Sandbox, Sandbox]]:
    plain = SandboxConfig(authcode=AUTHCODE, calls=200, retry_after_seconds=0)
    white_label = SandboxConfig(
        prefix="/api_v3/",
        basic_user=BASIC_USER,
        basic_password=BASIC_PASSWORD,
        calls=200,
        retry_after_seconds=0,
    )
    async with Sandbox(plain) as sb, Sandbox(white_label) as wl:
        yield sb, wl


async def exercise(cd: CallerdeskClient, sb: Sandbox) -> None:
    """GET and POST endpoints, success and failure, with and without retries."""
    member = (await cd.members.list().collect())[0]  # POST, paged
    desk = (await cd.account.deskphones())[0]  # POST
    assert member.member_num and desk.deskphone
    await cd.calls.click_to_call(  # GET that places a call
        agent=member.member_num, customer="9812345678", deskphone=desk.deskphone
    )
    await cd.calls.live()  # GET
    await cd.contacts.add(number="9898989898", name="Asha")  # POST form body
    sb.configure(fault_5xx=1.0)
    with pytest.raises(ServerError):
        await cd.account.profile()  # POST, retried twice
    with pytest.raises(ServerError):
        await cd.calls.live()  # GET, retried twice
    sb.configure(fault_5xx=0.0, fault_429=1.0)
    with pytest.raises(RateLimitError):
        await cd.calls.live()  # 429, retried twice
    sb.configure(fault_429=0.0)


async def test_no_span_holds_a_secret_and_sdk_spans_carry_endpoint_attempts_request_id(
    aiohttp_traced: InMemorySpanExporter,
    exporter: tuple[InMemorySpanExporter, TracerProvider],
    sandboxes: tuple[Sandbox, Sandbox],
) -> None:
    _, provider = exporter
    sb, wl = sandboxes
    async with CallerdeskClient(AUTHCODE, base_url=sb.base_url, retry=NO_WAIT) as cd:
        cd_otel.instrument(cd, tracer_provider=provider)
        await exercise(cd, sb)
    async with CallerdeskClient(WRONG, base_url=sb.base_url, retry=NO_WAIT) as wrong:
        cd_otel.instrument(wrong, tracer_provider=provider)
        with pytest.raises(AuthenticationError):
            await wrong.calls.live()
        with pytest.raises(AuthenticationError):
            await wrong.account.profile()
    async with CallerdeskClient(
        base_url=wl.base_url, basic_auth=(BASIC_USER, BASIC_PASSWORD), retry=NO_WAIT
    ) as basic:
        cd_otel.instrument(basic, tracer_provider=provider)
        await exercise(basic, wl)

    spans = aiohttp_traced.get_finished_spans()
    assert leaks(spans) == []

    ours = [s for s in spans if s.name.startswith("callerdesk ")]
    http = [s for s in spans if not s.name.startswith("callerdesk ")]
    assert len(ours) >= 16 and len(http) > len(ours)  # one per request, one per attempt
    # aiohttp's spans were filtered (the authcode is masked, not absent) and nest under ours.
    urls = [
        str(dict(s.attributes or {}).get("url.full", dict(s.attributes or {}).get("http.url")))
        for s in http
    ]
    assert any("live_call_v2?authcode=***" in url for url in urls)
    by_id = {s.context.span_id: s for s in ours}
    assert all(s.parent is not None and s.parent.span_id in by_id for s in http)

    received = sb.stats.recent_request_ids + wl.stats.recent_request_ids
    for span in ours:
        attributes: dict[str, Any] = dict(span.attributes or {})
        assert attributes["callerdesk.endpoint"] == span.name.removeprefix("callerdesk ")
        assert attributes["callerdesk.request_id"] in received
        attempts = [e for e in span.events if e.name == "attempt"]
        assert attributes["callerdesk.attempts"] == len(attempts) >= 1
        assert attributes["callerdesk.retries"] == len(
            [e for e in span.events if e.name == "retry"]
        )
        assert received.count(attributes["callerdesk.request_id"]) == len(attempts)
    retried = [s for s in ours if (s.attributes or {})["callerdesk.retries"] == 2]
    assert len(retried) == 6  # 5xx on POST and GET, 429, on both sandboxes
    assert {dict(s.attributes or {}).get("error.type") for s in retried} == {
        "ServerError",
        "RateLimitError",
    }
    throttled = [s for s in retried if (s.attributes or {}).get("callerdesk.throttled") == 3]
    assert len(throttled) == 2
    paged = [
        s for s in ours if (s.attributes or {}).get("callerdesk.endpoint") == "getmemberlist_V2"
    ]
    assert paged and all((s.attributes or {}).get("callerdesk.page") == 1 for s in paged)


async def test_without_the_url_filter_aiohttp_spans_carry_the_authcode(
    exporter: tuple[InMemorySpanExporter, TracerProvider], sandboxes: tuple[Sandbox, Sandbox]
) -> None:
    """The control: the check above does find a leak when there is one."""
    memory, provider = exporter
    sb, _ = sandboxes
    instrumentor = AioHttpClientInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        async with CallerdeskClient(AUTHCODE, base_url=sb.base_url) as cd:
            await cd.calls.live()
    finally:
        instrumentor.uninstrument()
    assert leaks(memory.get_finished_spans()) != []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://app.callerdesk.io/api/live_call_v2?authcode={AUTHCODE}&x=1",
            "https://app.callerdesk.io/api/live_call_v2?authcode=***&x=1",
        ),
        ("https://u:p@h/api/x?AuthCode=a%2Bb", "https://***@h/api/x?AuthCode=***"),
        (
            "https://h/api/x?api_key=1&token=2&keep=3",
            "https://h/api/x?api_key=***&token=***&keep=3",
        ),
        ("https://h/api/x", "https://h/api/x"),
        ("https://h/api/x?flag&authcode", "https://h/api/x?flag&authcode"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_url_takes_a_yarl_url() -> None:
    import yarl

    assert (
        redact_url(yarl.URL(f"http://h/api/x?authcode={AUTHCODE}")) == "http://h/api/x?authcode=***"
    )
