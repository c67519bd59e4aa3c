"""Errors of the contracts domain."""

from __future__ import annotations

from firstmile.kit.errors import Conflict, FirstmileError


class TemplateBroken(FirstmileError):
    """The pack's contract template cannot be filled (a bug in the pack, not in the input)."""

    status_code = 500
    code = "contract_template_broken"


class ContractNotReady(Conflict):
    code = "contract_not_ready"


class ContractStateConflict(Conflict):
    code = "contract_state_conflict"


class NoVerifiedContact(Conflict):
    code = "no_verified_contact"
