"""Parsing the sample payload shapes of the reference (§8.2-8.4) into typed events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from callerdesk_async.errors import CallerdeskError
from callerdesk_async.webhooks import (
    AppCallReportEvent,
    CallGroupEvent,
    CallReportEvent,
    CallStatus,
    LiveCallEvent,
    MemberEvent,
    SecurityActivityEvent,
    UnknownEvent,
    WebhookParseError,
    WebhookPayloadTooLarge,
    event_from_fields,
    parse_event,
    parse_fields,
    parse_query,
)

from .webhook_helpers import CALL_REPORT, LEGACY_GET_QUERY, LIVE_CALL, multipart_body

IST = timedelta(hours=5, minutes=30)
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def ist(text: str) -> datetime:
    value = datetime.fromisoformat(text + "+05:30")
    assert value.utcoffset() == IST
    return value


def assert_sample_report(event: object) -> None:
    assert isinstance(event, CallReportEvent)
    assert event.type == "call_report"
    assert event.source_number == "09000000001"
    assert event.destination_number == "01204567890"
    assert event.dial_whom_number == "9281234567"
    assert event.call_duration == 18
    assert event.talk_duration == 12
    assert event.coins == 1.5
    assert event.status is CallStatus.LEG_B_ANSWER
    assert event.status_raw == "Leg B Answer"
    assert event.callstatus is CallStatus.ANSWER
    assert event.start_time == ist("2023-01-02T14:32:30")
    assert event.start_time is not None
    assert event.start_time.utcoffset() == IST
    assert event.end_time == ist("2023-01-02T14:32:48")
    assert event.call_sid == event.uniqueid == event.call_id == "1672649960.9601"
    assert event.campid == 11387004
    assert event.call_recording_url is not None
    assert event.call_recording_url.endswith("x.wav")
    assert event.direction == "WEBOBD"
    assert event.is_outgoing is True
    assert event.call_group == "TestGroup"
    assert event.receiver_name == "Ashish"
    assert event.error_code == 0
    assert event.lega_picked_time == ist("2023-01-02T14:32:35")
    assert event.legb_start_time == ist("2023-01-02T14:32:36")
    assert event.legb_picked_time == ist("2023-01-02T14:32:44")
    assert event.key_press == ""
    assert event.hangup_cause == "ANSWER(16-customer)"
    assert event.raw["CallSid"] == "1672649960.9601"


def test_post_json_call_report() -> None:
    event = parse_event("POST", "", JSON, json.dumps(CALL_REPORT).encode())
    assert_sample_report(event)
    assert event.extra == {}


def test_post_json_with_numbers_instead_of_strings() -> None:
    payload = {
        **CALL_REPORT,
        "CallDuration": 18,
        "coins": 1,
        "campid": 11387004,
        "CallSid": 8397472,
    }
    event = parse_event("POST", "", JSON, json.dumps(payload).encode())
    assert isinstance(event, CallReportEvent)
    assert (event.call_duration, event.coins, event.campid) == (18, 1.0, 11387004)
    assert event.call_sid == "8397472"


def test_post_form_urlencoded_call_report() -> None:
    event = parse_event("POST", "", FORM, urlencode(CALL_REPORT).encode())
    assert_sample_report(event)


def test_post_multipart_call_report() -> None:
    headers = {"content-type": 'multipart/form-data; boundary="cdBoundary42"'}
    event = parse_event("POST", "", headers, multipart_body(CALL_REPORT))
    assert_sample_report(event)


def test_multipart_ignores_file_parts_and_nameless_parts() -> None:
    body = (
        b'preamble\r\n--b\r\nContent-Disposition: form-data; name="type"\r\n\r\nlive_call'
        b'\r\n--b\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\xff\xfe"
        b"\r\n--b\r\nX-Other: 1\r\n\r\nzzz\r\n--b--\r\nepilogue"
    )
    fields = parse_fields("POST", "", {"Content-Type": "multipart/form-data; boundary=b"}, body)
    assert fields == {"type": "live_call"}


def test_legacy_get_with_n_separator_and_no_type() -> None:
    event = parse_event("GET", LEGACY_GET_QUERY, {}, b"")
    assert isinstance(event, CallReportEvent)
    assert event.type is None
    assert event.start_time == ist("2020-04-09T13:46:56")
    assert event.end_time == ist("2020-04-09T13:47:36")
    assert event.call_duration == 40
    assert event.talk_duration == 0
    assert event.coins == 1.0
    assert event.campid is None
    assert event.status is CallStatus.NOANSWER
    assert event.status_cause == "19"
    assert event.call_recording_url == ""
    assert event.is_outgoing is False
    assert event.raw["StartTime"] == "2020-04-09n13:46:56"


def test_mangled_post_query_is_repaired_and_body_wins() -> None:
    body = {k: v for k, v in CALL_REPORT.items() if k != "type"}
    body["campid"] = "0"
    event = parse_event(
        "POST", "token=abc?type=call_report&campid=99", FORM, urlencode(body).encode()
    )
    assert isinstance(event, CallReportEvent)
    assert event.type == "call_report"
    assert event.extra == {"token": "abc"}
    assert event.campid is None  # body "0" beats query "99", and 0 means none


def test_mangled_get_query_with_secret_in_first_part() -> None:
    query = "key=s3cret?" + urlencode(LIVE_CALL)
    event = parse_event("GET", query, {}, b"")
    assert isinstance(event, LiveCallEvent)
    assert event.status == "Answered by Agent"
    assert event.extra == {"key": "s3cret"}
    assert event.call_id == "1672649960.9602"


def test_parse_query_repairs_and_last_value_wins() -> None:
    assert parse_query("?a=1?b=2&a=3") == {"a": "3", "b": "2"}
    assert parse_query("u=https%3A%2F%2Fx%2Fy%3Fz%3D1") == {"u": "https://x/y?z=1"}
    assert parse_query("") == {}


def test_sentinels_and_blank_values() -> None:
    event = event_from_fields(
        {**CALL_REPORT, "EndTime": "0000-00-00 00:00:00", "campid": "", "LegB_Picked_time": ""}
    )
    assert isinstance(event, CallReportEvent)
    assert event.end_time is None
    assert event.campid is None
    assert event.legb_picked_time is None


def test_json_sent_as_form_or_text_is_read_as_json() -> None:
    body = json.dumps(LIVE_CALL).encode()
    assert isinstance(parse_event("POST", "", FORM, body), LiveCallEvent)
    assert isinstance(parse_event("POST", "", {"Content-Type": "text/html"}, body), LiveCallEvent)
    assert isinstance(parse_event("POST", "", {}, body), LiveCallEvent)


def test_post_with_empty_body_uses_query() -> None:
    event = parse_event("POST", urlencode(CALL_REPORT), {}, b"")
    assert_sample_report(event)


def test_unreadable_values_do_not_fail_the_event(caplog: pytest.LogCaptureFixture) -> None:
    event = event_from_fields({**CALL_REPORT, "CallDuration": "n/a", "StartTime": {"x": 1}})
    assert isinstance(event, CallReportEvent)
    assert event.call_duration is None
    assert event.start_time is None
    assert event.raw["CallDuration"] == "n/a"
    assert event.talk_duration == 12
    assert "could not be read" in caplog.text


def test_keys_are_matched_case_insensitively_and_odd_keys_kept() -> None:
    event = event_from_fields({"TYPE": "Call Report", "callsid": "7", "raw": "r", "status": "busy"})
    assert isinstance(event, CallReportEvent)
    assert event.call_sid == "7"
    assert event.status is CallStatus.BUSY
    assert event.extra == {"raw": "r"}
    assert event.raw == {"TYPE": "Call Report", "callsid": "7", "raw": "r", "status": "busy"}


@pytest.mark.parametrize(
    ("type_value", "cls", "action"),
    [
        ("call_report", CallReportEvent, None),
        ("CallReport", CallReportEvent, None),
        ("live_call", LiveCallEvent, None),
        ("app_call_report", AppCallReportEvent, None),
        ("add_member", MemberEvent, "add"),
        ("member_updated", MemberEvent, "update"),
        ("Delete Member", MemberEvent, "delete"),
        ("add_call_group", CallGroupEvent, "add"),
        ("callgroup_deleted", CallGroupEvent, "delete"),
        ("update_group", CallGroupEvent, "update"),
        ("security_activity", SecurityActivityEvent, None),
        ("new_thing", UnknownEvent, None),
        ("member", UnknownEvent, None),
        ("", UnknownEvent, None),
    ],
)
def test_type_dispatch(type_value: str, cls: type, action: str | None) -> None:
    event = event_from_fields({"type": type_value, "x": "1"})
    assert type(event) is cls
    assert getattr(event, "action", None) == action


def test_member_event_reads_member_fields() -> None:
    event = event_from_fields(
        {
            "type": "add_member",
            "member_id": "12",
            "member_name": "Asha",
            "member_num": "0981",
            "access": "3",
            "note": "hi",
        }
    )
    assert isinstance(event, MemberEvent)
    assert event.member.member_id == 12
    assert event.member.member_num == "0981"
    assert event.member.access is not None
    assert event.member.access.name == "GROUP_OWNER"
    assert event.member.type is None  # the event type is not the member's type
    assert event.extra == {"note": "hi"}


def test_unknown_event_keeps_everything() -> None:
    event = event_from_fields({"type": "brand_new", "a": "1", "b": ["x"]})
    assert isinstance(event, UnknownEvent)
    assert event.type == "brand_new"
    assert event.extra == {"a": "1", "b": ["x"]}
    assert event.raw == {"type": "brand_new", "a": "1", "b": ["x"]}
    assert event.get("a") == "1"
    assert event.get("zz", 5) == 5


def test_events_are_frozen() -> None:
    event = event_from_fields(CALL_REPORT)
    with pytest.raises(AttributeError):
        event.type = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("method", "query", "headers", "body", "status"),
    [
        ("POST", "", JSON, b"{not json", 400),
        ("POST", "", JSON, b"[1, 2]", 400),
        ("POST", "", JSON, b'"text"', 400),
        ("POST", "", JSON, b"[" * 100_000, 413),
        ("POST", "", {"Content-Type": "multipart/form-data"}, b"--x\r\n", 400),
        ("POST", "", {"Content-Type": "multipart/form-data; boundary=x"}, b"junk", 400),
        ("POST", "", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\n\r\n", 400),
        ("POST", "", {"Content-Type": "multipart/mixed; boundary=x"}, b"--x--", 415),
        ("POST", "", FORM, b"a=\xff\xfe", 400),
        ("POST", "", {"Content-Type": "image/png"}, b"\x89PNG\r\n", 415),
        # Neither JSON nor a form by its content type, even though the body holds an "=".
        ("POST", "", {"Content-Type": "application/xml"}, b'<?xml version="1.0"?><a b="1"/>', 415),
        ("POST", "", {"Content-Type": "text/csv"}, b"type=call_report,x=1", 415),
        ("POST", "", {}, b"", 400),
        ("GET", "", {}, b"", 400),
        ("PUT", "a=1", {}, b"", 405),
        ("GET", "a=" + "x" * 70_000, {}, b"", 414),
        ("POST", "", FORM, b"a=" + b"x" * 70_000, 413),
    ],
)
def test_malformed_deliveries_raise_with_status(
    method: str, query: str, headers: dict[str, str], body: bytes, status: int
) -> None:
    with pytest.raises(WebhookParseError) as info:
        parse_event(method, query, headers, body)
    assert info.value.status == status
    assert info.value.reason
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, CallerdeskError)
    if status in (413, 414):
        assert isinstance(info.value, WebhookPayloadTooLarge)


def test_deeply_nested_json_is_a_parse_error() -> None:
    with pytest.raises(WebhookParseError):
        parse_event("POST", "", JSON, b"[" * 50_000, max_body=1_000_000)


def test_max_body_is_configurable() -> None:
    body = urlencode(CALL_REPORT).encode()
    with pytest.raises(WebhookPayloadTooLarge):
        parse_event("POST", "", FORM, body, max_body=100)
    assert isinstance(parse_event("POST", "", FORM, body, max_body=len(body)), CallReportEvent)
