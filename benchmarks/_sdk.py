"""The SDK side of each comparison: typed iteration, raw iteration, exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callerdesk_async import CallerdeskClient, RateLimit


async def typed_iteration(
    base_url: str,
    authcode: str,
    *,
    per_page: int = 100,
    max_concurrency: int = 8,
    rate_limit: RateLimit | None = None,
    stats: dict[str, Any] | None = None,
    prefetch: int | None = None,
) -> int:
    """``async for call in cd.calls.list(...)``: every row a typed ``CallRecord``."""
    rows = 0
    async with CallerdeskClient(
        authcode,
        base_url=base_url,
        max_concurrency=max_concurrency,
        rate_limit=rate_limit,
        prefetch=prefetch,
    ) as cd:
        async for _call in cd.calls.list(per_page=per_page):
            rows += 1
        if stats is not None:
            s = cd.stats
            stats.update(throttled=s.throttled, retries=s.retries, admitted=s.admitted)
    return rows


async def raw_iteration(base_url: str, authcode: str, *, per_page: int = 100) -> int:
    """``cd.calls.list(...).raw()``: the API's row dicts, unconverted."""
    rows = 0
    async with CallerdeskClient(authcode, base_url=base_url) as cd:
        async for _row in cd.calls.list(per_page=per_page).raw():
            rows += 1
    return rows


def export_available() -> bool:
    try:
        from callerdesk_async.export import export_calls  # noqa: F401
    except ImportError:
        return False
    return True


async def export(
    base_url: str, authcode: str, path: Path, *, fmt: str, start: str, end: str
) -> int:
    """``export_calls(cd, path, start=..., end=..., format=fmt)`` with its defaults."""
    from callerdesk_async.export import export_calls

    async with CallerdeskClient(authcode, base_url=base_url) as cd:
        summary = await export_calls(cd, path, start=start, end=end, format=fmt)  # type: ignore[arg-type]
    return int(summary.rows)
