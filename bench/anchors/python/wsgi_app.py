"""The scenarios as a plain WSGI app, for Gunicorn's sync, gthread and gevent workers.

Settings come from the BENCH_* environment the runner gives every server. The fanout view is
the seed's: under the sync worker it calls the upstream three times in a row (a sync worker has
nothing else to do while it waits, so the critical path is 3 x delay); under the gevent worker,
which monkey-patches sockets before loading this module, it spawns the three calls as greenlets,
the gevent idiom for concurrent I/O, so its critical path is one delay like the async servers.
"""
import httpx

from scenarios import DELAY_MS, FANOUT_PATHS, SCENARIO, fanout_body, fixed_body, upstream_client


def _gevent_patched():
    try:
        from gevent import monkey
        return monkey.is_module_patched("socket")
    except ImportError:
        return False


def _call(path):
    return upstream_client(httpx.Client).get(path, params={"ms": DELAY_MS}).json()


def _fanout():
    if _gevent_patched():
        import gevent
        jobs = [gevent.spawn(_call, p) for p in FANOUT_PATHS]
        gevent.joinall(jobs, raise_error=True)
        return [j.value for j in jobs]
    return [_call(p) for p in FANOUT_PATHS]


def _body(scenario, path):
    fixed = fixed_body(scenario, path)
    if fixed is not None:
        return fixed
    return fanout_body(_fanout())


def app(environ, start_response):
    content_type, body = _body(SCENARIO, environ.get("PATH_INFO", "/"))
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
