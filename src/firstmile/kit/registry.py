"""Imports the modules that register event subscribers and job handlers, once."""

from __future__ import annotations

import importlib
from functools import cache

# Domains with tasks.py (job handlers and event subscribers). Add a domain here when it grows one.
TASK_MODULES = (
    "firstmile.customers.tasks",
    "firstmile.appointments.tasks",
    "firstmile.orders.tasks",
    "firstmile.contracts.tasks",
    "firstmile.provisioning.tasks",
    "firstmile.billing.tasks",
    "firstmile.messaging.tasks",
    "firstmile.journeys.tasks",
    "firstmile.kyc.tasks",
    "firstmile.kit.housekeeping",
    "firstmile.auth.tasks",
)


@cache
def load_job_handlers() -> None:
    for name in TASK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
