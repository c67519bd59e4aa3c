from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def simulator_settings(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Jobs read the settings from the environment: no latency, no failures unless a test asks."""
    monkeypatch.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "0")
    monkeypatch.setenv("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "0")
    monkeypatch.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "0")
    monkeypatch.setenv("FIRSTMILE_NETWORK_ADAPTER", "simulator")
    return monkeypatch
