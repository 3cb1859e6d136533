"""Lenient and strict decoding over a real socket, sticky modes, and structurer tracebacks."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import attrs
import pytest
from aiohttp import web

import callerdesk_async.models as models
from callerdesk_async import CallerdeskClient
from callerdesk_async._convert import ConversionError, reading, structure, structurer_for
from callerdesk_async._structurer import uses_builder
from callerdesk_async.errors import APIResponseError
from callerdesk_async.models import CallGroup, StickyMode
from tests.conftest import AUTHCODE, LocalServer


def _group(group_id: int, sticky: Any) -> dict[str, Any]:
    return {"group_id": str(group_id), "group_name": f"g{group_id}", "call_strategy": "1",
            "is_sticky": sticky, "is_multi_sticky": "0", "groupmember_count": "2"}  # fmt: skip


def _call(n: int, **changes: Any) -> dict[str, Any]:
    row = {"id": str(n), "sid_id": f"1.{n}", "caller_num": "0812", "total_duration": "30",
           "call_date": "2026-01-02 10:11:12", "coin_deducted": "1", "is_contact": "0"}  # fmt: skip
    row.update(changes)
    return row


async def _serve(server: LocalServer, path: str, items_key: str, rows: list[Any]) -> str:
    """Serve ``rows`` as the paged endpoint ``path`` (``current_page``/``per_page``)."""

    async def handler(request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode()))
        page, per_page = int(form.get("current_page", 1)), int(form.get("per_page", 25))
        chunk = rows[(page - 1) * per_page : page * per_page]
        body = {"type": "success", "total": len(rows), "total_record": len(rows),
                items_key: chunk}  # fmt: skip
        return web.Response(text=json.dumps(body), content_type="text/html")

    server.route("POST", f"/api/{path}", handler)
    await server.start()
    return server.base_url


async def test_call_groups_with_every_sticky_mode_are_all_listed(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    groups = [_group(1, "0"), _group(2, "1"), _group(3, "2"), _group(4, 2), _group(5, "7")]
    url = await _serve(local_server, "getgrouplist_v2", "grouplist", groups)
    async with CallerdeskClient(AUTHCODE, base_url=url) as cd:
        listed = await cd.call_groups.list().collect()
    assert [g.is_sticky for g in listed] == [
        StickyMode.OFF, StickyMode.ADVANCE, StickyMode.NORMAL, StickyMode.NORMAL, 7
    ]  # fmt: skip
    assert all(type(g.is_sticky) is StickyMode for g in listed)
    assert listed[4].is_sticky is not None and listed[4].is_sticky.name == "UNKNOWN_7"
    assert all(g.extra == {} for g in listed)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_an_odd_value_on_1000_rows_warns_once_and_keeps_every_row(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [_call(n, is_contact="maybe") for n in range(1000)]
    url = await _serve(local_server, "call_list_v2", "result", rows)
    async with CallerdeskClient(AUTHCODE, base_url=url) as cd:
        calls = await cd.calls.list(per_page=100).collect()
    assert len(calls) == 1000
    assert all(c.is_contact is None and c.extra == {"is_contact": "maybe"} for c in calls)
    assert all(c.total_duration == 30 for c in calls)  # the rest of each row is read
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "call_list_v2" in message and "CallRecord.is_contact" in message
    assert "got a str" in message and "maybe" not in message  # the type, never the value


async def test_member_rows_with_an_odd_code_keep_the_rest(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [{"member_id": str(n), "member_name": "A", "access": "maybe", "is_contact": "maybe",
             "status": "1"} for n in range(1000)]  # fmt: skip
    url = await _serve(local_server, "getmemberlist_V2", "getmember", rows)
    async with CallerdeskClient(AUTHCODE, base_url=url) as cd:
        members = await cd.members.list(per_page=100).collect()
    assert len(members) == 1000
    assert all(m.access is None and m.status == 1 for m in members)
    assert all(m.extra == {"is_contact": "maybe", "access": "maybe"} for m in members)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Member.access" in warnings[0].getMessage()


async def test_warnings_are_per_client_and_per_field(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [_call(1, is_contact="x"), _call(2, total_duration="y"), _call(3, is_contact="z")]
    url = await _serve(local_server, "call_list_v2", "result", rows)
    for _ in range(2):
        async with CallerdeskClient(AUTHCODE, base_url=url) as cd:
            await cd.calls.list().collect()
            await cd.calls.list().collect()
    fields = [r.getMessage().split(" (")[0] for r in caplog.records if r.levelno >= 30]
    assert fields == ["call_list_v2: CallRecord.is_contact",
                      "call_list_v2: CallRecord.total_duration"] * 2  # fmt: skip


SECRET_LOOKING = "sk-live-ECHOED-VALUE-0042"


async def test_strict_decoding_fails_the_call_without_quoting_the_value(
    local_server: LocalServer,
) -> None:
    url = await _serve(
        local_server, "call_list_v2", "result", [_call(1), _call(2, coin_deducted=SECRET_LOOKING)]
    )
    async with CallerdeskClient(AUTHCODE, base_url=url, strict_decoding=True) as cd:
        with pytest.raises(APIResponseError) as caught:
            await cd.calls.list().collect()
    error = caught.value
    assert error.endpoint == "call_list_v2"
    assert str(error).startswith(
        "could not read the response: CallRecord.coin_deducted (API field 'coin_deducted') is "
        "not a number (got a str)"
    )
    text = "".join(traceback.format_exception(error)) + repr(error)
    assert SECRET_LOOKING not in text
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None:
        chain.append(link)
        link = link.__cause__ or link.__context__
    assert all(SECRET_LOOKING not in str(e) for e in chain)


async def test_strict_decoding_on_a_single_object_endpoint(local_server: LocalServer) -> None:
    detail = {"type": "success", "grouplist": [_group(1, "soon")], "group_user_live": []}

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps(detail), content_type="text/html")

    local_server.route("POST", "/api/getgroupbyid_v2", handler)
    await local_server.start()
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        lenient = await cd.call_groups.get(group_id=1)
        async with CallerdeskClient(
            AUTHCODE, base_url=local_server.base_url, strict_decoding=True
        ) as strict:
            with pytest.raises(APIResponseError, match=r"CallGroup\.is_sticky"):
                await strict.call_groups.get(group_id=1)
    assert lenient.group is not None and lenient.group.group_id == 1
    assert lenient.group.is_sticky is None and lenient.group.extra == {"is_sticky": "soon"}


def test_strict_decoding_must_be_a_bool() -> None:
    with pytest.raises(ValueError, match="strict_decoding must be True or False"):
        CallerdeskClient(AUTHCODE, strict_decoding="yes")  # type: ignore[arg-type]


def test_every_sdk_model_is_built_the_fast_way() -> None:
    # A validator, a __attrs_post_init__, a base class or a weakref slot on a model would
    # silently send it through __init__; this makes that a failure instead.
    slow = [
        name
        for name, model in vars(models).items()
        if isinstance(model, type) and attrs.has(model) and not uses_builder(model)
    ]
    assert slow == []


class _Boom:
    pass


class _Bug(Exception):
    pass


def _boom_hook(value: object, _: object) -> object:
    raise _Bug("a bug in a hook")


@attrs.frozen(slots=True, weakref_slot=False)
class _Tricky:
    name: str | None = None
    boom: _Boom | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def test_a_traceback_from_a_structurer_shows_its_source_lines() -> None:
    from callerdesk_async._convert import converter

    converter.register_structure_hook(_Boom, _boom_hook)
    structure_one = structurer_for(_Tricky)
    with pytest.raises(_Bug) as caught:
        structure_one({"name": "a", "boom": 1})
    frames = traceback.extract_tb(caught.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<callerdesk_async structurer")]
    assert generated and generated[0].line == "x = _conv1(x, _type1)"
    assert "test_decoding._Tricky" in generated[0].filename


def test_reading_turns_only_conversion_failures_into_api_errors() -> None:
    objects = pytest.raises(APIResponseError, match="expected an object for CallGroup")
    with objects, reading("getgrouplist_v2"):
        structure(["not an object"], CallGroup)  # type: ignore[arg-type]
    odd = pytest.raises(APIResponseError, match="could not read the response")
    with odd, reading("getgrouplist_v2"):
        raise ConversionError("odd")
    for bug in (ValueError("bug"), TypeError("bug"), KeyError("bug"), AttributeError("bug")):
        with pytest.raises(type(bug)), reading("getgrouplist_v2"):
            raise bug
