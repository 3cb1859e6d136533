"""Task runner: ``nox -s tests lint typecheck bench``.

Interpreters are found on PATH (``python3.13`` for ``tests-3.13``); with pyenv, make them
visible for the run, e.g. ``PYENV_VERSION=3.11.7:3.13.0 nox -s tests-3.13``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox itself depends on tomli there
    import tomli as tomllib

nox.options.sessions = ["tests", "tests_aiohttp_latest", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, real-socket and sandbox integration tests)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


def _test_extra_without_aiohttp() -> list[str]:
    """The ``test`` extra's requirements minus its aiohttp pin."""
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    extra: list[str] = project["optional-dependencies"]["test"]
    return [req for req in extra if re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0] != "aiohttp"]


@nox.session(python=PYTHONS[-1])
def tests_aiohttp_latest(session: nox.Session) -> None:
    """Every test that does not use aioresponses, against the newest aiohttp (what users get:
    the runtime dependency is open, only the test extra pins aiohttp below 3.14)."""
    session.install("-e", ".", *_test_extra_without_aiohttp(), "--upgrade", "aiohttp>=3.14")
    session.run("python", "-c", "import aiohttp; print('aiohttp', aiohttp.__version__)")
    session.run("pytest", "-m", "not aioresponses", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".[test]", "mypy==2.4.1")
    session.run("mypy", "--strict", "callerdesk_async")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark harness (results in benchmarks/results/, summary in docs/performance.md)."""
    session.install("-e", ".[test,cli,parquet]", "httpx", "requests")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """Long reliability runs, not in CI: 200k-call fault soak, SIGKILL/resume trials, 5,000
    click-to-calls through drops, 10,000 cancellations (figures in docs/reliability.md)."""
    session.install("-e", ".[test,cli]")
    results = session.env.get("CALLERDESK_SOAK_RESULTS") or str(
        session.create_tmp() + "/soak-results.jsonl"
    )
    session.run(
        "pytest",
        "tests/soak",
        "-s",
        "-p",
        "no:cacheprovider",
        "-o",
        "timeout=3600",
        *session.posargs,
        env={"CALLERDESK_SOAK": "1", "CALLERDESK_SOAK_RESULTS": results},
    )
    session.log(f"figures: {results}")
