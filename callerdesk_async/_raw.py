"""``cd.with_raw_response``: a typed call's model plus how its request went."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._observe import RequestRecord, recording

__all__ = ["RawResult", "RawView"]

T = TypeVar("T")


@attrs.frozen(slots=True)
class RawResult(Generic[T]):
    """What ``cd.with_raw_response.<resource>.<method>(...)`` returns.

    Attributes:
        parsed: the method's usual result (the typed model).
        status: the HTTP status of the final response.
        headers: its headers (read-only).
        elapsed: seconds from the first attempt to the final body, retry waits included.
        attempts: how many times the request was sent.
        request_id: the ``X-Callerdesk-Request-Id`` it was sent with.
        endpoint: the API endpoint name.
    """

    parsed: T
    status: int
    headers: Mapping[str, str]
    elapsed: float
    attempts: int
    request_id: str
    endpoint: str


class RawView:
    """Mirrors a client or resource; its async methods return :class:`RawResult`, its list
    methods their paginator (each :class:`Page` carries its own ``raw``)."""

    def __init__(self, target: object) -> None:
        self._target = target

    def __repr__(self) -> str:
        return f"RawView({self._target!r})"

    def __getattr__(self, name: str) -> Any:
        from .resources import Resource  # the resources import the client's modules

        value = getattr(self._target, name)
        if isinstance(value, Resource):
            return RawView(value)
        # The API methods are a resource's public methods and the client's ``request``; the
        # client's lifecycle and configuration (aclose, with_options, ...) are not.
        if name.startswith("_") or not (isinstance(self._target, Resource) or name == "request"):
            raise AttributeError(f"with_raw_response.{name} is not an API method")
        if inspect.iscoroutinefunction(value):
            return _raw(value)
        if callable(value):
            return _paginator(name, value)
        raise AttributeError(f"with_raw_response.{name} is not an API method")


def _paginator(name: str, method: Any) -> Any:
    """A list method: its paginator as is, since each :class:`Page` carries its own ``raw``."""
    from ._pagination import AsyncPaginator

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> AsyncPaginator[Any]:
        result = method(*args, **kwargs)
        if not isinstance(result, AsyncPaginator):
            raise TypeError(f"with_raw_response.{name}() is not an API method")
        return result

    return call


def _raw(method: Any) -> Any:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> RawResult[Any]:
        records: list[RequestRecord] = []
        token = recording.set(records)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            recording.reset(token)
        last = records[-1]
        return RawResult(
            parsed=parsed,
            status=last.status,
            headers=last.headers,
            elapsed=last.elapsed,
            attempts=last.attempts,
            request_id=last.request_id,
            endpoint=last.endpoint,
        )

    return call
