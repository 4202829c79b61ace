#!/bin/bash
cd /work/wt-lead38
NODE=$1
for round in 1 2; do
  for args in "" "--balance=reuseport"; do
    echo "== round $round $($NODE -v) [$args]"
    timeout 400 $NODE --import tsx bench/fanout-overload.ts --connections 20,1000,10000 --seconds 10 --warmup 5 --modes on --server-args="$args" 2>&1 | grep -E "^  on:|^  at "
  done
done
