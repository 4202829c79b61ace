#!/bin/bash
# The longest rest of a connection shed again and again (X_BACKOFF, ms; pace.ts's MAX_BACKOFF_MS), with 8 copies (wt-y's dist), alternating.
NODE=$1; LEVELS=${LEVELS:-20,1000}; ROUNDS=${ROUNDS:-2}
cd /work/wt-y
for round in $(seq 1 $ROUNDS); do
  for b in 4000 1000 500; do
    echo "== round $round $($NODE -v) X_BACKOFF=$b"
    X_BACKOFF=$b timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
