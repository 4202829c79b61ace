-- wrk's done() hook: print the run's summary as one JSON line, latencies in microseconds,
-- so the runner reads exact figures instead of parsing wrk's rounded human output.
--
-- With BENCH_WRK_PATH set (a path with "{id}" in it), each request asks for a random id from 1 to
-- BENCH_WRK_IDS, with a random user id from 1 to BENCH_WRK_USERS in the header BENCH_WRK_USER_HEADER
-- when that is set: the product scenario's pages, as many users would ask for them.
local template = os.getenv("BENCH_WRK_PATH")
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("seed", threads * 7919)
end

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

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
