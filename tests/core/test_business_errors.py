"""Typed business errors (reference section 11.3), HTTP Basic encoding and its redaction."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callerdesk_async._protocol import (
    ENDPOINTS,
    Redactor,
    basic_auth_header,
    decode_response,
    encode_request,
)
from callerdesk_async.errors import (
    AccountInactiveError,
    AgentUnavailableError,
    APIResponseError,
    AuthenticationError,
    DuplicateMemberError,
    NoCallGroupError,
)
from tests.conftest import AUTHCODE, BASIC_PASSWORD, BASIC_TOKEN, BASIC_USER

C2C = ENDPOINTS["click_to_call_v2"]
ADD = ENDPOINTS["addmember_v2"]
GROUPS = ENDPOINTS["getgrouplist_v2"]

# Each message as a source shows it (section 11.3), plus case and wording variants: matching
# is by case-insensitive substring, never the exact string.
MESSAGES = [
    ("Mobile no of user is already register for this user.", DuplicateMemberError),
    ("This number is ALREADY REGISTERED with us", DuplicateMemberError),
    ("Agent on break. Call not allowed", AgentUnavailableError),
    ("Agent on break/Inactive. Call not allowed", AgentUnavailableError),
    ("agent inactive. call not allowed", AgentUnavailableError),
    ("No Callgroup is available for this Account.", NoCallGroupError),
    ("Account is Inactive please contact administrator!", AccountInactiveError),
    ("Invalid Auth Code!", AuthenticationError),
    ("Invalid Authcode", AuthenticationError),
    ("Invalid Auth Code or use latest api version!", AuthenticationError),
    ("Invalid Deskphone", APIResponseError),
]


def answer(message: str) -> bytes:
    return json.dumps({"type": "error", "message": message}).encode()


@pytest.mark.parametrize(("message", "error"), MESSAGES)
def test_each_known_message_raises_its_class(message: str, error: type[Exception]) -> None:
    spec = ADD if error is DuplicateMemberError else C2C
    with pytest.raises(APIResponseError) as info:
        decode_response(spec, 200, answer(message))
    assert type(info.value) is error
    assert info.value.message == message


def test_every_business_error_is_an_api_response_error() -> None:
    for error in (DuplicateMemberError, AgentUnavailableError, NoCallGroupError):
        assert issubclass(error, APIResponseError)
        assert not issubclass(error, AuthenticationError)
    assert issubclass(AccountInactiveError, APIResponseError)


@given(prefix=st.text(max_size=20), suffix=st.text(max_size=20), upper=st.booleans())
def test_matching_is_by_substring_in_any_case(prefix: str, suffix: str, upper: bool) -> None:
    core = "Agent on break"
    message = prefix + (core.upper() if upper else core.lower()) + suffix
    with pytest.raises(AgentUnavailableError):
        decode_response(C2C, 200, answer(message))


def test_no_callgroup_on_the_group_list_is_an_empty_list() -> None:
    payload = decode_response(GROUPS, 200, answer("No Callgroup is available for this Account."))
    assert payload["grouplist"] == []


@pytest.mark.parametrize("status", [401, 403])
def test_http_401_without_json_is_an_authentication_error(status: int) -> None:
    with pytest.raises(AuthenticationError, match=f"HTTP {status}"):
        decode_response(GROUPS, status, b"<html>Unauthorized</html>")


def test_basic_header_and_its_secrets() -> None:
    headers, secrets = basic_auth_header((BASIC_USER, BASIC_PASSWORD))
    assert headers == {"Authorization": f"Basic {BASIC_TOKEN}"}
    assert base64.b64decode(BASIC_TOKEN).decode() == f"{BASIC_USER}:{BASIC_PASSWORD}"
    assert set(secrets) == {BASIC_USER, BASIC_PASSWORD, BASIC_TOKEN}
    assert basic_auth_header(None) == ({}, ())


def test_without_an_authcode_no_authcode_field_is_sent() -> None:
    request = encode_request(GROUPS, "https://x/api_v3/", None, {"per_page": 5})
    assert request.form == {"per_page": "5"}


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Basic {BASIC_TOKEN}",
        "authorization: basic c29tZW9uZTpzb21ldGhpbmc=",
        f"'Authorization': 'Basic {BASIC_TOKEN}'",
        f"user={BASIC_USER}&password={BASIC_PASSWORD}",
    ],
)
def test_redactor_masks_basic_credentials(text: str) -> None:
    _, secrets = basic_auth_header((BASIC_USER, BASIC_PASSWORD))
    clean = Redactor(AUTHCODE, *secrets)(text)
    for secret in (BASIC_USER, BASIC_PASSWORD, BASIC_TOKEN, "c29tZW9uZTpzb21ldGhpbmc="):
        assert secret not in clean
    assert "***" in clean
