"""The network adapter protocol and its selection by setting.

An adapter hands one service order to the network and returns a receipt; the outcome comes
back later as an external event (`network.service_order_completed` / `..._failed`) through
the event log's one ingestion path. `cancel` asks the network to drop a service order it
already accepted (the order was cancelled here). Both raise TemporaryNetworkError when
trying again later may help (timeouts, 5xx) and PermanentNetworkError when it cannot (the
order is wrong, or the network refused it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from firstmile.kit.db import Session
from firstmile.kit.settings import Settings


class NetworkError(Exception):
    """A request the network did not accept."""


class TemporaryNetworkError(NetworkError):
    pass


class PermanentNetworkError(NetworkError):
    pass


@dataclass(frozen=True)
class SubmissionReceipt:
    """`external_ref`: the network's id of the order. `identifiers`: what the network told on
    acceptance already (a supply switch's `switch_date`), kept on the service at once."""

    external_ref: str
    accepted: bool = True
    detail: str = ""
    identifiers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CancellationReceipt:
    """`external_ref`: the network's id of the cancellation request."""

    external_ref: str


class NetworkAdapter(Protocol):
    name: str

    def submit(self, service_order_data: dict[str, Any]) -> SubmissionReceipt: ...

    def cancel(self, cancellation_data: dict[str, Any]) -> CancellationReceipt:
        """Cancel a submitted order. `cancellation_data`: `id` (ours), `external_ref` (the
        network's id from the submission receipt), `attempt`, `kind`, `reason`."""
        ...


def build(db: Session, settings: Settings) -> NetworkAdapter:
    """The adapter `settings.network_adapter` names: "simulator" or "tmf641"."""
    from firstmile.provisioning.adapters.simulator import SimulatedNetwork
    from firstmile.provisioning.adapters.tmf641 import Tmf641HttpAdapter

    if settings.network_adapter == "simulator":
        return SimulatedNetwork(
            db,
            latency_seconds=settings.simulator_latency_seconds,
            temporary_failure_rate=settings.simulator_temporary_failure_rate,
            permanent_failure_rate=settings.simulator_permanent_failure_rate,
        )
    if settings.network_adapter == "tmf641":
        return Tmf641HttpAdapter(
            settings.network_url, token=settings.network_token.get_secret_value()
        )
    raise PermanentNetworkError(f"unknown network adapter {settings.network_adapter!r}")
