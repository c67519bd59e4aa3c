"""The in-app inbox: a message is delivered by putting it in the customer's inbox.

The portal shows the inbox; opening an item there is the read receipt (message.opened).
The item is written in the transaction that marks the message delivered, so it exists iff
the message is delivered: the one that requests the message when it is due at once (no
delivery job), else the delivery job's.
"""

from __future__ import annotations

from firstmile.kit.db import Session, new_id
from firstmile.messaging.channels.base import DeliveryResult
from firstmile.messaging.models import InboxItem, Message


class InboxChannel:
    name = "inbox"
    only_database = True  # the delivery's own transaction holds all it does
    in_transaction = True  # ... so a message due now is handed off where it is requested

    def __init__(self, db: Session) -> None:
        self.db = db

    def deliver(self, message: Message) -> DeliveryResult:
        item = InboxItem(
            id=new_id(),  # known now: inserted with the transaction's next flush
            message_id=message.id,
            customer_id=message.customer_id,
            locale=message.locale,
            title=message.subject,
            body=message.body_text,
            link=message.link,
        )
        self.db.add(item)
        return DeliveryResult(
            provider_message_id=f"inbox-{item.id}", delivered=True, own_references=True
        )
