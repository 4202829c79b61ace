#!/bin/bash
# Copies held unwatched between bursts (X_STOCK) and the most watched (X_COPIES), wt-y's experimental dist, alternating.
NODE=$1; LEVELS=${LEVELS:-20,1000}; ROUNDS=${ROUNDS:-2}
cd /work/wt-y
for round in $(seq 1 $ROUNDS); do
  for cfg in "X_STOCK=0 X_COPIES=8" "X_STOCK=16 X_COPIES=32" "X_STOCK=32 X_COPIES=64"; do
    echo "== round $round $($NODE -v) $cfg"
    env $cfg timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
