"""Sans-I/O reading of a webhook delivery: method, query string, headers and body → fields.

Repairs the platform's habits: the ``?`` Callerdesk appends to a URL that already has a query
(``?token=abc?type=call_report``), JSON sent with a form or HTML content type, and (through the
shared converter) the ``n`` between date and time in GET deliveries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from ._errors import WebhookParseError, WebhookPayloadTooLarge
from ._events import WebhookEvent, event_from_fields

__all__ = ["DEFAULT_MAX_BODY", "parse_event", "parse_fields", "parse_query"]

DEFAULT_MAX_BODY = 64 * 1024
"""Default cap on a delivery's body (and query string), in bytes: 64 KiB."""

_PARAM = re.compile(
    r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)',
)
_JSON_TYPES = ("application/json", "text/json")
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
# Content types that say nothing about the body (the platform labels JSON text/html): sniffed.
_SNIFFED = ("", "text/plain", "text/html", "application/octet-stream")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value or ""


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    """``'multipart/form-data; boundary="x"'`` → ``("multipart/form-data", {"boundary": "x"})``."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + rest):
        raw = match.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[match.group(1).lower()] = raw
    return main.strip().lower(), params


def parse_query(query_string: str) -> dict[str, str]:
    """Read a query string, repairing the ``?`` Callerdesk appends to an existing query.

    ``token=abc?type=call_report`` gives ``{"token": "abc", "type": "call_report"}``. A leading
    ``?`` is ignored; for a repeated name the last value wins (the platform's parameters come
    after the ones configured in the URL).
    """
    fields: dict[str, str] = {}
    for piece in query_string.split("?"):
        for key, value in parse_qsl(piece, keep_blank_values=True, errors="replace"):
            if key:
                fields[key] = value
    return fields


def _parse_json(body: bytes) -> dict[str, Any]:
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise WebhookParseError("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise WebhookParseError(f"JSON body must be an object, not {type(data).__name__}")
    return data


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookParseError(f"{what} is not valid UTF-8") from None


def _parse_form(body: bytes) -> dict[str, str]:
    text = _decode(body, "form body")
    fields: dict[str, str] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        if key:
            fields[key] = value
    return fields


def _parse_multipart(body: bytes, params: Mapping[str, str]) -> dict[str, str]:
    boundary = params.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise WebhookParseError("multipart body without a usable boundary")
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1", "replace"))
    if len(chunks) < 2:
        raise WebhookParseError("multipart body has no parts")
    fields: dict[str, str] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            return fields
        # Transport padding may follow the boundary before its CRLF.
        _, newline, part = chunk.partition(b"\r\n")
        if not newline:
            raise WebhookParseError("malformed multipart part")
        head, blank, content = part.partition(b"\r\n\r\n")
        name, filename = _disposition(head) if blank else (None, None)
        if name and filename is None:
            fields[name] = _decode(content, "multipart field")
    raise WebhookParseError("multipart body is not terminated")


def _disposition(head: bytes) -> tuple[str | None, str | None]:
    for line in head.split(b"\r\n"):
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-disposition":
            kind, params = _media_type(_decode(value, "multipart header"))
            if kind != "form-data":
                return None, None
            return params.get("name"), params.get("filename")
    return None, None


def _body_fields(body: bytes, content_type: str) -> dict[str, Any]:
    media, params = _media_type(content_type)
    stripped = body.lstrip()
    if not stripped:
        return {}
    if media in _JSON_TYPES or media.endswith("+json"):
        return _parse_json(body)
    if media == _MULTIPART:
        return _parse_multipart(body, params)
    if media == _FORM:
        # A JSON object sent with the form content type is read as JSON.
        if stripped.startswith(b"{"):
            try:
                return _parse_json(body)
            except WebhookParseError:
                pass
        return _parse_form(body)
    if media not in _SNIFFED:
        # e.g. application/xml: a document that happens to hold an "=" is still not a form.
        raise WebhookParseError(f"unsupported content type {media[:60]!r}", status=415)
    # No or a vague content type (text/plain, text/html, octet-stream): sniff.
    if stripped.startswith((b"{", b"[")):
        return _parse_json(body)
    if b"=" in body:
        return _parse_form(body)
    raise WebhookParseError("body is neither JSON nor a form", status=415)


def parse_fields(
    method: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    max_body: int = DEFAULT_MAX_BODY,
) -> dict[str, Any]:
    """Read a delivery into one repaired field dict (the ``raw`` of the event).

    GET: the query string (``body`` is ignored). POST: query-string fields merged with the
    body's (JSON object, form-urlencoded or multipart; sniffed when the content type is missing
    or vague), body fields taking precedence.

    Raises:
        WebhookParseError: bad method (405), oversized body (413) or query (414), unsupported
            content type (415), or a body that cannot be read (400).
    """
    verb = method.upper()
    if verb not in ("GET", "POST"):
        raise WebhookParseError("method not allowed: use GET or POST", status=405)
    if len(query_string) > max_body:
        raise WebhookPayloadTooLarge("query string too long", status=414)
    fields: dict[str, Any] = parse_query(query_string.removeprefix("?"))
    if verb == "POST":
        if len(body) > max_body:
            raise WebhookPayloadTooLarge(f"body larger than {max_body} bytes")
        fields.update(_body_fields(body, _header(headers, "content-type")))
    if not fields:
        raise WebhookParseError("empty delivery: no fields")
    return fields


def parse_event(
    method: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    max_body: int = DEFAULT_MAX_BODY,
) -> WebhookEvent:
    """Parse one webhook delivery into a typed event.

    Args:
        method: the HTTP method (``"GET"`` or ``"POST"``).
        query_string: the raw (still percent-encoded) query string, without or with a leading
            ``?``; a ``?`` the platform appended to an existing query is repaired.
        headers: request headers (names matched case-insensitively); only ``Content-Type`` is
            used.
        body: the request body (ignored for GET).
        max_body: largest body (and query string) accepted, in bytes.

    Returns:
        A :data:`WebhookEvent`; :class:`UnknownEvent` when the ``type`` is not known.

    Raises:
        WebhookParseError: the delivery cannot be read; ``err.status`` is the 4xx to answer.
    """
    return event_from_fields(parse_fields(method, query_string, headers, body, max_body=max_body))
