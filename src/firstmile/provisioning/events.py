from firstmile.eventlog.catalogue import declare

_SO = {
    "order_id": "the commercial order",
    "order_item_id": "the order item the service order fulfils",
    "service_order_id": "the service order",
    "kind": "sim_activation, esim_profile, number_port, line_activation, router_shipment, "
    "stb_shipment, tv_activation, supply_switch, smart_meter_registration or feature_change",
}

PROVISIONING_STARTED = declare(
    "provisioning.started",
    "A signed order was decomposed into service orders for the network.",
    subject="order",
    payload={"order_id": "the order", "service_order_ids": "the service orders created"},
)
SERVICE_ORDER_SUBMITTED = declare(
    "service_order.submitted",
    "The network adapter accepted a service order; its outcome is reported later.",
    subject="service_order",
    payload={**_SO, "attempt": "1 for the first submission", "external_ref": "network's id"},
)
SERVICE_ORDER_COMPLETED = declare(
    "service_order.completed",
    "The network reported a service order done.",
    subject="service_order",
    payload={**_SO, "identifiers": "what the network assigned (msisdn, iccid, line_id...)"},
)
SERVICE_ORDER_FAILED = declare(
    "service_order.failed",
    "A service order failed for good (permanent error, or too many temporary ones).",
    subject="service_order",
    payload={**_SO, "error_kind": "temporary or permanent", "message": "the network's reason"},
)
SERVICE_ORDER_RETRY_SCHEDULED = declare(
    "service_order.retry_scheduled",
    "A temporary network failure; the service order is submitted again after a backoff.",
    subject="service_order",
    payload={**_SO, "attempt": "attempts so far", "retry_at": "when it is submitted again"},
)
SERVICE_ORDER_CANCELLED = declare(
    "service_order.cancelled",
    "A service order that had not completed was cancelled (order or fallout cancelled).",
    subject="service_order",
    payload={**_SO, "reason": "why"},
)
FALLOUT_OPENED = declare(
    "fallout.opened",
    "A failed service order needs an agent: a fallout case was opened (or reopened).",
    subject="fallout_case",
    payload={
        "fallout_case_id": "the case",
        "service_order_id": "the failed service order",
        "order_id": "the order",
        "error_kind": "temporary or permanent",
        "reason": "the network's reason",
    },
)
FALLOUT_RESOLVED = declare(
    "fallout.resolved",
    "A fallout case was closed: its service order completed after a retry, or was cancelled.",
    subject="fallout_case",
    payload={
        "fallout_case_id": "the case",
        "service_order_id": "the service order",
        "outcome": "resolved or cancelled",
        "note": "the agent's resolution note",
    },
)
FALLOUT_RETRIED = declare(
    "fallout.retried",
    "An agent sent the failed service order of a fallout case to the network again.",
    subject="fallout_case",
    payload={"fallout_case_id": "the case", "service_order_id": "the service order"},
)
FALLOUT_ASSIGNED = declare(
    "fallout.assigned",
    "A fallout case was assigned to an agent.",
    subject="fallout_case",
    payload={
        "fallout_case_id": "the case",
        "service_order_id": "the service order",
        "assignee": "who works it",
    },
)
SERVICE_ACTIVATED = declare(
    "service.activated",
    "Every service order of an order item completed; the service is live (or changed).",
    subject="service",
    payload={
        "order_id": "the order",
        "order_item_id": "the order item",
        "service_id": "the service instance",
    },
)
SERVICE_TERMINATED = declare(
    "service.terminated",
    "The network took the service down after its product ended.",
    subject="service",
    payload={"order_id": "the order that was cancelled", "service_id": "the service instance"},
)
SERVICE_ACTIVATION_FAILED = declare(
    "service.activation_failed",
    "A permanent failure opened a fallout case; the item cannot activate until it is resolved.",
    subject="service",
    payload={
        "order_id": "the order",
        "order_item_id": "the order item",
        "reason": "why",
        "service_id": "the service instance",
    },
)
SERVICE_AWAITING_SELF_ACTIVATION = declare(
    "service.awaiting_self_activation",
    "The network work is done; the customer activates the SIM with the code on its carrier.",
    subject="service",
    payload={"order_id": "the order", "order_item_id": "the item", "service_id": "the service"},
)
SERVICE_SELF_ACTIVATED = declare(
    "service.self_activated",
    "The customer entered the right activation code; the service is live.",
    subject="service",
    payload={"service_id": "the service"},
)
ESIM_CODE_ISSUED = declare(
    "service.esim_code_issued",
    "The eSIM activation code (LPA string or QR) was handed to an authorised caller. The code "
    "itself is never recorded.",
    subject="service",
    payload={"service_id": "the service", "format": "text or png"},
)
TECHNICIAN_BOOKED = declare(
    "service.technician_booked",
    "A technician visit was booked for the installation of a service.",
    subject="service",
    payload={"service_id": "the service", "booking_id": "the appointments booking"},
)

_NET = {
    "service_order_id": "firstmile's service order id (TMF641 externalId)",
    "attempt": "the submission attempt this report answers (optional)",
}
NETWORK_SERVICE_ORDER_COMPLETED = declare(
    "network.service_order_completed",
    "The network (or the simulator) completed a service order. Sent to POST /api/events.",
    subject="service_order",
    payload={
        **_NET,
        "identifiers": "assigned identifiers: msisdn, iccid, line_id, ean, meter_id, "
        "tracking_number, smdp_address...",
    },
    external=True,
)
NETWORK_SERVICE_ORDER_FAILED = declare(
    "network.service_order_failed",
    "The network (or the simulator) could not complete a service order.",
    subject="service_order",
    payload={
        **_NET,
        "error_kind": "temporary (retry helps) or permanent (an agent must act)",
        "message": "the network's reason",
        "identifiers": "whatever was assigned before the failure",
    },
    external=True,
)

_CANCEL = {
    **_SO,
    "attempt": "the cancellation attempt, 1 for the first (a temporary failure is retried "
    "with the submissions' backoff)",
    "external_ref": "the network's id of the cancelled service order",
}
SERVICE_ORDER_CANCELLATION_SUBMITTED = declare(
    "service_order.cancellation_submitted",
    "The network accepted the cancellation of a service order it had already accepted (the "
    "order was cancelled); it will not carry the service order out.",
    subject="service_order",
    payload={**_CANCEL, "cancellation_ref": "the network's id of the cancellation request"},
)
SERVICE_ORDER_CANCELLATION_FAILED = declare(
    "service_order.cancellation_failed",
    "The network refused the cancellation of a submitted service order for good (a permanent "
    "error, or as many temporary ones in a row as a submission may have): it may still carry "
    "the order out; an agent must act.",
    subject="service_order",
    payload={**_CANCEL, "error_kind": "temporary or permanent", "message": "the network's reason"},
)
