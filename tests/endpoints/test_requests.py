"""Bar 1: every wrapped endpoint sends exactly the documented request and decodes its answer."""

from __future__ import annotations

import json
import re

import pytest
from aioresponses import aioresponses

from callerdesk_async import CallerdeskClient

from .cases import CASES, Case
from .conftest import BASE, only_request


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_and_decoding(case: Case, cd: CallerdeskClient, mocked: aioresponses) -> None:
    url = re.compile(re.escape(BASE + case.path) + r"(\?.*)?$")
    # Callerdesk labels JSON as text/html; the SDK must not care.
    mocked.add(url, method=case.http, body=json.dumps(case.response), content_type="text/html")

    result = await case.invoke(cd)

    method, sent_url, fields = only_request(mocked)
    assert (method, sent_url) == (case.http, BASE + case.path)
    assert fields == case.fields
    assert result == case.expected
