"""Words for the codes the back office shows besides statuses (see `common.status_labels`),
event types (`event_labels`) and an identity review's codes (`kyc_labels`): who acted,
message channels, kinds of contact and of phone, kinds of service and their identifiers, how
a customer registered and where a consent came from, and a journey's step kinds and phases.
A code without a word here is shown as it is."""

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


def phone_types(_: Translate) -> dict[str, str]:
    return {
        "mobile": _("Mobile"),
        "fixed": _("Landline"),
        "fixed_or_mobile": _("Landline or mobile"),
        "voip": _("Internet phone"),
        "other": _("Other"),
    }


def registration_channels(_: Translate) -> dict[str, str]:
    """How the customer came to register."""
    return {
        "online_form": _("Online sign-up form"),
        "appointment": _("Appointment"),
        "agent": _("Agent"),
        "import": _("Data import"),
    }


def consent_sources(_: Translate) -> dict[str, str]:
    """Where a consent was given or withdrawn."""
    return {
        "web_form": _("Web form"),
        "agent": _("Agent"),
        "api": _("API"),
        "import": _("Data import"),
        "appointment": _("Appointment"),
        "message_link": _("Link in a message"),
    }


def service_kinds(_: Translate) -> dict[str, str]:
    return {
        "mobile": _("Mobile"),
        "broadband": _("Broadband"),
        "tv": _("TV"),
        "electricity": _("Electricity"),
        "gas": _("Gas"),
    }


def service_identifiers(_: Translate) -> dict[str, str]:
    """The identifiers the network gives a service (`Service.identifiers`' keys)."""
    return {
        "msisdn": _("Phone number"),
        "iccid": _("SIM card number (ICCID)"),
        "smdp_address": _("eSIM server (SM-DP+)"),
        "ported": _("Number transferred"),
        "line_id": _("Line ID"),
        "router_serial": _("Router serial number"),
        "router_tracking_number": _("Router parcel tracking number"),
        "stb_serial": _("TV box serial number"),
        "stb_tracking_number": _("TV box parcel tracking number"),
        "tv_account": _("TV account"),
        "ean": _("Metering point ID"),
        "supply_point": _("Metering point ID"),
        "switch_date": _("Supply switch date"),
        "meter_id": _("Meter ID"),
        "terminated_on": _("Terminated on"),
        "features": _("Features"),
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
