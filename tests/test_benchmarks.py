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
