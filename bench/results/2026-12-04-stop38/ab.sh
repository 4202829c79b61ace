#!/bin/bash
# main (wt-exp's dist, env knobs unset) against the branch (wt-lead38), alternating
NODE=$1; LEVELS=${LEVELS:-20,1000,10000}; ROUNDS=${ROUNDS:-2}
for round in $(seq 1 $ROUNDS); do
  for tree in wt-exp wt-lead38; do
    echo "== round $round $($NODE -v) $tree"
    cd /work/$tree && timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
