"""Sans-I/O protocol: the endpoint registry, request encoding, response decoding, redaction.

Nothing here performs I/O, so the whole protocol is tested with plain function calls. The
pipeline (``_pipeline.py``) feeds it bytes and status codes and acts on what it returns or raises.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote, quote_plus

import attrs

from .errors import (
    AccountInactiveError,
    AgentUnavailableError,
    APIResponseError,
    AuthenticationError,
    CallerdeskError,
    DuplicateMemberError,
    MalformedResponseError,
    NoCallGroupError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

_fast_loads: Callable[[bytes], Any] | None
try:  # a dependency on CPython: about twice as fast as json.loads on report pages
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - exercised by a test that hides orjson
    _fast_loads = None

__all__ = [
    "ENDPOINTS",
    "EndpointSpec",
    "PreparedRequest",
    "Redactor",
    "basic_auth_header",
    "decode_response",
    "encode_request",
    "encode_value",
    "endpoint",
    "parse_retry_after",
]

Method = Literal["GET", "POST"]
ParamValue = str | int | float | date | None


@attrs.frozen(slots=True)
class EndpointSpec:
    """What the SDK knows about one API endpoint.

    Attributes:
        name: the registry key (the path, unless two operations share a path).
        path: joined to the client's ``base_url``; spelled exactly as the API spells it.
        method: ``GET`` sends parameters in the query string, ``POST`` as a form body.
        idempotent: safe to retry after the request may have reached the server. Every
            side-effecting endpoint is ``False`` so a retry can never act twice.
        items_key: the response key holding the list of items, for list endpoints.
        total_key: the response key holding the total count, for paginated endpoints.
        paginated: takes ``current_page``/``per_page``.
        confidence: the reference's tag for this endpoint (``C``, ``S`` or ``I``).
    """

    name: str
    path: str
    method: Method = "POST"
    idempotent: bool = False
    items_key: str | None = None
    total_key: str | None = None
    paginated: bool = False
    confidence: Literal["C", "S", "I"] = "C"


def _read(name: str, path: str | None = None, **kw: Any) -> EndpointSpec:
    return EndpointSpec(name=name, path=path or name, idempotent=True, **kw)


def _write(name: str, path: str | None = None, **kw: Any) -> EndpointSpec:
    return EndpointSpec(name=name, path=path or name, idempotent=False, **kw)


def _paged(name: str, items_key: str, total_key: str | None = "total", **kw: Any) -> EndpointSpec:
    return _read(name, items_key=items_key, total_key=total_key, paginated=True, **kw)


_SPECS = [
    # Click-to-call family: every one rings real phones, so none is retry-safe.
    _write("click_to_call_v2", method="GET"),
    _write("click_to_call_v3", method="GET"),
    _write("click_to_call_v4", method="GET"),
    _write("singleleg-clicktocall"),
    # Live calls and reports.
    _read("live_call_v2", method="GET", items_key="live_calls"),
    _paged("call_list_v2", "result"),
    _paged("app_call_list_v2", "result"),
    _read("getroutingdetail_V2", items_key="routing_detail"),
    _read("get-count-v2"),
    _read("dashboard_v2"),
    # Members.
    _paged("getmemberlist_V2", "getmember", "total_record"),
    _write("addmember_v2"),
    _write("updatemember_v2"),
    _write("deletemember_v2"),
    _write("changeagentstatus", confidence="S"),
    _write("update-working-status-v3", "update-working-status-v3/", method="GET", confidence="S"),
    # Call groups.
    _paged("getgrouplist_v2", "grouplist"),
    _read("getgroupbyid_v2"),
    _write("createcallgroup"),
    _write("updategroup_v2"),
    _write("deletegroup"),
    _write("delete_user_call_group"),
    _read("getgroupschedule", confidence="S"),
    # Contacts.
    _paged("contact_list_v2", "result"),
    _write("savecontact_v2"),
    _write("editContact_v2"),
    _write("deleteContact"),
    # Blacklist.
    _write("block_number"),
    _write("unblock_number"),
    _paged("getblocknumber", "blocklist_number", None, confidence="S"),
    # Account.
    _read("profile_billing_v2"),
    _write("update-profile", confidence="S"),
    _read("getdeskphone_v2", items_key="getdeskphone"),
    _read("getprompt", items_key="promptlist", confidence="S"),
    _write("addivrflow", confidence="S"),
    _read("get_notification_setting_v2", confidence="S"),
    _write("add-whatsapp-template", confidence="S"),
    _write("update-whatsapp-template", confidence="S"),
    # The app reads the templates from ``whatsapp_template`` (reference section 7.12).
    _paged("get-whatsapp-template", "whatsapp_template", None, confidence="S"),
]

ENDPOINTS: Mapping[str, EndpointSpec] = {spec.name: spec for spec in _SPECS}
"""Every endpoint the SDK wraps, by name."""


def endpoint(name: str) -> EndpointSpec:
    """The registered spec for ``name``; raises ``KeyError`` naming the unknown endpoint."""
    try:
        return ENDPOINTS[name]
    except KeyError:
        raise KeyError(f"unknown Callerdesk endpoint {name!r}") from None


@attrs.frozen(slots=True, repr=False)
class PreparedRequest:
    """A request ready for the transport: where, how, and with which fields.

    Its ``repr`` names the fields but shows no values: ``query``/``form`` hold the authcode,
    and tracebacks rendered with local variables (Sentry, rich) print reprs.
    """

    method: Method
    url: str
    query: Mapping[str, str]
    form: Mapping[str, str] | None

    def __repr__(self) -> str:
        fields = sorted({*self.query, *(self.form or {})})
        return f"PreparedRequest({self.method} {self.url}, fields={fields})"


class _HiddenHeader(str):
    """A header value whose ``repr`` hides it: request headers sit in the pipeline's locals,
    which tracebacks rendered with locals (Sentry, rich, ``pytest -l``) print."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def basic_auth_header(
    credentials: tuple[str, str] | None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The ``Authorization: Basic`` header for ``(username, password)`` and the secrets a
    redactor must mask (both parts and the base64 token); nothing for ``None``."""
    if credentials is None:
        return {}, ()
    user, password = credentials
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": _HiddenHeader(f"Basic {token}")}, (user, password, token)


def encode_value(value: ParamValue) -> str:
    """One parameter value as the API wants it: dates `YYYY-MM-DD`, booleans `1`/`0`."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def encode_request(
    spec: EndpointSpec, base_url: str, authcode: str | None, params: Mapping[str, ParamValue]
) -> PreparedRequest:
    """Place ``authcode`` and ``params`` as the API expects: query for GET, form for POST.

    ``None`` values are dropped, dates become ``YYYY-MM-DD``, booleans ``1``/``0``. Without an
    authcode (a white-label host authenticated by HTTP Basic alone) no ``authcode`` is sent.
    """
    fields = {} if authcode is None else {"authcode": authcode}
    for key, value in params.items():
        if value is not None:
            fields[key] = encode_value(value)
    url = base_url + spec.path
    if spec.method == "GET":
        return PreparedRequest("GET", url, fields, None)
    return PreparedRequest("POST", url, {}, fields)


