"""Event types of the care domain. Payloads name ids and codes, never the customer's note."""

from firstmile.eventlog.catalogue import declare

HELP_REQUESTED = declare(
    "help.requested",
    "A customer said a set-up tutorial step did not work; agents see the request with its "
    "context (tutorial, step, device model, service status).",
    subject="help_request",
    payload={
        "help_request_id": "the help request",
        "tutorial": "the tutorial's code",
        "step": "the step number (1-based)",
        "device_model": "the device model of the service the tutorial is for, or null",
        "service_id": "the service the tutorial is for, or null before provisioning",
        "service_status": "that service's status then (or 'ordered')",
    },
)
HELP_CLOSED = declare(
    "help.closed",
    "An agent closed a help request.",
    subject="help_request",
    payload={"help_request_id": "the help request", "tutorial": "the tutorial's code"},
)
TUTORIAL_COMPLETED = declare(
    "tutorial.completed",
    "A customer finished every step of a set-up tutorial.",
    subject="tutorial_progress",
    payload={"tutorial": "the tutorial's code", "steps": "how many steps it has"},
)
