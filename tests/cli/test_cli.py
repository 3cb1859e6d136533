"""``callerdesk``: exports, exit codes, authcode handling, progress output, the sandbox."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from callerdesk_async.cli import EXIT_API, EXIT_AUTH, EXIT_INTERRUPTED, EXIT_USAGE, main
from callerdesk_async.cli._progress import ProgressPrinter
from callerdesk_async.export import ExportProgress
from callerdesk_async.sandbox import SandboxProcess

from ..conftest import LocalServer
from .conftest import END, START, cli_argv, cli_env, run_cli, sandbox_config

SECRET = "wrong-SECRET-authcode-5d1e"
SANDBOX = ("--sandbox", "--sandbox-calls", "2000", "--from", START, "--to", END)


def test_export_from_the_built_in_sandbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "calls.csv"
    assert main(["export", "calls", *SANDBOX, "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 2001 and lines[0].startswith("id,sid_id,")
    err = capsys.readouterr().err
    assert "wrote 2,000 rows" in err and "0 retries, 0 429s" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv"]


def test_format_follows_the_extension_and_quiet_is_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "calls.jsonl"
    assert main(["export", "calls", *SANDBOX, "--out", str(out), "--quiet"]) == 0
    first = json.loads(out.read_text().splitlines()[0])
    assert "Flow_type" in first
    assert capsys.readouterr().err == ""
    members = tmp_path / "m.csv"
    assert main(["export", "members", "--sandbox", "-o", str(members), "-q"]) == 0
    assert len(members.read_text().splitlines()) == 13


@pytest.mark.parametrize(
    "argv",
    [
        ["export"],
        ["export", "sms", "--sandbox"],
        ["export", "calls", "--format", "xlsx"],
        ["export", "calls", "--from", "2025-13-01"],
        ["export", "calls", "--per-page", "0"],
        ["export", "calls", "--rate", "-1"],
        ["frobnicate"],
    ],
)
def test_argparse_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == EXIT_USAGE
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "calls", "--sandbox"], "needs --from and --to"),
        (["export", "calls", "--sandbox", "--from", END, "--to", START], "is after"),
        (["export", "app-calls", *SANDBOX, "--member-num", "9876543210"], "does not apply"),
        (["export", "members", *SANDBOX], "members have no dates"),
        (["export", "contacts", "--sandbox", "--from", START], "needs both --from and --to"),
        (["export", "calls", *SANDBOX, "--contact-id", "5008"], "--contact-id does not apply"),
        (["export", "members", "--sandbox", "--status", "HOT"], "--status does not apply"),
        (["export", "calls", *SANDBOX, "--caller-num", "12"], "10-digit"),
        (["export", "calls", *SANDBOX, "--resume", "--no-checkpoint"], "needs a checkpoint"),
        (["export", "calls", *SANDBOX, "--base-url", "http://127.0.0.1:9/api/"], "--sandbox"),
        (
            ["export", "calls", "--from", START, "--to", END, "--base-url", "http://127.0.0.1:9/"],
            "CALLERDESK_AUTHCODE",
        ),
    ],
)
def test_option_errors_exit_2_with_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("CALLERDESK_AUTHCODE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("callerdesk: error: ") and err.count("\n") == 1
    assert message in err
    assert not list(tmp_path.iterdir())


def test_wrong_authcode_exits_3_without_printing_it(
    sandbox_process: SandboxProcess,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("CALLERDESK_AUTHCODE", SECRET)
    out = tmp_path / "calls.csv"
    argv = [
        "export",
        "calls",
        "--from",
        START,
        "--to",
        END,
        "--base-url",
        sandbox_process.base_url,
        "--out",
        str(out),
    ]
    assert main(argv) == EXIT_AUTH
    captured = capsys.readouterr()
    assert "rejected the authcode" in captured.err
    assert SECRET not in captured.err + captured.out
    assert not list(tmp_path.iterdir())

    secret_file = tmp_path / "authcode.txt"
    secret_file.write_text(SECRET + "\n")
    assert main([*argv, "--authcode-file", str(secret_file)]) == EXIT_AUTH
    captured = capsys.readouterr()
    assert SECRET not in captured.err + captured.out


def test_authcode_file_is_used(
    sandbox_process: SandboxProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    monkeypatch.setenv("CALLERDESK_AUTHCODE", SECRET)  # the file wins
    secret_file = tmp_path / "authcode.txt"
    secret_file.write_text(sandbox_process.authcode + "\n")
    out = tmp_path / "calls.ndjson"
    argv = [
        "export",
        "calls",
        "--from",
        START,
        "--to",
        END,
        "--base-url",
        sandbox_process.base_url,
        "--out",
        str(out),
        "--authcode-file",
        str(secret_file),
        "--rate",
        "200",
        "--concurrency",
        "4",
    ]
    assert main(argv) == 0
    assert len(out.read_text().splitlines()) == 2000
    captured = capsys.readouterr()
    assert sandbox_process.authcode not in captured.err + captured.out
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert main([*argv, "--authcode-file", str(empty)]) == EXIT_USAGE
    assert main([*argv, "--authcode-file", str(tmp_path / "nope")]) == EXIT_USAGE


async def test_api_errors_exit_4(local_server: LocalServer, tmp_path: Path):
    async def broken(request: web.Request) -> web.Response:
        return web.Response(text='{"type":"error","message":"Database is down"}')

    local_server.route("POST", "/api/call_list_v2", broken)
    await local_server.start()
    proc = await asyncio.create_subprocess_exec(
        *cli_argv(
            "export",
            "calls",
            "--from",
            START,
            "--to",
            END,
            "--base-url",
            local_server.base_url,
            "--out",
            tmp_path / "x.csv",
        ),
        env=cli_env(SECRET),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == EXIT_API
    text = err.decode()
    assert "Database is down" in text and "Traceback" not in text and SECRET not in text
    assert text.count("\n") == 1


def wait_for_progress(ckpt: Path, proc: subprocess.Popen[str], more_than: int = 0) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the export ended before it could be interrupted"
        try:
            rows = int(json.loads(ckpt.read_text())["rows"])
        except (OSError, ValueError, KeyError):
            rows = 0
        if rows > more_than:
            return rows
        time.sleep(0.01)
    raise AssertionError("no progress in the checkpoint")


def test_ctrl_c_exits_130_keeps_the_checkpoint_and_resumes(tmp_path: Path):
    config = sandbox_config(calls=30_000, latency_ms=3.0)
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
            "--per-page",
            "50",
            "--concurrency",
            "2",
            "--quiet",
            "--checkpoint-interval",
            "0",
        ]
        reference = run_cli(*argv, "--out", tmp_path / "ref.csv", authcode=sandbox.authcode)
        assert reference.returncode == 0, reference.stderr
        out = tmp_path / "calls.csv"
        proc = subprocess.Popen(  # noqa: S603
            cli_argv(*argv, "--out", out),
            env=cli_env(sandbox.authcode),
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_progress(tmp_path / "calls.csv.checkpoint.json", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == EXIT_INTERRUPTED
        assert "--resume" in err and "calls.csv.checkpoint.json" in err
        assert "Traceback" not in err
        assert not out.exists()
        again = run_cli(*argv, "--out", out, authcode=sandbox.authcode)
        assert again.returncode == EXIT_USAGE and "--resume" in again.stderr
        resumed = run_cli(*argv, "--out", out, "--resume", authcode=sandbox.authcode)
        assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv", "ref.csv"]


def test_sandbox_command_prints_its_url():
    proc = subprocess.Popen(  # noqa: S603
        cli_argv("sandbox", "--port", "0", "--calls", "100"),
        env=cli_env(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("CALLERDESK_SANDBOX_URL=http://127.0.0.1:")
        assert line.rstrip().endswith("/api/")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def progress(rows: int, pages: int) -> ExportProgress:
    return ExportProgress(
        rows=rows,
        pages=pages,
        total=1000,
        elapsed=2.0,
        rate=rows / 2.0,
        eta=(1000 - rows) / (rows / 2.0),
        windows_done=1,
        windows=3,
    )


def test_plain_progress_lines_when_not_a_tty():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, "export calls", tty=False, interval=0.0)
    printer(progress(250, 3))
    printer.close()
    assert stream.getvalue() == (
        "export calls: 250/1,000 rows (25.0%), 3 pages, 125 rows/s, elapsed 0:00:02, ETA 0:00:06\n"
    )
    quiet = io.StringIO()
    slow = ProgressPrinter(quiet, "x", tty=False, interval=60.0)
    slow(progress(1, 1))
    assert quiet.getvalue() == ""


def test_a_tqdm_bar_on_a_tty():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, "export calls", tty=True)
    printer(progress(250, 3))
    printer(progress(1000, 10))
    printer.close()
    text = stream.getvalue()
    assert "export calls: 100%" in text and "1.00k/1.00k" in text and "10 pages" in text


def test_version(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("callerdesk ")
    _ = sys


def test_cli_filter_options_are_the_sources_filters():
    from callerdesk_async.cli._export import _FILTER_OPTIONS
    from callerdesk_async.export import SOURCES

    declared = {name for source in SOURCES.values() for name in source.filters}
    assert set(_FILTER_OPTIONS) == declared  # every filter has its option, and no more


BASIC_USER, BASIC_PASSWORD = (
    "a1b2c3-d4e5f6-a7b8c9-d0e1f2-a3b4c5",
    "f6e5d4-c3b2a1-f0e9d8-c7b6a5-f4e3d2",
)


@pytest.fixture(scope="module")
def basic_sandbox() -> Iterator[SandboxProcess]:
    config = sandbox_config(calls=300, basic_user=BASIC_USER, basic_password=BASIC_PASSWORD)
    with SandboxProcess(config) as proc:
        yield proc


def test_export_with_http_basic_credentials_alone(
    basic_sandbox: SandboxProcess,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A white-label /api_v3/ host takes HTTP Basic credentials and no authcode."""
    monkeypatch.delenv("CALLERDESK_AUTHCODE", raising=False)
    monkeypatch.setenv("CALLERDESK_BASIC_USER", BASIC_USER)
    monkeypatch.setenv("CALLERDESK_BASIC_PASSWORD", BASIC_PASSWORD)
    out = tmp_path / "calls.csv"
    argv = ["export", "calls", "--from", START, "--to", END, "--base-url",
            basic_sandbox.base_url, "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 301
    capsys.readouterr()

    monkeypatch.setenv("CALLERDESK_BASIC_PASSWORD", "wrong-" + BASIC_PASSWORD)
    assert main([*argv[:-3], "--out", str(tmp_path / "refused.csv"), "--quiet"]) == EXIT_AUTH
    err = capsys.readouterr().err
    assert "rejected the credentials" in err and BASIC_PASSWORD not in err
    assert not (tmp_path / "refused.csv").exists()

    monkeypatch.delenv("CALLERDESK_BASIC_PASSWORD")
    assert main([*argv[:-3], "--out", str(tmp_path / "half.csv")]) == EXIT_USAGE
    assert "set both $CALLERDESK_BASIC_USER and $CALLERDESK_BASIC_PASSWORD" in (
        capsys.readouterr().err
    )


def test_contact_id_filters_a_contacts_export(tmp_path: Path) -> None:
    every, one = tmp_path / "all.csv", tmp_path / "one.csv"
    assert main(["export", "contacts", "--sandbox", "-o", str(every), "-q"]) == 0
    rows = every.read_text(encoding="utf-8").splitlines()
    picked = rows[5]
    contact_id = picked.split(",")[0]
    assert main(["export", "contacts", "--sandbox", "--contact-id", contact_id, "-o", str(one),
                 "-q"]) == 0  # fmt: skip
    assert one.read_text(encoding="utf-8").splitlines() == [rows[0], picked]
