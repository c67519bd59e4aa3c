"""SMS delivery receipt states, as SMS centres (SMPP 3.4 Appendix B) and gateways word them.

A receipt's state is final (delivered, or failed) or intermediate (en route, accepted,
unknown), which changes nothing. Gateways use the SMPP words or plain English ones.
"""

from __future__ import annotations

from firstmile.messaging.models import ReceiptState

FINAL: dict[str, ReceiptState] = {
    "delivrd": ReceiptState.DELIVERED,
    "delivered": ReceiptState.DELIVERED,
    "undeliv": ReceiptState.FAILED,
    "undeliverable": ReceiptState.FAILED,
    "undelivered": ReceiptState.FAILED,
    "failed": ReceiptState.FAILED,
    "expired": ReceiptState.FAILED,
    "deleted": ReceiptState.FAILED,
    "rejectd": ReceiptState.FAILED,
    "rejected": ReceiptState.FAILED,
}
INTERMEDIATE = frozenset({"enroute", "acceptd", "accepted", "unknown", "buffered", "sent"})


def state_of(word: str) -> ReceiptState | None:
    """The final state `word` names, or None for an intermediate one; ValueError otherwise."""
    key = word.strip().lower()
    if key in FINAL:
        return FINAL[key]
    if key in INTERMEDIATE:
        return None
    known = ", ".join(sorted({*FINAL, *INTERMEDIATE}))
    raise ValueError(f"unknown receipt state {word!r}; known: {known}")
