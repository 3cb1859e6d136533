"""The body of a window task, for any engine: configuration from the environment only.

A task message carries the plan's path and a window index, never a credential. The worker
reads ``CALLERDESK_AUTHCODE`` (and ``CALLERDESK_BASE_URL``) like any client, and
``CALLERDESK_REDIS_URL`` for the shared quota and the window board.
"""

from __future__ import annotations

import os
from typing import Any

from .._client import CallerdeskClient
from ._board import WindowBoard
from ._plan import ExportPlan
from ._window import export_window

__all__ = ["REDIS_URL_ENV", "redis_url", "run_window_task"]

REDIS_URL_ENV = "CALLERDESK_REDIS_URL"


def redis_url(url: str | None = None) -> str:
    """``url``, else ``$CALLERDESK_REDIS_URL``; ``ValueError`` when neither is set."""
    url = url or os.environ.get(REDIS_URL_ENV)
    if not url:
        raise ValueError(f"set ${REDIS_URL_ENV} (e.g. redis://localhost:6379/0) or pass a URL")
    return url


async def run_window_task(
    plan_path: str | os.PathLike[str], window: int, *, url: str | None = None
) -> dict[str, Any]:
    """Load the plan and :func:`~callerdesk_async.distributed.export_window` one window with a
    client whose rate goes through a :class:`~callerdesk_async.redis.RedisRateBackend`: one
    quota per authcode (a hash of it names the quota), shared by every worker.

    Returns the :class:`~callerdesk_async.distributed.WindowOutcome` as a dict.
    """
    from ..redis import RedisRateBackend

    plan = ExportPlan.load(plan_path)
    plan.check_index(window)
    plan.check_writable()
    url = redis_url(url)
    backend = RedisRateBackend.from_url(url)
    board = WindowBoard.from_url(url, plan.plan_id)
    try:
        async with CallerdeskClient(
            rate_limit=plan.rate_limit,
            max_concurrency=plan.max_concurrency,
            rate_backend=backend,
        ) as cd:
            outcome = await export_window(cd, plan, window, board=board)
    finally:
        await board.aclose()
        await backend.aclose()
    return outcome.to_dict()
