"""What every resource namespace shares: calling an endpoint and building paginators."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import attrs

from .._convert import reading, structurer_for
from .._observe import last_request_id, tagged_with_request_id
from .._pagination import AsyncPaginator, PageState
from .._pipeline import REQUEST_ID_HEADER, RequestOptions
from .._protocol import ENDPOINTS, ParamValue, encode_value
from .._transport import Timeout
from .._validation import check_per_page
from ..errors import APIResponseError

if TYPE_CHECKING:
    from .._pipeline import Pipeline
    from .._structurer import Decoding

__all__ = ["CallOptions", "Resource", "ResourceContext", "checked_call", "with_extra_params"]

T = TypeVar("T")


class CallOptions(TypedDict, total=False):
    """The per-call keywords every typed method takes (``cd.calls.live(timeout=5)``).

    Attributes:
        extra_params: raw API fields sent beside the typed ones, for a field the SDK does not
            know yet; one the method already sends, or ``authcode``, raises ``ValueError``
            before anything is sent.
        extra_headers: HTTP headers added to this call's requests; ``Authorization``, the
            request id, ``Content-Type``, ``Content-Length``, ``Host`` and ``User-Agent`` are
            the SDK's and cannot be set this way.
        timeout: seconds per attempt (or a ``Timeout``) for this call only.
    """

    extra_params: Mapping[str, ParamValue]
    extra_headers: Mapping[str, str]
    timeout: float | Timeout


_OWN_HEADERS = frozenset(
    h.lower()
    for h in ("Authorization", REQUEST_ID_HEADER, "Content-Type", "Content-Length", "Host",
              "User-Agent", "Proxy-Authorization")
)  # fmt: skip
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _checked_headers(headers: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(headers, Mapping):
        raise ValueError(
            f"extra_headers must be a mapping of header names to str values, got "
            f"{type(headers).__name__}"
        )
    checked = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"extra_headers has an invalid header name {name!r}")
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"extra_headers must not set {name!r}; the client sends it")
        if not isinstance(value, str) or any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"extra_headers[{name!r}] must be a one-line str")
        checked.append((name, value))
    return tuple(checked)


def request_options(base: RequestOptions, call: CallOptions) -> RequestOptions:
    """``base`` with a call's ``timeout`` and ``extra_headers`` applied (both checked)."""
    if not call:
        return base
    unknown = sorted(set(call) - set(CallOptions.__annotations__))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {unknown}; per-call options are "
            f"{sorted(CallOptions.__annotations__)}"
        )
    options = base
    if "timeout" in call:
        timeout = call["timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float, Timeout)):
            raise ValueError(f"timeout must be seconds or a Timeout, got {timeout!r}")
        options = attrs.evolve(options, timeout=Timeout.of(timeout))
    if "extra_headers" in call:
        options = attrs.evolve(
            options, headers=(*options.headers, *_checked_headers(call["extra_headers"]))
        )
    return options


def with_extra_params(
    params: Mapping[str, ParamValue], extra_params: Mapping[str, ParamValue] | None
) -> dict[str, ParamValue]:
    """``params`` plus raw API fields a caller passes through (``extra_params=``).

    A field the typed parameters already send (not ``None``) and ``authcode`` are refused, so a
    raw field never silently replaces a checked one.
    """
    merged = dict(params)
    if extra_params is None:
        return merged
    if not isinstance(extra_params, Mapping):
        raise ValueError(f"extra_params must be a mapping of API field names to values, got "
                         f"{type(extra_params).__name__}")  # fmt: skip
    for key, value in extra_params.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"extra_params keys must be API field names, got {key!r}")
        if key.lower() == "authcode":
            raise ValueError("extra_params must not carry authcode; the client sends it")
        if merged.get(key) is not None:
            raise ValueError(
                f"extra_params sets {key!r}, which a typed parameter already sends; pass it once"
            )
        if value is not None and not isinstance(value, (str, int, float, date)):
            raise ValueError(
                f"extra_params[{key!r}] must be a str, number, bool or date, got "
                f"{type(value).__name__}"
            )
        merged[key] = value
    return merged


def checked_call(
    base: RequestOptions, params: Mapping[str, ParamValue], call: CallOptions
) -> tuple[RequestOptions, dict[str, ParamValue]]:
    """A call's options and params with its per-call options applied, all checked before
    anything is sent (typed methods and ``cd.request`` alike)."""
    return request_options(base, call), with_extra_params(params, call.get("extra_params"))


