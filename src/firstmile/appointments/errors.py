"""Errors of the appointments domain."""

from __future__ import annotations

from firstmile.kit.errors import Conflict


class SlotFull(Conflict):
    code = "slot_full"


class BookingNotActive(Conflict):
    code = "booking_not_active"
