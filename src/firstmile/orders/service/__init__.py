"""The orders service (see docs/domain-interfaces.md): placing orders from quotes, their
lifecycle driven by contracts and provisioning events, cancellation, feature changes, and the
customer's product inventory.

Other domains use `from firstmile.orders import service as orders_service`.
"""

from firstmile.orders.service.cancellation import assess, cancel_order, terminate_due
from firstmile.orders.service.features import change_features, priced_now
from firstmile.orders.service.lifecycle import activation_failed, contract_signed, service_activated
from firstmile.orders.service.placement import place_order, plan_items
from firstmile.orders.service.queries import get_order, get_product, search_orders, search_products

__all__ = [
    "activation_failed",
    "assess",
    "cancel_order",
    "change_features",
    "contract_signed",
    "get_order",
    "get_product",
    "place_order",
    "plan_items",
    "priced_now",
    "search_orders",
    "search_products",
    "service_activated",
    "terminate_due",
]
