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

-- The runner's JSON line, shared with the other overload script; found next to this file.
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "counted-done.lua")(threads)
