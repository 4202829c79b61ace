#!/bin/bash
# returners (X_RETURN share over the limit) against main's behaviour, alternating; the experimental dist of wt-z40.
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-3}; LEVELS=${LEVELS:-20,1000}
cd /work/wt-z40
for r in $(seq 1 $ROUNDS); do
  for cfg in "default|" "return25|X_RETURN=0.25"; do
    IFS='|' read name envs <<<"$cfg"
    echo "== round $r $($NODE -v) $name shop"
    env $envs timeout 300 $NODE --import tsx bench/shop-product.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
    echo "== round $r $($NODE -v) $name fan-out"
    env $envs timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections $LEVELS --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
