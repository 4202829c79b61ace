#!/bin/bash
# Which of the accept queue and the shed connections' rests makes wrk's p99 at 1,000? (stop 39 diagnostic)
cd /work/wt-x
for round in 1 2; do
for cfg in "default" "X_NOPACE=1" "X_BATCH=100000" "X_NOPACE=1 X_BATCH=100000"; do
  echo "=== round $round cfg $cfg"
  if [ "$cfg" = default ]; then e=""; else e="$cfg"; fi
  env $e node --import tsx bench/fanout-overload.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^\s*(20|1000|1,000)\b|server's p99|accept queue|p99" | head -20
done; done
