"""Task runner: ``nox -s tests lint typecheck bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, real-socket and sandbox integration tests)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


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
