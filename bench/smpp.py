"""SMPP benchmark: SMS submitted to an SMS centre per second by one `SmppChannel`.

The SMS centre is the tests' SMPP 3.4 peer (tests/messaging/smpp_peer.py: binds,
submit_sm, enquire_link, unbind over a local TCP port, in a thread of this process). It
reports SMS per second and how many transmitter binds the channel made (one per message
before the binds were kept; one for the run now).

Prints a table and, on its last line, one JSON object.

    uv run python bench/smpp.py --messages 300
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' SMS centre

from sms_gateway import sms
from tests.messaging.smpp_peer import SmppPeer, smpp_peer

from firstmile.messaging.channels.sms.smpp import SmppChannel, close_binds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--messages", type=int, default=300)
    args = p.parse_args()
    messages = [sms(i) for i in range(args.messages)]
    with smpp_peer(SmppPeer()) as centre:
        channel = SmppChannel(
            host="127.0.0.1",
            port=centre.port,
            system_id=centre.system_id,
            password=centre.password,
            sender="Firstmile",
        )
        started = time.perf_counter()
        for message in messages:
            channel.deliver(message)
        elapsed = time.perf_counter() - started
        close_binds()
        results = {
            "benchmark": "smpp",
            "messages": args.messages,
            "sms_per_s": round(args.messages / elapsed, 1),
            "binds": centre.binds,
            "submitted": len(centre.submitted),
        }
    for name, value in results.items():
        print(f"{name:<12}{value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
