#!/bin/bash
# main's behaviour (wt-y40) against returners first (wt-lead40), alternating: the shop straight from 20 to 1,000 connections.
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-2}
for r in $(seq 1 $ROUNDS); do
  for tree in wt-y40 wt-lead40; do
    echo "== round $r $($NODE -v) $tree shop"
    cd /work/$tree && timeout 400 $NODE --import tsx bench/shop-product.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:"
  done
done
