"""Issue 17: what ``callerdesk export`` accepts as --out, refuses before anything starts, and
prints (stdout streaming, --json, --help, completion)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import pytest

from callerdesk_async.cli import main

from .conftest import END, START, cli_argv, cli_env, run_cli

SANDBOX = ("--sandbox", "--sandbox-calls", "2000", "--from", START, "--to", END)


def test_unknown_extension_exits_2_naming_it_and_creates_nothing(tmp_path: Path):
    result = run_cli("export", "calls", "--sandbox", "-o", tmp_path / "out.xlsx")
    assert result.returncode == 2
    assert "'.xlsx'" in result.stderr and ".csv, .ndjson, .jsonl, .parquet" in result.stderr
    assert result.stderr.count("\n") == 1  # one line, not the usage block
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["-o", "a.csv", "--format", "ndjson"], "names a csv file but --format is ndjson"),
        (["-o", "a.csv", "--compression", "gzip"], r"needs a \.gz ending"),
        (["-o", "a.parquet.gz"], "compresses its columns itself"),
        (["-o", "a.csv", "--per-page", "1000000"], "per_page must be between 1 and 1000"),
        (["-o", ""], "--out is empty"),
        (["-o", "-", "--resume"], "cannot be resumed"),
    ],
)
def test_bad_outputs_are_refused_before_anything_is_created(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    match: str,
):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "calls", *SANDBOX, *args]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err), err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "calls.csv"
    out.write_text("keep me")
    assert main(["export", "calls", *SANDBOX, "-q", "-o", str(out)]) == 2
    assert "pass --force" in capsys.readouterr().err and out.read_text() == "keep me"
    (tmp_path / "dir.csv").mkdir()
    assert main(["export", "calls", *SANDBOX, "-q", "-o", str(tmp_path / "dir.csv")]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["export", "calls", *SANDBOX, "-q", "--force", "-o", str(out)]) == 0
    assert out.read_text().count("\n") == 2001
    out.write_text("stale")  # --resume re-runs the same export, replacing a finished file
    assert main(["export", "calls", *SANDBOX, "-q", "--resume", "-o", str(out)]) == 0
    assert out.read_text().count("\n") == 2001


def test_no_abbreviations(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        main(["export", "calls", "--form", "2026-10-01"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --form" in err and "--format" not in err.split("(see")[0]
    with pytest.raises(SystemExit):
        main(["export", "calls", *SANDBOX, "--rat", "5"])
    assert "unrecognized arguments: --rat" in capsys.readouterr().err


def test_stdout_gets_the_data_and_stderr_the_summary(tmp_path: Path):
    result = subprocess.run(  # noqa: S603
        cli_argv("export", "calls", *SANDBOX, "-o", "-", "--compression", "gzip", "--json"),
        env=cli_env(None),
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    text = gzip.decompress(result.stdout).decode()
    assert text.startswith("id,sid_id,") and text.count("\n") == 2001
    lines = result.stderr.decode().splitlines()
    assert lines[-2].startswith("callerdesk: wrote 2,000 rows") and "stdout" in lines[-2]
    summary = json.loads(lines[-1])
    assert summary["rows"] == 2000 and summary["path"] == "stdout"
    assert summary["compression"] == "gzip" and summary["bytes"] == len(result.stdout)
    assert list(tmp_path.iterdir()) == []  # no file named "-", no checkpoint


def test_json_summary_to_a_file(tmp_path: Path):
    out, js = tmp_path / "m.ndjson.zst", tmp_path / "summary.json"
    code = main(["export", "members", "--sandbox", "-q", "-o", str(out), "--json", str(js)])
    assert code == 0
    summary = json.loads(js.read_text())
    assert summary["format"] == "ndjson" and summary["compression"] == "zstd"
    assert summary["rows"] == 12 and summary["resumed"] is False


def test_help_shows_defaults_and_exit_codes(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in (
        "rows per request (default 100)",
        "(default 1)",
        "https://app.callerdesk.io/api/",
        "--sandbox-calls N",
        "exit codes:",
        "130 interrupted",
        "--max-retries N",
        "--timeout SECONDS",
    ):
        assert shown in text, shown


def test_shell_completion_is_printed(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        main(["--print-completion", "bash"])
    assert exc.value.code == 0
    script = capsys.readouterr().out
    assert "complete" in script and "--window-days" in script


def test_verbose_logs_the_requests(tmp_path: Path):
    result = run_cli("export", "members", "--sandbox", "-q", "-vv", "-o", tmp_path / "m.csv")
    assert result.returncode == 0, result.stderr
    assert "DEBUG callerdesk_async" in result.stderr and "getmemberlist_V2" in result.stderr


def test_sandbox_module_has_a_version_and_plain_metavars():
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "callerdesk_async.sandbox", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("callerdesk_async ")
    help_text = run_cli("sandbox", "--help").stdout
    assert "--port N" in help_text and not re.search(r"--[\w-]+ SANDBOX_", help_text)
