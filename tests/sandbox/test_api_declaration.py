"""The SDK's endpoint registry and the sandbox's own declaration of the API agree.

The two tables are written independently (``_protocol.py`` for the SDK, ``sandbox/_api.py``
from the reference), so a wrong path, method or response key in either shows here; the request
cases of ``tests/endpoints/cases.py`` (also written from the reference) must only send fields
the sandbox declares. Strict mode then refuses, over TCP, any field the declaration lacks.
"""

from __future__ import annotations

import aiohttp
import pytest

from callerdesk_async._protocol import ENDPOINTS
from callerdesk_async.sandbox import Sandbox
from callerdesk_async.sandbox._api import API, PAGING
from tests.endpoints.cases import CASES, Case

from .conftest import call


def test_both_tables_name_the_same_endpoints() -> None:
    assert sorted(ENDPOINTS) == sorted(API)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_path_method_and_response_keys_agree(name: str) -> None:
    sdk, ref = ENDPOINTS[name], API[name]
    assert (sdk.path, sdk.method) == (ref.path, ref.method), f"{name} (reference {ref.section})"
    assert (sdk.items_key, sdk.total_key) == (ref.items_key, ref.total_key), name
    assert sdk.paginated is ref.paginated, name


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_request_case_sends_only_declared_fields(case: Case) -> None:
    spec = API[case.endpoint]
    sent = set(case.fields)
    assert sent <= spec.fields, f"{case.endpoint}: undeclared {sorted(sent - spec.fields)}"
    assert spec.required <= sent, f"{case.endpoint}: missing {sorted(spec.required - sent)}"


def test_every_declaration_names_its_reference_section() -> None:
    for spec in API.values():
        major = spec.section.split(".")[0]
        assert major in {"3", "4", "5", "6", "7"}, spec
        assert spec.paginated is (spec.optional >= PAGING)


async def test_strict_mode_refuses_a_field_the_reference_does_not_list(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    refused = await call(http, sandbox, "updategroup_v2", group_id=201, sticky_mode=2)
    assert refused["type"] == "error"
    assert "sticky_mode" in refused["message"] and "6.4" in refused["message"]
    sandbox.configure(strict_params=False)
    ignored = await call(http, sandbox, "updategroup_v2", group_id=201, sticky_mode=2)
    assert ignored["type"] == "success"


async def test_a_wrong_method_is_not_served(http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
    async with http.get(
        sandbox.base_url + "getgrouplist_v2", params={"authcode": sandbox.authcode}
    ) as resp:
        assert resp.status == 405
    async with http.post(
        sandbox.base_url + "getgrouplist_V2", data={"authcode": sandbox.authcode}
    ) as resp:
        assert resp.status == 404
