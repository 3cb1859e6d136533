"""What the sandbox commands print, as docs/sandbox.md says."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from callerdesk_async.sandbox import URL_LINE_PREFIX


@pytest.mark.parametrize(
    ("module", "stderr_lines"),
    [
        (["callerdesk_async.sandbox"], []),
        (
            ["callerdesk_async.cli", "sandbox"],
            ["callerdesk: sandbox listening; authcode: sandbox-authcode"],
        ),
    ],
    ids=["python -m callerdesk_async.sandbox", "callerdesk sandbox"],
)
def test_sandbox_commands_print_the_documented_lines(
    module: list[str], stderr_lines: list[str]
) -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", *module, "--port", "0", "--calls", "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed (and flushed) once it is listening
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
    assert first.startswith(URL_LINE_PREFIX + "http://127.0.0.1:")
    assert first.endswith("/api/\n")
    assert rest == ""  # exactly one line on stdout
    assert err.splitlines() == stderr_lines
    assert proc.returncode in (0, -signal.SIGTERM)
