#!/bin/bash
cd /work/ci37
N20=node; N26=/work/node-versions/n26/node_modules/node/bin/node
for round in 1 2; do for node in $N20 $N26; do for v in burst none; do
  args=""; [ $v = none ] && args="--server-args=--no-burst-intake"
  echo "== round $round $($node --version) $v"
  $node --import tsx bench/fanout-overload.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on $args 2>&1 | grep -E "^  on:|^  at "
done; done; done
