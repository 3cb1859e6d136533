"""Property-based: whatever arrives, the receivers answer 2xx or 4xx, never 5xx or a crash.

Bodies are arbitrary bytes, text, JSON of any shape, forms, multipart bodies (well-formed and
mangled) and mutated real payloads; content types, methods and query strings are arbitrary too.
The aiohttp handler is called in-process through ``make_mocked_request`` with a real
``StreamReader``; the ASGI app through hand-made scope/receive/send.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from aiohttp.base_protocol import BaseProtocol
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from callerdesk_async.webhooks import (
    WebhookASGIApp,
    WebhookParseError,
    event_from_fields,
    parse_event,
    webhook_handler,
)

from .webhook_helpers import CALL_REPORT, LEGACY_GET_QUERY, Recorder, call_asgi, multipart_body

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MAX_BODY = 1500

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [*CALL_REPORT, "type", "member_id", "Type", "callsid", "raw"]
) | st.text(max_size=12)
field_values = st.sampled_from(
    [
        "",
        "0",
        "0000-00-00 00:00:00",
        "2020-04-09n13:46:56",
        "NOANSWER(19)",
        "call_report",
        "live_call",
        "add_member",
        "delete_call_group",
        "security_activity",
        "1.5",
        "-1",
        "nan",
        "1e999",
        "9" * 30,
        " No Answer",
        "\x00",
    ]
) | st.text(max_size=30)
field_dicts = st.dictionaries(field_names, field_values, max_size=12)
mutated_reports = st.dictionaries(st.sampled_from(list(CALL_REPORT)), field_values).map(
    lambda changes: {**CALL_REPORT, **changes}
)
boundaries = st.sampled_from(["b", "cdBoundary42", "----x", ""]) | st.text(
    alphabet="abcXYZ019-_'()+,./:=? ", min_size=1, max_size=20
)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    boundary = draw(boundaries)
    fields = draw(field_dicts | mutated_reports)
    safe = {k.replace('"', ""): v for k, v in fields.items()}
    body = multipart_body(safe, boundary=boundary or "x")
    cut = draw(st.integers(0, len(body)))
    body = draw(st.sampled_from([body, body[:cut], body[cut:], body.replace(b"\r\n", b"\n")]))
    quoted = draw(st.booleans())
    param = f'"{boundary}"' if quoted else boundary
    return f"multipart/form-data; boundary={param}", body


content_types = st.sampled_from(
    [
        "",
        "application/json",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/mixed; boundary=b",
        "text/plain",
        "text/html; charset=UTF-8",
        "application/octet-stream",
        "application/vnd.x+json",
    ]
) | st.text(max_size=40)

bodies = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=300).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    (field_dicts | mutated_reports).map(lambda d: json.dumps(d).encode()),
    (field_dicts | mutated_reports).map(lambda d: urlencode(d).encode()),
    st.just(b"[" * 5000),
)

query_chars = "abcxyzABC0129=&?%+-_.~:/ n" + "%20%3F%26%FF%zz"
queries = st.one_of(
    st.text(alphabet=query_chars, max_size=80),
    field_dicts.map(urlencode),
    mutated_reports.map(lambda d: "token=abc?" + urlencode(d)),
    st.just(LEGACY_GET_QUERY),
    st.just("x=" + "y" * 2000),
)
methods = st.sampled_from(["POST"] * 6 + ["GET"] * 3 + ["post", "HEAD", "PUT", "OPTIONS"])
paths = st.sampled_from(["/callerdesk/s3cret", "/callerdesk/s3cret/", "/callerdesk/wrong", "/"])


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, str, str, bytes]:
    method = draw(methods)
    query = draw(queries)
    if draw(st.integers(0, 3)) == 0:
        content_type, body = draw(multipart_bodies())
    else:
        content_type, body = draw(content_types), draw(bodies)
    return method, query, content_type, body


@contextmanager
def captured_errors() -> Iterator[list[logging.LogRecord]]:
    """ERROR records on the webhooks logger (a parse bug would log one and answer 400)."""
    records: list[logging.LogRecord] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = ListHandler(logging.ERROR)
    logger = logging.getLogger("callerdesk_async.webhooks")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@SETTINGS
@given(delivery=deliveries())
def test_parse_event_returns_an_event_or_raises_parse_error(
    delivery: tuple[str, str, str, bytes],
) -> None:
    method, query, content_type, body = delivery
    try:
        parsed = parse_event(method, query, {"Content-Type": content_type}, body, max_body=MAX_BODY)
    except WebhookParseError as exc:
        rejected: WebhookParseError | None = exc
    else:
        rejected = None
    if rejected is not None:
        assert 400 <= rejected.status < 500
        assert rejected.reason
        event(f"rejected {rejected.status}")
    else:
        assert parsed.raw
        # repr, not ==: a field that reads as NaN ('coins=nan') is never equal to itself.
        assert repr(event_from_fields(parsed.raw)) == repr(parsed)
        event(f"parsed {parsed.kind}")


@SETTINGS
@given(fields=st.dictionaries(field_names, json_values | field_values, max_size=10))
def test_event_from_fields_never_raises(fields: dict[str, Any]) -> None:
    parsed = event_from_fields(fields)
    assert parsed.raw == fields
    event(parsed.kind)


@SETTINGS
@given(delivery=deliveries(), secret=st.sampled_from([None, "s3cret"]), path=paths)
async def test_aiohttp_handler_never_5xx(
    delivery: tuple[str, str, str, bytes], secret: str | None, path: str
) -> None:
    method, query, content_type, body = delivery
    recorder = Recorder()
    handler = webhook_handler(recorder, secret=secret, max_body=MAX_BODY)
    loop = asyncio.get_running_loop()
    payload = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    payload.feed_data(body)
    payload.feed_eof()
    headers = {"Content-Type": content_type} if content_type else {}
    request = make_mocked_request(method, f"{path}?{query}", headers=headers, payload=payload)
    with captured_errors() as errors:
        response = await handler(request)
    assert 200 <= response.status < 500, getattr(response, "text", "")
    event(f"status {response.status}")
    assert not errors
    assert recorder.calls <= 1
    if recorder.calls:
        assert response.status == 200


@SETTINGS
@given(
    delivery=deliveries(),
    secret=st.sampled_from([None, "s3cret"]),
    path=paths,
    chunk=st.integers(1, 3000),
    raw_query=st.binary(max_size=60),
    use_raw=st.booleans(),
)
async def test_asgi_app_never_5xx(
    delivery: tuple[str, str, str, bytes],
    secret: str | None,
    path: str,
    chunk: int,
    raw_query: bytes,
    use_raw: bool,
) -> None:
    method, query, content_type, body = delivery
    recorder = Recorder()
    app = WebhookASGIApp(recorder, secret=secret, max_body=MAX_BODY)
    headers = [(b"content-type", content_type.encode("utf-8", "replace"))] if content_type else []
    with captured_errors() as errors:
        status, _, text = await call_asgi(
            app,
            method,
            path,
            raw_query if use_raw else query.encode(),
            headers,
            body,
            chunk=chunk,
        )
    assert 200 <= status < 500, text
    event(f"status {status}")
    assert not errors
    assert recorder.calls <= 1
