#!/bin/bash
# main's behaviour (wt-y40, the experiment knobs unset) against the reserve (wt-lead40), alternating.
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-2}
for r in $(seq 1 $ROUNDS); do
  for tree in wt-y40 wt-lead40; do
    echo "== round $r $($NODE -v) $tree fan-out"
    cd /work/$tree && timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000,10000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
    echo "== round $r $($NODE -v) $tree shop"
    cd /work/$tree && timeout 300 $NODE --import tsx bench/shop-product.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
