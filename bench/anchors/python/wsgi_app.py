"""The scenarios as a plain WSGI app, for Gunicorn's sync and gevent workers.

Settings come from the BENCH_* environment the runner gives every server. The fanout view is
the seed's: under the sync worker it calls the upstream three times in a row (a sync worker has
nothing else to do while it waits, so the critical path is 3 x delay); under the gevent worker,
which monkey-patches sockets before loading this module, it spawns the three calls as greenlets,
the gevent idiom for concurrent I/O, so its critical path is one delay like the async servers.
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


def _gevent_patched():
    try:
        from gevent import monkey
        return monkey.is_module_patched("socket")
    except ImportError:
        return False


_client = None


def _upstream():
    # Created on first use, in the worker after the fork: a pool must not be shared across forks.
    global _client
    if _client is None:
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        _client = httpx.Client(base_url=UPSTREAM, limits=limits, timeout=30.0)
    return _client


def _call(path):
    return _upstream().get(path, params={"ms": DELAY_MS}).json()


def _fanout():
    paths = ("/user", "/orders", "/products")
    if _gevent_patched():
        import gevent
        jobs = [gevent.spawn(_call, p) for p in paths]
        gevent.joinall(jobs, raise_error=True)
        results = [j.value for j in jobs]
    else:
        results = [_call(p) for p in paths]
    user, orders, products = results
    return {"status": "ok", "count": 3, "user": user, "orders": orders, "products": products}


def _body(scenario):
    if scenario == "hello":
        return "text/plain", b"Hello, World!"
    if scenario == "json":
        return "application/json", json.dumps({"message": "Hello, World!"}).encode()
    if scenario == "cpu":
        key = hashlib.pbkdf2_hmac("sha256", b"corral", b"bench", ITERATIONS, 32)
        return "application/json", json.dumps({"key": key.hex()}).encode()
    if scenario == "fanout":
        return "application/json", json.dumps(_fanout()).encode()
    raise ValueError(f"unknown BENCH_SCENARIO {scenario!r}")


def app(environ, start_response):
    content_type, body = _body(SCENARIO)
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
