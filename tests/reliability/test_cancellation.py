"""Bar 4: 1,000 cancellations at random points leave no task, slot or connection behind."""

from __future__ import annotations

from . import scenarios


async def test_a_thousand_random_cancellations_leave_nothing_behind() -> None:
    figures = await scenarios.cancellation_storm(1_000)
    assert figures["cancellations"] >= 1_000
    assert all(figures["by_kind"].get(kind, 0) > 0 for kind in scenarios.CANCEL_KINDS)
