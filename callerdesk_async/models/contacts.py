"""Contact models (``contact_list_v2``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from .._convert import LooseIntEnum

__all__ = ["Contact", "ContactStatus"]


class ContactStatus(LooseIntEnum):
    """A contact's lead status (``contact_status``)."""

    HOT = 1
    WARM = 2
    COLD = 3
    INVALID = 4
    DISQUALIFIED = 5
    PROSPECT = 6


@attrs.frozen(slots=True, weakref_slot=False)
class Contact:
    """One saved contact. With caller-number masking on, ``contact_num`` is masked and
    ``contact_num_unmask`` holds the real number."""

    contact_id: int | None = None
    contact_num: str | None = None
    contact_num_unmask: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_address: str | None = None
    company_name: str | None = None
    member_name: str | None = None
    contact_status: ContactStatus | None = None
    contact_comment: str | None = None
    contact_savedate: datetime | None = None
    contact_followupdate: date | None = None
    contact_followuptime: str | None = None
    deskphone: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
