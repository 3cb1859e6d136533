"""Shared helpers: machine description, timing, medians, result files, sandbox inspection."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
PACKAGES = (
    "callerdesk-async",
    "aiohttp",
    "attrs",
    "cattrs",
    "httpx",
    "requests",
    "psutil",
    "orjson",
    "pyinstrument",
)


@attrs.frozen
class Measurement:
    """One run of one variant: client CPU (this process) and wall-clock time."""

    rows: int
    cpu_s: float
    wall_s: float
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def cpu_us_per_row(self) -> float:
        return self.cpu_s / max(self.rows, 1) * 1e6

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s > 0 else 0.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import psutil

    dirty = _git("status", "--porcelain", "--", "callerdesk_async")
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "sdk_tree_modified": bool(dirty),
        "utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def command() -> str:
    """The command line that produced this run."""
    return " ".join(["python -m benchmarks", *sys.argv[1:]])


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def summarize(runs: Sequence[Measurement]) -> dict[str, Any]:
    """Medians (and the raw values) of a variant's runs."""
    return {
        "rows": runs[0].rows if runs else 0,
        "runs": len(runs),
        "cpu_us_per_row_median": round(median([r.cpu_us_per_row for r in runs]), 3),
        "wall_s_median": round(median([r.wall_s for r in runs]), 4),
        "rows_per_s_median": round(median([r.rows_per_s for r in runs]), 1),
        "cpu_us_per_row": [round(r.cpu_us_per_row, 3) for r in runs],
        "wall_s": [round(r.wall_s, 4) for r in runs],
        **({"extra": [r.extra for r in runs]} if any(r.extra for r in runs) else {}),
    }


async def timed(body: Callable[[], Awaitable[int]]) -> Measurement:
    """Run ``body`` (returns rows) measuring this process's CPU and the wall clock."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows = await body()
    return Measurement(rows, time.process_time() - cpu0, time.perf_counter() - wall0)


def timed_sync(body: Callable[[], int]) -> Measurement:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows = body()
    return Measurement(rows, time.process_time() - cpu0, time.perf_counter() - wall0)


def run_async(body: Callable[[], Awaitable[int]]) -> Measurement:
    """A fresh event loop per run, as a script would have."""
    return asyncio.run(timed(body))


def pin(sandbox_pid: int) -> str:
    """Pin the sandbox to the last CPU and this process (and its children) to the others.

    On a 2-core machine, letting the scheduler move both processes around made wall-clock
    results bimodal; pinning keeps client and server from ever sharing a core.
    """
    import psutil

    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        return "not pinned (fewer than 2 CPUs available)"
    psutil.Process(sandbox_pid).cpu_affinity([cpus[-1]])
    os.sched_setaffinity(0, set(cpus[:-1]))
    return f"client on CPU {cpus[:-1]}, sandbox on CPU {cpus[-1]}"


def sandbox_get(root_url: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(root_url + path, timeout=10) as resp:
        return json.loads(resp.read())  # type: ignore[no-any-return]


def sandbox_post(root_url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(
        root_url + path, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """``benchmarks/results/<name>.json`` with the machine description and command."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"target": name, "command": command(), "machine": machine(), **payload}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
