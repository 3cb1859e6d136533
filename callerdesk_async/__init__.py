"""callerdesk_async: the asyncio-first Python SDK for the Callerdesk cloud-telephony API.

>>> async with CallerdeskClient(authcode="...") as cd:  # doctest: +SKIP
...     async for call in cd.calls.list(start_date="2026-01-01", end_date="2026-01-31"):
...         print(call.sid_id, call.startdatetime, call.talk_duration)
"""

from ._client import DEFAULT_BASE_URL, CallerdeskClient, ClientStats
from ._dispatcher import LocalRateBackend, Priority, RateBackend, RateLimit
from ._observe import RequestRecord, RequestView, ResponseView, RetryView, redact_url
from ._pagination import AsyncPaginator, Page, PageState
from ._raw import RawResult
from ._retry import RetryPolicy
from ._transport import Timeout
from ._validation import normalize_phone, phones_match
from ._version import __version__
from .errors import *  # noqa: F403 - every error class, importable from the top level too
from .errors import __all__ as _errors_all
from .resources import CallOptions

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncPaginator",
    "CallOptions",
    "CallerdeskClient",
    "ClientStats",
    "LocalRateBackend",
    "Page",
    "PageState",
    "Priority",
    "RateBackend",
    "RateLimit",
    "RawResult",
    "RequestRecord",
    "RequestView",
    "ResponseView",
    "RetryPolicy",
    "RetryView",
    "Timeout",
    "__version__",
    "normalize_phone",
    "phones_match",
    "redact_url",
]
__all__ += _errors_all
