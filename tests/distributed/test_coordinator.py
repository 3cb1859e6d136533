"""The coordinator with an in-process "engine": dead workers, failures, lost deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.distributed import (
    DistributedExportError,
    ExportPlan,
    PlanError,
    coordinate,
    export_window,
)
from tests.clock import VirtualClock

from .conftest import make_plan, single_process


class Engine:
    """Runs each sent window at once, in this process, unless a test scripts otherwise."""

    def __init__(self, client: CallerdeskClient, plan: ExportPlan, board: Any) -> None:
        self.client, self.plan, self.board = client, plan, board
        self.sent: list[tuple[int, int]] = []
        self.script: dict[tuple[int, int], Any] = {}

    async def enqueue(self, window: int, sending: int) -> None:
        self.sent.append((window, sending))
        action = self.script.get((window, sending))
        if action is None:
            await export_window(self.client, self.plan, window, board=self.board)
        else:
            await action()


async def test_a_window_whose_worker_died_is_sent_again(
    client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    plan = make_plan(tmp_path)
    lease_clock = VirtualClock(1_000_000.0)
    board = board_for(plan, clock=lease_clock)
    engine = Engine(client, plan, board)

    async def die_holding_the_lease() -> None:
        await board.acquire(2, plan.lease_seconds, owner="dead:1")
        lease_clock.advance(plan.lease_seconds + 1)  # nobody renews it: it runs out

    engine.script[(2, 1)] = die_holding_the_lease
    events: list[tuple[str, int, int]] = []
    summary = await coordinate(
        plan, board, engine.enqueue, poll=0.001, on_event=lambda *e: events.append(e)
    )
    assert ("requeued", 2, 2) in events
    assert sorted(engine.sent) == sorted([*((i, 1) for i in range(10)), (2, 2)])
    assert summary.path.read_bytes() == await single_process(client, plan, tmp_path / "one.csv")


@pytest.fixture
def engine(client: CallerdeskClient, board_for: Any, tmp_path: Path) -> Engine:
    plan = make_plan(tmp_path)
    return Engine(client, plan, board_for(plan))


async def test_a_window_failing_on_every_sending_stops_the_export(engine: Engine) -> None:
    plan, board = engine.plan, engine.board

    async def fail() -> None:
        lease = await board.acquire(1, plan.lease_seconds)
        await board.release(lease, error="AuthenticationError: Invalid authcode")

    for sending in (1, 2, 3):
        engine.script[(1, sending)] = fail
    with pytest.raises(DistributedExportError, match=r"window 1 was sent 3 times.*Invalid auth"):
        await coordinate(plan, board, engine.enqueue, poll=0.001, max_sendings=3)
    assert [s for w, s in engine.sent if w == 1] == [1, 2, 3]
    assert not plan.output.exists()


async def test_a_lost_delivery_is_sent_again_once_nothing_is_in_progress(engine: Engine) -> None:
    plan, board = engine.plan, engine.board

    async def lost() -> None:
        pass  # the message went down with a worker before it took the lease

    engine.script[(4, 1)] = lost
    events: list[tuple[str, int, int]] = []
    await coordinate(
        plan,
        board,
        engine.enqueue,
        poll=0.001,
        stuck_after=5.0,
        clock=VirtualClock(0.0, step=1.0),
        on_event=lambda *e: events.append(e),
    )
    assert ("resent", 4, 2) in events
    assert plan.missing() == []


async def test_the_coordinator_refuses_an_unwritable_plan_before_sending(
    board_for: Any, tmp_path: Path
) -> None:
    plan = attrs.evolve(make_plan(tmp_path), shards=Path("/proc/self"))
    sent: list[int] = []

    async def enqueue(window: int, sending: int) -> None:
        sent.append(window)

    with pytest.raises(PlanError, match="cannot write"):
        await coordinate(plan, board_for(plan), enqueue)
    assert sent == []


async def test_windows_no_worker_ever_starts_stop_the_export(
    client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    plan = make_plan(tmp_path)
    board = board_for(plan)
    sent: list[tuple[int, int]] = []

    async def refused(window: int, sending: int) -> None:
        sent.append((window, sending))  # e.g. every worker runs another SDK version

    with pytest.raises(DistributedExportError, match="sent 3 times and never started"):
        await coordinate(
            plan,
            board,
            refused,
            poll=0.001,
            max_sendings=3,
            stuck_after=5.0,
            clock=VirtualClock(0.0, step=1.0),
        )
    assert sorted(s for w, s in sent if w == 0) == [1, 2, 3]
