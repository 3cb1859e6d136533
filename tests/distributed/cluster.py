"""Real ``taskiq worker`` processes, the strict sandbox in its own process, bounded waits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import psutil

from callerdesk_async.distributed.worker import QUEUE

HANG = 180.0
"""Seconds a bounded wait allows: far beyond any healthy run, so it only fails on a hang."""

_GROUP = "callerdesk-exports"


class TaskiqWorkers:
    """``count`` × ``taskiq worker callerdesk_async.distributed.worker:broker`` (one child
    process each, two windows at a time), stopped by PID (their children too)."""

    def __init__(self, count: int, env: dict[str, str], logs: Path) -> None:
        self.count = count
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.logs = logs
        self.managers: list[subprocess.Popen[bytes]] = []

    def start(self) -> TaskiqWorkers:
        self.logs.mkdir(parents=True, exist_ok=True)
        for n in range(self.count):
            with open(self.logs / f"worker-{n}.log", "wb") as log:
                self.managers.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "taskiq",
                            "worker",
                            "callerdesk_async.distributed.worker:broker",
                            "--ack-type",
                            "when_executed",
                            "--workers",
                            "1",
                            "--max-async-tasks",
                            "2",
                            "--shutdown-timeout",
                            "2",
                        ],
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                    )
                )
        return self

    def manager_of(self, pid: int) -> subprocess.Popen[bytes]:
        """The manager process whose child is ``pid``."""
        parent = psutil.Process(pid).ppid()
        return next(m for m in self.managers if m.pid == parent)

    def stop(self) -> None:
        """SIGTERM every manager, SIGKILL whatever is left a few seconds later (taskiq 0.13's
        worker child can linger for long after its manager's SIGINT; nothing needs a clean
        exit here: the test's outputs are on disk)."""
        processes = []
        for manager in self.managers:
            try:
                processes.append(psutil.Process(manager.pid))
                processes += psutil.Process(manager.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
            if manager.poll() is None:
                manager.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(processes, timeout=3)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=30)
        for manager in self.managers:
            manager.wait(30)

    def log_tail(self, lines: int = 40) -> str:
        """The end of every worker's log (for a failure's message)."""
        out = []
        for path in sorted(self.logs.glob("worker-*.log")):
            out.append(f"--- {path.name}")
            out += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)


@contextlib.contextmanager
def taskiq_workers(count: int, env: dict[str, str], logs: Path) -> Iterator[TaskiqWorkers]:
    """:class:`TaskiqWorkers` started for the block, stopped after it."""
    workers = TaskiqWorkers(count, env, logs).start()
    try:
        yield workers
    finally:
        workers.stop()


def sandbox_stats(root: str) -> dict[str, Any]:
    """The sandbox process's ``_sandbox/stats``."""
    with urllib.request.urlopen(root + "_sandbox/stats", timeout=30) as resp:  # noqa: S310
        data: dict[str, Any] = json.loads(resp.read())
    return data


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float = HANG
) -> None:
    """Poll ``check`` until it is true; ``AssertionError`` naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


async def queue_drained(redis: Any) -> bool:
    """Every message sent so far was delivered and acknowledged (executed)."""
    groups = await redis.xinfo_groups(QUEUE)
    group = next(g for g in groups if g["name"] in (_GROUP, _GROUP.encode()))
    last = (await redis.xinfo_stream(QUEUE))["last-generated-id"]
    return bool(group["pending"] == 0 and group["last-delivered-id"] == last)
