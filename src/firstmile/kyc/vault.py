"""Identity document images, encrypted at rest with AES-256-GCM.

The key is derived (HKDF-SHA256) from the installation's secret key, for this purpose only;
each image gets a fresh 96-bit nonce, and the document's id is the associated data, so a
ciphertext moved onto another document's row does not decrypt.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from firstmile.kit import secrets as kit_secrets
from firstmile.kit.settings import Settings

NONCE_BYTES = 12


def _key(settings: Settings) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"firstmile kyc documents v1"
    ).derive(kit_secrets.secret_key(settings))


def seal(settings: Settings, document_id: str, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_key(settings)).encrypt(nonce, plain, document_id.encode())


def open_sealed(settings: Settings, document_id: str, sealed: bytes) -> bytes:
    """The image; raises cryptography's InvalidTag when the bytes or the key are wrong."""
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return AESGCM(_key(settings)).decrypt(nonce, ciphertext, document_id.encode())


def fingerprint(settings: Settings, *parts: str) -> str:
    """A keyed hash of identifying values (e.g. issuing state and document number): equal
    for equal values, useless to anyone without the secret key."""
    return kit_secrets.sign(settings, "kyc-fingerprint", "\x1f".join(p.upper() for p in parts))
