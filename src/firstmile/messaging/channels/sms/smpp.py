"""SMS over SMPP 3.4 to the operator's own SMS centre (python-smpplib speaks the protocol).

A delivery binds as a transmitter, submits the message and unbinds. A text longer than one
SMS goes as concatenated parts: each part's short_message starts with a user data header
(UDH, esm_class 0x40) holding the 8-bit concatenation element (IEI 0x00: reference, total,
sequence number); the parts are split by encoding.py, never inside an escape sequence or a
surrogate pair. GSM-7 text goes unpacked, one septet per octet, as the SMSC default
alphabet (data_coding 0); anything else as UCS-2 big-endian (data_coding 8). Every part
asks for a delivery receipt; the SMSC's message id of each part is kept as a reference for
the receipts `firstmile messaging smpp-receiver` collects (see smpp_receiver.py).

Errors: no connection, a timeout, throttling and a full queue are temporary; a refused
bind (wrong password) or a refused message (invalid destination, ...) are permanent.
"""

from __future__ import annotations

import hashlib

import smpplib.client
import smpplib.consts
import smpplib.exceptions

from firstmile.kit.settings import Settings
from firstmile.messaging.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from firstmile.messaging.channels.sms.encoding import GSM7, analyse
from firstmile.messaging.models import Message

TEMPORARY_STATUSES = frozenset(
    {
        smpplib.consts.SMPP_ESME_RMSGQFUL,
        smpplib.consts.SMPP_ESME_RTHROTTLED,
        smpplib.consts.SMPP_ESME_RX_T_APPN,
        0x00000008,  # ESME_RSYSERR: system error at the SMSC
    }
)
DATA_CODING = {
    GSM7: smpplib.consts.SMPP_ENCODING_DEFAULT,
    "UCS-2": smpplib.consts.SMPP_ENCODING_ISO10646,
}
UDH_INDICATOR = 0x40  # esm_class: the short message starts with a user data header


def encode_part(text: str, encoding: str) -> bytes:
    return text.encode("gsm03.38") if encoding == GSM7 else text.encode("utf-16-be")


def concatenation_header(reference: int, total: int, number: int) -> bytes:
    """UDH with one 8-bit concatenated short message element (3GPP TS 23.040 9.2.3.24.1)."""
    return bytes([0x05, 0x00, 0x03, reference & 0xFF, total, number])


def short_messages(text: str, reference: int) -> tuple[list[bytes], int, int]:
    """The short_message of each part, the data_coding and the esm_class."""
    info = analyse(text)
    coded = [encode_part(part, info.encoding) for part in info.parts]
    if len(coded) == 1:
        return coded, DATA_CODING[info.encoding], 0
    total = len(coded)
    return (
        [concatenation_header(reference, total, n) + part for n, part in enumerate(coded, 1)],
        DATA_CODING[info.encoding],
        UDH_INDICATOR,
    )


def source_address(sender: str) -> tuple[int, int, str]:
    """TON, NPI and address: an international number, or an alphanumeric sender name."""
    digits = sender.removeprefix("+")
    if digits.isdigit():
        return smpplib.consts.SMPP_TON_INTL, smpplib.consts.SMPP_NPI_ISDN, digits
    return smpplib.consts.SMPP_TON_ALNUM, smpplib.consts.SMPP_NPI_UNK, sender[:11]


class SmppChannel:
    name = "smpp"
    reports_receipts = True  # delivery receipts: see smpp_receiver.py, the callback API

    def __init__(
        self,
        *,
        host: str,
        port: int,
        system_id: str,
        password: str,
        sender: str,
        system_type: str = "",
        timeout: float = 10.0,
    ) -> None:
        if not system_id:
            raise ValueError("the SMPP system_id is not configured")
        self.host, self.port, self.timeout = host, port, timeout
        self.system_id, self.password, self.system_type = system_id, password, system_type
        self.sender = sender

    @classmethod
    def from_settings(cls, settings: Settings) -> SmppChannel:
        return cls(
            host=settings.smpp_host,
            port=settings.smpp_port,
            system_id=settings.smpp_system_id,
            password=settings.smpp_password,
            system_type=settings.smpp_system_type,
            sender=settings.sms_sender,
            timeout=settings.smpp_timeout_seconds,
        )

    def deliver(self, message: Message) -> DeliveryResult:
        if not message.recipient:
            raise PermanentDeliveryError("the message has no recipient number")
        # One reference per message, the same on a retry: a phone joins parts by it.
        reference = hashlib.sha256(message.id.encode()).digest()[0]
        parts, data_coding, esm_class = short_messages(message.body_text, reference)
        ids: list[str] = []
        client = smpplib.client.Client(self.host, self.port, timeout=self.timeout)
        client.set_message_sent_handler(lambda pdu, **_: ids.append(pdu_text(pdu.message_id)))
        try:
            client.connect()
            client.bind_transmitter(
                system_id=self.system_id, password=self.password, system_type=self.system_type
            )
            ton, npi, source = source_address(self.sender)
            for part in parts:
                client.send_message(
                    source_addr_ton=ton,
                    source_addr_npi=npi,
                    source_addr=source,
                    dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=message.recipient.removeprefix("+"),
                    short_message=part,
                    data_coding=data_coding,
                    esm_class=esm_class,
                    registered_delivery=True,
                )
                expected = len(ids) + 1
                while len(ids) < expected:  # the submit_sm_resp (or an error) for this part
                    client.read_once(auto_send_enquire_link=False)
            client.unbind()
        except smpplib.exceptions.PDUError as exc:
            status = exc.args[1] if len(exc.args) > 1 else None
            if status in TEMPORARY_STATUSES:
                raise TemporaryDeliveryError(f"SMSC busy: {exc.args[0]}") from exc
            raise PermanentDeliveryError(f"SMSC refused: {exc.args[0]}") from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:  # timeouts included
            raise TemporaryDeliveryError(f"SMSC unavailable: {exc!r}") from exc
        finally:
            client.disconnect()
        return DeliveryResult(provider_message_id=ids[0], references=tuple(ids))


def pdu_text(value: object) -> str:
    """A PDU's C-octet string field as text (smpplib gives bytes or str, or None)."""
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return "" if value is None else str(value)
