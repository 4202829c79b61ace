"""The scenarios as a plain ASGI app, for Gunicorn with Uvicorn workers (seed 000's setup).

Plain ASGI rather than a framework, to match the plain handlers of the Node anchors. The fanout
view is the seed's: three concurrent calls with httpx.AsyncClient under asyncio.gather, over one
pooled client per worker process.
"""
import asyncio

import httpx

from scenarios import DELAY_MS, FANOUT_PATHS, SCENARIO, fanout_body, fixed_body, upstream_client

async def _call(path):
    resp = await upstream_client(httpx.AsyncClient).get(path, params={"ms": DELAY_MS})
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
