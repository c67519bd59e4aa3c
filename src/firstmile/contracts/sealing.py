"""The operator's seal: PAdES signatures with pyHanko, and their validation.

A real operator configures a PKCS#12 file (`FIRSTMILE_SEALING_PKCS12_PATH` and `_PASSWORD`).
Without one, a demo certificate is made once in `settings.data_dir`: a demo root CA and a seal
certificate issued by it, kept together in one PKCS#12 file. Two processes starting at once
each write a temporary file and hard-link it into place; the first link wins and the other
process reads the winner's file, so every process seals with the same certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from firstmile.kit.files import create_once
from firstmile.kit.settings import Settings, current
from firstmile.kit.time import utcnow

DEMO_FILE = Path("contracts") / "demo-sealing.p12"
SEAL_FIELD = "OperatorSeal"


@dataclass(frozen=True)
class SealingIdentity:
    path: Path
    password: bytes | None


def identity(settings: Settings) -> SealingIdentity:
    """The configured PKCS#12 file, or the demo one (made now if missing)."""
    if settings.sealing_pkcs12_path is not None:
        password = settings.sealing_pkcs12_password.encode() or None
        return SealingIdentity(settings.sealing_pkcs12_path, password)
    return SealingIdentity(ensure_demo_certificate(settings), None)


def ensure_demo_certificate(settings: Settings) -> Path:
    """The demo PKCS#12 path, creating it on first use; safe under concurrent starts."""
    return create_once(settings.data_dir / DEMO_FILE, _demo_pkcs12)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "firstmile demo operator"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ"),
        ]
    )


def _demo_pkcs12() -> bytes:
    now = utcnow().astimezone(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("firstmile demo sealing root (not trusted anywhere)")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("firstmile demo operator seal"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"firstmile demo seal", key, cert, [ca], serialization.NoEncryption()
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def seal(pdf: bytes, *, reason: str, location: str, contact: str, settings: Settings) -> bytes:
    """`pdf` with the operator's PAdES seal appended as an incremental update.

    The original bytes stay a prefix of the result, so the customer's signed hash can be
    checked on the sealed file too.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    ident = identity(settings)
    signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
        str(ident.path), passphrase=ident.password
    )
    if signer is None:
        raise ValueError(f"cannot read the sealing certificate {ident.path}")
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason[:500],
        location=location[:200],
        contact_info=contact[:200],
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
    return bytes(out.getvalue())


def certificate_subject(settings: Settings) -> str:
    ident = identity(settings)
    _key, cert, _extra = pkcs12.load_key_and_certificates(ident.path.read_bytes(), ident.password)
    return cert.subject.rfc4514_string() if cert is not None else ""


def trust_roots(settings: Settings) -> list[Any]:
    """The certificates a validation trusts: the seal's own chain (asn1crypto objects)."""
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]

    ident = identity(settings)
    _key, cert, extra = pkcs12.load_key_and_certificates(ident.path.read_bytes(), ident.password)
    chain = [*(extra or []), *([cert] if cert is not None else [])]
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]


def validate(pdf: bytes, *, settings: Settings | None = None) -> dict[str, Any]:
    """Whether the seal is intact (bytes as signed) and trusted; `valid` needs both."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    report: dict[str, Any] = {
        "signed": False,
        "intact": False,
        "valid": False,
        "trusted": False,
        "signer": None,
        "signed_at": None,
        "coverage": None,
        "error": None,
    }
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            report["error"] = "the document carries no signature"
            return report
        report["signed"] = True
        context = ValidationContext(
            trust_roots=trust_roots(settings or current()), allow_fetching=False
        )
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as exc:  # a tampered file may not even parse: report, never raise
        report["error"] = f"{type(exc).__name__}: {exc}"[:500]
        return report
    when: datetime | None = status.signer_reported_dt
    report.update(
        intact=bool(status.intact),
        valid=bool(status.intact and status.valid and status.trusted),
        trusted=bool(status.trusted),
        signer=status.signing_cert.subject.human_friendly,
        signed_at=when.isoformat() if when else None,
        coverage=status.coverage.name if status.coverage is not None else None,
    )
    return report
