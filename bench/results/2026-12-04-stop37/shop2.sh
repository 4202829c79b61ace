#!/bin/bash
# N20 shop at 20,400,1000: bursts (batch 8) / none / growing batches, alternating
for round in 1 2; do
  for v in burst none grow; do
    dir=/work/wt-lead37; args=""
    [ $v = none ] && args="--shop-args=--no-burst-intake"
    [ $v = grow ] && dir=/work/wt-grow
    echo "== round $round $v"
    (cd $dir && node --import tsx bench/shop-product.ts --connections 20,400,1000 --seconds 10 --warmup 5 --modes on $args 2>&1 | grep -E "^  on:|^  at ")
  done
done
