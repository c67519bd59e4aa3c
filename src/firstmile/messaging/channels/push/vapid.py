"""The operator's VAPID key (RFC 8292): it signs every Web Push request, and browsers
subscribe with its public half (the "application server key").

`FIRSTMILE_WEBPUSH_VAPID_PRIVATE_KEY_PATH` names a PEM file (a P-256 key); without it a key
is made once in the data directory, as the demo sealing certificate is.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from firstmile.kit.files import create_once
from firstmile.kit.settings import Settings

KEY_FILE = "vapid.pem"


def key_path(settings: Settings) -> Path:
    if settings.webpush_vapid_private_key_path is not None:
        return settings.webpush_vapid_private_key_path
    return create_once(settings.data_dir / KEY_FILE, _new_key_pem)


def _new_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load(settings: Settings) -> Vapid02:
    return Vapid02.from_file(str(key_path(settings)))


def application_server_key(settings: Settings) -> str:
    """The public key as browsers want it: the uncompressed point, base64url, no padding."""
    point = load(settings).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()
