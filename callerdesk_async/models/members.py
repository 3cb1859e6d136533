"""Team-member models (``getmemberlist_V2`` and friends)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._convert import LooseIntEnum, api_field
from ._nested import nested

__all__ = ["Member", "MemberAccess", "MemberAdded", "MemberStatus"]


class MemberAccess(LooseIntEnum):
    """Member ``access`` codes. Unknown codes are kept as ``UNKNOWN_<n>`` members."""

    ADMIN = 1
    REGULAR = 2
    GROUP_OWNER = 3


class MemberStatus(LooseIntEnum):
    """Member ``status`` / ``active`` codes."""

    INACTIVE = 0
    ACTIVE = 1


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class Member:
    """One team member. ``member_num`` is kept as the API sends it (often with a leading 0)."""

    member_id: int | None = None
    member_name: str | None = None
    member_email: str | None = None
    member_num: str | None = None
    access: MemberAccess | None = None
    status: MemberStatus | None = None
    type: str | None = None
    agent_extn: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class MemberAdded:
    """The answer of ``addmember_v2``: the new member's id, read from ``getmember[0]``.

    ``member`` is that first ``getmember`` item as a :class:`Member` (``None`` if absent).
    """

    member_id: int | None = None
    message: str | None = None
    member: Member | None = api_field("getmember")
    extra: Mapping[str, Any] = attrs.field(factory=dict)
