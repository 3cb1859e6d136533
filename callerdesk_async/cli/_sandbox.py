"""``callerdesk sandbox``: run the built-in sandbox server until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

__all__ = ["add_sandbox_parser", "run_sandbox_command"]


def add_sandbox_parser(subparsers: Any) -> None:
    """Register ``sandbox`` with every knob of :class:`~callerdesk_async.sandbox.SandboxConfig`."""
    from ..sandbox import add_sandbox_arguments

    p: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox",
        help="run a local server that behaves like the Callerdesk API",
        description="A local server that behaves like the Callerdesk API (see docs/sandbox.md). "
        "Prints CALLERDESK_SANDBOX_URL=<base_url> once listening; stops on Ctrl-C.",
        epilog=None,
    )
    add_sandbox_arguments(p)


def run_sandbox_command(ns: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit code."""
    from ..sandbox import URL_LINE_PREFIX, config_from_args, serve

    try:
        config = config_from_args(ns)
    except (TypeError, ValueError) as exc:
        sys.stderr.write(f"callerdesk: error: {exc}\n")
        return 2

    def ready(base_url: str) -> None:
        sys.stdout.write(f"{URL_LINE_PREFIX}{base_url}\n")
        sys.stdout.flush()
        sys.stderr.write(f"callerdesk: sandbox listening; authcode: {config.authcode}\n")
        sys.stderr.flush()

    try:
        asyncio.run(serve(config, ready=ready))
    except KeyboardInterrupt:  # pragma: no cover - serve handles SIGINT itself
        pass
    except OSError as exc:
        sys.stderr.write(f"callerdesk: error: cannot serve: {exc.strerror or exc}\n")
        return 1
    return 0
