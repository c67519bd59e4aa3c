"""A real SMPP 3.4 peer for the tests: an SMS centre on a local TCP port.

It accepts transmitter and receiver binds (one system_id and password), answers submit_sm
with a message id (or a scripted error status), answers enquire_link and unbind, and sends
delivery receipts (deliver_sm with the receipt bit) to a bound receiver when told to. PDUs
are read and written with python-smpplib's PDU classes, over plain sockets.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import smpplib.consts
import smpplib.smpp

from firstmile.messaging.channels.sms.smpp import close_binds


class _Sequences:
    """What smpplib's PDU classes ask of their "client": sequence numbers."""

    def __init__(self) -> None:
        self.sequence = 0
        self._lock = threading.Lock()

    def next_sequence(self) -> int:
        with self._lock:
            self.sequence += 1
            return self.sequence


SEQUENCES = _Sequences()


def _make(command: str, **kwargs: Any) -> Any:
    return smpplib.smpp.make_pdu(command, client=SEQUENCES, **kwargs)


@dataclass
class Submitted:
    source_addr: str
    destination_addr: str
    short_message: bytes
    data_coding: int
    esm_class: int
    registered_delivery: int
    message_id: str


@dataclass
class SmppPeer:
    system_id: str = "firstmile"
    password: str = "secret"
    port: int = 0
    submitted: list[Submitted] = field(default_factory=list)
    refuse_with: list[int] = field(default_factory=list)  # statuses for the next submits
    receivers: list[socket.socket] = field(default_factory=list)
    receipt_answers: list[int] = field(default_factory=list)  # deliver_sm_resp statuses
    binds: int = 0  # transmitter binds accepted
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send_receipt(self, message_id: str, stat: str, *, tlv: bool = True) -> None:
        """A delivery receipt for `message_id` to the bound receiver (waits for one)."""
        deadline = time.monotonic() + 10
        while not self.receivers:
            if time.monotonic() > deadline:
                raise AssertionError("no receiver bound")
            time.sleep(0.02)
        text = (
            f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
            f"submit date:2611301200 done date:2611301201 stat:{stat} err:000 text:"
        )
        extra: dict[str, Any] = {"receipted_message_id": message_id} if tlv else {}
        pdu = _make(
            "deliver_sm",
            source_addr="420601123456",
            destination_addr="firstmile",
            esm_class=0x04,  # SMSC delivery receipt
            short_message=text.encode(),
            **extra,
        )
        with self.lock:
            self.receivers[0].sendall(pdu.generate())

    def wait_receipt_answers(self, count: int) -> list[int]:
        deadline = time.monotonic() + 10
        while len(self.receipt_answers) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.receipt_answers)} receipt answers")
            time.sleep(0.02)
        return self.receipt_answers


def _read_pdu(conn: socket.socket) -> Any | None:
    head = _exact(conn, 4)
    if head is None:
        return None
    (length,) = struct.unpack(">L", head)
    body = _exact(conn, length - 4)
    if body is None:
        return None
    return smpplib.smpp.parse_pdu(head + body, client=SEQUENCES, allow_unknown_opt_params=True)


def _exact(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def _answer(peer: SmppPeer, conn: socket.socket, request: Any) -> bool:
    """Answer one PDU; False when the session ends."""
    command = request.command
    if command in ("bind_transmitter", "bind_receiver", "bind_transceiver"):
        ok = _text(request.system_id) == peer.system_id and _text(request.password) == (
            peer.password
        )
        status = smpplib.consts.SMPP_ESME_ROK if ok else smpplib.consts.SMPP_ESME_RINVPASWD
        reply = _make(f"{command}_resp", sequence=request.sequence, status=status, system_id="peer")
        conn.sendall(reply.generate())
        if ok and command == "bind_receiver":
            peer.receivers.append(conn)
        if ok and command == "bind_transmitter":
            peer.binds += 1
        return ok
    if command == "submit_sm":
        with peer.lock:
            status = peer.refuse_with.pop(0) if peer.refuse_with else smpplib.consts.SMPP_ESME_ROK
            message_id = f"smsc{len(peer.submitted) + 1:05d}"
            if status == smpplib.consts.SMPP_ESME_ROK:
                peer.submitted.append(
                    Submitted(
                        source_addr=_text(request.source_addr),
                        destination_addr=_text(request.destination_addr),
                        short_message=request.short_message,
                        data_coding=int(request.data_coding or 0),
                        esm_class=int(request.esm_class or 0),
                        registered_delivery=int(request.registered_delivery or 0),
                        message_id=message_id,
                    )
                )
        reply = _make(
            "submit_sm_resp",
            sequence=request.sequence,
            status=status,
            message_id=message_id if status == smpplib.consts.SMPP_ESME_ROK else "",
        )
        conn.sendall(reply.generate())
        return True
    if command == "deliver_sm_resp":
        peer.receipt_answers.append(int(request.status))
        return True
    if command == "enquire_link":
        conn.sendall(_make("enquire_link_resp", sequence=request.sequence).generate())
        return True
    if command == "unbind":
        conn.sendall(_make("unbind_resp", sequence=request.sequence).generate())
        return False
    return True


def _session(peer: SmppPeer, conn: socket.socket) -> None:
    try:
        while True:
            request = _read_pdu(conn)
            if request is None or not _answer(peer, conn, request):
                break
    except OSError:
        pass
    finally:
        if conn in peer.receivers:
            peer.receivers.remove(conn)
        conn.close()


@contextmanager
def smpp_peer(peer: SmppPeer | None = None) -> Iterator[SmppPeer]:
    the_peer = peer or SmppPeer()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    the_peer.port = server.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=_session, args=(the_peer, conn), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield the_peer
    finally:
        close_binds()  # the adapter's binds to the SMS centre that goes away
        stop.set()
        thread.join(timeout=5)
        server.close()
        for conn in list(the_peer.receivers):
            conn.close()
