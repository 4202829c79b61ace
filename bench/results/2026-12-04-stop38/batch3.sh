#!/bin/bash
cd /work/wt-lead38
NODE=$1
for round in 1 2 3; do
  for b in 8 64 256; do
    echo "== round $round $($NODE -v) batch $b"
    EXP_BATCH=$b timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on: 1000"
  done
done
