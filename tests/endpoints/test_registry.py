"""Bar 2: the registry, the methods and docs/api.md agree, and no write is retry-safe."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import attrs
import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async._protocol import ENDPOINTS

from .cases import CASES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"

# Endpoints that only read. Everything else rings a phone or changes data.
READ_ENDPOINTS = frozenset(
    {
        "live_call_v2",
        "call_list_v2",
        "app_call_list_v2",
        "getroutingdetail_V2",
        "get-count-v2",
        "dashboard_v2",
        "getmemberlist_V2",
        "getgrouplist_v2",
        "getgroupbyid_v2",
        "getgroupschedule",
        "contact_list_v2",
        "getblocknumber",
        "profile_billing_v2",
        "getdeskphone_v2",
        "getprompt",
        "get_notification_setting_v2",
        "get-whatsapp-template",
    }
)

# Which method wraps each endpoint.
METHODS = {
    "click_to_call_v2": "calls.click_to_call",
    "click_to_call_v3": "calls.reverse_click_to_call",
    "click_to_call_v4": "calls.click_to_call_by_member_id",
    "singleleg-clicktocall": "calls.single_leg_call",
    "live_call_v2": "calls.live",
    "call_list_v2": "calls.list",
    "app_call_list_v2": "app_calls.list",
    "getroutingdetail_V2": "calls.routing_detail",
    "get-count-v2": "calls.summary",
    "dashboard_v2": "calls.dashboard",
    "getmemberlist_V2": "members.list",
    "addmember_v2": "members.add",
    "updatemember_v2": "members.update",
    "deletemember_v2": "members.delete",
    "changeagentstatus": "members.set_login_status",
    "update-working-status-v3": "members.set_working_status",
    "getgrouplist_v2": "call_groups.list",
    "getgroupbyid_v2": "call_groups.get",
    "createcallgroup": "call_groups.create",
    "updategroup_v2": "call_groups.update",
    "deletegroup": "call_groups.delete",
    "delete_user_call_group": "call_groups.remove_member",
    "getgroupschedule": "call_groups.schedule",
    "contact_list_v2": "contacts.list",
    "savecontact_v2": "contacts.add",
    "editContact_v2": "contacts.edit",
    "deleteContact": "contacts.delete",
    "block_number": "blocklist.block",
    "unblock_number": "blocklist.unblock",
    "getblocknumber": "blocklist.list",
    "profile_billing_v2": "account.profile",
    "update-profile": "account.update_profile",
    "getdeskphone_v2": "account.deskphones",
    "getprompt": "account.prompts",
    "addivrflow": "account.add_ivr_flow",
    "get_notification_setting_v2": "account.notification_settings",
    "add-whatsapp-template": "account.add_whatsapp_template",
    "update-whatsapp-template": "account.update_whatsapp_template",
    "get-whatsapp-template": "account.whatsapp_templates",
}


@attrs.frozen
class DocRow:
    method: str
    path: str
    http: str
    retry_safe: bool
    result: str
    confidence: str


def doc_rows() -> list[DocRow]:
    """The rows of the first table in docs/api.md (the one headed ``| Method |``)."""
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Method |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.replace("`", "").strip() for c in line.strip().strip("|").split("|")]
        method, path, http, retry, result, conf = cells
        assert retry in ("yes", "no"), line
        rows.append(DocRow(method, path, http, retry == "yes", result, conf))
    return rows


def resolve(client: CallerdeskClient, dotted: str) -> object:
    namespace, name = dotted.split(".")
    return getattr(getattr(client, namespace), name)


def test_read_list_names_only_registered_endpoints() -> None:
    assert set(READ_ENDPOINTS) <= set(ENDPOINTS)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_only_reads_are_retry_safe(name: str) -> None:
    assert ENDPOINTS[name].idempotent is (name in READ_ENDPOINTS), (
        f"{name}: idempotent={ENDPOINTS[name].idempotent} but it is "
        f"{'a read' if name in READ_ENDPOINTS else 'side-effecting'}"
    )


def test_every_endpoint_has_a_method() -> None:
    assert set(METHODS) == set(ENDPOINTS)


async def test_methods_exist_and_have_keyword_only_documented_parameters() -> None:
    async with CallerdeskClient("x" * 8) as cd:
        for name, dotted in METHODS.items():
            method = resolve(cd, dotted)
            assert callable(method), dotted
            doc = inspect.getdoc(method) or ""
            spec = ENDPOINTS[name]
            assert spec.path.rstrip("/") in doc, f"{dotted} docstring does not name {spec.path}"
            *params, options = inspect.signature(method).parameters.values()
            # The per-call keywords (extra_params, extra_headers, timeout), one way everywhere;
            # documented once, on CallOptions.
            assert options.kind is options.VAR_KEYWORD, dotted
            assert options.annotation == "Unpack[CallOptions]", dotted
            for param in params:
                if dotted != "calls.routing_detail":  # routing_detail(sid_id), by design
                    assert param.kind is param.KEYWORD_ONLY, f"{dotted}({param.name})"
                assert param.name in doc, f"{dotted} docstring does not document {param.name}"


def test_every_endpoint_has_a_request_case() -> None:
    assert {c.endpoint for c in CASES} == set(ENDPOINTS)


def test_docs_table_matches_the_registry() -> None:
    rows = doc_rows()
    by_path = {spec.path: spec for spec in ENDPOINTS.values()}
    documented = {row.path for row in rows}
    missing = sorted(spec.path for spec in ENDPOINTS.values() if spec.path not in documented)
    assert not missing, f"endpoints without a row in docs/api.md: {missing}"
    for row in rows:
        spec = by_path.get(row.path)
        assert spec is not None, f"docs row for unregistered path {row.path}"
        assert row.http == spec.method, row
        assert row.retry_safe is spec.idempotent, row
        assert row.confidence == spec.confidence, row
        assert row.method == "cd." + METHODS[spec.name], row


async def test_docs_result_column_names_the_returned_model() -> None:
    async with CallerdeskClient("x" * 8) as cd:
        for row in doc_rows():
            method = resolve(cd, row.method.removeprefix("cd."))
            returns = str(inspect.signature(method).return_annotation)
            model = re.sub(r"^(paginator of |list\[)|\]$", "", row.result)
            assert model in returns, f"{row.method} returns {returns}, docs say {row.result}"
            if row.result.startswith("paginator"):
                assert "AsyncPaginator" in returns, row
                assert not inspect.iscoroutinefunction(method), row
