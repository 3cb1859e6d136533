"""The coordinator: sends every missing window, re-sends the stopped ones, merges at the end.

It does not depend on any task engine: ``enqueue(window, sending)`` is whatever sends a
window's task (Taskiq's ``kiq``, Celery's ``delay``). Correctness never depends on the
broker's own redelivery: a window whose worker died is noticed on the board (its lease ran
out after its last sending was started) and sent again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from os import PathLike

from ._board import WindowBoard
from ._errors import DistributedExportError
from ._markers import marker_problem
from ._merge import MergeSummary, merge_shards
from ._plan import ExportPlan

__all__ = ["Enqueue", "EventCallback", "coordinate"]

logger = logging.getLogger("callerdesk_async.distributed")

Enqueue = Callable[[int, int], Awaitable[None]]
"""Sends window ``window``'s task; the second argument is the sending's number (1, 2, ...)."""
EventCallback = Callable[[str, int, int], None]
"""Called with ``(event, window, sending)``: ``queued``, ``requeued``, ``resent``, ``done``."""


async def coordinate(
    plan: ExportPlan,
    board: WindowBoard,
    enqueue: Enqueue,
    *,
    out: str | PathLike[str] | None = None,
    poll: float = 1.0,
    max_sendings: int = 5,
    stuck_after: float | None = None,
    on_event: EventCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> MergeSummary:
    """Drive ``plan`` to completion, then :func:`merge_shards` it into ``out``.

    Every ``poll`` seconds each missing window is looked at on ``board``: never sent, or sent
    and started and then stopped without a marker (its lease ran out or was released after a
    failure) → sent again. A window sent but never started (its delivery was lost with a
    worker that died before taking the lease) is sent again once no window at all has been
    leased for ``stuck_after`` seconds (default: twice the plan's lease).

    Raises:
        PlanError: the shards directory cannot be written (before anything is sent).
        DistributedExportError: a window was sent ``max_sendings`` times without finishing
            (the message names its last error), or never started.
    """
    plan.check_writable()
    if stuck_after is None:
        stuck_after = 2 * plan.lease_seconds
    emit = on_event or (lambda event, window, sending: None)
    done: set[int] = set()
    quiet_since: float | None = None
    while True:
        todo = []
        for i in range(len(plan.windows)):
            if i in done:
                continue
            if marker_problem(plan, i) is None:
                done.add(i)
                emit("done", i, 0)
            else:
                todo.append(i)
        if not todo:
            break
        leased = False
        waiting = []
        for i in todo:
            status = await board.status(i)
            if status.leased:
                leased = True
            elif status.stopped:
                if status.queued >= max_sendings:
                    raise DistributedExportError(
                        f"window {i} was sent {status.queued} times without finishing; last "
                        f"error: {status.error or 'its worker stopped (killed?)'}"
                    )
                sending = await board.enqueue(i)
                if sending:
                    await enqueue(i, sending)
                    emit("queued" if sending == 1 else "requeued", i, sending)
            else:
                waiting.append(i)
        now = clock()
        if waiting and not leased:
            quiet_since = now if quiet_since is None else quiet_since
            if now - quiet_since >= stuck_after:
                logger.warning(
                    "no window has been in progress for %.0f s while %d wait; sending them "
                    "again (are workers running?)",
                    now - quiet_since,
                    len(waiting),
                )
                for i in waiting:
                    status = await board.status(i)
                    if status.queued >= max_sendings:
                        raise DistributedExportError(
                            f"window {i} was sent {status.queued} times and never started: "
                            "are workers running, on the plan's SDK version, and can they "
                            "read the plan?"
                        )
                    sending = await board.enqueue(i, force=True)
                    if sending:
                        await enqueue(i, sending)
                        emit("resent", i, sending)
                quiet_since = now
        else:
            quiet_since = None
        await asyncio.sleep(poll)
    return merge_shards(plan, out)
