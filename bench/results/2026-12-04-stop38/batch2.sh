#!/bin/bash
cd /work/wt-exp
NODE=$1
for round in 1 2 3 4; do
  for b in 8 32 64; do
    echo "== round $round $($NODE -v) batch $b"
    EXP_BATCH=$b timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on: 1000|server-side" | tail -2
  done
done
