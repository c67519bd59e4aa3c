"""Provisioning services. Other domains call `start` and `cancel_for_order` (see
docs/domain-interfaces.md); the rest serves this domain's API, CLI and tasks."""

from firstmile.provisioning.service.activation import cancel_for_order, start, submit
from firstmile.provisioning.service.fallout import assign as assign_fallout
from firstmile.provisioning.service.fallout import cancel as cancel_fallout
from firstmile.provisioning.service.fallout import retry as retry_fallout
from firstmile.provisioning.service.queries import (
    device_guide,
    device_guides,
    device_step_image,
    fallout_case,
    fallout_count,
    fallout_queue,
    service,
    service_orders,
    services,
)
from firstmile.provisioning.service.reports import network_completed, network_failed
from firstmile.provisioning.service.selfcare import (
    book_technician,
    esim_activation_code,
    qr_png,
    self_activate,
    technician_slots,
)

__all__ = [
    "assign_fallout",
    "book_technician",
    "cancel_fallout",
    "cancel_for_order",
    "device_guide",
    "device_guides",
    "device_step_image",
    "esim_activation_code",
    "fallout_case",
    "fallout_count",
    "fallout_queue",
    "network_completed",
    "network_failed",
    "qr_png",
    "retry_fallout",
    "self_activate",
    "service",
    "service_orders",
    "services",
    "start",
    "submit",
    "technician_slots",
]
