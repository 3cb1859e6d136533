"""Resource namespaces whose methods are added with the endpoint issue."""

from __future__ import annotations

from ._base import Resource

__all__ = ["AccountResource", "BlocklistResource", "CallGroupsResource", "ContactsResource"]


class CallGroupsResource(Resource):
    """Call groups."""


class ContactsResource(Resource):
    """Contacts."""


class BlocklistResource(Resource):
    """The number blacklist."""


class AccountResource(Resource):
    """Profile, balance, IVR numbers, prompts and settings."""
