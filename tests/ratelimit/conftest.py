"""A real redis-server per test. A missing redis-server FAILS the test: it never skips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks._redis import RedisServer, RedisServerMissing


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer()
    except RedisServerMissing as exc:
        pytest.fail(str(exc))
    with server:
        yield server
