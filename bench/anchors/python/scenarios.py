"""What both Python anchors share: the BENCH_* settings and every scenario's answer except the
fan-out's I/O, which is the one thing the WSGI (sync, gevent) and ASGI (Uvicorn) apps do differently.
"""
import hashlib
import json
import os

import httpx

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:9400")
DELAY_MS = int(os.environ.get("BENCH_DELAY_MS", "300"))
ITERATIONS = int(os.environ.get("BENCH_CPU_ITERATIONS", "100000"))
CONNECTIONS = int(os.environ.get("BENCH_UPSTREAM_CONNECTIONS", "1024"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "hello")
FANOUT_PATHS = ("/user", "/orders", "/products")


_clients = {}


def upstream_client(kind):
    """The worker's one pooled upstream client of `kind` (httpx.Client or httpx.AsyncClient).

    Made on first use, so it is created in the worker after the fork (a pool must not be shared
    across forks) and, for ASGI, inside the worker's event loop.
    """
    client = _clients.get(kind)
    if client is None:
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        client = _clients[kind] = kind(base_url=UPSTREAM, limits=limits, timeout=30.0)
    return client


def fixed_body(scenario, path="/"):
    """(content type, body) for the scenarios that make no upstream call; None for the fan-outs.

    cpu-offload has two routes: /hello answers at once, any other path burns the PBKDF2 of cpu.
    """
    if scenario == "cpu-offload":
        scenario = "hello" if path == "/hello" else "cpu"
    if scenario == "hello":
        return "text/plain", b"Hello, World!"
    if scenario == "json":
        return "application/json", json.dumps({"message": "Hello, World!"}).encode()
    if scenario == "cpu":
        key = hashlib.pbkdf2_hmac("sha256", b"corral", b"bench", ITERATIONS, 32)
        return "application/json", json.dumps({"key": key.hex()}).encode()
    if scenario in ("fanout", "fanout-io"):
        return None
    raise ValueError(f"unknown BENCH_SCENARIO {scenario!r}")


def fanout_body(results):
    user, orders, products = results
    data = {"status": "ok", "count": 3, "user": user, "orders": orders, "products": products}
    return "application/json", json.dumps(data).encode()
