#!/bin/bash
NODE=node
for round in 1 2; do
  for tree in wt-exp wt-lead38; do
    echo "== round $round $($NODE -v) $tree"
    cd /work/$tree && timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on: 1000|^  at "
  done
done
ROUNDS=2 /tmp/r38/shopab.sh node
