"""The Celery recipe of docs/distributed.md, run as written by a real Celery worker on Redis."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks._redis import RedisServer
from callerdesk_async import CallerdeskClient
from callerdesk_async.sandbox import Sandbox
from tests.docs.examples import ROOT, extract

from .conftest import START, make_plan, single_process

pytestmark = pytest.mark.slow


def recipe() -> str:
    doc = ROOT / "docs" / "distributed.md"
    [block] = [e for e in extract(doc.read_text(), "docs/distributed.md") if "Celery(" in e.code]
    assert block.norun is None
    return block.code


async def test_the_celery_recipe_exports_windows_as_celery_tasks(
    sandbox: Sandbox,
    client: CallerdeskClient,
    redis_server: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = tmp_path / "celery_recipe.py"
    module.write_text(recipe())
    broker = f"redis+socket://{redis_server.socket}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CALLERDESK_REDIS_URL": redis_server.url,
        "CALLERDESK_AUTHCODE": sandbox.authcode,
        "CALLERDESK_BASE_URL": sandbox.base_url,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
    }
    plan = make_plan(tmp_path, start=START, end=START + timedelta(days=2))
    plan_path = plan.save(plan.shards / "plan.json")
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    spec = importlib.util.spec_from_file_location("celery_recipe", module)
    assert spec is not None and spec.loader is not None
    recipe_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe_module)
    with open(tmp_path / "celery.log", "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_recipe", "worker", "--pool", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        summary = await recipe_module.coordinate_with_celery(str(plan_path), redis_server.url)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(30)
    expected = await single_process(client, plan, tmp_path / "single.csv")
    print(f"\ncelery: {len(plan.windows)} windows, {summary.rows} rows; merged == single: "
          f"{summary.path.read_bytes() == expected}")  # fmt: skip
    assert summary.path.read_bytes() == expected
    assert summary.rows == expected.count(b"\n") - 1 > 0
