#!/bin/bash
cd /work/wt-exp
NODE=$1
for round in 1 2; do
  for b in 8 32 128; do
    echo "== round $round $($NODE -v) batch $b"
    EXP_BATCH=$b timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000,10000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on:|^  at |server-side"
  done
done
