"""The network adapter protocol and its selection by setting.

An adapter hands one service order to the network and returns a receipt; the outcome comes
back later as an external event (`network.service_order_completed` / `..._failed`) through
the event log's one ingestion path. `submit` raises TemporaryNetworkError when trying again
later may help (timeouts, 5xx) and PermanentNetworkError when it cannot (the order is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from firstmile.kit.db import Session
from firstmile.kit.settings import Settings


class NetworkError(Exception):
    """A submission the network did not accept."""


class TemporaryNetworkError(NetworkError):
    pass


class PermanentNetworkError(NetworkError):
    pass


@dataclass(frozen=True)
class SubmissionReceipt:
    external_ref: str
    accepted: bool = True
    detail: str = ""


class NetworkAdapter(Protocol):
    name: str

    def submit(self, service_order_data: dict[str, Any]) -> SubmissionReceipt: ...


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
        return Tmf641HttpAdapter(settings.network_url)
    raise PermanentNetworkError(f"unknown network adapter {settings.network_adapter!r}")
