"""Event types of the customers domain. Payloads name ids and changed fields, never the
email addresses, phone numbers or postal addresses themselves."""

from firstmile.eventlog.catalogue import declare

CUSTOMER_REGISTERED = declare(
    "customer.registered",
    "A customer was registered (online form, appointment, agent or import).",
    subject="customer",
    payload={
        "kind": "individual or organization",
        "registered_via": "online_form, appointment, agent or import",
        "country": "ISO 3166 country code",
        "language": "preferred locale",
        "account_ids": "accounts opened in the same request",
        "contact_media": "number of contact media given, per kind",
    },
)
CUSTOMER_UPDATED = declare(
    "customer.updated",
    "Preferences, names or status of a customer changed.",
    subject="customer",
    payload={"fields": "names of the changed fields", "status": "the new status, if changed"},
)
ACCOUNT_OPENED = declare(
    "account.opened",
    "An account (residential or business) was opened for a customer.",
    subject="account",
    payload={"number": "account number", "kind": "residential or business"},
)
ACCOUNT_ACTIVATED = declare(
    "account.activated",
    "A pending account became active (its first service is live).",
    subject="account",
    payload={"number": "account number"},
)
CONTACT_ADDED = declare(
    "contact.added",
    "A contact medium (email, phone or postal address) was added.",
    subject="contact_medium",
    payload={
        "kind": "email, phone or postal",
        "phone_type": "mobile, fixed, ... (phones only)",
        "preferred": "whether it is the preferred medium of its kind",
    },
)
CONTACT_UPDATED = declare(
    "contact.updated",
    "A contact medium changed; a new address or number is no longer verified.",
    subject="contact_medium",
    payload={"kind": "email, phone or postal", "fields": "names of the changed fields"},
)
CONTACT_REMOVED = declare(
    "contact.removed",
    "A contact medium was removed.",
    subject="contact_medium",
    payload={"kind": "email, phone or postal"},
)
CONTACT_VERIFICATION_REQUESTED = declare(
    "contact.verification_requested",
    "A one-time code was sent to a contact medium to verify it.",
    subject="contact_medium",
    payload={"kind": "email or phone", "channel": "email or sms", "message_id": "the message"},
)
CONTACT_VERIFIED = declare(
    "contact.verified",
    "A contact medium was verified, by a one-time code or in person by an agent.",
    subject="contact_medium",
    payload={
        "kind": "email, phone or postal",
        "method": "code or in_person",
        "reason": "the agent's reason (in person only)",
    },
)
CONSENT_GRANTED = declare(
    "consent.granted",
    "The customer granted consent for a purpose on a channel.",
    subject="consent",
    payload={"purpose": "service or marketing", "channel": "the channel", "source": "origin"},
)
CONSENT_WITHDRAWN = declare(
    "consent.withdrawn",
    "The customer withdrew consent for a purpose on a channel; honoured everywhere at once.",
    subject="consent",
    payload={"purpose": "service or marketing", "channel": "the channel", "source": "origin"},
)
PORTAL_LOGIN = declare(
    "portal.login",
    "The customer signed in to the self-service portal (recorded by the portal, or ingested "
    "through POST /api/events from an operator's own portal or app).",
    subject="customer",
    payload={"method": "how they signed in, e.g. email_code or sms_code"},
)
