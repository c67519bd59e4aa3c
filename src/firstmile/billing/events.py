"""Event types the billing domain records. Payloads never hold a full IBAN, a card number,
an email address or a name."""

from firstmile.eventlog.catalogue import declare

BILLING_ACCOUNT_CREATED = declare(
    "billing_account.created",
    "A billing account was set up for a customer account (TMF666 BillingAccount).",
    subject="billing_account",
    payload={
        "account_id": "the customer account billed",
        "cycle_day": "day of the month (1-28) a billing cycle starts",
        "paperless": "whether bills go by email instead of post",
        "bill_language": "locale of the bills",
        "currency": "ISO 4217 currency of the bills (from the operator pack)",
    },
)
BILLING_ACCOUNT_UPDATED = declare(
    "billing_account.updated",
    "A billing account's cycle day, bill delivery, bill email or bill language changed. "
    "(v1 also held the old and new bill email.)",
    subject="billing_account",
    payload={
        "fields": "names of the changed fields",
        "changes": "changed field -> {'from': old value, 'to': new value}, for every changed "
        "field but the bill email, which is only named",
    },
    version=2,
)
PAYMENT_METHOD_ADDED = declare(
    "payment_method.added",
    "A payment method (SEPA direct debit mandate or card token) was added (TMF676).",
    subject="payment_method",
    payload={
        "billing_account_id": "the billing account it pays for",
        "kind": "sepa_direct_debit | card",
        "is_default": "whether it became the default method",
        "iban_masked": "SEPA only: the IBAN with all but country, check digits and last 4 hidden",
        "mandate_reference": "SEPA only: the mandate reference",
        "provider": "card only: the payment provider holding the card",
        "brand": "card only: the card brand",
        "last4": "card only: the last 4 digits of the card number",
    },
)
MANDATE_SIGNED = declare(
    "mandate.signed",
    "The customer signed a SEPA Core Direct Debit mandate for the operator (creditor).",
    subject="payment_method",
    payload={
        "mandate_reference": "unique per creditor identifier",
        "creditor_id": "the operator's SEPA creditor identifier",
        "signed_on": "date of signature (ISO 8601)",
        "signed_by_holder": "whether the account holder signed (false: a representative); "
        "v1 held the signer's name as signed_by",
        "iban_masked": "the debtor's IBAN, masked",
    },
    version=2,
)
PAYMENT_METHOD_REVOKED = declare(
    "payment_method.revoked",
    "A payment method was revoked; a SEPA mandate is cancelled with it.",
    subject="payment_method",
    payload={
        "billing_account_id": "the billing account it paid for",
        "kind": "sepa_direct_debit | card",
        "mandate_reference": "SEPA only: the cancelled mandate",
        "new_default_id": "the payment method that became the default, if any",
    },
)
