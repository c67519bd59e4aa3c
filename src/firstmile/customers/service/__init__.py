"""The customers domain's service: what other domains call (see docs/domain-interfaces.md).

Contact verification lives in `firstmile.customers.service.verification`; it is not
re-exported here because it calls messaging, whose service calls this package.
"""

from firstmile.customers.service.accounts import (
    accounts_of,
    activate_account,
    get_account,
    new_account_number,
    open_accounts,
)
from firstmile.customers.service.consents import (
    change_consent,
    consent_history,
    current_consents,
    may_contact,
    may_contact_many,
)
from firstmile.customers.service.contacts import (
    add_contact,
    contact_for,
    get_medium,
    media_of,
    postal_address,
    remove_contact,
    update_contact,
)
from firstmile.customers.service.quiet_hours import set_quiet_hours
from firstmile.customers.service.registration import (
    get_customer,
    register,
    register_by_appointment,
    search_customers,
    update_customer,
)

__all__ = [
    "accounts_of",
    "activate_account",
    "add_contact",
    "change_consent",
    "consent_history",
    "contact_for",
    "current_consents",
    "get_account",
    "get_customer",
    "get_medium",
    "may_contact",
    "may_contact_many",
    "media_of",
    "new_account_number",
    "open_accounts",
    "postal_address",
    "register",
    "register_by_appointment",
    "remove_contact",
    "search_customers",
    "set_quiet_hours",
    "update_contact",
    "update_customer",
]
