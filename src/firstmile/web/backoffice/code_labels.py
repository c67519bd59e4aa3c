"""Words for the codes the back office shows besides statuses (see `common.status_labels`),
event types (`event_labels`) and an identity review's codes (`kyc_labels`): who acted,
message channels, kinds of contact, and a journey's step kinds and phases. A code without a
word here is shown as it is."""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[..., str]  # as common.Translate (common imports this module)


def channels(_: Translate) -> dict[str, str]:
    """The channels messages go by (and consents and preferences name)."""
    return {
        "email": _("Email"),
        "sms": _("SMS"),
        "push": _("Push notification"),
        "inapp": _("In-app inbox"),
    }


def contact_kinds(_: Translate) -> dict[str, str]:
    return {
        "email": _("Email"),
        "phone": _("Phone"),
        "postal": _("Postal address"),
    }


def step_kinds(_: Translate) -> dict[str, str]:
    """The kinds of a journey's steps."""
    return {
        "message": _("Send a message"),
        "action": _("Action"),
        "set": _("Set an attribute"),
        "webhook": _("Call a webhook"),
        "wait": _("Wait"),
        "wait_event": _("Wait for an event"),
        "branch": _("Branch"),
        "split": _("Random split"),
        "merge": _("Merge"),
        "end": _("End"),
    }


def phases(_: Translate) -> dict[str, str]:
    """The phases of the customer's life a journey step belongs to."""
    return {
        "activation": _("Activation"),
        "usage": _("Usage"),
        "loyalty": _("Loyalty"),
    }


def actor_label(ref: str, _: Translate) -> str:
    """Who acted, from an event log reference (`kind:id`), when it is not a staff user the
    caller knows by name: the kind in words, with the id where it tells which one."""
    kind, _sep, ident = ref.partition(":")
    fixed = {
        "customer": _("Customer (portal)"),
        "portal": _("Sign-up (portal)"),
        "system": _("System"),
        "cli": _("Command line"),
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "token":
        return _("API token {ident}", ident=ident)
    if kind == "staff":
        return _("Staff user {ident}", ident=ident)
    return ref
