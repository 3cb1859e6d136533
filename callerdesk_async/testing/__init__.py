"""Helpers for testing code that uses callerdesk_async, offline.

The pytest plugin (loaded automatically through the ``pytest11`` entry point when this package
is installed) provides the fixtures ``callerdesk_sandbox`` and ``callerdesk_client``; the
factories below build realistic API rows and webhook payloads. See ``docs/testing.md``.
"""

from __future__ import annotations

from typing import Any

# The sandbox (and aiohttp.web) is imported by each factory when called, not here: the pytest
# plugin lives in this package and must stay light to import.

__all__ = ["make_call_report_event", "make_call_rows", "make_live_call_event"]


def make_call_rows(count: int = 10, *, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` call-report rows exactly as ``call_list_v2`` returns them (newest first)."""
    from ..sandbox import sample_call_rows

    return sample_call_rows(seed, count)


def make_call_report_event(
    row: dict[str, Any] | None = None, *, seed: int = 1, **overrides: str
) -> dict[str, str]:
    """A ``call_report`` webhook payload (as the platform posts it), for ``row`` or a sample."""
    from ..sandbox import call_report_payload, sample_call_rows

    payload = call_report_payload(row if row is not None else sample_call_rows(seed, 1)[0])
    payload.update(overrides)
    return payload


def make_live_call_event(
    row: dict[str, Any] | None = None, *, seed: int = 1, **overrides: str
) -> dict[str, str]:
    """A ``live_call`` webhook payload, for ``row`` or a sample."""
    from ..sandbox import live_call_payload, sample_call_rows

    payload = live_call_payload(row if row is not None else sample_call_rows(seed, 1)[0])
    payload.update(overrides)
    return payload
