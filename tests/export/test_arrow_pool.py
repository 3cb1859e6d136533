"""Which allocator Arrow gets when a Parquet export is the first to load pyarrow."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW = "print(pa.default_memory_pool().backend_name, os.environ.get('ARROW_DEFAULT_MEMORY_POOL'))"
SDK_FIRST = f"import os\nfrom callerdesk_async.export._parquet import pa\n{SHOW}"


def _run(code: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**environ, **env},
    )  # fmt: skip
    return result.stdout.split()


def test_first_load_by_the_sdk_picks_the_system_allocator_and_leaves_no_variable():
    assert _run(SDK_FIRST) == ["system", "None"]


def test_a_pool_the_user_chose_is_kept():
    assert _run(SDK_FIRST, ARROW_DEFAULT_MEMORY_POOL="jemalloc") == ["jemalloc", "jemalloc"]


def test_pyarrow_loaded_before_the_sdk_keeps_its_allocator():
    default = _run(f"import os\nimport pyarrow as pa\n{SHOW}")[0]
    if default == "system":
        pytest.fail("this pyarrow build has no other allocator to keep; the test proves nothing")
    assert _run(f"import os\nimport pyarrow\n{SDK_FIRST}") == [default, "None"]
