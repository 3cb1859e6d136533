"""callerdesk_async: the asyncio-first Python SDK for the Callerdesk cloud-telephony API."""

from ._version import __version__

__all__ = ["__version__"]
