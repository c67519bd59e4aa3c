"""Event types the catalog records."""

from firstmile.eventlog.catalogue import declare

CATALOG_LOADED = declare(
    "catalog.loaded",
    "The operator pack's catalog replaced the catalog in force, in the pack-load transaction.",
    subject="catalog_release",
    payload={
        "pack": "code of the operator pack",
        "digest": "SHA-256 of the validated catalog content",
        "offerings": "number of active offerings",
        "plans": "number of plans",
        "add_ons": "number of add-ons",
        "bundles": "number of bundles",
        "retired": "offering codes no longer sold (kept for existing quotes)",
    },
)
ELIGIBILITY_LOADED = declare(
    "catalog.eligibility_loaded",
    "The pack's coverage table and grid areas replaced those in force.",
    subject="catalog_release",
    payload={
        "pack": "code of the operator pack",
        "coverage": "number of coverage entries",
        "grid_areas": "number of grid-area postcode ranges",
    },
)
QUOTE_CREATED = declare(
    "quote.created",
    "A priced, immutable quote was made for a customer's cart.",
    subject="quote",
    payload={
        "account_id": "the account the quote is for",
        "currency": "ISO 4217 code",
        "offerings": "offering codes of the items, in cart order",
        "one_time_gross": "one-time charges incl. tax (string)",
        "first_bill_gross": "prorated first bill incl. tax (string)",
        "monthly_gross": "regular monthly bill incl. tax (string)",
        "valid_until": "ISO 8601 UTC time after which it cannot be ordered",
    },
)
QUOTE_ORDERED = declare(
    "quote.ordered",
    "A quote was turned into an order; it cannot be ordered again.",
    subject="quote",
    payload={"account_id": "the account the quote is for"},
)
