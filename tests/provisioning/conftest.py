from __future__ import annotations

import pytest

from firstmile.kit.settings import Settings, configure, load_settings


class SimulatorSettings:
    """Change a setting the way an operator would (a FIRSTMILE_* variable) for one test;
    the process's settings are re-read at once, as a restart would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, base: Settings) -> None:
        self.monkeypatch = monkeypatch
        self.base = base

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)
        self.monkeypatch.setenv("FIRSTMILE_DATABASE_URL", self.base.database_url)
        self.monkeypatch.setenv("FIRSTMILE_DATA_DIR", str(self.base.data_dir))
        configure(load_settings(run_worker_in_process=False))


@pytest.fixture(autouse=True)
def simulator_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> SimulatorSettings:
    """No latency, no failures unless a test asks."""
    patch = SimulatorSettings(monkeypatch, settings)
    patch.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "0")
    patch.setenv("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "0")
    patch.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "0")
    patch.setenv("FIRSTMILE_NETWORK_ADAPTER", "simulator")
    return patch
