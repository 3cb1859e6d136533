"""``python -m callerdesk_async.sandbox``: run a sandbox until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import sys

from .._version import __version__
from ._cli import URL_LINE_PREFIX, add_sandbox_arguments, config_from_args, serve


def _announce(base_url: str) -> None:
    sys.stdout.write(f"{URL_LINE_PREFIX}{base_url}\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    """Parse the knobs, serve, print the URL line once listening."""
    parser = argparse.ArgumentParser(
        prog="python -m callerdesk_async.sandbox",
        description="A local server that behaves like the Callerdesk API.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"callerdesk_async {__version__}")
    add_sandbox_arguments(parser)
    config = config_from_args(parser.parse_args(argv))
    asyncio.run(serve(config, ready=_announce))


if __name__ == "__main__":
    main()
