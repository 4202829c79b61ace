#!/bin/bash
# the shop at 1,000: keep busy copies open (X_KEEPBUSY) against the default, alternating (experimental dist)
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-3}
cd /work/wt-y40
for r in $(seq 1 $ROUNDS); do
  for cfg in "default|" "keepbusy|X_KEEPBUSY=1" "keepbusy16|X_KEEPBUSY=1 X_COPIES=16"; do
    IFS='|' read name envs <<<"$cfg"
    echo "== round $r $($NODE -v) $name"
    env $envs timeout 300 $NODE --import tsx bench/shop-product.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:|at 1000"
  done
done
