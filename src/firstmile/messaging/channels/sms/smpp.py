"""SMS over SMPP 3.4 to the operator's own SMS centre (python-smpplib speaks the protocol).

A worker binds as a transmitter once and keeps the bind for the messages that follow (SMS
centres throttle, and some refuse, an account that binds for every message): binds are
pooled per process (pool.py: an idle one is checked with enquire_link), and unbound after
any connection error. A refused message leaves its bind in use. A text longer than one
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

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from firstmile.kit.settings import Settings
from firstmile.messaging.channels.base import (
    DeliveryError,
    DeliveryResult,
    HandOff,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    each_at_once,
)
from firstmile.messaging.channels.pool import Kept, KeptOpen
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


@dataclass(frozen=True)
class _Sms:
    """One message as it is submitted: its destination and its parts."""

    destination: str
    parts: list[bytes]
    data_coding: int
    esm_class: int


_Account = tuple[str, int, str, str]  # host, port, system_id, system_type


def _unbind(client: smpplib.client.Client) -> None:
    try:
        if client.state in (
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_TX,
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_RX,
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX,
        ):
            client.unbind()
    except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError):
        pass
    finally:
        client.disconnect()


def _alive(client: smpplib.client.Client) -> bool:
    """Whether the SMS centre still answers on this bind (enquire_link)."""
    try:
        client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
        return bool(client.read_pdu().command == "enquire_link_resp")
    except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError):
        return False


_binds: KeptOpen[_Account, smpplib.client.Client] = KeptOpen(alive=_alive, close=_unbind)


def close_binds() -> None:
    """Unbind the idle SMPP binds (tests, shutdown)."""
    _binds.close_all()


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
        binds: int = 1,
    ) -> None:
        """`binds`: how many transmitter binds a batch's messages may go over at once (the
        SMS centre's account says how many it allows)."""
        if not system_id:
            raise ValueError("the SMPP system_id is not configured")
        self.host, self.port, self.timeout = host, port, timeout
        self.system_id, self.password, self.system_type = system_id, password, system_type
        self.sender = sender
        self.binds = max(1, binds)

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
            binds=settings.smpp_binds,
        )

    def deliver(self, message: Message) -> DeliveryResult:
        return self._submit(self._prepare(message))

    def deliver_many(self, messages: Sequence[Message]) -> list[DeliveryResult | DeliveryError]:
        """A batch over up to `binds` binds at once (the parts made here)."""
        hand_offs: list[HandOff | DeliveryError] = []
        for message in messages:
            try:
                hand_offs.append(functools.partial(self._submit, self._prepare(message)))
            except DeliveryError as exc:
                hand_offs.append(exc)
        return each_at_once(hand_offs, self.binds)

    def _prepare(self, message: Message) -> _Sms:
        if not message.recipient:
            raise PermanentDeliveryError("the message has no recipient number")
        # One reference per message, the same on a retry: a phone joins parts by it.
        reference = hashlib.sha256(message.id.encode()).digest()[0]
        parts, data_coding, esm_class = short_messages(message.body_text, reference)
        return _Sms(message.recipient.removeprefix("+"), parts, data_coding, esm_class)

    def _submit(self, sms: _Sms) -> DeliveryResult:
        parts, data_coding, esm_class = sms.parts, sms.data_coding, sms.esm_class
        ids: list[str] = []
        account = (self.host, self.port, self.system_id, self.system_type)
        bind: Kept[smpplib.client.Client] | None = None
        try:
            bind = self._bound(account)
            client = bind.connection
            client.set_message_sent_handler(lambda pdu, **_: ids.append(pdu_text(pdu.message_id)))
            ton, npi, source = source_address(self.sender)
            for part in parts:
                client.send_message(
                    source_addr_ton=ton,
                    source_addr_npi=npi,
                    source_addr=source,
                    dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=sms.destination,
                    short_message=part,
                    data_coding=data_coding,
                    esm_class=esm_class,
                    registered_delivery=True,
                )
                expected = len(ids) + 1
                while len(ids) < expected:  # the submit_sm_resp (or an error) for this part
                    client.read_once(auto_send_enquire_link=False)
        except smpplib.exceptions.PDUError as exc:  # the bind, or this message, refused
            status = exc.args[1] if len(exc.args) > 1 else None
            if bind is not None:
                if _still_bound(bind.connection, status):
                    _binds.give_back(account, bind)  # only the message was refused
                else:
                    _unbind(bind.connection)
            if status in TEMPORARY_STATUSES:
                raise TemporaryDeliveryError(f"SMSC busy: {exc.args[0]}") from exc
            raise PermanentDeliveryError(f"SMSC refused: {exc.args[0]}") from exc
        except BaseException as exc:
            if bind is not None:
                _unbind(bind.connection)
            if isinstance(exc, smpplib.exceptions.ConnectionError | OSError):  # timeouts too
                raise TemporaryDeliveryError(f"SMSC unavailable: {exc!r}") from exc
            raise
        _binds.give_back(account, bind)
        return DeliveryResult(provider_message_id=ids[0], references=tuple(ids))

    def _bound(self, account: _Account) -> Kept[smpplib.client.Client]:
        """An open transmitter bind from the pool, checked; or a new one. A refused bind
        raises PDUError (its connection closed)."""
        bind = _binds.take(account)
        if bind is not None:
            return bind
        client = smpplib.client.Client(self.host, self.port, timeout=self.timeout)
        try:
            client.connect()
            client.bind_transmitter(
                system_id=self.system_id, password=self.password, system_type=self.system_type
            )
        except BaseException:
            client.disconnect()
            raise
        return Kept(client)


def _still_bound(client: smpplib.client.Client, status: object) -> bool:
    """Whether a bind whose submit was refused with `status` can serve the next message."""
    bound: bool = client.state == smpplib.consts.SMPP_CLIENT_STATE_BOUND_TX
    return bound and status != smpplib.consts.SMPP_ESME_RINVBNDSTS


def pdu_text(value: object) -> str:
    """A PDU's C-octet string field as text (smpplib gives bytes or str, or None)."""
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return "" if value is None else str(value)
