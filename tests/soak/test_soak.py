"""Bars 1-4 at full scale (``nox -s soak``); the figures go to docs/reliability.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.reliability import scenarios

Record = Callable[[dict[str, Any]], None]


async def test_fault_soak_export_200k(tmp_path: Path, record: Record) -> None:
    record(await scenarios.fault_soak_export(200_000, tmp_path))


async def test_fault_soak_paginator_200k(record: Record) -> None:
    record(await scenarios.fault_soak_paginator(200_000))


async def test_no_double_dial_500_drops(record: Record) -> None:
    record(await scenarios.no_double_dial(500, seed=101))


async def test_no_double_dial_5000_every_fault(record: Record) -> None:
    record(
        await scenarios.no_double_dial(
            5_000,
            seed=102,
            reset_before=0.1,
            reset_after=0.1,
            fault_5xx=0.05,
            fault_malformed=0.05,
            fault_429=0.02,
            concurrency=16,
        )
    )


def test_sigkill_20_trials_with_faults(tmp_path: Path, record: Record) -> None:
    figures = scenarios.crash_trials(
        tmp_path,
        trials=20,
        calls=60_000,
        kills_per_trial=2,
        seed=103,
        faults={
            "fault_5xx": 0.03,
            "fault_reset_before": 0.01,
            "fault_reset_after": 0.01,
            "fault_429": 0.01,
            "retry_after_seconds": 0.05,
        },
    )
    assert figures["kills"] >= 20
    record(figures)


async def test_cancellation_10k(record: Record) -> None:
    record(await scenarios.cancellation_storm(10_000, seed=104))
