"""Resource namespaces: one per API area. They validate input and pick endpoint and model."""

from .calls import AppCallsResource, CallsResource
from .members import MembersResource
from .others import AccountResource, BlocklistResource, CallGroupsResource, ContactsResource

__all__ = [
    "AccountResource",
    "AppCallsResource",
    "BlocklistResource",
    "CallGroupsResource",
    "CallsResource",
    "ContactsResource",
    "MembersResource",
]
