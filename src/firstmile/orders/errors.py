"""Orders errors."""

from __future__ import annotations

from firstmile.kit.errors import Conflict


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"


class ProductNotActive(Conflict):
    code = "product_not_active"


class ChangePending(Conflict):
    code = "change_pending"
