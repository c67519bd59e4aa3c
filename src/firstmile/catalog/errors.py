"""Catalog errors."""

from __future__ import annotations

from firstmile.kit.errors import Conflict


class QuoteExpired(Conflict):
    code = "quote_expired"


class QuoteAlreadyOrdered(Conflict):
    code = "quote_already_ordered"