_NO_RECORD = re.compile(r"no.?record|not.?found|no.?data|no callgroup", re.IGNORECASE)

# The API's error messages (reference sections 1.2, 3 and 11.3) → the error class, matched as
# lower-cased substrings, first hit wins: the wordings vary between accounts and white-label
# hosts ("Invalid Auth Code!", "Invalid Authcode"), so exact strings would miss some.
_BUSINESS_ERRORS: tuple[tuple[tuple[str, ...], type[APIResponseError]], ...] = (
    (("account is inactive", "account inactive", "account is suspended"), AccountInactiveError),
    (("invalid auth",), AuthenticationError),
    (("already register",), DuplicateMemberError),
    (("agent on break", "inactive. call not allowed"), AgentUnavailableError),
    (("no callgroup",), NoCallGroupError),
)
_SNIPPET_CHARS = 200


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or HTTP-date); ``None`` if absent or invalid."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        current = now or datetime.now(timezone.utc)
        return max(0.0, (when - current).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def decode_response(
    spec: EndpointSpec,
    status: int,
    body: bytes,
    *,
    retry_after: str | None = None,
    redactor: Redactor | None = None,
) -> dict[str, Any]:
    """Turn one HTTP answer into the payload dict, or raise the matching error.

    Success is decided from the envelope's ``type``, never from the HTTP status alone (the API
    reports errors with HTTP 200 and often labels JSON as ``text/html``, so the Content-Type is
    ignored). A "no record" error on a list endpoint is an empty page, not a failure.
    """
    try:
        return _decode(spec, status, body, retry_after, redactor or Redactor(""))
    except CallerdeskError as exc:
        error = exc
    # Raised with no frame below this one, and without the body: the frames of _decode hold
    # the body and payload (the key, when a server echoes it), which tracebacks rendered with
    # local variables would print.
    del body
    raise error.with_traceback(None)


def _decode(
    spec: EndpointSpec, status: int, body: bytes, retry_after: str | None, clean: Redactor
) -> dict[str, Any]:
    if status == 429:
        seconds = parse_retry_after(retry_after)
        raise RateLimitError(
            "rate limited by the server (HTTP 429); the request was sent",
            retry_after=seconds,
            endpoint=spec.name,
            status=status,
        )
    payload = _loads(body)
    if status >= 500:
        raise ServerError(
            f"server error (HTTP {status})",
            endpoint=spec.name,
            status=status,
            detail=_snippet(body, clean),
        )
    if 400 <= status < 500:
        refused = _refused(spec, status, payload, body, clean)
        if refused is not None:
            return refused
    if not isinstance(payload, dict):
        what = "a non-JSON body" if payload is None else f"JSON {type(payload).__name__}"
        raise MalformedResponseError(
            f"unexpected response: {what}",
            endpoint=spec.name,
            status=status,
            detail=_snippet(body, clean),
        )
    kind = payload.get("type")
    if kind == "error" or (status >= 400 and kind != "success"):
        message = clean(str(payload.get("message") or f"HTTP {status} error"))
        if spec.items_key is not None and _NO_RECORD.search(message):
            return {spec.items_key: [], "type": "success", "_empty": True}
        raise _error_for(message, status)(message, endpoint=spec.name, status=status)
    return payload


def _loads(body: bytes) -> Any:
    """The JSON value of ``body``, or ``None`` when it is not JSON."""
    if _fast_loads is not None:
        try:
            return _fast_loads(body)
        except ValueError:
            pass  # orjson is stricter (NaN, integers past 64 bits): let json decide
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _error_for(message: str, status: int = 200) -> type[APIResponseError]:
    text = message.lower()
    for needles, error in _BUSINESS_ERRORS:
        if any(needle in text for needle in needles):
            return error
    # HTTP Basic hosts (white-label ``/api_v3/``) refuse bad credentials with a plain 401/403.
    return AuthenticationError if status in (401, 403) else APIResponseError


_BY_STATUS: Mapping[int, type[APIResponseError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


def _refused(
    spec: EndpointSpec, status: int, payload: Any, body: bytes, clean: Redactor
) -> dict[str, Any] | None:
    """A 4xx is a refusal, whatever its body: mapped by status, never "malformed" (which is
    retried, and "outcome unknown" on a side-effecting call). ``None`` when the body is the
    API's own JSON envelope and its message decides."""
    message = payload.get("message") if isinstance(payload, dict) else None
    if message and status not in _BY_STATUS:
        return None
    if message:
        text = clean(str(message))
        if spec.items_key is not None and _NO_RECORD.search(text):
            return {spec.items_key: [], "type": "success", "_empty": True}
        kind = _error_for(text)
        if not issubclass(kind, _BY_STATUS[status]):
            kind = _BY_STATUS[status]
        raise kind(text, endpoint=spec.name, status=status)
    kind = _BY_STATUS.get(status, APIResponseError)
    raise kind(
        f"HTTP {status} from the server: refused, not acted on"
        + (" (check base_url and the endpoint name)" if status == 404 else ""),
        endpoint=spec.name,
        status=status,
        detail=_snippet(body, clean),
    )


def _snippet(body: bytes, redactor: Redactor) -> str:
    # Redact first, then cut: a key echoed across the cut would otherwise survive in part.
    window = _SNIPPET_CHARS * 4 + 4 * redactor.longest
    text = redactor(body[:window].decode("utf-8", errors="replace"))
    if len(body) > window:
        # The window's end may split a key, which no pattern then matches: drop it.
        text = text[: max(0, len(text) - redactor.longest)] + " …"
    text = " ".join(text.split())
    if len(text) > _SNIPPET_CHARS:
        text = text[:_SNIPPET_CHARS] + "…"
    return "body: " + text if text else "empty body"


class Redactor:
    """Removes the credentials from any text: URLs, query strings, form bodies, JSON, messages.

    ``authcode=<value>`` and ``Authorization: Bearer|Basic <value>`` in any form are replaced
    whatever the value, and each literal secret (the authcode, and with HTTP Basic the
    username, password and base64 token) is replaced wherever it appears (URL-encoded too), so
    a secret echoed in an odd place is caught.
    """

    MASK = "***"
    _FIELD = re.compile(
        r"""(?P<key>authcode|authorization|api[_-]?key)"""
        r"""(?P<sep>["']?\s*[:=]\s*["']?(?:(?:bearer|basic)\s+)?)"""
        r"""(?P<value>[^&\s"',;}]+)""",
        re.IGNORECASE,
    )

    def __init__(self, secret: str, *others: str) -> None:
        # Each secret as sent, URL-encoded the ways clients and servers do it (yarl writes
        # query values form-style but keeps "/"; its decoded view keeps "%2B"), and as a form
        # decoder reads an unencoded "+" back (a space).
        forms = {
            form
            for one in (secret, *others)
            for form in (
                one,
                one.replace("+", " "),
                one.replace("+", "%2B"),
                quote_plus(one),
                quote_plus(one, safe="/"),
                *(quote(one, safe=safe) for safe in ("", "/", "/+", "/+:@!$'()*,;=")),
            )
        }
        # Longest first, so a form that contains another is masked whole.
        self._secrets = tuple(
            sorted((s for s in forms if s and len(s) >= 4), key=len, reverse=True)
        )
        self.longest = max(len(self._secrets[0]) if self._secrets else 0, 64)
        """The longest text a key can occupy once redacted or not (at least 64)."""

    def __call__(self, text: str) -> str:
        # The literal key first: the field pattern's value stops at spaces and quotes, so a
        # key containing one would otherwise be masked only in part.
        for secret in self._secrets:
            text = text.replace(secret, self.MASK)
        return self._FIELD.sub(lambda m: f"{m['key']}{m['sep']}{self.MASK}", text)

    def error(self, exc: CallerdeskError) -> CallerdeskError:
        """Scrub an error's text attributes in place and return it."""
        exc.message = self(exc.message)
        exc.args = (exc.message,)
        if exc.url is not None:
            exc.url = self(exc.url)
        if exc.detail is not None:
            exc.detail = self(exc.detail)
        return exc
