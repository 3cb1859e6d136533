"""Resource namespaces: one per API area. They validate input and pick endpoint and model."""

from ._base import CallOptions, Resource
from .account import AccountResource
from .blocklist import BlocklistResource
from .call_groups import CallGroupsResource
from .calls import AppCallsResource, CallsResource
from .contacts import ContactsResource
from .members import MembersResource

__all__ = [
    "AccountResource",
    "AppCallsResource",
    "BlocklistResource",
    "CallGroupsResource",
    "CallOptions",
    "CallsResource",
    "ContactsResource",
    "MembersResource",
    "Resource",
]
