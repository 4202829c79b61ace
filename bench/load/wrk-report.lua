-- wrk's done() hook: print the run's summary as one JSON line, latencies in microseconds,
-- so the runner reads exact figures instead of parsing wrk's rounded human output.
--
-- With BENCH_WRK_PATH set (a path with "{id}" in it), each request asks for a random id from 1 to
-- BENCH_WRK_IDS, with a random user id from 1 to BENCH_WRK_USERS in the header BENCH_WRK_USER_HEADER
-- when that is set: the product scenario's pages, as many users would ask for them.
local template = os.getenv("BENCH_WRK_PATH")
local threads = 0

init = function(args)
  math.randomseed(os.time() + (tonumber(wrk.thread:get("seed")) or 0))
end

if template then
  local ids = tonumber(os.getenv("BENCH_WRK_IDS") or "1000")
  local header = os.getenv("BENCH_WRK_USER_HEADER")
  local users = tonumber(os.getenv("BENCH_WRK_USERS") or "1000")
  request = function()
    local path = string.gsub(template, "{id}", tostring(math.random(1, ids)))
    if header then return wrk.format("GET", path, { [header] = tostring(math.random(1, users)) }) end
    return wrk.format("GET", path)
  end
end

-- With BENCH_WRK_SEND_MS set, each thread sends requests for that many milliseconds and then stops
-- sending, so the answers still on their way arrive before wrk ends (its -d is longer). wrk's own end
-- closes every connection with a request in flight; a server that cancels the work of a client that
-- left (ctx.signal) then cuts its upstream calls and their keep-alive connections, and the next run
-- pays to open them again. `sent` counts the requests sent in the window: all but the first on each
-- connection were sent because an answer came back in it.
local send_ms = tonumber(os.getenv("BENCH_WRK_SEND_MS") or "")
local all = {}

if send_ms then
  local ffi = require("ffi")
  ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_timespec; int clock_gettime(int, bench_timespec *); ]]
  local ts = ffi.new("bench_timespec")
  local CLOCK_MONOTONIC = 1
  local now_ms = function()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local started
  sent = 0
  -- wrk asks before every request how long to wait; past the window, longer than the run.
  delay = function()
    local now = now_ms()
    started = started or now
    if now - started >= send_ms then return 24 * 3600 * 1000 end
    sent = sent + 1
    return 0
  end
end

setup = function(thread)
  threads = threads + 1
  thread:set("seed", threads * 7919)
  table.insert(all, thread)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local total = -1
  if send_ms then
    total = 0
    for _, t in ipairs(all) do total = total + (t:get("sent") or 0) end
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"sent":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, total))
end
