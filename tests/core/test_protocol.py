"""Sans-I/O protocol: encoding, envelope decoding, error mapping, redaction, Retry-After."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from callerdesk_async._protocol import (
    ENDPOINTS,
    Redactor,
    decode_response,
    encode_request,
    endpoint,
    parse_retry_after,
)
from callerdesk_async.errors import (
    AccountInactiveError,
    APIResponseError,
    AuthenticationError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
)
from tests.conftest import AUTHCODE

CALLS = ENDPOINTS["call_list_v2"]
C2C = ENDPOINTS["click_to_call_v2"]


def body(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_post_puts_authcode_and_params_in_form() -> None:
    req = encode_request(
        CALLS, "https://x/api/", AUTHCODE, {"start_date": date(2026, 1, 2), "deskphone": None}
    )
    assert req.method == "POST"
    assert req.url == "https://x/api/call_list_v2"
    assert req.query == {}
    assert req.form == {"authcode": AUTHCODE, "start_date": "2026-01-02"}


def test_get_puts_authcode_and_params_in_query() -> None:
    req = encode_request(C2C, "https://x/api/", AUTHCODE, {"call_from_did": 1, "flag": True})
    assert req.method == "GET"
    assert req.form is None
    assert req.query == {"authcode": AUTHCODE, "call_from_did": "1", "flag": "1"}


def test_http_200_error_envelope_is_authentication_error() -> None:
    with pytest.raises(AuthenticationError) as info:
        decode_response(CALLS, 200, body({"type": "error", "message": "Invalid Auth Code!"}))
    assert info.value.status == 200
    assert info.value.message == "Invalid Auth Code!"


def test_inactive_account_has_its_own_subclass() -> None:
    msg = "Account is Inactive please contact administrator!"
    with pytest.raises(AccountInactiveError):
        decode_response(CALLS, 200, body({"type": "error", "message": msg}))


def test_other_error_envelope_is_api_response_error() -> None:
    with pytest.raises(APIResponseError) as info:
        decode_response(C2C, 200, body({"type": "error", "message": "Invalid Deskphone"}))
    assert type(info.value) is APIResponseError


@pytest.mark.parametrize("message", ["No Record Found", "data not found", "No data"])
def test_no_record_on_list_endpoint_is_an_empty_page(message: str) -> None:
    payload = decode_response(CALLS, 200, body({"type": "error", "message": message}))
    assert payload["result"] == []


def test_no_record_on_non_list_endpoint_is_still_an_error() -> None:
    with pytest.raises(APIResponseError):
        decode_response(C2C, 200, body({"type": "error", "message": "No Record Found"}))


def test_success_without_type_is_accepted() -> None:
    assert decode_response(ENDPOINTS["get-count-v2"], 200, body({"total_calls": "3"})) == {
        "total_calls": "3"
    }


def test_non_json_body_is_malformed_with_snippet() -> None:
    with pytest.raises(MalformedResponseError) as info:
        decode_response(CALLS, 200, b"<html><body>Bad gateway</body></html>")
    assert info.value.detail is not None and "Bad gateway" in info.value.detail


def test_json_array_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        decode_response(CALLS, 200, b"[1, 2]")


def test_5xx_is_server_error_and_429_is_rate_limit() -> None:
    with pytest.raises(ServerError):
        decode_response(CALLS, 502, b"oops")
    with pytest.raises(RateLimitError) as info:
        decode_response(CALLS, 429, b"", retry_after="3")
    assert info.value.retry_after == 3.0


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:05 GMT", now) == 5.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-3") == 0.0


def test_redactor_covers_urls_forms_json_and_literal_secret() -> None:
    redact = Redactor(AUTHCODE)
    samples = [
        f"https://h/api/x?authcode={AUTHCODE}&a=1",
        f"authcode={AUTHCODE}",
        f'{{"authcode": "{AUTHCODE}"}}',
        f"Authorization: Bearer {AUTHCODE}",
        f"the key {AUTHCODE} echoed",
        "AUTHCODE=someother-value-xyz",
    ]
    for sample in samples:
        cleaned = redact(sample)
        assert AUTHCODE not in cleaned
        assert "someother-value-xyz" not in cleaned
    assert redact("https://h/api/x?authcode=abc&a=1") == "https://h/api/x?authcode=***&a=1"


def test_error_messages_are_redacted() -> None:
    redact = Redactor(AUTHCODE)
    with pytest.raises(APIResponseError) as info:
        decode_response(
            CALLS, 200, body({"type": "error", "message": f"bad key {AUTHCODE}"}), redactor=redact
        )
    assert AUTHCODE not in str(info.value)


def test_unknown_endpoint_names_itself() -> None:
    with pytest.raises(KeyError, match="nope"):
        endpoint("nope")


def test_side_effecting_endpoints_are_not_idempotent() -> None:
    reads = {n for n, s in ENDPOINTS.items() if s.idempotent}
    for name in (
        "click_to_call_v2",
        "click_to_call_v3",
        "click_to_call_v4",
        "singleleg-clicktocall",
        "addmember_v2",
        "deletegroup",
        "block_number",
    ):
        assert name not in reads
    assert "call_list_v2" in reads


@pytest.mark.parametrize("fast", [True, False])
def test_decoding_with_and_without_orjson(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    import callerdesk_async._protocol as protocol

    if not fast:
        monkeypatch.setattr(protocol, "_fast_loads", None)
    ok = decode_response(CALLS, 200, b'{"type":"success","total":1,"result":[{"id":"1"}]}')
    assert ok["result"] == [{"id": "1"}]
    big = decode_response(CALLS, 200, b'{"type":"success","total":123456789012345678901234}')
    # orjson reads integers past 64 bits as floats (documented); json keeps them exact.
    assert big["total"] == pytest.approx(123456789012345678901234, rel=1e-15)
    if not fast:
        assert big["total"] == 123456789012345678901234
    nan = decode_response(CALLS, 200, b'{"type":"success","x":NaN}')
    assert nan["x"] != nan["x"]
    with pytest.raises(MalformedResponseError):
        decode_response(CALLS, 200, b'{"type":')
    with pytest.raises(MalformedResponseError):
        decode_response(CALLS, 200, b"[" * 100_000)
