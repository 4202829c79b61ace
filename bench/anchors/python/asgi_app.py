"""The scenarios as a plain ASGI app, for Gunicorn with Uvicorn workers (seed 000's setup).

Plain ASGI rather than a framework, to match the plain handlers of the Node anchors. The fanout
view is the seed's: three concurrent calls with httpx.AsyncClient under asyncio.gather, over one
pooled client per worker process.
"""
import asyncio
import hashlib
import json
import os

import httpx

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:9400")
DELAY_MS = int(os.environ.get("BENCH_DELAY_MS", "300"))
ITERATIONS = int(os.environ.get("BENCH_CPU_ITERATIONS", "100000"))
CONNECTIONS = int(os.environ.get("BENCH_UPSTREAM_CONNECTIONS", "1024"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "hello")

_client = None


def _upstream():
    # Created on first use inside the worker's event loop, after the fork.
    global _client
    if _client is None:
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        _client = httpx.AsyncClient(base_url=UPSTREAM, limits=limits, timeout=30.0)
    return _client


async def _call(path):
    resp = await _upstream().get(path, params={"ms": DELAY_MS})
    return resp.json()


async def _body(scenario):
    if scenario == "hello":
        return "text/plain", b"Hello, World!"
    if scenario == "json":
        return "application/json", json.dumps({"message": "Hello, World!"}).encode()
    if scenario == "cpu":
        key = hashlib.pbkdf2_hmac("sha256", b"corral", b"bench", ITERATIONS, 32)
        return "application/json", json.dumps({"key": key.hex()}).encode()
    if scenario == "fanout":
        user, orders, products = await asyncio.gather(_call("/user"), _call("/orders"), _call("/products"))
        data = {"status": "ok", "count": 3, "user": user, "orders": orders, "products": products}
        return "application/json", json.dumps(data).encode()
    raise ValueError(f"unknown BENCH_SCENARIO {scenario!r}")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _client is not None:
                    await _client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return
    content_type, body = await _body(SCENARIO)
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
