-- wrk script for bench/fanout-overload.ts: GET / of the fanout-io scenario, counting 200s (every
-- call answered: goodput), 503s (shed by the overload control) and the rest (502: a call failed
-- or was refused by its upstream's limit). Prints one JSON line in done() for the runner.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  degraded, checked, good, shed = 0, 0, 0, 0
end

function response(status, headers, body)
  checked = checked + 1
  if status == 200 then good = good + 1
  elseif status == 503 and string.find(headers["content-type"] or headers["Content-Type"] or "", "text/plain", 1, true) then shed = shed + 1
  else degraded = degraded + 1 end
end

function done(summary, latency, requests)
  local d, c, g, s = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    d = d + (t:get("degraded") or 0)
    c = c + (t:get("checked") or 0)
    g = g + (t:get("good") or 0)
    s = s + (t:get("shed") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.0f,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,"degraded":%d,"checked":%d,"good":%d,"shed":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout, d, c, g, s))
end
