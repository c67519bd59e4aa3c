"""Every model module, imported so `Base.metadata` knows the whole schema (migrations, tests)."""

from __future__ import annotations

import importlib

from firstmile.kit.db import Base

MODEL_MODULES = (
    "firstmile.eventlog.models",
    "firstmile.auth.models",
    "firstmile.kit.idempotency",
    "firstmile.kit.jobs",
    "firstmile.packs.models",
    "firstmile.customers.models",
    "firstmile.appointments.models",
    "firstmile.catalog.models",
    "firstmile.orders.models",
    "firstmile.contracts.models",
    "firstmile.provisioning.models",
    "firstmile.billing.models",
    "firstmile.messaging.models",
    "firstmile.messaging.segments.models",
    "firstmile.messaging.campaigns.models",
    "firstmile.kit.otp",
    "firstmile.kit.ratelimit",
    "firstmile.care.models",
    "firstmile.journeys.models",
    "firstmile.kyc.models",
    "firstmile.kyc.screening.models",
    "firstmile.care.models",
)


def import_models() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


import_models()
target_metadata = Base.metadata
