"""A SIMULATOR, not a channel: it "delivers" by writing a row, for the demo and for tests.

Nothing leaves the machine. What it stored can be read back by an admin through
`GET /api/messaging/simulator/outbox?customer_id=`, so a demo user can see the one-time code
they were "sent". It is the default adapter for every channel so that `firstmile serve` works
with nothing else installed; configure real adapters in production.
"""

from __future__ import annotations

from firstmile.kit.db import Session
from firstmile.messaging.channels.base import DeliveryResult
from firstmile.messaging.models import Message, SimulatedDelivery


class SimulatedChannel:
    name = "simulator"
    only_database = True  # the delivery's own transaction holds all it does

    def __init__(self, db: Session) -> None:
        # The row is written in the delivery job's transaction: it exists iff the message
        # is marked sent, so the simulator never shows a delivery twice.
        self.db = db

    def deliver(self, message: Message) -> DeliveryResult:
        self.db.add(
            SimulatedDelivery(
                message_id=message.id,
                customer_id=message.customer_id,
                channel=message.channel,
                recipient=message.recipient or "",
                subject=message.subject,
                body_text=message.body_text,
                body_html=message.body_html,
            )
        )
        self.db.flush()
        return DeliveryResult(provider_message_id=f"simulated-{message.id}", own_references=True)
