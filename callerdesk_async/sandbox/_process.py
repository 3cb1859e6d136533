"""Run a sandbox in its own process (benchmarks must not share a CPU with it)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from types import TracebackType

from ._cli import URL_LINE_PREFIX, config_to_argv
from ._config import SandboxConfig

__all__ = ["SandboxProcess"]


class SandboxProcess:
    """``python -m callerdesk_async.sandbox`` as a child process.

    Usable as ``with SandboxProcess(config) as proc:`` or ``async with``; ``proc.base_url`` and
    ``proc.pid`` are set once the server is listening. Stopped with SIGTERM on exit.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        startup_timeout: float = 30.0,
        python: str | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.startup_timeout = startup_timeout
        self.python = python or sys.executable
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int:
        """The child's process id."""
        if self._proc is None:
            raise RuntimeError("the sandbox process is not running")
        return self._proc.pid

    @property
    def url(self) -> str:
        """The server root (``base_url`` without the API prefix)."""
        return self.base_url[: -len(self.config.prefix)] + "/"

    @property
    def authcode(self) -> str:
        """The API key the child accepts."""
        return self.config.authcode

    def start(self) -> SandboxProcess:
        """Start the child and block until it prints its URL."""
        if self._proc is not None:
            raise RuntimeError("the sandbox process is already running")
        argv = [self.python, "-m", "callerdesk_async.sandbox", *config_to_argv(self.config)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env
        )
        self._proc = proc
        found: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith(URL_LINE_PREFIX):
                    found.append(line[len(URL_LINE_PREFIX) :].strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not found:
            self.stop()
            raise RuntimeError("the sandbox process did not report its URL in time")
        self.base_url = found[0]
        return self

    def stop(self) -> None:
        """SIGTERM the child, wait for it (SIGKILL after 10 s), close the pipe."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxProcess:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
