#!/bin/bash
# alternates pace caps on the fan-out, Node given as $1
cd /work/wt-exp
NODE=$1; shift
for round in 1 2; do
  for cap in 4000 500 300; do
    echo "== round $round $($NODE -v) backoff-cap $cap"
    EXP_MAX_BACKOFF=$cap timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000,10000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:|^  at "
  done
done
