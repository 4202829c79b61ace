-- wrk script for bench/shop-product.ts: GET /api/products/:id for a random product among the first
-- SHOP_BENCH_IDS (default 1000), as a random signed-in user (so all five calls run), counting
-- answers whose "degraded" list is not empty. Prints one JSON line in done() for the runner.
local ids = tonumber(os.getenv("SHOP_BENCH_IDS") or "1000")
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (tonumber(wrk.thread:get("id")) or 0) * 7919)
  degraded, checked, good, shed = 0, 0, 0, 0
end

function request()
  local id = math.random(1, ids)
  return wrk.format("GET", "/api/products/" .. id, { ["X-User-Id"] = tostring(math.random(1, 1000)) })
end

function response(status, headers, body)
  checked = checked + 1
  if status == 200 and not string.find(body, '"degraded":[]', 1, true) then degraded = degraded + 1 end
  if status == 200 and string.find(body, '"degraded":[]', 1, true) then good = good + 1 end
  -- Shed by corral's overload control: its 503 is text/plain (the shop's own 503s are problem+json).
  if status == 503 and string.find(headers["content-type"] or headers["Content-Type"] or "", "text/plain", 1, true) then shed = shed + 1 end
end

-- The runner's JSON line, shared with the other overload script; found next to this file.
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../overload/counted-done.lua")(threads)
