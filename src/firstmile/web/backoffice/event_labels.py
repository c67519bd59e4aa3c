"""Words for the event log's types (`contact.verified`), as the customer page's timeline
shows them. A type without a word here (one a domain declares later) is shown as its code."""

from __future__ import annotations

from firstmile.web.backoffice.common import Translate


def _customer_events(_: Translate) -> dict[str, str]:
    return {
        "customer.registered": _("Customer registered"),
        "customer.updated": _("Customer details changed"),
        "account.opened": _("Account opened"),
        "account.activated": _("Account activated"),
        "contact.added": _("Contact added"),
        "contact.updated": _("Contact changed"),
        "contact.removed": _("Contact removed"),
        "contact.verification_requested": _("Contact verification requested"),
        "contact.verified": _("Contact verified"),
        "consent.granted": _("Consent given"),
        "consent.withdrawn": _("Consent withdrawn"),
        "portal.login": _("Signed in to the portal"),
        "portal.first_login": _("First sign-in to the portal"),
        "crm.contact_logged": _("Contact logged in the CRM"),
        "help.requested": _("Help requested"),
        "help.closed": _("Help request closed"),
        "tutorial.completed": _("Tutorial completed"),
        "privacy.data_exported": _("Personal data exported"),
        "privacy.data_erased": _("Personal data erased"),
    }


def _sales_events(_: Translate) -> dict[str, str]:
    return {
        "catalog.loaded": _("Catalog loaded"),
        "catalog.eligibility_loaded": _("Coverage loaded"),
        "quote.created": _("Quote made"),
        "quote.ordered": _("Quote ordered"),
        "order.placed": _("Order placed"),
        "order.in_progress": _("Order in progress"),
        "order.completed": _("Order completed"),
        "order.failed": _("Order failed"),
        "order.cancelled": _("Order cancelled"),
        "product.activated": _("Product activated"),
        "product.features_changed": _("Product features changed"),
        "product.terminated": _("Product terminated"),
        "contract.prepared": _("Contract prepared"),
        "contract.ready": _("Contract ready to sign"),
        "contract.signature_requested": _("Signature code requested"),
        "contract.signed": _("Contract signed"),
        "contract.sealed": _("Contract sealed"),
        "contract.voided": _("Contract voided"),
        "billing_account.created": _("Billing account created"),
        "billing_account.updated": _("Billing account changed"),
        "payment_method.added": _("Payment method added"),
        "payment_method.revoked": _("Payment method revoked"),
        "mandate.signed": _("Direct debit mandate signed"),
    }


def _identity_events(_: Translate) -> dict[str, str]:
    return {
        "kyc.started": _("Identity check started"),
        "kyc.documents_submitted": _("Identity documents submitted"),
        "kyc.review_opened": _("Identity review opened"),
        "kyc.review_overdue": _("Identity review overdue"),
        "kyc.approved": _("Identity approved"),
        "kyc.rejected": _("Identity rejected"),
        "kyc.info_requested": _("Identity documents asked for"),
        "kyc.case_assigned": _("Identity review assigned"),
        "kyc.documents_purged": _("Identity document images erased"),
        "kyc.details_purged": _("Identity check details erased"),
    }


def _messaging_events(_: Translate) -> dict[str, str]:
    return {
        "message.requested": _("Message requested"),
        "message.sent": _("Message sent"),
        "message.failed": _("Message failed"),
        "message.suppressed": _("Message not sent"),
        "message.fell_back": _("Message sent again on another channel"),
        "message.delivered": _("Message delivered"),
        "message.opened": _("Message opened"),
        "segment.entered": _("Entered a segment"),
        "segment.left": _("Left a segment"),
        "push.subscribed": _("Push notifications turned on"),
        "push.unsubscribed": _("Push notifications turned off"),
        "journey.entered": _("Journey entered"),
        "journey.step": _("Journey step reached"),
        "journey.variant": _("Journey variant chosen"),
        "journey.converted": _("Journey goal reached"),
        "journey.completed": _("Journey completed"),
        "journey.exited": _("Journey exited"),
        "journey.failed": _("Journey failed"),
        "journey.moved": _("Journey moved by an agent"),
        "journey.published": _("Journey published"),
        "journey.paused": _("Journey paused"),
        "journey.resumed": _("Journey resumed"),
    }


def _delivery_events(_: Translate) -> dict[str, str]:
    return {
        "appointment.booked": _("Appointment booked"),
        "appointment.rescheduled": _("Appointment moved"),
        "appointment.cancelled": _("Appointment cancelled"),
        "appointments.calendars_loaded": _("Calendars loaded"),
        "appointments.slots_extended": _("Appointment slots added"),
        "provisioning.started": _("Provisioning started"),
        "service_order.submitted": _("Service order submitted"),
        "service_order.completed": _("Service order completed"),
        "service_order.failed": _("Service order failed"),
        "service_order.retry_scheduled": _("Service order retry scheduled"),
        "service_order.cancelled": _("Service order cancelled"),
        "service_order.cancellation_submitted": _("Cancellation sent to the network"),
        "service_order.cancellation_failed": _("Network did not take the cancellation"),
        "network.service_order_completed": _("Network completed a service order"),
        "network.service_order_failed": _("Network failed a service order"),
        "fallout.opened": _("Fallout case opened"),
        "fallout.resolved": _("Fallout case resolved"),
        "fallout.retried": _("Fallout case retried"),
        "fallout.assigned": _("Fallout case assigned"),
        "service.activated": _("Service activated"),
        "service.terminated": _("Service terminated"),
        "service.activation_failed": _("Service activation failed"),
        "service.awaiting_self_activation": _("Service awaiting self-activation"),
        "service.self_activated": _("Service activated by the customer"),
        "service.esim_code_issued": _("eSIM code issued"),
        "service.technician_booked": _("Technician booked"),
        "meter.reading_received": _("Meter reading received"),
    }


def _staff_events(_: Translate) -> dict[str, str]:
    return {
        "token.created": _("API token created"),
        "token.revoked": _("API token revoked"),
        "staff.created": _("Staff user created"),
        "staff.logged_in": _("Staff user signed in"),
        "staff.login_failed": _("Staff sign-in failed"),
        "staff.deactivated": _("Staff user deactivated"),
    }


def event_types(_: Translate) -> dict[str, str]:
    """Event type -> its words in the page's language."""
    return (
        _customer_events(_)
        | _sales_events(_)
        | _identity_events(_)
        | _messaging_events(_)
        | _delivery_events(_)
        | _staff_events(_)
    )
