#!/bin/bash
# The shop's product page: main (wt-x) against the branch (wt-lead39), alternating.
NODE=$1; LEVELS=${LEVELS:-20,1000}; ROUNDS=${ROUNDS:-3}
for round in $(seq 1 $ROUNDS); do
  for tree in wt-x wt-lead39; do
    echo "== round $round $($NODE -v) $tree"
    cd /work/$tree && timeout 500 $NODE --import tsx bench/shop-product.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:|at 1000"
  done
done
