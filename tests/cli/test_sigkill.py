"""SIGKILL an export three times at random points; the resumed file is byte-identical
(plain, gzip-compressed and zstd-compressed: one member/frame per page)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from callerdesk_async.sandbox import SandboxProcess

from .conftest import END, START, cli_argv, cli_env, run_cli, sandbox_config


def checkpoint_rows(path: Path) -> int:
    try:
        return int(json.loads(path.read_text())["rows"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize(
    ("fmt", "suffix", "seed"),
    [("csv", "", 20251), ("ndjson", "", 77), ("csv", ".gz", 5), ("ndjson", ".zst", 9)],
)
def test_sigkill_three_times_then_resume_is_byte_identical(
    tmp_path: Path, fmt: str, suffix: str, seed: int
):
    rng = random.Random(seed)
    config = sandbox_config(calls=30_000, latency_ms=2.0, latency_jitter_ms=2.0)
    with SandboxProcess(config) as sandbox:
        argv = [
            "export",
            "calls",
            "--from",
            START,
            "--to",
            END,
            "--base-url",
            sandbox.base_url,
            "--format",
            fmt,
            "--per-page",
            "40",
            "--window-days",
            "3",
            "--concurrency",
            "3",
            "--checkpoint-interval",
            "0",
            "--quiet",
        ]
        ref = tmp_path / f"ref.{fmt}{suffix}"
        reference = run_cli(*argv, "--out", ref, authcode=sandbox.authcode)
        assert reference.returncode == 0, reference.stderr

        out = tmp_path / f"calls.{fmt}{suffix}"
        ckpt = tmp_path / f"{out.name}.checkpoint.json"
        seen = 0
        for _ in range(3):
            proc = subprocess.Popen(  # noqa: S603
                cli_argv(*argv, "--out", out, "--resume"),
                env=cli_env(sandbox.authcode),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 30
            while checkpoint_rows(ckpt) <= seen:  # this run made durable progress
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.25))
            assert proc.poll() is None, "finished before the kill; make the export slower"
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            assert not out.exists()
            rows = checkpoint_rows(ckpt)
            assert rows > seen
            seen = rows
        assert seen < 30_000
        final = run_cli(*argv, "--out", out, "--resume", authcode=sandbox.authcode)
        assert final.returncode == 0, final.stderr
    assert out.read_bytes() == ref.read_bytes()
    if suffix:
        assert out.read_bytes()[:4] == (b"\x1f\x8b\x08\x00" if suffix == ".gz" else ZSTD_MAGIC)
    assert not ckpt.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name, ref.name]


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
