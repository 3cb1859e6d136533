"""Helpers for the CLI tests: a sandbox in its own process and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from callerdesk_async.sandbox import SandboxConfig, SandboxProcess

START, END = "2025-01-01", "2025-01-10"


def sandbox_config(**knobs: Any) -> SandboxConfig:
    return SandboxConfig(
        **{"calls": 2000, "start_date": date(2025, 1, 1), "end_date": date(2025, 1, 10), **knobs}
    )


@pytest.fixture(scope="module")
def sandbox_process() -> Iterator[SandboxProcess]:
    with SandboxProcess(sandbox_config()) as proc:
        yield proc


def cli_env(authcode: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLERDESK_")}
    if authcode is not None:
        env["CALLERDESK_AUTHCODE"] = authcode
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli_argv(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "callerdesk_async.cli", *map(str, args)]


def run_cli(*args: str | Path, authcode: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``callerdesk`` in a child process and wait for it."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        cli_argv(*args), env=cli_env(authcode), capture_output=True, text=True, timeout=60
    )
