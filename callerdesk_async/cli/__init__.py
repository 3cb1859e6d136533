"""The ``callerdesk`` command: ``callerdesk export ...`` and ``callerdesk sandbox ...``.

Exit codes:

=====  ===============================================================================
0      success
1      a local failure (the output or checkpoint could not be written, ...)
2      bad arguments or options; a checkpoint that does not match (or exists without
       ``--resume``); a missing optional dependency (pyarrow for Parquet)
3      bad credentials: the API rejected the authcode (or HTTP Basic credentials)
4      an API or network error (after the client's retries)
130    interrupted (Ctrl-C or SIGTERM); the checkpoint is kept, rerun with ``--resume``
       (a Parquet export starts over)
=====  ===============================================================================

Shell completion (the ``cli`` extra installs shtab): ``callerdesk --print-completion bash``.

Errors are printed as one line on stderr, never with a traceback and never with the authcode.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine, Sequence
from typing import Any, NoReturn

from .._signals import on_stop_signals
from .._version import __version__
from ..errors import AuthenticationError, CallerdeskError
from ..export import CheckpointError, MissingDependencyError
from ._export import (
    UsageError,
    add_export_parser,
    checkpoint_path,
    output_format,
    run_export_command,
)
from ._sandbox import add_sandbox_parser, run_sandbox_command

__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_INTERRUPTED",
    "EXIT_LOCAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

EXIT_OK = 0
EXIT_LOCAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_API = 4
EXIT_INTERRUPTED = 130


EXIT_CODES = """exit codes:
  0    success
  1    a local failure (the output or checkpoint could not be written)
  2    bad arguments; a checkpoint that does not match; a missing optional dependency
  3    the API rejected the authcode (or the HTTP Basic credentials)
  4    an API or network error (after retries)
  130  interrupted; progress is kept in the checkpoint: rerun with --resume"""


class _Parser(argparse.ArgumentParser):
    """An argument error is one line on stderr (and exit code 2), not the usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # --form must not pass for --format
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EXIT_CODES)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` and a pointer to ``--help``; exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``callerdesk`` argument parser."""
    parser = _Parser(
        prog="callerdesk",
        description="Command-line tools of callerdesk_async (the Callerdesk API SDK).",
    )
    parser.add_argument("--version", action="version", version=f"callerdesk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_export_parser(sub)
    add_sandbox_parser(sub)
    try:
        import shtab
    except ImportError:  # the cli extra is not installed: no completion scripts
        pass
    else:
        shtab.add_argument_to(parser, ["--print-completion"])
    return parser


def _error(message: str) -> None:
    sys.stderr.write(f"callerdesk: error: {message}\n")
    sys.stderr.flush()


async def _interruptible(coro: Coroutine[Any, Any, int]) -> int:
    """Run ``coro``, turning SIGINT/SIGTERM into a cancellation (so checkpoints are saved)."""
    task = asyncio.ensure_future(coro)
    with on_stop_signals(task.cancel):
        return await task


def _run_export(ns: argparse.Namespace) -> int:
    try:
        return asyncio.run(_interruptible(run_export_command(ns)))
    except (asyncio.CancelledError, KeyboardInterrupt):
        ckpt = None if ns.no_checkpoint else checkpoint_path(ns)
        if ckpt is not None and ckpt.exists() and output_format(ns) == "parquet":
            _error(
                "interrupted; a Parquet file cannot be continued: the same command with "
                f"--resume (or after deleting {ckpt}) starts it over"
            )
        elif ckpt is not None and ckpt.exists():
            _error(
                f"interrupted; progress is saved in {ckpt}: run the same command with "
                "--resume to continue"
            )
        else:
            _error("interrupted")
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, CheckpointError, MissingDependencyError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except AuthenticationError as exc:
        # HTTP 401/403 is how /api_v3/ hosts refuse HTTP Basic credentials; the authcode is
        # refused inside a 200 answer.
        refused = "credentials" if exc.status in (401, 403) else "authcode"
        _error(f"the API rejected the {refused}: {exc.message}")
        return EXIT_AUTH
    except CallerdeskError as exc:
        _error(str(exc))
        return EXIT_API
    except OSError as exc:
        _error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        return EXIT_LOCAL


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``callerdesk`` console script; returns the exit code."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command == "export":
        return _run_export(ns)
    return run_sandbox_command(ns)
