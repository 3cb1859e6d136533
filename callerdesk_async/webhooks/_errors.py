"""The error raised for a webhook delivery that cannot be read."""

from __future__ import annotations

from ..errors import CallerdeskError

__all__ = ["WebhookParseError", "WebhookPayloadTooLarge"]


class WebhookParseError(CallerdeskError, ValueError):
    """A webhook delivery could not be read: bad JSON, a body that is not an object, an
    undecodable form or multipart body, an unsupported method or content type.

    Attributes:
        reason: a short, safe, human-readable reason (sent back as the 4xx response body).
        status: the HTTP status a receiver answers with (400, 405, 413, 414 or 415).
    """

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason, status=status)
        self.reason = reason
        self.status: int = status


class WebhookPayloadTooLarge(WebhookParseError):
    """The delivery's body (or query string) is larger than the configured limit (HTTP 413)."""

    def __init__(self, reason: str = "payload too large", *, status: int = 413) -> None:
        super().__init__(reason, status=status)
