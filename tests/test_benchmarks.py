"""The benchmark harness stays runnable: its modules import, and the floors agree with the SDK.

The benchmarks themselves run outside the test suite (``nox -s bench``); these checks catch a
harness broken by a change to the SDK's internals (it imports some) before a benchmark run does.
"""

from __future__ import annotations

import importlib
import json
import pkgutil

import attrs
import pytest

import benchmarks
from benchmarks._baselines import HandCall
from benchmarks._shapes import SHAPES, reshape
from callerdesk_async._convert import structurer_for
from callerdesk_async.models import CallRecord
from callerdesk_async.sandbox import SandboxConfig
from callerdesk_async.sandbox._core import SandboxCore


@pytest.mark.parametrize(
    "module", sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__, "benchmarks."))
)
def test_benchmark_modules_import(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize("shape", SHAPES)
def test_hand_typed_floor_converts_rows_as_the_sdk_does(shape: str) -> None:
    # The hand-typed floor is only a fair baseline if it does the same conversion, on every
    # row shape target 1 measures.
    core = SandboxCore(SandboxConfig(calls=2_000))
    rows = [json.loads(text) for text in core.calls.dataset._render(range(0, 2_000), None)]
    rows = reshape(rows, shape)
    structure = structurer_for(CallRecord)
    assert shape == "full" or any(len(row) != 28 or set(map(type, row.values())) != {str}
                                  for row in rows)  # fmt: skip
    for row in rows:
        call, hand = structure(row), HandCall(row)
        assert hand.extra == call.extra
        for field in attrs.fields(CallRecord):
            if field.name == "extra":
                continue
            key = field.metadata.get("callerdesk_api_key", field.name)
            assert getattr(hand, key) == getattr(call, field.name), (key, row.get(key))


def test_single_429_gives_exactly_one_429_among_a_runs_draws() -> None:
    """Target 5's "one 429" case: one draw below the probability among the run's requests plus
    its retry, and not the last draw (only the retry takes that one)."""
    import random

    from benchmarks._targets import _single_429

    for requests in (100, 500):
        seed, probability, at = _single_429(requests)
        rng = random.Random(f"callerdesk-sandbox-faults-{seed}")
        draws = [rng.random() for _ in range(requests + 1)]
        assert [i for i, d in enumerate(draws) if d < probability] == [at]
        assert at < requests


def test_shared_quota_rate_counts_whole_bursts() -> None:
    """Bursts of 50 every 1.03 s: the measured rate is 50 / 1.03 wherever the bursts fall."""
    from benchmarks.shared_quota import _summarize

    stats = {"requests_total": 0, "rate_limited": 0}
    for phase in (0.0, 0.3, 0.9):
        events = [(phase + k * 1.03 + i * 0.001, "ok") for k in range(15) for i in range(50)]
        summary = _summarize([{"offset": 0.0, "events": events}], stats, stats, offset=False)
        assert summary["aggregate_rate"] == pytest.approx(50 / 1.03, rel=0.002)


async def test_profile_memory_transport_serves_the_sdk_path() -> None:
    """The profile target's fake transport keeps up with the transport's signature."""
    from benchmarks._profile import PER_PAGE, fetch_bodies, memory_iteration
    from callerdesk_async.sandbox import Sandbox

    rows = 2 * PER_PAGE + 7
    async with Sandbox(SandboxConfig(calls=rows)) as sb:
        bodies = await fetch_bodies(sb.base_url, sb.authcode, 3)
    assert await memory_iteration(bodies, raw=False) == rows
    assert await memory_iteration(bodies, raw=True) == rows
