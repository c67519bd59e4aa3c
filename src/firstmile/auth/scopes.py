from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    AGENT = "agent"  # care and sales agents acting for a customer
    INTEGRATION = "integration"  # BSS/OSS, CRM, MDM systems
    ADMIN = "admin"  # operator engineers: tokens, packs; implies every scope


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting; its `ref` is what the event log records as `actor`."""

    kind: str  # token | system | customer
    ident: str
    name: str
    scopes: frozenset[Scope]

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.ident}"

    def has(self, *wanted: Scope) -> bool:
        return Scope.ADMIN in self.scopes or any(s in self.scopes for s in wanted)


SYSTEM = Actor("system", "firstmile", "firstmile", frozenset({Scope.ADMIN}))


def cli_actor() -> Actor:
    return Actor("cli", "operator", "command line", frozenset({Scope.ADMIN}))
