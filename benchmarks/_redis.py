"""A throw-away ``redis-server`` on a unix socket in a temporary directory, stopped by PID.

Used by the Redis tests and the multi-process benchmark. It never touches a system Redis:
no TCP port (``--port 0``), no persistence, its own directory.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["RedisServer", "RedisServerMissing"]


class RedisServerMissing(RuntimeError):
    """``redis-server`` is not installed (``apt-get install -y redis-server``)."""


class RedisServer:
    """Start with :meth:`start` (or ``with``); :meth:`kill` and :meth:`start` again to restart.

    The socket path stays the same across restarts, so clients reconnect to the same URL.
    """

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerMissing(
                "redis-server is not on PATH; install it (apt-get install -y redis-server)"
            )
        self._binary = binary
        # Short path: unix socket paths are limited to about 100 bytes.
        self.directory = Path(tempfile.mkdtemp(prefix="cdredis-", dir="/tmp"))
        self.socket = self.directory / "redis.sock"
        self.url = f"unix://{self.socket}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's PID while it runs."""
        return None if self._process is None else self._process.pid

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers PING."""
        self.socket.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            [self._binary, "--port", "0", "--unixsocket", str(self.socket),
             "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server did not answer within {timeout} s")
            time.sleep(0.01)

    def _answers(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            try:
                s.connect(str(self.socket))
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def kill(self) -> None:
        """SIGKILL the server (by PID) and wait for it to exit."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
