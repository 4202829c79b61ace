-- The done() of the overload benches' wrk scripts (bench/overload/fanout.lua, bench/shop/product.lua):
-- wrk's own figures and each thread's degraded/checked/good/shed counters, summed, as one JSON line
-- the runner reads (bench/overload/levels.ts). Loaded with dofile; returns a function that takes the
-- script's list of threads and gives its done().
return function(threads)
  return function(summary, latency, requests)
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
end
