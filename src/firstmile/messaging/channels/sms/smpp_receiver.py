"""Delivery receipts from the SMS centre: a long-lived SMPP receiver bind.

`firstmile messaging smpp-receiver` runs `ReceiptListener.run`: it binds as a receiver,
answers enquire_link, and turns each delivery receipt (a deliver_sm with the receipt bit in
esm_class) into `delivery.record_receipt`, committed before the deliver_sm_resp is sent. If
storing fails, the answer is a temporary error, so the SMSC delivers the receipt again.
The receipted message id comes from the receipted_message_id TLV, or else from the
receipt text ("id:... stat:DELIVRD err:000 ...", SMPP 3.4 Appendix B). A dropped
connection is re-established with a growing pause.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import smpplib.client
import smpplib.exceptions
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit.errors import NotFound
from firstmile.kit.settings import Settings
from firstmile.messaging.channels.sms import receipts
from firstmile.messaging.channels.sms.smpp import pdu_text
from firstmile.messaging.models import ReceiptState

log = logging.getLogger("firstmile.messaging.smpp")
RECEIPT_BIT = 0x04  # esm_class: SMSC delivery receipt
OK = 0x00000000  # ESME_ROK
TEMPORARY_APP_ERROR = 0x00000064  # ESME_RX_T_APPN: the SMSC tries again later
FIELD = re.compile(r"(id|stat|err):(\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Receipt:
    reference: str
    stat: str
    error: str


def parse_receipt(esm_class: int, text: str, receipted_message_id: str | None) -> Receipt | None:
    """The receipt a deliver_sm carries; None when it is not a receipt (a mobile-originated
    message) or names no message."""
    if not esm_class & RECEIPT_BIT:
        return None
    fields = {k.lower(): v for k, v in FIELD.findall(text)}
    reference = receipted_message_id or fields.get("id")
    if not reference or "stat" not in fields:
        return None
    return Receipt(reference, fields["stat"], fields.get("err", ""))


Record = Callable[[Session, str, ReceiptState, str], object]


class ReceiptListener:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        record: Record,
        *,
        host: str,
        port: int,
        system_id: str,
        password: str,
        system_type: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.sessions, self.record = sessions, record
        self.host, self.port, self.timeout = host, port, timeout
        self.system_id, self.password, self.system_type = system_id, password, system_type

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: sessionmaker[Session], record: Record
    ) -> ReceiptListener:
        return cls(
            sessions,
            record,
            host=settings.smpp_host,
            port=settings.smpp_port,
            system_id=settings.smpp_system_id,
            password=settings.smpp_password,
            system_type=settings.smpp_system_type,
            timeout=settings.smpp_timeout_seconds,
        )

    def handle(self, pdu: object) -> int:
        """Store one deliver_sm's receipt; the status to answer with."""
        text = pdu_text(getattr(pdu, "short_message", b""))
        receipted = getattr(pdu, "receipted_message_id", None)
        receipt = parse_receipt(
            int(getattr(pdu, "esm_class", 0) or 0), text, pdu_text(receipted) if receipted else None
        )
        if receipt is None:
            return OK  # not a receipt: nothing for us
        try:
            state = receipts.state_of(receipt.stat)
        except ValueError:
            log.warning("receipt with unknown state %r for %s", receipt.stat, receipt.reference)
            return OK
        if state is None:
            return OK  # intermediate (en route, accepted)
        try:
            with self.sessions() as db:
                detail = f"{receipt.stat} err:{receipt.error}" if receipt.error else receipt.stat
                self.record(db, receipt.reference, state, detail)
                db.commit()
        except NotFound:
            log.warning("receipt for an unknown SMSC message id %s", receipt.reference)
            return OK  # answering an error would only repeat it
        except Exception:
            log.exception("could not store the receipt for %s; the SMSC will resend it", receipt)
            return TEMPORARY_APP_ERROR
        return OK

    def run(self, stop: threading.Event) -> None:
        """Hold a receiver bind until `stop` is set, reconnecting after failures."""
        pause = 1.0
        while not stop.is_set():
            client = smpplib.client.Client(self.host, self.port, timeout=self.timeout)
            client.set_message_received_handler(lambda pdu, **_: self.handle(pdu))
            try:
                client.connect()
                client.bind_receiver(
                    system_id=self.system_id, password=self.password, system_type=self.system_type
                )
                log.info("bound to the SMSC as a receiver")
                pause = 1.0
                while not stop.is_set():
                    client.read_once()  # a quiet link is kept alive with enquire_link
                client.unbind()
            except (
                smpplib.exceptions.ConnectionError,
                smpplib.exceptions.PDUError,
                OSError,
            ) as exc:
                log.warning("SMPP receiver: %r; reconnecting in %.0f s", exc, pause)
                stop.wait(pause)
                pause = min(pause * 2, 60.0)
            finally:
                client.disconnect()
