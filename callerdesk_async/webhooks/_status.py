"""Normalisation of the call statuses Callerdesk puts in webhooks (``Status``, ``callstatus``)."""

from __future__ import annotations

import enum
import re

__all__ = ["CallStatus", "normalize_status", "split_status"]


class CallStatus(str, enum.Enum):
    """The call results a webhook ``Status`` is normalised to.

    A ``str`` subclass: ``event.status == "ANSWER"`` and ``event.status is CallStatus.ANSWER``
    both hold. Values not listed here are kept as cleaned text (see :func:`normalize_status`).
    """

    ANSWER = "ANSWER"
    NOANSWER = "NOANSWER"
    BUSY = "BUSY"
    CANCEL = "CANCEL"
    CONGESTION = "CONGESTION"
    LEG_A_ANSWER = "LEG_A_ANSWER"
    LEG_B_ANSWER = "LEG_B_ANSWER"
    CANCEL_BY_AGENT = "CANCEL_BY_AGENT"
    CANCEL_BY_CUSTOMER = "CANCEL_BY_CUSTOMER"
    PICKED = "PICKED"
    ABANDONED_CALL = "ABANDONED_CALL"
    UNAVAILABLE = "UNAVAILABLE"

    def __str__(self) -> str:
        return self.value


# Keys are the status lower-cased with spaces, hyphens and underscores removed.
_SYNONYMS: dict[str, CallStatus] = {
    "answer": CallStatus.ANSWER,
    "answered": CallStatus.ANSWER,
    "noanswer": CallStatus.NOANSWER,
    "notanswered": CallStatus.NOANSWER,
    "busy": CallStatus.BUSY,
    "cancel": CallStatus.CANCEL,
    "cancelled": CallStatus.CANCEL,
    "canceled": CallStatus.CANCEL,
    "congestion": CallStatus.CONGESTION,
    "legaanswer": CallStatus.LEG_A_ANSWER,
    "legaanswered": CallStatus.LEG_A_ANSWER,
    "legbanswer": CallStatus.LEG_B_ANSWER,
    "legbanswered": CallStatus.LEG_B_ANSWER,
    # Reference section 10.3: statuses a CRM stored from ~38,000 real calls; section 10.1
    # spells the same outcomes "Cancel-Agent" / "Cancel-Customer".
    "cancelbyagent": CallStatus.CANCEL_BY_AGENT,
    "cancelagent": CallStatus.CANCEL_BY_AGENT,
    "cancelbycustomer": CallStatus.CANCEL_BY_CUSTOMER,
    "cancelcustomer": CallStatus.CANCEL_BY_CUSTOMER,
    "picked": CallStatus.PICKED,
    "abandonedcall": CallStatus.ABANDONED_CALL,
    "unavailable": CallStatus.UNAVAILABLE,
}
_CAUSE = re.compile(r"\(([^()]*)\)\s*\Z")
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s_\-]+")


def split_status(raw: str | None) -> tuple[str | None, str | None]:
    """Split ``"NOANSWER(19)"`` into ``("NOANSWER", "19")``: trimmed text and trailing cause.

    Inner whitespace is collapsed. Blank text gives ``None``; no bracketed cause gives ``None``.
    """
    if raw is None:
        return None, None
    text = raw.strip()
    cause: str | None = None
    match = _CAUSE.search(text)
    if match is not None:
        cause = match.group(1).strip() or None
        text = text[: match.start()].strip()
    text = _SPACES.sub(" ", text)
    return (text or None), cause


def normalize_status(raw: str | None) -> CallStatus | str | None:
    """Normalise a webhook status: trim, ignore case, drop a trailing ``(…)`` cause.

    Known results become :class:`CallStatus` members (``" No Answer"`` → ``NOANSWER``,
    ``"Leg B Answer"`` → ``LEG_B_ANSWER``, ``"NOANSWER(19)"`` → ``NOANSWER``, ``"CANCEL BY
    AGENT"`` and ``"Cancel-Agent"`` → ``CANCEL_BY_AGENT``, ``"AbandonedCall"`` →
    ``ABANDONED_CALL``); anything else is returned as the cleaned original text (``"Answered by
    Agent"``, ``"Transferring Call to Agent"``) without failing; blank gives ``None``.
    """
    text, _ = split_status(raw)
    if text is None:
        return None
    return _SYNONYMS.get(_SEPARATORS.sub("", text.lower()), text)
