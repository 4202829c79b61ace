#!/bin/bash
# main (wt-x, main's build) against the branch (wt-lead39), alternating: the fan-out's levels.
NODE=$1; LEVELS=${LEVELS:-20,1000}; ROUNDS=${ROUNDS:-4}
for round in $(seq 1 $ROUNDS); do
  for tree in wt-x wt-lead39; do
    echo "== round $round $($NODE -v) $tree"
    cd /work/$tree && timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
