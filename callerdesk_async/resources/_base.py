"""What every resource namespace shares: calling an endpoint and building paginators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._convert import structurer_for
from .._pagination import AsyncPaginator, PageState
from .._protocol import ENDPOINTS, ParamValue, encode_value
from .._validation import check_per_page
from ..errors import APIResponseError

if TYPE_CHECKING:
    from .._client import CallerdeskClient

__all__ = ["Resource"]

T = TypeVar("T")


class Resource:
    """Base of the resource namespaces (``cd.calls``, ``cd.members``, ...)."""

    def __init__(self, client: CallerdeskClient) -> None:
        self._client = client

    async def _call(self, endpoint: str, params: Mapping[str, ParamValue]) -> dict[str, Any]:
        return await self._client._call(endpoint, params)

    async def _call_model(
        self, endpoint: str, params: Mapping[str, ParamValue], model: type[T]
    ) -> T:
        payload = await self._call(endpoint, params)
        return self._structure(endpoint, payload, model)

    @staticmethod
    def _structure(endpoint: str, data: Any, model: type[T]) -> T:
        try:
            return structurer_for(model)(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise APIResponseError(
                f"could not read the response: {type(exc).__name__}: {exc}", endpoint=endpoint
            ) from None

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
    ) -> AsyncPaginator[T]:
        spec = ENDPOINTS[endpoint]
        assert spec.items_key is not None, endpoint
        encoded = {k: encode_value(v) for k, v in params.items() if v is not None}
        check_per_page(per_page)
        if resume is not None:
            if not isinstance(resume, PageState):
                raise ValueError("resume must be a PageState (use PageState.from_dict)")
            if encoded and encoded != dict(resume.params):
                raise ValueError(
                    "resume state was made with different filters: pass the same filters "
                    f"or none (state has {dict(resume.params)!r})"
                )
        pipeline = self._client._core.pipeline
        options = self._client._options

        async def fetch(page_params: Mapping[str, str]) -> dict[str, Any]:
            return await pipeline.request(spec, page_params, options)

        return AsyncPaginator(
            endpoint=endpoint,
            fetch=fetch,
            parse=structurer_for(model),
            params=encoded,
            per_page=per_page,
            items_key=spec.items_key,
            total_key=spec.total_key,
            key_fields=key_fields,
            prefetch=self._client._prefetch,
            max_pages=max_pages,
            resume=resume,
        )
