"""Bars 1-3 at suite scale: fault soak, crash safety, no double dial (the soak runs them big)."""

from __future__ import annotations

from pathlib import Path

from . import scenarios


async def test_paginator_yields_exact_snapshot_through_faults_and_live_calls() -> None:
    figures = await scenarios.fault_soak_paginator(20_000)
    assert figures["live_arrived"] > 0


async def test_export_writes_exact_set_through_faults_and_live_calls(tmp_path: Path) -> None:
    figures = await scenarios.fault_soak_export(20_000, tmp_path)
    assert figures["written"] >= 20_000


async def test_500_click_to_calls_through_drops_never_dial_twice() -> None:
    figures = await scenarios.no_double_dial(500)
    assert figures["outcome_unknown_executed"] > 0
    assert figures["outcome_unknown_not_executed"] > 0


async def test_click_to_call_outcome_accounting_with_5xx_malformed_and_429() -> None:
    figures = await scenarios.no_double_dial(
        300,
        seed=22,
        reset_before=0.05,
        reset_after=0.05,
        fault_5xx=0.05,
        fault_malformed=0.05,
        fault_429=0.05,
    )
    assert figures["faults"].get("429", 0) > 0


def test_sigkill_at_random_points_then_resume_is_byte_identical(tmp_path: Path) -> None:
    # Six trials, each killed at a random moment of its sixth of the run; the last one may
    # finish first (its output is still compared), so at least five kills land.
    figures = scenarios.crash_trials(tmp_path, trials=6, calls=8_000)
    assert figures["kills"] >= 5
