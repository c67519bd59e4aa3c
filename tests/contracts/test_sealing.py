"""The demo sealing certificate, the PAdES seal, validation and the `contracts validate` CLI."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from firstmile.cli import app as cli_app
from firstmile.contracts import sealing
from firstmile.kit.settings import Settings, load_settings

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
)


def _pdf() -> bytes:
    """A small valid PDF with a correct cross-reference table."""
    body = MINIMAL_PDF
    offsets = [body.index(f"{i} 0 obj".encode()) for i in (1, 2, 3)]
    xref = len(body)
    table = "xref\n0 4\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    trailer = f"trailer<</Size 4/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n"
    return body + table.encode() + trailer.encode()


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Settings]:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("seal"))
    pdf = sealing.seal(_pdf(), reason="test", location="Praha", contact="x@y.z", settings=settings)
    return pdf, settings


def test_demo_certificate_is_made_once_even_when_two_processes_start_together(
    tmp_path: Path,
) -> None:
    settings = load_settings(data_dir=tmp_path)
    seen: list[bytes] = []
    start = threading.Barrier(4)

    def first_start() -> None:
        start.wait()
        seen.append(sealing.ensure_demo_certificate(settings).read_bytes())

    threads = [threading.Thread(target=first_start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4
    assert len(set(seen)) == 1  # every starter got the same, complete certificate
    folder = (tmp_path / sealing.DEMO_FILE).parent
    assert [p.name for p in folder.iterdir()] == [sealing.DEMO_FILE.name]  # no temp files left
    assert "CN=firstmile demo operator seal" in sealing.certificate_subject(settings)


def test_sealed_pdf_validates_and_keeps_the_original_bytes(
    sealed: tuple[bytes, Settings],
) -> None:
    pdf, settings = sealed
    report = sealing.validate(pdf, settings=settings)
    assert report["valid"] is True
    assert report["coverage"] == "ENTIRE_FILE"
    assert pdf.startswith(_pdf())


def test_a_seal_from_another_certificate_is_not_trusted(
    sealed: tuple[bytes, Settings], tmp_path: Path
) -> None:
    pdf, _ = sealed
    report = sealing.validate(pdf, settings=load_settings(data_dir=tmp_path))
    assert report["intact"] is True
    assert report["trusted"] is False
    assert report["valid"] is False


def test_an_unsigned_pdf_reports_no_signature(tmp_path: Path) -> None:
    report = sealing.validate(_pdf(), settings=load_settings(data_dir=tmp_path))
    assert (report["signed"], report["valid"]) == (False, False)


def test_garbage_is_reported_not_raised(tmp_path: Path) -> None:
    report = sealing.validate(b"not a pdf", settings=load_settings(data_dir=tmp_path))
    assert report["valid"] is False
    assert report["error"]


def test_configured_pkcs12_is_used_instead_of_the_demo(
    sealed: tuple[bytes, Settings], tmp_path: Path
) -> None:
    _, demo = sealed
    own = load_settings(
        data_dir=tmp_path, sealing_pkcs12_path=sealing.ensure_demo_certificate(demo)
    )
    assert sealing.identity(own).path == sealing.ensure_demo_certificate(demo)
    assert not (tmp_path / sealing.DEMO_FILE).exists()


def test_cli_validate_prints_one_json_object(
    sealed: tuple[bytes, Settings], tmp_path: Path
) -> None:
    pdf, settings = sealed
    path = tmp_path / "sealed.pdf"
    path.write_bytes(pdf)
    env = {"FIRSTMILE_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli_app, ["contracts", "validate", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True


def test_cli_validate_fails_on_a_tampered_file(
    sealed: tuple[bytes, Settings], tmp_path: Path
) -> None:
    pdf, settings = sealed
    tampered = bytearray(pdf)
    tampered[20] ^= 0x01  # inside the signed byte range, in the original objects
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(tampered))
    env = {"FIRSTMILE_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli_app, ["contracts", "validate", str(path)], env=env)
    assert result.exit_code == 1
    assert json.loads(result.output)["valid"] is False
