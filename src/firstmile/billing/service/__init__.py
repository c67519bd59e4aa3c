"""Billing set-up: billing accounts, payment methods (SEPA mandates, card tokens), first bill.

Functions take `db` first, never commit (they flush), and record their events in the caller's
transaction. Imported as `from firstmile.billing import service as billing_service`.
"""

from firstmile.billing.service.accounts import (
    billable,
    create_billing_account,
    find_billing_accounts,
    get_billing_account,
    update_billing_account,
)
from firstmile.billing.service.payment_methods import (
    add_payment_method,
    get_payment_method,
    payment_methods,
    revoke_payment_method,
)
from firstmile.billing.service.preview import PAYMENT_TERMS_DAYS, first_bill_preview

__all__ = [
    "PAYMENT_TERMS_DAYS",
    "add_payment_method",
    "billable",
    "create_billing_account",
    "find_billing_accounts",
    "first_bill_preview",
    "get_billing_account",
    "get_payment_method",
    "payment_methods",
    "revoke_payment_method",
    "update_billing_account",
]
