#!/bin/bash
NODE=$1; ROUNDS=${ROUNDS:-2}
for round in $(seq 1 $ROUNDS); do
  for tree in wt-exp wt-lead38; do
    echo "== round $round $($NODE -v) $tree"
    cd /work/$tree && timeout 600 $NODE --import tsx bench/shop-product.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
