"""Push adapters: Web Push (VAPID, RFC 8291/8292) to the customer's subscribed browsers and apps."""
