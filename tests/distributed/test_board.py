"""The window board's leases and sending counters, on a real redis-server, with a virtual clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callerdesk_async.distributed import Lease
from tests.clock import VirtualClock

from .conftest import make_plan


async def test_a_lease_is_exclusive_until_it_expires(tmp_path: Path, board_for: Any) -> None:
    clock = VirtualClock(1_000_000.0)
    board = board_for(make_plan(tmp_path), clock=clock)
    first = await board.acquire(3, 10.0, owner="a:1")
    assert isinstance(first, Lease)
    assert await board.acquire(3, 10.0, owner="b:2") == "a:1"
    assert isinstance(await board.acquire(4, 10.0, owner="b:2"), Lease)  # windows are apart
    clock.advance(9.9)
    assert await board.acquire(3, 10.0, owner="b:2") == "a:1"
    status = await board.status(3)
    assert status.leased and status.owner == "a:1" and abs(status.seconds_left - 0.1) < 1e-6
    clock.advance(0.2)
    assert not (await board.status(3)).leased
    second = await board.acquire(3, 10.0, owner="b:2")
    assert isinstance(second, Lease) and second.token != first.token
    # The expired holder can neither renew nor release the new holder's lease.
    assert not await board.renew(first, 10.0)
    assert not await board.release(first)
    assert (await board.status(3)).owner == "b:2"


async def test_renewing_keeps_the_lease_and_release_frees_it(
    tmp_path: Path, board_for: Any
) -> None:
    clock = VirtualClock(1_000_000.0)
    board = board_for(make_plan(tmp_path), clock=clock)
    lease = await board.acquire(0, 10.0, owner="a:1")
    for _ in range(5):
        clock.advance(8.0)
        assert await board.renew(lease, 10.0)
    assert (await board.status(0)).leased
    clock.advance(10.0)
    assert not await board.renew(lease, 10.0)  # expired: renewing cannot revive it
    lease = await board.acquire(0, 10.0, owner="a:1")
    assert await board.release(lease, error="ValueError: boom")
    status = await board.status(0)
    assert not status.leased and status.error == "ValueError: boom"


async def test_sendings_follow_starts(tmp_path: Path, board_for: Any) -> None:
    clock = VirtualClock(1_000_000.0)
    board = board_for(make_plan(tmp_path), clock=clock)
    status = await board.status(5)
    assert (status.queued, status.started, status.stopped) == (0, 0, True)
    assert await board.enqueue(5) == 1
    assert await board.enqueue(5) == 0  # sent, not started yet: not again
    assert not (await board.status(5)).stopped
    lease = await board.acquire(5, 10.0)
    assert await board.enqueue(5) == 0  # leased
    status = await board.status(5)
    assert (status.queued, status.started, status.stopped) == (1, 1, False)
    clock.advance(11.0)  # its worker died: the lease ran out
    assert (await board.status(5)).stopped
    assert await board.enqueue(5) == 2
    assert await board.enqueue(5, force=True) == 3  # forced: a lost delivery
    assert not await board.renew(lease, 10.0)
