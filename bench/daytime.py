"""A time zone where it is about midday now, for the benchmarks' customers.

The packs hold non-urgent messages during the customer's quiet hours (telco 21:00-08:00).
Benchmark customers in UTC made the numbers depend on the hour of the run: in the evening
the messages were scheduled for the next morning and their deliveries never ran. Customers
in this zone get their messages delivered at any hour of the run.
"""

from __future__ import annotations

from datetime import UTC, datetime


def zone_at_midday(now: datetime | None = None) -> str:
    hour = (now or datetime.now(UTC)).astimezone(UTC).hour
    offset = 12 - hour  # -11 .. +12, all real zones
    # POSIX-style names: Etc/GMT-3 is three hours AHEAD of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
