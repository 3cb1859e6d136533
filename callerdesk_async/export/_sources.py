"""What can be exported: the list method, model (columns) and filters of each report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from .._pagination import AsyncPaginator, PageState
from ..models import CallRecord, Contact, Member
from ._columns import Column, columns_for

if TYPE_CHECKING:
    from .._client import CallerdeskClient

__all__ = ["SOURCES", "ExportSource", "source_for"]

ListMethod = Callable[..., AsyncPaginator[Any]]


@attrs.frozen(slots=True)
class ExportSource:
    """One exportable report.

    Attributes:
        kind: the CLI name (``calls``, ``app-calls``, ``members``, ``contacts``).
        endpoint: the API endpoint the rows come from.
        columns: CSV/Parquet columns (the model's attributes in order).
        windowed: True when the report takes a date range (split into windows).
        dates_required: True when a range must be given (call reports); contacts without
            one are exported whole.
        filters: the filter keyword names the list method accepts.
        hidden_keys: API fields never written (secrets such as a member's password).
    """

    kind: str
    endpoint: str
    columns: tuple[Column, ...]
    windowed: bool
    dates_required: bool
    filters: tuple[str, ...]
    method: Callable[[CallerdeskClient], ListMethod]
    hidden_keys: frozenset[str] = frozenset()

    def pager(
        self,
        client: CallerdeskClient,
        *,
        start: date | None,
        end: date | None,
        filters: Mapping[str, Any],
        per_page: int,
        resume: PageState | None = None,
    ) -> AsyncPaginator[Any]:
        """A paginator over ``start``..``end`` (ignored for undated reports) with ``filters``."""
        kwargs: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        if self.windowed and start is not None:
            kwargs["start_date"] = start
            kwargs["end_date"] = end
        return self.method(client)(**kwargs, per_page=per_page, resume=resume)


SOURCES: dict[str, ExportSource] = {
    "calls": ExportSource(
        kind="calls",
        endpoint="call_list_v2",
        columns=columns_for(CallRecord),
        windowed=True,
        dates_required=True,
        filters=("deskphone", "member_num", "caller_num", "callresult", "flow_type", "callstatus"),
        method=lambda c: c.calls.list,
    ),
    "app-calls": ExportSource(
        kind="app-calls",
        endpoint="app_call_list_v2",
        columns=columns_for(CallRecord),
        windowed=True,
        dates_required=True,
        filters=("deskphone", "caller_num", "callresult"),
        method=lambda c: c.app_calls.list,
    ),
    "members": ExportSource(
        kind="members",
        endpoint="getmemberlist_V2",
        columns=tuple(c for c in columns_for(Member) if c.name != "password"),
        windowed=False,
        dates_required=False,
        filters=("member_num",),
        method=lambda c: c.members.list,
        hidden_keys=frozenset({"password"}),
    ),
    "contacts": ExportSource(
        kind="contacts",
        endpoint="contact_list_v2",
        columns=columns_for(Contact),
        windowed=True,
        dates_required=False,
        filters=("member_name", "status", "contact_id", "number"),
        method=lambda c: c.contacts.list,
    ),
}


def source_for(kind: str) -> ExportSource:
    """The source named ``kind``; ``ValueError`` listing the known ones otherwise."""
    try:
        return SOURCES[kind]
    except KeyError:
        known = ", ".join(SOURCES)
        raise ValueError(f"cannot export {kind!r}; known reports: {known}") from None
