"""The catalog service: offerings, eligibility and quotes (see docs/domain-interfaces.md).

Other domains use `from firstmile.catalog import service as catalog_service`; the pure
proration lives in `firstmile.catalog.pricing`.
"""

from firstmile.catalog.service.catalog import (
    add_ons_for,
    current_release,
    describe,
    offering,
    offerings,
    replace_catalog,
    replace_eligibility,
)
from firstmile.catalog.service.eligibility import (
    Eligibility,
    check_eligibility,
    validate_supply_point,
)
from firstmile.catalog.service.quotes import (
    create_quote,
    get_quote,
    mark_quote_ordered,
    quote_snapshot,
    quote_status,
)

__all__ = [
    "Eligibility",
    "add_ons_for",
    "check_eligibility",
    "create_quote",
    "current_release",
    "describe",
    "get_quote",
    "mark_quote_ordered",
    "offering",
    "offerings",
    "quote_snapshot",
    "quote_status",
    "replace_catalog",
    "replace_eligibility",
    "validate_supply_point",
]
