"""Event types the orders domain records. Every one carries the customer's id."""

from firstmile.eventlog.catalogue import declare

_ORDER = {"order_id": "the order", "kind": "new (from a quote) or modify (a feature change)"}
_PRODUCT = {
    "product_id": "the product in the customer's inventory",
    "order_id": "the order that created the product",
    "offering": "the offering code",
}

ORDER_PLACED = declare(
    "order.placed",
    "An order was placed: from a quote (prices locked from its snapshot, a contract to sign) "
    "or, for `modify`, a change to a product the customer holds.",
    subject="order",
    payload={
        **_ORDER,
        "quote_id": "the quote ordered (none for modify)",
        "account_id": "the account",
        "items": "the order items: id, offering, action, product_id",
        "currency": "ISO 4217",
        "one_time_gross": "one-time total, gross, decimal string",
        "monthly_gross": "regular monthly total, gross, decimal string",
        "contract_id": "the contract prepared for signature (new orders)",
        "monthly_net_change": "modify: monthly net price effect of the change",
    },
)
ORDER_IN_PROGRESS = declare(
    "order.in_progress",
    "The contract was signed (or a modify order was placed): provisioning has started.",
    subject="order",
    payload={**_ORDER, "contract_id": "the signed contract, if any"},
)
ORDER_COMPLETED = declare(
    "order.completed",
    "Every item of the order is active: the services are live (or the change applied).",
    subject="order",
    payload={**_ORDER, "account_id": "the account"},
)
ORDER_FAILED = declare(
    "order.failed",
    "No item of the order can proceed: every item that is not cancelled failed for good "
    "(a fallout case is open for each; an agent's successful retry revives the order).",
    subject="order",
    payload={**_ORDER, "reasons": "the failure reason per order item id"},
)
ORDER_CANCELLED = declare(
    "order.cancelled",
    "The order was cancelled: free before signature, in the cooling-off period or when "
    "nothing was delivered; otherwise under the contract's termination terms.",
    subject="order",
    payload={
        **_ORDER,
        "reason": "why the customer cancelled",
        "basis": "before_signature, cooling_off, not_delivered or termination_terms",
        "fee": "the cancellation fee, decimal string (0.00 when free)",
        "currency": "ISO 4217",
        "fee_items": "termination_terms: the fee per order item, with the rule applied",
        "termination_date": "the date the products end (after the notice period)",
    },
)
PRODUCT_ACTIVATED = declare(
    "product.activated",
    "Provisioning reported the product's service live.",
    subject="product",
    payload={**_PRODUCT, "service_id": "the service in provisioning's inventory"},
)
PRODUCT_FEATURES_CHANGED = declare(
    "product.features_changed",
    "A modify order applied: the product's features now in force changed.",
    subject="product",
    payload={
        **_PRODUCT,
        "modify_order_id": "the modify order applied",
        "changes": "{feature code: on}",
        "features": "every feature of the product with its state now",
    },
)
PRODUCT_TERMINATED = declare(
    "product.terminated",
    "The product ended: its order was cancelled (at the termination date after notice), "
    "or it was cancelled before it went live.",
    subject="product",
    payload={
        **_PRODUCT,
        "status": "terminated or cancelled",
        "reason": "why",
        "service_id": "the service instance to take down (none if it never went live)",
    },
)
