"""``cd.account``: profile and balance, IVR numbers, prompts, IVR flow, settings, templates."""

from __future__ import annotations

import builtins

from typing_extensions import Unpack

from .._pagination import AsyncPaginator, PageState
from .._protocol import ParamValue
from .._validation import check_enum, check_id, check_optional_id, check_text
from ..models import (
    ActionResult,
    CallStrategy,
    Deskphone,
    NotificationSettings,
    Profile,
    Prompt,
    WhatsAppTemplate,
)
from ._base import CallOptions, Resource

__all__ = ["AccountResource"]


class AccountResource(Resource):
    """Profile, balance, IVR numbers, prompts, IVR flow, notification settings, WhatsApp
    templates."""

    async def profile(self, **options: Unpack[CallOptions]) -> Profile:
        """Account details, balance, plans and invoices (``POST profile_billing_v2``).

        A cheap way to check that an authcode works.
        """
        return await self._call_model("profile_billing_v2", {}, Profile, call=options)

    async def update_profile(
        self,
        *,
        company_name: str | None = None,
        company_address: str | None = None,
        pincode: str | None = None,
        state: str | None = None,
        gst_no: str | None = None,
        plan_id: int | str | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Change the account's company details (``POST update-profile``).

        Only the fields given are sent; at least one is required.

        Args:
            company_name: (API ``company_name``).
            company_address: (API ``company_address``).
            pincode: (API ``pincode``).
            state: (API ``state``).
            gst_no: GST registration number (API ``gst_no``).
            plan_id: (API ``plan_id``).
        """
        params: dict[str, ParamValue] = {
            "company_name": company_name,
            "company_address": company_address,
            "pincode": pincode,
            "state": state,
            "gst_no": gst_no,
            "plan_id": check_optional_id(plan_id, "plan_id"),
        }
        if all(v is None for v in params.values()):
            raise ValueError("update_profile needs at least one field to change")
        return await self._call_model("update-profile", params, ActionResult, call=options)

    async def deskphones(self, **options: Unpack[CallOptions]) -> builtins.list[Deskphone]:
        """The account's IVR numbers (``POST getdeskphone_v2``)."""
        return await self._call_items("getdeskphone_v2", {}, Deskphone, call=options)

    async def prompts(self, **options: Unpack[CallOptions]) -> builtins.list[Prompt]:
        """The account's voice prompts (``POST getprompt``)."""
        return await self._call_items("getprompt", {}, Prompt, call=options)

    async def add_ivr_flow(
        self,
        *,
        did_id: int | str,
        group_id: int | str,
        voicemail_prompt_id: int | str,
        strategy: CallStrategy | int | str,
        routing_id: int = 1,
        routing_action: str = "group",
        post_action: int = 2,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Route an IVR number straight to a call group (``POST addivrflow``).

        The defaults are the values the official app sends for its simple inbound flow; their
        other meanings are undocumented.

        Args:
            did_id: the IVR number's ``did_id`` (API ``did_id``).
            group_id: the call group to ring (API ``call_groupid``).
            voicemail_prompt_id: a prompt id from :meth:`prompts` (API
                ``user_voice_mail_prompt``).
            strategy: ``CallStrategy`` member, code or name (API ``call_strategy``).
            routing_id: (API ``routing_id``).
            routing_action: (API ``routing_action``).
            post_action: (API ``user_post_action``).
        """
        params: dict[str, ParamValue] = {
            "routing_id": check_id(routing_id, "routing_id"),
            "did_id": check_id(did_id, "did_id"),
            "user_voice_mail_prompt": check_id(voicemail_prompt_id, "voicemail_prompt_id"),
            "routing_action": check_text(routing_action, "routing_action"),
            "call_groupid": check_id(group_id, "group_id"),
            "call_strategy": check_enum(strategy, CallStrategy, "strategy"),
            "user_post_action": check_id(post_action, "post_action"),
        }
        return await self._call_model("addivrflow", params, ActionResult, call=options)

    async def notification_settings(self, **options: Unpack[CallOptions]) -> NotificationSettings:
        """The account's notification settings (``POST get_notification_setting_v2``).

        The fields are undocumented: everything the API sends is in ``extra``.
        """
        return await self._call_model(
            "get_notification_setting_v2", {}, NotificationSettings, call=options
        )

    async def add_whatsapp_template(
        self,
        *,
        name: str,
        content: str,
        template_type: str,
        title: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Add a WhatsApp template (``POST add-whatsapp-template``).

        Args:
            name: (API ``wa_template_name``).
            content: the message text (API ``wa_template_content``).
            template_type: (API ``wa_template_type``; values undocumented).
            title: (API ``wa_template_title``).
        """
        params: dict[str, ParamValue] = {
            "wa_template_name": check_text(name, "name"),
            "wa_template_content": check_text(content, "content"),
            "wa_template_type": check_text(template_type, "template_type"),
            "wa_template_title": title,
        }
        return await self._call_model("add-whatsapp-template", params, ActionResult, call=options)

    async def update_whatsapp_template(
        self,
        *,
        template_id: int | str,
        name: str | None = None,
        content: str | None = None,
        template_type: str | None = None,
        title: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Change a WhatsApp template (``POST update-whatsapp-template``); only the fields
        given are sent.

        Args:
            template_id: the template (API ``wa_template_id``).
            name: (API ``wa_template_name``).
            content: (API ``wa_template_content``).
            template_type: (API ``wa_template_type``).
            title: (API ``wa_template_title``).
        """
        params: dict[str, ParamValue] = {
            "wa_template_id": check_id(template_id, "template_id"),
            "wa_template_name": name,
            "wa_template_content": content,
            "wa_template_type": template_type,
            "wa_template_title": title,
        }
        return await self._call_model(
            "update-whatsapp-template", params, ActionResult, call=options
        )

    def whatsapp_templates(
        self,
        *,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[WhatsAppTemplate]:
        """Iterate WhatsApp templates (``POST get-whatsapp-template``), read from the
        response's ``whatsapp_template`` list.

        Args:
            per_page: rows per request (1-1000; API ``per_page``).
            max_pages: stop with PaginationError after this many page requests.
            resume: a ``PageState`` from an earlier ``pager.state``.
        """
        return self._paginate(
            "get-whatsapp-template",
            WhatsAppTemplate,
            {},
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=("wa_template_id", "id"),
            call=options,
        )
