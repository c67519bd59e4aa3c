"""Routing: which channels a message request goes to, in what order, and when.

Pure: the service gathers what the rules need (the customer's preferences, addresses,
consents and recent messages; the pack's policy) and this module decides. The rules:

1. Candidates: the customer's preferred channels in their order, then the template's other
   channels in the template's order. Only channels the template has texts for.
2. A candidate is skipped, with the reason recorded, when the customer gave no consent for
   it (marketing needs an explicit one; transactional service messages are allowed unless
   withdrawn), when it is not available (no verified address, no push subscription), or
   when the frequency cap of the message's class on that channel is reached.
3. The first channel left is used; the others are its fallbacks, in order, should it fail
   permanently (or stay unread, where the template says so).
4. Quiet hours, in the customer's time zone: a message that is not urgent waits for their
   end. The customer's own quiet hours (their preference) replace the pack's; the pack's
   are the default for customers who set none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from firstmile.kit.time import next_wall_time

NO_CONSENT = "no_consent"
NO_ADDRESS = "no_address"
NO_SUBSCRIPTION = "no_subscription"
FREQUENCY_CAP = "frequency_cap"
NO_OFFER = "no_offer"  # the template wants an offer and none fits the customer


@dataclass(frozen=True, slots=True)
class Cap:
    """At most `count` messages of one class on one channel within `days` days."""

    count: int
    days: int


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times between which nothing but urgent messages is sent; may span midnight."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, now: datetime, time_zone: str) -> datetime:
        """The first moment at or after `now` that is outside the quiet hours on the clock
        of `time_zone`, in `now`'s zone."""
        if not self.contains(now.astimezone(ZoneInfo(time_zone)).time()):
            return now
        return next_wall_time(now, self.end, time_zone)


@dataclass(frozen=True, slots=True)
class Policy:
    quiet_hours: QuietHours | None = None
    caps: Mapping[tuple[str, str], Cap] = field(default_factory=dict)  # (class, channel)


@dataclass(frozen=True, slots=True)
class Recipient:
    """What routing needs to know about the customer, per channel."""

    preferred: Sequence[str]
    time_zone: str
    consented: Mapping[str, bool]  # channel -> consent for the message's class
    available: Mapping[str, str | None]  # channel -> None if reachable, else the reason
    recent: Mapping[str, int] = field(default_factory=dict)  # channel -> messages in cap window
    quiet_hours: QuietHours | None = None  # the customer's own; None: the pack's apply


@dataclass(frozen=True, slots=True)
class Plan:
    route: list[str]  # first: the channel used; the rest: fallbacks in order
    skipped: dict[str, str]  # channel -> reason
    send_at: datetime  # now, or the end of the quiet hours

    @property
    def deliverable(self) -> bool:
        return bool(self.route)


def candidates(template_channels: Sequence[str], preferred: Sequence[str]) -> list[str]:
    first = [c for c in preferred if c in template_channels]
    return first + [c for c in template_channels if c not in first]


def plan(
    *,
    template_channels: Sequence[str],
    klass: str,
    urgent: bool,
    recipient: Recipient,
    policy: Policy,
    now: datetime,
) -> Plan:
    route: list[str] = []
    skipped: dict[str, str] = {}
    for channel in candidates(template_channels, recipient.preferred):
        reason = _skip_reason(channel, klass, recipient, policy)
        if reason is None:
            route.append(channel)
        else:
            skipped[channel] = reason
    quiet = recipient.quiet_hours or policy.quiet_hours
    return Plan(route, skipped, _send_at(now, urgent, recipient.time_zone, quiet))


def _skip_reason(channel: str, klass: str, recipient: Recipient, policy: Policy) -> str | None:
    if not recipient.consented.get(channel, False):
        return NO_CONSENT
    unavailable = recipient.available.get(channel, NO_ADDRESS)
    if unavailable is not None:
        return unavailable
    cap = policy.caps.get((klass, channel))
    if cap is not None and recipient.recent.get(channel, 0) >= cap.count:
        return FREQUENCY_CAP
    return None


def _send_at(now: datetime, urgent: bool, time_zone: str, quiet: QuietHours | None) -> datetime:
    if urgent or quiet is None:
        return now
    return quiet.end_after(now, time_zone)
