"""Errors of the kyc domain."""

from __future__ import annotations

from firstmile.kit.errors import InvalidInput


class UnsupportedIdentifier(InvalidInput):
    """The kind of identifier has no checker for the country asked for: a gap in coverage,
    not a verdict on the value."""

    code = "unsupported_identifier"
