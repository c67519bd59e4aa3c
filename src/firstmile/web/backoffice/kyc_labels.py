"""Words for the codes an identity review shows: the checks of a machine-readable zone, the
kinds of document and image, and the actions of the audit trail. A code without a word here
(a check added to the kyc domain later) is shown as it is."""

from __future__ import annotations

from datetime import date
from typing import Any

from firstmile.web.backoffice.common import Translate
from firstmile.web.locale import Formats

DATE_FIELDS = frozenset({"birth_date", "expiry_date"})


def check_names(_: Translate) -> dict[str, str]:
    return {
        "characters": _("Only characters a zone may hold"),
        "document_code": _("Document code"),
        "issuing_state": _("Issuing state"),
        "nationality": _("Nationality"),
        "name": _("Name"),
        "document_number": _("Document number"),
        "document_number_check_digit": _("Check digit of the document number"),
        "birth_date": _("Date of birth"),
        "birth_date_check_digit": _("Check digit of the date of birth"),
        "sex": _("Sex"),
        "expiry_date": _("Expiry date"),
        "expiry_date_check_digit": _("Check digit of the expiry date"),
        "personal_number_check_digit": _("Check digit of the personal number"),
        "composite_check_digit": _("Check digit of the whole zone"),
        "not_expired": _("Not expired"),
        "adult": _("Of age"),
        "matches_typed_surname": _("Typed surname matches"),
        "matches_typed_given_names": _("Typed given names match"),
        "matches_typed_birth_date": _("Typed date of birth matches"),
        "matches_typed_document_number": _("Typed document number matches"),
    }


def document_types(_: Translate) -> dict[str, str]:
    """What the zone's document code says the document is."""
    return {
        "passport": _("Passport"),
        "visa": _("Visa"),
        "identity card": _("Identity card"),
        "official travel document": _("Official travel document"),
    }


def image_kinds(_: Translate) -> dict[str, str]:
    return {
        "document_front": _("Front of the document"),
        "document_back": _("Back of the document"),
        "selfie": _("Photo of the customer"),
    }


def audit_actions(_: Translate) -> dict[str, str]:
    return {
        "document_uploaded": _("Image uploaded"),
        "document_viewed": _("Image viewed"),
        "viewed": _("Case opened"),
        "assigned": _("Assigned"),
        "awaiting_documents": _("Waiting for documents"),
        "in_review": _("Sent to review"),
        "info_requested": _("Customer asked for documents"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
    }


def shown_value(name: str, value: Any, fmt: Formats, types: dict[str, str]) -> str:
    """A typed or read value as the page shows it: dates in the page's format, the
    document's type in words, anything else as it is."""
    if value is None:
        return ""
    if name in DATE_FIELDS and isinstance(value, str):
        try:
            return fmt.date(date.fromisoformat(value))
        except ValueError:
            return value  # a partly unknown date as printed in the zone
    if name == "document_type":
        return types.get(str(value), str(value))
    return str(value)
