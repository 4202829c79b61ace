#!/bin/bash
# main's behaviour (wt-y40, the experiment knobs unset) against returners first (wt-lead40), alternating:
# the shop on issue 12's levels, then the fan-out at 1,000 and 10,000.
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-2}
for r in $(seq 1 $ROUNDS); do
  for tree in wt-y40 wt-lead40; do
    echo "== round $r $($NODE -v) $tree shop"
    cd /work/$tree && timeout 400 $NODE --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:|^  at 1000"
  done
done
for tree in wt-y40 wt-lead40; do
  echo "== $($NODE -v) $tree fan-out"
  cd /work/$tree && timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000,10000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
done
