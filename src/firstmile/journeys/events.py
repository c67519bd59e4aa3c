"""Journey event types: every step an instance takes is in the event log, so a journey's
funnel (per-step counts) and an instance's path are read from the log, not kept twice."""

from __future__ import annotations

from firstmile.eventlog.catalogue import declare

_COMMON = {
    "journey": "the journey's code",
    "version": "the definition version the instance runs on",
    "step": "the step concerned",
}

JOURNEY_ENTERED = declare(
    "journey.entered",
    "A customer entered a journey (its trigger fired and its condition held).",
    subject="journey_instance",
    payload={**_COMMON, "trigger": "the event type that started it"},
)
JOURNEY_STEP = declare(
    "journey.step",
    "An instance entered a step.",
    subject="journey_instance",
    payload={
        **_COMMON,
        "from": "the step it came from (null for the first)",
        "seq": "the visit number within the instance",
        "phase": "activation, usage or loyalty",
        "via": "what moved it on, when it was waiting: timer, timeout or event",
    },
)
JOURNEY_VARIANT = declare(
    "journey.variant",
    "An instance was placed in a variant of a random split (deterministic per customer).",
    subject="journey_instance",
    payload={**_COMMON, "variant": "the variant's name", "holdout": "whether it is a holdout"},
)
JOURNEY_CONVERTED = declare(
    "journey.converted",
    "The journey's goal event happened within its window.",
    subject="journey_instance",
    payload={**_COMMON, "event": "the goal event type"},
)
JOURNEY_COMPLETED = declare(
    "journey.completed",
    "An instance reached an end step (or its goal, where the goal ends the journey).",
    subject="journey_instance",
    payload={**_COMMON, "outcome": "the end step's outcome, or goal"},
)
JOURNEY_EXITED = declare(
    "journey.exited",
    "An instance left before the end: an exit event or condition, or an agent ended it.",
    subject="journey_instance",
    payload={
        **_COMMON,
        "outcome": "exit_event, exit_condition or ended_by_agent",
        "event": "the exit event type (exit_event)",
        "condition": "the exit condition (exit_condition)",
        "actor": "the agent (ended_by_agent)",
        "reason": "the agent's reason (ended_by_agent)",
    },
)
JOURNEY_FAILED = declare(
    "journey.failed",
    "A step could not run (a condition could not be evaluated, a domain call kept failing); "
    "the instance stops where it is until an agent moves it.",
    subject="journey_instance",
    payload={**_COMMON, "outcome": "error", "error": "what went wrong"},
)
JOURNEY_MOVED = declare(
    "journey.moved",
    "An agent moved an instance to another step by hand.",
    subject="journey_instance",
    payload={**_COMMON, "from": "the step it was at", "actor": "the agent", "reason": "why"},
)
JOURNEY_PUBLISHED = declare(
    "journey.published",
    "A journey version was published (from a pack or through the API).",
    subject="journey",
    payload={
        "journey": "the journey's code",
        "version": "the new version",
        "migrated": "waiting instances moved onto it by a step mapping",
    },
)
JOURNEY_PAUSED = declare(
    "journey.paused",
    "A journey was paused: no new instances start and no steps run until it resumes.",
    subject="journey",
    payload={"journey": "the journey's code"},
)
JOURNEY_RESUMED = declare(
    "journey.resumed",
    "A paused journey runs again.",
    subject="journey",
    payload={"journey": "the journey's code"},
)
RECORD_TYPES = {
    "entered": JOURNEY_ENTERED,
    "step": JOURNEY_STEP,
    "variant": JOURNEY_VARIANT,
    "converted": JOURNEY_CONVERTED,
    "completed": JOURNEY_COMPLETED,
    "exited": JOURNEY_EXITED,
    "failed": JOURNEY_FAILED,
    "moved": JOURNEY_MOVED,
}
