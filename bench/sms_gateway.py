"""SMS gateway benchmark: messages handed to an HTTP SMS gateway per second, three ways.

A gateway (http.server, HTTP/1.1 keep-alive, in a process of its own, answering each POST
after --latency seconds, as a gateway across a network would) receives --messages SMS
from `HttpGatewayChannel`:

1. one new HTTP client per message (`httpx.post`, as the channel did before kit/outbound):
   a TCP connection and an SSL context each time;
2. the process's kept-alive client (kit/outbound), one message at a time (`deliver`);
3. the same, a batch of 50 over --connections connections at once (`deliver_many`).

Prints a table and, on its last line, one JSON object.

    uv run python bench/sms_gateway.py --messages 400
    uv run python bench/sms_gateway.py --messages 400 --latency 0.01
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from firstmile.kit.db import new_id
from firstmile.messaging.channels.sms.http_gateway import HttpGatewayChannel
from firstmile.messaging.models import Channel, Message, MessageClass, MessageStatus

TEMPLATE = '{"to": "{to}", "text": "{text}", "from": "{sender}", "reference": "{reference}"}'


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--messages", type=int, default=400)
    p.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    p.add_argument("--connections", type=int, default=8, help="for the batch (way 3)")
    return p.parse_args()


def serve(port: int, latency: float, ready: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if latency:
                time.sleep(latency)
            payload = json.dumps({"id": new_id()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ready.set()
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def sms(i: int) -> Message:
    return Message(
        id=new_id(),
        customer_id=new_id(),
        purpose="bench",
        klass=MessageClass.TRANSACTIONAL,
        channel=Channel.SMS,
        recipient=f"+420601{i:06d}",
        locale="cs",
        subject="",
        body_text=f"Váš kód je {i:06d}.",
        status=MessageStatus.QUEUED,
    )


def main() -> None:
    args = parse_args()
    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    gateway = context.Process(target=serve, args=(port, args.latency, ready), daemon=True)
    gateway.start()
    if not ready.wait(30):
        raise SystemExit("the benchmark's gateway did not start")
    url = f"http://127.0.0.1:{port}/sms"
    messages = [sms(i) for i in range(args.messages)]
    channel = HttpGatewayChannel(
        url=url, body_template=TEMPLATE, sender="Operator", connections=args.connections
    )
    results: dict[str, Any] = {
        "benchmark": "sms_gateway",
        "messages": args.messages,
        "latency_s": args.latency,
        "connections": args.connections,
    }

    started = time.perf_counter()
    for message in messages:
        httpx.post(url, json=channel.body(message), timeout=10.0).raise_for_status()
    results["new_client_per_message_per_s"] = round(
        args.messages / (time.perf_counter() - started), 1
    )

    started = time.perf_counter()
    for message in messages:
        channel.deliver(message)
    results["kept_alive_one_at_a_time_per_s"] = round(
        args.messages / (time.perf_counter() - started), 1
    )

    started = time.perf_counter()
    for at in range(0, len(messages), 50):
        answers = channel.deliver_many(messages[at : at + 50])
        failed = [a for a in answers if isinstance(a, Exception)]
        if failed:
            raise SystemExit(f"the gateway refused: {failed[0]}")
    results["kept_alive_batch_at_once_per_s"] = round(
        args.messages / (time.perf_counter() - started), 1
    )
    gateway.terminate()
    for name, value in results.items():
        print(f"{name:<34}{value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