@attrs.frozen
class ResourceContext:
    """All a resource needs from its client (or client view): the one request pipeline, the
    view's request options, its decoding settings and the paginators' prefetch window.

    Resources see only this, never the client's internals, so the client can change how it
    keeps them without touching a resource.
    """

    pipeline: Pipeline
    options: RequestOptions
    decoding: Decoding
    prefetch: int


class Resource:
    """Base of the resource namespaces (``cd.calls``, ``cd.members``, ...)."""

    def __init__(self, context: ResourceContext) -> None:
        self._context = context

    async def _call(
        self, endpoint: str, params: Mapping[str, ParamValue], call: CallOptions
    ) -> dict[str, Any]:
        options, merged = checked_call(self._context.options, params, call)
        return await self._context.pipeline.request(ENDPOINTS[endpoint], merged, options)

    async def _call_model(
        self, endpoint: str, params: Mapping[str, ParamValue], model: type[T], call: CallOptions
    ) -> T:
        payload = await self._call(endpoint, params, call)
        # ``type`` is the envelope's verdict ("success" by now), not data worth an ``extra`` slot.
        payload.pop("type", None)
        with tagged_with_request_id():
            return self._structure(endpoint, payload, model)

    async def _call_items(
        self, endpoint: str, params: Mapping[str, ParamValue], model: type[T], call: CallOptions
    ) -> list[T]:
        """The rows under the endpoint's ``items_key`` (a missing key or "no record" is [])."""
        items_key = ENDPOINTS[endpoint].items_key
        assert items_key is not None, endpoint
        payload = await self._call(endpoint, params, call)
        with tagged_with_request_id():
            rows = payload.get(items_key) or []
            if not isinstance(rows, list):
                raise APIResponseError(f"expected a list under {items_key!r}", endpoint=endpoint)
            structure_one = structurer_for(model, self._context.decoding.at(endpoint))
            with reading(endpoint):
                return [structure_one(row) for row in rows]

    def _structure(self, endpoint: str, data: Any, model: type[T]) -> T:
        with reading(endpoint):
            return structurer_for(model, self._context.decoding.at(endpoint))(data)

    def _paginate(
        self,
        endpoint: str,
        model: type[T],
        params: Mapping[str, ParamValue],
        *,
        per_page: int,
        resume: PageState | None,
        max_pages: int | None,
        key_fields: tuple[str, ...],
        call: CallOptions,
    ) -> AsyncPaginator[T]:
        """A paginator over ``endpoint``, reading rows under the registry's ``items_key``.

        A success page that lacks that key raises ``APIResponseError`` naming the list keys the
        page does have, instead of silently reading as empty (a wrong key would otherwise look
        like an empty account).
        """
        spec = ENDPOINTS[endpoint]
        assert spec.items_key is not None, endpoint
        rows_key = spec.items_key
        options = request_options(self._context.options, call)
        merged = with_extra_params(
            {**params, "current_page": 0, "per_page": 0}, call.get("extra_params")
        )
        encoded = {
            k: encode_value(v)
            for k, v in merged.items()
            if v is not None and k not in ("current_page", "per_page")
        }
        check_per_page(per_page)
        if resume is not None:
            if not isinstance(resume, PageState):
                raise ValueError("resume must be a PageState (use PageState.from_dict)")
            if encoded and encoded != dict(resume.params):
                raise ValueError(
                    "resume state was made with different filters: pass the same filters "
                    f"or none (state has {dict(resume.params)!r})"
                )
        pipeline = self._context.pipeline

        async def fetch(page_params: Mapping[str, str]) -> dict[str, Any]:
            payload = await pipeline.request(spec, page_params, options)
            if payload.get("_empty"):
                return {rows_key: [], "_empty": True}
            if rows_key not in payload:
                lists = sorted(k for k, v in payload.items() if isinstance(v, list))
                error = APIResponseError(
                    f"the response has no {rows_key!r} list (list keys: {lists})",
                    endpoint=endpoint,
                )
                error.request_id = last_request_id.get()
                raise error
            return payload

        return AsyncPaginator(
            endpoint=endpoint,
            fetch=fetch,
            parse=structurer_for(model, self._context.decoding.at(endpoint)),
            params=encoded,
            per_page=per_page,
            items_key=rows_key,
            total_key=spec.total_key,
            key_fields=key_fields,
            prefetch=self._context.prefetch,
            max_pages=max_pages,
            resume=resume,
        )
