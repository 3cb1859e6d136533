"""Account models: profile and billing, IVR numbers, prompts, settings, WhatsApp templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._nested import nested

__all__ = [
    "Deskphone",
    "Invoice",
    "LoginAccount",
    "NotificationSettings",
    "PlanDetail",
    "Profile",
    "Prompt",
    "WhatsAppTemplate",
]


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class LoginAccount:
    """The account holder's details and balance (``login_account``)."""

    company_name: str | None = None
    company_address: str | None = None
    state: str | None = None
    pincode: str | None = None
    gst_no: str | None = None
    fname: str | None = None
    admin_number: str | None = None
    plan_id: int | None = None
    avail_call_coins: float | None = None
    create_at: datetime | None = None
    expired_on: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class PlanDetail:
    """One plan of ``plan_details``."""

    plan_id: int | None = None
    plan_type: str | None = None
    plan_amount: float | None = None
    plan_validity: str | None = None
    call_coins: float | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class Invoice:
    """One invoice of ``past_invoices``."""

    order_id: str | None = None
    plan_display_name: str | None = None
    plan_activation_date: datetime | None = None
    invoice_url: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class Profile:
    """Profile and balance (``profile_billing_v2``). ``did_id`` is the API's comma list."""

    login_account: LoginAccount | None = None
    plan_details: list[PlanDetail] = attrs.field(factory=list)
    past_invoices: list[Invoice] = attrs.field(factory=list)
    did_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class Deskphone:
    """One IVR number (``getdeskphone_v2``).

    Pass ``deskphone`` (exactly as listed, leading 0 kept) to click-to-call, and ``did_id`` to
    ``call_groups.create(deskphone_id=...)`` and ``account.add_ivr_flow(did_id=...)``.
    """

    did_id: int | None = None
    did_num: str | None = None
    deskphone: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class Prompt:
    """One voice prompt (``getprompt``), e.g. type ``"VOICE MAIL"``."""

    id: int | None = None
    template_name: str | None = None
    template_url: str | None = None
    template_type_name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class NotificationSettings:
    """Notification settings (``get_notification_setting_v2``).

    The response's fields are not documented, so every key except ``type`` is kept in
    ``extra`` as sent.
    """

    message: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class WhatsAppTemplate:
    """One WhatsApp template (a row of ``get-whatsapp-template``'s ``whatsapp_template`` list):
    ``wa_template_id`` and ``wa_template_name`` identify it; the keys follow the add/update
    requests (reference section 7.12), anything else lands in ``extra``."""

    wa_template_id: int | None = None
    wa_template_name: str | None = None
    wa_template_content: str | None = None
    wa_template_type: str | None = None
    wa_template_title: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
