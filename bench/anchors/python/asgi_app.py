"""The scenarios as a plain ASGI app, for Gunicorn with Uvicorn workers (seed 000's setup).

Plain ASGI rather than a framework, to match the plain handlers of the Node anchors. The fanout
view is the seed's: three concurrent calls with httpx.AsyncClient under asyncio.gather, over one
pooled client per worker process.
"""
import asyncio

import httpx

from scenarios import CONNECTIONS, DELAY_MS, FANOUT_PATHS, SCENARIO, UPSTREAM, fanout_body, fixed_body

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
    fixed = fixed_body(scenario)
    if fixed is not None:
        return fixed
    return fanout_body(await asyncio.gather(*(_call(p) for p in FANOUT_PATHS)))


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
