"""The Taskiq broker and window task (extra ``distributed``)::

    CALLERDESK_REDIS_URL=redis://localhost:6379/0 CALLERDESK_AUTHCODE=... \\
        taskiq worker callerdesk_async.distributed.worker:broker --ack-type when_executed

The broker is taskiq-redis's ``RedisStreamBroker`` (Redis Streams, a consumer group) on
``$CALLERDESK_REDIS_URL``. Each worker process fetches one message at a time
(``xread_count=1``), so every delivered window is being worked on, not waiting in a dead
worker's buffer. Correctness does not rest on the broker: a redelivered or duplicated task is
a no-op (see :func:`~callerdesk_async.distributed.export_window`), and the coordinator sends
again the windows whose worker died.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from taskiq import AsyncBroker
from taskiq_redis import RedisStreamBroker

from ._board import WindowBoard
from ._coordinator import coordinate
from ._merge import MergeSummary
from ._plan import ExportPlan
from ._task import REDIS_URL_ENV, redis_url, run_window_task

__all__ = [
    "QUEUE",
    "TASK_NAME",
    "broker",
    "coordinate_plan",
    "export_window_task",
    "make_broker",
]

QUEUE = "callerdesk:exports"
TASK_NAME = "callerdesk_async.export_window"
_GROUP = "callerdesk-exports"


def make_broker(url: str) -> RedisStreamBroker:
    """The broker on ``url`` (the coordinator makes its own to send from)."""
    return RedisStreamBroker(
        url=url,
        queue_name=QUEUE,
        consumer_group_name=_GROUP,
        # "0": a worker joining late still sees windows sent before its group existed.
        consumer_id="0",
        xread_count=1,
        # Bounds the stream's reclaim lock, which a SIGKILLed holder would otherwise keep for
        # ever in taskiq-redis versions that hold it across calls (taskiq-redis issue 131).
        unacknowledged_lock_timeout=5.0,
    )


broker: AsyncBroker = make_broker(os.environ.get(REDIS_URL_ENV, "redis://localhost:6379/0"))


@broker.task(task_name=TASK_NAME)
async def export_window_task(plan: str, window: int, sending: int = 0) -> dict[str, Any]:
    """Write window ``window`` of the plan at path ``plan``; ``sending`` is the coordinator's
    count of sendings of it (for the logs). Returns the window's outcome."""
    return await run_window_task(plan, window)


async def coordinate_plan(
    plan_path: str | os.PathLike[str],
    *,
    url: str | None = None,
    out: str | os.PathLike[str] | None = None,
    **options: Any,
) -> MergeSummary:
    """Run :func:`~callerdesk_async.distributed.coordinate` for the plan at ``plan_path``,
    sending windows as :func:`export_window_task` on Taskiq (Redis at ``url``, default
    ``$CALLERDESK_REDIS_URL``); ``options`` are ``coordinate``'s (``poll``, ...)."""
    path = Path(os.path.abspath(plan_path))  # noqa: ASYNC240 - one getcwd, no file I/O
    plan = ExportPlan.load(path)
    plan.check_writable()
    url = redis_url(url)
    sender = make_broker(url)
    # Declares the consumer group before the first message, so no worker can miss one.
    await sender.startup()
    board = WindowBoard.from_url(url, plan.plan_id)

    async def enqueue(window: int, sending: int) -> None:
        await export_window_task.kicker().with_broker(sender).kiq(str(path), window, sending)

    try:
        return await coordinate(plan, board, enqueue, out=out, **options)
    finally:
        await board.aclose()
        await sender.shutdown()
