"""Fixtures for the endpoint tests: a client and an aioresponses mock with a request reader."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from callerdesk_async import CallerdeskClient, RetryPolicy
from tests.conftest import AUTHCODE, sent_form

BASE = "https://app.callerdesk.io/api/"
FAST = RetryPolicy(max_retries=1, initial=0.001, max_delay=0.002)


@pytest.fixture
async def cd() -> AsyncIterator[CallerdeskClient]:
    async with CallerdeskClient(AUTHCODE, retry=FAST) as client:
        yield client


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


def only_request(mocked: aioresponses) -> tuple[str, str, dict[str, str]]:
    """(HTTP method, URL without query, fields) of the single request sent.

    GET fields must be in the query string only and POST fields in the form body only.
    """
    ((key, calls),) = mocked.requests.items()
    assert len(calls) == 1, f"expected one request, got {len(calls)}"
    method, url = key
    kwargs: dict[str, Any] = calls[0].kwargs
    if method == "GET":
        assert not kwargs.get("data"), "a GET must not carry a body"
        fields = dict(kwargs["params"])
    else:
        assert not kwargs.get("params"), "a POST must send its fields in the form body"
        fields = sent_form(kwargs)
    return method, str(url.with_query(None)), fields
