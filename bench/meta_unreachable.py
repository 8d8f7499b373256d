"""Time from "Meta unreachable" to a failed call, with the production defaults (issue 10).

    python bench/meta_unreachable.py

Builds the Graph client exactly as the portal does (the settings' defaults: connect timeout 5 s,
read timeout 30 s, 5 retries per call, a budget of 20, unreachable after 3 calls in a row or
20 s) with real sleeps, then reads a business node from:
- a loopback port nothing listens on (connections refused), and
- a server that accepts connections and never answers (read timeouts).
It prints the seconds until the client raised MetaUnreachableError, which is what ends a sync
run (the sync stops at the first section and records "Meta unreachable").
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph import GraphClient, GraphConfig, MetaUnreachableError  # noqa: E402

# The defaults of config/settings/base.py (META_*), repeated: the client reads no Django.
DEFAULTS = {
    "connect_timeout": 5.0,
    "read_timeout": 30.0,
    "max_retries": 5,
    "retry_budget": 20,
    "unreachable_after": 3,
    "unreachable_seconds": 20.0,
}


def refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def silent_url() -> tuple[str, socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}", sock


def measure(url: str) -> tuple[float, str]:
    client = GraphClient(GraphConfig(base_url=url, version="v25.0", **DEFAULTS), "EAAB" + "x" * 40)
    started = time.monotonic()
    try:
        client.get("/1234567890", {"fields": "id,name"})
    except MetaUnreachableError as err:
        return time.monotonic() - started, err.describe()
    except Exception as err:
        return time.monotonic() - started, f"not unreachable: {err!r}"
    return time.monotonic() - started, "answered?"


def main() -> None:
    seconds, said = measure(refused_url())
    print(f"connection refused : {seconds:6.2f} s  {said}")
    url, sock = silent_url()
    try:
        seconds, said = measure(url)
    finally:
        sock.close()
    print(f"never answers      : {seconds:6.2f} s  {said}")


if __name__ == "__main__":
    main()
