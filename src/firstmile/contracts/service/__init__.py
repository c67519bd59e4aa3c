"""The contracts domain's service: preparation and rendering, signature, seal, validation.

Other domains call: `prepare_contract(db, order, *, actor)` when an order is placed,
`void_for_order(db, order_id, *, actor)` when it is cancelled before signature (the
`order.cancelled` subscriber in tasks.py does this too), and read `document(db, id)`.
"""

from firstmile.contracts.service.preparation import (
    RENDER_JOB,
    contracts_for,
    document,
    get_contract,
    prepare_contract,
    render_input,
    render_pdf,
    store_render,
    void_for_order,
    void_if_unsigned,
)
from firstmile.contracts.service.seal import SEAL_JOB, seal_contract, validation_of
from firstmile.contracts.service.signing import (
    SIGNATURE_PURPOSE,
    get_signature,
    mask_address,
    request_signature,
    sign,
)

__all__ = [
    "RENDER_JOB",
    "SEAL_JOB",
    "SIGNATURE_PURPOSE",
    "contracts_for",
    "document",
    "get_contract",
    "get_signature",
    "mask_address",
    "prepare_contract",
    "render_input",
    "render_pdf",
    "request_signature",
    "seal_contract",
    "sign",
    "store_render",
    "validation_of",
    "void_for_order",
    "void_if_unsigned",
]
