#!/bin/bash
# Copies per worker during a burst: 8 (the branch) against 32 and 64 (X_COPIES, wt-y's dist), alternating.
NODE=$1; LEVELS=${LEVELS:-20,1000}; ROUNDS=${ROUNDS:-2}
cd /work/wt-y
for round in $(seq 1 $ROUNDS); do
  for k in 8 32 64; do
    echo "== round $round $($NODE -v) copies $k"
    X_COPIES=$k timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
