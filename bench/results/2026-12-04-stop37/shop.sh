#!/bin/bash
# shop page at 20,400,1000, control on: bursts (default, batched) vs --no-burst-intake, alternating
cd /work/wt-lead37
N20=node; N26=/work/node-versions/n26/node_modules/node/bin/node
for round in 1 2; do
  for node in $N20 $N26; do
    for v in burst none; do
      args=""; [ $v = none ] && args="--shop-args=--no-burst-intake"
      echo "== round $round $($node --version) $v"
      $node --import tsx bench/shop-product.ts --connections 20,400,1000 --seconds 10 --warmup 5 --modes on $args 2>&1 | grep -E "^  on:|^  at |goodput|p99" | head -12
    done
  done
done
